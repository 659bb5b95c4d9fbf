"""Provides the reply templates and their rendering with a case's fields.

Template text is ours; the values filled in (title, reporter, ...) come from reports and are untrusted. They go
through `string.Template.safe_substitute`, which inserts each value once, as text: a title of "$coordinator" or
"${case_id}" stays literally that, and unknown placeholders are left as typed rather than raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from string import Template

from triage_tui.domain import NOT_A_VULNERABILITY_REASONS
from triage_tui.store.queries import CaseDetail
from triage_tui.untrusted import neutralise_line

NOT_A_VULNERABILITY_PREFIX = "not-a-vulnerability:"


_GREETING = "Hello $reporter,\n\n"
_SIGNATURE = "\nBest regards,\n$coordinator\nfor the Python packaging security team\n\nReference: $case_id\n"

_NOT_VULN_OPENING = (
    'Thank you for your report "$title" ($case_id) and for the care you took in writing it.\n\n'
    "We have reviewed it and concluded that it is not a security vulnerability in $projects under our security "
    "policy, for the following reason.\n\n"
)
_NOT_VULN_CLOSING = (
    "\nWe are closing the case as not-a-vulnerability. If you believe we have misunderstood the report, please "
    "reply to this message with the details we missed and we will look again.\n"
)

_NOT_VULN_BODIES: dict[str, str] = {
    "malicious-index": (
        "The report relies on the package index (or a mirror or proxy of it) being malicious or compromised. The "
        "tools trust the index they are configured to use: an attacker who controls it can already serve any code "
        "they like, so the behaviour described does not give them anything more.\n"
    ),
    "malicious-package": (
        "The report relies on building or installing a malicious package. Building or installing a package runs "
        "code from that package by design (build backends, setup.py, install hooks), so a package that runs its "
        "own code is expected behaviour, not a vulnerability in the installer.\n"
    ),
    "attacker-controls-machine": (
        "The report requires the attacker to already control the machine: the command line, the environment, a "
        "configuration file or the cache. Someone with that control can already run any code as the user, so the "
        "behaviour described does not cross a security boundary.\n"
    ),
    "arbitrary-code-step": (
        "The issue is in a step that already runs arbitrary code supplied by the same party (for example, a "
        "build step of a source distribution). A flaw there cannot give the attacker more than the step already "
        "grants them.\n"
    ),
    "vendored-not-affected": (
        "The vulnerability is in a library the tool vendors, but the tool does not use the affected code in a way "
        "that exposes it. The vendored copy will be updated in a regular release; no advisory is needed for the "
        "tool itself.\n"
    ),
}


@dataclass(frozen=True)
class ReplyTemplate:
    """One reply template: its id, what the picker shows, and the body text with `$field` placeholders."""

    id: str
    label: str
    body: str


def _letter(middle: str) -> str:
    return _GREETING + middle + _SIGNATURE


TEMPLATES: dict[str, ReplyTemplate] = {
    template.id: template
    for template in (
        ReplyTemplate(
            "acknowledgement",
            "Acknowledge receipt",
            _letter(
                'Thank you for reporting "$title" to us. We have received your report and opened case $case_id '
                "for it; please send any follow-up as a reply to this message, from the address you reported "
                "from, so that it reaches this case.\n\n"
                "$coordinator is coordinating this case. We will confirm whether we can reproduce the issue and "
                "which tools are affected ($projects, as far as we can tell so far), and keep you informed.\n\n"
                "Please do not share details of the issue with anyone else until we have agreed on a disclosure "
                "date.\n"
            ),
        ),
        ReplyTemplate(
            "more-information",
            "Request more information",
            _letter(
                'Thank you for your report "$title" ($case_id). To assess it we need a little more information:\n\n'
                "  - the exact versions of $projects and of Python you used;\n"
                "  - the operating system and how the tool was installed;\n"
                "  - the smallest set of steps (or a proof of concept) that reproduces the issue;\n"
                "  - what an attacker needs to control for the attack to work, and what they gain.\n\n"
                "Please reply to this message, encrypted to our key, with what you have.\n"
            ),
        ),
        *(
            ReplyTemplate(
                NOT_A_VULNERABILITY_PREFIX + slug,
                f"Not a vulnerability: {label}",
                _letter(_NOT_VULN_OPENING + _NOT_VULN_BODIES[slug] + _NOT_VULN_CLOSING),
            )
            for slug, label in NOT_A_VULNERABILITY_REASONS.items()
        ),
        ReplyTemplate(
            "fix-scheduled",
            "Fix scheduled, embargo agreed",
            _letter(
                'We have confirmed the issue you reported in "$title" ($case_id) and a fix for $projects is being '
                "prepared.\n\n"
                "We propose to keep the issue under embargo until $embargo_until, when the fixed releases and the "
                "advisory will be published together. Please let us know if that date does not work for you, and "
                "keep the details private until then.\n\n"
                'We would like to credit you in the advisory as "$reporter"; tell us if you prefer another name '
                "or no credit.\n"
            ),
        ),
        ReplyTemplate(
            "published",
            "Advisory published",
            _letter(
                'The fix for the issue you reported in "$title" ($case_id) has been released and the advisory '
                "for $projects is now public. The embargo is over, so you are free to discuss and publish your own "
                "write-up.\n\n"
                "Thank you again for reporting it responsibly.\n"
            ),
        ),
    )
}
"""Every reply template by id, in the order the picker shows them."""


@dataclass(frozen=True)
class ReplyDraft:
    """A reply ready to be edited: subject, body and the reporter's address it goes to."""

    template_id: str
    subject: str
    body: str
    to: str


class UnknownTemplateError(KeyError):
    """No template has the given id."""


_REPLY_PREFIX = re.compile(r"^(\s*(re|fwd?|aw)\s*:\s*)+", re.IGNORECASE)


def reply_subject(case_id: str, title: str) -> str:
    """ "Re: [PSC-2026-0001] title", on one line (a newline in a title must never reach a mail header)."""
    clean_title = _REPLY_PREFIX.sub("", neutralise_line(title))
    return f"Re: [{case_id}] {clean_title}".rstrip()


def template_fields(detail: CaseDetail, coordinator_name: str, now: datetime) -> dict[str, str]:
    """The values templates may use, each folded onto one line with control characters made visible."""
    summary = detail.summary
    embargo = summary.embargo_until
    projects = [impact.project for impact in summary.projects]
    fields = {
        "case_id": summary.id,
        "title": summary.title,
        "reporter": summary.reporter or summary.reporter_email or "reporter",
        "reporter_email": summary.reporter_email,
        "coordinator": coordinator_name,
        "embargo_until": embargo.strftime("%Y-%m-%d %H:%M UTC") if embargo else "a date we will agree with you",
        "projects": ", ".join(projects) if projects else "the affected tools",
        "state": summary.state,
        "today": now.strftime("%Y-%m-%d"),
    }
    return {name: neutralise_line(value) for name, value in fields.items()}


def render_reply(template_id: str, case_detail: CaseDetail, coordinator_name: str, now: datetime) -> ReplyDraft:
    """Fill the template `template_id` with the case's fields.

    Args:
        template_id: A key of `TEMPLATES`, e.g. "acknowledgement" or "not-a-vulnerability:malicious-package".
        case_detail: The case being answered.
        coordinator_name: Who signs the reply.
        now: The current time (used for "$today").

    Returns:
        The draft: subject "Re: [PSC-…] title", the filled body, and the reporter's address as `to`.

    Raises:
        UnknownTemplateError: If there is no such template.
    """
    template = TEMPLATES.get(template_id)
    if template is None:
        raise UnknownTemplateError(template_id)
    fields = template_fields(case_detail, coordinator_name, now)
    return ReplyDraft(
        template_id=template_id,
        subject=reply_subject(case_detail.summary.id, case_detail.summary.title),
        body=Template(template.body).safe_substitute(fields),
        to=case_detail.summary.reporter_email,
    )
