"""Receipt under the roster: received events judged (roster events for their key material, case events for their
author's rights at their time), and, whenever the fold of the roster changes, every received event whose judgement
depends on it judged again (applied <-> rejected, the touched cases recomputed), so arrival order never matters."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from triage_tui.store import roster_store as rows
from triage_tui.store.team_runner import EitherConnection, WriteConnection
from triage_tui.team.envelope import Opened, Rejection, TeamRoles, judge, open_signed
from triage_tui.team.events import TeamEvent, decode
from triage_tui.team.hlc import Timestamp
from triage_tui.team.receive import receive
from triage_tui.team.refs import case_projects, resolve_cases
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
    gpg: gnupg.GPG, opened: Opened, roles: TeamRoles, projects: Iterable[str], roster: RosterHistory
) -> Opened:
    """A received event judged: a roster event on its key material (its rights are the fold's), a case event on
    its author's rights (`envelope.judge`, under the roster in force at its time once a roster exists)."""
    event = opened.event
    if event is not None and event.roster is not None and opened.rejection in (None, Rejection.UNKNOWN_KEY):
        problem = roster_event_problem(gpg, event)  # the keys it carries are imported, so it may verify now
        if problem is not None:
            return Opened(event, opened.signer, Rejection.BAD_ROSTER_KEY, problem)
        if opened.rejection is Rejection.UNKNOWN_KEY and opened.signed is not None:
            opened = open_signed(gpg, opened.signed)
    return judge(opened, roles, projects, set(), roster=roster)


class JudgedOn(NamedTuple):
    """How `judge_round` judged a case event: on which projects, and its rejection's name (None: accepted)."""

    projects: frozenset[str]
    rejection: str | None


def judge_round(
    connection: EitherConnection,
    gpg: gnupg.GPG,
    opened: Sequence[Opened],
    config_roles: TeamRoles,
    roster: RosterHistory,
    learned: dict[str, list[str]],
    judged_on: dict[str, JudgedOn] | None = None,
) -> list[Opened]:
    """A round's opened events judged in the order they came (`judge_received`), each on the projects known here
    for its report: those of the case it resolves to, and those a share taken in this sync (`learned`, added to
    as shares are judged good) gives it. `judged_on` (if given) gets each case event's projects and verdict, for
    `settle` (the same `config_roles`)."""
    judged = []
    # The round's cases and their projects looked up together (nothing is written while a round is judged): a
    # round brings hundreds of events on fewer cases.
    places = resolve_cases(connection, [item.event for item in opened if item.event is not None])
    linked = case_projects(connection, {case for case in places.values() if case is not None})
    for item in opened:
        event = item.event
        # The report, whatever its author numbers it: roles are judged on the projects known for it here.
        report = (event.ref or event.case_id) if event else ""
        here = places[(event.ref, event.case_id)] if event else None
        known = linked.get(here, []) if here else []
        projects = [*known, *learned.get(report, [])]
        verdict = judge_received(gpg, item, config_roles, projects, roster)
        if judged_on is not None and event is not None and event.roster is None:
            judged_on[event.id] = JudgedOn(frozenset(projects), verdict.rejection.name if verdict.rejection else None)
        if verdict.rejection is None and event is not None and event.share is not None:
            learned[report] = [str(p) for p in event.share.get("projects") or []]
        judged.append(verdict)
    return judged


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
) -> Settled:
    """Fold the roster events kept here and mark each applied or refused; if that changed the fold (or `fresh`:
    roster events were just kept), bring its keys into the keyring and judge again every received event whose
    judgement depends on it.

    `new`: the roster events kept since the roster was last settled (those this transaction kept): then the fold
    settled before is known (the others accepted), and only the events from the first time the two folds judge
    differently are judged again (`roster.first_change`), and those still waiting for their key; None: all.
    `judged_under`: the fold the events this transaction kept were judged under (`batch_history`), when not the one
    settled before: the events from the first time it and the new fold differ are judged again too. `judged_on`
    (with `judged_under`): how `judge_round` judged them; one judged before that time, kept with that verdict, and
    whose case has the same projects now, is not judged again (the same judgement on the same roster and projects)."""
    founders = [f.upper() for f in founders]
    settled = rows.roster_rows(connection) if new is not None else []
    before = fold((decode(r.body) for r in settled if r.status == "applied" and r.id not in (new or ())), founders)
    _verify_waiting_roster(connection, gpg)
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
    return _rejudge(connection, gpg, history, config_roles, now, since, same)


@dataclass(frozen=True)
class _Unchanged:
    """The events judged in this transaction (`judge_round`) and the time from which the fold they were judged
    under differs from the settled one (None: never)."""

    judged_on: Mapping[str, JudgedOn]
    differs: Timestamp | None

    def holds(self, event: TeamEvent, rejection: str | None, projects: Sequence[str]) -> bool:
        """Whether `event`'s kept verdict is what judging it again gives: judged on the same projects under a fold
        that agrees with the settled one at its time, and kept with that verdict."""
        judged = self.judged_on.get(event.id)
        if judged is None or rejection == Rejection.UNKNOWN_KEY.name or judged.rejection != rejection:
            return False
        return (self.differs is None or event.at < self.differs) and judged.projects == frozenset(projects)


def _verify_waiting_roster(connection: WriteConnection, gpg: gnupg.GPG) -> None:
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
) -> Settled:
    stored = rows.rejudged_rows(connection, None if since is None else since.text())
    projects = case_projects(connection, {row.case_id for row in stored})
    accept: list[Opened] = []
    refuse: dict[str, list[tuple[TeamEvent, str, str]]] = {}
    still: list[tuple[str, str | None, str | None, str]] = []
    for row in stored:
        event = decode(row.body)
        if same is not None and same.holds(event, row.rejection, projects.get(row.case_id, [])):
            continue  # judged just now on the same roster and projects: judged again, it ends the same
        opened = Opened(event, row.signer, None, signed=row.signed)
        if row.rejection == Rejection.UNKNOWN_KEY.name:
            if row.signed is None:
                continue
            opened = open_signed(gpg, row.signed)
            if opened.rejection is not None or opened.event is None or opened.event.id != row.id:
                continue  # still no key (or never a good signature): it waits as it was
        verdict = judge(opened, config_roles, projects.get(row.case_id, []), set(), roster=history)
        if verdict.rejection is None:
            if row.status != "applied":
                accept.append(replace(verdict, signer=verdict.signer or event.author))
            continue
        reason = f"{verdict.rejection}" + (f": {verdict.detail}" if verdict.detail else "")
        if row.status == "applied":
            refuse.setdefault(row.case_id, []).append((event, reason, verdict.rejection.name))
        else:
            still.append(("rejected", reason, verdict.rejection.name, row.id))
    rows.mark(connection, still)
    for case_id, events in refuse.items():
        rows.mark(connection, [("rejected", reason, rule, event.id) for event, reason, rule in events])
        take_back(connection, case_id, [event for event, _reason, _rule in events], now)
        withdraw_refused_shares(connection, case_id, [event for event, _reason, _rule in events])
    # Accepted now: received again through the ordinary path (shares create their case, cells and notes apply).
    rows.forget(connection, [item.event.id for item in accept if item.event is not None])
    received = receive(connection, accept, now, roster=history)
    refused_now = sum(len(events) for events in refuse.values())
    return Settled(history, len(accept) - len(received.refused), refused_now + len(received.refused))


def roster_readers(roles: TeamRoles, event: TeamEvent) -> list[str]:
    """Who a roster event goes to: every member (empty for a case event, which goes to its case's readers)."""
    if event.roster is None:
        return []
    return sorted({*roles.coordinators, *(f for members in roles.maintainers.values() for f in members)})
