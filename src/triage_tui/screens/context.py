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
    from triage_tui.team.own_rights import OwnStanding


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
    timeline_newest_first: bool = field(default=False, init=False)
    """Whether the case timeline lists its newest event first (toggled on the case screen; kept for the session)."""
    case_side_shown: bool | None = field(default=None, init=False)
    """Whether the case screen shows its side panel, as last chosen this session (None: when the terminal is wide)."""
    _standing: OwnStanding | None = field(default=None, init=False, repr=False)
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

    @property
    def standing(self) -> OwnStanding | None:
        """What this user may decide, as last read (no query: the footers ask on every change of keys); None on a
        team workstation until `read_standing` has run. Without a team, every decision is theirs."""
        if not self.team_sync:
            from triage_tui.team.own_rights import ON_ONE_S_OWN

            return ON_ONE_S_OWN
        return self._standing

    def read_standing(self) -> OwnStanding:
        """Read what this user may decide (the roster's roles, else the config's) and keep it for `standing`: read
        once, then again after each sync, since a sync may bring a change of the roster."""
        from triage_tui.team.own_rights import own_standing

        with self.store.read() as connection:
            standing = own_standing(self.config, connection)
        self._standing = standing
        return standing

    def _known_standing(self) -> OwnStanding:
        return self.standing or self.read_standing()

    def coordinators_only(self, *, merge: bool = False) -> str | None:
        """The rule a coordinator's decision (a `merge`, or a change of the case's fields) breaks when this user is
        not a coordinator (the roster decides once there is one), else None: said when a maintainer asks for one."""
        if not self.team_sync:
            return None
        from triage_tui.team.own_rights import coordinators_rule

        return coordinators_rule(self._known_standing(), merge=merge)

    def replies_refused(self) -> str | None:
        """Why this user does not write to reporters (a maintainer on a team: the coordinators do), else None."""
        if not self.team_sync:
            return None
        from triage_tui.team.own_rights import reply_rule

        return reply_rule(self._known_standing())

    def links_refused(self) -> str | None:
        """Why this user does not unlink a project from a case (a maintainer on a team: coordinators do), else None."""
        if not self.team_sync or self._known_standing().coordinator:
            return None
        from triage_tui.team.rights import LINKS_RULE

        return LINKS_RULE

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
