"""Says what one team sync did: events sent, shared, applied, refused, and what waits (on a key or a folder) and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage_tui.team.recipients import describe

ACCESS_HINT = (
    "the server refused every team folder this workstation reads: a coordinator may have removed you from the team "
    "(your account's rights taken away); ask them or the server's admin"
)


@dataclass
class TeamSyncOutcome:
    """What one team sync did."""

    sent: int = 0
    shared: int = 0
    """Readers a case was shared with this sync."""
    applied: int = 0
    new_cases: int = 0
    """Cases made here from received shares (the cases shared with a maintainer)."""
    rejected: int = 0
    not_for_us: int = 0
    screened: int = 0
    """Envelopes settled from their recipient list alone, with no gpg run: refused, or not for this workstation."""
    waiting: int = 0
    """Events left unsent, to go on a later sync: a reader's key cannot be encrypted to."""
    unusable: dict[str, str] = field(default_factory=dict)
    """The keys that held them back: fingerprint -> why (see `recipients`)."""
    folder_problems: dict[str, str] = field(default_factory=dict)
    """Folders the server refused this sync (one not there, not to be read, or an APPEND refused): folder -> line."""
    held: int = 0
    """Events left unsent because a folder they go to refused them: they wait in the log for a later sync."""
    identity: str | None = None
    """One line when this workstation's key is not a current roster key (see `identity_check`): it reads nothing."""
    every_read_refused: bool = False
    """The server refused every folder this workstation reads: its account may have lost its rights."""

    def waiting_line(self) -> str | None:
        """One line saying which events wait and on which keys, or None."""
        if not self.waiting:
            return None
        events = "1 team event waits" if self.waiting == 1 else f"{self.waiting} team events wait"
        return f"{events} for a usable key: {describe(self.unusable)}"

    def folders_line(self) -> str | None:
        """One line naming each folder the server refused and why (and what waits for it), or None."""
        if not self.folder_problems:
            return None
        lines = [self.folder_problems[folder] for folder in sorted(self.folder_problems)]
        if self.held:
            lines.append("1 team event waits" if self.held == 1 else f"{self.held} team events wait")
        if self.every_read_refused and self.identity is None:  # a removal not received yet leaves only this to go on
            lines.append(ACCESS_HINT)
        return "; ".join(lines)


@dataclass(frozen=True)
class TeamSyncResult:
    """What `sync_team` reports: what it did, how long it took, and why it failed (None when it did not; a failed
    sync reports nothing done)."""

    outcome: TeamSyncOutcome
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
