"""Tests of sealed team events with real gpg and three identities (a coordinator, a pip maintainer, a uv
maintainer) and a stranger: only the case's trust boundary can read an event, and forged, unsigned, unknown-key,
wrong-role and replayed events are refused with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from gpg_fixtures import TEAM_OF_THREE, Keyring, TeamKeys, exchange, kill_and_remove, new_keyring, team_keyrings
from triage_tui.team.envelope import Rejection, judge, open_sealed, seal
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp

PIP_CASE_PROJECTS = ("pip",)


@dataclass(frozen=True)
class Team(TeamKeys):
    """The team, and a stranger whose key nobody has."""

    stranger: Keyring


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    rings = team_keyrings(*TEAM_OF_THREE)
    stranger = new_keyring("mallory@evil.example")
    try:
        exchange(rings[0], stranger)  # the stranger can encrypt to the coordinator, who does not know them
        yield Team(rings[0], rings[1], rings[2], stranger)
    finally:
        for ring in (*rings, stranger):
            kill_and_remove(ring.home)


def event(author: str, note: str = "checked: pip affected") -> TeamEvent:
    return TeamEvent("PSC-2026-0001", author, Timestamp(1_763_800_000_000, 0), "note", note=note)


def test_only_the_cases_trust_boundary_can_read_its_events(team: Team) -> None:
    made = event(team.coordinator.fingerprint)
    sealed = seal(team.coordinator.gpg, made, team.roles.readers(PIP_CASE_PROJECTS))
    assert b"checked: pip affected" not in sealed
    opened = judge(open_sealed(team.pip.gpg, sealed), team.roles, set())
    assert opened.rejection is None and opened.event == made and opened.signer == team.coordinator.fingerprint
    assert open_sealed(team.uv.gpg, sealed).rejection == Rejection.UNDECRYPTABLE  # uv is not on this case
    assert team.roles.readers(PIP_CASE_PROJECTS) == sorted([team.coordinator.fingerprint, team.pip.fingerprint])


def test_an_event_signed_by_another_key_than_its_author_is_refused(team: Team) -> None:
    forged = event(team.coordinator.fingerprint, "closed as spam")  # claims to be the coordinator's
    sealed = team.pip.gpg.encrypt(
        forged.encode(), [team.coordinator.fingerprint], sign=team.pip.fingerprint, armor=True, always_trust=True
    )
    opened = open_sealed(team.coordinator.gpg, bytes(str(sealed), "ascii"))
    assert opened.rejection == Rejection.NOT_THE_AUTHOR and opened.signer == team.pip.fingerprint


def test_an_unsigned_event_is_refused(team: Team) -> None:
    made = event(team.pip.fingerprint)
    sealed = team.pip.gpg.encrypt(made.encode(), [team.coordinator.fingerprint], armor=True, always_trust=True)
    assert open_sealed(team.coordinator.gpg, bytes(str(sealed), "ascii")).rejection == Rejection.UNSIGNED


def test_an_event_from_an_unknown_key_is_refused(team: Team) -> None:
    made = event(team.stranger.fingerprint, "reassigned to mallory")
    sealed = seal(team.stranger.gpg, made, [team.coordinator.fingerprint])
    assert open_sealed(team.coordinator.gpg, sealed).rejection == Rejection.UNKNOWN_KEY


def test_a_maintainers_rights_are_judged_from_the_event_alone_never_from_the_case_here(team: Team) -> None:
    """One verdict everywhere: the case's projects differ between workstations (uv's has no pip case at all), so a
    maintainer's note stands on any case, their own project's cell too, and an unlink (a link is a coordinator's
    decision) is refused naming that rule, whatever the case is linked to here."""
    uv = team.uv.fingerprint
    note = event(uv, "pip not affected")
    unlink = TeamEvent("PSC-2026-0001", uv, Timestamp(1_763_800_000_002), "impact-removed", impacts={"uv": None})
    for made, rejection, rule in ((note, None, ""), (unlink, Rejection.NO_ROLE, "only coordinators link or unlink")):
        sealed = seal(team.uv.gpg, made, [team.coordinator.fingerprint])
        opened = judge(open_sealed(team.coordinator.gpg, sealed), team.roles, set())
        assert (opened.rejection, rule in opened.detail) == (rejection, True), opened.detail


def test_a_copy_of_an_applied_event_is_refused_as_replayed(team: Team) -> None:
    made = event(team.pip.fingerprint)
    sealed = seal(team.pip.gpg, made, [team.coordinator.fingerprint])
    first = judge(open_sealed(team.coordinator.gpg, sealed), team.roles, set())
    assert first.rejection is None
    again = judge(open_sealed(team.coordinator.gpg, sealed), team.roles, {made.id})
    assert again.rejection == Rejection.REPLAYED


def test_a_damaged_envelope_is_refused(team: Team) -> None:
    """Refused as damaged, never passed over as one for others: it is encrypted to this workstation."""
    sealed = seal(team.pip.gpg, event(team.pip.fingerprint), [team.coordinator.fingerprint])
    lines = sealed.split(b"\n")
    middle = len(lines) // 2
    lines[middle] = lines[middle][:-4] + b"AAAA"
    assert open_sealed(team.coordinator.gpg, b"\n".join(lines)).rejection in (
        Rejection.DAMAGED,
        Rejection.BAD_SIGNATURE,
        Rejection.MALFORMED,
    )


def test_a_maintainer_writes_only_their_own_projects_cells(team: Team) -> None:
    """A pip maintainer writing uv's cell would link uv to the case and widen who reads it: refused."""
    pip = team.pip.fingerprint
    own = TeamEvent(
        "PSC-2026-0001", pip, Timestamp(1_763_800_000_000), "impact", impacts={"pip": {"status": "affected"}}
    )
    foreign = TeamEvent(
        "PSC-2026-0001", pip, Timestamp(1_763_800_000_001), "impact", impacts={"uv": {"status": "affected"}}
    )
    for made, rejection in ((own, None), (foreign, Rejection.NO_ROLE)):
        sealed = seal(team.pip.gpg, made, [team.coordinator.fingerprint])
        opened = judge(open_sealed(team.coordinator.gpg, sealed), team.roles, set())
        assert opened.rejection == rejection


def test_an_event_dated_far_ahead_waits_for_its_time_with_its_signed_form(team: Team) -> None:
    """A time far in the future would win every last-writer-wins contest from then on: it is not applied yet, but
    kept whole (its signed form) to be judged again once this workstation's clock has caught up."""
    made = TeamEvent("PSC-2026-0001", team.coordinator.fingerprint, Timestamp(1_763_800_900_000), "note", note="x")
    sealed = seal(team.coordinator.gpg, made, [team.pip.fingerprint])
    early = judge(open_sealed(team.pip.gpg, sealed), team.roles, set(), wall=1_763_800_000)
    assert early.rejection == Rejection.FROM_THE_FUTURE and early.signed is not None
    assert "judged again from 2025-11-22 08:31:40 UTC" in early.detail
    later = judge(open_sealed(team.pip.gpg, sealed), team.roles, set(), wall=1_763_800_300)
    assert later.rejection is None


class _Measured:
    """The team key's real gpg, noting the largest output any of its decryptions gave back to Python."""

    def __init__(self, gpg: object) -> None:
        self._gpg = gpg
        self.largest = 0

    def decrypt(self, data: bytes, **options: object) -> object:
        result = self._gpg.decrypt(data, **options)  # type: ignore[attr-defined]
        self.largest = max(self.largest, len(result.data))
        return result


BOMB_BYTES = 64 * 1024 * 1024
"""A signed event padded to 64 MB of spaces: compressed, its envelope is a few kilobytes."""


def _bomb(signer: Keyring) -> bytes:
    padded = event(signer.fingerprint).encode()[:-1] + b" " * BOMB_BYTES + b"}"
    options = ["--compress-algo", "zlib", "-z", "9"]
    signed = signer.gpg.sign(padded, keyid=signer.fingerprint, clearsign=False, extra_args=options)
    return bytes(str(signed), "ascii")


def test_a_compressed_bomb_is_refused_without_reading_it_whole(team: Team) -> None:
    """A member may append any envelope to a folder every workstation reads: a few kilobytes decompressing to
    gigabytes must never be read whole into memory before its size is checked (gpg stops writing past the bound)."""
    signed = _bomb(team.pip)
    nested = team.pip.gpg.encrypt(signed, [team.coordinator.fingerprint], armor=True, always_trust=True)
    one_layer = team.pip.gpg.encrypt(
        event(team.pip.fingerprint).encode()[:-1] + b" " * BOMB_BYTES + b"}", [team.coordinator.fingerprint],
        sign=team.pip.fingerprint, armor=True, always_trust=True, extra_args=["--compress-algo", "zlib", "-z", "9"],
    )  # fmt: skip
    for sealed in (bytes(str(nested), "ascii"), bytes(str(one_layer), "ascii")):
        assert len(sealed) < 512 * 1024  # within what a team folder's message may be
        measured = _Measured(team.coordinator.gpg)
        opened = open_sealed(measured, sealed)
        assert opened.rejection == Rejection.MALFORMED and "more than" in opened.detail, opened.detail
        assert measured.largest <= 4 * 1024 * 1024  # never the 64 MB it decompresses to
