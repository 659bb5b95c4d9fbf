"""Tests for the demo workspace generator, with real gpg."""

from __future__ import annotations

import email
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import gnupg
import pytest

from triage_tui.config import MaildirSourceConfig, load_config
from triage_tui.demo import DemoWorkspace, build_demo
from triage_tui.demo.keys import MAX_HOME_LENGTH, short_home

CASES = 12


def _kill_and_remove(path: Path) -> None:
    for home in (path / "gnupg",):
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoWorkspace]:
    home = Path(tempfile.mkdtemp(prefix="ttd", dir="/tmp"))
    try:
        yield build_demo(home, CASES)
    finally:
        _kill_and_remove(home)


def _messages(ws: DemoWorkspace) -> list[tuple[Path, bytes, EmailMessage]]:
    result = []
    for path in sorted((ws.maildir / "new").iterdir()):
        raw = path.read_bytes()
        parsed = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        result.append((path, raw, parsed))
    return result


def _classify(gpg: gnupg.GPG, raw: bytes, msg: EmailMessage) -> str:
    """A coarse verdict per message, enough to find the special ones."""
    if msg.get_content_type() == "multipart/encrypted":
        parts = list(msg.iter_parts())
        result = gpg.decrypt(parts[1].get_payload())
        if result.status == "no secret key":
            return "not-to-us"
        if not result.ok:
            return "corrupted"
        if result.valid:
            signer_email = parseaddr(result.username)[1]
            if signer_email != parseaddr(str(msg["From"]))[1]:
                return "alias"
            return "good"
        if any(problem.get("status") == "no public key" for problem in result.problems):
            return "unknown-key"
        return "encrypted"
    if msg.get_content_type() == "multipart/signed":
        return "signed"
    if b"-----BEGIN PGP" in raw:
        return "inline"
    return "plain"


def test_config_loads_and_matches_workspace(demo: DemoWorkspace) -> None:
    config = load_config(demo.config_path)
    assert config.identity.fingerprint == demo.team_fingerprint
    assert config.identity.email == "security@packaging-security.example"
    assert config.identity.gnupg_home == demo.gnupg_home
    assert len(str(demo.gnupg_home)) <= MAX_HOME_LENGTH
    assert set(config.projects) == {
        "pip", "uv", "poetry", "conda", "pdm", "hatch", "setuptools", "twine", "pypi",
    }  # fmt: skip
    assert config.projects["poetry"].packages == ("poetry", "poetry-core")
    assert config.projects["conda"].packages == ("conda:conda",)
    assert config.projects["pypi"].packages == ()
    assert config.projects["pypi"].repository == "pypi/warehouse"
    assert all(project.maintainers for project in config.projects.values())
    source = config.sources["demo-inbox"]
    assert isinstance(source, MaildirSourceConfig)
    assert source.path == demo.maildir


def test_team_keyring_holds_only_the_team_secret(demo: DemoWorkspace) -> None:
    gpg = gnupg.GPG(gnupghome=str(demo.gnupg_home))
    secrets = gpg.list_keys(secret=True)
    assert [key["fingerprint"] for key in secrets] == [demo.team_fingerprint]
    config = load_config(demo.config_path)
    public = {key["fingerprint"] for key in gpg.list_keys()}
    for project in config.projects.values():
        assert set(project.maintainers) <= public


def test_maildir_layout_count_and_order(demo: DemoWorkspace) -> None:
    assert not list((demo.maildir / "cur").iterdir())
    assert not list((demo.maildir / "tmp").iterdir())
    messages = _messages(demo)
    assert len(messages) == demo.messages
    firsts = [msg for _, _, msg in messages if msg["In-Reply-To"] is None]
    assert len(firsts) == CASES
    dates = [parsedate_to_datetime(str(msg["Date"])) for _, _, msg in messages]
    assert dates == sorted(dates)
    ids = {str(msg["Message-ID"]) for _, _, msg in messages}
    for _, _, msg in messages:
        if msg["In-Reply-To"] is not None:
            assert str(msg["In-Reply-To"]) in ids
            assert str(msg["References"]).split()[-1] == str(msg["In-Reply-To"])


def test_special_messages_exist(demo: DemoWorkspace) -> None:
    gpg = gnupg.GPG(gnupghome=str(demo.gnupg_home))
    verdicts = Counter(_classify(gpg, raw, msg) for _, raw, msg in _messages(demo))
    assert verdicts["plain"] == 1
    assert verdicts["not-to-us"] == 1
    assert verdicts["corrupted"] == 1
    assert verdicts["alias"] == 1
    assert verdicts["unknown-key"] >= 1
    assert verdicts["signed"] >= 1
    assert verdicts["inline"] >= 1
    assert verdicts["good"] >= 1


def test_same_seed_same_mail_and_rebuild_in_place() -> None:
    homes = [Path(tempfile.mkdtemp(prefix="ttd", dir="/tmp")) for _ in range(2)]
    try:

        def headers(ws: DemoWorkspace) -> list[tuple[str, ...]]:
            return [
                (str(m["Subject"]), str(m["From"]), str(m["Message-ID"]), str(m["In-Reply-To"]))
                for _, _, m in _messages(ws)
            ]

        first = build_demo(homes[0], CASES, seed=7)
        second = build_demo(homes[1], CASES, seed=7)
        assert headers(first) == headers(second)
        # Building again into a demo home replaces the old demo instead of piling up mail.
        third = build_demo(homes[1], CASES, seed=8)
        assert len(list((third.maildir / "new").iterdir())) == third.messages
        assert headers(third) != headers(first)
        assert third.team_fingerprint != second.team_fingerprint
    finally:
        for home in homes:
            _kill_and_remove(home)


def test_refuses_to_overwrite_a_real_workspace(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[identity]\nname = "me"\n', encoding="utf-8")
    with pytest.raises(FileExistsError):
        build_demo(tmp_path, 1)


def test_short_home_falls_back_to_tmp_for_long_paths(tmp_path: Path) -> None:
    long_home = tmp_path / ("x" * 80) / "gnupg"
    chosen = short_home(long_home)
    try:
        assert chosen != long_home
        assert len(str(chosen)) <= MAX_HOME_LENGTH
        assert chosen.stat().st_mode & 0o777 == 0o700
    finally:
        shutil.rmtree(chosen, ignore_errors=True)


def test_the_demo_command_syncs_and_fills_a_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    """`triage-tui demo --no-open`, as `make demo` runs it: the reports are synced and some span 3-4 projects."""
    from triage_tui.cli import run
    from triage_tui.store.connection import reader
    from triage_tui.store.matrix_reads import matrix_rows
    from triage_tui.store.queries import CaseFilter, get_case, list_cases

    home = Path(tempfile.mkdtemp(prefix="ttm", dir="/tmp"))
    try:
        assert run(["demo", "--home", str(home), "--cases", "60", "--no-open"]) == 0
        assert "impact matrix:" in capsys.readouterr().err
        with reader(home / "triage.db") as connection:
            rows = matrix_rows(connection, list_cases(connection, CaseFilter(), limit=None))
        spanning = [r for r in rows if sum(c.status != "unknown" for c in r.cells.values()) >= 3]
        assert len(rows) == 60 and len(spanning) >= 4
        statuses = {c.status for r in spanning for c in r.cells.values()}
        assert {"affected", "fixed", "not-affected", "investigating"} <= statuses
        # Only the two reports made unreadable on purpose fail to decrypt (a damaged one once took down every
        # report after it in its gpg run).
        with reader(home / "triage.db") as connection:
            failed = connection.execute(
                "SELECT count(*) FROM messages WHERE decryption != 'ok' AND encrypted"
            ).fetchone()
        assert failed[0] == 2
        # One reporter moved to a new key between two reports: the second is flagged until a coordinator accepts.
        from triage_tui.store.key_pins import pending_changes

        with reader(home / "triage.db") as connection:
            (change,) = pending_changes(connection)
            flagged = get_case(connection, change.case_id or "")
        assert change.role == "reporter" and change.old_fingerprint != change.new_fingerprint
        assert flagged is not None and flagged.messages[0].key_changed_from == change.old_fingerprint
    finally:
        _kill_and_remove(home)
