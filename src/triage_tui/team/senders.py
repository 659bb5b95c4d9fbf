"""Provides who counts as a team member when a mail replies into a case: the configured team's keys and their
addresses (the identity's own, and each team key's UIDs in the keyring)."""

from __future__ import annotations

from triage_tui.config import Config
from triage_tui.store.batches import TeamSenders
from triage_tui.untrusted import address_of


def team_fingerprints(config: Config) -> frozenset[str]:
    """This workstation's identity, the team's coordinators and every project's maintainers."""
    found = {config.identity.fingerprint, *(config.team.coordinators if config.team else ())}
    for project in config.projects.values():
        found.update(project.maintainers)
    return frozenset(f.replace(" ", "").upper() for f in found if f)


def team_senders(config: Config) -> TeamSenders:
    """The team's keys and addresses; a key missing from the keyring still counts by its signatures."""
    import gnupg

    fingerprints = team_fingerprints(config)
    home = config.gnupg_home()
    gpg = gnupg.GPG(gnupghome=str(home)) if home is not None else gnupg.GPG()
    addresses = {address_of(config.identity.email)}
    for key in gpg.list_keys(keys=sorted(fingerprints)):
        if str(key.get("fingerprint", "")).upper() in fingerprints:
            addresses.update(address_of(str(uid)) for uid in key.get("uids", ()))
    return TeamSenders(addresses=frozenset(a for a in addresses if a), fingerprints=fingerprints)
