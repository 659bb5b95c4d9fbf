"""Provides the Team screen (`T` from the inbox, "inbox: team members" in the palette): the roster as `triage-tui
team members` lists it, under one line saying what this workstation may decide; read-only."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from triage_tui.screens.context import AppContext
from triage_tui.team.roster import Member
from triage_tui.team.team_view import TeamView, when
from triage_tui.widgets.footer import KeysFooter
from triage_tui.widgets.safe_text import safe_line
from triage_tui.widgets.verdict import format_fingerprint

NO_ROSTER = (
    "This team has no roster yet, so roles come from this workspace's config ([team] coordinators, each project's "
    "maintainers). A founding coordinator starts the roster with `triage-tui team init`, then adds each member with "
    "`triage-tui team invite`; a new member sets up their workspace from the invitation with `triage-tui team join`."
)
NO_TEAM = (
    "This workspace is not on a team. To start one as its first coordinator, name your key in [team] coordinators "
    "and run `triage-tui team init`; to join a team, run `triage-tui team join` on the invitation a coordinator "
    "sent you."
)


def member_lines(member: Member, *, you: bool = False) -> Content:
    """One member as `team members` lists them: name and email, role and projects, current key and its times."""
    key = member.current_key
    gone = member.removed_at is not None or not member.active
    head = Content.assemble(
        safe_line(member.name).stylize("bold"),
        " <",
        safe_line(member.email),
        ">",
        (" (you)", "bold $accent") if you else "",
    )
    role = member.role + (f" of {', '.join(member.projects)}" if member.projects else "")
    valid = f"key valid from {when(key.valid_from)}" + (f" until {when(key.valid_until)}" if key.valid_until else "")
    lines = [
        head,
        Content.assemble("  ", safe_line(role), (" · ", "dim"), valid),
        Content.assemble("  ", safe_line(format_fingerprint(key.fingerprint))),
    ]
    if key.revoked_since is not None:
        lines.append(Content.styled(f"  revoked since {when(key.revoked_since)}", "bold $error"))
    if member.removed_at is not None:
        lines.append(Content.styled(f"  removed {when(member.removed_at)}", "bold $warning"))
    block = Content("\n").join(lines)
    return block.stylize("$text-muted", 0, len(head)) if gone else block


def team_content(view: TeamView) -> Content:
    """The screen's body: each member's block, or the paragraph saying how a roster starts."""
    if not view.team:
        return Content(NO_TEAM)
    if not view.roster:
        return Content(NO_ROSTER)
    blocks = [member_lines(m, you=m.member_id == view.own_member) for m in view.members]
    return Content("\n\n").join(blocks)


class TeamScreen(Screen[None]):
    """The team's roster, read-only: who is a member, with which role, projects and key."""

    DEFAULT_CSS = """
    TeamScreen #team-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
    TeamScreen #team-you { height: auto; padding: 0 1; background: $boost; color: $text-accent; }
    TeamScreen #team-list { padding: 1 1 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,T", "back", "Back", id="team.back", tooltip="Back to the inbox"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(id="team")
        self.context = context
        self.view: TeamView | None = None
        """What the screen shows, once read."""

    def compose(self) -> ComposeResult:
        yield Static(Content("Team members"), id="team-title")
        yield Static(Content("reading the roster…"), id="team-you")
        with VerticalScroll():
            yield Static(Content(""), id="team-list")
        yield KeysFooter()

    def on_mount(self) -> None:
        # The roster is folded from every roster event in the store: a thread, so a long roster never stalls a frame.
        self.run_worker(self._read, thread=True, name="Reading the roster", exit_on_error=False, group="read")

    def _read(self) -> None:
        from triage_tui.team.team_view import read_team_view

        with self.context.store.read() as connection:
            view = read_team_view(connection, self.context.config)
        self.app.call_from_thread(self._show, view)

    def _show(self, view: TeamView) -> None:
        self.view = view
        self.query_one("#team-you", Static).update(safe_line(view.you))
        self.query_one("#team-list", Static).update(team_content(view))
        if view.roster:
            self.query_one("#team-title", Static).update(Content(f"Team members ({len(view.members)}), times in UTC"))

    def action_back(self) -> None:
        self.dismiss(None)
