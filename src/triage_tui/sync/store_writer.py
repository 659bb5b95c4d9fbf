"""Provides the sync's writer: the SQLAlchemy engine opens on the first write, so a no-change sync never loads it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.config import Project
from triage_tui.sources.base import RawItem
from triage_tui.store.batches import CursorUpdate, GoneItems, IncomingItem, StoreResult, TeamSenders

if TYPE_CHECKING:
    from sqlalchemy import Engine


class StoreWriter:
    """Writes sync results to the store at `database`, registering the config's projects before the first write."""

    def __init__(
        self, database: Path, projects: Sequence[Project], team: Callable[[], TeamSenders] | None = None
    ) -> None:
        self.database = database
        self.projects = list(projects)
        self._team_of = team
        self._team: TeamSenders | None = None
        self._engine: Engine | None = None

    @property
    def team(self) -> TeamSenders:
        """Who may reply into any case, asked of the keyring on the first write (a no-change sync never asks)."""
        if self._team is None:
            self._team = self._team_of() if self._team_of is not None else TeamSenders()
        return self._team

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            # Imported here: SQLAlchemy and SQLModel cost ~0.5 s to import, which a no-change sync never needs.
            from triage_tui.store.database import open_engine
            from triage_tui.store.ingest import sync_projects

            self._engine = open_engine(self.database)
            # Projects come from the config; the store must know them before cases can point at them.
            sync_projects(self._engine, self.projects)
        return self._engine

    def store(
        self, items: Sequence[IncomingItem], cursors: Sequence[CursorUpdate], gone: GoneItems | None
    ) -> StoreResult:
        """Thread and insert one batch with its cursors, in one transaction."""
        from triage_tui.store.ingest import store_batch

        return store_batch(self.engine, items, self.projects, cursors, gone=gone, team=self.team)

    def relink(self, source: str, items: Sequence[RawItem]) -> set[str]:
        """Re-key stored messages that these items already are (see `relink_messages`)."""
        from triage_tui.store.ingest import relink_messages

        return relink_messages(self.engine, source, items)

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
