"""Counts how many records of an advisory database each export format takes, why the others are refused and what
each format leaves out: the export gate's figures over real data (the test corpus by default, or a checkout of
pypa/advisory-database's `vulns` folder).

    python bench/advisory_gate.py [PATH/TO/vulns]
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from triage_tui.advisories.formats import PublishContext, compile_advisory, gate
from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.advisories.validation import Level

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "pypa-advisory-db" / "vulns"
PACKAGES = {"pip": ["pip"], "setuptools": ["setuptools"], "twine": ["twine"], "virtualenv": ["virtualenv"]}
CONTEXT = PublishContext(
    now=datetime.now(UTC),
    publisher_name="PyPA",
    publisher_namespace="https://pypa.example.org",
    cna_org_id="f1a2b3c4-0000-4000-8000-0123456789ab",
    cna_short_name="PSF",
)
FORMATS = ("osv", "cve", "cve-cna", "ghsa", "csaf", "text")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    folder = parser.parse_args().folder
    exported: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    records = refused = 0
    for path in sorted(folder.rglob("*.yaml")):
        records += 1
        try:
            _fmt, advisory = to_record(parse_document(path.read_bytes()), "PSC-2026-0001", PACKAGES)
        except ImportError_ as error:
            refused += 1
            reasons[f"import: {error}"[:100]] += 1
            continue
        for fmt in FORMATS:
            if fmt == "cve" and not advisory.alias("CVE-"):
                continue
            try:
                compiled = compile_advisory(advisory, fmt, CONTEXT)
            except (KeyError, ValueError) as error:  # a compiler that cannot take the record at all
                reasons[f"{fmt}: the compiler failed: {error!r}"[:100]] += 1
                continue
            blocking = [p for p in gate(advisory, compiled, None, PACKAGES.keys()) if p.level == Level.ERROR]
            exported[fmt] += not blocking
            for problem in blocking:
                reasons[f"{fmt}: {problem.field}: {problem.message}"[:100]] += 1
            for field in compiled.left_out:
                dropped[f"{fmt}: {field}"] += 1
    print(f"{records} records, {refused} refused by the importer")
    for fmt in FORMATS:
        print(f"  {fmt:8} exported {exported[fmt]}")
    print("refused because:")
    for reason, count in reasons.most_common(20):
        print(f"  {count:5}  {reason}")
    print("left out:")
    for field, count in sorted(dropped.items()):
        print(f"  {count:5}  {field}")


if __name__ == "__main__":
    main()
