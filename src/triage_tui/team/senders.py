"""Provides who counts as a team member when a mail replies into a case: with a roster, its members' keys (current
and former, each until it stopped speaking for them) and their roster emails; without one, the configured team's keys
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
    """Every member's keys, each speaking for the team until it was rotated away, its member removed, or it was
    revoked since: from when the roster gave it, except the key a member was first added with, which speaks for them
    from before too (the team's mail predates its roster: a maintainer's signed replies from before `team invite` are
    theirs); and every member's roster email (removed members' too: an unsigned mail from such an address proves
    nothing, so it joins no case as the team's)."""
    spans: dict[str, list[KeyWindow]] = {}
    for member in roster.members.values():
        for index, key in enumerate(member.keys):
            ends = [t for t in (key.valid_until, key.revoked_since) if t is not None]
            # Only the addition's own window opens early: a re-added member's gap and a rotated-in key's past stay out.
            start = _EARLIEST if index == 0 else _moment(key.valid_from)
            spans.setdefault(key.fingerprint, []).append(KeyWindow(start, _moment(min(ends)) if ends else None))
    windows = {
        fingerprint: kept
        for fingerprint, found in spans.items()
        if (kept := tuple(w for w in found if w.end is None or w.start < w.end))
    }
    addresses = {address_of(config.identity.email), *(address_of(m.email) for m in roster.members.values())}
    return TeamSenders(addresses=frozenset(a for a in addresses if a), windows=windows)


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _moment(stamp: Timestamp) -> datetime:
    return stamp.moment()
