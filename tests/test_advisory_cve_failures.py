"""Tests for how a CVE schema failure is worded (the branch of a oneOf that fits, its path, and a short excerpt of
the failing value, never the whole record) and for the announcement's title when a record has no summary."""

from __future__ import annotations

from dataclasses import replace

from test_advisory_gate import CONTEXT, full_advisory
from triage_tui.advisories.formats import compile_advisory


def test_a_cve_schema_failure_names_the_path_and_shows_only_an_excerpt() -> None:
    advisory = replace(full_advisory(), summary="x" * 300)  # longer than a CNA container's title may be
    for fmt, path in (("cve", "containers/cna/title"), ("cve-cna", "title")):
        (problem,) = [p for p in compile_advisory(advisory, fmt, CONTEXT).problems if p.field == fmt]
        assert problem.message.startswith(f"{path}: "), problem.message
        assert "is too long" in problem.message
        assert "dataType" not in problem.message and "x" * 60 not in problem.message


def test_an_announcement_without_a_summary_is_titled_like_csaf() -> None:
    from triage_tui.advisories.titles import title_of

    advisory = replace(full_advisory(), summary="")
    text = compile_advisory(advisory, "text", CONTEXT).text
    subject, blank, heading = text.splitlines()[:3]
    assert subject == f"Subject: [SECURITY] {title_of(advisory)}" and "PYSEC-2026-7000" in subject
    assert blank == "" and heading == title_of(advisory)
