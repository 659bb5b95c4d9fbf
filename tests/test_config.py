"""Tests for the workspace and config contract: locations, valid files, and one clear message per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from triage_tui.cli import run
from triage_tui.config import (
    ConfigError,
    GithubSourceConfig,
    ImapSourceConfig,
    MaildirSourceConfig,
    load_config,
    parse_config,
)
from triage_tui.sources.base import SourceError
from triage_tui.sources.imap import ImapSource
from triage_tui.workspace import resolve_workspace

FPR = "0123456789ABCDEF0123456789ABCDEF01234567"
SERVER = '[team.server]\nhost = "imap.example.org"\nusername = "pat"\npassword_env = "P"\n'
"""A team's own server (a maintainer's workstation has no reports source)."""
VALID = f"""
[identity]
name = "Alex Coordinator"
email = "alex@example.org"
fingerprint = "{FPR[:20]} {FPR[20:]}"
gnupg_home = "~/.gnupg"

[projects.pip]
name = "pip"
packages = ["pip"]
repository = "pypa/pip"
maintainers = ["{FPR.lower()}"]

[sources.security-inbox]
kind = "imap"
host = "imap.example.org"
port = 993
security = "tls"
username = "security"
password_command = "pass show security-imap"
folders = ["INBOX", "Reports"]

[sources.local]
kind = "maildir"
path = "~/Mail/security"
"""


def test_valid_config_is_read_with_defaults_and_normalised_fingerprints() -> None:
    config = parse_config(Path("c.toml"), VALID)
    assert config.identity.fingerprint == FPR
    assert config.identity.gnupg_home == Path("~/.gnupg").expanduser()
    assert config.projects["pip"].maintainers == (FPR,)
    imap = config.sources["security-inbox"]
    assert isinstance(imap, ImapSourceConfig) and imap.folders == ("INBOX", "Reports")
    local = config.sources["local"]
    assert isinstance(local, MaildirSourceConfig) and local.path == Path("~/Mail/security").expanduser()


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (("[identity]", "[identity]\ncolour = 'red'"), "identity.colour", "unknown key"),
        (("port = 993", 'port = "993"'), "sources.security-inbox.port", "expected an integer"),
        (("port = 993", "port = 70000"), "sources.security-inbox.port", "from 1 to 65535"),
        (('kind = "imap"', 'kind = "pop3"'), "sources.security-inbox.kind", "expected one of imap, github, maildir"),
        (('security = "tls"', 'security = "ssl"'), "sources.security-inbox.security", "tls, starttls, none"),
        (
            ('password_command = "pass show security-imap"', 'password = "hunter2"'),
            "sources.security-inbox.password",
            "plain passwords are not allowed",
        ),
        (('path = "~/Mail/security"', "path = 3"), "sources.local.path", "expected a string"),
        ((f'fingerprint = "{FPR[:20]} {FPR[20:]}"', 'fingerprint = "ABC"'), "identity.fingerprint", "40-hex"),
        (('email = "alex@example.org"\n', ""), "identity.email", "missing"),
        (('packages = ["pip"]', 'packages = ["pip", 3]'), "projects.pip.packages[1]", "non-empty string"),
    ],
)
def test_each_mistake_names_the_file_the_key_and_what_was_expected(
    change: tuple[str, str], key: str, expected: str
) -> None:
    text = VALID.replace(*change, 1)
    with pytest.raises(ConfigError) as raised:
        parse_config(Path("/ws/config.toml"), text)
    message = str(raised.value)
    assert message.startswith("/ws/config.toml: ")
    assert f"key '{key}'" in message
    assert expected in message


def test_malformed_toml_is_reported_with_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^/ws/config.toml: the file: not valid TOML"):
        parse_config(Path("/ws/config.toml"), "[identity\nname=")


def test_cli_prints_one_line_and_no_traceback_for_a_bad_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(VALID.replace("port = 993", 'port = "x"'))
    assert run(["--home", str(tmp_path), "cases"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "Traceback" not in err
    assert "sources.security-inbox.port" in err and str(tmp_path / "config.toml") in err


def test_missing_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "config.toml")


def test_a_missing_config_names_init_and_demo_in_one_neutralised_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "new \x1b[31m home"
    assert run(["--home", str(home), "cases"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "new ␛[31m home" in err
    assert "`triage-tui init` sets up a real workspace" in err and "`triage-tui demo`" in err


def test_workspace_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = resolve_workspace(tmp_path / "a")
    assert explicit.config_path == tmp_path / "a" / "config.toml"
    assert explicit.database_path == tmp_path / "a" / "triage.db"
    monkeypatch.setenv("TRIAGE_TUI_HOME", str(tmp_path / "b"))
    assert resolve_workspace().config_path == tmp_path / "b" / "config.toml"
    assert resolve_workspace(tmp_path / "a").root == tmp_path / "a"
    monkeypatch.delenv("TRIAGE_TUI_HOME")
    default = resolve_workspace()
    # conftest points XDG at tmp_path, so platformdirs' defaults land there.
    assert default.config_path == tmp_path / "xdg-config" / "triage-tui" / "config.toml"
    assert default.database_path == tmp_path / "xdg-data" / "triage-tui" / "triage.db"


def test_home_works_before_and_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    (tmp_path / "config.toml").write_text(with_identity(VALID, gpg_world.team))
    assert run(["--home", str(tmp_path), "cases", "--json"]) == 0
    before = capsys.readouterr().out
    assert run(["cases", "--json", "--home", str(tmp_path)]) == 0
    assert capsys.readouterr().out == before == "[]\n"


def test_smtp_views_and_keys_sections() -> None:
    text = (
        VALID
        + """
[smtp]
host = "smtp.example.org"
from = "security@example.org"
username = "security"
password_env = "SMTP_PASSWORD"

[views.mine]
key = "1"
assignee = "alex"
state = "triage"

[views.due]
key = "2"
embargo_due_days = 7

[keys]
"inbox.open_case" = "enter,o"
"""
    )
    config = parse_config(Path("c.toml"), text)
    assert config.smtp is not None and config.smtp.port == 587 and config.smtp.security == "starttls"
    assert config.views["mine"].assignee == "alex" and config.views["due"].embargo_due_days == 7
    assert config.keys == {"inbox.open_case": "enter,o"}
    with pytest.raises(ConfigError, match=r"smtp\.password"):
        parse_config(Path("c.toml"), VALID + '[smtp]\nhost = "h"\nfrom = "a@b"\npassword = "x"\n')
    with pytest.raises(ConfigError, match=r"views\.x\.colour"):
        parse_config(Path("c.toml"), VALID + "[views.x]\ncolour = 1\n")


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (('security = "tls"', 'security = "none"'), "sources.security-inbox.security", "only for a loopback host"),
        (('password_command = "pass show security-imap"', ""), "sources.security-inbox.password_command", "missing"),
        (('packages = ["pip"]', 'id = "pip2"'), "projects.pip.id", "unknown key; expected one of: name, packages"),
        (("[identity]", 'path = "elsewhere.toml"\n[identity]'), "path", "unknown key"),
        (('kind = "maildir"', 'kind = "maildir"\nname = "x"'), "sources.local.name", "expected one of: kind, path"),
        (('folders = ["INBOX", "Reports"]', "folders = 3"), "sources.security-inbox.folders", "expected a list"),
        (('path = "~/Mail/security"', 'path = " "'), "sources.local.path", "expected a non-empty string"),
    ],
)
def test_rules_between_keys_and_reserved_keys_are_refused_at_the_key_to_change(
    change: tuple[str, str], key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(Path("/ws/config.toml"), VALID.replace(*change, 1))
    assert f"key '{key}'" in str(raised.value) and expected in str(raised.value)


@pytest.mark.parametrize(
    ("table", "key", "expected"),
    [
        ('[smtp]\nhost = "smtp.example.org"\nfrom = "a@b"\nsecurity = "none"\n', "smtp.security", "loopback"),
        (f'[team]\ncoordinators = ["{FPR}"]\nsource = "local"\n', "team.source", "the name of an imap source"),
        ('[team]\ncoordinators = ["ABC"]\nsource = "security-inbox"\n', "team.coordinators[0]", "40-hex"),
        (f'[team]\ncoordinators = ["{FPR}"]\n', "team.source", "or a [team.server] table"),
        (
            f'[team]\ncoordinators = ["{FPR}"]\nsource = "security-inbox"\n{SERVER}',
            "team.server",
            "not both",
        ),
        (
            f'[team]\ncoordinators = ["{FPR}"]\n{SERVER}folders = ["Team"]\n',
            "team.server.folders",
            "not taken here",
        ),
        (
            f'[team]\ncoordinators = ["{FPR}"]\n{SERVER}password = "x"\n',
            "team.server.password",
            "plain passwords",
        ),
        (
            f'[team]\ncoordinators = ["{FPR}"]\n{SERVER}security = "none"\n',
            "team.server.security",
            "loopback",
        ),
        (
            f'[team]\ncoordinators = ["{FPR}"]\nprefix = ""\n{SERVER}',
            "team.prefix",
            "a non-empty string",
        ),
        (f'[team]\ncoordinators = ["{FPR}"]\n[team.server]\nusername = "u"\n', "team.server.host", "missing"),
        ('[advisories]\ncna_org_id = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"\n', "advisories.cna_org_id", "version 4"),
        ('[advisories]\npublisher_namespace = "example.org"\n', "advisories.publisher_namespace", "a URL"),
        ('[views.x]\nseverity = "huge"\n', "views.x.severity", "one of critical, high, medium, low, none, unscored"),
        ('[keys]\n"inbox.open_case" = " "\n', "keys.inbox.open_case", "a key name"),
    ],
)
def test_each_table_names_its_mistakes(table: str, key: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(Path("/ws/config.toml"), VALID + table)
    assert f"key '{key}'" in str(raised.value) and expected in str(raised.value)


def test_sources_are_told_apart_by_kind_and_defaults_follow_security() -> None:
    text = (
        VALID.replace('security = "tls"', 'security = "starttls"').replace("port = 993\n", "")
        + '[sources.gh]\nkind = "github"\nrepositories = ["pypa/pip"]\n'
        + '[smtp]\nhost = "smtp.example.org"\nfrom = "a@b"\nsecurity = "tls"\n'
        + '[advisories]\ncna_org_id = "{6BA7B810-9DAD-41D1-80B4-00C04FD430C8}"\n'
        + f'[team]\ncoordinators = ["{FPR.lower()}"]\nsource = "security-inbox"\n'
    )
    config = parse_config(Path("c.toml"), text)
    assert {name: type(source) for name, source in config.sources.items()} == {
        "security-inbox": ImapSourceConfig,
        "local": MaildirSourceConfig,
        "gh": GithubSourceConfig,
    }
    assert [source.kind for source in config.sources.values()] == ["imap", "maildir", "github"]
    imap = config.sources["security-inbox"]
    assert isinstance(imap, ImapSourceConfig) and imap.port == 143 and imap.name == "security-inbox"
    assert config.smtp is not None and config.smtp.port == 465 and config.smtp.from_address == "a@b"
    assert config.advisories.cna_org_id == "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
    assert config.team is not None and config.team.coordinators == (FPR,) and config.team.folder == "TeamEvents"
    assert config.projects["pip"].id == "pip" and config.path == Path("c.toml")


def test_a_team_with_its_own_server_and_prefix_needs_no_source() -> None:
    """A maintainer's workstation: `[team.server]` instead of a reports source, and per-audience folders."""
    identity = VALID[: VALID.index("[projects")]
    text = identity + (
        f'[team]\ncoordinators = ["{FPR}"]\nprefix = "Team/"\n'
        '[team.server]\nhost = "imap.example.org"\nusername = "pat"\npassword_command = "pass show team"\n'
    )
    config = parse_config(Path("c.toml"), text)
    assert config.sources == {} and config.team is not None and config.team.source is None
    assert config.team.prefix == "Team/" and config.team.server is not None
    server = config.team.server.as_source()
    assert (server.name, server.host, server.port, server.security, server.username) == (
        "team.server",
        "imap.example.org",
        993,
        "tls",
        "pat",
    )
    assert server.password_command == "pass show team"


def test_a_config_built_in_code_is_taken_as_given_and_connecting_checks_the_security_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMAP_PASSWORD_TEST", "hunter2")
    remote = ImapSourceConfig(
        name="plain", host="imap.example.org", username="u", security="none", password_env="IMAP_PASSWORD_TEST"
    )
    assert remote.port == 143
    with (
        pytest.raises(SourceError, match=r"source 'plain': security \"none\" .* only for a loopback host"),
        ImapSource(remote).session("checking"),
    ):
        pass  # refused before the password is read or a connection made
