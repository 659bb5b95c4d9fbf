"""Tests `triage-tui init` with the real gpg: a new or existing key, the encrypted store, a config whose every table is
explained, prompts in a terminal, and refusals that write nothing."""

from __future__ import annotations

import argparse
import io
import re
from collections.abc import Iterator
from pathlib import Path

import gnupg
import pytest

from gpg_fixtures import kill_and_remove, make_home, new_keyring
from triage_tui.cli import run
from triage_tui.cli.init_command import run_init
from triage_tui.config import load_config, parse_config
from triage_tui.workspace import resolve_workspace


@pytest.fixture
def gnupg_home() -> Iterator[Path]:
    home = make_home()
    try:
        yield home
    finally:
        kill_and_remove(home)


def _init(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["init", *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_init_makes_a_key_a_config_and_an_encrypted_store(tmp_path: Path, gnupg_home: Path) -> None:
    home = tmp_path / "ws"
    code, out, _err = _init(
        "--home", str(home), "--name", "Alex Coordinator", "--email", "alex@example.org",
        "--gnupg-home", str(gnupg_home), "--no-passphrase",
    )  # fmt: skip
    assert code == 0
    config = load_config(home / "config.toml")
    assert (config.identity.name, config.identity.email) == ("Alex Coordinator", "alex@example.org")
    assert config.identity.gnupg_home == gnupg_home
    secret = gnupg.GPG(gnupghome=str(gnupg_home)).list_keys(secret=True)
    assert [key["fingerprint"] for key in secret] == [config.identity.fingerprint]
    assert secret[0]["uids"] == ["Alex Coordinator <alex@example.org>"]
    assert config.identity.fingerprint in out and "sync" in out
    # The store is there, encrypted, and opens with the key.
    assert (home / "triage.db.key.asc").is_file()
    assert not (home / "triage.db").read_bytes().startswith(b"SQLite format 3")
    assert run(["cases", "--json", "--home", str(home)], out=(listed := io.StringIO()), err=io.StringIO()) == 0
    assert listed.getvalue().strip() == "[]"


def test_the_config_explains_each_table_and_its_examples_are_valid(tmp_path: Path, gnupg_home: Path) -> None:
    home = tmp_path / "ws"
    assert _init("--home", str(home), "--name", "A", "--email", "a@example.org",
                 "--gnupg-home", str(gnupg_home), "--no-passphrase")[0] == 0  # fmt: skip
    text = (home / "config.toml").read_text(encoding="utf-8")
    for table in ("[identity]", "[advisories]", "[projects.", "[sources.", 'kind = "imap"', 'kind = "github"',
                  'kind = "maildir"', "[smtp]", "[team]", "[views.", "[keys]"):  # fmt: skip
        before = text[: text.index(table)].rstrip("\n# ").rsplit("\n\n", 1)[-1]
        assert "# " in before, f"{table} has no comment that explains it"
    # Every commented example, uncommented, is a valid config: the comments teach nothing the file would refuse.
    examples = re.sub(r"(?m)^# (?=\[|[\w\".]+ = )", "", text)
    full = parse_config(home / "config.toml", examples)
    assert set(full.sources) == {"security-inbox", "github", "local"}
    assert full.smtp is not None and full.team is not None and "pip" in full.projects


def test_init_with_an_existing_key_takes_its_name_and_address(tmp_path: Path) -> None:
    keyring = new_keyring("pat@example.org")
    try:
        home = tmp_path / "ws"
        code, _out, _err = _init("--home", str(home), "--key", keyring.fingerprint.lower(),
                                 "--gnupg-home", str(keyring.home))  # fmt: skip
        assert code == 0
        identity = load_config(home / "config.toml").identity
        assert identity.fingerprint == keyring.fingerprint
        assert (identity.name, identity.email) == ("pat", "pat@example.org")
        assert len(keyring.gpg.list_keys(secret=True)) == 1  # no new key was made
    finally:
        kill_and_remove(keyring.home)


def test_init_refuses_a_key_whose_secret_is_not_here(tmp_path: Path, gnupg_home: Path) -> None:
    code, _out, err = _init("--home", str(tmp_path / "ws"), "--key", "A" * 40, "--gnupg-home", str(gnupg_home))
    assert code == 2 and "no key" in err
    assert not (tmp_path / "ws" / "config.toml").exists()


def test_init_never_overwrites_a_workspace(tmp_path: Path, gnupg_home: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / "config.toml").write_text("# mine\n", encoding="utf-8")
    code, _out, err = _init("--home", str(home), "--name", "A", "--email", "a@example.org",
                            "--gnupg-home", str(gnupg_home), "--no-passphrase")  # fmt: skip
    assert code == 2
    assert err.startswith("triage-tui: ") and "never overwrites" in err and err.count("\n") == 1
    assert (home / "config.toml").read_text(encoding="utf-8") == "# mine\n"
    assert gnupg.GPG(gnupghome=str(gnupg_home)).list_keys(secret=True) == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--name", "A", "--email", "a@example.org"], "needs a passphrase"),
        (["--email", "a@example.org", "--no-passphrase"], "needs your name and mail address"),
        (["--name", "A", "--email", "not-an-address", "--no-passphrase"], "is not a mail address"),
        (["--name", "A\nPassphrase: x", "--email", "a@example.org", "--no-passphrase"], "one line"),
    ],
    ids=["no-passphrase-choice", "no-name", "bad-address", "name-with-a-line-break"],
)
def test_init_without_a_terminal_refuses_what_it_cannot_ask(
    tmp_path: Path, gnupg_home: Path, argv: list[str], said: str
) -> None:
    code, _out, err = _init("--home", str(tmp_path / "ws"), "--gnupg-home", str(gnupg_home), *argv)
    assert code == 2 and said in err
    assert not (tmp_path / "ws").exists() or not any((tmp_path / "ws").iterdir())
    assert gnupg.GPG(gnupghome=str(gnupg_home)).list_keys(secret=True) == []


def test_init_in_a_terminal_asks_for_what_the_flags_left_out(
    tmp_path: Path, gnupg_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["", "Robin Triage", "robin@example.org"])  # no existing key, then name and address
    monkeypatch.setattr("builtins.input", lambda: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: "a long passphrase")
    home = tmp_path / "ws"
    args = argparse.Namespace(home=str(home), name=None, email=None, key=None, gnupg_home=gnupg_home,
                              no_passphrase=False)  # fmt: skip
    err = io.StringIO()
    assert run_init(resolve_workspace(home), args, io.StringIO(), err, interactive=True) == 0
    assert "Your name: " in err.getvalue() and "Your mail address: " in err.getvalue()
    identity = load_config(home / "config.toml").identity
    assert (identity.name, identity.email) == ("Robin Triage", "robin@example.org")
    gpg = gnupg.GPG(gnupghome=str(gnupg_home))
    sealed = str(gpg.encrypt(b"secret", [identity.fingerprint], always_trust=True))
    assert not gpg.decrypt(sealed, passphrase="wrong").ok  # the key is protected by the passphrase typed
    assert gpg.decrypt(sealed, passphrase="a long passphrase").ok


@pytest.mark.parametrize(
    ("home", "extra", "said"),
    [
        ("file", [], "is a file, not a folder"),
        ("file/ws", [], "is a file; choose another --home"),
        ("ws", ["--name", "N" * 100_000], "at most 200"),
        ("ws", ["--gnupg-home-missing"], "there is no GnuPG home folder"),
    ],
    ids=["home-is-a-file", "home-under-a-file", "name-too-long", "gnupg-home-missing"],
)
def test_init_checks_every_argument_before_it_makes_a_key(
    tmp_path: Path, gnupg_home: Path, monkeypatch: pytest.MonkeyPatch, home: str, extra: list[str], said: str
) -> None:
    monkeypatch.setenv("GNUPGHOME", str(gnupg_home))  # whatever init does, never the real ~/.gnupg
    (tmp_path / "file").write_text("not a folder\n", encoding="utf-8")
    keys = ["--gnupg-home", str(tmp_path / "nowhere")] if "--gnupg-home-missing" in extra else []
    names = [arg for arg in extra if arg != "--gnupg-home-missing"] or ["--name", "A"]
    code, out, err = _init("--home", str(tmp_path / home), *names, "--email", "a@example.org", "--no-passphrase", *keys)
    assert code == 2, err
    assert err.startswith("triage-tui: ") and said in err and err.count("\n") == 1 and len(err) < 400
    assert out == ""
    assert gnupg.GPG(gnupghome=str(gnupg_home)).list_keys(secret=True) == []  # no key made, none left behind
    assert not (tmp_path / "nowhere").exists()
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder\n"


def test_init_neutralises_what_it_echoes_and_quotes_the_next_command(tmp_path: Path, gnupg_home: Path) -> None:
    home = tmp_path / "my \x1b[31m dir"
    code, out, err = _init("--home", str(home), "--name", "A", "--email", "a@example.org",
                           "--gnupg-home", str(gnupg_home), "--no-passphrase")  # fmt: skip
    assert code == 0, err
    assert "\x1b" not in out + err
    [next_line] = [line for line in out.splitlines() if line.startswith("next: ")]
    assert f"--home '{tmp_path}/my ␛[31m dir' sync" in next_line
