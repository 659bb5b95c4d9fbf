"""Provides the advisory editor's view of a case's kept records (ctrl+n, "advisory: next record"): the preview
switches from the draft to each record the case keeps, by id, read-only, and ctrl+o exports the record shown."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from triage_tui.screens.advisory_draft import Refusal, export_refusal
from triage_tui.screens.threads import in_thread
from triage_tui.widgets.advisory_form import AdvisoryForm
from triage_tui.widgets.safe_text import safe_line

if TYPE_CHECKING:
    from triage_tui.screens.advisory_draft import Checked
    from triage_tui.services.advisory_drafts import AdvisoryDrafts, Draft

NEXT_RECORD = Binding(
    "ctrl+n",
    "next_record",
    "Next record",
    id="advisory.next_record",
    tooltip="Preview the next record the case keeps (read-only), then the draft again",
)
"""The key that cycles the preview: the draft, then each kept record (offered when the case keeps several; listed
in the editor's BINDINGS after the format keys, where the footer shows it)."""

Lines = tuple[list[str], list[str]]


class KeptRecordsView(Screen[None]):
    """Mixin of the advisory editor: the case's kept record ids, the one the preview shows (None: the draft) and its
    draft as `AdvisoryDrafts.load_record` reads it."""

    case_id: str
    drafts: AdvisoryDrafts
    _title: str
    _export_folder: Path
    record_ids: tuple[str, ...] = ()
    """The ids of the records the case keeps (read when the editor opens)."""
    shown_record: str | None = None
    """The kept record the preview shows; None while it shows the draft."""
    record_draft: Draft | None = None
    """The shown record as a draft of the case (what the preview compiles and ctrl+o exports)."""
    _record_position = 0
    """Where ctrl+n has moved to: 0 for the draft, else the kept record's place (from 1)."""

    def _check_now(self) -> None:
        """Check and compile what the preview shows (the editor's own)."""
        raise NotImplementedError

    def _embargo_warning(self) -> str:
        """What the export dialog says of the embargo (the editor's own)."""
        raise NotImplementedError

    async def read_record_ids(self) -> None:
        """Read the ids of the case's kept records (in a thread), then title the editor with them."""
        from triage_tui.services.kept_records import kept_record_ids

        drafts, case_id = self.drafts, self.case_id
        ids = await in_thread(self, lambda: kept_record_ids(drafts, case_id), name="Reading the kept records")
        self.record_ids = tuple(ids or ())
        self.show_title()
        self.refresh_bindings()

    def show_title(self) -> None:
        """Say on the title line what the preview shows: the draft (and how many records the case keeps), or which
        kept record, read-only."""
        ids = self.record_ids
        if self.shown_record is None:
            text = f"Advisory draft · {self.case_id} · {self._title}"
            if len(ids) > 1:
                text = f"Advisory draft · {self.case_id} · {len(ids)} kept records (ctrl+n shows each) · {self._title}"
        else:
            position = ids.index(self.shown_record) + 1
            text = (
                f"record {self.shown_record} ({position} of {len(ids)}) · read-only (the fields edit the draft) · "
                f"{self.case_id} · ctrl+n: the next, then the draft"
            )
        self.query_one("#advisory-title", Static).update(safe_line(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_record":
            return len(self.record_ids) > 1  # one record is the draft's own: nothing to switch to
        return True

    def action_next_record(self) -> None:
        """Show the next kept record in the preview (after the last, the draft again)."""
        ids = self.record_ids
        if len(ids) < 2:
            return
        # Counted at the key press, so quick presses move on one record each (only the last one's read shows).
        self._record_position = (self._record_position + 1) % (len(ids) + 1)
        self._show_record(ids[self._record_position - 1] if self._record_position else None)

    @work(exclusive=True, group="records")
    async def _show_record(self, following: str | None) -> None:
        from triage_tui.services.advisory_drafts import DraftError

        shown: Draft | None = None
        if following is not None:
            drafts, case_id = self.drafts, self.case_id

            def load() -> Draft | DraftError:
                try:
                    return drafts.load_record(case_id, following)
                except DraftError as error:
                    return error

            draft = await in_thread(self, load, name="Reading a kept record")
            if draft is None:
                return
            if isinstance(draft, DraftError):
                self.notify(f"Not shown: {draft}", title="Advisory", severity="error", markup=False)
                return
            shown = draft
        self.shown_record, self.record_draft = following, shown
        self.query_one(AdvisoryForm).disabled = following is not None  # a kept record is read-only
        # Back to typing the draft, or keys go to the preview (the disabled fields hold no focus).
        self.query_one("#summary" if following is None else "#preview").focus()
        self.show_title()
        self._check_now()

    def shown_problems(
        self, checked: Checked, by_field: dict[str, Lines], whole: Lines
    ) -> tuple[dict[str, Lines], Lines]:
        """Where the problems show: under the fields for the draft; for a kept record, all under the preview (the
        fields show the draft)."""
        if self.record_draft is None:
            return by_field, whole
        errors = [*whole[0]] + [line for lines in by_field.values() for line in lines[0]]
        warnings = [*whole[1]] + [line for lines in by_field.values() for line in lines[1]]
        return {}, (errors, warnings)

    async def export_record(self, fmt: str) -> None:
        """Ask for formats and a folder, then write the shown kept record (an embargo asks first)."""
        from triage_tui.screens.advisory_export_modal import AdvisoryExportModal
        from triage_tui.screens.questions import DeliberateConfirmModal

        shown, draft = self.shown_record, self.record_draft
        if shown is None or draft is None:
            return
        modal = AdvisoryExportModal(
            f"{self.case_id} (record {shown})", fmt, self._export_folder, self._embargo_warning()
        )
        request = await self.app.push_screen_wait(modal)
        force = False
        while request is not None:
            self._export_folder = request.folder
            export = partial(export_record_files, self.drafts, draft, shown, request.formats, request.folder, force)
            written = await in_thread(self, export, name="Exporting a kept record")
            if written is None:
                return
            if not isinstance(written, Refusal):
                names = ", ".join(path.name for path in written)
                self.notify(f"Wrote {names} to {written[0].parent}", title="Advisory", timeout=8, markup=False)
                return
            if written.kind != "embargo" or force:
                self.notify(written.message, title="Advisory", severity="error", timeout=8, markup=False)
                return
            question = f"{written.message}. Write the record to disk anyway? (The export is logged on the case.)"
            force = await self.app.push_screen_wait(DeliberateConfirmModal(question))
            if not force:
                return


def export_record_files(
    drafts: AdvisoryDrafts, draft: Draft, record_id: str, formats: tuple[str, ...], folder: Path, force: bool
) -> list[Path] | Refusal:
    """Write the kept record's formats to `folder` (from a worker thread); a refusal says why not."""
    from triage_tui.services.advisory_drafts import DraftError
    from triage_tui.services.kept_records import export_kept_record

    try:
        return export_kept_record(drafts, draft, record_id, formats, folder, force=force)
    except DraftError as error:
        return export_refusal(error)
