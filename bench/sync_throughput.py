"""Measures end-to-end Maildir sync of encrypted reports against a serial python-gnupg decrypt loop, same run."""

from __future__ import annotations

import argparse
import email
import email.policy
import subprocess
import tempfile
import time
from pathlib import Path

import gnupg

from triage_tui.config import load_config
from triage_tui.demo.build import build_demo
from triage_tui.store.store import Store
from triage_tui.sync.run import sync_all


def encrypted_payload(raw: bytes) -> bytes | None:
    """The OpenPGP message of a PGP/MIME or inline-PGP report, as a plain python-gnupg loop would find it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and b"-----BEGIN PGP MESSAGE-----" in payload:
            return payload
    return None


def serial_decrypt_loop(gnupg_home: Path, files: list[Path]) -> tuple[float, int]:
    """Decrypt every encrypted report one `gpg.decrypt()` call at a time; return (seconds, messages)."""
    gpg = gnupg.GPG(gnupghome=str(gnupg_home))
    payloads = [p for p in (encrypted_payload(f.read_bytes()) for f in files) if p is not None]
    started = time.perf_counter()
    for payload in payloads:
        gpg.decrypt(payload)
    return time.perf_counter() - started, len(payloads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ttb", dir="/tmp") as scratch:
        home = Path(scratch) / "ws"
        began = time.perf_counter()
        demo = build_demo(home, args.cases)
        print(f"built a demo Maildir of {demo.messages} messages in {time.perf_counter() - began:.1f} s")
        files = sorted(p for folder in ("new", "cur") for p in (demo.maildir / folder).iterdir())
        try:
            # Warm the agent and the OS caches once so neither side pays the first start.
            serial_decrypt_loop(demo.gnupg_home, files[:5])
            serial_seconds, encrypted = serial_decrypt_loop(demo.gnupg_home, files)
            config = load_config(demo.config_path)
            started = time.perf_counter()
            reports = sync_all(Store(home / "triage.db"), config)
            sync_seconds = time.perf_counter() - started
        finally:
            subprocess.run(["gpgconf", "--homedir", str(demo.gnupg_home), "--kill", "all"], check=False)
        synced = sum(r.messages for r in reports)
        serial_rate = encrypted / serial_seconds
        sync_rate = synced / sync_seconds
        print(f"serial python-gnupg decrypt loop: {encrypted} encrypted messages in {serial_seconds:.2f} s "
              f"= {serial_rate:.0f} msg/s")  # fmt: skip
        print(f"end-to-end Maildir sync (read, decrypt, verify, parse, thread, store): {synced} messages in "
              f"{sync_seconds:.2f} s = {sync_rate:.0f} msg/s")  # fmt: skip
        print(f"ratio: {sync_rate / serial_rate:.2f} (target >= 2.0)")


if __name__ == "__main__":
    main()
