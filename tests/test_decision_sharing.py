"""Tests for the seam between triage decisions and the team: the service hands each decision to its sharer in the
decision's own transaction, a refusal undoes the decision, and only a workspace with `[team]` shares."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from store_fixtures import parsed
from triage_tui.config import Project, parse_config
from triage_tui.domain import CaseState
from triage_tui.services.decision_sharing import SharingRefused
from triage_tui.services.triage import TriageError, TriageService
from triage_tui.store.batches import IncomingItem
from triage_tui.store.case_writes import WriteConnection, case_row
from triage_tui.store.ingest import store_batch
from triage_tui.store.queries import get_case
from triage_tui.store.store import Store
from triage_tui.team.log import outgoing
from triage_tui.team.sharing import TeamSharer, sharer_for

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CASE = "PSC-2026-0001"
FINGERPRINT = "A" * 40


class Recording:
    """A sharer that keeps what it was given, and what the case looked like inside the decision's transaction."""

    def __init__(self, refuse: str | None = None) -> None:
        self.shared: list[tuple[str, str, Mapping[str, Any], datetime]] = []
        self.states_seen: list[str] = []
        self.refuse = refuse

    def share(
        self, connection: WriteConnection, case_id: str, kind: str, payload: Mapping[str, Any], at: datetime
    ) -> None:
        row = case_row(connection, case_id)
        assert row is not None
        self.states_seen.append(row.state)
        if self.refuse is not None:
            raise SharingRefused(self.refuse)
        self.shared.append((case_id, kind, payload, at))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "triage.db")
    opened.sync_projects([Project(id="pip", name="pip", packages=("pip",))])
    store_batch(opened, [IncomingItem("s", "1", parsed("pip: traversal", message_id="<1@x>"))])
    yield opened
    opened.close()


def test_every_decision_reaches_the_sharer_inside_its_transaction(store: Store) -> None:
    sharer = Recording()
    triage = TriageService(store, "alex", clock=lambda: NOW, sharer=sharer)
    event = triage.set_labels(CASE, ["wheel"])
    triage.transition(CASE, CaseState.TRIAGE)
    assert sharer.shared[0] == (CASE, "labels", event.payload, NOW)
    assert [kind for _case, kind, _payload, _at in sharer.shared] == ["labels", "state"]
    assert sharer.states_seen == ["new", "triage"]  # the change was already applied when it was shared


def test_a_refused_share_refuses_the_decision_and_writes_nothing(store: Store) -> None:
    triage = TriageService(store, "alex", clock=lambda: NOW, sharer=Recording(refuse="a label is too long"))
    with pytest.raises(TriageError, match=r"^the team's workstations would refuse this: a label is too long$"):
        triage.transition(CASE, CaseState.TRIAGE)
    with store.read() as connection:
        detail = get_case(connection, CASE)
    assert detail is not None and detail.summary.state == "new" and detail.events == ()


def test_only_a_workspace_with_team_sync_shares_its_decisions(tmp_path: Path) -> None:
    identity = f'[identity]\nname = "Alex"\nemail = "alex@example.org"\nfingerprint = "{FINGERPRINT}"\n'
    alone = parse_config(tmp_path / "config.toml", identity)
    assert sharer_for(alone) is None and sharer_for(None) is None
    team = parse_config(
        tmp_path / "config.toml",
        identity
        + f'\n[team]\ncoordinators = ["{FINGERPRINT}"]\nsource = "mailbox"\n'
        + '\n[sources.mailbox]\nkind = "imap"\nhost = "127.0.0.1"\nport = 143\nsecurity = "none"\n'
        + 'username = "team"\npassword_env = "TT_TEAM_IMAP"\nfolders = ["INBOX"]\n',
    )
    sharer = sharer_for(team)
    assert isinstance(sharer, TeamSharer) and sharer.fingerprint == FINGERPRINT


def test_a_shared_decision_is_recorded_here_at_the_team_events_time(store: Store) -> None:
    """The author's timeline holds the decision at the time its team event carries (the hybrid clock keeps
    milliseconds), which is the time every receiver stores: not this clock's own, to the microsecond."""
    late = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    triage = TriageService(store, "alex", clock=lambda: late, sharer=TeamSharer(FINGERPRINT))
    made = triage.transition(CASE, CaseState.TRIAGE)
    with store.read() as connection:
        (team_event,) = outgoing(connection)
        detail = get_case(connection, CASE)
    assert detail is not None
    (stored,) = [event.at for event in detail.events if event.kind == "state"]
    as_received = datetime.fromtimestamp(team_event.at.wall_ms / 1000, UTC)  # how every receiver stores it
    assert made.at == stored == as_received
    assert stored.microsecond % 1000 == 0
