"""Imports every record of a checkout of pypa/advisory-database and exports it to OSV again, through the stored
form, and counts those that come back exactly as they went in (compared as parsed documents), with the time taken.

    python bench/osv_round_trip.py PATH/TO/advisory-database
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from triage_tui.advisories.importers import parse_document
from triage_tui.advisories.osv import from_osv, to_osv
from triage_tui.advisories.record import Advisory


def main() -> None:
    """Print how many records round-trip exactly, and name the others with the reason."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="a checkout of pypa/advisory-database")
    arguments = parser.parse_args()
    paths = sorted(arguments.database.glob("vulns/*/*.yaml"))
    started = time.perf_counter()
    exact = 0
    for path in paths:
        document = parse_document(path.read_bytes())
        try:
            advisory = from_osv(document, "PSC-0000-0000", {})
        except ValueError as error:
            print(f"{path.name}: not imported: {error}")
            continue
        stored = Advisory.from_json(json.loads(json.dumps(advisory.to_json())))
        now = datetime.now(UTC)
        if to_osv(advisory, now) == document == to_osv(stored, now):
            exact += 1
        else:
            print(f"{path.name}: differs after the round trip")
    elapsed = time.perf_counter() - started
    print(f"{exact} of {len(paths)} records come back exactly ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
