"""Property test: whatever a team member signs, no event stops anyone's sync. Random and mutated events, genuinely
signed by a coordinator and encrypted to a maintainer, go through a real Dovecot folder into the maintainer's real
store: the pull never raises, each event is applied or refused and listed (R), the cursor moves past it, a good
event behind it is applied and the maintainer's own waiting event still goes out."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dovecot_fixtures import DovecotServer
from gpg_fixtures import TEAM_OF_THREE, Keyring, kill_and_remove, team_keyrings
from test_team_imap import Station, append_sealed, station
from test_team_sync import CASE, shown
from triage_tui.domain import ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.envelope import encrypt_signed, seal
from triage_tui.team.events import FORMAT, TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import rejected
from ui_fixtures import seeded_store, small_inbox

GOOD_NOTE = "a good event behind the hostile one"
OWN_NOTE = "the maintainer's own note, waiting to be sent"


class Team:
    """The keys, the mailbox account, the maintainer's store (with a decision waiting to be sent) and a good
    event sealed once, shared by every example."""

    def __init__(self, root: Path, rings: tuple[Keyring, Keyring, Keyring], dovecot: DovecotServer, user: str):
        self.root = root
        self.rings = rings
        self.dovecot = dovecot
        self.user = user
        self.now = int(time.time() * 1000)
        base = seeded_store(root / "base.db", small_inbox())
        setup = TriageService(Store(base), "setup")
        setup.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))
        setup.store.close()
        maintainer = station(root, "pip", rings[1], rings, dovecot, user, base)
        pat = maintainer.triage()
        pat.add_note(CASE, OWN_NOTE)
        pat.store.close()
        self.maintainer_store = maintainer.database
        good = TeamEvent(CASE, self.coordinator.fingerprint, Timestamp(self.now + 5), "note", note=GOOD_NOTE)
        self.good = seal(self.coordinator.gpg, good, [rings[1].fingerprint])

    @property
    def coordinator(self) -> Keyring:
        return self.rings[0]

    def fresh_maintainer(self) -> Station:
        """The maintainer's workstation as it was before any example, reading a folder of its own."""
        folder = Path(tempfile.mkdtemp(dir=self.root))
        made = station(folder, "pip", self.rings[1], self.rings, self.dovecot, self.user, self.maintainer_store)
        assert made.config.team is not None
        team = msgspec.structs.replace(made.config.team, folder=f"Hostile{uuid.uuid4().hex[:12]}")
        return replace(made, config=msgspec.structs.replace(made.config, team=team))

    def seal_bytes(self, data: bytes) -> bytes:
        """`data` signed by the coordinator and encrypted to the maintainer, as a member's workstation would."""
        signed = self.coordinator.gpg.sign(data, keyid=self.coordinator.fingerprint, clearsign=False, binary=False)
        assert signed.data
        return encrypt_signed(self.coordinator.gpg, bytes(signed.data), [self.rings[1].fingerprint])


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, dovecot: DovecotServer) -> Iterator[Team]:
    rings = team_keyrings(*TEAM_OF_THREE)
    user, password = dovecot.new_user()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TT_TEAM_IMAP", password)
            yield Team(tmp_path_factory.mktemp("hostile"), (rings[0], rings[1], rings[2]), dovecot, user)
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


AUTHOR, NOW = "<author>", "<at>"
"""Placeholders for the coordinator's fingerprint and the time, known only once the keys are made."""


def base_bodies() -> list[dict[str, Any]]:
    """Valid events of every kind a coordinator sends, to mutate."""
    head = {"format": FORMAT, "case": CASE, "author": AUTHOR, "at": NOW}
    cell = {"status": "fixed", "ranges": ["<24.1"], "fixed_version": "24.1", "justification": None, "notes": "n"}
    share = {"title": "t", "reporter": "r", "received_at": "2026-01-01T00:00:00+00:00", "projects": ["pip"],
             "messages": [{"from": "f", "date": None, "subject": "s", "body": "b"}]}  # fmt: skip
    return [
        {**head, "kind": "state", "changes": {"state": ["new", "triage"], "title": ["a", "b"]}},
        {**head, "kind": "close", "changes": {"state": ["new", "closed"], "disposition": [None, "invalid"]}},
        {**head, "kind": "embargo", "changes": {"embargo_until": [None, "2027-01-01T00:00:00+00:00"]}},
        {**head, "kind": "labels", "changes": {"labels": [[], ["tarfile"]], "assignee": [None, "alex"]}},
        {**head, "kind": "cvss", "changes": {"cvss_vector": [None, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]}},
        {**head, "kind": "duplicate", "changes": {"duplicate_of": [None, "PSC-2026-0002"]}},
        {**head, "kind": "impact", "impacts": {"pip": cell}},
        {**head, "kind": "impact-removed", "impacts": {"pip": None}},
        {**head, "kind": "note", "note": "hello"},
        {**head, "kind": "share", "share": share, "ref": "mid:<report@example.org>"},
        {**head, "kind": "key-accepted", "key": {"address": "a@example.org", "fingerprint": AUTHOR}},
    ]


HOSTILE_TEXTS = [
    "",
    "\x1b]52;c;cHduZWQ=\x07",
    "\u202eevil",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2026-13-45",
    "PSC-99999999999999999999-1",
    "PSC-0000-0000",
    "mid:",
    "x" * 5000,
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (object keys and list indexes), outermost first."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths_of(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths_of(inner, (*prefix, index))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one to three of its values replaced, removed or joined by a new key."""
    body: dict[str, Any] = draw(st.sampled_from(base_bodies()), label="event")
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        path = draw(st.sampled_from(paths_of(body)), label="path")
        parent: Any = body
        for step in path[:-1]:
            parent = parent[step]
        how = draw(st.sampled_from(["replace", "replace", "remove", "add"]), label="how")
        if how == "remove" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "status", "note", "state", "title", "ref"]))] = draw(json_values)
        else:
            parent[path[-1]] = draw(json_values, label="value")
    return body


def null_state() -> dict[str, Any]:
    body = base_bodies()[0]
    body["changes"]["state"][1] = None
    return body


def embargo_in_year_one() -> dict[str, Any]:
    body = base_bodies()[2]
    body["changes"]["embargo_until"][1] = "0001-01-01T00:00:00+05:00"
    return body


def filled(value: Any, author: str, at: str) -> Any:
    """`value` with the placeholders replaced by the coordinator's fingerprint and the time."""
    if isinstance(value, dict):
        return {key: filled(inner, author, at) for key, inner in value.items()}
    if isinstance(value, list):
        return [filled(inner, author, at) for inner in value]
    return {AUTHOR: author, NOW: at}.get(value, value) if isinstance(value, str) else value


def canonical(body: Any) -> bytes:
    """The bytes an author's workstation would sign (non-canonical events are refused for that alone)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pull_and_check(team: Team, hostile: bytes) -> None:
    maintainer = team.fresh_maintainer()
    append_sealed(maintainer, team.seal_bytes(hostile), team.good)
    outcome = maintainer.sync()  # must never raise
    assert outcome.applied + outcome.rejected == 2 and outcome.applied >= 1
    assert outcome.sent == 1  # the maintainer's own decision went out all the same
    assert GOOD_NOTE in shown(maintainer.database)["notes"]  # type: ignore[operator]
    with reader(maintainer.database) as connection:
        listed = rejected(connection)
    assert len(listed) == outcome.rejected  # every refusal is listed under R, with its reason
    again = maintainer.sync()  # the cursor moved past both: nothing read, refused or sent twice
    assert (again.applied, again.rejected, again.sent) == (0, 0, 0)
    shutil.rmtree(maintainer.database.parent)


@settings(max_examples=30, deadline=None)
@given(mutated_bodies())
@example(null_state()).via("a null state: once stopped every later sync of every reader")
@example(embargo_in_year_one()).via("an embargo in year 1: the same")
def test_no_signed_event_however_mutated_stops_the_pull(team: Team, body: dict[str, Any]) -> None:
    pull_and_check(team, canonical(filled(body, team.coordinator.fingerprint, Timestamp(team.now).text())))


@settings(max_examples=5, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=50).map(str.encode))
def test_no_signed_bytes_that_are_not_an_event_stop_the_pull(team: Team, data: bytes) -> None:
    pull_and_check(team, data)
