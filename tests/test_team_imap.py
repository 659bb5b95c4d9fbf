"""Team sync through a real Dovecot mailbox shared by three identities (a coordinator, a pip maintainer and a uv
maintainer): decisions made offline converge after both sync, in either order; the uv maintainer's workstation
takes nothing of the pip case; an event from a maintainer without a role on the case is rejected and listed."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from msgspec.structs import replace

from dovecot_fixtures import DovecotServer
from gpg_fixtures import TEAM_OF_THREE, Keyring, kill_and_remove, team_keyrings
from replies_fixtures import SmtpServer, smtp_server
from team_config_fixtures import linked_store, mailbox_member_config
from test_team_sync import CASE, shown
from triage_tui.config import Config, parse_config
from triage_tui.domain import CaseState, ImpactStatus
from triage_tui.impact import ImpactCell
from triage_tui.services.triage import TriageService
from triage_tui.sources.imap import ImapSource
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.team.envelope import seal
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp
from triage_tui.team.log import rejected
from triage_tui.team.sharing import TeamSharer
from triage_tui.team.transport import TeamSyncOutcome, TeamTransport, envelope_message
from ui_fixtures import seeded_store, small_inbox

__all__ = ["smtp_server"]  # the fixture, imported so pytest finds it here


@dataclass
class Station:
    """One workstation: its keyring, config and store."""

    ring: Keyring
    config: Config
    database: Path

    def sync(self) -> TeamSyncOutcome:
        with Store(self.database) as store:
            return TeamTransport(store, self.config, self.ring.gpg).sync()

    def triage(self) -> TriageService:
        return TriageService(Store(self.database), self.ring.email, sharer=TeamSharer(self.ring.fingerprint))


@pytest.fixture(scope="module")
def rings() -> Iterator[tuple[Keyring, Keyring, Keyring]]:
    made = team_keyrings(*TEAM_OF_THREE)
    try:
        yield made[0], made[1], made[2]
    finally:
        for ring in made:
            kill_and_remove(ring.home)


def station(tmp_path: Path, name: str, ring: Keyring, rings, dovecot: DovecotServer, user: str, base: Path) -> Station:  # type: ignore[no-untyped-def]
    coordinator, pip, uv = rings
    text = mailbox_member_config(name, ring, coordinator.fingerprint, pip.fingerprint, uv.fingerprint, dovecot.host,
                                 dovecot.port, user)  # fmt: skip
    database = tmp_path / f"{name}.db"
    shutil.copy(base, database)
    return Station(ring, parse_config(tmp_path / f"{name}.toml", text), database)


@pytest.fixture
def team(tmp_path: Path, rings, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)
    base = linked_store(tmp_path / "base.db", (CASE, "pip"))
    coordinator, pip, uv = rings
    return (
        station(tmp_path, "coordinator", coordinator, rings, dovecot, user, base),
        station(tmp_path, "pip", pip, rings, dovecot, user, base),
        station(tmp_path, "uv", uv, rings, dovecot, user, base),
    )


def decide_offline(coordinator: Station, pip: Station) -> None:
    alex = coordinator.triage()
    alex.transition(CASE, CaseState.TRIAGE)
    alex.set_labels(CASE, ["tarfile"])
    alex.store.close()
    pat = pip.triage()
    pat.set_impact(CASE, "pip", ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version="24.1"))
    pat.add_note(CASE, "fixed in 24.1")  # a maintainer sets their project's cell and adds notes, nothing else
    pat.store.close()


@pytest.mark.parametrize("coordinator_first", [True, False])
def test_offline_decisions_converge_through_the_mailbox_in_either_order(team, coordinator_first: bool) -> None:  # type: ignore[no-untyped-def]
    coordinator, pip, uv = team
    decide_offline(coordinator, pip)
    first, second = (coordinator, pip) if coordinator_first else (pip, coordinator)
    sent_first = first.sync()
    second.sync()
    first.sync()
    assert sent_first.sent >= 2
    assert shown(coordinator.database) == shown(pip.database)
    view = shown(coordinator.database)
    assert view["state"] == "triage" and view["notes"] == ["fixed in 24.1"]
    assert view["impacts"] == {"pip": ("fixed", ("<24.1",), "24.1")}
    # The uv maintainer shares the mailbox but not the case: nothing of it reaches their store.
    before = shown(uv.database)
    outcome = uv.sync()
    assert outcome.applied == 0 and outcome.not_for_us >= 5
    assert shown(uv.database) == before
    with reader(uv.database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM team_events").fetchone()[0] == 0


def test_an_event_from_someone_without_a_role_is_rejected_and_listed(team) -> None:  # type: ignore[no-untyped-def]
    coordinator, _pip, uv = team
    intruding = TeamEvent(
        CASE, uv.ring.fingerprint, Timestamp(int(time.time() * 1000)), "state", {"state": ("new", "closed")}
    )
    sealed = seal(uv.ring.gpg, intruding, [coordinator.ring.fingerprint])
    with ImapSource(uv.config.sources["mailbox"]).session("append") as client:
        if not client.folder_exists("TeamEvents"):
            client.create_folder("TeamEvents")
        client.append("TeamEvents", envelope_message(sealed, uv.ring.email))
    outcome = coordinator.sync()
    assert outcome.rejected == 1 and outcome.applied == 0
    assert shown(coordinator.database)["state"] == "new"
    with reader(coordinator.database) as connection:
        (listed,) = rejected(connection)
    assert listed[1] == uv.ring.fingerprint and "a maintainer may not change state" in listed[3]
    assert coordinator.sync().rejected == 0  # read once: the next sync does not list it again


UV_ONLY = "uv: cache poisoning through a crafted lockfile in the shared runner"


async def _screens_text(database: Path) -> str:
    """What a user of the workstation sees: the inbox, the matrix, and the inbox searching for "runner"."""
    from triage_tui.app import TriageApp
    from ui_fixtures import screen_text, settle

    app = TriageApp(database)
    seen: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        seen.append(screen_text(app))
        await pilot.press("m")
        await settle(pilot)
        seen.append(screen_text(app))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *"runner")
        await settle(pilot)
        seen.append(screen_text(app))
    return "\n".join(seen)


def test_a_maintainer_gets_their_projects_cases_and_no_trace_of_the_others(  # type: ignore[no-untyped-def]
    tmp_path: Path, rings, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage_tui.store.batches import IncomingItem
    from triage_tui.store.ingest import store_batch
    from triage_tui.store.store import Store
    from ui_fixtures import BASE, message

    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)
    base = seeded_store(tmp_path / "base.db", small_inbox())
    coordinator = station(tmp_path, "coordinator", rings[0], rings, dovecot, user, base)
    store = Store(coordinator.database)
    store.sync_projects(coordinator.config.projects.values())
    uv_report = message(50, UV_ONLY, date=BASE, body="The uv-only secret: runner 7 caches the poisoned lockfile.")
    (uv_case,) = store_batch(store, [IncomingItem("mail", "uv-1", uv_report)], []).new_cases
    store.close()
    empty = tmp_path / "empty.db"
    pip = Station(rings[1], station(tmp_path, "pip", rings[1], rings, dovecot, user, base).config, empty)
    uv_config = station(tmp_path, "uv", rings[2], rings, dovecot, user, base).config
    uv = Station(rings[2], uv_config, tmp_path / "uv-empty.db")
    alex = coordinator.triage()
    alex.set_impact(CASE, "pip", ImpactCell(ImpactStatus.INVESTIGATING))  # pip joins: shared with its maintainer
    alex.add_note(CASE, "pip: please check 24.x")
    alex.set_impact(uv_case, "uv", ImpactCell(ImpactStatus.AFFECTED, ranges=("<0.5",)))
    alex.store.close()
    sent = coordinator.sync()
    assert sent.shared == 2 and sent.sent == 3
    pip.sync()
    uv.sync()
    with reader(pip.database) as connection:
        titles = [row[0] for row in connection.execute("SELECT title FROM cases")]
        notes = [row[0] for row in connection.execute("SELECT payload FROM events WHERE kind = 'note'")]
    assert len(titles) == 1 and "tarfile" in titles[0]  # the pip case, and only it
    assert any("please check 24.x" in note for note in notes)
    # No trace of the uv-only case in the pip maintainer's database files: not its title, not its text.
    for path in pip.database.parent.glob(f"{pip.database.name}*"):
        raw = path.read_bytes()
        assert UV_ONLY.encode() not in raw and b"runner 7 caches" not in raw and uv_case.encode() not in raw
    # Nor on its screens: the inbox, the matrix, and a search for the uv case's words.
    shown_text = asyncio.run(_screens_text(pip.database))
    assert "tarfile" in shown_text and UV_ONLY not in shown_text and uv_case not in shown_text
    assert "runner 7" not in shown_text
    with reader(uv.database) as connection:
        assert [row[0] for row in connection.execute("SELECT title FROM cases")] == [UV_ONLY]
    # The maintainer's decision flows back to the coordinator.
    pat = pip.triage()
    pat.set_impact(CASE, "pip", ImpactCell(ImpactStatus.FIXED, ranges=("<24.1",), fixed_version="24.1"))
    pat.store.close()
    pip.sync()
    coordinator.sync()
    assert shown(coordinator.database)["impacts"] == shown(pip.database)["impacts"]
    assert shown(coordinator.database)["impacts"]["pip"] == ("fixed", ("<24.1",), "24.1")  # type: ignore[index]


def test_messages_of_the_folder_that_hold_no_readable_event_are_kept_and_the_sync_goes_on(team) -> None:  # type: ignore[no-untyped-def]
    coordinator, pip, _uv = team
    decide_offline(coordinator, pip)
    pip.sync()  # the maintainer's decisions are in the folder
    garbage = b"From: someone@example.org\r\nSubject: hello\r\n\r\nnot an event at all\r\n"
    # Signed and encrypted to the coordinator, but not an event inside.
    not_json = pip.ring.gpg.encrypt(
        b"\x1b[31mnot json", [coordinator.ring.fingerprint], sign=pip.ring.fingerprint, armor=True, always_trust=True
    )
    with ImapSource(coordinator.config.sources["mailbox"]).session("append") as client:
        client.append("TeamEvents", garbage)
        client.append("TeamEvents", envelope_message(bytes(str(not_json), "ascii"), pip.ring.email))
    outcome = coordinator.sync()
    assert outcome.applied >= 2 and outcome.rejected == 2
    assert shown(coordinator.database)["notes"] == ["fixed in 24.1"]
    with reader(coordinator.database) as connection:
        kept = connection.execute("SELECT reason, raw FROM intake_failures WHERE source = 'team'").fetchall()
    assert sorted(reason.split(" (")[0].split(":")[0] for reason, _raw in kept) == [
        "not a team event",  # decrypted and signed, but no event inside
        "not a team event message",  # not even an envelope
    ]
    assert any(raw == garbage for _reason, raw in kept)


def append_sealed(station: Station, *sealed: bytes) -> None:
    """Put sealed events in the shared folder, as another member's sync would."""
    assert station.config.team is not None
    folder = station.config.team.folder
    with ImapSource(station.config.sources["mailbox"]).session("append") as client:  # type: ignore[arg-type]
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for item in sealed:
            client.append(folder, envelope_message(item, station.ring.email))


def test_an_event_that_cannot_be_applied_is_refused_and_listed_and_the_sync_goes_on(team) -> None:  # type: ignore[no-untyped-def]
    coordinator, pip, _uv = team
    pat = pip.triage()
    pat.add_note(CASE, "queued behind the bad events")  # waits in the pip maintainer's log, to be sent
    pat.store.close()
    now = int(time.time() * 1000)
    author = coordinator.ring.fingerprint

    def sealed(at: int, kind: str, changes: dict[str, tuple[object, object]]) -> bytes:
        event = TeamEvent(CASE, author, Timestamp(now + at), kind, changes)
        return seal(coordinator.ring.gpg, event, [pip.ring.fingerprint])

    # Signed by a coordinator and well-formed JSON, but no case can hold a null state or an embargo in year 1.
    append_sealed(
        coordinator,
        sealed(1, "state", {"state": ("new", None)}),
        sealed(2, "embargo", {"embargo_until": (None, "0001-01-01T00:00:00+05:00")}),
        sealed(3, "state", {"state": ("new", "triage")}),
    )
    outcome = pip.sync()  # once raised: the whole pull rolled back, cursor and outbox with it, on every sync
    assert (outcome.applied, outcome.rejected, outcome.sent) == (1, 2, 1)
    assert shown(pip.database)["state"] == "triage" and shown(pip.database)["embargo"] is None
    with reader(pip.database) as connection:
        listed = sorted(reason for _case, _author, _kind, reason, _signer in rejected(connection))
    assert len(listed) == 2 and all(f"signed by {author}" in reason for reason in listed)
    assert "changes.embargo_until" in listed[0] and "between 2000 and 9000" in listed[0]
    assert "changes.state.1: None is not one of" in listed[1]
    again = pip.sync()  # the cursor moved past them: nothing is read, refused or sent twice
    assert (again.applied, again.rejected, again.sent) == (0, 0, 0)
    coordinator.sync()
    assert shown(coordinator.database)["notes"] == ["queued behind the bad events"]


def test_a_bad_team_event_stops_neither_the_other_sources_nor_the_replies_waiting_to_go(  # type: ignore[no-untyped-def]
    team, smtp_server: SmtpServer
) -> None:
    """A whole sync (`sync_all`, as `triage-tui sync` and the app's `s` run it): the mailbox source, the team folder
    holding an event no case can take, and a reply to the reporter queued behind them."""
    from email.message import EmailMessage

    from triage_tui.config import SmtpConfig
    from triage_tui.store.outbox_store import queue_reply
    from triage_tui.store.store import Store
    from triage_tui.sync.run import sync_all

    coordinator, pip, _uv = team
    event = TeamEvent(CASE, coordinator.ring.fingerprint, Timestamp(int(time.time() * 1000)), "state",
                      {"state": ("new", None)})  # fmt: skip
    append_sealed(coordinator, seal(coordinator.ring.gpg, event, [pip.ring.fingerprint]))
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = pip.ring.email, "reporter@example.net", "Re: your report"
    reply.set_content(str(pip.ring.gpg.encrypt(b"fixed in 24.1", [coordinator.ring.fingerprint], always_trust=True)))
    store = Store(pip.database)
    queue_reply(store, case_id=CASE, recipients=["reporter@example.net"], subject="Re: your report",
                raw=reply.as_bytes(), author="pat", template=None, now=datetime.now(UTC))  # fmt: skip
    store.close()
    smtp = SmtpConfig(host=smtp_server.host, port=smtp_server.port, security="none", from_address=pip.ring.email)
    reports = sync_all(Store(pip.database), replace(pip.config, smtp=smtp))  # once raised out of the team sync
    assert {report.source: report.ok for report in reports} == {"mailbox": True, "team": True, "outbox": True}
    assert [message.rcpt_tos for message in smtp_server.collector.messages] == [["reporter@example.net"]]
