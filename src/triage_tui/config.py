"""Provides the `config.toml` contract: identity, projects and sources, validated with messages that name the key."""

from __future__ import annotations

import ipaddress
import os
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SOURCE_KINDS = ("imap", "github", "maildir")
IMAP_SECURITY = ("tls", "starttls", "none")


class ConfigError(Exception):
    """A config problem, worded for the user: the file, the key and what was expected."""

    def __init__(self, path: Path, key: str, expected: str) -> None:
        self.path = path
        self.key = key
        self.expected = expected
        where = f"key '{key}'" if key else "the file"
        super().__init__(f"{path}: {where}: {expected}")


@dataclass(frozen=True)
class Identity:
    """Who this workstation acts as: the key that decrypts reports and signs events."""

    name: str
    email: str
    fingerprint: str
    gnupg_home: Path | None = None


@dataclass(frozen=True)
class Project:
    """A packaging tool or service whose maintainers form a trust boundary."""

    id: str
    name: str
    packages: tuple[str, ...] = ()
    repository: str | None = None
    security_contact: str | None = None
    maintainers: tuple[str, ...] = ()


@dataclass(frozen=True)
class MaildirSourceConfig:
    """A local Maildir folder of reports."""

    name: str
    path: Path
    kind: str = "maildir"


@dataclass(frozen=True)
class ImapSourceConfig:
    """A shared IMAP mailbox."""

    name: str
    host: str
    username: str
    port: int = 993
    security: str = "tls"
    password_command: str | None = None
    password_env: str | None = None
    folders: tuple[str, ...] = ("INBOX",)
    ca_file: Path | None = None
    kind: str = "imap"


@dataclass(frozen=True)
class GithubSourceConfig:
    """A GitHub-compatible security-advisories API."""

    name: str
    repositories: tuple[str, ...]
    api_url: str = "https://api.github.com"
    token_env: str | None = None
    token_command: str | None = None
    kind: str = "github"


SourceConfig = MaildirSourceConfig | ImapSourceConfig | GithubSourceConfig


@dataclass(frozen=True)
class SmtpConfig:
    """Where replies to reporters are sent."""

    host: str
    from_address: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_command: str | None = None
    password_env: str | None = None
    ca_file: Path | None = None


@dataclass(frozen=True)
class AdvisoryConfig:
    """Who publishes the advisories (`[advisories]`): named in CSAF documents and CVE records."""

    publisher_name: str | None = None
    """The organisation publishing (CSAF `publisher.name`); the identity's name when unset."""
    publisher_namespace: str | None = None
    """Its web address (CSAF `publisher.namespace`); https:// and the identity's mail domain when unset."""
    cna_org_id: str | None = None
    """The UUID of the CNA that will publish CVE records (CVE `providerMetadata.orgId`)."""
    cna_short_name: str | None = None


@dataclass(frozen=True)
class TeamConfig:
    """Team sync (`[team]`): who coordinates, and the shared IMAP folder events travel through."""

    coordinators: tuple[str, ...]
    """Key fingerprints of the coordinators: they decide on every case (maintainers on their projects' cases)."""
    source: str
    """The IMAP source whose mailbox holds the events folder."""
    folder: str = "TeamEvents"


@dataclass(frozen=True)
class SavedView:
    """A named inbox filter with its own key (`[views.NAME]`)."""

    name: str
    key: str | None = None
    state: str | None = None
    disposition: str | None = None
    project: str | None = None
    severity: str | None = None
    assignee: str | None = None
    signature: str | None = None
    embargo_due_days: int | None = None
    search: str | None = None


@dataclass(frozen=True)
class Config:
    """The whole validated config file."""

    path: Path
    identity: Identity
    projects: Mapping[str, Project] = field(default_factory=dict)
    sources: Mapping[str, SourceConfig] = field(default_factory=dict)
    smtp: SmtpConfig | None = None
    views: Mapping[str, SavedView] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)
    """User keymap: binding id (e.g. "inbox.open_case") to key(s) ("enter,o")."""
    advisories: AdvisoryConfig = field(default_factory=AdvisoryConfig)
    team: TeamConfig | None = None

    def gnupg_home(self) -> Path | None:
        """GnuPG's home: the config's, else `$GNUPGHOME`, else None for gpg's default."""
        if self.identity.gnupg_home is not None:
            return self.identity.gnupg_home
        env = os.environ.get("GNUPGHOME")
        return Path(env).expanduser() if env else None


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    list: "a list",
    dict: "a table",
    bool: "true or false",
}


class _Table:
    """A TOML table being read: typed getters that raise ConfigError naming the dotted key."""

    def __init__(self, path: Path, prefix: str, data: Mapping[str, Any], allowed: tuple[str, ...]):
        self.path = path
        self.prefix = prefix
        self.data = data
        for key in data:
            if key not in allowed:
                raise ConfigError(path, self.key(key), "unknown key; expected one of: " + ", ".join(allowed))

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def _get(self, name: str, kind: type, required: bool) -> Any:
        if name not in self.data:
            if required:
                raise ConfigError(self.path, self.key(name), f"missing; expected {_TYPE_NAMES[kind]}")
            return None
        value = self.data[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(
                self.path,
                self.key(name),
                f"expected {_TYPE_NAMES[kind]}, got {type(value).__name__} {value!r}",
            )
        return value

    def string(self, name: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> Any:
        value = self._get(name, str, required)
        if value is not None and not value.strip():
            raise ConfigError(self.path, self.key(name), "expected a non-empty string")
        if value is not None and choices and value not in choices:
            raise ConfigError(self.path, self.key(name), f"expected one of {', '.join(choices)}; got {value!r}")
        return value

    def integer(self, name: str, *, low: int, high: int) -> int | None:
        value: int | None = self._get(name, int, False)
        if value is not None and not low <= value <= high:
            raise ConfigError(self.path, self.key(name), f"expected an integer from {low} to {high}; got {value}")
        return value

    def strings(self, name: str, *, required: bool = False) -> tuple[str, ...] | None:
        value = self._get(name, list, required)
        if value is None:
            return None
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise ConfigError(
                    self.path,
                    f"{self.key(name)}[{index}]",
                    f"expected a non-empty string, got {item!r}",
                )
        return tuple(value)

    def table(self, name: str, *, required: bool = False) -> Mapping[str, Any] | None:
        value: Mapping[str, Any] | None = self._get(name, dict, required)
        return value

    def path_value(self, name: str, *, required: bool = False) -> Path | None:
        value = self.string(name, required=required)
        return Path(value).expanduser() if value is not None else None


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts a connection without TLS may go to."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def clear_text_refusal(api_url: str) -> str | None:
    """Why the token may not be sent to `api_url` (plain http to a host other than loopback, or not http at all);
    None when it may."""
    try:
        url = urlsplit(api_url)
    except ValueError:
        return "not a URL"
    if url.scheme == "https" and url.hostname:
        return None
    if url.scheme == "http" and url.hostname and is_loopback(url.hostname):
        return None
    if url.scheme == "http":
        return f"plain http sends the token in clear; allowed only for a loopback host, not {url.hostname!r}; use https"
    return "expected an https:// URL"


def _identity(path: Path, data: Mapping[str, Any]) -> Identity:
    table = _Table(path, "identity", data, ("name", "email", "fingerprint", "gnupg_home"))
    fingerprint = table.string("fingerprint", required=True).replace(" ", "").upper()
    if len(fingerprint) != 40 or any(c not in "0123456789ABCDEF" for c in fingerprint):
        raise ConfigError(path, "identity.fingerprint", "expected a 40-hex-digit key fingerprint")
    return Identity(
        name=table.string("name", required=True),
        email=table.string("email", required=True),
        fingerprint=fingerprint,
        gnupg_home=table.path_value("gnupg_home"),
    )


def _project(path: Path, project_id: str, data: Mapping[str, Any]) -> Project:
    allowed = ("name", "packages", "repository", "security_contact", "maintainers")
    table = _Table(path, f"projects.{project_id}", data, allowed)
    return Project(
        id=project_id,
        name=table.string("name") or project_id,
        packages=table.strings("packages") or (),
        repository=table.string("repository"),
        security_contact=table.string("security_contact"),
        maintainers=tuple(fpr.replace(" ", "").upper() for fpr in table.strings("maintainers") or ()),
    )


def _source(path: Path, name: str, data: Mapping[str, Any]) -> SourceConfig:
    prefix = f"sources.{name}"
    if "kind" not in data:
        raise ConfigError(path, f"{prefix}.kind", f"missing; expected one of {', '.join(SOURCE_KINDS)}")
    kind_value = data["kind"]
    if kind_value not in SOURCE_KINDS:
        raise ConfigError(path, f"{prefix}.kind", f"expected one of {', '.join(SOURCE_KINDS)}; got {kind_value!r}")
    if kind_value == "maildir":
        table = _Table(path, prefix, data, ("kind", "path"))
        folder = table.path_value("path", required=True)
        assert folder is not None
        return MaildirSourceConfig(name=name, path=folder)
    if kind_value == "imap":
        allowed = (
            "kind", "host", "port", "security", "username", "password_command",
            "password_env", "folders", "ca_file",
        )  # fmt: skip
        if "password" in data:
            raise ConfigError(
                path, f"{prefix}.password", "plain passwords are not allowed; use password_command or password_env"
            )
        table = _Table(path, prefix, data, allowed)
        if table.string("password_command") is None and table.string("password_env") is None:
            raise ConfigError(path, f"{prefix}.password_command", "missing; set password_command or password_env")
        security = table.string("security", choices=IMAP_SECURITY) or "tls"
        host = table.string("host", required=True)
        if security == "none" and not is_loopback(host):
            raise ConfigError(
                path,
                f"{prefix}.security",
                f'"none" sends the password in clear; allowed only for a loopback host, not {host!r}',
            )
        default_port = 993 if security == "tls" else 143
        return ImapSourceConfig(
            name=name,
            host=host,
            port=table.integer("port", low=1, high=65535) or default_port,
            security=security,
            username=table.string("username", required=True),
            password_command=table.string("password_command"),
            password_env=table.string("password_env"),
            folders=table.strings("folders") or ("INBOX",),
            ca_file=table.path_value("ca_file"),
        )
    table = _Table(path, prefix, data, ("kind", "api_url", "repositories", "token_env", "token_command"))
    api_url = table.string("api_url") or "https://api.github.com"
    refusal = clear_text_refusal(api_url)
    if refusal is not None:
        raise ConfigError(path, f"{prefix}.api_url", refusal)
    return GithubSourceConfig(
        name=name,
        repositories=table.strings("repositories", required=True) or (),
        api_url=api_url,
        token_env=table.string("token_env"),
        token_command=table.string("token_command"),
    )


def parse_config(path: Path, text: str) -> Config:
    """Validate the text of a config file; raise ConfigError on the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"not valid TOML ({error})") from None
    root = _Table(path, "", data, ("identity", "projects", "sources", "smtp", "views", "keys", "advisories", "team"))
    identity_data = root.table("identity", required=True)
    assert identity_data is not None
    projects: dict[str, Project] = {}
    for project_id, project_data in (root.table("projects") or {}).items():
        if not isinstance(project_data, dict):
            raise ConfigError(path, f"projects.{project_id}", "expected a table")
        projects[project_id] = _project(path, project_id, project_data)
    sources: dict[str, SourceConfig] = {}
    for name, source_data in (root.table("sources") or {}).items():
        if not isinstance(source_data, dict):
            raise ConfigError(path, f"sources.{name}", "expected a table")
        sources[name] = _source(path, name, source_data)
    smtp_data = root.table("smtp")
    views: dict[str, SavedView] = {}
    for name, view_data in (root.table("views") or {}).items():
        if not isinstance(view_data, dict):
            raise ConfigError(path, f"views.{name}", "expected a table")
        views[name] = _view(path, name, view_data)
    keys: dict[str, str] = {}
    for binding_id, key in (root.table("keys") or {}).items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(path, f"keys.{binding_id}", 'expected a key name such as "ctrl+o" or "enter,o"')
        keys[binding_id] = key
    return Config(
        path=path,
        identity=_identity(path, identity_data),
        projects=projects,
        sources=sources,
        smtp=_smtp(path, smtp_data) if smtp_data is not None else None,
        views=views,
        keys=keys,
        advisories=_advisories(path, root.table("advisories") or {}),
        team=_team(path, root.table("team"), sources) if root.table("team") is not None else None,
    )


def _team(path: Path, data: Mapping[str, Any] | None, sources: Mapping[str, SourceConfig]) -> TeamConfig:
    table = _Table(path, "team", data or {}, ("coordinators", "source", "folder"))
    coordinators = tuple(
        _fingerprint(path, "team.coordinators", f) for f in table.strings("coordinators", required=True) or ()
    )
    source = table.string("source", required=True)
    if not isinstance(sources.get(source), ImapSourceConfig):
        raise ConfigError(path, "team.source", f"expected the name of an imap source; {source!r} is not one")
    return TeamConfig(coordinators=coordinators, source=source, folder=table.string("folder") or "TeamEvents")


def _fingerprint(path: Path, key: str, value: str) -> str:
    fingerprint = value.replace(" ", "").upper()
    if len(fingerprint) != 40 or any(c not in "0123456789ABCDEF" for c in fingerprint):
        raise ConfigError(path, key, f"expected 40-hex-digit key fingerprints, got {value!r}")
    return fingerprint


def _advisories(path: Path, data: Mapping[str, Any]) -> AdvisoryConfig:
    table = _Table(path, "advisories", data, ("publisher_name", "publisher_namespace", "cna_org_id", "cna_short_name"))
    namespace = table.string("publisher_namespace")
    if namespace is not None and not namespace.startswith(("https://", "http://")):
        raise ConfigError(path, "advisories.publisher_namespace", "expected a URL such as https://example.org")
    org_id = table.string("cna_org_id")
    if org_id is not None:
        try:
            parsed = uuid.UUID(org_id)
        except ValueError:
            parsed = None
        if parsed is None or parsed.version != 4:
            raise ConfigError(path, "advisories.cna_org_id", "expected the CNA's UUID (version 4, from CVE Services)")
        org_id = str(parsed)
    return AdvisoryConfig(
        publisher_name=table.string("publisher_name"),
        publisher_namespace=namespace,
        cna_org_id=org_id,
        cna_short_name=table.string("cna_short_name"),
    )


def _smtp(path: Path, data: Mapping[str, Any]) -> SmtpConfig:
    allowed = ("host", "port", "security", "username", "password_command", "password_env", "from", "ca_file")
    if "password" in data:
        raise ConfigError(
            path, "smtp.password", "plain passwords are not allowed; use password_command or password_env"
        )
    table = _Table(path, "smtp", data, allowed)
    security = table.string("security", choices=IMAP_SECURITY) or "starttls"
    host = table.string("host", required=True)
    if security == "none" and not is_loopback(host):
        raise ConfigError(path, "smtp.security", f'"none" is allowed only for a loopback host, not {host!r}')
    return SmtpConfig(
        host=host,
        from_address=table.string("from", required=True),
        port=table.integer("port", low=1, high=65535) or (465 if security == "tls" else 587),
        security=security,
        username=table.string("username"),
        password_command=table.string("password_command"),
        password_env=table.string("password_env"),
        ca_file=table.path_value("ca_file"),
    )


def _view(path: Path, name: str, data: Mapping[str, Any]) -> SavedView:
    allowed = (
        "key", "state", "disposition", "project", "severity", "assignee", "signature", "embargo_due_days", "search",
    )  # fmt: skip
    table = _Table(path, f"views.{name}", data, allowed)
    return SavedView(
        name=name,
        key=table.string("key"),
        state=table.string("state"),
        disposition=table.string("disposition"),
        project=table.string("project"),
        severity=table.string("severity", choices=("critical", "high", "medium", "low", "none", "unscored")),
        assignee=table.string("assignee"),
        signature=table.string("signature"),
        embargo_due_days=table.integer("embargo_due_days", low=0, high=3650),
        search=table.string("search"),
    )


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", "not found; create it (see README) or run `triage-tui demo`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "", f"cannot be read ({error})") from None
    return parse_config(path, text)
