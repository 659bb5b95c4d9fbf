"""A coordinator's share is signed but not bound to the folder it was sent to: a pip maintainer who decrypts the share
of a pip-only case and sends it on, re-encrypted, to the uv folder (maintainers may append to every project's folder)
gets it refused on the uv maintainer's workstation, which holds no case of it and lists the copy under R. A team
onboarded from the command line on a real access-controlled Dovecot, with real gpg."""

from __future__ import annotations

from onboarding_fixtures import ACCOUNTS, PIP_CASE_TITLE, Team, rejected_on
from team_server_fixtures import connect
from triage_tui.team.envelope import encrypt_signed, open_signed
from triage_tui.team.envelope_intake import armoured_part, envelope_message


def _pip_share_signed(team: Team) -> bytes:
    """The signed form of the coordinator's share of the pip-only case, as the pip maintainer can read it from their
    own folder with their own key."""
    pip = team.maintainers["pip"]
    client = connect(team.server, ACCOUNTS["pip"])
    try:
        client.select_folder(f"{team.server.prefix}pip", readonly=True)
        messages = client.fetch(client.search(["ALL"]), [b"RFC822"])
    finally:
        client.logout()
    for data in messages.values():
        armour = armoured_part(bytes(data[b"RFC822"]))
        outer = pip.ring.gpg.decrypt(armour) if armour is not None else None
        if outer is None or not outer.ok:
            continue
        signed = bytes(outer.data)
        event = open_signed(pip.ring.gpg, signed).event
        if event is not None and event.share is not None and event.share.get("title") == PIP_CASE_TITLE:
            return signed
    raise AssertionError("the pip maintainer holds no share of the pip case")


def test_a_share_sent_on_to_another_projects_folder_is_refused_there(team: Team) -> None:
    pip, uv, coordinator = team.maintainers["pip"], team.maintainers["uv"], team.coordinator
    assert PIP_CASE_TITLE not in {case["title"] for case in team.cases_of(uv)}
    signed = _pip_share_signed(team)
    sealed = encrypt_signed(pip.ring.gpg, signed, [uv.fingerprint, coordinator.fingerprint], hidden=False)
    client = connect(team.server, ACCOUNTS["pip"])
    try:
        client.append(f"{team.server.prefix}uv", envelope_message(sealed, "pip@pip.example"))
    finally:
        client.logout()
    team.sync(uv)

    assert PIP_CASE_TITLE not in {case["title"] for case in team.cases_of(uv)}
    refused = [reason for kind, _author, reason in rejected_on(uv) if kind == "share"]
    assert refused and "wrong folder" in refused[0] and "none of yours" in refused[0], refused
    # The coordinator reads every case: the copy changes nothing there (the same share, already applied).
    team.sync(coordinator)
    assert PIP_CASE_TITLE in {case["title"] for case in team.cases_of(coordinator)}
