"""Provides the GnuPG wrapper intake uses: batch decryption in one gpg process, signature checks and key UIDs."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gnupg

from triage_tui.intake.scratch import private_folder

_STATUS_PREFIX = "[GNUPG:] "
# One gpg command line stays well under ARG_MAX and a stuck item costs at most one chunk.
_CHUNK = 500


@dataclass
class DecryptOutcome:
    """What gpg said about one ciphertext: python-gnupg's reading of the status lines, the lines themselves, and
    the plaintext gpg wrote (which may be unauthenticated: the verdict decides whether it may be used)."""

    result: Any  # gnupg.Crypt, fed with this file's status lines
    keywords: list[tuple[str, str]] = field(default_factory=list)
    plaintext: bytes | None = None
    error: str | None = None


@contextmanager
def private_workdir() -> Iterator[Path]:
    """A fresh mode-0700 directory for gpg's files (its plaintext among them), removed with everything in it on
    exit; see `scratch` for signals and crashes."""
    with private_folder("gpg") as path:
        yield path


def split_status_by_file(stdout: str) -> dict[int, list[tuple[str, str]]]:
    """Status lines of `gpg --decrypt-files N.asc …`, grouped by the N of each FILE_START … FILE_DONE segment."""
    segments: dict[int, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in stdout.splitlines():
        if not line.startswith(_STATUS_PREFIX):
            continue
        keyword, _, value = line[len(_STATUS_PREFIX) :].partition(" ")
        if keyword == "FILE_START":
            name = value.split(" ", 1)[-1]
            stem = name.removesuffix(".asc")
            current = segments.setdefault(int(stem), []) if stem.isdigit() else None
        elif keyword == "FILE_DONE":
            current = None
        elif current is not None:
            current.append((keyword, value))
    return segments


class GnuPG:
    """GnuPG for intake, bound to one home (None: gpg's default). Thread-safe: every call has its own process and
    temporary directory."""

    def __init__(self, home: Path | None) -> None:
        self.home = home
        self.gpg = gnupg.GPG(gnupghome=str(home) if home is not None else None)
        self._uids: dict[str, tuple[str, ...]] = {}
        self._keyring_listed = False
        self._lock = threading.Lock()

    def _base_command(self) -> list[str]:
        command = [self.gpg.gpgbinary, "--batch", "--no-tty", "--status-fd", "1"]
        if self.home is not None:
            command += ["--homedir", str(self.home)]
        return command

    def decrypt_many(self, ciphertexts: Sequence[bytes]) -> list[DecryptOutcome]:
        """Decrypt every ciphertext with as few gpg processes as possible; same length and order as the input.

        gpg abandons the rest of a `--decrypt-files` run when one file is damaged in some ways (it exits after
        "decryption incomplete"), so the files it never started are run again in a fresh process.
        """
        outcomes: list[DecryptOutcome | None] = [None] * len(ciphertexts)
        pending = list(range(len(ciphertexts)))
        while pending:
            chunk = pending[:_CHUNK]
            started = self._decrypt_files([ciphertexts[i] for i in chunk])
            if not started:
                # gpg took none of them: give up on this chunk rather than loop.
                for index in chunk:
                    outcomes[index] = DecryptOutcome(
                        result=gnupg.Crypt(self.gpg), error="gpg reported nothing for this item"
                    )
            for local, outcome in started.items():
                outcomes[chunk[local]] = outcome
            pending = [index for index in pending if outcomes[index] is None]
        return [outcome for outcome in outcomes if outcome is not None]

    def _decrypt_files(self, ciphertexts: Sequence[bytes]) -> dict[int, DecryptOutcome]:
        """Run one `gpg --decrypt-files`; outcomes for the files gpg started, by position."""
        with private_workdir() as work:
            names = []
            for index, data in enumerate(ciphertexts):
                (work / f"{index}.asc").write_bytes(data)
                names.append(f"{index}.asc")
            try:
                # gpg exits 2 whenever any file failed; the per-file status segments say which.
                proc = subprocess.run(
                    [*self._base_command(), "--decrypt-files", *names],
                    cwd=work,
                    capture_output=True,
                    timeout=60 + 2 * len(names),
                    check=False,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                return {
                    index: DecryptOutcome(result=gnupg.Crypt(self.gpg), error=f"gpg did not run: {exc}")
                    for index in range(len(names))
                }
            segments = split_status_by_file(proc.stdout.decode("utf-8", "replace"))
            outcomes = {}
            for index, keywords in segments.items():
                if not 0 <= index < len(names):
                    continue
                result = gnupg.Crypt(self.gpg)
                for keyword, value in keywords:
                    result.handle_status(keyword, value)
                output = work / str(index)
                plaintext = output.read_bytes() if output.is_file() else None
                outcomes[index] = DecryptOutcome(result=result, keywords=keywords, plaintext=plaintext)
            return outcomes

    def verify_detached(self, data: bytes, signature: bytes) -> Any:
        """python-gnupg's Verify for a detached signature over exactly `data`."""
        with private_workdir() as work:
            sig_path = work / "signature.asc"
            sig_path.write_bytes(signature)
            return self.gpg.verify_data(str(sig_path), data)

    def verify_clearsigned(self, text: bytes) -> Any:
        """python-gnupg's Verify for an inline clearsigned (or signed, armoured) message."""
        return self.gpg.verify(text)

    def uids(self, fingerprint: str) -> tuple[str, ...]:
        """The user IDs of the key with this fingerprint in the keyring (cached), empty when it is not there."""
        with self._lock:
            if not self._keyring_listed:
                # One listing of the whole keyring costs less than one gpg process per new signer.
                self._keyring_listed = True
                for key in self.gpg.list_keys():
                    uids = tuple(str(uid) for uid in key.get("uids", []))
                    subkeys = [info.get("fingerprint") for info in key.get("subkey_info", {}).values()]
                    for key_fingerprint in [key.get("fingerprint"), *subkeys]:
                        if key_fingerprint:
                            self._uids.setdefault(str(key_fingerprint), uids)
            cached = self._uids.get(fingerprint)
        if cached is not None:
            return cached
        keys = self.gpg.list_keys(keys=[fingerprint])
        # A subkey fingerprint also matches its primary key, so one listed key is the signer's.
        exact = [key for key in keys if key.get("fingerprint") == fingerprint]
        chosen = exact or (list(keys) if len(keys) == 1 else [])
        found = tuple(str(uid) for uid in chosen[0].get("uids", [])) if chosen else ()
        if not found:
            return found
        with self._lock:
            self._uids[fingerprint] = found
        return found
