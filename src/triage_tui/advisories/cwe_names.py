"""Official names of CWE weaknesses, from MITRE's CWE catalogue as the `cwe2` package ships it (CWE 4.14)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import cache

CWE_ID = re.compile(r"^CWE-[1-9][0-9]{0,5}$")
WEAKNESS_TAG = "Weakness"
SKIPPED_TAGS = frozenset({"Category", "View", "External_Reference"})
"""The catalogue's other entries: parsed and dropped at once, so the 15 MB file never sits in memory whole."""


@cache
def catalogue() -> dict[str, str]:
    """Every weakness of the catalogue by id ("CWE-94"), with its official name; read once, on first use (about
    0.2 s), so a start that never names a CWE never pays for it."""
    from cwe2.mappings import xml_database_path

    names: dict[str, str] = {}
    # The catalogue is the installed package's own file, not input from outside.
    for _event, element in ET.iterparse(xml_database_path, events=("end",)):  # noqa: S314
        tag = element.tag.rpartition("}")[2]
        if tag == WEAKNESS_TAG:
            # A few names end in a stray space in MITRE's XML; the name itself (and CSAF's copy of it) has none.
            names[f"CWE-{element.get('ID', '')}"] = " ".join((element.get("Name") or "").split())
            element.clear()
        elif tag in SKIPPED_TAGS:
            element.clear()
    return names


def cwe_name(cwe_id: str) -> str:
    """The official name of a CWE weakness, or "" for an id the catalogue does not hold (a newer CWE, a category)."""
    return catalogue().get(cwe_id, "") if CWE_ID.match(cwe_id) else ""


def official_name(cwe_id: str, stated: str) -> str:
    """The name an imported weakness gets: the catalogue's for a CWE it holds (whatever the record said, so a CSAF
    export passes test 6.1.11), else the record's own text."""
    return cwe_name(cwe_id) or stated
