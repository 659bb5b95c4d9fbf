"""Measures a maintainer's team sync with nothing new, on a private team Dovecot (the demo's: acl plugin, one account
per member, `Team/` folders with the designed rights): the IMAP commands it sends (target: one STATUS per folder it
reads, no other mailbox command) and its time; then the coordinator's, once it has shared every case with its
readers (a sync with nothing to share sends nothing more).

A coordinator, a pip maintainer and a uv maintainer (real keys, each logging in with their own account) share the
per-audience folders. The coordinator sends `--notes` notes on a pip case, the pip maintainer takes them in and syncs
until nothing is new; then `--runs` no-change syncs are counted and timed (each a whole `TeamTransport.sync`:
connect, login, STATUS, logout, and the log read for what waits to be sent).
"""

from __future__ import annotations

import argparse
import imaplib
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from gpg_fixtures import TEAM_OF_THREE, Keyring, kill_and_remove, team_keyrings
from triage_tui.config import Config, parse_config
from triage_tui.demo.team_server import TeamServer
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.store import Store
from triage_tui.team.acl import AclMember
from triage_tui.team.sharing import TeamSharer
from triage_tui.team.transport import TeamTransport
from ui_fixtures import seeded_store, small_inbox

CASE = "PSC-2026-0001"
MEMBERS = (
    AclMember("Casey Coordinator", "coordinator", (), "coord"),
    AclMember("Pip Maintainer", "maintainer", ("pip",), "pipm"),
    AclMember("Uv Maintainer", "maintainer", ("uv",), "uvm"),
)
SESSION_ONLY = {"CAPABILITY", "LOGIN", "LOGOUT"}
COMMAND = re.compile(rb"^[A-Z]+\d+ (?:UID )?([A-Z]+)(?: ([^\r\n]*))?\r\n")


@contextmanager
def commands_sent() -> Iterator[list[tuple[str, str]]]:
    """Every IMAP command line the client writes meanwhile (all go through imaplib's `send`)."""
    sent: list[tuple[str, str]] = []
    original = imaplib.IMAP4.send

    def recording(self: imaplib.IMAP4, data: bytes) -> None:
        found = COMMAND.match(data)
        if found is not None:
            sent.append((found.group(1).decode(), (found.group(2) or b"").decode()))
        original(self, data)

    imaplib.IMAP4.send = recording  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        imaplib.IMAP4.send = original  # type: ignore[method-assign]


def config(path: Path, ring: Keyring, rings: list[Keyring], server: TeamServer, user: str) -> Config:
    coordinator, pip, uv = rings
    text = server.member_config(user, ring.email, ring.email, ring.fingerprint, ring.home, coordinator.fingerprint)
    for project, maintainer in (("pip", pip), ("uv", uv)):
        text += f'\n[projects.{project}]\nmaintainers = ["{maintainer.fingerprint}"]\n'
    return parse_config(path, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ttteam", dir="/tmp"))
    root = Path(tempfile.mkdtemp(prefix="ttserver", dir="/tmp"))
    root.chmod(0o755)  # as root Dovecot runs as nobody, who must enter it
    server = TeamServer.create(root / "server", MEMBERS, ("pip", "uv"))
    server.start()
    rings = team_keyrings(*TEAM_OF_THREE)
    try:
        base = seeded_store(scratch / "base.db", small_inbox())
        setup = TriageService(Store(base), "setup")
        setup.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
        setup.store.close()
        stations = []
        for name, ring, user in (("coordinator", rings[0], "coord"), ("pip", rings[1], "pipm")):
            shutil.copy(base, scratch / f"{name}.db")
            stations.append((ring, config(scratch / f"{name}.toml", ring, rings, server, user), scratch / f"{name}.db"))
        (alex, alex_config, alex_db), (pat, pat_config, pat_db) = stations
        triage = TriageService(Store(alex_db), alex.email, sharer=TeamSharer(alex.fingerprint))
        for n in range(args.notes):
            triage.add_note(CASE, f"note {n}")
        triage.store.close()

        def sync(ring: Keyring, settings: Config, database: Path) -> None:
            with Store(database) as store:
                TeamTransport(store, settings, ring.gpg).sync()

        sync(alex, alex_config, alex_db)
        sync(pat, pat_config, pat_db)  # takes in the case and its notes
        sync(pat, pat_config, pat_db)  # the folder did not change since: nothing new
        sync(alex, alex_config, alex_db)  # shares what it had not shared yet (the uv maintainer's cases)
        sync(alex, alex_config, alex_db)
        met = [
            measure("pip maintainer", pat, pat_config, pat_db, args.runs, args.notes, sync),
            measure("coordinator", alex, alex_config, alex_db, args.runs, args.notes, sync),
        ]
        print(f"target: 1 STATUS per folder read, nothing else: {'met' if all(met) else 'MISSED'}")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
        for ring in rings:
            kill_and_remove(ring.home)


def measure(
    who: str,
    ring: Keyring,
    settings: Config,
    database: Path,
    runs: int,
    notes: int,
    sync: Callable[[Keyring, Config, Path], None],
) -> bool:
    """Count and time `runs` no-change syncs of one workstation; whether each was one STATUS per folder it reads."""
    timings, counts = [], []
    for _ in range(runs):
        with commands_sent() as sent:
            started = time.perf_counter()
            sync(ring, settings, database)
            timings.append(time.perf_counter() - started)
        counts.append([(name, arguments) for name, arguments in sent if name not in SESSION_ONLY])
    statuses = sum(1 for name, _ in counts[0] if name == "STATUS")
    others = [name for name, _ in counts[0] if name != "STATUS"]
    steady = all(each == counts[0] for each in counts)
    with Store(database) as store:
        reads = TeamTransport(store, settings, ring.gpg).folders.reads()
    print(f"{who}, {notes} notes taken in before; folders read: {', '.join(reads)}")
    print(f"no-change team sync: {statuses} STATUS, other mailbox commands: {others or 'none'}"
          f"{'' if steady else ' (varied between runs!)'}")  # fmt: skip
    print(f"  commands: {counts[0]}")
    print(f"  time: median {statistics.median(timings) * 1000:.1f} ms over {runs} runs "
          f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f})")  # fmt: skip
    return statuses == len(reads) and not others and steady


if __name__ == "__main__":
    main()
