"""Tests the roster's events as hostile input: each roster kind holds exactly its fields, within bounds (an armoured
key at most 64 KiB, names, emails and projects bounded, fingerprints 40 upper-case hex digits), only about the
reserved case `roster`; and its key material checked with gpg on receipt (a key holding another or a second key,
a rotation whose proof is not the new key's signature over the rotation are refused, with the reason)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from roster_fixtures import TeamOfFive, add, at, five, rotate
from triage_tui.team.envelope import Opened, Rejection, TeamRoles
from triage_tui.team.event_schema import MAX_ARMORED_KEY, ROSTER_CASE
from triage_tui.team.events import EventFormatError, TeamEvent, decode
from triage_tui.team.roster import fold
from triage_tui.team.roster_receipt import judge_received

__all__ = ["five"]
FPR = "A" * 40


def member(**changed: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "Pat", "email": "pat@pip.example", "role": "maintainer", "projects": ["pip"]}
    spec.update(imap_user=None, fingerprint=FPR, key="-----BEGIN PGP PUBLIC KEY BLOCK-----")
    spec.update(changed)
    return spec


def roundtrip(kind: str, roster: dict[str, Any] | None, case: str = ROSTER_CASE) -> TeamEvent:
    return decode(TeamEvent(case, FPR, at(1), kind, roster=roster).encode())


def test_each_roster_kind_decodes_as_it_was_made() -> None:
    for kind, roster in (
        ("member-add", {"member": member()}),
        ("member-remove", {"fingerprint": FPR}),
        ("key-rotate", {"old": FPR, "new": "B" * 40, "key": "k", "proof": "p"}),
        ("key-revoke", {"fingerprint": FPR, "since": at(0).text()}),
    ):
        event = roundtrip(kind, roster)
        assert event.roster == roster and event.case_id == ROSTER_CASE


@pytest.mark.parametrize(
    ("kind", "roster", "case", "problem"),
    [
        ("member-add", {"member": member(key="x" * (MAX_ARMORED_KEY + 1))}, ROSTER_CASE, "roster.member.key"),
        ("member-add", {"member": member(name="n" * 201)}, ROSTER_CASE, "roster.member.name"),
        ("member-add", {"member": member(email="e" * 321)}, ROSTER_CASE, "roster.member.email"),
        ("member-add", {"member": member(projects=[f"p{i}" for i in range(101)])}, ROSTER_CASE, "projects"),
        ("member-add", {"member": member(projects=["coordinators"])}, ROSTER_CASE, "projects.0"),
        ("member-add", {"member": member(projects=["Pip/../x"])}, ROSTER_CASE, "projects.0"),
        ("member-add", {"member": member(role="admin")}, ROSTER_CASE, "roster.member.role"),
        ("member-add", {"member": member(role="coordinator")}, ROSTER_CASE, "a coordinator reads every project"),
        ("member-add", {"member": member(fingerprint=FPR.lower())}, ROSTER_CASE, "roster.member.fingerprint"),
        ("member-remove", {"fingerprint": FPR, "since": at(0).text()}, ROSTER_CASE, "holds exactly: fingerprint"),
        ("key-revoke", {"fingerprint": FPR}, ROSTER_CASE, "holds exactly: fingerprint, since"),
        ("key-rotate", {"old": FPR, "new": FPR, "key": "k", "proof": "p"}, ROSTER_CASE, "two different keys"),
        ("member-remove", {"fingerprint": FPR}, "PSC-2026-0001", "only it, is about the case 'roster'"),
        ("note", None, ROSTER_CASE, "only it, is about the case 'roster'"),
        ("member-remove", {"fingerprint": FPR, "unknown": 1}, ROSTER_CASE, "roster"),
    ],
)
def test_a_roster_event_out_of_shape_or_bounds_is_refused_saying_where(
    kind: str, roster: dict[str, Any] | None, case: str, problem: str
) -> None:
    event = TeamEvent(case, FPR, at(1), kind, note="x" if roster is None else None, roster=roster)
    with pytest.raises(EventFormatError, match=problem.replace(".", r"\.").replace("(", r"\(")):
        decode(event.encode())


def test_key_material_that_does_not_hold_is_refused_on_receipt(five: TeamOfFive) -> None:
    roles = TeamRoles(frozenset())
    history = fold([], [five.c])
    two_keys = add(five, five.c, five.p, "maintainer", ["pip"], 2)
    spec = dict(two_keys.roster["member"])  # type: ignore[index]
    spec["key"] = five.armored(five.p) + five.armored(five.q)
    smuggling = dataclasses.replace(two_keys, roster={"member": spec})
    other = dict(spec, key=five.armored(five.q))
    mislabelled = dataclasses.replace(two_keys, roster={"member": other})
    good_rotation = rotate(five, five.q, five.q2, 5)
    forged = dataclasses.replace(good_rotation, at=at(6))  # the proof signs another moment
    wrong_signer = dataclasses.replace(
        good_rotation,
        roster={**good_rotation.roster, "proof": rotate(five, five.q, five.p, 5).roster["proof"]},  # type: ignore[index, dict-item]
    )
    for event, why in ((smuggling, "holds"), (mislabelled, "holds"), (forged, "proof"), (wrong_signer, "proof")):
        verdict = judge_received(five.ring.gpg, Opened(event, event.author, None), roles, history)
        assert verdict.rejection == Rejection.BAD_ROSTER_KEY, event
        assert why in verdict.detail
    assert judge_received(five.ring.gpg, Opened(good_rotation, five.q, None), roles, history).rejection is None


def test_the_fold_refuses_what_the_roster_so_far_does_not_allow(five: TeamOfFive) -> None:
    founding = add(five, five.c, five.c, "coordinator", [], 1)
    by_stranger = add(five, five.d, five.d, "coordinator", [], 2)  # not a founder: cannot add themselves
    by_maintainer = add(five, five.p, five.q, "maintainer", ["pip"], 4)
    added_p = add(five, five.c, five.p, "maintainer", ["pip"], 3)
    history = fold([by_maintainer, by_stranger, added_p, founding], [five.c])
    assert set(history.accepted) == {founding.id, added_p.id}
    assert "only a coordinator" in history.refused[by_stranger.id]
    assert "only a coordinator" in history.refused[by_maintainer.id]
    assert history.roster_at(at(2.5)).valid_member(five.p, at(2.5)) is None
    assert history.roster_at(at(3)).valid_member(five.p, at(3)) is not None


@pytest.mark.parametrize(
    ("changes", "impacts", "kind", "rule"),
    [
        ({"state": ("triage", "closed")}, {}, "state", "a maintainer may not change state"),
        ({"embargo_until": (None, "2026-12-01T00:00:00+00:00")}, {}, "embargo", "may not change embargo_until"),
        ({"assignee": (None, "pat")}, {}, "assign", "may not change assignee"),
        ({}, {"uv": {"status": "affected"}}, "impact", "not a maintainer of uv"),
        ({}, {"pip": None}, "impact-removed", "only coordinators link or unlink projects"),
        ({}, {}, "merge", "only a coordinator merges cases"),
    ],
)
def test_without_a_roster_the_configs_maintainers_are_held_to_the_same_rights(
    changes: dict[str, tuple[object, object]], impacts: dict[str, Any], kind: str, rule: str
) -> None:
    from triage_tui.team.envelope import judge

    roles = TeamRoles(frozenset({"C" * 40}), {"pip": frozenset({FPR}), "uv": frozenset({"B" * 40})})
    note = "merged" if kind == "merge" else None
    event = TeamEvent("PSC-2026-0001", FPR, at(1), kind, changes, impacts, note)
    verdict = judge(Opened(event, FPR, None), roles, set())
    assert verdict.rejection == Rejection.NO_ROLE and rule in verdict.detail
    own = TeamEvent("PSC-2026-0001", FPR, at(1), "impact", impacts={"pip": {"status": "unaffected"}}, note="not hit")
    assert judge(Opened(own, FPR, None), roles, set()).rejection is None
