"""Every output format of an advisory behind one call: compile the record to a format's text, with the problems
that format's own rules find (CVE's schema through cvelib, CSAF's mandatory tests, GitHub's limits) and what it
cannot hold; and the gate that judges one export."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from triage_tui.advisories.format_names import FORMATS
from triage_tui.advisories.left_out import left_out
from triage_tui.advisories.record import Advisory, PackageImpact
from triage_tui.advisories.validation import Level, Problem, validate
from triage_tui.untrusted import json_text

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class PublishContext:
    """What a format needs beyond the record: when, who publishes, and the embargo."""

    now: datetime
    publisher_name: str
    publisher_namespace: str
    first_saved: datetime | None = None
    """When the draft was first saved (CSAF's initial release date); `now` when never."""
    cna_org_id: str | None = None
    cna_short_name: str | None = None
    vendors: Mapping[str, str] = field(default_factory=dict)
    """Each project's vendor, as CVE names it (its repository's owner)."""
    embargo_until: datetime | None = None

    @property
    def embargoed(self) -> bool:
        """Whether the case is under embargo right now."""
        return self.embargo_until is not None and self.embargo_until > self.now


@dataclass(frozen=True)
class Compiled:
    """One format's output and what its own rules say of it."""

    format: str
    text: str
    problems: tuple[Problem, ...] = ()
    left_out: tuple[str, ...] = ()
    """The record's fields this format cannot hold, so the export drops them (`left_out.left_out`)."""


def _document(advisory: Advisory, fmt: str, context: PublishContext) -> dict[str, Any]:
    # Each compiler is imported when asked for, so opening the editor pays only for the preview shown.
    if fmt == "osv":
        from triage_tui.advisories.osv import to_osv

        return to_osv(advisory, context.now)
    if fmt in ("cve", "cve-cna"):
        from triage_tui.advisories.cve import to_cve_cna, to_cve_record

        compile_cve = to_cve_record if fmt == "cve" else to_cve_cna
        return compile_cve(
            advisory,
            org_id=context.cna_org_id,
            short_name=context.cna_short_name,
            vendors=context.vendors,
            date_public=context.embargo_until,
        )
    if fmt == "ghsa":
        from triage_tui.advisories.ghsa import to_ghsa_file

        return to_ghsa_file(advisory)
    if fmt == "csaf":
        from triage_tui.advisories.csaf import to_csaf

        return to_csaf(
            advisory,
            publisher_name=context.publisher_name,
            publisher_namespace=context.publisher_namespace,
            initial_release=context.first_saved or context.now,
            current_release=context.now,
            embargo_until=context.embargo_until,
        )
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


@cache
def _cve_validator(fmt: str, rejected: bool) -> Draft7Validator:
    """A validator over the CVE Program's schema that cvelib ships (the full record, or the CNA container of a
    published or a rejected record), built once: the editor re-checks on every keystroke's pause."""
    from cvelib.cve_api import CveRecord
    from jsonschema import Draft7Validator
    from jsonschema.validators import extend

    if fmt == "cve":
        schema = CveRecord.Schemas.V5_SCHEMA
    else:
        schema = CveRecord.Schemas.CNA_REJECTED if rejected else CveRecord.Schemas.CNA_PUBLISHED
    with open(str(schema), encoding="utf-8") as handle:
        # jsonschema compares every pair of items for `uniqueItems`: a product's 2,000 versions took 2.4 s, 4,000
        # took 9.5 s, and a case merging many records' versions minutes. Our documents are JSON we made (strings,
        # numbers, lists, objects), so equal items have equal canonical texts: one pass with a set says the same.
        linear = extend(Draft7Validator, {"uniqueItems": _unique_items})  # type: ignore[no-untyped-call]
        return linear(json.load(handle))  # type: ignore[no-any-return]


def _unique_items(_validator: object, unique: object, instance: object, _schema: object) -> Iterator[ValidationError]:
    """`uniqueItems` in one pass: items are equal when their canonical JSON texts are (keys sorted)."""
    from jsonschema.exceptions import ValidationError

    if not unique or not isinstance(instance, list):
        return
    seen: set[str] = set()
    for item in instance:
        text = json.dumps(item, sort_keys=True, ensure_ascii=False)
        if text in seen:
            shown = repr(item)
            shown = shown if len(shown) <= EXCERPT else f"{shown[: EXCERPT - 3]}..."
            yield ValidationError(f"{shown} is listed twice (items must be unique)")
            return
        seen.add(text)


def _cve_problems(advisory: Advisory, document: dict[str, Any], fmt: str, context: PublishContext) -> list[Problem]:
    """What keeps `document` from being a valid CVE record (`fmt` "cve" or "cve-cna"): missing config or CVE id
    first, else the official schema's complaints."""
    found: list[Problem] = []
    if not context.cna_org_id:
        found.append(Problem(fmt, "set [advisories] cna_org_id in config.toml: the UUID of the publishing CNA"))
    if fmt == "cve" and not document.get("cveMetadata", {}).get("cveId"):
        found.append(Problem("aliases", "a CVE record needs a CVE id: add it to the aliases, or export cve-cna"))
    if found:
        return found  # the schema's own words for these are long and say less
    for failure in _cve_validator(fmt, advisory.withdrawn is not None).iter_errors(document):
        found.append(Problem(fmt, schema_failure(failure)))
    return found


def schema_failure(failure: ValidationError) -> str:
    """One schema failure as `PATH: what is wrong`: for a oneOf or anyOf (a CVE record is either published or
    rejected) the branch's failure that fits best, and never more of the failing value than a short excerpt."""
    from jsonschema.exceptions import best_match

    while failure.validator in ("oneOf", "anyOf") and failure.context:
        # The branch the value came closest to (fewest failures: a published record fails the rejected branch
        # everywhere), then that branch's most telling failure.
        branches: dict[object, list[ValidationError]] = {}
        for inner in failure.context:
            branches.setdefault(inner.relative_schema_path[0], []).append(inner)
        closest = min(branches.values(), key=len)
        failure = best_match(closest) or closest[0]
    path = "/".join(str(part) for part in failure.absolute_path) or "(record)"
    message = failure.message
    shown = repr(failure.instance)
    if len(shown) > EXCERPT:
        message = message.replace(shown, f"{shown[: EXCERPT - 3]}...")
    return f"{path}: {_short(message)}"


EXCERPT = 40
"""How much of a failing value a schema failure shows."""


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."


def _format_problems(advisory: Advisory, fmt: str, document: dict[str, Any], context: PublishContext) -> list[Problem]:
    if fmt in ("cve", "cve-cna"):
        return _cve_problems(advisory, document, fmt, context)
    if fmt == "csaf":
        from triage_tui.advisories.csaf_checks import csaf_problems, csaf_warnings

        return [Problem("csaf", message) for message in csaf_problems(document)] + [
            Problem("csaf", message, Level.WARNING) for message in csaf_warnings(document)
        ]
    if fmt in ("osv", "ghsa") and advisory.affected() and not document.get(_LISTS[fmt]):
        # None affected at all is validation's to say; here every affected one is conda's (left out, and listed).
        spelled = "OSV" if fmt == "osv" else "GitHub"
        level = Level.WARNING if fmt == "osv" else Level.ERROR  # GitHub's API needs a vulnerability, OSV none
        return [Problem("packages", f"no affected PyPI package: {spelled} lists only PyPI packages", level)]
    return []


_LISTS = {"osv": "affected", "ghsa": "vulnerabilities"}
LEFT_OUT = "left out"
"""The field of the warning that names what a format drops."""


def left_out_warning(fmt: str, fields: tuple[str, ...]) -> Problem:
    """The warning an export shows for what `fmt` drops."""
    return Problem(LEFT_OUT, f"not carried by {fmt}: {', '.join(fields)}", Level.WARNING)


def gate(
    advisory: Advisory,
    compiled: Compiled,
    matrix: Sequence[PackageImpact] | None = None,
    projects: Collection[str] | None = None,
) -> list[Problem]:
    """Everything said of one export: the record's problems as `compiled`'s format judges them (errors only for
    what it requires and for malformed data) and that format's own; its errors block the export."""
    return [*validate(advisory, matrix, fmt=compiled.format, projects=projects), *compiled.problems]


def compile_advisory(advisory: Advisory, fmt: str, context: PublishContext) -> Compiled:
    """The text of `advisory` in `fmt` and the problems that format's rules find in it."""
    if fmt == "text":
        from triage_tui.advisories.announcement import to_announcement

        text = to_announcement(advisory, embargo_until=context.embargo_until, now=context.now)
        dropped = left_out(advisory, fmt)
        return Compiled(fmt, text, (left_out_warning(fmt, dropped),) if dropped else (), dropped)
    try:
        document = _document(advisory, fmt, context)
    except ValueError as error:  # what a format cannot express (GitHub's one-interval ranges, say)
        return Compiled(fmt, "", (Problem(fmt, str(error)),))
    text = json_text(document) + "\n"
    dropped = left_out(advisory, fmt)
    problems = _format_problems(advisory, fmt, document, context)
    if dropped:
        problems.append(left_out_warning(fmt, dropped))
    return Compiled(fmt, text, tuple(problems), dropped)
