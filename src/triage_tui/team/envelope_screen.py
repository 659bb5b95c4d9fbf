"""Decides from an envelope's recipient list alone, before gpg sees it, whether it is worth decrypting here: refused
(not an envelope, more recipients than the team has keys, hidden recipients where envelopes name theirs), passed
over (addressed to other keys only: not for this workstation), or handed to gpg. gpg tries every secret key on each
hidden recipient, paying a passphrase's key derivation each time: a flood of such envelopes would cost seconds each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage_tui.team.envelope_packets import NotAnEnvelope, recipients

if TYPE_CHECKING:
    import gnupg

    from triage_tui.team.folders import FolderPlan

RECIPIENT_SLACK = 16
"""Recipients an envelope may have beyond the keys of the team's current members: an event of the case's history,
sealed when other members (since removed) or keys (since rotated) were among its readers."""


@dataclass(frozen=True)
class Screened:
    """What the recipient list says of an envelope: `refusal` (why it is kept, not decrypted), or `for_us` (False:
    addressed to other keys only, passed over as gpg would, without it)."""

    for_us: bool
    refusal: str | None = None


PASS = Screened(True)
NOT_FOR_US = Screened(False)


@dataclass(frozen=True)
class EnvelopeScreen:
    """The rule for one workstation: its secret keys' ids, how many recipients an envelope may have, and whether
    hidden ones are expected (the one folder of a lab set-up) or refused (per-audience folders)."""

    own_key_ids: frozenset[str]
    most: int
    hidden_allowed: bool

    @classmethod
    def of(cls, plan: FolderPlan, gpg: gnupg.GPG) -> EnvelopeScreen:
        """The rule for the workstation of `plan` with the keyring of `gpg` (one gpg run, listing its secret keys)."""
        return cls(secret_key_ids(gpg), len(plan.roles.members) + RECIPIENT_SLACK, not plan.per_audience)

    def screen(self, armoured: bytes) -> Screened:
        try:
            found = recipients(armoured, self.most)
        except NotAnEnvelope as why:
            return Screened(False, f"not a team envelope: {why}")
        if found.hidden and not self.hidden_allowed:
            return Screened(
                False, f"hides {found.hidden} of its recipients, which envelopes in per-audience folders never do"
            )
        if self.own_key_ids.intersection(found.named) or found.hidden:
            return PASS  # a hidden recipient may be this workstation: only gpg can tell
        if not self.own_key_ids:  # gpg listed no secret key (it failed to read the keyring): it decides, none is lost
            return PASS
        return NOT_FOR_US


def secret_key_ids(gpg: gnupg.GPG) -> frozenset[str]:
    """The key ids (primary and subkeys) of every secret key in the keyring: those gpg would try."""
    found: set[str] = set()
    for key in gpg.list_keys(secret=True):
        found.add(str(key["keyid"]).upper())
        found.update(str(sub[0]).upper() for sub in key.get("subkeys", []))
    return frozenset(found)
