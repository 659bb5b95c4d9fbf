"""Tests of the GitHub source against a real HTTP server on loopback that behaves like GitHub's documented API
(tests/github_fake.py): first sync, a no-change sync of 304s only, changes made on GitHub, local/remote conflicts,
pushing drafts (success, failure then retry, refusal), rate limits, every HTTP error, malformed JSON, timeouts and
being offline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from github_fake import FakeGitHub
from test_config import FPR
from triage_tui.config import GithubSourceConfig, parse_config
from triage_tui.github.outcome import GithubSyncOutcome
from triage_tui.github.push_queue import queue_advisory_push
from triage_tui.github.sync import GithubSync, sync_github
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.sources.github_api import GitHubClient
from triage_tui.store.connection import reader
from triage_tui.store.queries import CaseFilter, get_case, list_cases
from triage_tui.store.store import Store
from triage_tui.sync.run import sync_all

TOKEN = "ghp_coordinator"
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V3_LOWER = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N"
PIP_VULN: dict[str, Any] = {
    "package": {"ecosystem": "pip", "name": "pip"},
    "vulnerable_version_range": ">= 20.0, < 24.1",
    "patched_versions": None,
    "vulnerable_functions": [],
}
PROJECTS = """
[projects.pip]
name = "pip"
packages = ["pip"]
repository = "pypa/pip"

[projects.uv]
name = "uv"
packages = ["uv"]
repository = "astral-sh/uv"
"""
"""The pip and uv projects, each with its GitHub repository, as config TOML."""
CONFIG = f"""
[identity]
name = "Alex Coordinator"
email = "alex@example.org"
fingerprint = "{FPR}"
{PROJECTS}"""


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(now=datetime(2026, 5, 1, 9, 0, tzinfo=UTC)) as server:
        server.add_pip_and_uv(TOKEN, login="alex-coord")
        yield server


class Workspace:
    """A workspace whose config has one GitHub source pointing at the fake."""

    def __init__(self, tmp_path: Path, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GH_TOKEN_TEST", TOKEN)
        text = CONFIG + (
            f'\n[sources.gh]\nkind = "github"\napi_url = "{gh.url}"\n'
            'repositories = ["pypa/pip", "astral-sh/uv"]\ntoken_env = "GH_TOKEN_TEST"\n'
        )
        self.config = parse_config(tmp_path / "config.toml", text)
        self.database = tmp_path / "triage.db"
        self.store = Store(self.database)
        source = self.config.sources["gh"]
        assert isinstance(source, GithubSourceConfig)
        self.source = source
        self.gh = gh

    def sync(self, **client_options: object) -> GithubSyncOutcome:
        client = GitHubClient(self.gh.url, TOKEN, **client_options)  # type: ignore[arg-type]
        try:
            return sync_github(self.store, self.config, self.source, client=client)
        finally:
            client.close()

    def case_ids(self) -> list[str]:
        with reader(self.database) as connection:
            return [c.id for c in list_cases(connection, CaseFilter(), limit=None)]

    def case(self, case_id: str):  # type: ignore[no-untyped-def]
        with reader(self.database) as connection:
            detail = get_case(connection, case_id)
        assert detail is not None
        return detail

    def case_of(self, ghsa_id: str) -> str:
        with reader(self.database) as connection:
            row = connection.execute("SELECT case_id FROM github_advisories WHERE ghsa_id = ?", (ghsa_id,)).fetchone()
        assert row is not None, ghsa_id
        return str(row[0])

    def events(self, case_id: str, kind: str) -> list[dict[str, object]]:
        return [e.payload for e in self.case(case_id).events if e.kind == kind]


def drafted(ws: Workspace, gh: FakeGitHub, details: str) -> tuple[str, str]:
    """A draft advisory on GitHub, synced, with `details` saved in its case's draft: (ghsa id, case id)."""
    advisory = gh.add_advisory("pypa/pip", summary="report", description="words", state="draft")
    ws.sync()
    case_id = ws.case_of(advisory["ghsa_id"])
    set_details(ws, case_id, details)
    return advisory["ghsa_id"], case_id


def set_details(ws: Workspace, case_id: str, details: str) -> None:
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        drafts.save(replace(drafts.load(case_id).advisory, details=details))
    finally:
        drafts.store.close()


@pytest.fixture
def ws(tmp_path: Path, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    workspace = Workspace(tmp_path, gh, monkeypatch)
    yield workspace
    workspace.store.close()


def test_first_sync_makes_a_case_per_triage_or_draft_advisory(ws: Workspace, gh: FakeGitHub) -> None:
    report = gh.add_advisory(
        "pypa/pip",
        summary="pip follows symlinks out of the build directory",
        description="A crafted sdist writes outside the build directory.",
        cvss_vector_string=V3,
        cwe_ids=["CWE-59"],
        vulnerabilities=[PIP_VULN],
        author="sam-finder",
    )
    draft = gh.add_advisory("astral-sh/uv", summary="uv trusts an index redirect", state="draft")
    gh.add_advisory("pypa/pip", summary="an old published advisory", state="published")
    outcome = ws.sync()
    assert outcome.ok, outcome.error
    assert outcome.new_cases == 2 and len(ws.case_ids()) == 2
    pip_case = ws.case(ws.case_of(report["ghsa_id"]))
    assert pip_case.summary.title == "pip follows symlinks out of the build directory"
    assert pip_case.summary.cvss_vector == V3
    assert "A crafted sdist writes outside the build directory." in pip_case.messages[0].body
    assert pip_case.messages[0].sender_name == "sam-finder"
    assert {i.project: i.status for i in pip_case.impacts}["pip"] == "affected"
    uv_case = ws.case(ws.case_of(draft["ghsa_id"]))
    assert {i.project: i.status for i in uv_case.impacts} == {"uv": "investigating"}  # reported to uv: look at it
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        record = drafts.load(pip_case.summary.id).advisory
    finally:
        drafts.store.close()
    assert report["ghsa_id"] in record.aliases and [w.id for w in record.weaknesses] == ["CWE-59"]
    list_requests = [r for r in gh.requests if r.method == "GET"]
    assert all(r.headers.get("x-github-api-version") == "2022-11-28" for r in list_requests)
    assert all(r.query.get("per_page") == "100" for r in list_requests)


def test_a_no_change_sync_is_one_conditional_request_per_page_all_304(ws: Workspace, gh: FakeGitHub) -> None:
    for n in range(250):
        gh.add_advisory("pypa/pip", summary=f"report {n}")
    gh.add_advisory("astral-sh/uv", summary="uv report")
    assert ws.sync().new_cases == 251
    gh.reset_log()
    again = ws.sync()
    assert again.ok and again.messages == 0
    statuses = [(r.path, r.status, r.conditional) for r in gh.requests]
    assert len(statuses) == 3 + 1  # pip's three pages and uv's one
    assert all(status == 304 and conditional for _path, status, conditional in statuses)


def test_a_change_on_github_updates_the_draft_and_an_edit_here_is_a_conflict(ws: Workspace, gh: FakeGitHub) -> None:
    first = gh.add_advisory("pypa/pip", summary="Path traversal", description="first words", cvss_vector_string=V3)
    ws.sync()
    case_id = ws.case_of(first["ghsa_id"])
    gh.update_advisory("pypa/pip", first["ghsa_id"], summary="Path traversal in wheel RECORD", description="new words")
    assert ws.sync().ok
    case = ws.case(case_id)
    assert case.summary.title == "Path traversal"  # the report's title is the coordinator's
    assert "new words" in case.messages[-1].body and len(case.messages) == 2  # the edit joins the same thread
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        draft = drafts.load(case_id).advisory
        assert (draft.summary, draft.details) == ("Path traversal in wheel RECORD", "new words")
        (update,) = ws.events(case_id, "github-update")
        assert update["changes"]["advisory summary"] == ["Path traversal", "Path traversal in wheel RECORD"]  # type: ignore[index]
        # The coordinator rescores the draft here; GitHub rescores it too, differently: a conflict, no overwrite.
        drafts.save(replace(draft, cvss_v3="CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"))
        gh.update_advisory("pypa/pip", first["ghsa_id"], cvss_vector_string=V3_LOWER)
        assert ws.sync().ok
        assert drafts.load(case_id).advisory.cvss_v3 == "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
    finally:
        drafts.store.close()
    (conflict,) = ws.events(case_id, "github-conflict")
    assert conflict["field"] == "advisory cvss_v3" and conflict["remote"] == V3_LOWER


def test_a_vector_github_writes_in_another_order_is_not_a_conflict(ws: Workspace, gh: FakeGitHub) -> None:
    first = gh.add_advisory("pypa/pip", summary="report", cvss_vector_string=V3)
    ws.sync()
    case_id = ws.case_of(first["ghsa_id"])
    reordered = "CVSS:3.1/AC:H/AV:N/PR:N/UI:R/S:U/C:H/I:H/A:N"  # V3_LOWER with AV and AC swapped
    gh.update_advisory("pypa/pip", first["ghsa_id"], cvss_vector_string=reordered)
    assert ws.sync().ok
    assert ws.events(case_id, "github-conflict") == []


def test_a_closed_or_published_state_change_is_recorded(ws: Workspace, gh: FakeGitHub) -> None:
    advisory = gh.add_advisory("pypa/pip", summary="report", state="draft")
    ws.sync()
    gh.update_advisory("pypa/pip", advisory["ghsa_id"], state="closed")
    assert ws.sync().ok
    (update,) = ws.events(ws.case_of(advisory["ghsa_id"]), "github-update")
    assert update["state"] == ["draft", "closed"]


def test_push_sends_the_draft_and_the_next_sync_sees_no_remote_change(ws: Workspace, gh: FakeGitHub) -> None:
    advisory = gh.add_advisory("pypa/pip", summary="report", description="words", state="draft",
                               vulnerabilities=[PIP_VULN])  # fmt: skip
    ws.sync()
    case_id = ws.case_of(advisory["ghsa_id"])
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        draft = drafts.load(case_id).advisory
        drafts.save(replace(draft, summary="pip: path traversal in wheel RECORD", cvss_v3=V3, details="Details."))
    finally:
        drafts.store.close()
    assert queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org") == [f"pypa/pip {advisory['ghsa_id']}"]
    gh.reset_log()
    outcome = ws.sync()
    assert outcome.ok, outcome.error
    (patch,) = [r for r in gh.requests if r.method == "PATCH"]
    assert "state" not in patch.body
    remote = gh.advisory("pypa/pip", advisory["ghsa_id"])
    assert remote["summary"] == "pip: path traversal in wheel RECORD" and remote["state"] == "draft"
    assert remote["cvss"]["vector_string"] == V3
    (pushed,) = ws.events(case_id, "github-push")
    assert pushed["state"] == "sent"
    gh.reset_log()
    assert ws.sync().ok
    assert ws.events(case_id, "github-update") == [] and not [r for r in gh.requests if r.method == "PATCH"]


def test_a_failed_push_is_retried_at_the_next_sync_and_a_refusal_is_kept(ws: Workspace, gh: FakeGitHub) -> None:
    ghsa_id, case_id = drafted(ws, gh, "Details.")
    queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org")
    client = GitHubClient(gh.url, TOKEN, sleep=lambda _seconds: None)
    sync = GithubSync(ws.store, ws.config, ws.source, client)
    try:
        gh.fail(502, times=3)  # every try of this push: it stays queued with the reason
        sync.push()
        assert "502" in sync.outcome.errors[0]
        with reader(ws.database) as connection:
            assert tuple(connection.execute("SELECT state, attempts FROM advisory_pushes").fetchone()) == ("queued", 1)
        sync.push()  # the next sync's push
        with reader(ws.database) as connection:
            assert tuple(connection.execute("SELECT state FROM advisory_pushes").fetchone()) == ("sent",)
    finally:
        client.close()
    assert gh.advisory("pypa/pip", ghsa_id)["description"] == "Details."
    # Published on GitHub meanwhile: triage-tui never changes it, and says so.
    gh.update_advisory("pypa/pip", ghsa_id, state="published")
    ws.sync()
    queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org")
    refused = ws.sync()
    assert "published on GitHub; triage-tui changes only triage and draft advisories" in (refused.error or "")


def test_a_repository_the_token_cannot_see_is_named_and_the_others_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitHub() as server:
        server.add_repository("pypa/pip", private=True)
        server.add_repository("astral-sh/uv", private=True)
        server.add_token("ghp_reader", read=["astral-sh/uv"])
        server.add_advisory("astral-sh/uv", summary="uv report")
        workspace = Workspace(tmp_path, server, monkeypatch)
        client = GitHubClient(server.url, "ghp_reader")
        try:
            outcome = sync_github(workspace.store, workspace.config, workspace.source, client=client)
        finally:
            client.close()
            workspace.store.close()
    assert outcome.new_cases == 1  # uv, which it can see
    assert "pypa/pip: not found" in (outcome.error or "") and "cannot see it" in (outcome.error or "")


def test_a_bad_token_says_where_the_token_comes_from(ws: Workspace, gh: FakeGitHub) -> None:
    bad = GitHubClient(gh.url, "ghp_wrong")
    try:
        refused = sync_github(ws.store, ws.config, ws.source, client=bad)
    finally:
        bad.close()
    assert "refused the token" in (refused.error or "") and "token_env or token_command" in (refused.error or "")


def test_a_write_refused_by_github_is_kept_with_its_reason(ws: Workspace, gh: FakeGitHub) -> None:
    advisory = gh.add_advisory("pypa/pip", summary="report", state="draft")
    ws.sync()
    case_id = ws.case_of(advisory["ghsa_id"])
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        drafts.save(replace(drafts.load(case_id).advisory, summary="x" * 1500))  # over GitHub's 1024
    finally:
        drafts.store.close()
    queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org")
    outcome = ws.sync()
    assert "GitHub refused the change: Validation Failed" in (outcome.error or "")
    with reader(ws.database) as connection:
        state, error = connection.execute("SELECT state, last_error FROM advisory_pushes").fetchone()
    assert state == "failed" and "summary" in error


def test_rate_limits_are_waited_out_with_retry_after_and_reset(ws: Workspace, gh: FakeGitHub) -> None:
    gh.add_advisory("pypa/pip", summary="report")
    waits: list[float] = []
    gh.secondary_limit(times=1, retry_after=2)
    outcome = ws.sync(sleep=waits.append)
    assert outcome.ok and waits == [2.0]
    gh.exhaust_primary(reset_in=30)
    waits.clear()

    def wait(seconds: float) -> None:
        waits.append(seconds)
        gh.advance(seconds)  # the fake's clock passes the reset

    assert ws.sync(sleep=wait, clock=gh.time).ok
    assert waits and 30 <= waits[0] <= 32
    gh.exhaust_primary(reset_in=3600)
    long = ws.sync(sleep=waits.append, clock=gh.time)
    assert not long.ok and "rate limit holds until about" in (long.error or "")


def test_malformed_json_and_slow_answers_fail_one_repository_not_the_sync(ws: Workspace, gh: FakeGitHub) -> None:
    gh.add_advisory("astral-sh/uv", summary="uv report")
    gh.malformed_json(times=1)  # pip's list
    outcome = ws.sync()
    assert "pypa/pip: GitHub's answer is not JSON" in (outcome.error or "") and outcome.new_cases == 1
    gh.slow(2.0, times=3)
    slow = ws.sync(timeout=0.3)
    assert "did not answer within" in (slow.error or "")


def test_offline_says_so_and_keeps_everything(ws: Workspace, gh: FakeGitHub) -> None:
    gh.add_advisory("pypa/pip", summary="report")
    ws.sync()
    gh.stop()
    outcome = ws.sync(timeout=1.0)
    assert not outcome.ok and (outcome.error or "").startswith("offline: cannot reach")
    assert len(ws.case_ids()) == 1


def test_sync_all_runs_the_github_source(ws: Workspace, gh: FakeGitHub) -> None:
    gh.add_advisory("pypa/pip", summary="report")
    (report,) = sync_all(Store(ws.database), ws.config)
    assert report.source == "gh" and report.ok and report.new_cases == 1


def test_a_bad_advisory_is_kept_for_inspection_and_the_rest_synced(ws: Workspace, gh: FakeGitHub) -> None:
    gh.add_advisory("pypa/pip", summary="fine")
    gh.add_advisory(
        "pypa/pip",
        summary="hostile \x1b[2J range",
        vulnerabilities=[{"package": {"ecosystem": "pip", "name": "pip"}, "vulnerable_version_range": "> 1.0",
                          "patched_versions": None, "vulnerable_functions": []}],
    )  # fmt: skip
    outcome = ws.sync()
    assert outcome.new_cases == 1 and outcome.failures == 1
    with reader(ws.database) as connection:
        (reason,) = connection.execute("SELECT reason FROM intake_failures").fetchone()
    assert "pypa/pip" in reason and "> 1.0" in reason
    # Listed again on a changed page, the same bad advisory is neither kept twice nor stops the sync.
    gh.add_advisory("pypa/pip", summary="another fine one")
    again = ws.sync()
    assert again.new_cases == 1 and again.failures == 0
    with reader(ws.database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM intake_failures").fetchone()[0] == 1


def test_a_hostile_summary_is_neutralised_in_the_case(ws: Workspace, gh: FakeGitHub) -> None:
    advisory = gh.add_advisory("pypa/pip", summary="evil \x1b[2J\u202etitle", description="body \x1b]0;pwned\x07")
    ws.sync()
    case = ws.case(ws.case_of(advisory["ghsa_id"]))
    for text in (case.summary.title, case.messages[0].body, case.messages[0].subject):
        assert "\x1b" not in text and "\u202e" not in text


async def test_the_app_pushes_a_draft_and_shows_how_it_went(ws: Workspace, gh: FakeGitHub) -> None:
    """Sync a private report, open it, edit the advisory, save, push (ctrl+g), sync (s): GitHub has the draft."""
    from textual.widgets import Input, Static

    from triage_tui.app import TriageApp
    from triage_tui.screens.advisory_editor import AdvisoryEditor
    from ui_fixtures import settle

    advisory = gh.add_advisory("pypa/pip", summary="pip report", description="words", vulnerabilities=[PIP_VULN],
                               author="sam-finder")  # fmt: skip
    ws.sync()
    app = TriageApp(ws.database, ws.config)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, AdvisoryEditor)
        editor.query_one("#summary", Input).value = "pip: crafted wheel writes outside site-packages"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        # Nothing is queued before the coordinator has read who can read the advisory it would update.
        question = str(app.screen.query_one(".action-title", Static).content)
        assert advisory["ghsa_id"] in question and "@sam-finder (reported it)" in question
        await pilot.press("y")
        await settle(pilot)
        assert "GitHub: pypa/pip queued" in str(editor.query_one("#advisory-state", Static).content)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")  # sync every source: the push goes with it
        for _ in range(50):
            await settle(pilot)
            if gh.advisory("pypa/pip", advisory["ghsa_id"])["summary"].startswith("pip: crafted"):
                break
            await pilot.pause(0.1)
    assert gh.advisory("pypa/pip", advisory["ghsa_id"])["summary"] == "pip: crafted wheel writes outside site-packages"
    assert gh.advisory("pypa/pip", advisory["ghsa_id"])["state"] == "triage"  # never published or accepted by us


def test_the_same_flaw_by_mail_and_by_github_is_offered_as_a_duplicate(ws: Workspace, gh: FakeGitHub) -> None:
    from triage_tui.services.duplicates import duplicate_candidates
    from triage_tui.store.batches import IncomingItem
    from triage_tui.store.ingest import store_batch
    from ui_fixtures import BASE, message

    ws.store.sync_projects(ws.config.projects.values())
    mail = message(1, "[pip] Path traversal in wheel extraction writes outside site-packages", date=BASE)
    store_batch(ws.store, [IncomingItem("mail", "1", mail)], list(ws.config.projects.values()))
    (mail_case,) = ws.case_ids()
    advisory = gh.add_advisory(
        "pypa/pip", summary="Wheel extraction path traversal writes outside site-packages", vulnerabilities=[PIP_VULN]
    )
    ws.sync()
    candidates = duplicate_candidates(Store(ws.database), ws.case_of(advisory["ghsa_id"]))
    assert candidates and candidates[0].case.id == mail_case


def test_a_push_the_token_may_not_make_is_refused_with_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitHub() as server:
        server.add_repository("pypa/pip", private=True)
        server.add_repository("astral-sh/uv", private=True)
        server.add_token("ghp_reader", read=["pypa/pip", "astral-sh/uv"])
        advisory = server.add_advisory("pypa/pip", summary="report", description="words", state="draft")
        workspace = Workspace(tmp_path, server, monkeypatch)
        client = GitHubClient(server.url, "ghp_reader")
        try:
            sync_github(workspace.store, workspace.config, workspace.source, client=client)
            case_id = workspace.case_of(advisory["ghsa_id"])
            queue_advisory_push(workspace.store, workspace.config, case_id, "alex@example.org")
            outcome = sync_github(workspace.store, workspace.config, workspace.source, client=client)
        finally:
            client.close()
            workspace.store.close()
    assert "pypa/pip: not allowed" in (outcome.error or "") and "write access" in (outcome.error or "")
    with reader(workspace.database) as connection:
        assert tuple(connection.execute("SELECT state FROM advisory_pushes").fetchone()) == ("failed",)


def test_a_source_without_a_token_says_how_to_give_one(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GH_TOKEN_TEST")
    (report,) = sync_all(Store(ws.database), ws.config)
    assert not report.ok and "GH_TOKEN_TEST" in (report.error or "") and "is not set" in (report.error or "")


def test_a_push_sends_the_draft_as_it_is_when_sent_and_never_after_a_failed_pull(ws: Workspace, gh: FakeGitHub) -> None:
    ghsa_id, case_id = drafted(ws, gh, "queued words")
    queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org")
    set_details(ws, case_id, "later words")  # edited after queueing
    gh.malformed_json(times=1)  # pip's list fails: what GitHub holds now is unknown, so nothing is sent
    failed = ws.sync()
    assert not failed.ok and not [r for r in gh.requests if r.method == "PATCH"]
    assert ws.sync().ok
    assert gh.advisory("pypa/pip", ghsa_id)["description"] == "later words"


def test_when_only_the_newest_advisory_changes_the_later_pages_stay_304(ws: Workspace, gh: FakeGitHub) -> None:
    ids = [gh.add_advisory("pypa/pip", summary=f"report {n}")["ghsa_id"] for n in range(250)]
    ws.sync()
    gh.update_advisory("pypa/pip", ids[-1], summary="newest, changed")  # stays first in updated order
    gh.reset_log()
    assert ws.sync().ok
    pip = [(r.status, r.conditional) for r in gh.requests if "pypa/pip" in r.path]
    assert pip == [(200, True), (304, True), (304, True)]


def test_the_push_confirmation_names_who_can_read_each_target(ws: Workspace, gh: FakeGitHub) -> None:
    from triage_tui.github.readers import push_targets

    advisory = gh.add_advisory("pypa/pip", summary="report", author="sam-finder",
                               collaborating_users=["kim-helper", "evil\x1b[2J"])  # fmt: skip
    ws.sync()
    targets = push_targets(ws.store, ws.case_of(advisory["ghsa_id"]))
    assert [(t.repository, t.ghsa_id) for t in targets] == [("pypa/pip", advisory["ghsa_id"])]
    (readers,) = [t.readers for t in targets]
    assert readers[:3] == ("pypa/pip: admins and security managers", "@sam-finder (reported it)",
                           "@kim-helper (collaborator)")  # fmt: skip
    assert len(readers) == 4 and "\x1b" not in readers[3]


def test_an_update_never_sends_empty_credits_or_vulnerable_functions(ws: Workspace, gh: FakeGitHub) -> None:
    functions = ["pip._internal.operations.install.wheel.install_wheel"]
    advisory = gh.add_advisory(
        "pypa/pip", summary="report", description="words", state="draft",
        vulnerabilities=[{**PIP_VULN, "vulnerable_functions": functions}],
        credits=[{"login": "sam-finder", "type": "finder"}],
    )  # fmt: skip
    ws.sync()
    case_id = ws.case_of(advisory["ghsa_id"])
    drafts = AdvisoryDrafts(Store(ws.database), "alex@example.org", ws.config)
    try:
        draft = drafts.load(case_id).advisory
        drafts.save(replace(draft, summary="pip: path traversal in wheel RECORD", credits=()))  # none to send
    finally:
        drafts.store.close()
    queue_advisory_push(ws.store, ws.config, case_id, "alex@example.org")
    gh.reset_log()
    assert ws.sync().ok
    (patch,) = [r for r in gh.requests if r.method == "PATCH"]
    assert "credits" not in patch.body
    remote = gh.advisory("pypa/pip", advisory["ghsa_id"])
    assert remote["summary"] == "pip: path traversal in wheel RECORD"
    assert [c["login"] for c in remote["credits"]] == ["sam-finder"]
    assert [v["vulnerable_functions"] for v in remote["vulnerabilities"]] == [functions]
