"""Declares `config.toml`: one struct per table, the type of each key, and the rules between keys of a table."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, ClassVar, Literal, NamedTuple, get_args

import msgspec
from msgspec import Meta
from msgspec.structs import force_setattr

from triage_tui.config.rules import clear_text_refusal, clear_text_security

Text = Annotated[str, Meta(pattern=r"\S")]
"""A string with something in it: a blank one is refused."""
Port = Annotated[int, Meta(ge=1, le=65535)]
Fingerprint = Annotated[
    str, Meta(pattern=r"^ *(?:[0-9A-Fa-f] *){40}\Z", extra={"expected": "a 40-hex-digit key fingerprint"})
]
"""A key fingerprint as the file may write it: 40 hex digits, in either case, spaces anywhere (gpg prints groups)."""
KeyName = Annotated[str, Meta(pattern=r"\S", extra={"expected": 'a key name such as "ctrl+o" or "enter,o"'})]
WebAddress = Annotated[str, Meta(pattern=r"^https?://", extra={"expected": "a URL such as https://example.org"})]
Security = Literal["tls", "starttls", "none"]
Severity = Literal["critical", "high", "medium", "low", "none", "unscored"]

IMAP_SECURITY: tuple[str, ...] = get_args(Security)
REFUSED_PASSWORD: Mapping[str, str] = {
    "password": "plain passwords are not allowed; use password_command or password_env"
}
"""The key a connection's table refuses, with why."""


def normal_fingerprint(value: str) -> str:
    """A fingerprint as gpg and the store compare it: no spaces, upper case."""
    return value.replace(" ", "").upper()


def cna_uuid(value: str) -> str | None:
    """The canonical form of a CNA's id (a version-4 UUID, as CVE Services issues them); None when it is not one."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return str(parsed) if parsed.version == 4 else None


class Problem(NamedTuple):
    """A rule between keys that a table breaks: the key (below the table) to change, and what is expected."""

    key: str
    expected: str


class Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One table of the file; reading it refuses a key it does not declare, a value of the wrong type or range."""

    named_by: ClassVar[str | None] = None
    """The field that holds the table's name in the file (`[projects.NAME]`), which the table itself may not set."""
    refused_keys: ClassVar[Mapping[str, str]] = {}
    """Keys the table does not take, with why (more helpful than "unknown key")."""

    def problem(self) -> Problem | None:
        """The first rule between this table's keys that it breaks, if any: checked when the file is read (code may
        build a table as it likes; connections check their security rules again)."""
        return None


class Identity(Table, frozen=True):
    """Who this workstation acts as: the key that decrypts reports and signs events."""

    name: Text
    email: Text
    fingerprint: Fingerprint
    gnupg_home: Path | None = None

    def __post_init__(self) -> None:
        force_setattr(self, "fingerprint", normal_fingerprint(self.fingerprint))


class Project(Table, frozen=True):
    """A packaging tool or service whose maintainers form a trust boundary."""

    id: str
    name: Text = ""
    """Its display name; its id when unset."""
    packages: tuple[Text, ...] = ()
    repository: Text | None = None
    security_contact: Text | None = None
    maintainers: tuple[Text, ...] = ()
    named_by = "id"

    def __post_init__(self) -> None:
        if not self.name:
            force_setattr(self, "name", self.id)
        force_setattr(self, "maintainers", tuple(normal_fingerprint(fpr) for fpr in self.maintainers))


class SourceTable(Table, frozen=True, tag_field="kind"):
    """A `[sources.NAME]` table: its `kind` says which of the source tables below it is."""

    name: str
    named_by = "name"

    @property
    def kind(self) -> str:
        """The source's kind (`imap`, `github`, `maildir`)."""
        return str(self.__struct_config__.tag)


class ImapSourceConfig(SourceTable, frozen=True, tag="imap"):
    """A shared IMAP mailbox."""

    host: Text
    username: Text
    port: Port = 0
    """0 (unset) means the port of `security`: 993 for tls, else 143."""
    security: Security = "tls"
    password_command: Text | None = None
    password_env: Text | None = None
    folders: tuple[Text, ...] = ("INBOX",)
    ca_file: Path | None = None
    refused_keys = REFUSED_PASSWORD

    def __post_init__(self) -> None:
        if not self.port:
            force_setattr(self, "port", 993 if self.security == "tls" else 143)
        if not self.folders:
            force_setattr(self, "folders", ("INBOX",))

    def problem(self) -> Problem | None:
        if self.password_command is None and self.password_env is None:
            return Problem("password_command", "missing; set password_command or password_env")
        refusal = clear_text_security(self.security, self.host)
        return Problem("security", refusal) if refusal is not None else None


class GithubSourceConfig(SourceTable, frozen=True, tag="github"):
    """A GitHub-compatible security-advisories API."""

    repositories: tuple[Text, ...]
    api_url: Text = "https://api.github.com"
    token_env: Text | None = None
    token_command: Text | None = None

    def problem(self) -> Problem | None:
        refusal = clear_text_refusal(self.api_url)
        return Problem("api_url", refusal) if refusal is not None else None


class MaildirSourceConfig(SourceTable, frozen=True, tag="maildir"):
    """A local Maildir folder of reports."""

    path: Path


SourceConfig = ImapSourceConfig | GithubSourceConfig | MaildirSourceConfig
SOURCE_KINDS: tuple[str, ...] = tuple(str(kind.__struct_config__.tag) for kind in get_args(SourceConfig))


class SmtpConfig(Table, frozen=True):
    """Where replies to reporters are sent."""

    host: Text
    from_address: Text = msgspec.field(name="from")
    port: Port = 0
    """0 (unset) means the port of `security`: 465 for tls, else 587."""
    security: Security = "starttls"
    username: Text | None = None
    password_command: Text | None = None
    password_env: Text | None = None
    ca_file: Path | None = None
    sink: Path | None = None
    """A folder: triage-tui runs an SMTP sink on host:port (loopback) while it sends, keeping each mail there as a
    .eml file instead of delivering it (the demo's outbox)."""
    refused_keys = REFUSED_PASSWORD

    def __post_init__(self) -> None:
        if not self.port:
            force_setattr(self, "port", 465 if self.security == "tls" else 587)

    def problem(self) -> Problem | None:
        if self.sink is not None and self.security != "none":
            return Problem("security", '"none" with a sink (it listens on loopback, without TLS)')
        refusal = clear_text_security(self.security, self.host)
        return Problem("security", refusal) if refusal is not None else None


class AdvisoryConfig(Table, frozen=True):
    """Who publishes the advisories (`[advisories]`): named in CSAF documents and CVE records."""

    publisher_name: Text | None = None
    """The organisation publishing (CSAF `publisher.name`); the identity's name when unset."""
    publisher_namespace: WebAddress | None = None
    """Its web address (CSAF `publisher.namespace`); https:// and the identity's mail domain when unset."""
    cna_org_id: Text | None = None
    """The UUID of the CNA that will publish CVE records (CVE `providerMetadata.orgId`)."""
    cna_short_name: Text | None = None

    def __post_init__(self) -> None:
        if self.cna_org_id is not None:
            force_setattr(self, "cna_org_id", cna_uuid(self.cna_org_id) or self.cna_org_id)

    def problem(self) -> Problem | None:
        if self.cna_org_id is not None and cna_uuid(self.cna_org_id) is None:
            return Problem("cna_org_id", "expected the CNA's UUID (version 4, from CVE Services)")
        return None


TEAM_SERVER = "team.server"
"""The name the inline team server goes by in errors (its table's key)."""


class TeamServerConfig(Table, frozen=True):
    """The team's own IMAP server (`[team.server]`), for a workstation with no reports source (a maintainer's): the
    connection of an imap source, without folders (the team's folders follow from `[team]`)."""

    host: Text
    username: Text
    port: Port = 0
    """0 (unset) means the port of `security`: 993 for tls, else 143."""
    security: Security = "tls"
    password_command: Text | None = None
    password_env: Text | None = None
    ca_file: Path | None = None
    refused_keys = {
        **REFUSED_PASSWORD,
        "folders": "not taken here: the team's folders are [team] folder, or prefix + coordinators / a project",
    }

    def __post_init__(self) -> None:
        if not self.port:
            force_setattr(self, "port", 993 if self.security == "tls" else 143)

    def problem(self) -> Problem | None:
        if self.password_command is None and self.password_env is None:
            return Problem("password_command", "missing; set password_command or password_env")
        refusal = clear_text_security(self.security, self.host)
        return Problem("security", refusal) if refusal is not None else None

    def as_source(self) -> ImapSourceConfig:
        """The connection as an imap source named `team.server` (so its errors name this table), without folders."""
        return ImapSourceConfig(
            name=TEAM_SERVER, host=self.host, username=self.username, port=self.port, security=self.security,
            password_command=self.password_command, password_env=self.password_env, ca_file=self.ca_file,
        )  # fmt: skip


class TeamConfig(Table, frozen=True):
    """Team sync (`[team]`): who coordinates, the IMAP server events travel through (an imap source's mailbox, or
    `[team.server]`), and its folders: the one `folder`, or with `prefix` one folder per audience."""

    coordinators: tuple[Fingerprint, ...]
    """Key fingerprints of the coordinators: they decide on every case (maintainers on their projects' cases)."""
    source: Text | None = None
    """The IMAP source whose mailbox holds the events folder(s); or `server`, not both."""
    server: TeamServerConfig | None = None
    folder: Text = "TeamEvents"
    """The one folder of every event when there is no `prefix`."""
    prefix: Text | None = None
    """Per-audience folders: `{prefix}coordinators` and `{prefix}{project}` (e.g. "Team/"); `folder` is unused."""

    def __post_init__(self) -> None:
        force_setattr(self, "coordinators", tuple(normal_fingerprint(fpr) for fpr in self.coordinators))

    def problem(self) -> Problem | None:
        if self.source is not None and self.server is not None:
            return Problem("server", "expected either source or [team.server], not both; remove one")
        if self.source is None and self.server is None:
            return Problem("source", "missing; expected the name of an imap source, or a [team.server] table")
        return None


class SavedView(Table, frozen=True):
    """A named inbox filter with its own key (`[views.NAME]`)."""

    name: str
    key: Text | None = None
    state: Text | None = None
    disposition: Text | None = None
    project: Text | None = None
    severity: Severity | None = None
    assignee: Text | None = None
    signature: Text | None = None
    embargo_due_days: Annotated[int, Meta(ge=0, le=3650)] | None = None
    search: Text | None = None
    named_by = "name"


class Config(Table, frozen=True):
    """The whole validated config file."""

    path: Path
    identity: Identity
    projects: Mapping[str, Project] = {}
    sources: Mapping[str, SourceConfig] = {}
    smtp: SmtpConfig | None = None
    views: Mapping[str, SavedView] = {}
    keys: Mapping[str, KeyName] = {}
    """User keymap: binding id (e.g. "inbox.open_case") to key(s) ("enter,o")."""
    advisories: AdvisoryConfig = msgspec.field(default_factory=AdvisoryConfig)
    team: TeamConfig | None = None
    named_by = "path"

    def problem(self) -> Problem | None:
        source = self.team.source if self.team is not None else None
        if source is not None and not isinstance(self.sources.get(source), ImapSourceConfig):
            return Problem("team.source", f"expected the name of an imap source; {source!r} is not one")
        return None

    def gnupg_home(self) -> Path | None:
        """GnuPG's home: the config's, else `$GNUPGHOME`, else None for gpg's default."""
        if self.identity.gnupg_home is not None:
            return self.identity.gnupg_home
        env = os.environ.get("GNUPGHOME")
        return Path(env).expanduser() if env else None
