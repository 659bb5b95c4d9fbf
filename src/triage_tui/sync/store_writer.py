"""Provides the sync's writer: the store's SQLAlchemy engine is built on the first write, so a no-change sync never
loads it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from triage_tui.config import Project
from triage_tui.sources.base import RawItem
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult, TeamSenders
from triage_tui.store.store import Store


class StoreWriter:
    """Writes sync results to `store`, registering the config's projects before the first write."""

    def __init__(
        self, store: Store, projects: Sequence[Project], team: Callable[[], TeamSenders] | None = None
    ) -> None:
        self._store = store
        self.projects = list(projects)
        self._team_of = team
        self._team: TeamSenders | None = None
        self._projects_known = False

    @property
    def team(self) -> TeamSenders:
        """Who may reply into any case, asked of the keyring on the first write (a no-change sync never asks)."""
        if self._team is None:
            self._team = self._team_of() if self._team_of is not None else TeamSenders()
        return self._team

    def _register_projects(self) -> None:
        if not self._projects_known:
            # Projects come from the config; the store must know them before cases can point at them.
            self._store.sync_projects(self.projects)
            self._projects_known = True

    def store(
        self, items: Sequence[IncomingItem], cursors: Sequence[CursorUpdate], gone: GoneItems | None
    ) -> StoreResult:
        """Thread and insert one batch with its cursors, in one transaction."""
        # Imported here: SQLAlchemy and SQLModel cost ~0.5 s to import, which a no-change sync never needs.
        from triage_tui.store.ingest import store_batch

        self._register_projects()
        return store_batch(self._store, items, self.projects, cursors, gone=gone, team=self.team)

    def relink(self, source: str, items: Sequence[RawItem]) -> set[str]:
        """Re-key stored messages that these items already are (see `relink_messages`)."""
        from triage_tui.store.relink import relink_messages

        self._register_projects()
        return relink_messages(self._store, source, items)
