"""Tests the config `team join` writes: a new workspace's file or the team's tables added to an existing one, mode
0600, written whole or not at all; hostile values stay data, never TOML."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from invitation_fixtures import INVITEE, INVITER, valid_document
from triage_tui.config import parse_config
from triage_tui.config.team_writing import TeamConfigError, TeamJoinSettings, new_config_text, with_team_tables
from triage_tui.services.safe_write import WriteError
from triage_tui.team.invitation_document import check
from triage_tui.team.join_config import join_settings, write_join_config


def settings(**changes: object) -> TeamJoinSettings:
    invitation = check(valid_document())
    found = join_settings(
        invitation, INVITEE, password_command="pass show imap/zoe", gnupg_home=Path("/home/zoe/.gnupg")
    )
    return replace(found, **changes)  # type: ignore[arg-type]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_gets_identity_team_and_server_and_no_sources(tmp_path: Path) -> None:
    path = write_join_config(tmp_path / "config.toml", settings())

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "identity": {
            "name": "Zoë Ørsted",
            "email": "zoe@pip.example",
            "fingerprint": INVITEE,
            "gnupg_home": "/home/zoe/.gnupg",
        },
        "team": {
            "coordinators": [INVITER],
            "prefix": "Team/",
            "server": {
                "host": "imap.team.example",
                "port": 993,
                "security": "tls",
                "username": "zoe",
                "password_command": "pass show imap/zoe",
            },
        },
    }
    assert _mode(path) == 0o600


def test_the_joiner_may_take_the_password_from_the_environment_and_trust_a_ca_file() -> None:
    text = new_config_text(settings(password_command=None, password_env="ZOE_IMAP", ca_file=Path("/etc/team-ca.pem")))

    server = tomllib.loads(text)["team"]["server"]
    assert server["password_env"] == "ZOE_IMAP" and "password_command" not in server
    assert server["ca_file"] == "/etc/team-ca.pem"


def test_exactly_one_password_source_is_required() -> None:
    with pytest.raises(TeamConfigError, match="exactly one"):
        settings(password_command=None)
    with pytest.raises(TeamConfigError, match="exactly one"):
        settings(password_env="X")


def test_the_invitation_must_be_for_the_joiners_key() -> None:
    with pytest.raises(TeamConfigError, match=r"^the invitation is for key BBBB BBBB"):
        join_settings(check(valid_document()), "C" * 40, password_env="X")


INJECTIONS = [
    'Zoe"\n[sources.evil]\nkind = "maildir"\npath = "/"\n#',
    "Zoe\\",
    'Zoe\\"\ninjected = true\n',
    "Zoe'''\n[team]\n'''",
    "Zoe\x7f\x85\u2028\u202e\x1b[31m\x00",
    '"""\n[identity]\nname = "x"',
]


@pytest.mark.parametrize("hostile", INJECTIONS)
@pytest.mark.parametrize("field", ["name", "email", "host", "username", "prefix", "password_command"])
def test_a_hostile_value_stays_data(field: str, hostile: str) -> None:
    text = new_config_text(settings(**{field: hostile}))

    data = tomllib.loads(text)
    assert set(data) == {"identity", "team"}
    assert set(data["team"]) == {"coordinators", "prefix", "server"}
    found = data["identity"].get(field) or data["team"].get(field) or data["team"]["server"].get(field)
    if field == "username":
        found = data["team"]["server"]["username"]
    assert found == hostile
    # Nothing a terminal acts on or an editor hides is written raw.
    assert not any(char in text for char in "\x00\x1b\x7f\x85\u2028\u202e")


def test_hostile_values_from_an_invitation_stay_data_in_an_existing_config(tmp_path: Path) -> None:
    document = valid_document()
    # What the invitation's own check lets through (quotes, backslashes, brackets in a name) goes in escaped.
    document["invitee"]["name"] = 'Zoe" \\ [team] = { } #'
    invitation = check(document)
    path = tmp_path / "config.toml"
    path.write_text('[identity]\nname = "Zoe"\nemail = "zoe@pip.example"\nfingerprint = "' + INVITEE + '"\n')

    write_join_config(path, join_settings(invitation, INVITEE, password_env="ZOE_IMAP"))

    data = tomllib.loads(path.read_text())
    assert data["identity"]["name"] == "Zoe"  # an existing identity is kept
    assert data["team"]["server"]["password_env"] == "ZOE_IMAP"
    fresh = new_config_text(join_settings(invitation, INVITEE, password_env="X"))
    assert fresh.splitlines().count("[team]") == 1
    assert tomllib.loads(fresh)["identity"]["name"] == document["invitee"]["name"]


def test_an_existing_config_gets_the_team_tables_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = (
        f'[identity]\nname = "Zoe"\nemail = "zoe@pip.example"\nfingerprint = "{INVITEE}"\n\n'
        '[projects.pip]\nname = "pip"\n\n[sources.mail]\nkind = "maildir"\npath = "/srv/mail"'  # no final newline
    )
    path.write_text(original)
    os.chmod(path, 0o644)

    write_join_config(path, settings())

    text = path.read_text()
    assert text.startswith(original + "\n")
    data = tomllib.loads(text)
    assert data["projects"] == {"pip": {"name": "pip"}}
    assert data["sources"]["mail"]["path"] == "/srv/mail"
    assert data["team"]["server"]["username"] == "zoe"
    assert _mode(path) == 0o600  # the replaced file is private, whatever the old one's mode


@pytest.mark.parametrize(
    "existing",
    [
        '[identity]\nname = "Zoe"\n\n[team]\ncoordinators = []\nsource = "mail"\n',
        'team.coordinators = ["' + INVITER + '"]\n',
        '[team.server]\nhost = "x"\n',
    ],
)
def test_a_config_with_a_team_is_refused_and_left_as_it_was(tmp_path: Path, existing: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(existing)

    with pytest.raises(TeamConfigError) as refused:
        write_join_config(path, settings())

    assert str(refused.value) == "the config already has a [team] table; remove it, or join in a new workspace"
    assert path.read_text() == existing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no temporary file left behind


def test_a_config_acting_as_another_key_or_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[identity]\nfingerprint = "{"C" * 40}"\n')
    with pytest.raises(TeamConfigError, match="another key than the one invited"):
        write_join_config(path, settings())
    path.write_text("[identity\n")
    with pytest.raises(TeamConfigError, match=r"^the config is not valid TOML"):
        write_join_config(path, settings())
    assert path.read_text() == "[identity\n"


def test_a_symlinked_config_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.toml"
    target.write_text('[identity]\nname = "x"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(target)

    with pytest.raises(WriteError, match="not a regular file"):
        write_join_config(link, settings())
    assert target.read_text() == '[identity]\nname = "x"\n'


def test_the_written_identity_is_one_the_config_reader_takes(tmp_path: Path) -> None:
    # [team.server] and prefix come with the folders slice; the identity must already read as the config declares.
    text = new_config_text(settings())
    identity_only = text.split("\n[team]\n")[0]

    config = parse_config(tmp_path / "config.toml", identity_only)

    assert config.identity.fingerprint == INVITEE and config.identity.name == "Zoë Ørsted"


def test_appending_to_text_without_a_team_needs_valid_toml_only() -> None:
    text = with_team_tables("", settings())

    assert tomllib.loads(text)["team"]["prefix"] == "Team/"
