"""A team event whose readers include a key this workstation cannot encrypt to (missing from its keyring, expired,
revoked, or without an encryption subkey), on real gpg and a real Dovecot: the team sync names the key and why in
one line, the event waits unsent and goes on a later sync once the key is there, and events whose readers' keys
are fine are still sent in the same sync. Nothing raises, nothing is lost."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import gnupg
import pytest

from dovecot_fixtures import DovecotServer
from gpg_fixtures import (
    TEAM_OF_THREE,
    TEAM_PROJECTS,
    GpgWorld,
    Keyring,
    kill_and_remove,
    make_home,
    team_keyrings,
    write_team_config,
)
from team_config_fixtures import linked_store, mailbox_member_config, mailbox_source
from test_case_cli import cli
from test_team_sync import CASE
from triage_tui.config import Config, parse_config
from triage_tui.domain import CaseState
from triage_tui.services.store_key import unlock_store
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.store import Store
from triage_tui.sync.jobs import SourceReport
from triage_tui.sync.team_job import TeamJob
from triage_tui.team.envelope import encrypt_signed
from triage_tui.team.log import outgoing
from triage_tui.team.sharing import TeamSharer
from triage_tui.team.transport import sync_team
from ui_fixtures import seeded_store, small_inbox

UV_CASE = "PSC-2026-0002"
REASONS = {
    "missing": "not in this workstation's keyring",
    "expired": "expired",
    "revoked": "revoked",
    "sign-only": "no usable encryption subkey",
}


@dataclass(frozen=True)
class BadKeys:
    """Public keys made elsewhere, one per way a reader's key can be unusable (fingerprint by kind)."""

    gpg: gnupg.GPG
    fingerprints: dict[str, str]


def gpg_cli(home: Path, *args: str) -> None:
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", "", *args],
        capture_output=True,
        check=True,
    )


@pytest.fixture(scope="module")
def bad_keys() -> Iterator[BadKeys]:
    home = make_home()
    try:
        gpg = gnupg.GPG(gnupghome=str(home))
        # Made a day long in 2020: expired now, encryption subkey included.
        gpg_cli(home, "--faked-system-time", "20200101T000000", "--quick-gen-key", "Old <old@k.example>",
                "default", "default", "1d")  # fmt: skip
        gpg_cli(home, "--quick-gen-key", "Gone <gone@k.example>", "default", "default", "never")
        gpg_cli(home, "--quick-gen-key", "Signer <signer@k.example>", "ed25519", "sign", "never")
        gpg_cli(home, "--quick-gen-key", "New <new@k.example>", "default", "default", "never")
        by_email = {key["uids"][0].split("<")[1].rstrip(">"): key["fingerprint"] for key in gpg.list_keys()}
        revoked = by_email["gone@k.example"]
        certificate = (home / "openpgp-revocs.d" / f"{revoked}.rev").read_text()
        gpg.import_keys(certificate.replace(":-----BEGIN PGP", "-----BEGIN PGP"))
        kinds = {"expired": "old", "revoked": "gone", "sign-only": "signer", "missing": "new"}
        yield BadKeys(gpg, {kind: by_email[f"{name}@k.example"] for kind, name in kinds.items()})
    finally:
        kill_and_remove(home)


@pytest.fixture(scope="module")
def rings() -> Iterator[list[Keyring]]:
    made = team_keyrings(*TEAM_OF_THREE)
    try:
        yield made
    finally:
        for ring in made:
            kill_and_remove(ring.home)


def coordinator_config(ring: Keyring, pip_maintainer: str, uv: Keyring, dovecot: DovecotServer, user: str) -> str:
    return mailbox_member_config("Alex", ring, ring.fingerprint, pip_maintainer, uv.fingerprint, dovecot.host,
                                 dovecot.port, user)  # fmt: skip


def sync(database: Path, config: Config) -> SourceReport:
    with Store(database) as store:
        return TeamJob(store, config).run(None, None)


def waiting_cases(database: Path) -> list[str]:
    with reader(database) as connection:
        return sorted({event.case_id for event in outgoing(connection)})


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_encrypting_to_an_unusable_key_names_the_key_and_why(
    kind: str, rings: list[Keyring], bad_keys: BadKeys
) -> None:
    sender = rings[0]
    fingerprint = bad_keys.fingerprints[kind]
    if kind != "missing":
        sender.gpg.import_keys(bad_keys.gpg.export_keys(fingerprint))
    with pytest.raises(ValueError) as raised:
        encrypt_signed(sender.gpg, b"signed event", [sender.fingerprint, fingerprint])
    message = str(raised.value)
    assert fingerprint in message and REASONS[kind] in message and "\n" not in message


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_an_event_for_an_unusable_key_waits_and_the_rest_of_the_team_sync_goes_on(
    kind: str,
    tmp_path: Path,
    rings: list[Keyring],
    bad_keys: BadKeys,
    dovecot: DovecotServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    coordinator, _pip, uv = rings
    fingerprint = bad_keys.fingerprints[kind]
    if kind != "missing":
        coordinator.gpg.import_keys(bad_keys.gpg.export_keys(fingerprint))
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)
    base = linked_store(tmp_path / "base.db", (CASE, "pip"), (UV_CASE, "uv"))
    database = tmp_path / "coordinator.db"
    shutil.copy(base, database)
    config = parse_config(tmp_path / "c.toml", coordinator_config(coordinator, fingerprint, uv, dovecot, user))
    alex = TriageService(Store(database), "alex", sharer=TeamSharer(coordinator.fingerprint))
    alex.transition(CASE, CaseState.TRIAGE)  # read by the coordinators and pip's maintainer: the unusable key
    alex.transition(UV_CASE, CaseState.TRIAGE)  # read by the coordinators and uv's maintainer: keys all fine
    alex.store.close()

    report = sync(database, config)

    assert report.error is not None and not report.ok
    assert fingerprint in report.error and REASONS[kind] in report.error and "\n" not in report.error
    assert "Traceback" not in report.error and "internal error" not in report.error
    assert report.messages == 1  # the uv case's event went
    assert waiting_cases(database) == [CASE]  # the pip case's waits, kept
    with Store(database) as store:  # still waiting, still said, nothing sent twice
        again = sync_team(store, config)
    assert again.ok and again.outcome.sent == 0 and again.outcome.waiting == 1
    assert waiting_cases(database) == [CASE]
    if kind == "missing":  # the key arrives: the event goes on the next sync
        coordinator.gpg.import_keys(bad_keys.gpg.export_keys(fingerprint))
        done = sync(database, config)
        assert done.ok and done.error is None and done.messages == 1
        assert waiting_cases(database) == []


def test_triage_tui_sync_names_the_missing_key_and_still_runs_the_mail_sources(
    tmp_path: Path, gpg_world: GpgWorld, bad_keys: BadKeys, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real command line: a maintainer named by fingerprint whose key was never imported."""
    from triage_tui.store import cipher

    missing = bad_keys.fingerprints["missing"]
    user, password = dovecot.new_user()
    monkeypatch.setenv("TT_TEAM_IMAP", password)  # the command line's processes inherit it
    maildir = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    projects = TEAM_PROJECTS.replace('packages = ["pip"]', f'packages = ["pip"]\nmaintainers = ["{missing}"]')
    sources = f"""{mailbox_source(dovecot.host, dovecot.port, user)}
[sources.local]
kind = "maildir"
path = "{maildir}"

[team]
coordinators = ["{gpg_world.team.fingerprint}"]
source = "mailbox"
"""
    home = tmp_path / "home"
    write_team_config(home, gpg_world, sources, projects=projects)
    database = seeded_store(home / "triage.db", small_inbox())
    unlock_store(database, gpg_world.team.fingerprint, gpg_world.team.home)
    try:
        run = partial(cli, home)
        assert run("case", CASE, "cell", "pip", "investigating").returncode == 0  # read by the missing key
        assert run("case", UV_CASE, "cell", "uv", "investigating").returncode == 0  # uv has no maintainer here
        done = run("sync")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        lines = done.stderr.splitlines()
        assert any(line.startswith("local: synced") for line in lines)  # the mail source ran
        (named,) = [line for line in lines if missing in line]
        assert REASONS["missing"] in named and "1 team event waits for a usable key" in named
        with Store(database) as store, store.read() as connection:
            assert sorted({event.case_id for event in outgoing(connection)}) == [CASE]
    finally:
        cipher.forget_key(database)
