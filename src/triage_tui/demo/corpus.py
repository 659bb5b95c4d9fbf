"""Provides the demo's mail plan: seeded report texts, follow-up threads, dates and the crypto form of each message."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from triage_tui.demo.attachments import make_attachment
from triage_tui.demo.people import NEW_KEY, PROJECTS, Cast, DemoProject, Person
from triage_tui.demo.templates import (
    CLOSINGS,
    COMMANDS,
    GREETINGS,
    MAINTAINER_REPLIES,
    OPENINGS,
    REPORTER_FOLLOW_UPS,
    SIGNOFFS,
    VERSIONS,
    VULN_CLASSES,
)
from triage_tui.demo.vuln_class import VulnClass

SPREAD = timedelta(days=120)


class Form(StrEnum):
    """How a message is wrapped; the last three occur exactly once per demo."""

    ENCRYPTED_SIGNED = "encrypted-signed"  # one signed+encrypted OpenPGP message (RFC 3156 6.2)
    SIGN_THEN_ENCRYPT = "sign-then-encrypt"  # multipart/signed, encrypted as a whole (6.1)
    ENCRYPTED = "encrypted"  # encrypted, unsigned
    SIGNED = "signed"  # multipart/signed cleartext
    INLINE = "inline"  # inline PGP, signed or not
    PLAIN = "plain"
    NOT_TO_US = "not-to-us"  # encrypted only to a key the team lacks
    CORRUPTED = "corrupted"  # encrypted to us, then armour damaged


@dataclass(frozen=True)
class Letter:
    """One planned message: text and headers, plus who signs it and whom it is encrypted to (key emails)."""

    case: int
    subject: str
    sender: str
    to: str
    body: str
    date: datetime
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    attachments: tuple[tuple[str, str, bytes], ...]
    form: Form
    signer: str | None
    recipients: tuple[str, ...]
    protect_headers: bool


# Each special case comes first in a shuffled order of cases, so even a 12-case demo has all of them.
_SPECIALS = ("plain", "corrupted", "not-to-us", "alias", "stranger", "signed", "inline", "rekeyed-old", "rekeyed-new")
_FORMS = (Form.ENCRYPTED_SIGNED, Form.SIGN_THEN_ENCRYPT, Form.ENCRYPTED, Form.SIGNED, Form.INLINE)
_FORM_WEIGHTS = (62, 14, 10, 5, 5)


def _fill(text: str, values: dict[str, str]) -> str:
    # str.replace, not str.format: PoC snippets are full of braces.
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _decapitalise(title: str) -> str:
    # Keep acronyms such as "PEP" or "TLS" as they are.
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _subject(rng: random.Random, project: DemoProject, title: str, version: str) -> str:
    forms = (
        f"[{project.name}] {title}",
        f"{project.name}: {title}",
        f"Security report: {title} in {project.name}",
        f"Vulnerability in {project.name} {version}: {_decapitalise(title)}",
        f"{title} ({project.name})",
        f"[SECURITY] {project.name} - {title}",
    )
    return rng.choice(forms)


def _section(rng: random.Random, style: int, heading: str, text: str) -> str:
    if style == 0:
        return f"## {heading}\n\n{text}"
    if style == 1:
        return f"{heading}\n{'-' * len(heading)}\n{text}"
    return f"{heading}:\n{text}"


def _report_body(rng: random.Random, reporter: Person, project: DemoProject, vuln: VulnClass, version: str) -> str:
    values = {
        "tool": project.name,
        "project": project.name,
        "command": COMMANDS[project.id],
        "version": version,
    }
    style = rng.randrange(3)
    versions = VERSIONS[project.id]
    first = versions[rng.randrange(0, versions.index(version) + 1)]
    steps = "\n".join(f"{n}. {_fill(step, values)}" for n, step in enumerate(vuln.steps, 1))
    poc = "\n".join("    " + line for line in _fill(vuln.poc, values).rstrip("\n").split("\n"))
    affected = (
        f"Tested on {project.name} {version} with Python 3.{rng.choice((10, 11, 12, 13))} on "
        f"{rng.choice(('Linux', 'macOS', 'Windows 11', 'Debian 12', 'Ubuntu 24.04', 'Fedora 41'))}. "
        f"I believe every release since {first} is affected."
    )
    sections = [
        _section(rng, style, "Summary", _fill(vuln.summary, values)),
        _section(rng, style, "Affected versions", affected),
        _section(rng, style, "Steps to reproduce", steps),
        _section(rng, style, "Proof of concept", poc),
        _section(rng, style, "Impact", _fill(vuln.impact, values)),
    ]
    if rng.random() < 0.6:
        sections.append(_section(rng, style, "Severity", f"{rng.choice(vuln.vectors)} ({vuln.cwe}), my estimate."))
    greeting = _fill(rng.choice(GREETINGS), values)
    return "\n\n".join(
        [
            f"{greeting},",
            _fill(rng.choice(OPENINGS), values),
            *sections,
            rng.choice(CLOSINGS),
            f"{rng.choice(SIGNOFFS)}\n{reporter.name}",
        ]
    )


def _message_id(rng: random.Random, email: str) -> str:
    return f"<{rng.getrandbits(64):016x}.{rng.getrandbits(24):06x}@{email.partition('@')[2]}>"


def _quote(body: str) -> str:
    lines = body.split("\n")[:8]
    return "\n".join("> " + line if line else ">" for line in lines)


def _reply_subject(rng: random.Random, subject: str) -> str:
    # Most keep the subject; some change it, so threading has to rely on In-Reply-To/References.
    if rng.random() < 0.75:
        return f"Re: {subject}"
    return rng.choice(("Re: your report", "Re: follow-up", "Re: updated PoC", "Re: disclosure timeline"))


def plan_letters(cast: Cast, cases: int, rng: random.Random, now: datetime) -> list[Letter]:
    """All messages of the demo in arrival order: `cases` first reports plus their follow-ups."""
    team = cast.team.address
    weights = [p.weight for p in PROJECTS]
    order = list(range(cases))
    rng.shuffle(order)
    special = {case: kind for case, kind in zip(order, _SPECIALS, strict=False)}
    letters: list[Letter] = []
    for case in range(cases):
        kind = special.get(case)
        project = rng.choices(PROJECTS, weights)[0]
        vuln = rng.choice([v for v in VULN_CLASSES if project.id in v.projects])
        version = rng.choice(VERSIONS[project.id])
        reporter = rng.choice(cast.reporters)
        if kind == "stranger" or (kind is None and rng.random() < 0.04):
            reporter = rng.choice(cast.strangers)
        if kind == "alias":
            reporter = cast.alias_reporter
        if kind in ("rekeyed-old", "rekeyed-new"):
            reporter = cast.rekeyed_reporter
        sender = reporter.address
        if kind == "alias":
            sender = f"{reporter.name} <{cast.alias_from}>"
        form, signer, recipients = _initial_form(rng, kind, reporter, cast)
        title = rng.choice(vuln.titles)
        subject = _subject(rng, project, title, version)
        body = _report_body(rng, reporter, project, vuln, version)
        attachments: tuple[tuple[str, str, bytes], ...] = ()
        if vuln.attachment and form is not Form.INLINE and rng.random() < 0.45:
            attachments = (make_attachment(vuln.attachment, rng, project.id),)
        start = now - timedelta(seconds=rng.uniform(3600, SPREAD.total_seconds()))
        first = Letter(
            case=case,
            subject=subject,
            sender=sender,
            to=team,
            body=body,
            date=start,
            message_id=_message_id(rng, reporter.email),
            in_reply_to=None,
            references=(),
            attachments=attachments,
            form=form,
            signer=signer,
            recipients=recipients,
            protect_headers=rng.random() < 0.7,
        )
        letters.append(first)
        if kind in ("plain", "corrupted", "not-to-us", "rekeyed-old", "rekeyed-new") or rng.random() >= 0.25:
            continue
        letters.extend(_follow_ups(rng, cast, first, reporter, project, version, now))
    _old_key_first(letters, special)
    letters.sort(key=lambda letter: (letter.date, letter.case))
    return letters


def _old_key_first(letters: list[Letter], special: dict[int, str]) -> None:
    """The rekeyed reporter's report signed with the old key arrives first, so that key is the one pinned."""
    cases = {kind: case for case, kind in special.items()}
    if "rekeyed-old" not in cases or "rekeyed-new" not in cases:
        return
    at = {letter.case: index for index, letter in enumerate(letters)}
    old, new = at[cases["rekeyed-old"]], at[cases["rekeyed-new"]]  # each has one letter: no follow-ups
    if letters[new].date < letters[old].date:
        letters[old], letters[new] = (
            replace(letters[old], date=letters[new].date),
            replace(letters[new], date=letters[old].date),
        )


def _initial_form(
    rng: random.Random, kind: str | None, reporter: Person, cast: Cast
) -> tuple[Form, str | None, tuple[str, ...]]:
    """The form of a first report, its signing key and its recipients' keys."""
    to_us = (cast.team.email,)
    if kind == "plain":
        return Form.PLAIN, None, ()
    if kind == "corrupted":
        return Form.CORRUPTED, reporter.email, to_us
    if kind == "not-to-us":
        return Form.NOT_TO_US, reporter.email, (cast.outsider.email,)
    if kind in ("alias", "stranger", "rekeyed-old"):
        return Form.ENCRYPTED_SIGNED, reporter.email, to_us
    if kind == "rekeyed-new":
        return Form.ENCRYPTED_SIGNED, NEW_KEY + reporter.email, to_us
    if kind == "signed":
        return Form.SIGNED, reporter.email, ()
    if kind == "inline":
        return Form.INLINE, reporter.email, to_us
    form = rng.choices(_FORMS, _FORM_WEIGHTS)[0]
    if form is Form.ENCRYPTED:
        return form, None, to_us
    if form is Form.SIGNED:
        return form, reporter.email, ()
    if form is Form.INLINE:
        return form, reporter.email if rng.random() < 0.5 else None, to_us
    return form, reporter.email, to_us


def _follow_ups(
    rng: random.Random,
    cast: Cast,
    first: Letter,
    reporter: Person,
    project: DemoProject,
    version: str,
    now: datetime,
) -> list[Letter]:
    """One to three replies in the thread of `first`, alternating between maintainer and reporter."""
    replies: list[Letter] = []
    parent = first
    when = first.date
    from_maintainer = rng.random() < 0.6
    for _ in range(rng.choice((1, 1, 2, 3))):
        when += timedelta(seconds=rng.uniform(2 * 3600, 6 * 86400))
        if from_maintainer:
            author = rng.choice(cast.maintainers[project.id])
            text = rng.choice(MAINTAINER_REPLIES)
            recipients: tuple[str, ...] = (cast.team.email, reporter.email)
            to = f"{reporter.address}, {cast.team.address}"
        else:
            author = reporter
            text = _fill(rng.choice(REPORTER_FOLLOW_UPS), {"version": version})
            recipients = (cast.team.email,)
            to = cast.team.address
        body = (
            f"On {parent.date:%a, %d %b %Y}, {parent.sender} wrote:\n{_quote(parent.body)}\n\n{text}\n\n{author.name}"
        )
        reply = Letter(
            case=first.case,
            subject=_reply_subject(rng, first.subject),
            sender=author.address,
            to=to,
            body=body,
            date=when,
            message_id=_message_id(rng, author.email),
            in_reply_to=parent.message_id,
            references=(*parent.references, parent.message_id),
            attachments=(),
            form=Form.SIGN_THEN_ENCRYPT if rng.random() < 0.2 else Form.ENCRYPTED_SIGNED,
            signer=author.email,
            recipients=recipients,
            protect_headers=rng.random() < 0.7,
        )
        # Late replies are planned but dropped, so `now` never changes what the seed draws.
        if when < now:
            replies.append(reply)
        parent = reply
        from_maintainer = not from_maintainer
    return replies
