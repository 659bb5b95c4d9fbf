"""Tests for signing keys pinned on first use: reporters by their From address, a changed key flagged until a
coordinator accepts it; older stores seeded from the messages they hold."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from pathlib import Path

import msgspec
from textual.widgets import OptionList

from triage_tui.intake.records import ParsedMessage
from triage_tui.screens.changed_keys import ChangedKeysScreen
from triage_tui.services.triage import TriageService
from triage_tui.store.batches import IncomingItem
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.key_pins import pending_changes
from triage_tui.store.migrations import migrate
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store
from triage_tui.store.tables import KeyChangeRow
from triage_tui.team.key_trust import may_accept_keys
from triage_tui.widgets.verdict import verdict_content
from ui_fixtures import BASE, GOOD, PROJECTS, make_app, message, screen_text, seeded_store, settle

OLD_KEY = GOOD.signer_fingerprint or ""
NEW_KEY = "9" * 40
ROTATED = dataclasses.replace(GOOD, signer_fingerprint=NEW_KEY)
ALIAS = dataclasses.replace(GOOD, signer_fingerprint="8" * 40, signer_uids=("Mallory <mallory@example.org>",))


def _thread() -> list[ParsedMessage]:
    first = message(1, "pip: wheel RECORD traversal", date=BASE, verdict=GOOD)
    # A key naming someone else: intake warns; it says nothing about Dana's key (nor proves the reply is hers).
    alias = message(3, "Re: pip: wheel RECORD traversal", date=BASE + timedelta(days=6), verdict=ALIAS,
                    reply_to="<1@reports.test>")  # fmt: skip
    # Same sender, a week later, signed by another key that also names her address: the newest case.
    rotated = message(2, "Re: pip: wheel RECORD traversal", date=BASE + timedelta(days=7), verdict=ROTATED,
                      reply_to="<1@reports.test>")  # fmt: skip
    return [first, alias, rotated]


def _pins(database: Path) -> dict[str, str]:
    with reader(database) as connection:
        return {row[0]: row[1] for row in connection.execute("SELECT address, fingerprint FROM key_pins")}


def _pending(database: Path) -> list[KeyChangeRow]:
    with reader(database) as connection:
        return pending_changes(connection)


def test_the_first_key_is_pinned_and_another_is_flagged_until_accepted(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", _thread())
    assert _pins(database) == {"dana@example.net": OLD_KEY}
    [change] = _pending(database)
    assert (change.address, change.old_fingerprint, change.new_fingerprint) == ("dana@example.net", OLD_KEY, NEW_KEY)
    with reader(database) as connection:
        first = get_case(connection, "PSC-2026-0001")
        detail = get_case(connection, change.case_id or "")
    # A reply signed by another key than the pinned one does not prove its sender: it stays apart, flagged.
    assert first is not None and [m.message_id for m in first.messages] == ["<1@reports.test>"]
    assert detail is not None and change.case_id != "PSC-2026-0001"
    assert [m.key_changed_from for m in detail.messages] == [OLD_KEY]
    assert "KEY CHANGED" in verdict_content(detail.messages[0]).plain
    assert "KEY CHANGED" not in verdict_content(first.messages[0]).plain

    service = TriageService(Store(database), "Alex Coordinator")
    try:
        accepted = service.accept_key_change(change.id)
        assert accepted is not None and accepted.new_fingerprint == NEW_KEY
        assert service.accept_key_change(change.id) is None  # once
    finally:
        service.store.close()
    assert _pins(database) == {"dana@example.net": NEW_KEY}
    assert _pending(database) == []
    with reader(database) as connection:
        detail = get_case(connection, change.case_id or "")
        accepted_by = connection.execute("SELECT accepted_by FROM key_changes").fetchone()[0]
    assert detail is not None and all(m.key_changed_from is None for m in detail.messages)
    assert accepted_by == "Alex Coordinator"


def test_going_back_to_the_old_key_after_accepting_is_flagged_again(tmp_path: Path) -> None:
    first, _alias, rotated = _thread()
    database = seeded_store(tmp_path / "triage.db", [first, rotated])
    service = TriageService(Store(database), "Alex")
    try:
        service.accept_key_change(_pending(database)[0].id)
    finally:
        service.store.close()
    back = message(4, "Re: pip: wheel RECORD traversal", date=BASE + timedelta(days=9), verdict=GOOD)
    store = Store(database)
    store_batch(store, [IncomingItem("test", "later/4", back)], PROJECTS)
    store.close()
    [change] = _pending(database)
    assert (change.old_fingerprint, change.new_fingerprint) == (NEW_KEY, OLD_KEY)


def test_an_older_store_pins_from_the_messages_it_holds(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", _thread())
    connection = sqlite3.connect(database)
    # Back to the schema before pinning: what migrations 9 to 11 (and 15) added goes, the version says 8.
    connection.executescript(
        "DROP TABLE advisory_record_ids; DROP TABLE advisory_records; "
        "DROP TABLE key_changes; DROP TABLE key_pins; DROP TABLE team_cases; DROP INDEX ix_team_events_ref; "
        "ALTER TABLE team_events DROP COLUMN ref; DROP INDEX ix_team_events_rejection; "
        "ALTER TABLE team_events DROP COLUMN rejection; PRAGMA user_version = 8;"
    )
    migrate(connection)
    connection.close()
    assert _pins(database) == {"dana@example.net": OLD_KEY}
    assert [(c.old_fingerprint, c.new_fingerprint) for c in _pending(database)] == [(OLD_KEY, NEW_KEY)]


def test_only_a_coordinator_accepts_with_team_sync_on() -> None:
    from triage_tui.config import Identity, TeamConfig
    from ui_fixtures import workspace_config

    solo = workspace_config(Path("config.toml"))
    assert may_accept_keys(solo) and may_accept_keys(None)
    coordinator = msgspec.structs.replace(solo, team=TeamConfig(coordinators=(solo.identity.fingerprint,), source="x"))
    assert may_accept_keys(coordinator)
    maintainer = msgspec.structs.replace(coordinator, identity=Identity("Pat", "pat@example.org", "B" * 40))
    assert not may_accept_keys(maintainer)


async def test_the_changed_keys_view_lists_and_accepts(tmp_path: Path) -> None:
    app = make_app(tmp_path, _thread())
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "KEY CHANGED" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("K")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChangedKeysScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        options = screen.query_one(OptionList)
        assert options.option_count == 1
        assert "dana@example.net" in str(options.get_option_at_index(0).prompt)
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No changed key" in str(options.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")  # the same case again: its verdict no longer flags the key
        await settle(pilot)
        assert "KEY CHANGED" not in screen_text(app) and "as the key of" in screen_text(app)
    assert _pending(app.database) == []
