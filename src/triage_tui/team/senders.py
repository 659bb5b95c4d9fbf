"""Provides who counts as a team member when a mail replies into a case: with a roster, its members' keys (current
and former, each within the time it spoke for them) and their roster emails; without one, the configured team's keys
and their addresses (the identity's own, and each team key's UIDs in the keyring)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from triage_tui.config import Config
from triage_tui.store.batches import KeyWindow, TeamSenders
from triage_tui.untrusted import address_of

if TYPE_CHECKING:
    from triage_tui.store.store import Store
    from triage_tui.team.hlc import Timestamp
    from triage_tui.team.roster import Roster


def team_fingerprints(config: Config) -> frozenset[str]:
    """This workstation's identity, the team's coordinators and every project's maintainers (the config's)."""
    found = {config.identity.fingerprint, *(config.team.coordinators if config.team else ())}
    for project in config.projects.values():
        found.update(project.maintainers)
    return frozenset(f.replace(" ", "").upper() for f in found if f)


def team_senders(config: Config, store: Store | None = None) -> TeamSenders:
    """The team's keys and addresses: the roster's once `store` holds one (the roster decides, not the config),
    else the config's; a config key missing from the keyring still counts by its signatures."""
    if store is not None and config.team is not None:
        from triage_tui.team.roster_receipt import load_history

        with store.read() as connection:
            history = load_history(connection, config.team.coordinators)
        if history.exists:
            return roster_senders(history.current, config)
    import gnupg

    fingerprints = team_fingerprints(config)
    home = config.gnupg_home()
    gpg = gnupg.GPG(gnupghome=str(home)) if home is not None else gnupg.GPG()
    addresses = {address_of(config.identity.email)}
    for key in gpg.list_keys(keys=sorted(fingerprints)):
        if str(key.get("fingerprint", "")).upper() in fingerprints:
            addresses.update(address_of(str(uid)) for uid in key.get("uids", ()))
    return TeamSenders(addresses=frozenset(a for a in addresses if a), fingerprints=fingerprints)


def roster_senders(roster: Roster, config: Config) -> TeamSenders:
    """Every member's keys, each speaking for the team from when the roster gave it until it was rotated away,
    its member removed, or it was revoked since; and every member's roster email (removed members' too: an
    unsigned mail from such an address proves nothing, so it joins no case as the team's)."""
    windows: dict[str, tuple[KeyWindow, ...]] = {}
    for member in roster.members.values():
        for key in member.keys:
            ends = [t for t in (key.valid_until, key.revoked_since) if t is not None]
            end = _moment(min(ends)) if ends else None
            if end is None or _moment(key.valid_from) < end:
                windows[key.fingerprint] = (*windows.get(key.fingerprint, ()), KeyWindow(_moment(key.valid_from), end))
    addresses = {address_of(config.identity.email), *(address_of(m.email) for m in roster.members.values())}
    return TeamSenders(addresses=frozenset(a for a in addresses if a), windows=windows)


def _moment(stamp: Timestamp) -> datetime:
    return datetime.fromtimestamp(stamp.wall_ms / 1000, UTC)
