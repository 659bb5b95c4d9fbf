"""Tests of what joins a case, end to end: encrypted mail from a real Maildir through the real gpg, and private
vulnerability reports from the fake GitHub server. A subject naming a case id only makes it a duplicate-of
candidate; a reply joins only from the case's reporter or the team; a GitHub advisory is always its own case and is
never seeded over, nor pushed to, another case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from github_fake import FakeGitHub
from gpg_fixtures import GpgWorld, write_team_config
from test_github_sync import PROJECTS
from test_maildir_sync import Mailbox
from triage_tui import compose
from triage_tui.config import Config, load_config
from triage_tui.github.push_queue import queue_advisory_push
from triage_tui.services.advisory_drafts import AdvisoryDrafts, DraftError
from triage_tui.services.duplicates import duplicate_candidates
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.duplicate_reads import case_extras
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store
from triage_tui.sync.run import sync_all

TOKEN = "ghp_threading"
BASE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
LOCAL_VECTOR = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"
STRANGER_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
NAMED_IN_SUBJECT, REPLIES_TO = "named in its subject", "replies to its thread"  # the reasons `d` shows
EMBARGOED = "Embargoed until the fix: the RECORD check is skipped for wheels with a data directory."


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(now=BASE) as server:
        server.add_pip_and_uv(TOKEN, login="team-bot")
        yield server


def workspace(home: Path, world: GpgWorld, maildir: Path, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("GH_TOKEN_THREADING", TOKEN)
    sources = f"""
[sources.local]
kind = "maildir"
path = "{maildir}"

[sources.gh]
kind = "github"
api_url = "{gh.url}"
repositories = ["pypa/pip", "astral-sh/uv"]
token_env = "GH_TOKEN_THREADING"
"""
    return load_config(write_team_config(home, world, sources, projects=PROJECTS))


def reported(
    tmp_path: Path, world: GpgWorld, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> tuple[Mailbox, Config, Path]:
    """The Maildir, config and store of a workspace with both sources, the reporter's first report delivered (not
    yet synced)."""
    mailbox = Mailbox(tmp_path / "Maildir")
    config = workspace(tmp_path / "home", world, mailbox.path, gh, monkeypatch)
    mailbox.deliver(mail(world, 1, "pip: wheel RECORD path traversal", sender=f"Rita <{world.reporter.email}>"))
    return mailbox, config, tmp_path / "home" / "triage.db"


def mail(
    world: GpgWorld, n: int, subject: str, *, sender: str, reply_to: str | None = None, signer: str = "reporter"
) -> bytes:
    """An encrypted, signed report or reply, as the mail server delivers it."""
    ring = getattr(world, signer)
    inner = compose.mime_report(
        subject=subject,
        sender=sender,
        to=world.team.email,
        body=f"Message {n}.\n",
        date=BASE + timedelta(hours=n),
        message_id=f"<mail-{n}@example.org>",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
    )
    return compose.encrypt_pgpmime(inner, ring.gpg, [world.team.fingerprint], sign_with=ring.fingerprint)


def synced(database: Path, config: Config) -> None:
    reports = sync_all(Store(database), config)
    assert all(r.ok for r in reports), [r.error for r in reports]


def message_ids(database: Path, case_id: str) -> list[str | None]:
    with reader(database) as connection:
        detail = get_case(connection, case_id)
    assert detail is not None
    return [m.message_id for m in detail.messages]


def duplicate_of(database: Path, case_id: str) -> str | None:
    """The case `case_id` is marked a duplicate of, if any."""
    with reader(database) as connection:
        extras = case_extras(connection, case_id)
    return extras.duplicate_of if extras is not None else None


def case_of(database: Path, message_id: str) -> str:
    with reader(database) as connection:
        (case_id,) = connection.execute(
            "SELECT case_id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1", (message_id,)
        ).fetchone()
    return str(case_id)


def test_a_mail_joins_a_case_only_as_a_reply_from_its_reporter_or_the_team(
    tmp_path: Path, gpg_world: GpgWorld, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = gpg_world
    mailbox, config, database = reported(tmp_path, world, gh, monkeypatch)
    reporter, stranger = f"Rita <{world.reporter.email}>", f"Eve <{world.stranger.email}>"
    synced(database, config)
    real = case_of(database, "<mail-1@example.org>")
    mailbox.deliver(mail(world, 2, f"Follow-up to {real}", sender=stranger, signer="stranger"))
    mailbox.deliver(mail(world, 3, "Re: pip", sender=stranger, reply_to="<mail-1@example.org>", signer="stranger"))
    mailbox.deliver(mail(world, 4, "Re: pip", sender=reporter, reply_to="<mail-1@example.org>"))
    # From the team's own address (its key signs only what the team writes): a team member's reply.
    mailbox.deliver(mail(world, 5, "Re: pip", sender=f"Team <{world.team.email}>", reply_to="<mail-4@example.org>",
                         signer="team"))  # fmt: skip
    synced(database, config)
    assert message_ids(database, real) == ["<mail-1@example.org>", "<mail-4@example.org>", "<mail-5@example.org>"]
    named, replying = case_of(database, "<mail-2@example.org>"), case_of(database, "<mail-3@example.org>")
    assert len({real, named, replying}) == 3  # each stranger's mail is a report of its own
    # What the stranger's mail points at is the first thing `d` offers the coordinator, never acted on by itself.
    (first, *_rest) = duplicate_candidates(Store(database), named)
    assert first.case.id == real and NAMED_IN_SUBJECT in first.reasons
    (first, *_rest) = duplicate_candidates(Store(database), replying)
    assert first.case.id == real and REPLIES_TO in first.reasons


def test_a_github_report_naming_a_case_is_its_own_case_and_never_touches_that_one(
    tmp_path: Path, gpg_world: GpgWorld, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = gpg_world
    _mailbox, config, database = reported(tmp_path, world, gh, monkeypatch)
    synced(database, config)
    real = case_of(database, "<mail-1@example.org>")
    triage = TriageService(Store(database), "alex")
    drafts = AdvisoryDrafts(Store(database), "alex", config)
    try:
        triage.set_severity(real, LOCAL_VECTOR, version="3.1")
        drafts.save(replace(drafts.load(real).advisory, details=EMBARGOED))
    finally:
        triage.store.close()
        drafts.store.close()
    with reader(database) as connection:
        before = get_case(connection, real)
    assert before is not None
    stranger = gh.add_advisory(
        "astral-sh/uv",
        summary=f"Follow-up to {real}",
        description="More details of the same thing.",
        cvss_vector_string=STRANGER_VECTOR,
        vulnerabilities=[
            {
                "package": {"ecosystem": "pip", "name": "uv"},
                "vulnerable_version_range": "< 0.5",
                "patched_versions": None,
                "vulnerable_functions": [],
            }
        ],
        author="eve-stranger",
    )
    synced(database, config)
    gh.update_advisory("astral-sh/uv", stranger["ghsa_id"], summary="rewritten", description="rewritten words")
    synced(database, config)
    with reader(database) as connection:
        (own,) = connection.execute(
            "SELECT case_id FROM github_advisories WHERE ghsa_id = ?", (stranger["ghsa_id"],)
        ).fetchone()
        after = get_case(connection, real)
    assert after is not None and own != real
    # Nothing of the real case changed: score, projects (so who the team shares it with), thread, draft.
    assert after.summary.cvss_vector == LOCAL_VECTOR
    assert {i.project for i in after.impacts} == {i.project for i in before.impacts}
    assert [m.message_id for m in after.messages] == [m.message_id for m in before.messages]
    drafts = AdvisoryDrafts(Store(database), "alex", config)
    try:
        assert drafts.load(real).advisory.details == EMBARGOED
    finally:
        drafts.store.close()
    with pytest.raises(DraftError, match="no repository advisory"):
        queue_advisory_push(Store(database), config, real, "alex")  # the stranger's advisory is no target of the case
    assert gh.advisory("astral-sh/uv", stranger["ghsa_id"])["description"] == "rewritten words"
    (first, *_rest) = duplicate_candidates(Store(database), own)
    assert first.case.id == real and NAMED_IN_SUBJECT in first.reasons


async def test_d_offers_the_case_a_subject_names_first_and_only_the_coordinator_merges(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from triage_tui.screens.case import CaseScreen
    from ui_fixtures import BASE as INBOX_BASE
    from ui_fixtures import make_app, message, screen_text, settle

    real = message(1, "pip: wheel RECORD path traversal", date=INBOX_BASE)
    follow_up = message(2, "Follow-up to PSC-2026-0001", sender=("Eve", "eve@evil.example"),
                        date=INBOX_BASE + timedelta(hours=1))  # fmt: skip
    app = make_app(tmp_path, [real, follow_up])

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the newest case: the follow-up, a case of its own
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0002"
        await pilot.press("d")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0 and options.get_option_at_index(0).id == "PSC-2026-0001"
        assert "named in its subject" in screen_text(app)
        assert duplicate_of(app.database, "PSC-2026-0002") is None  # offered, not acted on
        await pilot.press("enter")  # the coordinator's decision
        await settle(pilot)
    assert duplicate_of(app.database, "PSC-2026-0002") == "PSC-2026-0001"


def test_an_advisory_an_older_version_threaded_into_a_case_never_changes_it_nor_is_pushed_to(
    tmp_path: Path, gpg_world: GpgWorld, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    world = gpg_world
    _mailbox, config, database = reported(tmp_path, world, gh, monkeypatch)
    stranger = gh.add_advisory("astral-sh/uv", summary="Follow-up", description="words", author="eve-stranger")
    synced(database, config)
    real = case_of(database, "<mail-1@example.org>")
    drafts = AdvisoryDrafts(Store(database), "alex", config)
    try:
        drafts.save(replace(drafts.load(real).advisory, details=EMBARGOED))
    finally:
        drafts.store.close()
    # As an older version stored it: the advisory's report threaded into the real case, and linked to it.
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE messages SET case_id = ? WHERE source = 'gh'", (real,))
        connection.execute("UPDATE github_advisories SET case_id = ?", (real,))
    connection.close()
    gh.update_advisory("astral-sh/uv", stranger["ghsa_id"], summary="rewritten", description="rewritten words")
    synced(database, config)
    drafts = AdvisoryDrafts(Store(database), "alex", config)
    try:
        advisory = drafts.load(real).advisory
    finally:
        drafts.store.close()
    assert (advisory.summary, advisory.details) == ("pip: wheel RECORD path traversal", EMBARGOED)
    with pytest.raises(DraftError, match="no repository advisory"):
        queue_advisory_push(Store(database), config, real, "alex")


async def test_the_case_view_shows_the_case_a_subject_names_until_the_coordinator_decides(tmp_path: Path) -> None:
    from triage_tui.screens.case import CaseScreen
    from ui_fixtures import BASE as INBOX_BASE
    from ui_fixtures import make_app, message, screen_text, settle

    real = message(1, "pip: wheel RECORD path traversal", date=INBOX_BASE)
    follow_up = message(2, "Follow-up to PSC-2026-0001\x1b[2J\u202e", sender=("Eve", "eve@evil.example"),
                        date=INBOX_BASE + timedelta(hours=1))  # fmt: skip
    # A subject naming a case this workstation does not hold: no hint.
    elsewhere = message(3, "Re: PSC-2026-0099 [b]again[/b]", sender=("Eve", "eve@evil.example"),
                        date=INBOX_BASE + timedelta(hours=2))  # fmt: skip
    app = make_app(tmp_path, [real, follow_up, elsewhere])
    hint = "subject names: PSC-2026-0001 — d to mark duplicate"

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the newest: it names a case this workstation does not hold
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0003"
        assert "subject names" not in screen_text(app)
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0002"
        text = screen_text(app)
        assert hint in text and "\x1b" not in text and "\u202e" not in text
        assert duplicate_of(app.database, "PSC-2026-0002") is None  # shown, not acted on
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")  # the coordinator's decision: the named case, offered first
        await settle(pilot)
        assert duplicate_of(app.database, "PSC-2026-0002") == "PSC-2026-0001"
        text = screen_text(app)
        assert "duplicate of PSC-2026-0001" in text and "subject names" not in text
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == "PSC-2026-0001"
        assert "subject names" not in screen_text(app)  # the named case itself names nothing


async def test_the_subjects_hint_names_the_key_the_users_keymap_gives_duplicate_of(tmp_path: Path) -> None:
    from triage_tui.app import TriageApp
    from triage_tui.config import Identity
    from ui_fixtures import BASE as INBOX_BASE
    from ui_fixtures import frozen_clock, message, screen_text, seeded_store, settle

    real = message(1, "pip: wheel RECORD path traversal", date=INBOX_BASE)
    follow_up = message(2, "Follow-up to PSC-2026-0001", date=INBOX_BASE + timedelta(hours=1))
    database = seeded_store(tmp_path / "triage.db", [real, follow_up])
    identity = Identity(name="Alex", email="alex@example.org", fingerprint="A" * 40)
    config = Config(path=tmp_path / "config.toml", identity=identity, keys={"case.duplicate": "D"})
    app = TriageApp(database, config, clock=frozen_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the follow-up, opened first (the screen is built for it)
        await settle(pilot)
        assert "subject names: PSC-2026-0001 — D to mark duplicate" in screen_text(app)
