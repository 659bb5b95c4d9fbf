"""Tests for the workspace and config contract: locations, valid files, and one clear message per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from triage_tui.cli import run
from triage_tui.config import ConfigError, ImapSourceConfig, MaildirSourceConfig, load_config, parse_config
from triage_tui.workspace import resolve_workspace

FPR = "0123456789ABCDEF0123456789ABCDEF01234567"
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
