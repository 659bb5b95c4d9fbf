"""Provides triage actions for the screens: the modals that ask what to do, and running the decision in a worker.

The app's one `TriageService` is created on the first action (SQLAlchemy loads then, never at start-up), inside the
worker thread. Every action runs in a thread worker and posts `ActionDone` to the node that asked; that node calls
`finish_action`, which notifies (a refusal is a warning, never an exit) and re-reads every case view and inbox.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from weakref import WeakKeyDictionary

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from triage_tui.screens.refusable import REFUSAL_CSS, Refused, attempt, attempting, close_done, refusal_line
from triage_tui.widgets.safe_text import clean_line, fit, safe_line

if TYPE_CHECKING:
    from triage_tui.services.duplicates import Candidate
    from triage_tui.services.triage import Event, TriageService

ValueT = TypeVar("ValueT")
_SERVICES: WeakKeyDictionary[App[None], TriageService] = WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def author_of(app: App[None]) -> str:
    """Who decisions are recorded as: the config's identity name (or email), else the login name."""
    config = getattr(app, "config", None)
    if config is not None:
        return str(config.identity.name or config.identity.email)
    return getpass.getuser()


def triage_service(app: App[None]) -> TriageService:
    """The app's one TriageService, created on first use (call from a worker thread: it imports SQLAlchemy)."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(app)
        if service is None:
            from triage_tui.services.triage import TriageService
            from triage_tui.store.store import Store
            from triage_tui.team.sharing import sharer_for

            clock = getattr(app, "clock", None)
            config = getattr(app, "config", None)
            # With team sync on, every decision is also a team event signed with the identity's key.
            service = TriageService(
                Store(getattr(app, "database")),  # noqa: B009
                author_of(app),
                clock=clock,
                sharer=sharer_for(config),
            )
            _SERVICES[app] = service
        return service


@dataclass(frozen=True)
class Outcome:
    """What an action reports: the notification text, and whether part of it was refused."""

    text: str
    refused: bool = False


@dataclass
class ActionDone(Message):
    """A triage action finished (or was refused: `ok` False, `text` says why)."""

    case_ids: tuple[str, ...]
    text: str
    ok: bool
    refused: bool = False
    follow_up: Callable[[], None] | None = field(default=None, repr=False)


def run_action(
    node: DOMNode,
    case_ids: Sequence[str],
    work: Callable[[TriageService], Outcome],
    *,
    follow_up: Callable[[], None] | None = None,
) -> None:
    """Run `work` on the app's TriageService in a thread worker of `node`; `node` receives `ActionDone`."""
    app = node.app
    ids = tuple(case_ids)

    def perform() -> None:
        from triage_tui.services.triage import TriageError

        try:
            outcome = work(triage_service(app))
        except TriageError as error:
            node.post_message(ActionDone(ids, str(error), ok=False))
            return
        node.post_message(ActionDone(ids, outcome.text, ok=True, refused=outcome.refused, follow_up=follow_up))

    node.run_worker(perform, thread=True, group="triage", exit_on_error=False, name="triage action")


def finish_action(node: DOMNode, message: ActionDone) -> None:
    """Tell the user how an action went and re-read every screen that shows cases."""
    message.stop()
    app = node.app
    if not message.ok:
        app.notify(message.text, title="Refused", severity="warning", timeout=8)
    else:
        app.notify(message.text, title="Triage", severity="warning" if message.refused else "information")
    from triage_tui.screens.case import CaseScreen
    from triage_tui.screens.inbox import InboxScreen

    for screen in app.screen_stack:
        if isinstance(screen, CaseScreen):
            screen.reload()
        elif isinstance(screen, InboxScreen):
            screen.refresh_cases()
    if message.ok and message.follow_up is not None:
        message.follow_up()


@dataclass(frozen=True)
class Decision(Generic[ValueT]):
    """How a dialog's value becomes one triage decision, taken before the dialog closes: refused, the dialog stays
    open with its input and the reason; done, it closes and `owner` gets `ActionDone` (notified, views re-read)."""

    owner: DOMNode
    case_ids: tuple[str, ...]
    work: Callable[[ValueT], Callable[[TriageService], Outcome]]
    follow_up: Callable[[], None] | None = field(default=None, repr=False)

    def take(self, dialog: ModalScreen[Any], value: ValueT) -> None:
        """Decide `value` for `dialog` (which closes with it once the decision is stored)."""
        work = self.work(value)
        app = dialog.app

        def job() -> Outcome:
            from triage_tui.services.triage import TriageError

            try:
                return work(triage_service(app))
            except TriageError as error:
                raise Refused(str(error)) from error

        def done(outcome: Outcome) -> None:
            close_done(dialog, value)
            text, refused = outcome.text, outcome.refused
            self.owner.post_message(ActionDone(self.case_ids, text, ok=True, refused=refused, follow_up=self.follow_up))

        attempt(dialog, job, done)


def submit(dialog: ModalScreen[Any], decision: Decision[ValueT] | None, value: ValueT) -> None:
    """Close `dialog` with `value`, or, given a decision, take it first (a refusal keeps the dialog open)."""
    if decision is None:
        dialog.dismiss(value)
    else:
        decision.take(dialog, value)


def bulk_outcome(
    service: TriageService, case_ids: Sequence[str], action: Callable[[TriageService, str], Event], done: str
) -> Outcome:
    """Apply `action` to every case with `TriageService.bulk`; refusals are collected into one outcome."""
    result = service.bulk(case_ids, action)
    text = f"{done} {len(result.events)} of {len(case_ids)} cases"
    refusals = result.refusals
    if refusals:
        text += "; refused: " + "; ".join(refusals)
    return Outcome(text, refused=bool(refusals))


# ---- modals ----------------------------------------------------------------------------------------------------


def dialog_css(name: str) -> str:
    return f"""
    {name} {{ align: center middle; }}
    {name} .action-dialog {{
        width: 76; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }}
    {name} .action-title {{ text-style: bold; padding: 0 0 1 0; }}
    {name} .action-hint {{ color: $text-muted; padding: 1 0 0 0; }}
    {name} OptionList {{ height: auto; max-height: 16; }}
    {name} Input {{ margin: 0 0 1 0; }}
    {name} TextArea {{ height: 10; }}
    {REFUSAL_CSS}
    """


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of a few options; enter chooses, escape cancels. Returns the option's id."""

    DEFAULT_CSS = dialog_css("ChoiceModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without changing anything"),
    ]

    def __init__(self, title: str, options: Iterable[tuple[str, Content]], hint: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._title = title
        self._options = [Option(prompt, id=option_id) for option_id, prompt in options]
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._title), classes="action-title")
            yield OptionList(*self._options, id="choices")
            yield Static(Content(self._hint), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextModal(ModalScreen[str | None]):
    """One line of text (with optional suggestions below it); enter saves, escape cancels."""

    DEFAULT_CSS = dialog_css("TextModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without changing anything"),
        Binding("down", "suggestions", "Suggestions", show=False, id="modal.suggestions", tooltip="Pick below"),
    ]

    def __init__(
        self,
        title: str,
        value: str,
        hint: str,
        *,
        placeholder: str = "",
        suggestions: Iterable[tuple[str, Content]] = (),
        decision: Decision[str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._decision = decision
        self._title = title
        self._value = clean_line(value)
        self._hint = hint
        self._placeholder = placeholder
        self._suggestions = [Option(prompt, id=option_id) for option_id, prompt in suggestions]

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._title), classes="action-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="text")
            yield refusal_line()
            if self._suggestions:
                yield OptionList(*self._suggestions, id="suggestions")
            yield Static(Content(self._hint), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_suggestions(self) -> None:
        if self._suggestions:
            self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        submit(self, self._decision, event.value)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        submit(self, self._decision, event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteModal(ModalScreen[str | None]):
    """A multi-line note; ctrl+s saves, escape cancels (asking first when something was typed)."""

    DEFAULT_CSS = dialog_css("NoteModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="modal.save", tooltip="Save the note"),
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        case_id: str,
        *,
        decision: Decision[str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._case_id = case_id
        self._decision = decision

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(f"Note on {self._case_id}"), classes="action-title")
            yield TextArea(id="note", soft_wrap=True)
            yield refusal_line()
            yield Static(Content("ctrl+s save · escape cancel"), classes="action-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        submit(self, self._decision, self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        close_unless_typed(self, bool(self.query_one(TextArea).text.strip()), "the note typed here")


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; y or enter confirms, n or escape declines."""

    DEFAULT_CSS = dialog_css("ConfirmModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="modal.yes", tooltip="Confirm"),
        Binding("n,escape", "answer(False)", "No", id="modal.no", tooltip="Decline"),
    ]

    def __init__(self, question: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._question = question

    HINT = "y / enter: yes · n / escape: no"

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-dialog"):
            yield Static(safe_line(self._question), classes="action-title")
            yield Static(Content(self.HINT), classes="action-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DeliberateConfirmModal(ConfirmModal):
    """A yes/no question where only y says yes: for what cannot be taken back (an embargoed advisory on disk), so a
    stray enter from the dialog before declines."""

    DEFAULT_CSS = dialog_css("DeliberateConfirmModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="modal.yes", tooltip="Confirm"),
        Binding("n,escape,enter", "answer(False)", "No", id="modal.no", tooltip="Decline"),
    ]
    HINT = "y: yes · n / escape / enter: no"


def close_unless_typed(dialog: ModalScreen[Any], typed: bool, what: str) -> None:
    """Close `dialog` with nothing; if it holds text the user typed, ask first (only y discards it, so the escape
    that opened the question, a second one or a stray enter keep editing)."""
    if attempting(dialog):
        return  # what was typed is being stored: the dialog closes when that is done
    discard_unless_typed(dialog, typed, f"Discard {what}? Nothing of it is kept.", lambda: dialog.dismiss(None))


def discard_unless_typed(node: DOMNode, typed: bool, question: str, discard: Callable[[], object]) -> None:
    """Call `discard` (which throws away what the user typed) at once if nothing was typed, else only after a
    deliberate y to `question`: n, escape or a stray enter keep the text as it is."""
    if not typed:
        discard()
        return

    def answered(yes: bool | None) -> None:
        if yes:
            discard()

    node.app.push_screen(DeliberateConfirmModal(question), answered)


# ---- the content of each modal -------------------------------------------------------------------------------


def option(text: str, detail: str = "") -> Content:
    """An option prompt: a bold word and a dim explanation (both neutralised)."""
    if not detail:
        return safe_line(text).stylize("bold")
    return Content.assemble(safe_line(text).stylize("bold"), "  ", safe_line(detail).stylize("$text-muted"))


def state_options(state: str) -> list[tuple[str, Content]]:
    """The states a case in `state` may move to, in lifecycle order."""
    from triage_tui.domain import CaseState
    from triage_tui.services.triage import TRANSITIONS

    order = list(CaseState)
    allowed = sorted(TRANSITIONS.get(CaseState(state), frozenset()), key=order.index)
    return [(s.value, option(s.value)) for s in allowed]


DISPOSITION_HELP = {
    "invalid": "not a real report",
    "not-a-vulnerability": "by policy: asks for the reason next",
    "out-of-scope": "not a tool we cover",
    "spam": "junk",
    "informative": "useful, no action needed",
    "hardening": "an improvement, not a vulnerability",
}


def disposition_options() -> list[tuple[str, Content]]:
    """Every disposition a close can give (duplicate has its own key, d)."""
    return [(name, option(name, detail)) for name, detail in DISPOSITION_HELP.items()]


def reason_options() -> list[tuple[str, Content]]:
    """The policy reasons for not-a-vulnerability."""
    from triage_tui.domain import NOT_A_VULNERABILITY_REASONS

    return [(slug, option(slug, text)) for slug, text in NOT_A_VULNERABILITY_REASONS.items()]


def team_suggestions(project_ids: Iterable[str]) -> list[tuple[str, Content]]:
    """Assign suggestions: each project's team, then clearing the assignee."""
    teams = [(f"team:{p}", option(f"team:{p}", "the project's maintainers")) for p in project_ids]
    return [*teams, ("", option("(nobody)", "clear the assignee"))]


def candidate_options(candidates: Sequence[Candidate]) -> list[tuple[str, Content]]:
    """Duplicate candidates: id, state, title and why they rank."""
    options = []
    for candidate in candidates:
        case = candidate.case
        state = case.disposition or case.state
        options.append(
            (
                case.id,
                Content.assemble(
                    (case.id, "bold"),
                    f" {state:<9} ",
                    safe_line(fit(clean_line(case.title), 42)),
                    "\n   ",
                    (", ".join(candidate.reasons), "$accent"),
                ),
            )
        )
    return options


def parse_labels(text: str) -> list[str]:
    """Labels typed comma- or space-separated."""
    return [part for part in text.replace(",", " ").split() if part]


# ---- undo and replies --------------------------------------------------------------------------------------------


def undo_last(service: TriageService, case_id: str) -> Outcome:
    """Undo the user's last action on the case; a merge into it is undone through the duplicate it came from."""
    from triage_tui.services.triage import TriageError
    from triage_tui.widgets.timeline import describe_event

    event = service.last_undoable(case_id)
    if event is None:
        raise TriageError(f"nothing of yours to undo on {case_id}")
    if event.kind == "merge":
        source = str(event.payload.get("from", ""))
        duplicate = service.last_undoable(source) if source else None
        if duplicate is None or duplicate.payload.get("merge_event") != event.id:
            raise TriageError(f"the merge of {source} changed since; undo it on {source}")
        event = duplicate
    service.undo(event.id)
    return Outcome(f"Undone #{event.id} on {event.case_id}: {event.author} {describe_event(event)}")


def reply_template_for(reason: str) -> str | None:
    """The reply template for a not-a-vulnerability reason (`not-a-vulnerability:<reason>`)."""
    from triage_tui.domain import NOT_A_VULNERABILITY_REASONS
    from triage_tui.replies.templates import NOT_A_VULNERABILITY_PREFIX

    return NOT_A_VULNERABILITY_PREFIX + reason if reason in NOT_A_VULNERABILITY_REASONS else None


def reply_screen(
    app: App[None], database: Path, case_id: str, clock: Callable[[], datetime], template_id: str
) -> ModalScreen[int | None]:
    """The replies screen for the case, opened on `template_id` instead of its first template."""
    from triage_tui.screens.reply import ReplyScreen

    class TemplateReplyScreen(ReplyScreen):
        def __init__(self) -> None:
            super().__init__(database, getattr(app, "config", None), case_id, clock)
            self._wanted: str | None = template_id

        def use_template(self, template_id: str) -> None:
            wanted, self._wanted = self._wanted, None
            super().use_template(wanted or template_id)

    return TemplateReplyScreen()
