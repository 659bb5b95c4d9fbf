"""Provides the options the triage dialogs offer: next states, dispositions, policy reasons, teams, duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from triage_tui.widgets.safe_text import clean_line, fit, safe_line

if TYPE_CHECKING:
    from triage_tui.services.duplicates import Candidate


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


def reply_template_for(reason: str) -> str | None:
    """The reply template for a not-a-vulnerability reason (`not-a-vulnerability:<reason>`)."""
    from triage_tui.domain import NOT_A_VULNERABILITY_REASONS
    from triage_tui.replies.templates import NOT_A_VULNERABILITY_PREFIX

    return NOT_A_VULNERABILITY_PREFIX + reason if reason in NOT_A_VULNERABILITY_REASONS else None
