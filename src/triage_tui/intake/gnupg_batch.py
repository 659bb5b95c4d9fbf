"""Provides the GnuPG wrapper intake uses: batch decryption in one gpg process, signature checks and key UIDs."""

from __future__ import annotations

import resource
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import gnupg

from triage_tui.intake.plaintext_budget import PlaintextLease
from triage_tui.intake.scratch import private_folder

_STATUS_PREFIX = "[GNUPG:] "
# One gpg command line stays well under ARG_MAX and a stuck item costs at most one chunk.
_CHUNK = 500
MAX_PLAINTEXT_BYTES = 12 * 1024 * 1024
"""The largest plaintext one message may decrypt to: room for a report with sizeable attachments, while a
compression bomb (a 1.3 KB message that inflates to 256 MB) stops here, in gpg's own write, and is never read into
this process. Decrypting, parsing and storing (full-text index included) cost up to about 18x the plaintext: sixty
14.7 MB mails under the amplification bound peaked at 303 MB with a 16 MB cap (32 MB: 374 MB for one), so 12 MB."""
DECRYPT_TIMEOUT_S = 60
"""A gpg run's base time (plus 2 s a file): decryption is fast, so only a stuck gpg takes this long."""
MAX_PLAINTEXT_PER_RUN = 16 * 1024 * 1024
"""Plaintext one gpg run reads in before it hands the rest of its chunk back (one over it still goes alone), and
that a sync's workers hold at once while they parse (intake.plaintext_budget): every message may be just under
MAX_PLAINTEXT_BYTES, so without it a chunk of 48 held 48 of them at once (60 bombs of 14.7 MB each: 1.78 GB). A
sync holds at most a few chunks' results (sync/mail_source.py), so this bounds its plaintext."""
MAX_AMPLIFICATION = 100
"""How many times its (armoured) ciphertext a plaintext may be. Measured with gpg's default compression: a PDF or PNG
0.7-0.8x, prose 1.8x, Python source 2.3x, a stack-trace log 4.8x, dpkg.log 8.1x; only one log line repeated
100,000 times (6.8 MB) passed 100x, at 193x. A compression bomb is thousands of times (508 bytes to 14.7 MB)."""
AMPLIFICATION_FLOOR_BYTES = 1024 * 1024
"""A plaintext up to this size is never refused for its ratio: a short message of repeated text (a pasted hex dump
of zeros) may compress well past MAX_AMPLIFICATION, and a megabyte costs nothing."""
MAX_STATUS_LINES = 1000
"""Status lines kept per file: a real one has a few dozen; a message signed by thousands of keys does not get more."""


def _capped_output() -> list[str]:
    """A prefix that runs the command with every file it writes limited to MAX_PLAINTEXT_BYTES by the kernel
    (RLIMIT_FSIZE, in 512-byte blocks); SIGXFSZ is ignored so gpg gets EFBIG, says so and goes on to the next file.

    Never above the limit this process already runs under (a shell's `ulimit -f`): raising it is refused, and gpg
    would then not run at all."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    blocks = MAX_PLAINTEXT_BYTES // 512
    if hard != resource.RLIM_INFINITY:
        blocks = min(blocks, hard // 512)
    return ["/bin/sh", "-c", f'ulimit -f {blocks} && trap "" XFSZ && exec "$@"', "sh"]


class GpgUnavailable(Exception):
    """gpg did not run, or ended before it started on any file: no verdict at all, so nothing may be stored as one
    (the sync stops there and the next one tries the same messages again)."""


@dataclass
class DecryptOutcome:
    """What gpg said about one ciphertext: python-gnupg's reading of the status lines, the lines themselves, and
    the plaintext gpg wrote (which may be unauthenticated: the verdict decides whether it may be used)."""

    result: gnupg.Crypt
    """python-gnupg's reading of the ciphertext, fed with this file's status lines."""
    keywords: list[tuple[str, str]] = field(default_factory=list)
    plaintext: bytes | None = None
    error: str | None = None


def too_amplified(plaintext_size: int, ciphertext_size: int) -> bool:
    """Whether a plaintext is so many times its ciphertext that only a compression bomb makes it."""
    return plaintext_size > max(AMPLIFICATION_FLOOR_BYTES, MAX_AMPLIFICATION * ciphertext_size)


@contextmanager
def private_workdir() -> Iterator[Path]:
    """A fresh mode-0700 directory for gpg's files (its plaintext among them), removed with everything in it on
    exit; see `scratch` for signals and crashes."""
    with private_folder("gpg") as path:
        yield path


def status_segments(lines: Iterable[str], count: int) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """(N, its status lines) for each FILE_START … FILE_DONE segment of `gpg --decrypt-files 0.asc … (count-1).asc`,
    as each segment ends; at most MAX_STATUS_LINES lines are kept of one.

    A file gpg started but abandoned (a damaged one: gpg gives up the whole run after it, with no FILE_DONE) is
    yielded when the stream ends, so it counts as tried: the files after it are run again without it, instead of
    the damaged one coming first again and taking the rest of the chunk down with it."""
    current: list[tuple[str, str]] | None = None
    index = -1
    for line in lines:
        if not line.startswith(_STATUS_PREFIX):
            continue
        keyword, _, value = line[len(_STATUS_PREFIX) :].rstrip("\r\n").partition(" ")
        if keyword == "FILE_START":
            stem = value.split(" ", 1)[-1].removesuffix(".asc")
            index = int(stem) if stem.isdigit() and len(stem) < 6 and int(stem) < count else -1
            current = [] if index >= 0 else None
        elif keyword == "FILE_DONE":
            if current is not None:
                yield index, current
            current = None
        elif current is not None and len(current) < MAX_STATUS_LINES:
            current.append((keyword, value))
    if current is not None:
        yield index, current


def split_status_by_file(stdout: str, count: int = _CHUNK) -> dict[int, list[tuple[str, str]]]:
    """Status lines of `gpg --decrypt-files N.asc …`, grouped by the N of each FILE_START … FILE_DONE segment."""
    return dict(status_segments(stdout.splitlines(), count))


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

    def decrypt_many(
        self, ciphertexts: Sequence[bytes], *, lease: PlaintextLease | None = None
    ) -> list[DecryptOutcome]:
        """Decrypt the ciphertexts with as few gpg processes as possible; outcomes in input order.

        gpg abandons the rest of a `--decrypt-files` run when one file is damaged in some ways (it exits after
        "decryption incomplete"), so the files it never started are run again in a fresh process.

        With a `lease`, reading in stops before the first plaintext it refuses: the outcomes are then those of a
        prefix of `ciphertexts`, and the caller hands the rest in again once it has stored these.
        """
        budget = lease if lease is not None else PlaintextLease(None)
        outcomes: list[DecryptOutcome | None] = [None] * len(ciphertexts)
        pending = list(range(len(ciphertexts)))
        while pending and not budget.exhausted:
            chunk = pending[:_CHUNK]
            started = self._decrypt_files([ciphertexts[i] for i in chunk], budget)
            if not started and not budget.exhausted:
                # gpg started none of them (a damaged file still counts as started), so gpg itself failed: that is
                # no verdict on these messages, and stored as one it would never be retried.
                raise GpgUnavailable("gpg ended before it decrypted anything (is gpg installed and working?)")
            for local, outcome in started.items():
                outcomes[chunk[local]] = outcome
            pending = [index for index in pending if outcomes[index] is None]
        done = outcomes.index(None) if None in outcomes else len(outcomes)
        return [outcome for outcome in outcomes[:done] if outcome is not None]

    def _decrypt_files(self, ciphertexts: Sequence[bytes], budget: PlaintextLease) -> dict[int, DecryptOutcome]:
        """Run one `gpg --decrypt-files`; outcomes for the files gpg started, by position, up to the first one the
        budget refused.

        Each plaintext is read (and its file removed) as soon as gpg is done with it, so the private directory
        holds at most one at a time; the kernel stops gpg writing any one past MAX_PLAINTEXT_BYTES."""
        with private_workdir() as work:
            names = []
            for index, data in enumerate(ciphertexts):
                (work / f"{index}.asc").write_bytes(data)
                names.append(f"{index}.asc")
            try:
                proc = subprocess.Popen(
                    [*_capped_output(), *self._base_command(), "--decrypt-files", *names],
                    cwd=work,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            except OSError as exc:
                raise GpgUnavailable(f"gpg did not run: {exc}") from None
            # A stuck gpg (a pinentry nobody answers) is killed; the files it never finished are outcome-less.
            killer = threading.Timer(DECRYPT_TIMEOUT_S + 2 * len(names), proc.kill)
            killer.start()
            try:
                return self._read_outcomes(proc, work, [len(data) for data in ciphertexts], budget)
            finally:
                killer.cancel()
                proc.kill()
                proc.wait()

    def _read_outcomes(
        self, proc: subprocess.Popen[bytes], work: Path, sizes: list[int], budget: PlaintextLease
    ) -> dict[int, DecryptOutcome]:
        """Outcomes of the files gpg reports on its status lines, each taken in when its FILE_DONE arrives; the run
        ends (gpg is killed by the caller) at the first plaintext the budget refuses."""
        assert proc.stdout is not None
        lines = (raw.decode("utf-8", "replace") for raw in proc.stdout)
        outcomes: dict[int, DecryptOutcome] = {}
        for index, keywords in status_segments(lines, len(sizes)):
            outcome = self._outcome(keywords, work / str(index), sizes[index], budget)
            if outcome is None:
                break
            outcomes[index] = outcome
        return outcomes

    def _outcome(
        self, keywords: list[tuple[str, str]], output: Path, ciphertext_size: int, budget: PlaintextLease
    ) -> DecryptOutcome | None:
        """This file's outcome, its plaintext read in unless it is a bomb; None when the budget refuses it."""
        result = gnupg.Crypt(self.gpg)
        for keyword, value in keywords:
            result.handle_status(keyword, value)
        if not output.is_file():
            return DecryptOutcome(result=result, keywords=keywords)
        try:
            size = output.stat().st_size
            if size >= MAX_PLAINTEXT_BYTES:
                # gpg still says DECRYPTION_OKAY when its write failed; the size is what tells.
                return DecryptOutcome(
                    result=result,
                    keywords=keywords,
                    error=f"the decrypted message is over {MAX_PLAINTEXT_BYTES} bytes (a compression bomb?); not read",
                )
            if too_amplified(size, ciphertext_size):
                # Checked on the file gpg wrote, before a byte of it is read: a bomb under the cap is never held.
                return DecryptOutcome(
                    result=result,
                    keywords=keywords,
                    error=f"the message decrypts to {size // max(ciphertext_size, 1)} times its size "
                    f"({size} bytes from {ciphertext_size}; a compression bomb?); not read",
                )
            if not budget.admits(size):
                return None
            return DecryptOutcome(result=result, keywords=keywords, plaintext=output.read_bytes())
        finally:
            output.unlink(missing_ok=True)

    def verify_detached(self, data: bytes, signature: bytes) -> gnupg.Verify:
        """python-gnupg's Verify for a detached signature over exactly `data`."""
        with private_workdir() as work:
            sig_path = work / "signature.asc"
            sig_path.write_bytes(signature)
            return self.gpg.verify_data(str(sig_path), data)

    def verify_clearsigned(self, text: bytes) -> gnupg.Verify:
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
