"""Provides `AppContext`: what the app hands its screens (store, config, clock, reads and services), typed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.services.author import author_name

if TYPE_CHECKING:
    from triage_tui.config import Config
    from triage_tui.services.advisory_drafts import AdvisoryDrafts
    from triage_tui.services.triage import TriageService
    from triage_tui.store.reads import StoreReads
    from triage_tui.store.store import Store


@dataclass
class AppContext:
    """The workspace as the screens see it; the app builds it (and the services in it) once.

    Services are built on first use, from a worker thread: building them imports SQLAlchemy, which start-up never
    pays for.
    """

    store: Store
    """The workspace's store, opened once by the app (or the command that started it)."""
    config: Config | None
    """The workspace config, if there is one."""
    clock: Callable[[], datetime]
    """What "now" is (tests freeze it)."""
    reads: StoreReads
    """The UI's reads of the store (pooled connections, safe from threads)."""
    build_triage: Callable[[], TriageService] = field(repr=False)
    """Builds the workspace's TriageService (called once, by `triage`)."""
    build_advisory_drafts: Callable[[Config], AdvisoryDrafts] = field(repr=False)
    """Builds an AdvisoryDrafts for an advisory editor (each editor closes its own); drafts need the config."""
    _triage: TriageService | None = field(default=None, init=False, repr=False)
    _triage_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def database(self) -> Path:
        """The store's file (the workspace folder is its parent)."""
        return self.store.path

    @property
    def author(self) -> str:
        """Who this user's decisions are recorded as."""
        return author_name(self.config)

    @property
    def projects(self) -> list[str]:
        """The config's project ids (empty without a config)."""
        return list(self.config.projects) if self.config is not None else []

    @property
    def team_sync(self) -> bool:
        """Whether decisions are shared with a team (so removing a project tells its maintainers)."""
        return self.config is not None and self.config.team is not None

    def coordinators_only(self, *, merge: bool = False) -> str | None:
        """The rule a coordinator's decision (a `merge`, or a change of the case's fields) breaks when this user is
        not a coordinator (the roster decides once there is one), else None: said when a maintainer asks for one."""
        if not self.team_sync:
            return None
        from triage_tui.team.own_rights import coordinators_only

        with self.store.read() as connection:
            return coordinators_only(self.config, connection, merge=merge)

    def replies_refused(self) -> str | None:
        """Why this user does not write to reporters (a maintainer on a team: the coordinators do), else None."""
        if not self.team_sync:
            return None
        from triage_tui.team.own_rights import replies_refused

        with self.store.read() as connection:
            return replies_refused(self.config, connection)

    def member_names(self) -> dict[str, str]:
        """Every roster key's member name (empty without a team or a roster); call from a worker thread."""
        if self.config is None or self.config.team is None:
            return {}
        from triage_tui.team.member_names import member_names

        with self.store.read() as connection:
            return member_names(connection, self.config.team.coordinators)

    def triage(self) -> TriageService:
        """The workspace's one TriageService, built on first use (call from a worker thread)."""
        with self._triage_lock:
            if self._triage is None:
                self._triage = self.build_triage()
            return self._triage

    def advisory_drafts(self, config: Config) -> AdvisoryDrafts:
        """A new AdvisoryDrafts over the store, for `config`'s identity (call from a worker thread)."""
        return self.build_advisory_drafts(config)
