"""Chooses the test corpus of real advisories (tests/data/pypa-advisory-db) from a checkout of
pypa/advisory-database: every record with a rare field or shape, every record sharing an alias with another
package's, the packaging tools' own records, and a seeded sample of the rest, copied byte for byte in the
database's own layout (vulns/<package>/<id>.yaml).

    python bench/select_advisory_corpus.py PATH/TO/advisory-database [--count 300]
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import defaultdict
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "pypa-advisory-db"
PACKAGING_TOOLS = {"pip", "setuptools", "twine", "poetry", "pipenv", "virtualenv", "wheel", "pdm", "hatch", "conda"}


class _TextTimes(yaml.SafeLoader):
    """YAML whose timestamps stay text, as the database writes them."""


_TextTimes.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _unsorted(record: dict) -> bool:
    """Whether an ECOSYSTEM range lists its spans out of version order (valid OSV, read wrongly before)."""
    for affected in record.get("affected") or ():
        for range_ in affected.get("ranges") or ():
            starts = [e["introduced"] for e in range_.get("events", ()) if "introduced" in e]
            try:
                versions = [Version(v) for v in starts]
            except InvalidVersion:
                continue
            if range_.get("type") == "ECOSYSTEM" and versions != sorted(versions):
                return True
    return False


def _shapes(record: dict, text: str) -> set[str]:
    """The rare fields and shapes a record has."""
    found = {key for key in ("withdrawn", "related", "summary", "credits", "severity") if key in record}
    found |= {"no-published"} if "published" not in record else set()
    found |= {"no-aliases"} if not record.get("aliases") else set()
    found |= {"cr"} if "\r" in record.get("details", "") else set()
    found |= {"unsorted"} if _unsorted(record) else set()
    found |= {f"ref-{r['type']}" for r in record.get("references") or () if r.get("type") not in ("WEB", "ADVISORY")}
    for affected in record.get("affected") or ():
        found |= {"no-ranges"} if not affected.get("ranges") else set()
        found |= {"no-versions"} if not affected.get("versions") else set()
        found |= {"last_affected"} if "last_affected" in text else set()
        found |= {f"range-{r.get('type')}" for r in affected.get("ranges") or ()}
    return found


def select(database: Path, count: int) -> list[Path]:
    """The files of the corpus: rare shapes first (all of each, up to 12 per shape), alias groups, tools, sample."""
    files = sorted((database / "vulns").glob("*/*.yaml"))
    records = {path: yaml.load(path.read_text(encoding="utf-8"), Loader=_TextTimes) for path in files}
    chosen: dict[Path, None] = {}
    by_shape: dict[str, list[Path]] = defaultdict(list)
    by_alias: dict[str, list[Path]] = defaultdict(list)
    for path, record in records.items():
        for shape in _shapes(record, path.read_text(encoding="utf-8")):
            by_shape[shape].append(path)
        for alias in record.get("aliases") or ():
            by_alias[alias].append(path)
        if path.parent.name in PACKAGING_TOOLS:
            chosen[path] = None
    for shape in sorted(by_shape):
        if len(by_shape[shape]) < len(files) // 2:
            chosen.update(dict.fromkeys(by_shape[shape][:12]))
    shared = [paths for alias, paths in sorted(by_alias.items()) if len({p.parent for p in paths}) > 1]
    for paths in shared[:25]:
        chosen.update(dict.fromkeys(paths))
    rest = [path for path in files if path not in chosen]
    random.Random(19).shuffle(rest)
    chosen.update(dict.fromkeys(rest[: max(0, count - len(chosen))]))
    return list(chosen)


def main() -> None:
    """Copy the chosen records into the corpus folder (replacing what was there)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    target = CORPUS / "vulns"
    shutil.rmtree(target, ignore_errors=True)
    chosen = select(args.database, args.count)
    for path in chosen:
        destination = target / path.parent.name / path.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    print(f"{len(chosen)} records in {target}")


if __name__ == "__main__":
    main()
