"""Who an envelope names: per-audience folders say who reads them already (their ACLs), so envelopes there name
their recipients' keys and a reader's gpg opens each with one try (a hidden recipient makes it try its key on every
one, paying a passphrase-protected key's derivation each time); the one folder of a lab set-up, read by every
member, keeps them hidden. Real gpg."""

from __future__ import annotations

import subprocess

from gpg_fixtures import Keyring
from test_team_recipients import rings
from triage_tui.team.envelope import encrypt_signed, open_sealed, sign_event
from triage_tui.team.events import TeamEvent
from triage_tui.team.hlc import Timestamp

__all__ = ["rings"]  # the fixture, imported so pytest finds it here


def named_key_ids(ring: Keyring, sealed: bytes) -> list[str]:
    """The key ids the envelope's packets name (0000000000000000 for a hidden recipient); no secret key is used."""
    listed = subprocess.run(
        ["gpg", "--homedir", str(ring.home), "--batch", "--list-only", "--list-packets"],
        input=sealed, capture_output=True, check=False,
    ).stdout.decode()  # fmt: skip
    return sorted(line.split("keyid ")[1].split()[0] for line in listed.splitlines() if "pubkey enc packet" in line)


def encryption_key_id(ring: Keyring) -> str:
    listed = subprocess.run(
        ["gpg", "--homedir", str(ring.home), "--batch", "--with-colons", "--list-keys", ring.fingerprint],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return next(r.split(":")[4] for r in listed.splitlines() if r.startswith("sub:") and "e" in r.split(":")[11])


def sealed_by(coordinator: Keyring, readers: list[Keyring], *, hidden: bool) -> bytes:
    event = TeamEvent("PSC-2026-0001", coordinator.fingerprint, Timestamp(1_780_000_000_000, 0), "note", note="n")
    signed = sign_event(coordinator.gpg, event)
    return encrypt_signed(coordinator.gpg, signed, [r.fingerprint for r in readers], hidden=hidden)


def test_an_envelope_for_a_per_audience_folder_names_its_readers_keys(rings: list[Keyring]) -> None:
    coordinator, pip, _uv = rings
    sealed = sealed_by(coordinator, [coordinator, pip], hidden=False)
    assert named_key_ids(pip, sealed) == sorted([encryption_key_id(coordinator), encryption_key_id(pip)])
    opened = open_sealed(pip.gpg, sealed)
    assert opened.rejection is None and opened.event is not None and opened.event.note == "n"


def test_an_envelope_for_the_one_lab_folder_names_nobody(rings: list[Keyring]) -> None:
    coordinator, pip, uv = rings
    sealed = sealed_by(coordinator, [coordinator, pip], hidden=True)
    assert named_key_ids(uv, sealed) == ["0000000000000000", "0000000000000000"]
    assert open_sealed(pip.gpg, sealed).rejection is None
    assert open_sealed(uv.gpg, sealed).event is None  # not a reader: it cannot open it either way


def test_named_recipients_stay_named_whatever_the_senders_gpg_conf_says(rings: list[Keyring]) -> None:
    """A sender whose gpg.conf says `throw-keyids` would otherwise hide them: readers of per-audience folders refuse
    envelopes hiding their recipients, so that sender's events would be refused everywhere."""
    coordinator, pip, _uv = rings
    conf = coordinator.home / "gpg.conf"
    conf.write_text("throw-keyids\n")
    try:
        sealed = sealed_by(coordinator, [coordinator, pip], hidden=False)
    finally:
        conf.unlink()
    assert named_key_ids(pip, sealed) == sorted([encryption_key_id(coordinator), encryption_key_id(pip)])
