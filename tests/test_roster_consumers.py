"""Tests that the roster decides everywhere once there is one (real gpg): who may accept a changed key, which keys
and addresses are the team's when a mail replies into a case (each key until it stopped speaking for its member: from
when the roster gave it, or from before for the key a member was added with), and the key pins of team events (a
member's rotated key is no changed key; a revoked key's successor, or another member with the same address, stays
flagged); without a roster, the config decides as before."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gnupg
import msgspec
import pytest

from gpg_fixtures import generate_key, kill_and_remove, make_home, new_keyring
from roster_fixtures import T0, TeamOfFive, add, at, deliver, remove, revoke, rotate
from team_config_fixtures import linked_store
from test_roster_convergence import empty_keyring
from triage_tui import compose
from triage_tui.app import TriageApp
from triage_tui.config import Config, Identity, TeamConfig
from triage_tui.screens.changed_keys import ChangedKeysScreen
from triage_tui.screens.questions import NoteModal
from triage_tui.sources.maildir import MaildirSource
from triage_tui.store.connection import reader
from triage_tui.store.key_pins import pending_changes
from triage_tui.store.store import Store
from triage_tui.sync.mail_source import sync_source
from triage_tui.team.envelope import Opened, open_signed, sign_event
from triage_tui.team.events import TeamEvent
from triage_tui.team.key_trust import may_accept_keys
from triage_tui.team.log import case_ref, share_of
from ui_fixtures import PROJECTS, frozen_clock, screen_text, seeded_store, settle, workspace_config

CASE = "PSC-2026-0001"
QUINN = "q@team.example"


@dataclass(frozen=True)
class Team:
    """C (founding coordinator), D (coordinator), P (pip maintainer), Q (pip maintainer) whose next key Q2 names the
    same address, and X: another person's key that also names Q's address."""

    five: TeamOfFive
    x: str


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    ring = new_keyring("c@team.example")
    try:
        d, p, q, q2, x = (generate_key(ring.gpg, email) for email in ("d@team.example", "p@team.example",
                                                                      QUINN, QUINN, QUINN))  # fmt: skip
        yield Team(TeamOfFive(ring, ring.fingerprint, d, p, q, q2), x)
    finally:
        kill_and_remove(ring.home)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_store(tmp_path_factory.mktemp("consumers") / "base.db", (CASE, "pip"))  # the case involves pip


@pytest.fixture
def receiver() -> Iterator[gnupg.GPG]:
    """A keyring of its own for each test: what one test's roster brings in, another must not find."""
    yield from empty_keyring()


def founded(team: Team) -> list[TeamEvent]:
    """C founds the roster, adds D as a coordinator, P and Q as pip's maintainers (Q with their real address)."""
    f = team.five
    return [
        add(f, f.c, f.c, "coordinator", [], 1),
        add(f, f.c, f.d, "coordinator", [], 2),
        add(f, f.c, f.p, "maintainer", ["pip"], 3),
        add(f, f.c, f.q, "maintainer", ["pip"], 4, email=QUINN),
    ]


def note(author: str, when: float, text: str) -> TeamEvent:
    return TeamEvent(CASE, author, at(when), "note", note=text)


def signed(team: Team, receiver: gnupg.GPG, event: TeamEvent) -> Opened:
    """The event signed by its author and verified by the receiver's gpg (which reports the key's UID)."""
    return open_signed(receiver, sign_event(team.five.ring.gpg, event))


def received(team: Team, event: TeamEvent) -> Opened:
    """An event as it arrives before the receiver has its author's key: verified again once the roster brings it."""
    home = make_home()
    try:
        return open_signed(gnupg.GPG(gnupghome=str(home)), sign_event(team.five.ring.gpg, event))
    finally:
        kill_and_remove(home)


def pins(database: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Each team address's pinned key, and the changed keys still flagged (address, old, new)."""
    with reader(database) as connection:
        rows = connection.execute("SELECT address, fingerprint FROM key_pins WHERE address LIKE '%@team.example'")
        pinned = {str(r[0]): str(r[1]) for r in rows}
        flagged = [(c.address, c.old_fingerprint, c.new_fingerprint) for c in pending_changes(connection)]
    return pinned, flagged


def applied(database: Path) -> set[str]:
    with reader(database) as connection:
        return {str(r[0]) for r in connection.execute("SELECT id FROM team_events WHERE status = 'applied'")}


def test_a_members_rotated_key_is_no_changed_key_in_any_order(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    before, after = note(f.q, 4.5, "by Q's first key"), note(f.q2, 6, "by Q's next key")
    database = tmp_path / "rotated.db"
    shutil.copy(base, database)
    # The event signed by the new key comes first, before the rotation that vouches for it.
    deliver(database, receiver, [f.c], [founded(team), [received(team, after)]])
    deliver(database, receiver, [f.c], [[signed(team, receiver, before)], [rotate(f, f.q, f.q2, 5)]])
    assert {before.id, after.id} <= applied(database)
    assert pins(database) == ({QUINN: f.q2}, [])  # the roster vouches for the rotation: nothing to accept by hand

    late = note(f.q, 4.7, "by Q's first key, before the rotation, received after it")
    deliver(database, receiver, [f.c], [[signed(team, receiver, late)]])
    assert late.id in applied(database)
    assert pins(database) == ({QUINN: f.q2}, [])  # an older key of the same member seen late changes nothing


def test_a_revoked_keys_successor_and_another_member_with_the_address_stay_flagged(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = tmp_path / "revoked.db"
    shutil.copy(base, database)
    first, successor = note(f.q, 4.5, "by Q's first key"), note(f.q2, 6, "by the key Q's revoked key rotated to")
    deliver(database, receiver, [f.c], [founded(team), [rotate(f, f.q, f.q2, 5), revoke(f.c, f.q, 4.8, 5.5)]])
    deliver(database, receiver, [f.c], [[signed(team, receiver, first)], [signed(team, receiver, successor)]])
    assert {first.id, successor.id} <= applied(database)
    # Q's first key was compromised before the rotation: the rotation may be the attacker's, so a coordinator checks.
    assert pins(database) == ({QUINN: f.q}, [(QUINN, f.q, f.q2)])

    other = tmp_path / "other.db"
    shutil.copy(base, other)
    stranger = note(team.x, 8, "by another member whose key names Q's address")
    roster = [*founded(team), remove(f.c, f.q, 6), add(f, f.c, team.x, "maintainer", ["pip"], 7, email=QUINN)]
    deliver(other, receiver, [f.c], [roster])
    deliver(other, receiver, [f.c], [[signed(team, receiver, first)], [signed(team, receiver, stranger)]])
    assert {first.id, stranger.id} <= applied(other)
    assert pins(other) == ({QUINN: f.q}, [(QUINN, f.q, team.x)])  # a removed member's key is not the new one's


def config_of(team: Team, me: str, maintainers: tuple[str, ...] = ()) -> Config:
    """A workstation's config: the founding coordinator C in `[team]`, `maintainers` hand-listed for pip."""
    solo = workspace_config(Path("config.toml"))
    projects = {p.id: (msgspec.structs.replace(p, maintainers=maintainers) if p.id == "pip" else p) for p in PROJECTS}
    with_team = msgspec.structs.replace(solo, team=TeamConfig(coordinators=(team.five.c,), source="x"))
    return msgspec.structs.replace(with_team, identity=Identity("Me", "me@team.example", me), projects=projects)


def test_the_roster_decides_who_may_accept_a_changed_key(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = tmp_path / "keys.db"
    shutil.copy(base, database)
    founder, other_coordinator = config_of(team, f.c), config_of(team, f.d)
    with reader(database) as connection:  # no roster yet: the config's [team] coordinators, as before
        assert may_accept_keys(founder, connection) and not may_accept_keys(other_coordinator, connection)
    deliver(database, receiver, [f.c], [[*founded(team), remove(f.d, f.c, 5)]])
    with reader(database) as connection:
        # The roster made D a coordinator and removed the founder, whatever their configs say.
        assert may_accept_keys(other_coordinator, connection)
        assert not may_accept_keys(founder, connection)
        assert not may_accept_keys(config_of(team, f.p), connection)


def sent(seconds: float) -> datetime:
    return datetime.fromtimestamp((T0 + seconds * 1000) / 1000, UTC)


def replies(team: Team, folder: Path, *signed_by: tuple[int, str, float, str]) -> MaildirSource:
    """A Maildir of replies into the first case's thread, each (n, key, sent at, From address) signed (PGP/MIME,
    real gpg) by that key."""
    for name in ("new", "cur", "tmp"):
        (folder / name).mkdir(parents=True)
    for n, key, when, address in signed_by:
        inner = compose.mime_report(
            subject="Re: pip: path traversal", sender=f"Member <{address}>", to="security@team.example",
            body=f"reply {n}\n", date=sent(when), message_id=f"<{n}@reports.test>", in_reply_to="<1@reports.test>",
        )  # fmt: skip
        (folder / "new" / f"{1_700_000_000 + n}.{n}.test").write_bytes(
            compose.sign_pgpmime(inner, team.five.ring.gpg, key)
        )
    return MaildirSource("local", folder)


def case_of(database: Path, n: int) -> str:
    with reader(database) as connection:
        row = connection.execute("SELECT case_id FROM messages WHERE message_id = ?", (f"<{n}@reports.test>",))
        return str(row.fetchone()[0])


def workstation(team: Team, receiver: gnupg.GPG, listed: str) -> Config:
    """The founder's workstation, its keyring the receiver's, `listed` hand-listed as a pip maintainer (whose public
    key the keyring holds)."""
    receiver.import_keys(str(team.five.ring.gpg.export_keys(listed)))
    config = config_of(team, team.five.c, maintainers=(listed,))
    me = Identity("Me", "me@team.example", team.five.c, gnupg_home=Path(receiver.gnupghome))
    return msgspec.structs.replace(config, identity=me)


def rotated_and_removed(team: Team, base: Path, receiver: gnupg.GPG, database: Path) -> Path:
    """A copy of `base` at `database` that took in the founded roster, then Q's key rotated to Q2 at 5 and P removed
    at 6."""
    f = team.five
    shutil.copy(base, database)
    deliver(database, receiver, [f.c], [[*founded(team), rotate(f, f.q, f.q2, 5), remove(f.c, f.p, 6)]])
    return database


def test_a_mail_joins_a_case_as_the_teams_by_a_roster_key_valid_when_it_was_sent(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = rotated_and_removed(team, base, receiver, tmp_path / "mail.db")
    stale = team.x  # a pip maintainer by the hand-edited config only: the roster never had them
    config = workstation(team, receiver, stale)
    pat = "p@team.example"
    source = replies(team, tmp_path / "Maildir", (101, f.q, 4.5, QUINN), (102, f.q2, 6, QUINN), (103, f.q, 7, QUINN),
                     (104, stale, 7, QUINN), (105, f.p, 5.5, pat), (106, f.p, 6.5, pat))  # fmt: skip
    assert sync_source(Store(database), config, source).messages == 6
    joined = {n: case_of(database, n) == CASE for n in range(101, 107)}
    # Q's first key before the rotation and the next one after it; P's key while P was a member. Not Q's first key
    # after its rotation, nor P's after the removal, nor a key the roster never held.
    assert joined == {101: True, 102: True, 103: False, 104: False, 105: True, 106: False}


def test_a_members_reply_signed_before_the_roster_named_them_joins_as_the_teams(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = rotated_and_removed(team, base, receiver, tmp_path / "history.db")
    config = workstation(team, receiver, team.x)
    pat = "p@team.example"
    source = replies(team, tmp_path / "Maildir", (111, f.q, -50, QUINN), (112, f.p, 0.5, pat), (113, f.q2, 2, QUINN),
                     (114, f.p, 7, pat))  # fmt: skip
    assert sync_source(Store(database), config, source).messages == 4
    joined = {n: case_of(database, n) == CASE for n in range(111, 115)}
    # The team's mail predates its roster: Q's and P's replies signed, before they were added, by the keys they were
    # added with are theirs. Not Q's next key before the rotation that gave it, nor P's key after the removal.
    assert joined == {111: True, 112: True, 113: False, 114: False}


def test_without_a_roster_the_configs_keys_are_the_teams_as_before(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    database = tmp_path / "legacy.db"
    shutil.copy(base, database)
    config = workstation(team, receiver, team.x)
    source = replies(team, tmp_path / "Maildir", (201, team.x, 7, QUINN), (202, team.five.q, 7, QUINN))
    assert sync_source(Store(database), config, source).messages == 2
    assert (case_of(database, 201), case_of(database, 202) == CASE) == (CASE, False)


async def test_the_changed_keys_view_offers_acceptance_only_to_the_rosters_coordinators(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = tmp_path / "app.db"
    shutil.copy(base, database)
    deliver(database, receiver, [f.c], [[*founded(team), remove(f.d, f.c, 5)]])
    # The founder's own config still names them a coordinator; the roster removed them.
    app = TriageApp(database, config_of(team, f.c), clock=frozen_clock)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChangedKeysScreen) and not screen.may_accept
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "A coordinator accepts changed keys" in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert any("Only a coordinator" in str(n.message) for n in app._notifications)


def cases_titled(database: Path, title: str) -> list[str]:
    with reader(database) as connection:
        rows = connection.execute("SELECT id FROM cases WHERE title = ?", (title,)).fetchall()
        return [str(row[0]) for row in rows]


def test_a_share_by_a_key_revoked_from_before_it_takes_the_shared_case_off_the_workstation(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    with reader(base) as connection:
        content, ref = share_of(connection, CASE), case_ref(connection, CASE)
        title = str(connection.execute("SELECT title FROM cases WHERE id = ?", (CASE,)).fetchone()[0])

    def shared(author: str, when: float) -> TeamEvent:
        return TeamEvent(CASE, author, at(when), "share", share=content, ref=ref)

    def noted(author: str, when: float, text: str) -> TeamEvent:
        return TeamEvent(CASE, author, at(when), "note", note=text, ref=ref)

    maintainer = seeded_store(tmp_path / "pip.db", [])  # P's workstation: none of the reports
    by_d, d_note, p_note = shared(f.d, 3.5), noted(f.d, 3.6, "from D"), noted(f.p, 3.7, "from P")
    deliver(maintainer, receiver, [f.c], [founded(team), [by_d, d_note], [p_note]])
    assert len(cases_titled(maintainer, title)) == 1 and {by_d.id, p_note.id} <= applied(maintainer)

    # D's key was compromised from before the share: what it shared must not stay here as if shared.
    deliver(maintainer, receiver, [f.c], [[revoke(f.c, f.d, 3.2, 10)]])
    assert cases_titled(maintainer, title) == []
    with reader(maintainer) as connection:
        assert connection.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
        rejected = connection.execute("SELECT rejection FROM team_events WHERE id = ?", (by_d.id,)).fetchone()[0]
    assert rejected == "REVOKED" and by_d.id not in applied(maintainer)

    # A good share of the report later brings it back, with the events that still stand: neither D's note nor P's
    # (made when only D's share, now refused, linked pip to the case: a maintainer's note counts only after a valid
    # coordinator's link), but P's notes from then on.
    by_c = shared(f.c, 11)
    deliver(maintainer, receiver, [f.c], [[by_c, noted(f.p, 12, "from P, after C's share")]])
    [back] = cases_titled(maintainer, title)
    with reader(maintainer) as connection:
        notes = connection.execute(
            "SELECT json_extract(payload, '$.text') FROM events WHERE case_id = ? AND kind = 'note'", (back,)
        ).fetchall()
    assert [row[0] for row in notes] == ["from P, after C's share"]


async def test_the_case_screen_says_the_rule_when_the_rosters_maintainer_asks_for_a_coordinators_decision(
    team: Team, base: Path, receiver: gnupg.GPG, tmp_path: Path
) -> None:
    f = team.five
    database = tmp_path / "maintainer.db"
    shutil.copy(base, database)
    deliver(database, receiver, [f.c], [founded(team)])
    # P's own config names them among the coordinators; the roster made them pip's maintainer.
    config = config_of(team, f.p)
    config = msgspec.structs.replace(config, team=TeamConfig(coordinators=(f.c, f.p), source="x"))
    app = TriageApp(database, config, clock=frozen_clock)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        case_screen = app.screen
        for key in ("t", "x", "e", "d"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is case_screen  # no dialog for a decision the team would refuse
        said = [str(n.message) for n in app._notifications]
        assert sum("only coordinators change state" in text for text in said) == 3
        assert any("only a coordinator merges cases" in text for text in said)
        await pilot.press("N")  # a note is a maintainer's to add
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
