"""Carries team events through the folders of the team's IMAP server: local events, each sealed for its case's trust
boundary, are appended to their readers' folders (they waited in the log while offline); new messages of the
folders this workstation reads are opened, judged and applied. Envelopes not encrypted to this workstation leave no
trace: they belong to other projects' cases."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from triage_tui.config import Config, ImapSourceConfig
from triage_tui.sources.base import SourceError
from triage_tui.store import team_log_store as log
from triage_tui.store.queries import stored_time
from triage_tui.store.store import Store
from triage_tui.store.team_case_store import cases_to_share, record_shares
from triage_tui.store.team_runner import EitherConnection
from triage_tui.team import roster_receipt as receipt
from triage_tui.team.apply_batch import APPLY_BATCH_BYTES, APPLY_BATCH_EVENTS, HeldBatch
from triage_tui.team.audience import Delivery, deliveries, named_cases, told_of_unlink
from triage_tui.team.case_readers import named_reader_projects, reader_projects
from triage_tui.team.collector_pause import collector_paused
from triage_tui.team.envelope import TeamRoles, encrypt_signed, sign_event
from triage_tui.team.envelope_intake import CURSOR_SOURCE, open_round
from triage_tui.team.envelope_intake import armoured_part as armoured_part  # imported from here by tests
from triage_tui.team.envelope_intake import envelope_message as envelope_message  # imported from here by tests
from triage_tui.team.event_schema import ROSTER_CASE
from triage_tui.team.events import MAX_EVENT_BYTES, TeamEvent
from triage_tui.team.folder_sync import Bodies, FolderRefused, append_to, pull_folder
from triage_tui.team.folders import FolderPlan
from triage_tui.team.hlc import HybridClock, Timestamp
from triage_tui.team.log import history, linked_in_the_open, record_own_share, share_of, shared_with, team_named, unsent
from triage_tui.team.receive import receive
from triage_tui.team.recipients import RecipientError, unusable_recipients
from triage_tui.team.refs import case_ref
from triage_tui.team.roles import config_roles
from triage_tui.team.share_audience import refuse_misdirected
from triage_tui.team.sync_outcome import TeamSyncOutcome as TeamSyncOutcome  # imported from here by callers
from triage_tui.team.sync_outcome import TeamSyncResult

if TYPE_CHECKING:
    import gnupg
    from imapclient import IMAPClient

    from triage_tui.sources.imap import ImapSource

PULL_GROUP_MESSAGES = 500
"""Messages of the team folder fetched per round (their sizes, then their bodies in groups by size): one round's
answers stay far inside the IMAP bounds whatever the backlog."""
SHARE_CASES = 50
"""Cases a coordinator's sync shares with maintainers they were never sent to (one who joined after the cases were
linked to their project), beyond those with a decision to send: the rest go on the next syncs, this many each, so a
project with thousands of cases does not hold one sync for long."""
SEARCH_UIDS = 50_000
"""UIDs searched at once: the answer is one line of at most this many numbers (about 550 KB), within the longest
line the IMAP bounds allow (imap_bounds.MAX_LINE_BYTES), whatever the backlog."""
MAX_ENVELOPE_BYTES = 2 * MAX_EVENT_BYTES
"""The largest envelope fetched: armour adds a third to an event of at most MAX_EVENT_BYTES, its signature and a
session key per reader a few KB more; a larger message cannot hold an event, so it is refused unread."""


def roles_of(config: Config) -> TeamRoles:
    """The coordinators and each project's maintainers, from the config."""
    return config_roles(config)


def team_server(config: Config) -> ImapSourceConfig:
    """The IMAP server of the team: `[team.server]`, or the imap source `[team] source` names."""
    if config.team is None:
        raise SourceError("no [team] table in the config: team sync is off")
    if config.team.server is not None:
        return config.team.server.as_source()
    source = config.sources.get(config.team.source or "")
    if not isinstance(source, ImapSourceConfig):
        raise SourceError(f"team.source {config.team.source!r} is not an imap source")
    return source


class TeamTransport:
    """One workstation's team sync over the team's IMAP server."""

    def __init__(self, store: Store, config: Config, gpg: gnupg.GPG) -> None:
        self.source = team_server(config)
        assert config.team is not None  # team_server refuses a config without it
        self.store = store
        self.config = config
        self.gpg = gpg
        self._encrypt = partial(encrypt_signed, gpg, hidden=config.team.prefix is None)  # `encrypt_signed` says why
        self.config_roles = roles_of(config)
        self.founders = config.team.coordinators
        self._roles_now()
        self.outcome = TeamSyncOutcome()
        self._seen: set[str] | None = None
        """Ids of the events in the log and those taken in this sync, so a copy in another folder is skipped."""
        self._copies: dict[bytes, str] = {}
        """Digest of each envelope opened this sync → its event: the copies in other folders need no gpg again."""
        self._readable: set[str] = set()
        """Folders pulled this sync without a refusal: appended to last, as the server is least likely to refuse."""
        self.unusable: dict[str, str] = {}
        """Every key of the team gpg cannot encrypt to, checked once per sync before sending."""
        # Cells are kept only for projects the store knows (a maintainer's may hold nothing else): put in first.
        store.sync_projects(config.projects.values())

    def _roles_now(self, connection: EitherConnection | None = None) -> None:
        """Who decides and reads, and so which folders are read and written: the roster in the store (the config's
        roles while there is none)."""
        if connection is None:
            with self.store.read() as reader:
                self.roles = receipt.current_roles(reader, self.founders, self.config_roles)
        else:
            self.roles = receipt.current_roles(connection, self.founders, self.config_roles)
        assert self.config.team is not None
        self.folders = FolderPlan.of(self.config.team, self.roles, self.config.identity.fingerprint)

    def sync(self) -> TeamSyncOutcome:
        """Take in what is new, then send what waits; one connection."""
        from triage_tui.sources.imap import ImapSource

        self._judge_waiting()
        self._check_identity()
        source = ImapSource(self.source)
        with source.session("team sync") as client:
            # Take in first: a project added elsewhere meanwhile changes who this workstation's events go to.
            try:
                for folder in self.folders.reads():
                    try:
                        self._pull(client, source, folder)
                    except FolderRefused as refused:  # named in one line; the other folders still sync
                        self.outcome.folder_problems[folder] = str(refused)
                    else:
                        self._readable.add(folder)
                if self._seen is not None:  # something came in: this key's removal or revocation is said at once
                    self._check_identity()
                self.outcome.every_read_refused = bool(self.folders.reads()) and not self._readable
            finally:
                # What waits here goes out even if taking in failed: this workstation's decisions do not wait on
                # what others sent.
                self._send(client, source.where)
        return self.outcome

    def _judge_waiting(self) -> None:
        """Events that came dated too far ahead of this workstation's clock wait for it: judged again once their time
        has come (whether or not the server has anything new), so every workstation ends with the same verdict."""
        with self.store.read() as reader:
            if not receipt.any_due(reader):
                return  # nothing waits, or nothing whose time has come: no write
        with self.store.write() as connection:
            settled = receipt.judge_waiting(connection, self.gpg, self.founders, self.config_roles, datetime.now(UTC))
        if settled is not None:
            self.outcome.applied += settled.applied - settled.refused
            self.outcome.rejected += settled.refused - settled.applied

    def _check_identity(self) -> None:
        """Whether this workstation's key still reads anything: once it is no current roster key, each sync says so."""
        from triage_tui.team.identity_check import identity_problem
        from triage_tui.team.roster_receipt import load_history

        assert self.config.team is not None
        with self.store.read() as reader:
            history = load_history(reader, self.founders)
        me = self.config.identity.fingerprint  # and the file read again: it may name a newer key (rotate-key)
        self.outcome.identity = identity_problem(history, self.config.team, me, self.config.path)

    def _send(self, client: IMAPClient, where: str) -> None:
        """Share cases with readers they have not reached yet (a coordinator's job), then send each waiting event
        to its case's whole trust boundary (`team_audience`: who reads which form of it)."""
        with self.store.read() as connection:
            # The roster as the pull just left it decides who events go to (the config's roles while there is none).
            self._roles_now(connection)
            waiting = unsent(connection)
            events, here = [w.event for w in waiting], {w.event.id: w.case_id for w in waiting}  # its case here
            cases = set(here.values())
            # A coordinator also shares the cases linked to a project with its maintainers who have not been sent
            # them (one who joined later): one query, nothing more when every case has reached its readers.
            coordinating = self.config.identity.fingerprint in self.roles.coordinators
            unshared = self._to_share(connection, self.roles.maintainers) if coordinating else []
            projects = reader_projects(connection, cases | set(unshared))  # those a coordinator linked (a team)
            named = named_reader_projects(connection, {case for event in events for case in named_cases(event)})
            subjects = {e.id: receipt.subject_projects(connection, self.founders, e) for e in events if e.roster}
            # Who holds each case already (the readers it was shared with here, or whose project's cell was sent).
            sent_the_case = {
                case_id: shared_with(connection, case_id)
                | set(self.roles.readers(linked_in_the_open(connection, case_id)))
                for case_id in cases
            }
        if not events and not unshared:
            return
        # Every key an event may go to, checked once: an event whose readers include one gpg cannot encrypt to
        # waits (unsent, so it goes on a later sync once the key is there); the others go now.
        everyone = {*self.roles.coordinators, *(f for m in self.roles.maintainers.values() for f in m)}
        self.unusable = unusable_recipients(self.gpg, {*everyone, *(e.author for e in events)})
        if unshared and self.unusable:  # readers who cannot be sent to yet must not hold the others back
            usable = {p: m - self.unusable.keys() for p, m in self.roles.maintainers.items()}
            with self.store.read() as connection:
                unshared = self._to_share(connection, usable)
                projects.update(reader_projects(connection, set(unshared) - projects.keys()))
        if coordinating:
            for case_id in sorted((cases | set(unshared)) - {ROSTER_CASE}):
                self._share(client, where, case_id, projects.get(case_id, []))
        for event in events:
            readers = receipt.roster_readers(self.roles, event) or self.roles.readers(projects.get(here[event.id], []))
            told = told_of_unlink(event, self.roles, sent_the_case[here[event.id]])
            planned = deliveries(event, readers, lambda case: self.roles.readers(named.get(case, [])), told)
            blocked = {f for d in planned for f in d.readers} | {event.author}
            # The case's projects and those the event unlinks: whose folders its readers are reached through.
            audience = {*projects.get(here[event.id], []), *event.impacts}
            folders = [
                self.folders.every_folder(subjects.get(event.id, ()))
                if event.roster is not None
                else self.folders.delivery_folders(d.readers, audience)
                for d in planned
            ]
            if self._refused({f for found in folders for f in found}):
                self.outcome.held += 1  # a folder refused this sync: the event waits whole for a later one
                continue
            if blocked & self.unusable.keys():  # the report names only the keys that held an event back
                self.outcome.unusable.update({f: self.unusable[f] for f in blocked & self.unusable.keys()})
                self.outcome.waiting += 1
                continue
            try:
                signed, sealed_all = self._seal_deliveries(event, planned)
            except RecipientError as error:  # a key that changed since it was checked: the event waits too
                self.outcome.unusable.update(error.problems)
                self.outcome.waiting += 1
                continue
            if not self._deliver(client, where, list(zip(sealed_all, folders, strict=True))):
                self.outcome.held += 1  # unsent: appended again whole later (a copy is ignored where it arrived)
                continue
            with self.store.write() as connection:
                # One event at a time: a dropped connection resends at most the one in flight, which the
                # receivers ignore as a copy of one they have. The signed form is kept for later readers.
                log.mark_sent(connection, event.id, signed)
            self.outcome.sent += 1

    def _to_share(self, connection: EitherConnection, readers: Mapping[str, Iterable[str]]) -> list[str]:
        """`cases_to_share`: only a coordinator's decision brings a case to the team (never a maintainer's)."""
        return cases_to_share(connection, readers, SHARE_CASES, deciders=self.roles.coordinators)

    def _refused(self, folders: set[str]) -> bool:
        return bool(folders & self.outcome.folder_problems.keys())

    def _deliver(self, client: IMAPClient, where: str, envelopes: list[tuple[bytes, tuple[str, ...]]]) -> bool:
        """Append each sealed envelope to its folders; False (the refusal named in the outcome) when the server
        refuses one: the rest is not sent, and the whole goes again on a later sync. Folders not read this sync
        (a maintainer's coordinators' folder) go first: refused there, nothing went anywhere to be sent again."""
        appends = [(sealed, folder) for sealed, folders in envelopes for folder in folders]
        for sealed, folder in sorted(appends, key=lambda pair: pair[1] in self._readable):
            try:
                append_to(client, folder, envelope_message(sealed, self.config.identity.email), where)
            except FolderRefused as refused:
                self.outcome.folder_problems[folder] = str(refused)
                return False
        return True

    def _seal_deliveries(self, event: TeamEvent, planned: list[Delivery]) -> tuple[bytes, list[bytes]]:
        """The event's signed form and each delivery sealed, all before any is sent: an event goes to every
        reader or waits whole."""
        signed = sign_event(self.gpg, event)
        sealed = []
        for delivery in planned:
            if delivery.event.id == event.id:  # the whole event: its author reads it back too
                sealed.append(self._encrypt(signed, [*delivery.readers, event.author]))
            else:  # a part of it, for readers who may not see the rest
                sealed.append(self._encrypt(sign_event(self.gpg, delivery.event), delivery.readers))
        return signed, sealed

    def _share(self, client: IMAPClient, where: str, case_id: str, projects: list[str]) -> None:
        """Send the case (its report, then its signed history) to readers it has not been sent to: the maintainers
        of a project just added. Re-encrypted for them only; everyone else has it already."""
        me = self.config.identity.fingerprint
        with self.store.read() as connection:
            # A reader whose key cannot be encrypted to is shared with on a later sync, once the key is there.
            new = set(self.roles.readers(projects)) - shared_with(connection, case_id) - {me}
            new -= self.unusable.keys()
            if not new:
                return
            content = share_of(connection, case_id, projects)
            signed_history = history(connection, case_id)
            named = named_reader_projects(
                connection, {case for event, _signed in signed_history for case in named_cases(event)}
            )
            newest = log.newest_applied_at(connection)
            clock = HybridClock(last=Timestamp.parse(newest) if newest else None)
            ref = case_ref(connection, case_id)
            share = team_named(connection, TeamEvent(case_id, me, clock.now(), "share", share=content, ref=ref))
        readers = sorted(new)
        # The other coordinators get the share too (they read every project's folder): it links the projects it
        # names in every coordinator's log alike, so a maintainer's later cell counts on each (`link_rule`).
        also = sorted(set(self.roles.coordinators) - {me} - self.unusable.keys())
        signed_share = sign_event(self.gpg, share)
        sealed_share = self._encrypt(signed_share, [*readers, *also, me])
        envelopes = [(sealed_share, self.folders.delivery_folders(readers, projects))]
        for event, signed in signed_history:
            for delivery in deliveries(event, readers, lambda case: self.roles.readers(named.get(case, []))):
                if delivery.event.id == event.id and event.case_id == share.case_id:
                    sealed = self._encrypt(signed, delivery.readers)
                else:  # restated by the coordinator sharing the case, without what these readers may not see, and
                    # naming the case as the team does now (an event from before the roster named it by its number)
                    restated = replace(delivery.event, author=me, case_id=share.case_id, ref=share.ref or event.ref)
                    sealed = self._encrypt(sign_event(self.gpg, restated), delivery.readers)
                envelopes.append((sealed, self.folders.delivery_folders(delivery.readers, projects)))
        if self._refused({f for _sealed, found in envelopes for f in found}):
            return  # shared on a later sync, when the folder takes it
        if not self._deliver(client, where, envelopes):
            return
        with self.store.write() as connection:
            record_shares(connection, case_id, readers, datetime.now(UTC))
            record_own_share(connection, share, signed_share, datetime.now(UTC), case_id)
        self.outcome.shared += len(readers)

    def _pull(self, client: IMAPClient, source: ImapSource, folder: str) -> None:
        """Take in one folder's new messages, fetched in rounds of at most PULL_GROUP_MESSAGES UIDs and applied in
        batches of at most APPLY_BATCH_EVENTS (or APPLY_BATCH_BYTES), each stored with its cursor (nothing but its
        STATUS when nothing came)."""
        batch = HeldBatch()

        def take_in(folder: str, validity: int, group: list[int], bodies: Bodies) -> None:
            if self._seen is None:  # read once a folder has something new: a sync with nothing new reads no log
                with self.store.read() as connection:
                    self._seen = log.event_ids(connection)
            opened, unreadable = open_round(
                self.gpg, validity, group, bodies, self._seen, self._copies, self.outcome,
                stored_time(datetime.now(UTC)), folder, self.folders,
            )  # fmt: skip
            batch.hold(folder, validity, group, opened, unreadable)
            if batch.full(APPLY_BATCH_EVENTS, APPLY_BATCH_BYTES):
                flush()

        def flush() -> None:
            nonlocal batch
            if not batch.empty:
                self._apply(batch)
            batch = HeldBatch()

        try:
            pull_folder(
                client, source, self.store, folder, take_in, cursor_source=CURSOR_SOURCE, search_uids=SEARCH_UIDS,
                group_messages=PULL_GROUP_MESSAGES, max_bytes=MAX_ENVELOPE_BYTES,
                create=not self.folders.per_audience, flush=flush,
            )  # fmt: skip
        except BaseException:
            # The batch held is dropped, to be fetched again: its events are no longer counted as taken in.
            self._seen = None
            raise

    @collector_paused()
    def _apply(self, batch: HeldBatch) -> None:
        """Judge and apply one batch's opened events, and store them with the folder's cursor past the batch in one
        transaction."""
        from triage_tui.store.ingest import save_cursor

        with self.store.read() as connection:
            roster = receipt.batch_history(connection, self.founders, batch.opened)
        # Judged from each event and the roster alone (never the case as it is here): the same verdict everywhere.
        judged_on: dict[str, receipt.JudgedOn] = {}
        judged = receipt.judge_round(self.gpg, batch.opened, self.config_roles, roster, judged_on)
        judged = refuse_misdirected(judged, self.config.identity.fingerprint.upper(), roster)
        for verdict in judged:
            if verdict.rejection is None:
                self.outcome.applied += 1
            else:
                self.outcome.rejected += 1
        with self.store.write() as connection:
            received = receive(connection, judged, datetime.now(UTC), roster=roster)
            refused, self.outcome.new_cases = received.refused, self.outcome.new_cases + received.created
            # Events that passed every check but could not be applied are refused and listed like the others.
            self.outcome.applied -= len(refused)
            self.outcome.rejected += len(refused)
            # A roster change judges again every event it decides on, whenever they came.
            new = [v.event.id for v in judged if v.event is not None and v.event.roster is not None]
            settled = receipt.settle(connection, self.gpg, self.founders, self.config_roles, datetime.now(UTC),
                             fresh=bool(new), new=new, judged_under=roster, judged_on=judged_on)  # fmt: skip
            self.outcome.applied += settled.applied - settled.refused
            self.outcome.rejected += settled.refused - settled.applied
            log.keep_unreadable(connection, batch.unreadable)
            save_cursor(connection, CURSOR_SOURCE, batch.folder,
                        {"uidvalidity": batch.validity, "last_uid": batch.last_uid}, datetime.now(UTC))  # fmt: skip


def sync_team(store: Store, config: Config) -> TeamSyncResult:
    """One team sync (for `sync_all` and the app's `s`); a failure is reported, never raised, like any failed
    source's: the other sources and the outbox still run."""
    from triage_tui.replies.compose_reply import open_gpg

    started = time.monotonic()
    home = config.gnupg_home()
    try:
        outcome = TeamTransport(store, config, open_gpg(str(home) if home else None)).sync()
    except SourceError as error:
        return TeamSyncResult(TeamSyncOutcome(), time.monotonic() - started, str(error))
    except RecipientError as error:  # a key that went bad while a case was shared: the rest waits, said in one line
        return TeamSyncResult(TeamSyncOutcome(), time.monotonic() - started, f"team events wait: {error}")
    except Exception as error:
        return TeamSyncResult(TeamSyncOutcome(), time.monotonic() - started, f"internal error: {error!r}")
    return TeamSyncResult(outcome, time.monotonic() - started)
