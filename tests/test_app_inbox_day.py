"""Provides Pilot tests of the coordinator's inbox (issue 18): trust states, severity and assignee columns, closed
cases hidden by default, columns that use their width, the selection count, undo from the inbox, separated header
fields and the status line; and snapshots of the inbox at 80x24 and 200x50, hostile text included."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from triage_tui.app import TriageApp
from triage_tui.commands import BindingCommands
from triage_tui.config import Config, Identity
from triage_tui.domain import Decryption, Signature, SignatureScope
from triage_tui.intake.records import CryptoVerdict, ParsedMessage
from triage_tui.screens.questions import ConfirmModal
from triage_tui.store.connection import reader
from triage_tui.store.queries import get_case
from triage_tui.widgets.case_list import CaseList
from ui_fixtures import (
    BASE,
    FROZEN_NOW,
    PROJECTS,
    frozen_clock,
    hostile_inbox,
    message,
    screen_text,
    seeded_store,
    set_case,
    settle,
    small_inbox,
    triaged_store,
    workspace_config,
)

SnapCompare = Callable[..., bool]
NEW_KEY = "FEDCBA9876543210FEDCBA9876543210FEDCBA98"
"""Dana's second key: a case signed with it after her first is a changed key."""


def trust_inbox() -> list[ParsedMessage]:
    """The small inbox, then Dana signing with another key (a key change) and Mo signing with a key whose UIDs do
    not carry the From address (as intake's warning says)."""
    changed = CryptoVerdict(
        encrypted=True,
        decryption=Decryption.OK,
        signature=Signature.GOOD,
        signer_fingerprint=NEW_KEY,
        signer_uids=("Dana Reporter <dana@example.net>",),
        scope=SignatureScope.WHOLE,
    )
    not_from = CryptoVerdict(
        encrypted=True,
        decryption=Decryption.OK,
        signature=Signature.GOOD,
        signer_fingerprint="1111222233334444555566667777888899990000",
        signer_uids=("Someone Else <else@example.com>",),
        scope=SignatureScope.WHOLE,
        warnings=("signer key does not match From (mo@example.org)",),
    )
    return [
        *small_inbox(),
        message(20, "pip: second report from Dana", date=BASE + timedelta(days=7), verdict=changed),
        message(21, "uv: report from Mo", sender=("Mo", "mo@example.org"), date=BASE + timedelta(days=8),
                verdict=not_from),
    ]  # fmt: skip


def coordinator_app(database: Path, tmp_path: Path) -> TriageApp:
    config = Config(
        path=tmp_path / "config.toml",
        identity=Identity(name="alex", email="alex@example.org", fingerprint="A" * 40),
        projects={p.id: p for p in PROJECTS},
    )
    return TriageApp(database, config, clock=frozen_clock)


def triaged_app(tmp_path: Path) -> TriageApp:
    """The triaged small inbox (0005 closed as spam), a sync stored two hours ago, 0001 linked to every project and a
    reply to it queued, 0006's embargo ending in 30 hours."""
    database = triaged_store(tmp_path / "triage.db")
    set_case(database, "PSC-2026-0006", embargo_until=FROZEN_NOW + timedelta(hours=30))
    connection = sqlite3.connect(database)
    with connection:
        for project in ("uv", "setuptools", "twine"):
            connection.execute(
                "INSERT INTO impacts (case_id, project_id, status) VALUES ('PSC-2026-0001', ?, 'unknown')", (project,)
            )
        stamp = (FROZEN_NOW - timedelta(hours=2)).replace(tzinfo=None).isoformat(" ", "microseconds")
        connection.execute(
            "INSERT INTO sync_state (source, scope, cursor, updated_at) VALUES ('mail', 'INBOX', '{}', ?)", (stamp,)
        )
        connection.execute(
            "INSERT INTO outbox (case_id, to_address, subject, raw, created_at, author, state) "
            "VALUES ('PSC-2026-0001', 'dana@example.net', 'Re: pip', x'00', ?, 'alex', 'queued')",
            (stamp,),
        )
    connection.close()
    return TriageApp(database, workspace_config(tmp_path / "config.toml"), clock=frozen_clock)


def row_of(text: str, case_id: str) -> str:
    return next(line for line in text.splitlines() if case_id in line or case_id.removeprefix("PSC-") in line)


def count_text(app: TriageApp) -> str:
    return str(app.screen.query_one("#inbox-count", Static).render())


def shown_ids(app: TriageApp) -> list[str]:
    case_list = app.screen.query_one(CaseList)
    return [case.id[-4:] for case in (case_list._row(i) for i in range(case_list.count)) if case is not None]


class TestTrustStates:
    async def test_changed_key_and_signer_not_from_are_not_good(self, tmp_path: Path) -> None:
        """A good signature by a changed key, or by a key without the From address, has its own state in the list;
        an untroubled good signature stays good."""
        app = coordinator_app(seeded_store(tmp_path / "triage.db", trust_inbox()), tmp_path)
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "⚠ key-changed" in row_of(text, "PSC-2026-0007")
            assert "≠ signer≠From" in row_of(text, "PSC-2026-0008")
            assert "✓ good" in row_of(text, "PSC-2026-0001")
            assert "✓ good" not in row_of(text, "PSC-2026-0007")
            assert "✓ good" not in row_of(text, "PSC-2026-0008")
            assert "⚠ 1 changed key (K)" in text.splitlines()[2]

    async def test_trust_states_shorten_at_80_columns(self, tmp_path: Path) -> None:
        """At 80 columns the trust states keep their symbol and a word that tells them apart."""
        app = coordinator_app(seeded_store(tmp_path / "triage.db", trust_inbox()), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "⚠ key-chg" in row_of(text, "PSC-2026-0007")
            assert "≠ From" in row_of(text, "PSC-2026-0008")


class TestColumns:
    async def test_severity_and_assignee_columns(self, tmp_path: Path) -> None:
        """Sorted by severity, each row shows its score and rating, and who it is assigned to."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(pilot)
            await pilot.press("o", "o")
            await settle(pilot)
            text = screen_text(app)
            header = next(line for line in text.splitlines() if " title " in line)
            assert "severity" in header and "assignee" in header
            assert "9.8 critical" in row_of(text, "PSC-2026-0001")
            assert "alex@example.org" in row_of(text, "PSC-2026-0001")
            assert "6.9 medium" in row_of(text, "PSC-2026-0002")
            assert "1.8 low" in row_of(text, "PSC-2026-0004")
            assert "team:setuptools" in row_of(text, "PSC-2026-0004")

    async def test_projects_use_the_width_at_250_columns(self, tmp_path: Path) -> None:
        """A case linked to four projects lists them all when the terminal is wide."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=(250, 40)) as pilot:
            await settle(pilot)
            assert "pip,setuptools,twine,uv" in row_of(screen_text(app), "PSC-2026-0001")

    async def test_title_gets_space_first_at_80x24(self, tmp_path: Path) -> None:
        """At 80x24 the title is at least 24 cells wide and the embargo and projects columns stay."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            header = next(line for line in text.splitlines() if " title " in line)
            assert "emb" in header and "proj" in header and "sev" in header and "signature" in header
            title_start = header.index("title")
            title_width = header.index("state") - title_start - 1
            assert title_width >= 24
            assert "pip: path traversal in ta" in row_of(text, "PSC-2026-0001")
            assert "30h" in row_of(text, "PSC-2026-0006") or "1d 6h" in row_of(text, "PSC-2026-0006")


HEADINGS = re.compile(r"\S+")


class TestRenderedText:
    @pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 50)])
    async def test_columns_line_up_and_fields_are_separated(self, tmp_path: Path, size: tuple[int, int]) -> None:
        """Every row's column starts where its heading starts (a gap before it, the cell's text at it); the count
        and status lines' fields are set off by " · "."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("c")  # the closed case too
            await settle(pilot)
            lines = screen_text(app).splitlines()
            header_index = next(i for i, line in enumerate(lines) if " title " in line)
            header = lines[header_index]
            starts = [m.start() for m in HEADINGS.finditer(header)]
            assert len(starts) >= 7
            rows = [line for line in lines[header_index + 1 :] if "2026-000" in line]
            assert len(rows) == 6
            for row in rows:
                for start in starts:
                    assert row[start - 1] == " ", (row, start)
            # Columns that are never blank start with text at their heading's offset.
            for heading in ("id", "title", "state", "signature", "sev", "severity"):
                if f" {heading} " not in f" {header} ":
                    continue
                start = f" {header} ".index(f" {heading} ")
                for row in rows:
                    assert row[start] != " ", (heading, row)
            count, status = lines[1], lines[2]
            assert re.match(r"^ 6 cases · closed shown \(c hides them\)", count), count
            assert re.fullmatch(r" no changed keys · outbox 1 · 1 embargo due in 48 h · synced 2 h ago\s*", status), (
                status
            )
            assert not re.search(r"\d(cases|of)\b", count)


class TestClosed:
    async def test_closed_hidden_until_c_and_shown_distinctly(self, tmp_path: Path) -> None:
        """Closed cases are hidden at first, the line says how many; c shows them marked, c again hides them."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert "0005" not in shown_ids(app)
            assert count_text(app) == "5 cases · 1 closed hidden (c shows them)"
            await pilot.press("c")
            await settle(pilot)
            assert "0005" in shown_ids(app)
            assert count_text(app) == "6 cases · closed shown (c hides them)"
            assert "⊘ spam" in row_of(screen_text(app), "PSC-2026-0005")
            await pilot.press("c")
            await settle(pilot)
            assert "0005" not in shown_ids(app)

    async def test_palette_offers_the_toggle(self, tmp_path: Path) -> None:
        app = triaged_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            titles = [hit.text async for hit in BindingCommands(app.screen).discover()]
            assert "inbox: closed cases" in titles


class TestSelection:
    async def test_selected_count_and_space_in_footer(self, tmp_path: Path) -> None:
        """space selects and moves on; the count line says how many are selected; the footer names space's job."""
        app = triaged_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert "space Select+next" in screen_text(app)
            await pilot.press("space", "space")
            await pilot.pause()
            assert "2 selected" in count_text(app)
            assert app.screen.query_one(CaseList).cursor == 2
            await pilot.press("k", "space")
            await pilot.pause()
            assert "1 selected" in count_text(app)


class TestUndo:
    async def test_u_undoes_a_bulk_close_as_a_whole(self, tmp_path: Path) -> None:
        """After closing three cases as spam from the inbox, u reopens all three and says so."""
        app = coordinator_app(seeded_store(tmp_path / "triage.db", small_inbox()), tmp_path)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("space", "space", "space", "x")
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await settle(pilot)
            closed = ("PSC-2026-0006", "PSC-2026-0005", "PSC-2026-0004")
            assert all(state(app, case_id) == ("closed", "spam") for case_id in closed)
            await pilot.press("u")
            await settle(pilot)
            assert all(state(app, case_id) == ("new", None) for case_id in closed)
            texts = [n.message for n in app._notifications]
            assert any(
                "Undone: closed as spam on 3 of 3 cases (PSC-2026-0004, PSC-2026-0005, PSC-2026-0006)" in t
                for t in texts
            ), texts
            assert {"0006", "0005", "0004"} <= set(shown_ids(app))

    async def test_u_with_nothing_to_undo_says_so(self, tmp_path: Path) -> None:
        app = coordinator_app(seeded_store(tmp_path / "triage.db", small_inbox()), tmp_path)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("u")
            await pilot.pause()
            assert any("nothing to undo" in n.message for n in app._notifications)


def state(app: TriageApp, case_id: str) -> tuple[str, str | None]:
    with reader(app.database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return detail.summary.state, detail.summary.disposition


async def _settled(pilot: Pilot[Any]) -> None:
    await settle(pilot)


class TestInboxSnapshots:
    @pytest.mark.parametrize("size", [(80, 24), (200, 50)])
    def test_triaged_inbox(self, snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
        """The triaged inbox with trust states, severities, assignees, an embargo and the status line."""
        assert snap_compare(triaged_app(tmp_path), terminal_size=size, run_before=_settled)

    @pytest.mark.parametrize("size", [(80, 24), (200, 50)])
    def test_hostile_inbox(self, snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
        """Hostile names and subjects stay literal text in every column at both sizes."""
        app = TriageApp(seeded_store(tmp_path / "triage.db", hostile_inbox()), clock=frozen_clock)
        assert snap_compare(app, terminal_size=size, run_before=_settled)

    @pytest.mark.parametrize("size", [(80, 24), (200, 50)])
    def test_trust_inbox(self, snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
        """A changed key and a signer not matching From, each in its own state."""
        app = coordinator_app(seeded_store(tmp_path / "triage.db", trust_inbox()), tmp_path)
        assert snap_compare(app, terminal_size=size, run_before=_settled)


class TestLayout:
    def test_columns_fill_every_width_and_the_title_keeps_its_share(self) -> None:
        """From 72 cells up the columns take exactly the width given; the title never drops under 24 cells, and
        past 120 the projects column grows too."""
        from triage_tui.widgets.case_columns import layout

        for total in range(72, 400):
            shape = layout(total)
            widths = dict(zip((c.key for c in shape.columns), shape.widths, strict=True))
            assert shape.width == total, total
            assert widths["title"] >= 24, total
            assert {"id", "title", "state", "severity", "signature", "embargo", "projects"} <= widths.keys()
        assert dict(zip((c.key for c in layout(247).columns), layout(247).widths, strict=True))["projects"] > 30
