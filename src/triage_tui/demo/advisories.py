"""Drafts the demo's advisories the way an author would after the matrix is filled: for the newest report of the
first three flaws, the details, a weakness, a vector, links and the credits' consent, so the editor opens on real
work (the other reports keep their first fill, to show what validation asks for)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from triage_tui.advisories.record import Consent, Reference, ReferenceType, weakness
from triage_tui.config import Config
from triage_tui.demo.matrix import scenario_cases
from triage_tui.services.advisory_drafts import AdvisoryDrafts

if TYPE_CHECKING:
    from triage_tui.store.store import Store

DRAFTS = (
    (
        "Installers write outside the target directory when unpacking a crafted wheel",
        "A wheel whose RECORD names members with `../` path components is unpacked outside the installation "
        "scheme's directories. Installing such a wheel, or resolving a dependency to it, can overwrite files the "
        "user can write, such as shell start-up files.\n\nUpgrade pip to 24.1 and uv to 0.4.30 or later.",
        ("CWE-22",),
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:H/VA:H/SC:N/SI:N/SA:N",
        "https://github.com/pypa/pip/pull/12700",
    ),
    (
        "Build back-ends follow tar symlinks out of the build directory",
        "Extracting a source distribution whose tar archive holds a symbolic link to a directory outside the build "
        "directory, followed by a member written through that link, writes outside the build directory.",
        ("CWE-59",),
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:H/A:N",
        None,
        "https://github.com/pypa/setuptools/pull/4600",
    ),
    (
        "Upload credentials from .netrc are written to verbose logs",
        "With verbose output, the password found in `.netrc` for the index is printed in the request log. CI logs "
        "that are public then disclose an upload token.",
        ("CWE-532",),
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
        "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
        "https://github.com/pypa/twine/pull/1100",
    ),
)


def fill_demo_advisories(store: Store, config: Config) -> int:
    """Save a worked draft for the newest report of each of the first flaws; how many were saved."""
    drafts = AdvisoryDrafts(store, config.identity.email, config)
    saved = 0
    for case_ids, (summary, details, cwes, v3, v4, fix) in zip(scenario_cases(store), DRAFTS, strict=False):
        if not case_ids:
            continue
        first = drafts.load(case_ids[0]).advisory
        drafts.save(
            replace(
                first,
                summary=summary,
                details=details,
                weaknesses=tuple(weakness(cwe) for cwe in cwes),
                cvss_v3=v3,
                cvss_v4=v4,
                references=(*first.references, Reference(ReferenceType.FIX, fix)),
                credits=tuple(replace(c, consent=Consent.ACCEPTED) for c in first.credits),
            )
        )
        saved += 1
    return saved
