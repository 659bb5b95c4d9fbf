"""Provides roster test material: one keyring holding the secret keys of a small team (so each roster event can be
made and each rotation proved), roster and case events at fixed times, and delivery into a store as a team sync
does it (judged, kept, then the roster settled), in one transaction per batch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gnupg
import pytest

from gpg_fixtures import Keyring, generate_key, kill_and_remove, new_keyring
from triage_tui.store.store import Store
from triage_tui.team.envelope import Opened, TeamRoles
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive
from triage_tui.team.roster_keys import sign_rotation
from triage_tui.team.roster_receipt import JudgedOn, batch_history, judge_received, load_history, settle

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
T0 = 1_760_000_000_000
"""A fixed past moment (events must not be ahead of the wall clock)."""
CONFIG_ROLES = TeamRoles(coordinators=frozenset())
"""No config roles: once the roster exists it alone decides."""


def at(seconds: float) -> Timestamp:
    return Timestamp(T0 + int(seconds * 1000), 0)


@dataclass(frozen=True)
class TeamOfFive:
    """Secret keys of C (founding coordinator), D (coordinator), P and Q (pip maintainers) and Q2 (Q's next key)."""

    ring: Keyring
    c: str
    d: str
    p: str
    q: str
    q2: str

    def armored(self, fingerprint: str) -> str:
        return str(self.ring.gpg.export_keys(fingerprint))


@pytest.fixture(scope="session")
def five() -> Iterator[TeamOfFive]:
    ring = new_keyring("c@team.example")
    try:
        others = [generate_key(ring.gpg, f"{n}@team.example") for n in ("d", "p", "q", "q2")]
        yield TeamOfFive(ring, ring.fingerprint, *others)
    finally:
        kill_and_remove(ring.home)


def add(
    team: TeamOfFive, author: str, member: str, role: str, projects: Sequence[str], when: float, email: str = ""
) -> TeamEvent:
    spec = {
        "name": member[:6], "email": email or f"{member[:6].lower()}@team.example", "role": role,
        "projects": sorted(projects), "imap_user": None, "fingerprint": member, "key": team.armored(member),
    }  # fmt: skip
    return TeamEvent(ROSTER_CASE, author, at(when), "member-add", roster={"member": spec})


def remove(author: str, member: str, when: float) -> TeamEvent:
    return TeamEvent(ROSTER_CASE, author, at(when), "member-remove", roster={"fingerprint": member})


def rotate(team: TeamOfFive, old: str, new: str, when: float) -> TeamEvent:
    proof = sign_rotation(team.ring.gpg, old, new, at(when))
    change = {"old": old, "new": new, "key": team.armored(new), "proof": proof}
    return TeamEvent(ROSTER_CASE, old, at(when), "key-rotate", roster=change)


def revoke(author: str, key: str, since: float, when: float) -> TeamEvent:
    change = {"fingerprint": key, "since": at(since).text()}
    return TeamEvent(ROSTER_CASE, author, at(when), "key-revoke", roster=change)


def deliver(
    database: Path,
    gpg: gnupg.GPG,
    founders: Sequence[str],
    batches: Sequence[Sequence[Opened | TeamEvent]],
    *,
    provisional: bool = False,
    wall: float | None = None,
) -> None:
    """Receive each batch as a team sync's round does: judged (roster events on their key material, case events on
    the roster kept so far, or with `provisional` on it and the batch's own roster events folded in, as the
    transport judges a batch), kept, and the roster settled; an event kept already is skipped, as a sync skips it.
    `wall`: the receiving workstation's clock (seconds; default now), against which events dated ahead wait."""
    with Store(database) as store:
        for batch in batches:
            items = [item if isinstance(item, Opened) else Opened(item, item.author, None) for item in batch]
            with store.write() as connection:
                kept = {str(row[0]) for row in connection.exec_driver_sql("SELECT id FROM team_events")}
                history = (
                    batch_history(connection, founders, items) if provisional else load_history(connection, founders)
                )
                judged = []
                judged_on: dict[str, JudgedOn] = {}
                for opened in items:
                    if opened.event is None or opened.event.id in kept:
                        continue
                    kept.add(opened.event.id)
                    verdict = judge_received(gpg, opened, CONFIG_ROLES, history, wall)
                    if opened.event.roster is None:  # as `judge_round` tells `settle` how it judged
                        judged_on[opened.event.id] = JudgedOn(verdict.rejection.name if verdict.rejection else None)
                    judged.append(verdict)
                receive(connection, judged, NOW, roster=history)
                new = [o.event.id for o in judged if o.event is not None and o.event.roster is not None]
                under = history if provisional else None
                settle(connection, gpg, founders, CONFIG_ROLES, NOW, fresh=bool(new), new=new, judged_under=under,
                       judged_on=judged_on if provisional else None, wall=wall)  # fmt: skip
