"""Reads `config.toml` into its declaration, refusing the first mistake with the file, the key and what is expected."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import cast

import msgspec

from triage_tui.config.explain import explain, unknown_key
from triage_tui.config.tables import Config, KeyName, Project, SavedView, SourceConfig, SourceTable, Table

NAMED_TABLES: tuple[tuple[str, object, str | None], ...] = (
    ("projects", Project, Project.named_by),
    ("sources", SourceConfig, SourceTable.named_by),
    ("views", SavedView, SavedView.named_by),
    ("keys", KeyName, None),
)
"""The tables of tables, read one entry at a time: msgspec's path to a refused value does not name the entry, and
an entry's name goes into its `named_by` field."""


class ConfigError(Exception):
    """A config problem, worded for the user: the file, the key and what was expected."""

    def __init__(self, path: Path, key: str, expected: str) -> None:
        self.path = path
        self.key = key
        self.expected = expected
        where = f"key '{key}'" if key else "the file"
        super().__init__(f"{path}: {where}: {expected}")


NOT_FOUND = (
    "not found; `triage-tui init` sets up a real workspace (your key, an encrypted store, this config), "
    "`triage-tui demo` a demo one to try"
)
"""What a missing config says: both ways to make one, the real one first."""


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", NOT_FOUND) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "", f"cannot be read ({error})") from None
    return parse_config(path, text)


def parse_config(path: Path, text: str) -> Config:
    """Validate the text of a config file; raise ConfigError on the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"not valid TOML ({error})") from None
    reader = _Reader(path)
    for field, declared, named_by in NAMED_TABLES:
        entries = data.get(field)
        if isinstance(entries, dict):
            data[field] = {
                name: reader.read(f"{field}.{name}", entry, declared, named_by, name) for name, entry in entries.items()
            }
    config = cast(Config, reader.read("", data, Config, Config.named_by, path))
    reader.check("", config)
    return config


class _Reader:
    """Reads values of one file, turning msgspec's refusals into ConfigErrors that name the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, key: str, data: object, declared: object, named_by: str | None, name: object) -> object:
        """`data`, found at `key`, as the type `declared`; a table's `name` goes into its field `named_by`."""
        if named_by is not None and isinstance(data, dict):
            if named_by in data:
                raise ConfigError(self.path, _join(key, named_by), unknown_key(declared, data, named_by))
            data = {**data, named_by: name}
        try:
            return msgspec.convert(data, declared, dec_hook=_read_path)
        except msgspec.ValidationError as error:
            refusal = explain(error, declared, data)
            raise ConfigError(self.path, _join(key, refusal.key), refusal.expected) from None

    def check(self, key: str, value: object) -> None:
        """Refuse the first rule between keys that a table of `value` (or a table inside it) breaks."""
        if isinstance(value, Mapping):
            for name, item in value.items():
                self.check(_join(key, name), item)
        if not isinstance(value, Table):
            return
        for field, encoded in zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True):
            self.check(_join(key, encoded), getattr(value, field))
        problem = value.problem()
        if problem is not None:
            raise ConfigError(self.path, _join(key, problem.key), problem.expected)


def _read_path(declared: type, value: object) -> object:
    """A path of the file, `~` expanded; msgspec reads the other types itself."""
    if declared is not Path:
        raise NotImplementedError
    if isinstance(value, Path):
        return value
    if isinstance(value, str) and value.strip():
        return Path(value).expanduser()
    raise ValueError("expected a non-empty string")


def _join(key: str, below: str) -> str:
    return f"{key}.{below}" if key and below else key or below
