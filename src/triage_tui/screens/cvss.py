"""Provides the CVSS calculator: a modal that edits a case's 3.1 or 4.0 base vector metric by metric, with keys.

One row per base metric; up/down move between metrics, left/right or a value's letter change the value, tab switches
between 3.1 and 4.0 (each keeps its own draft), and the vector, score and rating follow every key. Enter returns what
to store: the vector of each version changed here, both when both were (the score is always computed from a vector);
escape leaves, asking first when a metric was changed (the rule of every dialog).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from triage_tui.cvss_metrics import VALUE_KEYS, VERSIONS, CvssDraft, Metric, Version
from triage_tui.screens.decisions import Decision, submit
from triage_tui.screens.dialog import LEAVE, Dialog
from triage_tui.screens.refusable import refusal_line
from triage_tui.severity import Severity
from triage_tui.widgets.footer import KeysFooter

NAME_WIDTH = 47
"""Cells for a metric's name and abbreviation; the longest 4.0 name fits."""
DIALOG_WIDTH = 104
"""The dialog's width where the screen has room; a narrower screen gets all of it (see `name_width`)."""
MARKER_WIDTH = 2
FRAME_WIDTH = 4
"""The dialog's border and padding, left and right."""

RATING_STYLES = {
    "Critical": "bold $error",
    "High": "$error",
    "Medium": "$warning",
    "Low": "$success",
    "None": "$text-muted",
}


@dataclass(frozen=True)
class SeverityChoice:
    """What the calculator asks to store: the vector of each version changed in it (None clears that version's)."""

    vectors: dict[Version, str | None]

    def describe(self) -> str:
        """What changed, for the notification: "CVSS 3.1 cleared, CVSS 4.0 CVSS:4.0/AV:N/…"."""
        return ", ".join(f"CVSS {version} {vector or 'cleared'}" for version, vector in self.vectors.items())


class Unchanged(Enum):
    """A version's draft is what is stored (or the user never touched it)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True)
class Refusal:
    """Why a version's draft cannot be stored yet."""

    reason: str


def rating_text(severity: Severity | None) -> Content:
    """A score and its rating, coloured by rating: "9.8 Critical"."""
    if severity is None:
        return Content.styled("no score yet: choose a value for every metric", "$text-muted")
    return Content.styled(f"{severity.score:.1f} {severity.rating}", RATING_STYLES.get(severity.rating, "bold"))


def values_width(metric: Metric) -> int:
    """Cells the metric's values take in its row (each with a space either side)."""
    return sum(len(value.name) + 2 + (0 if value.name[:1].upper() == value.letter else 2) for value in metric.values)


def name_width(metrics: Sequence[Metric], room: int) -> int:
    """The name column's width in `room` cells: NAME_WIDTH when the longest values fit beside it, else what is left
    (at 80 columns a 4.0 name is cut, its abbreviation first, so the row never wraps)."""
    widest = max((values_width(metric) for metric in metrics), default=0)
    return max(12, min(NAME_WIDTH, room - MARKER_WIDTH - widest))


def metric_label(metric: Metric, width: int) -> str:
    """'Attack Vector (AV)', or, when that is wider than `width`, 'AV Attack Vector' cut to fit."""
    label = f"{metric.name} ({metric.abbreviation})"
    if len(label) < width:
        return label.ljust(width)
    short = f"{metric.abbreviation} {metric.name.replace(' Impact', '')}"  # "VC Vulnerable System Confidentiality"
    return (short if len(short) < width else short[: width - 2] + "…").ljust(width)


def metric_row(metric: Metric, chosen: str | None, current: bool, width: int = NAME_WIDTH) -> Content:
    """One metric: a marker on the current row, its name (in `width` cells), and its values with the chosen one
    highlighted and each value's key underlined."""
    marker = Content.styled("▶ " if current else "  ", "bold $accent")
    name = Content.styled(metric_label(metric, width), "bold" if current else "")
    values: list[Content] = []
    for value in metric.values:
        if value.name[:1].upper() == value.letter:
            text = Content.assemble((value.name[0], "underline"), value.name[1:])
        else:
            text = Content.assemble((value.letter, "underline"), " ", value.name)
        text = Content.assemble(" ", text, " ")
        if value.letter == chosen:
            text = text.stylize("bold reverse $accent" if current else "bold reverse")
        else:
            text = text.stylize("$text-muted")
        values.append(text)
    return Content.assemble(marker, name, *values)


class CvssScreen(Dialog[SeverityChoice | None]):
    """The calculator for one case, opened on the case's stored vectors."""

    DEFAULT_CSS = """
    CvssScreen > #cvss-dialog {
        width: 104; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
        border-title-style: bold; border-subtitle-color: $text-muted;
    }
    CvssScreen #cvss-versions { padding: 0 0 1 0; }
    CvssScreen #cvss-metrics { height: auto; }
    CvssScreen #cvss-result { padding: 1 0 0 0; }
    CvssScreen #cvss-message { color: $warning; height: auto; }
    CvssScreen #cvss-hint { color: $text-muted; padding: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", id="severity.save", tooltip="Store the vectors built here on the case"),
        LEAVE,
        Binding("tab,shift+tab", "switch_version", "3.1 ⇄ 4.0", id="severity.version", tooltip="CVSS 3.1 or 4.0"),
        Binding("up,k", "move(-1)", "Metric up", show=False, id="severity.up", tooltip="Previous metric"),
        Binding("down,j", "move(1)", "Metric down", show=False, id="severity.down", tooltip="Next metric"),
        Binding("left", "step(-1)", "Value left", show=False, id="severity.left", tooltip="Previous value"),
        Binding("right", "step(1)", "Value right", show=False, id="severity.right", tooltip="Next value"),
        Binding("delete", "clear", "Clear", id="severity.clear", tooltip="Unset every metric of this version"),
        *(
            Binding(
                f"{key},{key.upper()}",
                f"pick('{key}')",
                f"Value {key}",
                show=False,
                id=f"severity.pick_{key}",
                tooltip=f"Choose the value whose key is {key}",
            )
            for key in sorted(VALUE_KEYS)
        ),
    ]

    def __init__(
        self,
        case_id: str,
        cvss_vector: str | None,
        cvss4_vector: str | None,
        *,
        decision: Decision[SeverityChoice] | None = None,
    ) -> None:
        """Open the calculator on a case's stored vectors.

        Args:
            case_id: The case being scored (shown in the title).
            cvss_vector: The stored 3.x vector, if any.
            cvss4_vector: The stored 4.0 vector, if any.
            decision: How the vectors are stored before the calculator closes (a refusal keeps it open); without
                one, it closes with the choice.
        """
        super().__init__(id="cvss")
        self.decision = decision
        self.case_id = case_id
        self.stored: dict[Version, str | None] = {"3.1": cvss_vector, "4.0": cvss4_vector}
        self.drafts: dict[Version, CvssDraft] = {
            "3.1": CvssDraft.parse(cvss_vector, "3.1"),
            "4.0": CvssDraft.parse(cvss4_vector, "4.0"),
        }
        self.version: Version = "4.0" if cvss4_vector and not cvss_vector else "3.1"
        self._opened = dict(self.drafts)
        """The drafts as opened: escape asks before discarding any change to them."""
        """The version shown and saved by enter."""
        self.row = 0
        """The current metric's index."""
        self.touched: set[Version] = set()
        """The versions whose draft a key changed: only those are stored."""

    @property
    def draft(self) -> CvssDraft:
        """The draft of the version shown."""
        return self.drafts[self.version]

    def compose(self) -> ComposeResult:
        with Vertical(id="cvss-dialog") as dialog:
            dialog.border_title = f"Severity — {self.case_id}"
            dialog.border_subtitle = "scores computed by the cvss library"
            yield Static(id="cvss-versions")
            yield Static(id="cvss-metrics")
            yield Static(id="cvss-result")
            yield Static(id="cvss-message")
            yield refusal_line()
            yield Static(
                # tab, enter and escape are in the footer below: one line here, so 4.0's eleven metrics fit 24 rows.
                Content("↑/↓ metric · ←/→ or the underlined letter: value · delete: unset all"),
                id="cvss-hint",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show()

    def on_resize(self) -> None:
        self._show()  # the name column follows the screen's width

    def _show(self, message: str = "") -> None:
        draft = self.draft
        tabs = [
            Content.styled(f" CVSS {v} ", "bold reverse $accent" if v == self.version else "$text-muted")
            for v in VERSIONS
        ]
        self.query_one("#cvss-versions", Static).update(Content(" ").join(tabs))
        room = min(DIALOG_WIDTH, self.app.size.width) - FRAME_WIDTH
        width = name_width(draft.metrics, room)
        rows = [
            metric_row(metric, chosen, index == self.row, width)
            for index, (metric, chosen) in enumerate(zip(draft.metrics, draft.choices, strict=True))
        ]
        self.query_one("#cvss-metrics", Static).update(Content("\n").join(rows))
        label = "dim"
        result = Content("\n").join(
            [
                Content.assemble(("Vector  ", label), (draft.vector(), "bold")),
                Content.assemble(("Score   ", label), rating_text(draft.severity())),
            ]
        )
        self.query_one("#cvss-result", Static).update(result)
        self.query_one("#cvss-message", Static).update(Content(message))

    def _set(self, draft: CvssDraft) -> None:
        self.drafts[self.version] = draft
        self.touched.add(self.version)
        self._show()

    def action_move(self, delta: int) -> None:
        self.row = (self.row + delta) % len(self.draft.metrics)
        self._show()

    def action_step(self, delta: int) -> None:
        self._set(self.draft.step(self.row, delta))

    def action_pick(self, key: str) -> None:
        metric = self.draft.metrics[self.row]
        if metric.index_of(key) is None:
            keys = "/".join(value.key for value in metric.values)
            self._show(f"{metric.name} takes {keys}")
            return
        self._set(self.draft.choose(self.row, key))

    def action_switch_version(self) -> None:
        self.version = VERSIONS[(VERSIONS.index(self.version) + 1) % len(VERSIONS)]
        self.row = min(self.row, len(self.draft.metrics) - 1)
        self._show()

    def action_clear(self) -> None:
        self._set(CvssDraft.empty(self.version))

    def action_save(self) -> None:
        """Store every version whose draft changed; a draft left half-built, on either tab, is said, not dropped."""
        changed: dict[Version, str | None] = {}
        for version in VERSIONS:
            outcome = self._to_store(version)
            if isinstance(outcome, Refusal):
                if version != self.version:
                    self.action_switch_version()
                self._show(outcome.reason)
                return
            if outcome is not UNCHANGED:
                changed[version] = outcome
        if not changed:
            if all(self.stored[version] is None for version in VERSIONS):
                self._show("Nothing to save: choose a value for every metric.")
                return
            self.dismiss(None)
            return
        submit(self, self.decision, SeverityChoice(changed))

    def _to_store(self, version: Version) -> str | Refusal | Literal[Unchanged.UNCHANGED] | None:
        """What `version`'s draft asks to store: a vector, None (clear it), UNCHANGED, or why it cannot be stored."""
        draft = self.drafts[version]
        stored = self.stored[version]
        if version not in self.touched:
            return UNCHANGED
        if draft.choices == CvssDraft.empty(version).choices:
            return UNCHANGED if stored is None else None
        if not draft.complete:
            missing = [m.abbreviation for m, c in zip(draft.metrics, draft.choices, strict=True) if c is None]
            return Refusal(f"CVSS {version}: choose a value for " + ", ".join(missing) + " first (delete unsets all).")
        severity = draft.severity()
        if severity is None:
            return Refusal(f"The cvss library rejects this CVSS {version} vector.")
        return UNCHANGED if severity.vector == (stored or "") else severity.vector

    WHAT = "the metrics chosen here"

    def changed(self) -> bool:
        return self.drafts != self._opened
