"""Tests of what proves a reply's sender, end to end through a real Maildir and the real gpg: a From line naming the
team or a reporter who signs is no proof (a team key's, or the pinned key's, good signature is), and a stranger who
uses a reporter's Message-ID first cannot split the reporter's follow-ups off the reporter's own case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, Keyring, exchange, kill_and_remove, new_keyring, write_team_config
from test_maildir_sync import BASE, Mailbox
from test_report_threading import REPLIES_TO, case_of, message_ids, synced
from triage_tui import compose
from triage_tui.config import Config, load_config, parse_config
from triage_tui.services.duplicates import duplicate_candidates
from triage_tui.services.triage import TriageService
from triage_tui.store.connection import reader
from triage_tui.store.key_pins import pending_changes
from triage_tui.store.store import Store

REPORTER = "Pablo Laine <pablo.laine@example.com>"
MAINTAINER = "Hana Dubois <hana.dubois@pip.example>"
TEAM = "Packaging Security Team <security@psc.example>"
SHARED_ID = "<real-a-report@good.example>"


@dataclass(frozen=True)
class Keys:
    """The team's key, a pip maintainer's, the reporter's, and a second key naming the reporter's address (made by
    someone else; the team's keyring does not hold it until a test imports it)."""

    team: Keyring
    maintainer: Keyring
    reporter: Keyring
    impostor: Keyring


@pytest.fixture(scope="module")
def keys() -> Iterator[Keys]:
    rings: list[Keyring] = []
    try:
        # The last two keys name one address: the reporter's own, and one someone else made for it.
        for email in ("security@psc.example", "hana.dubois@pip.example", *["pablo.laine@example.com"] * 2):
            rings.append(new_keyring(email))
        team, maintainer, reporter, impostor = rings
        for writer in (maintainer, reporter, impostor):
            exchange(team, writer)
        exchange(maintainer, team)
        exchange(reporter, team)
        yield Keys(team=team, maintainer=maintainer, reporter=reporter, impostor=impostor)
    finally:
        for ring in rings:
            kill_and_remove(ring.home)


def team_workspace(home: Path, keys: Keys, maildir: Path) -> Config:
    text = f"""
[identity]
name = "Packaging Security Team"
email = "{keys.team.email}"
fingerprint = "{keys.team.fingerprint}"
gnupg_home = "{keys.team.home}"

[projects.pip]
name = "pip"
packages = ["pip"]
maintainers = ["{keys.maintainer.fingerprint}"]

[sources.local]
kind = "maildir"
path = "{maildir}"
"""
    home.mkdir(parents=True, exist_ok=True)
    return parse_config(home / "config.toml", text)


def letter(
    n: int,
    sender: str,
    *,
    reply_to: str | None = None,
    message_id: str | None = None,
    signer: Keyring | None = None,
    team: Keyring,
) -> bytes:
    """Mail `n` from `sender`: plain and unsigned, or signed by `signer` and encrypted to the team."""
    inner = compose.mime_report(
        subject="pip: wheel RECORD path traversal" if reply_to is None else "Re: pip: wheel RECORD path traversal",
        sender=sender,
        to=team.email,
        body=f"Message {n}.\n",
        date=BASE + timedelta(hours=n),
        message_id=message_id or f"<mail-{n}@example.org>",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
    )
    if signer is None:
        return inner.as_bytes()
    return compose.encrypt_pgpmime(inner, signer.gpg, [team.fingerprint], sign_with=signer.fingerprint)


def offers_first(database: Path, case_id: str, expected: str) -> bool:
    """Whether `d` on `case_id` offers `expected` first, as the case it replies to."""
    first, *_rest = duplicate_candidates(Store(database), case_id)
    return first.case.id == expected and REPLIES_TO in first.reasons


def test_a_faked_from_never_joins_a_case_a_team_or_pinned_key_signature_does(tmp_path: Path, keys: Keys) -> None:
    mailbox = Mailbox(tmp_path / "Maildir")
    config = team_workspace(tmp_path / "home", keys, mailbox.path)
    database = tmp_path / "home" / "triage.db"
    first = "<mail-1@example.org>"
    mailbox.deliver(letter(1, REPORTER, signer=keys.reporter, team=keys.team))  # pins the reporter's address
    synced(database, config)
    case = case_of(database, first)
    # Unsigned, with a faked From: the reporter, a pip maintainer, the team's own address; then signed by a key the
    # team does not hold whose UID is the reporter's address (unknown-key).
    for n, sender in ((2, REPORTER), (3, MAINTAINER), (4, TEAM)):
        mailbox.deliver(letter(n, sender, reply_to=first, team=keys.team))
    mailbox.deliver(letter(5, REPORTER, reply_to=first, signer=keys.impostor, team=keys.team))
    # The genuine replies: each signed by the key that proves its sender.
    mailbox.deliver(letter(6, REPORTER, reply_to=first, signer=keys.reporter, team=keys.team))
    mailbox.deliver(letter(7, MAINTAINER, reply_to="<mail-6@example.org>", signer=keys.maintainer, team=keys.team))
    mailbox.deliver(letter(8, TEAM, reply_to="<mail-7@example.org>", signer=keys.team, team=keys.team))
    synced(database, config)
    genuine = ["<mail-1@example.org>", "<mail-6@example.org>", "<mail-7@example.org>", "<mail-8@example.org>"]
    assert message_ids(database, case) == genuine
    faked = [case_of(database, f"<mail-{n}@example.org>") for n in (2, 3, 4, 5)]
    assert len({case, *faked}) == 5  # each a case of its own
    assert all(offers_first(database, own, case) for own in faked)  # the coordinator can still merge it by hand

    # A good signature by another key naming the reporter's address is a changed key: flagged, and kept apart until
    # a coordinator accepts the key; the reporter's replies signed by it join from then on.
    exchange(keys.impostor, keys.team)
    mailbox.deliver(letter(9, REPORTER, reply_to=first, signer=keys.impostor, team=keys.team))
    synced(database, config)
    changed = case_of(database, "<mail-9@example.org>")
    assert changed != case and offers_first(database, changed, case)
    with reader(database) as connection:
        (change,) = pending_changes(connection)
    assert (change.address, change.new_fingerprint) == ("pablo.laine@example.com", keys.impostor.fingerprint)
    triage = TriageService(Store(database), "alex")
    try:
        assert triage.accept_key_change(change.id) is not None
    finally:
        triage.store.close()
    mailbox.deliver(letter(10, REPORTER, reply_to=first, signer=keys.impostor, team=keys.team))
    synced(database, config)
    assert message_ids(database, case) == [*genuine, "<mail-10@example.org>"]


def test_a_reporter_who_never_signed_is_known_by_the_from_address(tmp_path: Path, keys: Keys) -> None:
    mailbox = Mailbox(tmp_path / "Maildir")
    config = team_workspace(tmp_path / "home", keys, mailbox.path)
    database = tmp_path / "home" / "triage.db"
    mailbox.deliver(letter(1, REPORTER, team=keys.team))
    mailbox.deliver(letter(2, REPORTER, reply_to="<mail-1@example.org>", team=keys.team))
    mailbox.deliver(letter(3, MAINTAINER, reply_to="<mail-1@example.org>", team=keys.team))  # still no team key
    synced(database, config)
    case = case_of(database, "<mail-1@example.org>")
    assert message_ids(database, case) == ["<mail-1@example.org>", "<mail-2@example.org>"]
    assert offers_first(database, case_of(database, "<mail-3@example.org>"), case)


def shared_id_workspace(tmp_path: Path, world: GpgWorld) -> tuple[Mailbox, Config, Path]:
    """A workspace of no projects reading one Maildir, with the team key of `world`."""
    mailbox = Mailbox(tmp_path / "Maildir")
    sources = f'[sources.local]\nkind = "maildir"\npath = "{mailbox.path}"\n'
    config = load_config(write_team_config(tmp_path / "home", world, sources, projects=""))
    return mailbox, config, tmp_path / "home" / "triage.db"


@pytest.mark.parametrize("alice_signs", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("syncs", ["one sync each", "one sync for all"])
def test_a_stranger_using_a_reporters_message_id_first_cannot_split_off_her_follow_ups(
    tmp_path: Path, gpg_world: GpgWorld, alice_signs: bool, syncs: str
) -> None:
    world = gpg_world
    mailbox, config, database = shared_id_workspace(tmp_path, world)
    alice, mallory = f"Alice <{world.reporter.email}>", f"Mallory <{world.stranger.email}>"
    signer = world.reporter if alice_signs else None
    mails = [
        letter(1, mallory, message_id=SHARED_ID, team=world.team),
        letter(2, alice, message_id=SHARED_ID, signer=signer, team=world.team),
        letter(3, alice, reply_to=SHARED_ID, signer=signer, team=world.team),
        letter(4, mallory, reply_to=SHARED_ID, team=world.team),  # Mallory's reply stays in Mallory's own case
    ]
    for mail in mails:
        mailbox.deliver(mail)
        if syncs == "one sync each":
            synced(database, config)
    synced(database, config)
    with reader(database) as connection:
        rows = connection.execute("SELECT case_id, sender_email FROM messages ORDER BY id").fetchall()
    (mallorys, _), (alices, _), (alices_reply, _), (mallorys_reply, _) = rows
    assert mallorys != alices
    assert (alices_reply, mallorys_reply) == (alices, mallorys)


def test_of_two_cases_holding_the_reference_the_one_the_replys_key_reported_wins(
    tmp_path: Path, gpg_world: GpgWorld
) -> None:
    # After Alice's signed report, Mallory sends one with its Message-ID and a faked From of Alice's (a report of
    # its own: it replies to nothing). Both cases' reporter is Alice's address; only one was reported by her key.
    world = gpg_world
    mailbox, config, database = shared_id_workspace(tmp_path, world)
    alice = f"Alice <{world.reporter.email}>"
    mailbox.deliver(letter(1, alice, message_id=SHARED_ID, signer=world.reporter, team=world.team))
    synced(database, config)
    mailbox.deliver(letter(2, alice, message_id=SHARED_ID, team=world.team))
    synced(database, config)
    mailbox.deliver(letter(3, alice, reply_to=SHARED_ID, signer=world.reporter, team=world.team))
    synced(database, config)
    with reader(database) as connection:
        (alices, forged, reply) = [r[0] for r in connection.execute("SELECT case_id FROM messages ORDER BY id")]
    assert alices != forged and reply == alices
