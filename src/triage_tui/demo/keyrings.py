"""Provides the demo's keys: the team key in its home, and everyone else's in scratch homes the team never sees."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import gnupg

from triage_tui.demo import keys
from triage_tui.demo.people import NEW_KEY, Cast, Person

# Each GnuPG home has one agent, which serialises its private-key work; two homes let two threads
# sign and generate keys side by side (measured: ~13 ms per signed encryption instead of ~23 ms).
SHARDS = 2


@dataclass(frozen=True)
class SenderKeyrings:
    """The senders' secret keys, spread over a few scratch homes that each hold every public key."""

    gpgs: tuple[gnupg.GPG, ...]
    team_fingerprint: str
    fingerprints: dict[str, str]  # key email → fingerprint, the team's included
    shard: dict[str, int]  # key email → index of the home holding its secret key

    def gpg_for(self, signer: str | None, fallback: int) -> gnupg.GPG:
        """The home that can sign as `signer`; any home (by `fallback`) when nothing is signed."""
        index = self.shard[signer] if signer is not None else fallback % len(self.gpgs)
        return self.gpgs[index]


@contextmanager
def _scratch_homes(count: int) -> Iterator[list[Path]]:
    with ExitStack() as stack:
        homes = []
        for _ in range(count):
            # Always under /tmp with a short name: see keys.MAX_HOME_LENGTH.
            home = Path(tempfile.mkdtemp(prefix="tts", dir="/tmp"))
            stack.callback(keys.remove_home, home)
            homes.append(home)
        yield homes


def _senders(cast: Cast) -> list[Person]:
    return [
        *(person for group in cast.maintainers.values() for person in group),
        *cast.reporters,
        *cast.strangers,
        cast.alias_reporter,
        cast.outsider,
        cast.rekeyed_reporter,
    ]


@contextmanager
def sender_keyrings(cast: Cast, team_gpg: gnupg.GPG) -> Iterator[SenderKeyrings]:
    """Generate every key; the scratch homes (and their agents) are gone when the block exits."""
    senders = _senders(cast)
    shards = [senders[i::SHARDS] for i in range(SHARDS)]
    with _scratch_homes(SHARDS) as homes:
        gpgs = tuple(keys.open_gpg(home) for home in homes)
        with ThreadPoolExecutor(SHARDS + 1) as pool:
            team_job = pool.submit(keys.generate_keys, team_gpg, [cast.team])
            shard_jobs = [pool.submit(keys.generate_keys, gpg, group) for gpg, group in zip(gpgs, shards, strict=True)]
            team_fingerprint = team_job.result()[cast.team.email]
            results = [job.result() for job in shard_jobs]
        fingerprints = {email: fpr for result in results for email, fpr in result.items()}
        shard = {email: index for index, result in enumerate(results) for email in result}
        # Every scratch home can encrypt to anyone: the team, and reporters in maintainers' replies.
        for index, gpg in enumerate(gpgs):
            keys.copy_public_keys(team_gpg, gpg, [team_fingerprint])
            for other, result in enumerate(results):
                if other != index:
                    keys.copy_public_keys(gpgs[other], gpg, result.values())
        # The team knows maintainers and most reporters; strangers and the outsider stay unknown to it.
        unknown = {person.email for person in (*cast.strangers, cast.outsider)}
        for index, result in enumerate(results):
            known = [fpr for email, fpr in result.items() if email not in unknown]
            keys.copy_public_keys(gpgs[index], team_gpg, known)
        fingerprints[cast.team.email] = team_fingerprint
        _add_new_key(cast.rekeyed_reporter, gpgs, team_gpg, fingerprints, shard)
        yield SenderKeyrings(gpgs, team_fingerprint, fingerprints, shard)


def _add_new_key(
    person: Person,
    gpgs: tuple[gnupg.GPG, ...],
    team_gpg: gnupg.GPG,
    fingerprints: dict[str, str],
    shard: dict[str, int],
) -> None:
    """A second key for `person` (same name and address), in another home than the first so each home maps the
    address to one key; the team gets its public half too, so both sign good signatures."""
    home = (shard[person.email] + 1) % len(gpgs)
    fingerprint = keys.generate_keys(gpgs[home], [person])[person.email]
    keys.copy_public_keys(gpgs[home], team_gpg, [fingerprint])
    fingerprints[NEW_KEY + person.email] = fingerprint
    shard[NEW_KEY + person.email] = home
