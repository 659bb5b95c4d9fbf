"""Receipt under the roster: received events judged (roster events for their key material, case events for their
author's rights at their time), and, whenever the fold of the roster changes, every received event whose judgement
depends on it judged again (applied <-> rejected, the touched cases recomputed), so arrival order never matters."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.store import roster_store as rows
from triage_tui.store.team_runner import EitherConnection, WriteConnection
from triage_tui.team.envelope import Opened, Rejection, TeamRoles, judge, open_signed
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import TeamEvent, decode
from triage_tui.team.hlc import Timestamp, due_text, latest_acceptable, too_far_ahead
from triage_tui.team.materialize import materialize_all
from triage_tui.team.receive import receive
from triage_tui.team.roster import BEGINNING, RosterHistory, first_change, fold
from triage_tui.team.roster_keys import import_keys, roster_event_problem
from triage_tui.team.share_withdrawal import withdraw_refused_shares
from triage_tui.team.take_back import take_back

if TYPE_CHECKING:
    import gnupg


def load_history(connection: EitherConnection, founders: Iterable[str]) -> RosterHistory:
    """The fold of the roster events kept here."""
    return fold((decode(row.body) for row in rows.roster_rows(connection)), founders)


def batch_history(connection: EitherConnection, founders: Iterable[str], opened: Sequence[Opened]) -> RosterHistory:
    """The fold of the roster events kept here and of those a batch brings with a good signature, to judge the
    batch's case events under: a rotation or an addition in the batch then decides its own later events at once.
    Provisional (their key material is checked as they are judged): `settle`, told it (`judged_under`), judges
    again every event from the first time it and the settled fold differ."""
    stored = [decode(row.body) for row in rows.roster_rows(connection)]
    brought = [o.event for o in opened if o.event is not None and o.event.roster is not None and o.rejection is None]
    return fold([*stored, *brought], founders)


def current_roles(connection: EitherConnection, founders: Iterable[str], config_roles: TeamRoles) -> TeamRoles:
    """Who events go to and who decides now: the roster's active members once a roster exists, else the config's."""
    history = load_history(connection, founders)
    return history.current.current_roles() if history.exists else config_roles


def judge_received(
    gpg: gnupg.GPG,
    opened: Opened,
    roles: TeamRoles,
    roster: RosterHistory,
    wall: float | None = None,
) -> Opened:
    """A received event judged: a roster event on its key material (its rights are the fold's), a case event on
    its author's rights (`envelope.judge`, under the roster in force at its time once a roster exists). Rights are
    judged from the event and the roster alone, never from what this workstation knows of the case."""
    event = opened.event
    if event is not None and event.roster is not None and opened.rejection in (None, Rejection.UNKNOWN_KEY):
        problem = roster_event_problem(gpg, event)  # the keys it carries are imported, so it may verify now
        if problem is not None:
            return Opened(event, opened.signer, Rejection.BAD_ROSTER_KEY, problem)
        if opened.rejection is Rejection.UNKNOWN_KEY and opened.signed is not None:
            opened = open_signed(gpg, opened.signed)
    return judge(opened, roles, _NONE_APPLIED, roster=roster, wall=wall)


_NONE_APPLIED: frozenset[str] = frozenset()
"""Received events are judged from the event and the roster alone: none counts as applied before (the log keeps
one copy of each)."""


class JudgedOn(NamedTuple):
    """How `judge_round` judged a case event: its rejection's name (None: accepted)."""

    rejection: str | None


def judge_round(
    gpg: gnupg.GPG,
    opened: Sequence[Opened],
    config_roles: TeamRoles,
    roster: RosterHistory,
    judged_on: dict[str, JudgedOn] | None = None,
    wall: float | None = None,
) -> list[Opened]:
    """A round's opened events judged in the order they came (`judge_received`), each from the event and the roster
    alone (never from the case as this workstation holds it). `judged_on` (if given) gets each case event's verdict,
    for `settle` (the same `config_roles`)."""
    judged = []
    wall = time.time() if wall is None else wall  # the round judged at one instant (its bound computed once)
    for item in opened:
        event = item.event
        if event is not None and event.roster is None:  # a case event: `judge_received` judges it so
            verdict = judge(item, config_roles, _NONE_APPLIED, roster=roster, wall=wall)
        else:
            verdict = judge_received(gpg, item, config_roles, roster, wall)
        if judged_on is not None and event is not None and event.roster is None:
            judged_on[event.id] = JudgedOn(verdict.rejection.name) if verdict.rejection else _ACCEPTED
        judged.append(verdict)
    return judged


_ACCEPTED = JudgedOn(None)


WAITING = (Rejection.UNKNOWN_KEY.name, Rejection.FROM_THE_FUTURE.name)
"""Rejections that are no verdict yet: the event waits for its key, or for its time, and is judged again then."""


@dataclass(frozen=True)
class Settled:
    """What settling the roster did: the fold, and the received events it applied or refused again."""

    history: RosterHistory
    applied: int = 0
    refused: int = 0


def settle(
    connection: WriteConnection,
    gpg: gnupg.GPG,
    founders: Iterable[str],
    config_roles: TeamRoles,
    now: datetime,
    *,
    fresh: bool = True,
    new: Collection[str] | None = None,
    judged_under: RosterHistory | None = None,
    judged_on: Mapping[str, JudgedOn] | None = None,
    wall: float | None = None,
) -> Settled:
    """Fold the roster events kept here and mark each applied or refused; if that changed the fold (or `fresh`:
    roster events were just kept), bring its keys into the keyring and judge again every received event whose
    judgement depends on it.

    `new`: the roster events kept since the roster was last settled (those this transaction kept): then the fold
    settled before is known (the others accepted), and only the events from the first time the two folds judge
    differently are judged again (`roster.first_change`), and those still waiting for their key; None: all.
    `judged_under`: the fold the events this transaction kept were judged under (`batch_history`), when not the one
    settled before: the events from the first time it and the new fold differ are judged again too. `judged_on`
    (with `judged_under`): how `judge_round` judged them; one judged before that time, and kept with that verdict,
    is not judged again (the same judgement on the same roster)."""
    founders = [f.upper() for f in founders]
    settled = rows.roster_rows(connection) if new is not None else []
    before = fold((decode(r.body) for r in settled if r.status == "applied" and r.id not in (new or ())), founders)
    _verify_waiting_roster(connection, gpg, wall)
    kept = rows.roster_rows(connection)
    history = fold((decode(row.body) for row in kept), founders)
    verdicts: list[tuple[str, str | None, str | None, str]] = []
    for row in kept:
        why = history.refused.get(row.id)
        status = "applied" if why is None else "rejected"
        if status != row.status:
            reason = None if why is None else f"{Rejection.ROSTER_RULE}: {why}"
            verdicts.append((status, reason, None if why is None else rows.ROSTER_RULE, row.id))
    if not verdicts and not fresh:
        return Settled(history)
    rows.mark(connection, verdicts)
    import_keys(gpg, [(k.fingerprint, k.armored) for m in history.current.members.values() for k in m.keys])
    since = first_change(before, history) if new is not None else BEGINNING
    same: _Unchanged | None = None
    if judged_under is not None:
        differs = first_change(judged_under, history)
        if since is not BEGINNING:
            since = min((t for t in (since, differs) if t is not None), default=None)
        same = _Unchanged(judged_on or {}, differs)
    return _rejudge(connection, gpg, history, config_roles, now, since, same, wall)


@dataclass(frozen=True)
class _Unchanged:
    """The events judged in this transaction (`judge_round`) and the time from which the fold they were judged
    under differs from the settled one (None: never)."""

    judged_on: Mapping[str, JudgedOn]
    differs: Timestamp | None

    def holds(self, event: TeamEvent, rejection: str | None) -> bool:
        """Whether `event`'s kept verdict is what judging it again gives: judged under a fold that agrees with the
        settled one at its time, and kept with that verdict (one waiting for its key or its time is looked at)."""
        judged = self.judged_on.get(event.id)
        if judged is None or rejection in WAITING or judged.rejection != rejection:
            return False
        return self.differs is None or event.at < self.differs

    def holds_stored(self, candidate: rows.RejudgeCandidate) -> bool:
        """`holds` for a stored event known by its id, time and rejection only (its bytes not read)."""
        judged = self.judged_on.get(candidate.id)
        if judged is None or candidate.rejection in WAITING or judged.rejection != candidate.rejection:
            return False
        return self.differs is None or Timestamp.parse(candidate.at) < self.differs


def _verify_waiting_roster(connection: WriteConnection, gpg: gnupg.GPG, wall: float | None) -> None:
    """Roster events refused for a key not here yet: the keys roster events carry are imported first, then each is
    verified again (a coordinator's events may come before the event that adds them)."""
    waiting = [row for row in rows.unverified_roster(connection) if row.signed is not None]
    for row in waiting:
        roster_event_problem(gpg, decode(row.body))
    verdicts: list[tuple[str, str | None, str | None, str]] = []
    for row in waiting:
        assert row.signed is not None
        opened = open_signed(gpg, row.signed)
        if opened.rejection is None and opened.event is not None and opened.event.id == row.id:
            if too_far_ahead(opened.event.at, wall):  # verified, but its time has not come: it waits for that now
                detail = f"{Rejection.FROM_THE_FUTURE}: judged again from {due_text(opened.event.at)}"
                verdicts.append(("rejected", detail, Rejection.FROM_THE_FUTURE.name, row.id))
                continue
            verdicts.append(("applied", None, None, row.id))  # a candidate: the fold decides
    rows.mark(connection, verdicts)


def _rejudge(
    connection: WriteConnection,
    gpg: gnupg.GPG,
    history: RosterHistory,
    config_roles: TeamRoles,
    now: datetime,
    since: Timestamp | None,
    same: _Unchanged | None = None,
    wall: float | None = None,
) -> Settled:
    since_text = None if since is None else since.text()
    if same is None:
        stored = rows.rejudged_rows(connection, since_text)
    else:  # those judged just now on the same roster are left before their bytes are read: most of a batch
        candidates = rows.rejudge_candidates(connection, since_text)
        stored = rows.judged_rows(connection, [c.id for c in candidates if not same.holds_stored(c)])
    return _judge_again(connection, gpg, history, config_roles, now, stored, same, wall)


def _judge_again(
    connection: WriteConnection,
    gpg: gnupg.GPG,
    history: RosterHistory,
    config_roles: TeamRoles,
    now: datetime,
    stored: Sequence[rows.JudgedRow],
    same: _Unchanged | None = None,
    wall: float | None = None,
) -> Settled:
    accept: list[Opened] = []
    own: list[str] = []  # decided here, not sent yet, accepted again: applied where they are (they still go out)
    refuse: dict[str, list[tuple[TeamEvent, str, str]]] = {}
    still: list[tuple[str, str | None, str | None, str]] = []
    # Cases with a cell that stands under the new fold: whether its author was a coordinator at its time (so whether
    # it links, or counts only on a linked project) may have changed with the fold, even if its verdict did not.
    cells: set[str] = set()
    made_here: set[str] = set()  # decisions made here refused like the others: the author's roster holds for them too
    for row in stored:
        event = decode(row.body)
        if same is not None and same.holds(event, row.rejection):
            continue  # judged just now on the same roster: judged again, it ends the same
        if row.origin == "local" and _before_membership(history, event):
            continue  # decided here before the roster held this key (the config's roles then): it stands as it was
        opened = Opened(event, row.signer, None, signed=row.signed)
        if row.rejection == Rejection.UNKNOWN_KEY.name:
            if row.signed is None:
                continue
            opened = open_signed(gpg, row.signed)
            if opened.rejection is not None or opened.event is None or opened.event.id != row.id:
                continue  # still no key (or never a good signature): it waits as it was
        verdict = judge(opened, config_roles, set(), roster=history, wall=wall)
        if verdict.rejection is None:
            if row.status == "applied" and event.impacts:
                cells.add(row.case_id)
            if row.status != "applied" and row.origin == "local" and not row.sent:
                own.append(row.id)
                cells.add(row.case_id)
            elif row.status != "applied":
                accept.append(replace(verdict, signer=verdict.signer or event.author))
            continue
        reason = f"{verdict.rejection}" + (f": {verdict.detail}" if verdict.detail else "")
        if row.status == "applied":
            refuse.setdefault(row.case_id, []).append((event, reason, verdict.rejection.name))
            if row.origin == "local":
                made_here.add(event.id)
        else:
            still.append(("rejected", reason, verdict.rejection.name, row.id))
    rows.mark(connection, [*still, *(("applied", None, None, event_id) for event_id in own)])
    for case_id, events in refuse.items():
        rows.mark(connection, [("rejected", reason, rule, event.id) for event, reason, rule in events])
        mine = [event for event, _reason, _rule in events if event.id in made_here]
        take_back(connection, case_id, [event for event, _reason, _rule in events], now, history, mine)
        withdraw_refused_shares(connection, case_id, [event for event, _reason, _rule in events])
    # Accepted now: received again through the ordinary path (shares create their case, cells and notes apply).
    rows.forget(connection, [item.event.id for item in accept if item.event is not None])
    received = receive(connection, accept, now, roster=history)
    materialize_all(connection, cells - refuse.keys() - received.touched, now, roster=history)
    refused_now = sum(len(events) for events in refuse.values())
    accepted_now = len(accept) + len(own) - len(received.refused)
    return Settled(history, accepted_now, refused_now + len(received.refused))


def _before_membership(history: RosterHistory, event: TeamEvent) -> bool:
    """Whether `event` was made before its author's key was ever a member's: a decision made here while the config's
    roles decided (before `team init` or the join), which the roster's coming does not take back."""
    member = history.current.holder(event.author)
    key = next((k for k in member.keys if k.fingerprint == event.author.upper()), None) if member else None
    return key is None or event.at < key.valid_from


def any_due(connection: EitherConnection, wall: float | None = None) -> bool:
    """Whether some received event waits for its time and that time has come at `wall` (default now)."""
    return bool(rows.due_rows(connection, latest_acceptable(wall).text()))


def judge_waiting(
    connection: WriteConnection,
    gpg: gnupg.GPG,
    founders: Iterable[str],
    config_roles: TeamRoles,
    now: datetime,
    wall: float | None = None,
) -> Settled | None:
    """Judge again the received events that wait for their time (dated too far ahead of this workstation's clock
    when they came) and whose time has come at `wall` (default now): roster events folded (`settle`, they judge
    again what they decide on), then case events judged as if they came now. None (nothing written) when none is
    due: a sync that brings nothing new costs one indexed read here."""
    latest = latest_acceptable(wall).text()
    due_roster = [row.id for row in rows.due_rows(connection, latest) if row.case_id == ROSTER_CASE]
    if not due_roster and not rows.due_rows(connection, latest):
        return None
    settled: Settled | None = None
    if due_roster:
        rows.mark(connection, [("applied", None, None, event_id) for event_id in due_roster])  # the fold decides
        settled = settle(connection, gpg, founders, config_roles, now, fresh=True, new=due_roster, wall=wall)
    due = rows.due_rows(connection, latest)  # the case events settling the roster has not judged again already
    if not due:
        return settled
    history = settled.history if settled is not None else load_history(connection, founders)
    judged = _judge_again(connection, gpg, history, config_roles, now, due, wall=wall)
    if settled is None:
        return judged
    return Settled(history, settled.applied + judged.applied, settled.refused + judged.refused)


def _subject(event: TeamEvent) -> str | None:
    """The key a removal or revocation is about (upper case); None for any other event."""
    subject = (event.roster or {}).get("fingerprint") if event.kind in ("member-remove", "key-revoke") else None
    return subject.upper() if isinstance(subject, str) and subject else None


def subject_projects(connection: EitherConnection, founders: Iterable[str], event: TeamEvent) -> list[str]:
    """The projects of the member a removal or revocation is about (their folders carry it to them though they are
    no longer among the readers); none for any other event."""
    subject = _subject(event)
    if subject is None:
        return []
    members = load_history(connection, founders).current.members.values()
    return sorted({p for m in members if any(k.fingerprint == subject for k in m.keys) for p in m.projects})


def roster_readers(roles: TeamRoles, event: TeamEvent) -> list[str]:
    """Who a roster event goes to: every member, and the key a removal or revocation is about (no longer among
    them: its holder is told, so their workstation stops taking its own decisions for the team's; empty for a case
    event, which goes to its case's readers)."""
    if event.roster is None:
        return []
    subject = _subject(event)
    return sorted(roles.members | ({subject} if subject else set()))
