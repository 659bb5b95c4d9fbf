"""Pins team members' signing keys with the roster's word: a member's newer key (a rotation the roster holds)
replaces their older one in the pin with no changed-key flag, since the roster vouches for it; a key the roster does
not tie to the pinned one (another member's, or a rotation away from a revoked key) is flagged as any change is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from triage_tui.store.key_pins import KeySighting, accept_pin, pin_sightings, pinned_keys
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.roster import RosterHistory

ROSTER_VOUCHES = "the roster (a key rotation)"
"""Who a change of pin the roster made is recorded as accepted by."""


def pin_team_keys(
    connection: WriteConnection, sightings: Sequence[KeySighting], roster: RosterHistory | None, now: datetime
) -> None:
    """Pin each sighting's key to its address (first use), as `pin_sightings` does, except where the roster ties the
    pinned key and the signing one to one member by a rotation: then the address follows the member's newer key
    (and a pending change to it is marked accepted by the roster), and an older key seen late changes nothing."""
    if roster is None or not roster.exists:
        pin_sightings(connection.exec_driver_sql, sightings, now)
        return
    pins = pinned_keys(connection, [s.address for s in sightings])
    plain: list[KeySighting] = []
    for sighting in sightings:
        address, signer = sighting.address.lower(), sighting.fingerprint.upper()
        if not address:
            continue
        pinned = pins.get(address)
        newer = _newer_of_one_member(roster, pinned, signer) if pinned not in (None, signer) else None
        if newer is None:
            plain.append(sighting)
            pins.setdefault(address, signer)
            continue
        pin_sightings(connection.exec_driver_sql, plain, now)  # in the order seen: what came before goes first
        plain = []
        if newer == signer:
            accept_pin(connection, address, signer, ROSTER_VOUCHES, now)
            pins[address] = signer
    pin_sightings(connection.exec_driver_sql, plain, now)


def _newer_of_one_member(roster: RosterHistory, pinned: str | None, signer: str) -> str | None:
    """Of `pinned` and `signer`, the key the member holding both rotated to last; None unless one member holds
    both and neither is revoked (a rotation away from a compromised key may be the attacker's own)."""
    member = roster.current.holder(signer)
    if member is None or pinned is None:
        return None
    order = [key.fingerprint for key in member.keys]
    revoked = {key.fingerprint for key in member.keys if key.revoked_since is not None}
    if pinned not in order or {pinned, signer} & revoked:
        return None
    return max(pinned, signer, key=order.index)
