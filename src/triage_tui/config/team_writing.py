"""Writes the `config.toml` text `team join` needs: a new workspace's whole file, or the `[team]` tables added to an
existing one; every value goes in as an escaped TOML string, so no value can add a key or a table."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What json.dumps leaves raw in a string that a TOML basic string may not hold (DEL) or a reader should not see raw
# (C1 controls, bidi and invisible format characters, line and paragraph separators): escaped as \\uXXXX.
_ESCAPED = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class TeamConfigError(ValueError):
    """The config cannot take the team's tables; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class TeamJoinSettings:
    """Everything `team join` writes: the joiner's identity, the team and its server (with how the joiner's own
    password is found: exactly one of `password_command` or `password_env`)."""

    name: str
    email: str
    fingerprint: str
    coordinators: tuple[str, ...]
    prefix: str
    host: str
    port: int
    security: str
    username: str
    password_command: str | None = None
    password_env: str | None = None
    gnupg_home: Path | None = None
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        if (self.password_command is None) == (self.password_env is None):
            raise TeamConfigError("give exactly one of a password command or a password environment variable")


def toml_string(value: str) -> str:
    """`value` as a TOML basic string (a JSON string literal is one, once DEL and the like are escaped too)."""
    if _SURROGATE.search(value):
        raise TeamConfigError("a value holds a lone surrogate, which no TOML file can")
    return _ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(value, ensure_ascii=False))


def new_config_text(settings: TeamJoinSettings) -> str:
    """A new workspace's `config.toml`: `[identity]`, `[team]` and `[team.server]`, no sources (a member reads the
    team's folders only)."""
    lines = [
        "# Written by `triage-tui team join`.",
        "",
        "[identity]",
        f"name = {toml_string(settings.name)}",
        f"email = {toml_string(settings.email)}",
        f"fingerprint = {toml_string(settings.fingerprint)}",
    ]
    if settings.gnupg_home is not None:
        lines.append(f"gnupg_home = {toml_string(str(settings.gnupg_home))}")
    text = "\n".join(lines) + "\n\n" + team_tables_text(settings)
    _check(text, settings, identity=True)
    return text


def with_team_tables(existing: str, settings: TeamJoinSettings) -> str:
    """`existing` config text with the team's tables added at its end; TeamConfigError (one line) when it is not
    valid TOML, already has a `[team]`, or acts as another key than the one invited."""
    try:
        data = tomllib.loads(existing)
    except tomllib.TOMLDecodeError as error:
        raise TeamConfigError(f"the config is not valid TOML ({error}); fix it before joining") from None
    if "team" in data:
        raise TeamConfigError("the config already has a [team] table; remove it, or join in a new workspace")
    identity = data.get("identity")
    fingerprint = identity.get("fingerprint") if isinstance(identity, dict) else None
    if isinstance(fingerprint, str) and fingerprint.replace(" ", "").upper() != settings.fingerprint:
        raise TeamConfigError(
            "the config's [identity] is another key than the one invited; join in a new workspace, or change it"
        )
    text = existing if existing.endswith("\n") or not existing else existing + "\n"
    text += "\n" + team_tables_text(settings)
    _check(text, settings, identity=False)
    return text


def team_tables_text(settings: TeamJoinSettings) -> str:
    """`[team]` (founding coordinators, folder prefix) and `[team.server]` (the joiner's own IMAP account)."""
    lines = [
        "[team]",
        f"coordinators = [{', '.join(toml_string(fpr) for fpr in settings.coordinators)}]",
        f"prefix = {toml_string(settings.prefix)}",
        "",
        "[team.server]",
        f"host = {toml_string(settings.host)}",
        f"port = {int(settings.port)}",
        f"security = {toml_string(settings.security)}",
        f"username = {toml_string(settings.username)}",
    ]
    if settings.password_command is not None:
        lines.append(f"password_command = {toml_string(settings.password_command)}")
    if settings.password_env is not None:
        lines.append(f"password_env = {toml_string(settings.password_env)}")
    if settings.ca_file is not None:
        lines.append(f"ca_file = {toml_string(str(settings.ca_file))}")
    return "\n".join(lines) + "\n"


def _check(text: str, settings: TeamJoinSettings, *, identity: bool) -> None:
    """Read the written text back: the team tables (and the identity) hold exactly the settings, nothing more."""
    data = tomllib.loads(text)
    if data.get("team") != _team_data(settings) or (identity and data.get("identity") != _identity_data(settings)):
        raise TeamConfigError("the team's tables did not read back as written; nothing was written")


def _team_data(settings: TeamJoinSettings) -> dict[str, Any]:
    server: dict[str, Any] = {
        "host": settings.host,
        "port": int(settings.port),
        "security": settings.security,
        "username": settings.username,
    }
    for key, value in (
        ("password_command", settings.password_command),
        ("password_env", settings.password_env),
        ("ca_file", str(settings.ca_file) if settings.ca_file is not None else None),
    ):
        if value is not None:
            server[key] = value
    return {"coordinators": list(settings.coordinators), "prefix": settings.prefix, "server": server}


def _identity_data(settings: TeamJoinSettings) -> dict[str, Any]:
    found: dict[str, Any] = {"name": settings.name, "email": settings.email, "fingerprint": settings.fingerprint}
    if settings.gnupg_home is not None:
        found["gnupg_home"] = str(settings.gnupg_home)
    return found
