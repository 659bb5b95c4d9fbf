"""Provides `build_demo`: keys, config and a Maildir of encrypted reports, assembled into a demo workspace."""

from __future__ import annotations

import random
import shutil
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.demo import keys
from triage_tui.demo.config_writer import DEMO_MARKER, SENT_MAIL, render_config, write_config
from triage_tui.demo.corpus import Letter, plan_letters
from triage_tui.demo.keyrings import SenderKeyrings, sender_keyrings
from triage_tui.demo.maildir_writer import deliver, make_maildir, message_name
from triage_tui.demo.people import Cast, Person, make_cast
from triage_tui.demo.wrap import wrap_letter
from triage_tui.workspace import CONFIG_FILE

if TYPE_CHECKING:
    import gnupg

# Two workers, one per scratch home (see keyrings.SHARDS): more gain little on two cores.
WORKERS = 2


@dataclass(frozen=True)
class MaintainerKey:
    """A project maintainer of the demo's cast with their key: the public half, and where their secret key was put
    for a workstation of theirs (None: it was thrown away with the scratch homes)."""

    person: Person
    fingerprint: str
    armored: str
    gnupg_home: Path | None = None


@dataclass(frozen=True)
class DemoWorkspace:
    """What `build_demo` made: where everything is, the team key, how many messages were delivered, and each
    project's maintainers (whose signed replies are in the mail)."""

    home: Path
    config_path: Path
    maildir: Path
    gnupg_home: Path
    team_fingerprint: str
    messages: int
    maintainers: Mapping[str, tuple[MaintainerKey, ...]]


def _clear_previous_demo(home: Path) -> None:
    """Remove what an earlier demo left in `home`; refuse to touch a config that a demo did not write."""
    config_path = home / CONFIG_FILE
    if not config_path.exists():
        return
    text = config_path.read_text(encoding="utf-8", errors="replace")
    if not text.startswith(DEMO_MARKER):
        raise FileExistsError(f"{config_path}: not a demo workspace; choose an empty --home")
    try:
        old_home = tomllib.loads(text).get("identity", {}).get("gnupg_home")
    except tomllib.TOMLDecodeError:
        old_home = None
    if isinstance(old_home, str) and Path(old_home).name.startswith("ttg"):
        keys.remove_home(Path(old_home))
    keys.remove_home(home / "gnupg")
    shutil.rmtree(home / "Maildir", ignore_errors=True)
    shutil.rmtree(home / SENT_MAIL, ignore_errors=True)


def build_demo(
    home: Path,
    cases: int = 200,
    *,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
    maintainer_homes: Mapping[str, Path] | None = None,
) -> DemoWorkspace:
    """Build a demo workspace in `home`: throwaway keys, `config.toml` and a Maildir of `cases` reports.

    `maintainer_homes` (project id → an existing GnuPG home) gets the secret key of that project's first maintainer,
    so a workstation of theirs signs as the very person whose replies are in the mail."""
    if cases < 1:
        raise ValueError("cases must be at least 1")
    say = progress or (lambda _line: None)
    home = Path(home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    _clear_previous_demo(home)
    rng = random.Random(seed)
    cast = make_cast(rng, cases)
    team_home = keys.short_home(home / "gnupg")
    team_gpg = keys.open_gpg(team_home)
    maintainer_count = sum(len(group) for group in cast.maintainers.values())
    reporter_count = len(cast.reporters) + len(cast.strangers) + 1
    try:
        say(f"generating keys: the team, {maintainer_count} maintainers, {reporter_count} reporters…")
        with sender_keyrings(cast, team_gpg) as keyrings:
            maildir = make_maildir(home / "Maildir")
            say("writing config…")
            maintainers = {
                project: [keyrings.fingerprints[p.email] for p in group] for project, group in cast.maintainers.items()
            }
            text = render_config(cast.team, keyrings.team_fingerprint, team_home, maintainers, maildir)
            config = write_config(home / CONFIG_FILE, text)
            letters = plan_letters(cast, cases, rng, datetime.now(UTC))
            say(f"writing {cases} reports and {len(letters) - cases} follow-ups…")
            written = _write_letters(letters, maildir, keyrings, seed, say)
            kept = _maintainer_keys(cast, keyrings, team_gpg, maintainer_homes or {})
    finally:
        keys.kill_agent(team_home)
    say(f"done: {written} messages in {maildir}")
    return DemoWorkspace(
        home=home,
        config_path=config.path,
        maildir=maildir,
        gnupg_home=team_home,
        team_fingerprint=keyrings.team_fingerprint,
        messages=written,
        maintainers=kept,
    )


def _maintainer_keys(
    cast: Cast, keyrings: SenderKeyrings, team_gpg: gnupg.GPG, homes: Mapping[str, Path]
) -> dict[str, tuple[MaintainerKey, ...]]:
    """Each project's maintainers with their public keys (from the team's keyring, which holds them all); the first
    maintainer of each project in `homes` also gets their secret key copied from the scratch home into that home."""
    found: dict[str, tuple[MaintainerKey, ...]] = {}
    for project, group in cast.maintainers.items():
        people = []
        for index, person in enumerate(group):
            fingerprint = keyrings.fingerprints[person.email]
            home = homes.get(project) if index == 0 else None
            if home is not None:
                target = keys.open_gpg(home)
                keys.copy_secret_key(keyrings.gpgs[keyrings.shard[person.email]], target, fingerprint)
            armored = str(team_gpg.export_keys(fingerprint, minimal=True))
            people.append(MaintainerKey(person, fingerprint, armored, home))
        found[project] = tuple(people)
    return found


def _write_letters(
    letters: list[Letter],
    maildir: Path,
    keyrings: SenderKeyrings,
    seed: int,
    say: Callable[[str], None],
) -> int:
    """Wrap each letter through gpg on a small pool and deliver them in arrival order."""
    damage = random.Random(seed + 1)  # its own stream, so corrupting never shifts the plan's draws

    def wrap(job: tuple[int, Letter]) -> bytes:
        seq, letter = job
        gpg = keyrings.gpg_for(letter.signer, seq)
        return wrap_letter(letter, gpg, keyrings.fingerprints, damage)

    step = max(50, len(letters) // 5)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = pool.map(wrap, enumerate(letters))
        for seq, (letter, data) in enumerate(zip(letters, results, strict=True)):
            deliver(maildir, message_name(letter.date, seq), data, letter.date)
            if seq and seq % step == 0:
                say(f"  {seq}/{len(letters)} messages")
    return len(letters)
