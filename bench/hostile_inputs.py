"""Measures peak memory (VmHWM) of the real code paths fed hostile input with the default bounds, each case in its
own process (target: every case under 300 MB, with a clear error for the item): a PGP compression bomb (256 MB of
zeros), a gzip bomb from a GitHub-compatible API (128 MB of JSON in about 127 KB), an endless same-host Link chain,
an IMAP server flooding untagged responses, an IMAP literal claiming 10^14 bytes, deeply nested or long-numbered
JSON/YAML given to the advisory importer, and large plain (unencrypted) mails of 16, 24, 32 and 60 MB (text and a
base64 attachment) synced from a Maildir into an encrypted store, alone and four 24 MB ones in one sync.

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
    if case.startswith("plain-"):
        from triage_tui.config import load_config
        from triage_tui.services.sync import sync_all
        from triage_tui.store.cipher import register_key
        from triage_tui.store.connection import reader

        database = Path(argument) / "store.db"
        register_key(database, os.urandom(32))
        (report,) = sync_all(database, load_config(Path(argument) / "config.toml"), only="local")
        with reader(database) as connection:
            failures = [row[0] for row in connection.execute("SELECT reason FROM intake_failures")]
        return f"{report.messages} stored, failures: {failures}"
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
    home = work / f"plain-{count}x{megabytes}"
    for folder in ("cur", "new", "tmp"):
        (home / "maildir" / folder).mkdir(parents=True)
    for number in range(count):
        (home / "maildir" / "new" / f"17000000{number:02d}.plain{megabytes}.bench").write_bytes(
            plain_mail(megabytes << 20)
        )
    (home / "config.toml").write_text(
        f'[identity]\nname = "Team"\nemail = "team@example.org"\nfingerprint = "{fingerprint}"\n'
        f'gnupg_home = "{ring_home}"\n\n[projects.pip]\nname = "pip"\npackages = ["pip"]\n\n'
        f'[sources.local]\nkind = "maildir"\npath = "{home / "maildir"}"\n'
    )
    return home


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
    for result in results:
        peak = result["peak_mb"]
        verdict = "ok" if isinstance(peak, int) and peak < LIMIT_MB else "OVER"
        print(f"{result['case']:<18} peak {peak} MB [{verdict}]  {result['outcome']}")


if __name__ == "__main__":
    main()
