"""Measures peak memory (VmHWM) of the real code paths fed hostile input with the default bounds, each case in its
own process (target: every case under 300 MB, with a clear error for the item): a PGP compression bomb (256 MB of
zeros), a gzip bomb from a GitHub-compatible API (128 MB of JSON in about 127 KB), an endless same-host Link chain,
an IMAP server flooding untagged responses, an IMAP literal claiming 10^14 bytes, deeply nested or long-numbered
JSON/YAML given to the advisory importer, and large plain (unencrypted) mails of 16, 24, 32 and 60 MB (text and a
base64 attachment) synced from a Maildir into an encrypted store, alone and four 24 MB ones in one sync; and many
encrypted mails each decrypting to just under the 12 MB plaintext cap synced in one go: 10 and 60 compression bombs
(3 KB each, bzip2), and 60 "sub-ratio" ones that inflate about 80 times, under the amplification bound, so only
the plaintext budget of a gpg run holds them back. `--only CASE...` runs the named cases alone.

The hostile servers (tests/hostile_http.py, tests/hostile_imap.py) and the bombs are made in this parent process, so
the child's memory is the product's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

LIMIT_MB = 300


def peak_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def child(case: str, argument: str) -> str:
    """Run one case in this process; the outcome as one line."""
    if case == "pgp-bomb":
        from gpg_fixtures import pgpmime_envelope
        from triage_tui.intake.pipeline import GnuPG, process_batch

        home, armour_path = argument.split(",")
        (message,) = process_batch([pgpmime_envelope(Path(armour_path).read_bytes())], GnuPG(Path(home)))
        verdict = getattr(message, "verdict", None)
        return str(verdict.error if verdict is not None else message)
    if case in ("gzip-bomb", "link-chain"):
        from triage_tui.sources.github_api import ApiError, GitHubClient

        client = GitHubClient(argument, "token")
        try:
            pages = sum(1 for _ in client.pages("pypa/pip", []))
            return f"{pages} pages, no error"
        except ApiError as error:
            return str(error)
        finally:
            client.close()
    if case in ("imap-flood", "imap-literal"):
        from triage_tui.config import ImapSourceConfig
        from triage_tui.sources.base import SourceError
        from triage_tui.sources.imap import ImapSource

        class _State:
            def cursor(self, scope: str) -> None:
                return None

            def known_keys(self) -> set[str]:
                return set()

            def expect(self, items: int) -> None:
                pass

        os.environ["BENCH_IMAP_PASSWORD"] = "x"
        config = ImapSourceConfig(
            name="hostile", host="127.0.0.1", port=int(argument), security="none", username="bench",
            password_env="BENCH_IMAP_PASSWORD",
        )  # fmt: skip
        try:
            items = sum(len(batch.items) for batch in ImapSource(config).batches(_State(), 48))  # type: ignore[arg-type]
            return f"{items} items, no error"
        except SourceError as error:
            return str(error)
    if case.startswith("import-"):
        from triage_tui.advisories.importers import ImportError_, parse_document

        try:
            parse_document(Path(argument).read_bytes())
            return "parsed, no error"
        except ImportError_ as error:
            return f"refused: {error}"
    if case.startswith(("plain-", "bombs-", "inflating-")):
        from triage_tui.config import load_config
        from triage_tui.store.cipher import register_key
        from triage_tui.store.connection import reader
        from triage_tui.store.store import Store
        from triage_tui.sync.run import sync_all

        database = Path(argument) / "store.db"
        register_key(database, os.urandom(32))
        (report,) = sync_all(Store(database), load_config(Path(argument) / "config.toml"), only="local")
        with reader(database) as connection:
            failures = [row[0] for row in connection.execute("SELECT reason FROM intake_failures")]
        problems = f"{report.failures} with problems, {report.seconds:.1f} s, store {database.stat().st_size >> 20} MB"
        return f"{report.messages} stored, {problems}, failures: {failures}"
    raise SystemExit(f"unknown case {case}")


def plain_mail(size: int) -> bytes:
    """A realistic large report in the clear: a text part, then a base64 attachment filling it to `size` bytes."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Reporter <reporter@example.org>"
    message["To"] = "security@example.org"
    message["Subject"] = "pip: crash dump attached"
    message.set_content("Steps to reproduce are in the attached core dump.\n" * 200)
    attachment = os.urandom((size - 12_000) * 57 // 77)  # base64 lines: 77 bytes for every 57
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="core.dump")
    return message.as_bytes()


def plain_maildir(work: Path, megabytes: int, ring_home: Path, fingerprint: str, count: int = 1) -> Path:
    """A workspace (config and Maildir) whose Maildir holds `count` plain mails of `megabytes` MB each."""
    home = maildir_workspace(work / f"plain-{count}x{megabytes}", ring_home, fingerprint)
    for number in range(count):
        (home / "maildir" / "new" / f"17000000{number:02d}.plain{megabytes}.bench").write_bytes(
            plain_mail(megabytes << 20)
        )
    return home


def maildir_workspace(home: Path, ring_home: Path, fingerprint: str) -> Path:
    """A workspace at `home`: a config for the team key with one source, an empty Maildir."""
    for folder in ("cur", "new", "tmp"):
        (home / "maildir" / folder).mkdir(parents=True)
    (home / "config.toml").write_text(
        f'[identity]\nname = "Team"\nemail = "team@example.org"\nfingerprint = "{fingerprint}"\n'
        f'gnupg_home = "{ring_home}"\n\n[projects.pip]\nname = "pip"\npackages = ["pip"]\n\n'
        f'[sources.local]\nkind = "maildir"\npath = "{home / "maildir"}"\n'
    )
    return home


def encrypted_maildir(work: Path, name: str, armour: bytes, ring_home: Path, fingerprint: str, count: int) -> Path:
    """A workspace whose Maildir holds `count` PGP/MIME mails around `armour` (each its own Message-ID)."""
    from gpg_fixtures import pgpmime_envelope

    home = maildir_workspace(work / name, ring_home, fingerprint)
    for number in range(count):
        mail = pgpmime_envelope(armour, subject=f"pip: report {number}")
        (home / "maildir" / "new" / f"17000000{number:02d}.{name}.bench").write_bytes(
            mail.replace(b"<handmade@", f"<{name}-{number}@".encode())
        )
    return home


def inflating_armour(ring_home: Path, fingerprint: str, plaintext_bytes: int, random_bytes: int) -> bytes:
    """A PGP message (bzip2, level 9) of a mail whose body is `random_bytes` of base64 noise and then one letter up to
    `plaintext_bytes`: the noise sets how large the ciphertext is, so how many times it inflates."""
    import base64

    head = b"From: Rep <reporter@example.org>\r\nTo: team@example.org\r\nSubject: bomb\r\n\r\n"
    noise = base64.encodebytes(os.urandom(random_bytes * 3 // 4))
    body = head + noise + b"A" * (plaintext_bytes - len(head) - len(noise))
    return subprocess.run(
        ["gpg", "--homedir", str(ring_home), "--batch", "--trust-model", "always", "--compress-algo", "bzip2",
         "--compress-level", "9", "--armor", "--recipient", fingerprint, "--encrypt"],
        input=body, capture_output=True, check=True,
    ).stdout  # fmt: skip


def run_case(case: str, argument: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", case, argument], capture_output=True, text=True, check=False, timeout=900
    )
    if proc.returncode != 0:
        return {"case": case, "outcome": f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}", "peak_mb": None}
    return dict(json.loads(proc.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "ARGUMENT"), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", metavar="CASE", help="run only these cases (as printed)")
    args = parser.parse_args()
    if args.child:
        outcome = child(*args.child)
        print(json.dumps({"case": args.child[0], "outcome": outcome[:300], "peak_mb": peak_mb()}))
        return

    from gpg_fixtures import TEAM_EMAIL, kill_and_remove, new_keyring
    from hostile_http import HostileApi
    from hostile_imap import HostileImap

    results = []
    work = Path(tempfile.mkdtemp(prefix="hostile"))
    ring = new_keyring(TEAM_EMAIL)
    if args.only:
        try:
            results = [run_case(case, str(prepare(case, work, ring.home, ring.fingerprint))) for case in args.only]
        finally:
            kill_and_remove(ring.home)
        report(results)
        return
    try:
        armour = work / "bomb.asc"
        with armour.open("wb") as output:
            zeros = subprocess.Popen(["head", "-c", str(256 * 1024 * 1024), "/dev/zero"], stdout=subprocess.PIPE)
            subprocess.run(
                ["gpg", "--homedir", str(ring.home), "--batch", "--trust-model", "always", "--compress-level", "9",
                 "--armor", "--recipient", ring.fingerprint, "--encrypt"],
                stdin=zeros.stdout, stdout=output, check=True,
            )  # fmt: skip
            zeros.wait()
        print(f"PGP bomb: {armour.stat().st_size} bytes for 256 MB of plaintext", file=sys.stderr)
        results.append(run_case("pgp-bomb", f"{ring.home},{armour}"))
        for megabytes in (16, 24, 32, 60):
            home = plain_maildir(work, megabytes, ring.home, ring.fingerprint)
            results.append(run_case(f"plain-{megabytes}mb", str(home)))
        # Several in one sync: each is within intake's bound, so only the bytes in flight across them hold memory.
        home = plain_maildir(work, 24, ring.home, ring.fingerprint, count=4)
        results.append(run_case("plain-4x24mb", str(home)))
        for case in SUB_CAP_CASES:
            results.append(run_case(case, str(prepare(case, work, ring.home, ring.fingerprint))))
    finally:
        kill_and_remove(ring.home)
    with HostileApi("bomb", bomb_inflated=128 * 1024 * 1024) as api:
        print(f"gzip bomb: {api.bomb_size} bytes for 128 MB of JSON", file=sys.stderr)
        results.append(run_case("gzip-bomb", api.url))
    with HostileApi("links") as api:
        results.append(run_case("link-chain", api.url))
    with HostileImap("flood") as server:
        results.append(run_case("imap-flood", str(server.port)))
    with HostileImap("literal") as server:
        results.append(run_case("imap-literal", str(server.port)))
    documents = {
        "import-deep-json": "[" * 2_000_000 + "]" * 2_000_000,
        "import-deep-yaml": "x: " + "[" * 1_000_000 + "]" * 1_000_000,
        "import-digits": '{"id": "PYSEC-1", "modified": "x", "n": ' + "7" * 4_000_000 + "}",
    }
    for case, text in documents.items():
        path = work / case
        path.write_text(text)
        results.append(run_case(case, str(path)))
    report(results)


SUB_CAP = 12_000_000
"""Each encrypted case's plaintext: just under the 12 MiB a message may decrypt to."""
SUB_CAP_CASES = {"bombs-10": 10, "bombs-60": 60, "inflating-10": 10, "inflating-60": 60}
"""Encrypted cases and how many mails each syncs at once."""


def prepare(case: str, work: Path, home: Path, fingerprint: str) -> Path:
    """The workspace an encrypted sub-cap case syncs (for the team key in `home`)."""
    if case not in SUB_CAP_CASES:
        raise SystemExit(f"--only takes {', '.join(SUB_CAP_CASES)}")
    # A bomb's noise is none (3 KB of ciphertext); an inflating one's makes it ~180 KB: about 80 times.
    armour = inflating_armour(home, fingerprint, SUB_CAP, 0 if case.startswith("bombs-") else 240_000)
    print(f"{case}: {len(armour)} bytes of ciphertext for {SUB_CAP} of plaintext", file=sys.stderr)
    return encrypted_maildir(work, case, armour, home, fingerprint, SUB_CAP_CASES[case])


def report(results: list[dict[str, object]]) -> None:
    for result in results:
        peak = result["peak_mb"]
        verdict = "ok" if isinstance(peak, int) and peak < LIMIT_MB else "OVER"
        print(f"{result['case']:<18} peak {peak} MB [{verdict}]  {str(result['outcome'])[:300]}")


if __name__ == "__main__":
    main()
