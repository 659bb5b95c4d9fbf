"""Provides `AdvisoryForm`, the advisory editor's fields: each with its label and the problems found under it, filled
from a draft and read back into a record."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Static, TextArea

from triage_tui.advisories.editor_fields import (
    CREDIT_HELP,
    REFERENCE_HELP,
    aliases_text,
    credits_text,
    parse_aliases,
    parse_credits,
    parse_references,
    parse_weaknesses,
    references_text,
    weaknesses_text,
)
from triage_tui.advisories.ranges import range_text
from triage_tui.untrusted import neutralise, neutralise_line
from triage_tui.widgets.safe_text import safe_line

if TYPE_CHECKING:
    from triage_tui.advisories.record import Advisory, PackageImpact

FIELDS = ("summary", "details", "aliases", "weaknesses", "cvss_v3", "cvss_v4", "packages", "references", "credits")
FIELD_LABELS = {
    "summary": "summary (one line)",
    "details": "details (Markdown)",
    "aliases": "aliases (CVE, GHSA and PYSEC ids)",
    "weaknesses": "weaknesses (CWE ids, ';' between)",
    "cvss_v3": "CVSS 3.1 vector",
    "cvss_v4": "CVSS 4.0 vector",
    "packages": "packages (from the matrix; ctrl+r reads it again)",
    "references": f"references: {REFERENCE_HELP}",
    "credits": f"credits: {CREDIT_HELP}",
}


def package_line(package: PackageImpact) -> str:
    """`pip/pip  fixed  >=20.0,<24.1` (untrusted names neutralised by the caller's safe_line)."""
    events = range_text(package.events)
    extra = f"  ({package.justification})" if package.justification else ""
    ecosystem = "" if str(package.ecosystem) == "PyPI" else f" [{package.ecosystem}]"
    return f"{package.project}/{package.name}{ecosystem}  {package.status}  {events}{extra}".rstrip()


def field_texts(advisory: Advisory) -> dict[str, str]:
    """Each text field's content. Imported records may hold control characters: they are shown (and saved) visibly
    neutralised; done off the UI thread, since details may be long."""
    return {
        "summary": neutralise_line(advisory.summary),
        "details": neutralise(advisory.details),
        "aliases": neutralise_line(aliases_text(advisory.aliases)),
        "weaknesses": neutralise_line(weaknesses_text(advisory.weaknesses)),
        "cvss_v3": neutralise_line(advisory.cvss_v3 or ""),
        "cvss_v4": neutralise_line(advisory.cvss_v4 or ""),
        "references": neutralise(references_text(advisory.references)),
        "credits": neutralise(credits_text(advisory.credits)),
    }


def problem_content(problems: list[str], warnings: list[str]) -> Content:
    """The lines under a field: errors in the error colour, warnings muted; empty when all is well."""
    lines = [safe_line(f"✗ {p}").stylize("$error") for p in problems]
    lines += [safe_line(f"! {w}").stylize("$warning") for w in warnings]
    return Content("\n").join(lines) if lines else Content("")


def _as_shown(typed: str, kept: str) -> str:
    """The record's own text while the field still shows it untouched (an imported record's final newline is not
    an edit), else the text as typed."""
    return kept if typed == kept.strip() and neutralise(kept) == kept else typed


class AdvisoryForm(VerticalScroll):
    """The draft's fields, top to bottom; the packages are shown, not typed (they come from the matrix)."""

    DEFAULT_CSS = """
    AdvisoryForm Label { color: $text-muted; margin-top: 1; }
    AdvisoryForm .field-problems { height: auto; }
    AdvisoryForm #details { height: 6; }
    AdvisoryForm #references { height: 6; }
    AdvisoryForm #credits { height: 6; }
    AdvisoryForm Input { background: $boost; }
    AdvisoryForm Input:focus { background: $primary 35%; }
    AdvisoryForm #packages { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.packages: tuple[PackageImpact, ...] = ()
        """The packages shown (and read back into the record)."""

    def compose(self) -> ComposeResult:
        for name in FIELDS:
            yield Label(FIELD_LABELS[name])
            if name == "details":
                yield TextArea("", id="details", soft_wrap=True)
            elif name in ("references", "credits"):
                yield TextArea("", id=name, soft_wrap=False)
            elif name == "packages":
                yield Static(Content(""), id="packages")
            else:
                yield Input("", compact=True, select_on_focus=False, id=name)
            yield Static(Content(""), id=f"{name}-problems", classes="field-problems")

    def fill(self, texts: dict[str, str]) -> None:
        """Put each field's text in (see `field_texts`)."""
        for name, text in texts.items():
            field = self.query_one(f"#{name}")
            if isinstance(field, Input):
                field.value = text
                field.cursor_position = 0  # show where each value starts, not its tail
            elif isinstance(field, TextArea):
                field.text = text

    def show_packages(self, packages: tuple[PackageImpact, ...]) -> None:
        """Show the packages (and read them back with the record from now on)."""
        self.packages = packages
        lines = [safe_line(package_line(p)) for p in packages] or [Content("(none: set the matrix with m)")]
        self.query_one("#packages", Static).update(Content("\n").join(lines))

    def show_problems(self, by_field: dict[str, tuple[list[str], list[str]]]) -> None:
        """Show each field's errors and warnings under it."""
        for name, (errors, warnings) in by_field.items():
            self.query_one(f"#{name}-problems", Static).update(problem_content(errors, warnings))

    def read(self, advisory: Advisory) -> tuple[Advisory, dict[str, tuple[str, ...]]]:
        """`advisory` with the fields as typed now, and the lines of each field that cannot be read (left out)."""
        aliases = parse_aliases(self.query_one("#aliases", Input).value)
        weaknesses = parse_weaknesses(self.query_one("#weaknesses", Input).value)
        references = parse_references(self.query_one("#references", TextArea).text)
        credited = parse_credits(self.query_one("#credits", TextArea).text)
        typed = replace(
            advisory,
            summary=self.query_one("#summary", Input).value.strip(),
            details=_as_shown(self.query_one("#details", TextArea).text.strip(), advisory.details),
            aliases=aliases.value,
            weaknesses=weaknesses.value,
            cvss_v3=self.query_one("#cvss_v3", Input).value.strip() or None,
            cvss_v4=self.query_one("#cvss_v4", Input).value.strip() or None,
            packages=self.packages,
            references=references.value,
            credits=credited.value,
        )
        return typed, {"references": references.problems, "credits": credited.problems}
