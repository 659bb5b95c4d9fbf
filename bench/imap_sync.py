"""Measures IMAP sync from a local Dovecot: throughput against a serial python-gnupg loop, peak memory, no-change time.

Builds demo reports (real keys, PGP/MIME) until there are `--messages` of them, APPENDs them to a throwaway Dovecot
(the test suite's harness), then in one run measures: a serial python-gnupg `decrypt()` loop over the same messages,
`triage-tui sync` (a separate process: wall time and memory sampled from /proc), and a no-change `triage-tui sync`
including process start.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gnupg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_throughput import encrypted_payload

from dovecot_fixtures import DovecotServer, _run_as
from triage_tui.demo.build import build_demo


def demo_messages(home: Path, wanted: int) -> tuple[list[bytes], Path, str]:
    """At least `wanted` demo reports (with their threads), the team's GnuPG home and fingerprint."""
    # The demo writes ~1.4 messages a case (threads); ask for enough cases to pass `wanted`.
    demo = build_demo(home, max(1, int(wanted / 1.35)))
    files = sorted(p for folder in ("new", "cur") for p in (demo.maildir / folder).iterdir())
    return [f.read_bytes() for f in files][:wanted], demo.gnupg_home, demo.team_fingerprint


def serial_loop(gnupg_home: Path, messages: list[bytes]) -> tuple[float, int]:
    gpg = gnupg.GPG(gnupghome=str(gnupg_home))
    payloads = [p for p in (encrypted_payload(m) for m in messages) if p is not None]
    started = time.perf_counter()
    for payload in payloads:
        gpg.decrypt(payload)
    return time.perf_counter() - started, len(payloads)


def run_sync(home: Path, env: dict[str, str]) -> tuple[float, int, list[int], dict[str, object]]:
    """Run `triage-tui sync --json`; return wall seconds, peak RSS (KiB), RSS samples (KiB) and its report."""
    executable = shutil.which("triage-tui", path=str(Path(sys.executable).parent)) or "triage-tui"
    started = time.perf_counter()
    process = subprocess.Popen(
        [executable, "--home", str(home), "sync", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    samples: list[int] = []
    status = Path(f"/proc/{process.pid}/status")
    # Woken by the process's end (its pidfd), not only every 0.1 s: a sleep between samples rounded every run up to
    # the next tenth of a second (a 0.21 s no-change sync read as 0.30 s).
    ended = os.pidfd_open(process.pid)
    try:
        while True:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        samples.append(int(line.split()[1]))
            except OSError:
                pass
            if select.select([ended], [], [], 0.1)[0]:
                break
    finally:
        os.close(ended)
    wall = time.perf_counter() - started
    _pid, exit_status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(exit_status)
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"sync failed ({process.returncode}): {err.decode()[-2000:]}")
    peak = max(samples) if samples else 0
    if usage is not None:
        peak = max(peak, usage.ru_maxrss)
    return wall, peak, samples, json.loads(out)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ttimap", dir="/tmp"))
    server_dir = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
    os.chmod(server_dir, 0o755)
    server = DovecotServer(server_dir, _run_as())
    server.start()
    try:
        began = time.perf_counter()
        messages, gnupg_home, team = demo_messages(scratch / "demo", args.messages)
        print(f"built {len(messages)} demo reports in {time.perf_counter() - began:.0f} s")
        user, password = server.new_user()
        began = time.perf_counter()
        for start in range(0, len(messages), 500):
            server.append_many(user, "INBOX", messages[start : start + 500])
        print(f"appended them to Dovecot in {time.perf_counter() - began:.0f} s")

        home = scratch / "ws"
        home.mkdir()
        (home / "config.toml").write_text(
            f'[identity]\nname = "Bench"\nemail = "security@packaging-security.example"\nfingerprint = "{team}"\n'
            f'gnupg_home = "{gnupg_home}"\n\n'
            f'[sources.inbox]\nkind = "imap"\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
            f'username = "{user}"\npassword_env = "BENCH_IMAP_PASSWORD"\nfolders = ["INBOX"]\n'
        )
        env = {**os.environ, "BENCH_IMAP_PASSWORD": password}

        serial_loop(gnupg_home, messages[:5])  # warm the agent once
        serial_seconds, encrypted = serial_loop(gnupg_home, messages)
        serial_rate = encrypted / serial_seconds
        print(f"serial python-gnupg decrypt loop: {encrypted} messages in {serial_seconds:.1f} s = {serial_rate:.0f}/s")

        wall, peak, samples, report = run_sync(home, env)
        synced = int(report["messages"])  # type: ignore[call-overload]
        rate = synced / wall
        print(
            f"triage-tui sync from Dovecot (process start to exit): {synced} messages in {wall:.1f} s = {rate:.0f}/s; "
            f"ratio {rate / serial_rate:.2f} (target >= 2.0)"
        )
        tenth = max(1, len(samples) // 10)
        marks = ", ".join(f"{samples[i] / 1024:.0f}" for i in range(tenth, len(samples), max(1, len(samples) // 5)))
        print(f"memory: peak RSS {peak / 1024:.0f} MB (target <= 250 MB, flat); RSS over the run (MB): {marks}")

        no_change = []
        for _ in range(5):
            seconds, _peak, _samples, report = run_sync(home, env)
            assert report["messages"] == 0
            no_change.append(seconds)
        print(
            f"no-change triage-tui sync incl. process start: median {statistics.median(no_change):.2f} s "
            f"(runs {', '.join(f'{s:.2f}' for s in no_change)}; target <= 1.0 s)"
        )
    finally:
        server.stop()
        subprocess.run(["gpgconf", "--homedir", str(scratch / "demo" / "gnupg"), "--kill", "all"], check=False)
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(server_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
