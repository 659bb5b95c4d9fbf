"""The advisory output formats by name, with their file suffixes and titles (cheap to import: the command line's
choices and the editor's tabs need them before any compiler)."""

from __future__ import annotations

FORMATS = ("osv", "cve", "cve-cna", "ghsa", "csaf", "text")
"""`cve` is the full record (it needs a CVE id); `cve-cna` the CNA container a CNA submits before one exists."""
FILE_SUFFIXES = {
    "osv": ".osv.json",
    "cve": ".cve.json",
    "cve-cna": ".cve-cna.json",
    "ghsa": ".ghsa.json",
    "csaf": ".csaf.json",
    "text": ".announcement.txt",
}
TITLES = {
    "osv": "OSV",
    "cve": "CVE record",
    "cve-cna": "CVE CNA container",
    "ghsa": "GHSA body",
    "csaf": "CSAF",
    "text": "Announcement",
}
