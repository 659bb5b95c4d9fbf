"""The title of an advisory in the formats that must have one (CSAF's document title, the announcement's subject):
its summary, else what its ids and packages say."""

from __future__ import annotations

from triage_tui.advisories.record import Advisory


def title_of(advisory: Advisory) -> str:
    """The summary, else (a database rarely writes one) the record's ids and the packages it names, which say what
    the advisory is without inventing what the flaw does."""
    if advisory.summary.strip():
        return advisory.summary
    ids = ", ".join(advisory.ids()) or advisory.case_id
    names = ", ".join(dict.fromkeys(package.name for package in advisory.packages))
    return f"{ids} in {names}" if names else ids
