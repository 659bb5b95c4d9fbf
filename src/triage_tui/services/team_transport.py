"""Carries team events through a folder of the shared IMAP mailbox: local events, each sealed for its case's trust
boundary, are appended (they waited in the log while offline); new messages of the folder are opened, judged and
applied. Envelopes not encrypted to this workstation leave no trace: they belong to other projects' cases."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from triage_tui.config import Config, ImapSourceConfig
from triage_tui.services.team_envelope import Rejection, TeamRoles, judge, open_sealed, seal
from triage_tui.sources.base import SourceError
from triage_tui.store.connection import reader

SUBJECT = "triage-tui team event"
CURSOR_SOURCE = "team"
BEGIN, END = b"-----BEGIN PGP MESSAGE-----", b"-----END PGP MESSAGE-----"


@dataclass
class TeamSyncOutcome:
    """What one team sync did."""

    sent: int = 0
    applied: int = 0
    rejected: int = 0
    not_for_us: int = 0


def roles_of(config: Config) -> TeamRoles:
    """The coordinators and each project's maintainers, from the config."""
    coordinators = frozenset(config.team.coordinators) if config.team else frozenset({config.identity.fingerprint})
    return TeamRoles(
        coordinators=coordinators,
        maintainers={p.id: frozenset(p.maintainers) for p in config.projects.values()},
    )


def envelope_message(sealed: bytes, sender: str) -> bytes:
    """The mail a sealed event travels in: nothing about the case outside the encrypted part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = sender
    message["Subject"] = SUBJECT
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="triage-tui.invalid")
    message.set_content(sealed.decode("ascii"))
    return message.as_bytes()


def armoured_part(raw: bytes) -> bytes | None:
    """The PGP message inside an envelope mail, or None."""
    start = raw.find(BEGIN)
    end = raw.find(END, start)
    if start < 0 or end < 0:
        return None
    return raw[start : end + len(END)].replace(b"\r\n", b"\n") + b"\n"


class TeamTransport:
    """One workstation's team sync over the configured IMAP source."""

    def __init__(self, database: Path, config: Config, gpg: Any) -> None:
        if config.team is None:
            raise SourceError("no [team] table in the config: team sync is off")
        source = config.sources.get(config.team.source)
        if not isinstance(source, ImapSourceConfig):
            raise SourceError(f"team.source {config.team.source!r} is not an imap source")
        self.database = database
        self.config = config
        self.gpg = gpg
        self.folder = config.team.folder
        self.source = source
        self.roles = roles_of(config)
        self.outcome = TeamSyncOutcome()

    def sync(self) -> TeamSyncOutcome:
        """Send what waits, then take in what is new; one connection."""
        from triage_tui.sources.imap import ImapSource

        with ImapSource(self.source).session("team sync") as client:
            if not client.folder_exists(self.folder):
                client.create_folder(self.folder)
            self._send(client)
            self._pull(client)
        return self.outcome

    def _send(self, client: Any) -> None:
        from triage_tui.services.team_log import case_projects, outgoing
        from triage_tui.store.database import open_engine, write_transaction

        with reader(self.database) as connection:
            events = outgoing(connection)
            projects = case_projects(connection, {event.case_id for event in events})
        if not events:
            return
        engine = open_engine(self.database)
        try:
            for event in events:
                sealed = seal(self.gpg, event, self.roles.readers(projects.get(event.case_id, [])))
                client.append(self.folder, envelope_message(sealed, self.config.identity.email))
                with write_transaction(engine) as connection:
                    # One event at a time: a dropped connection resends at most the one in flight, which the
                    # receivers ignore as a copy of one they have.
                    connection.exec_driver_sql("UPDATE team_events SET sent = 1 WHERE id = ?", (event.id,))
                self.outcome.sent += 1
        finally:
            engine.dispose()

    def _pull(self, client: Any) -> None:
        from triage_tui.services.team_log import case_projects, receive
        from triage_tui.store.database import open_engine, write_transaction
        from triage_tui.store.sync_reads import load_cursors

        status = client.select_folder(self.folder, readonly=True)
        validity = int(status[b"UIDVALIDITY"])
        with reader(self.database) as connection:
            cursor = load_cursors(connection, CURSOR_SOURCE).get(self.folder) or {}
            applied = {row[0] for row in connection.execute("SELECT id FROM team_events")}
        last = int(cursor.get("last_uid", 0)) if cursor.get("uidvalidity") == validity else 0
        uids = [uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last]
        if not uids:
            return
        fetched = client.fetch(uids, ["RFC822"])
        judged = []
        for uid in sorted(fetched):
            sealed = armoured_part(fetched[uid][b"RFC822"])
            if sealed is None:
                continue
            opened = open_sealed(self.gpg, sealed)
            if opened.rejection == Rejection.UNDECRYPTABLE:
                self.outcome.not_for_us += 1  # another project's case: nothing of it is kept here
                continue
            if opened.event is not None and opened.event.id in applied:
                continue  # our own event, or a copy of one we have: nothing new
            with reader(self.database) as connection:
                projects = case_projects(connection, [opened.event.case_id]) if opened.event else {}
            verdict = judge(opened, self.roles, projects.get(opened.event.case_id, []) if opened.event else [], set())
            judged.append(verdict)
            if opened.event is not None:
                applied.add(opened.event.id)
            if verdict.rejection is None:
                self.outcome.applied += 1
            else:
                self.outcome.rejected += 1
        engine = open_engine(self.database)
        try:
            with write_transaction(engine) as connection:
                receive(connection, judged, datetime.now(UTC))
                _save_cursor(connection, self.folder, validity, max(uids))
        finally:
            engine.dispose()


def _save_cursor(connection: Any, folder: str, validity: int, last_uid: int) -> None:
    import json

    from sqlalchemy.dialects.sqlite import insert

    from triage_tui.store.tables import SYNC_STATE

    statement = insert(SYNC_STATE).values(
        source=CURSOR_SOURCE,
        scope=folder,
        cursor=json.dumps({"uidvalidity": validity, "last_uid": last_uid}),
        updated_at=datetime.now(UTC),
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[SYNC_STATE.c.source, SYNC_STATE.c.scope],
            set_={"cursor": statement.excluded.cursor, "updated_at": statement.excluded.updated_at},
        )
    )


def sync_team(database: Path, config: Config) -> Any:
    """Team sync as a source report (for `sync_all` and the app's `s`)."""
    from triage_tui.replies.compose_reply import open_gpg
    from triage_tui.services.sync import SourceReport

    started = time.monotonic()
    home = config.gnupg_home()
    try:
        outcome = TeamTransport(database, config, open_gpg(str(home) if home else None)).sync()
    except SourceError as error:
        return SourceReport("team", False, 0, 0, 0, time.monotonic() - started, str(error))
    return SourceReport(
        "team", True, outcome.sent + outcome.applied, 0, outcome.rejected, time.monotonic() - started, None
    )
