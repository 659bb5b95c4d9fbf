"""Builds what the case screen shows: the header band, the side panel's sections and the thread's widgets.

Every string from a report goes through `safe_block`/`safe_line` here, on its way into a `Content`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from triage_tui.domain import NO_DATE, CaseState, Disposition, ImpactStatus
from triage_tui.impact import ImpactError, cell_of, mark
from triage_tui.impact_words import range_in_words
from triage_tui.services.readiness import ItemState, readiness
from triage_tui.store.duplicate_reads import CaseBrief, CaseExtras
from triage_tui.store.queries import AttachmentInfo, CaseDetail, CaseSummary, ImpactView, MessageView
from triage_tui.widgets.safe_text import safe_block, safe_line
from triage_tui.widgets.verdict import VerdictBar, signature_look


def human_size(size: int) -> str:
    """A byte count for people: 512 B, 3.4 KiB, 1.2 MiB."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def age(then: datetime, now: datetime) -> str:
    """How long ago `then` was, in the largest whole unit."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = seconds // length
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def severity_text(summary: CaseSummary) -> str:
    """The case's computed CVSS score and rating ("7.5 high (CVSS 3.1)"), or "unscored"."""
    from triage_tui.severity import severity_of  # the CVSS library loads when a case opens, not at start-up

    for vector, version in ((summary.cvss4_vector, "4.0"), (summary.cvss_vector, "3.1")):
        scored = severity_of(vector)
        if scored is not None:
            return f"{scored.score:.1f} {scored.rating.lower()} (CVSS {version})"
    return "unscored"


def decision_line(summary: CaseSummary, extras: CaseExtras | None, now: datetime, width: int | None = None) -> Content:
    """Assignee, labels, embargo and severity: what triage decided so far."""
    label = "dim"
    assignee = (extras.assignee if extras else None) or "nobody"
    labels = ", ".join(extras.labels) if extras and extras.labels else "–"
    if summary.embargo_until is None:
        embargo = Content("none")
    else:
        from triage_tui.services.embargo_policy import countdown

        left = summary.embargo_until - now
        when = summary.embargo_until.strftime("%Y-%m-%d %H:%M UTC")
        tail = f" ({countdown(summary.embargo_until, now)})"
        embargo = Content.assemble(when, (tail, "$warning" if left.days < 7 else label))
    return fields(
        ("assignee", safe_line(assignee).stylize("bold")),
        ("labels", safe_line(labels)),
        ("embargo", embargo),
        ("severity", Content(severity_text(summary))),
        width=width,
    )


FIELD_SEPARATOR = " · "
"""Between two header fields: a visible mark, so no field's value reads as part of the next one's label even where
a narrow terminal wraps the line or a copy of the screen drops the spaces."""


def fields(*pairs: tuple[str, Content], width: int | None = None) -> Content:
    """Header fields, "label: value" each (the labels dim), separated by FIELD_SEPARATOR; given the `width` they are
    shown in, a field that would run past it starts the next line, so a line breaks between fields, never inside
    one's label (only a field wider than the whole line still wraps within)."""
    separator = Content.styled(FIELD_SEPARATOR, "dim")
    lines: list[Content] = []
    for label, value in pairs:
        part = Content.assemble((f"{label}: ", "dim"), value)
        if lines and (width is None or lines[-1].cell_length + separator.cell_length + part.cell_length <= width):
            lines[-1] = lines[-1] + separator + part
        else:
            lines.append(part)
    return Content("\n").join(lines)


def case_title_line(summary: CaseSummary) -> Content:
    """The case's id and title, for the header band's first line: shown on one line (cut with an ellipsis) so an
    untrusted subject can never wrap into lines that look like the header's own; the thread shows it whole."""
    return Content.assemble((summary.id, "bold $accent"), "  ", safe_line(summary.title).stylize("bold"))


def case_header(
    summary: CaseSummary,
    now: datetime,
    extras: CaseExtras | None = None,
    duplicate_key: str = "d",
    width: int | None = None,
) -> Content:
    """The case's state, reporter, projects and age under its title line, then what triage decided, and the cases
    here its subjects name (`duplicate_key` marks it a duplicate of one); `width`: the columns it is shown in."""
    look = signature_look(summary.signature)
    state = summary.state + (f" ({summary.disposition})" if summary.disposition else "")
    if extras is not None and extras.disposition_reason:
        state = f"{summary.state} ({summary.disposition}: {extras.disposition_reason})"
    if extras is not None and extras.duplicate_of:
        state = f"{summary.state} (duplicate of {extras.duplicate_of})"
    elif extras is not None and summary.disposition == Disposition.DUPLICATE:
        # A team member's duplicate-of naming a report this workstation does not hold (team_log.named_case).
        state = f"{summary.state} (duplicate of a report not held here)"
    projects = ", ".join(p.project for p in summary.projects) or "none matched"
    received = summary.received_at.strftime("%Y-%m-%d %H:%M UTC")
    return Content("\n").join(
        [
            fields(
                # The reason and duplicate-of may come from a team member.
                ("state", safe_line(state).stylize("bold")),
                ("reporter", who(summary.reporter, summary.reporter_email)),
                ("first signature", Content.styled(look.label, look.colour)),
                width=width,
            ),
            fields(
                ("projects", safe_line(projects)),
                ("received", Content.assemble(received, (f" ({age(summary.received_at, now)})", "dim"))),
                ("messages", Content(str(summary.message_count))),
                width=width,
            ),
            decision_line(summary, extras, now, width),
            *subject_hint(summary, extras, duplicate_key),
        ]
    )


def subject_hint(summary: CaseSummary, extras: CaseExtras | None, duplicate_key: str) -> list[Content]:
    """A line naming the cases held here that the case's subjects name (`Follow-up to PSC-2026-0001`), while it is
    not a duplicate already: the sender chose those words, so this only points the coordinator at them."""
    if extras is None or not extras.named_in_subject or extras.duplicate_of:
        return []
    from triage_tui.services.triage import CLOSABLE_WITH_DISPOSITION  # loaded only for a hint (start-up stays lean)

    names = safe_line(", ".join(extras.named_in_subject))
    if CaseState(summary.state) not in CLOSABLE_WITH_DISPOSITION:
        return [fields(("subject names", names))]
    hint = Content.styled(f" — {duplicate_key} to mark duplicate", "$warning")
    return [fields(("subject names", names + hint))]


READINESS_MARKS = {
    ItemState.DONE: ("✓", "$success"),
    ItemState.MISSING: ("✗", "$error"),
    ItemState.PENDING: ("…", "$warning"),
}


def impacts_content(
    impacts: tuple[ImpactView, ...],
    projects: Sequence[str] | None,
    embargo_until: datetime | None,
    drafts: Mapping[str, bool] | None = None,
) -> Content:
    """The case's row of the impact matrix (every configured project once they are known: a project with no cell is
    not linked to the case, and listed so), then the publication readiness checklist of the projects linked to it."""
    stored = {impact.project: impact for impact in impacts}
    shown = list(projects) if projects else sorted(stored)
    if not shown:
        return Content.styled("no project matched", "$text-muted")
    lines: list[Content] = []
    unknown: list[str] = []
    unlinked: list[str] = []
    for project in shown:
        impact = stored.get(project)
        # Listed together below: most of a row is usually unchecked. A project not linked is not one to check (the
        # checklist leaves it out), so it is not listed as unknown.
        if impact is None:
            unlinked.append(project)
            continue
        if impact.status == ImpactStatus.UNKNOWN:
            unknown.append(project)
            continue
        status = mark(ImpactStatus(impact.status))
        width = max(11, len(project) + 1)  # a long project name never runs into its status
        lines.append(Content.assemble((f"{project:<{width}}", "bold"), (status, "$accent"), _versions(impact)))
    if unknown:
        lines.append(Content.assemble((mark(ImpactStatus.UNKNOWN), "$accent"), "  ", ", ".join(unknown)))
    if unlinked:
        lines.append(Content.styled(f"· not linked  {', '.join(unlinked)}", "$text-muted"))
    # Readiness covers the projects linked to the case (a cell stored for them), not every configured one.
    checklist = readiness(sorted(stored), {p: cell_of(i) for p, i in stored.items()}, embargo_until, drafts)
    verdict = "ready to publish" if checklist.ready else "not ready to publish"
    lines.append(Content.styled(verdict, "bold $success" if checklist.ready else "bold"))
    for item in checklist.items:
        symbol, style = READINESS_MARKS[item.state]
        lines.append(Content.assemble((symbol, style), " ", item.label))
        lines += [Content.styled(f"    {missing}", "$text-muted") for missing in item.missing]
    return Content("\n").join(lines)


def who(name: str, email: str, *, bold: bool = False) -> Content:
    """ "Name <email>", or the name alone when no address is known (a shared case carries none): never an empty "<>"."""
    shown = safe_line(name).stylize("bold") if bold else safe_line(name)
    return Content.assemble(shown, " <", safe_line(email), ">") if email else shown


def reporter_content(
    summary: CaseSummary, extras: CaseExtras | None, history: list[CaseBrief], total: int, records: Sequence[str] = ()
) -> Content:
    """Who reported the case, their key, their other cases, and the records the case keeps when it keeps several
    (the advisory editor previews each)."""
    from triage_tui.widgets.verdict import format_fingerprint

    lines = [
        who(summary.reporter, summary.reporter_email, bold=True),
        Content.assemble(("key: ", "dim"), format_fingerprint(extras.reporter_fingerprint if extras else None)),
    ]
    if not history:
        lines.append(Content.styled("no other cases from this reporter", "$text-muted"))
    else:
        lines.append(Content.styled(f"{total} other case{'s' if total != 1 else ''}:", "$text-muted"))
        for brief in history:
            lines.append(
                Content.assemble(
                    (brief.id, "bold"),
                    (FIELD_SEPARATOR, "dim"),
                    (brief.disposition or brief.state, "$accent"),
                    (FIELD_SEPARATOR, "dim"),
                    safe_line(brief.title),
                )
            )
    if len(records) > 1:
        lines.append(Content.styled(f"{len(records)} kept records (A, then ctrl+n shows each):", "$text-muted"))
        lines += [safe_line(record) for record in records]
    return Content("\n").join(lines)


def notes_content(detail: CaseDetail, names: Mapping[str, str] | None = None) -> Content:
    """Every note on the case, oldest first, with author (named by the roster when it knows their key) and time."""
    from triage_tui.widgets.timeline import author_shown

    notes = [event for event in detail.events if event.kind == "note"]
    if not notes:
        return Content.styled("no notes", "$text-muted")
    blocks = [
        Content.assemble(
            (event.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"),
            " ",
            safe_line(author_shown(event.author, names)).stylize("bold"),
            "\n",
            safe_block(str(event.payload.get("text", ""))),
        )
        for event in notes
    ]
    return Content("\n\n").join(blocks)


def message_headers(message: MessageView) -> Content:
    """From, Date and Subject of a message as the sender wrote them (untrusted)."""
    sent = message.sent_at.strftime("%Y-%m-%d %H:%M UTC") if message.sent_at else NO_DATE
    label = "bold $text-muted"
    sender = who(message.sender_name, message.sender_email)
    return Content("\n").join(
        [
            Content.assemble(("From:    ", label), sender),
            Content.assemble(("Date:    ", label), sent),
            Content.assemble(("Subject: ", label), safe_line(message.subject).stylize("bold")),
        ]
    )


def attachment_line(attachment: AttachmentInfo) -> Content:
    """One attachment: name, type, size and a sha256 prefix to compare with what the reporter sent."""
    return Content.assemble(
        ("▪ ", "$text-muted"),
        safe_line(attachment.filename).stylize("bold"),
        "  ",
        safe_line(attachment.content_type),
        "  ",
        human_size(attachment.size),
        ("  sha256:", "$text-muted"),
        attachment.sha256[:16],
        "…",
    )


SHOWN_TEXT_CHARS = 32 * 1024
"""The most of one message's text the case view draws: Textual lays out and wraps every line of a Static whenever
the case opens, so a 10 MB log pasted into a report took 20 s and hundreds of MB. Measured opening such a case
(Pilot, 120x36, on top of 0.21 s with a short body): 32 K characters +0.08 s, 64 K +0.14 s, 256 K +0.53 s, 1 M
+2.2 s; 32 K (some 450 lines of log) keeps it under 100 ms and holds a whole ordinary report."""


def bounded_text(text: str, case_id: str) -> Content:
    """An untrusted text as `safe_block`, cut at SHOWN_TEXT_CHARS with a line saying how much is left and where the
    whole of it is (the command line prints a case's messages in full)."""
    if len(text) <= SHOWN_TEXT_CHARS:
        return safe_block(text)
    cut = text.rfind("\n", 0, SHOWN_TEXT_CHARS) + 1 or SHOWN_TEXT_CHARS  # end on a whole line when there is one
    rest = len(text) - cut
    note = f"… {rest:,} more characters not shown here; `triage-tui show {case_id}` prints the whole message"
    return Content.assemble(safe_block(text[:cut]), "\n", (note, "bold $warning"))


def message_widgets(
    message: MessageView, index: int, case_id: str, names: Mapping[str, str] | None = None
) -> list[Widget]:
    """One message of the thread: verdict bar, then headers and body, unauthenticated text and attachments.

    The widgets sit directly in the thread (no container per message, and headers and body share one box): the
    case screen is drawn in full each time a case opens, and every widget less is time saved there.
    """
    bar = VerdictBar(message, names, id=f"message-{index}")
    bar.add_class("message")  # where each message starts, for n / p
    text = bounded_text(message.body, case_id) if message.body else Content("(no readable text)")
    body = Static(Content.assemble(message_headers(message), "\n\n", text), classes="message-body")
    body.border_title = "message text"
    parts: list[Widget] = [bar, body]
    if message.unauthenticated_text:
        cleartext = Static(bounded_text(message.unauthenticated_text, case_id), classes="unauthenticated")
        cleartext.border_title = "⚠ UNAUTHENTICATED — outside the signed/encrypted part"
        parts.append(cleartext)
    if message.html_parts:
        note = f"{message.html_parts} HTML part(s) not shown"
        parts.append(Static(Content(note), classes="message-note"))
    if message.attachments:
        listing = Static(Content("\n").join(attachment_line(a) for a in message.attachments), classes="attachments")
        listing.border_title = f"attachments ({len(message.attachments)}) — stored, never opened"
        parts.append(listing)
    return parts


def thread_widgets(detail: CaseDetail, names: Mapping[str, str] | None = None) -> list[Widget]:
    """Every message of the case, oldest first (`names`: the roster's members by key, for who shared it)."""
    case_id = detail.summary.id
    return [
        widget
        for index, message in enumerate(detail.messages)
        for widget in message_widgets(message, index, case_id, names)
    ]


def refill_in_place(kept: list[Widget], fresh: list[Widget]) -> bool:
    """Give the thread's mounted widgets the contents, classes and titles of `fresh` ones, if both are the same
    widgets in the same order (most cases opened one after another are one message each); False if they are not.
    Mounting anew and styling what was mounted cost more than a third of opening a case."""
    if [(type(w), w.id) for w in kept] != [(type(w), w.id) for w in fresh]:
        return False
    pairs = [(old, new) for old, new in zip(kept, fresh, strict=True) if isinstance(old, Static)]
    if len(pairs) != len(kept):
        return False
    for old, new in pairs:
        assert isinstance(new, Static)  # the same type as `old`
        old.set_classes(new.classes)
        old.border_title = new.border_title
        old.update(new.content)
    return True


def _versions(impact: ImpactView) -> str:
    """The cell's versions in words after its status (' · fixed in 2.0', ' · 1.0 up to but not including 1.5')."""
    if impact.fixed_version:
        # "+ fixed in 2.0", "! affected · fixed in 2.0"
        return (
            f" in {impact.fixed_version}"
            if impact.status == ImpactStatus.FIXED
            else f" · fixed in {impact.fixed_version}"
        )
    if not impact.ranges:
        return ""
    try:
        return " · " + "; ".join(range_in_words(text) for text in impact.ranges)
    except ImpactError:  # a range stored before the rules were stricter: shown as it was written
        return " · " + "; ".join(impact.ranges)
