"""Provides the demo's `config.toml`, written per the config contract and validated by loading it back."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from triage_tui.config import Config, load_config
from triage_tui.demo.people import PROJECTS, Person

SOURCE_NAME = "demo-inbox"
SENT_MAIL = "sent-mail"
"""The demo workspace's folder of replies its SMTP sink received."""
# The first line of every demo config: a later demo run may replace a workspace that starts with it.
DEMO_MARKER = "# Demo workspace written by `triage-tui demo`."


def toml_string(value: str) -> str:
    # A JSON string literal is a valid TOML basic string for everything we write (escapes included).
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def demo_cna_id(email: str) -> str:
    """A version-4-shaped UUID (what CVE records require), the same for every demo of the same team."""
    return str(uuid.UUID(bytes=hashlib.sha256(email.encode()).digest()[:16], version=4))


def render_config(
    team: Person,
    fingerprint: str,
    gnupg_home: Path,
    maintainers: Mapping[str, Sequence[str]],
    maildir: Path,
) -> str:
    """The text of the demo config: identity, the nine projects and one Maildir source."""
    lines = [
        *config_head(team, fingerprint, gnupg_home, maintainers),
        "",
        f"[sources.{SOURCE_NAME}]",
        'kind = "maildir"',
        f"path = {toml_string(str(maildir))}",
        "",
        *smtp_lines(team, maildir.parent / SENT_MAIL),
    ]
    return "\n".join(lines)


def loopback_port() -> int:
    """A TCP port free on loopback now, for the demo's SMTP sink (the sink binds it only while it sends)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_lines(team: Person, sent_mail: Path) -> list[str]:
    """The demo's `[smtp]`: a sink on loopback, run by triage-tui itself while it sends, keeping each reply as a
    .eml file in `sent_mail` (see triage_tui.replies.smtp_sink for why it is not a server left running)."""
    return [
        "# Replies go to an SMTP sink triage-tui runs on loopback while it sends; each is kept in sent-mail/.",
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {loopback_port()}",
        'security = "none"',
        f"from = {toml_string(team.email)}",
        f"sink = {toml_string(str(sent_mail))}",
        "",
    ]


def config_head(
    team: Person, fingerprint: str, gnupg_home: Path, maintainers: Mapping[str, Sequence[str]]
) -> list[str]:
    """The lines every demo config starts with: the marker, identity, advisories and the nine projects."""
    lines = [
        f"{DEMO_MARKER} Its keys are throwaway; do not reuse them.",
        "",
        "[identity]",
        f"name = {toml_string(team.name)}",
        f"email = {toml_string(team.email)}",
        f"fingerprint = {toml_string(fingerprint)}",
        f"gnupg_home = {toml_string(str(gnupg_home))}",
        "",
        "[advisories]",
        f"publisher_name = {toml_string(team.name)}",
        f"publisher_namespace = {toml_string('https://' + team.email.rpartition('@')[2])}",
        "# A made-up CNA for the demo: a real one is the UUID CVE Services gave the CNA that publishes.",
        f"cna_org_id = {toml_string(demo_cna_id(team.email))}",
        'cna_short_name = "demo-cna"',
    ]
    for project in PROJECTS:
        lines += [
            "",
            f"[projects.{project.id}]",
            f"name = {toml_string(project.name)}",
            f"packages = {_toml_list(project.packages)}",
            f"repository = {toml_string(project.repository)}",
            f"security_contact = {toml_string(project.security_contact)}",
            f"maintainers = {_toml_list(maintainers.get(project.id, ()))}",
        ]
    return lines


def write_config(path: Path, text: str) -> Config:
    """Write `text` to `path` atomically and return it parsed, so a contract violation fails the build."""
    staging = path.with_name(path.name + ".tmp")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)
    return load_config(path)
