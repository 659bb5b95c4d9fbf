"""Finds the advisory files an import reads: each file named, and the advisory files under each folder named (the
command line's `import` and the inbox's import dialog share it)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".json", ".yaml", ".yml")
"""What a folder is searched for; a file named on the command line is read whatever its name."""
MAX_FOLDER_FILES = 1_000_000
"""More files than any advisory database holds: a folder past it is refused rather than walked for ever."""


def collect(paths: Iterable[Path]) -> tuple[list[Path], int]:
    """The files to import: each file named, and every *.json, *.yaml and *.yml under each folder named (sorted,
    symbolic links not followed); and how many other files the folders held."""
    files: list[Path] = []
    skipped = 0
    for path in paths:
        if not path.is_dir():
            files.append(path)  # read (or refused as unreadable) like any file named
            continue
        found: list[Path] = []
        for top, folders, names in os.walk(path):  # symbolic links to folders are not followed
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in names:
                candidate = Path(top) / name
                if candidate.suffix.lower() in SUFFIXES and not candidate.is_symlink():
                    found.append(candidate)
                else:
                    skipped += 1
            if len(found) > MAX_FOLDER_FILES:
                raise ValueError(f"{path} holds more than {MAX_FOLDER_FILES} advisory files")
        files += sorted(found)
    return files, skipped
