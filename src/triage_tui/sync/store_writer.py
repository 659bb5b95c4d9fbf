"""Provides the sync's writer: the store's engine is built on the first write, so a no-change sync never loads it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from triage_tui.config import Project
from triage_tui.sources.base import RawItem
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult, TeamSenders
from triage_tui.store.store import Store


class StoreWriter:
    """Writes sync results to the store at `database`, registering the config's projects before the first write."""

    def __init__(
        self, database: Path, projects: Sequence[Project], team: Callable[[], TeamSenders] | None = None
    ) -> None:
        self.database = database
        self.projects = list(projects)
        self._team_of = team
        self._team: TeamSenders | None = None
        self._store: Store | None = None

    @property
    def team(self) -> TeamSenders:
        """Who may reply into any case, asked of the keyring on the first write (a no-change sync never asks)."""
        if self._team is None:
            self._team = self._team_of() if self._team_of is not None else TeamSenders()
        return self._team

    def _opened(self) -> Store:
        if self._store is None:
            self._store = Store(self.database)
            # Projects come from the config; the store must know them before cases can point at them.
            self._store.sync_projects(self.projects)
        return self._store

    def store(
        self, items: Sequence[IncomingItem], cursors: Sequence[CursorUpdate], gone: GoneItems | None
    ) -> StoreResult:
        """Thread and insert one batch with its cursors, in one transaction."""
        from triage_tui.store.ingest import store_batch

        return store_batch(self._opened(), items, self.projects, cursors, gone=gone, team=self.team)

    def relink(self, source: str, items: Sequence[RawItem]) -> set[str]:
        """Re-key stored messages that these items already are (see `relink_messages`)."""
        from triage_tui.store.relink import relink_messages

        return relink_messages(self._opened(), source, items)

    def close(self) -> None:
        """Release the store's connections."""
        if self._store is not None:
            self._store.close()
            self._store = None
