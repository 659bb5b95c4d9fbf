"""Provides `build_demo`: keys, config and a Maildir of encrypted reports, assembled into a demo workspace."""

from __future__ import annotations

import random
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gnupg

from triage_tui.demo import keys
from triage_tui.demo.config_writer import render_config, write_config
from triage_tui.demo.corpus import Letter, plan_letters
from triage_tui.demo.maildir_writer import deliver, make_maildir, message_name
from triage_tui.demo.people import Cast, make_cast
from triage_tui.demo.wrap import wrap_letter
from triage_tui.workspace import CONFIG_FILE

DEMO_MARKER = "# Demo workspace written by `triage-tui demo`"
# Two workers overlap gpg process start-up with signing; more gain little on two cores and one agent.
WORKERS = 2


@dataclass(frozen=True)
class DemoWorkspace:
    """What `build_demo` made: where everything is, the team key, and how many messages were delivered."""

    home: Path
    config_path: Path
    maildir: Path
    gnupg_home: Path
    team_fingerprint: str
    messages: int


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


@contextmanager
def _scratch_home() -> Iterator[Path]:
    """The reporters' and maintainers' keyring: their secret keys must never reach the team's home."""
    home = Path(tempfile.mkdtemp(prefix="tts", dir="/tmp"))  # short path: see keys.py
    try:
        yield home
    finally:
        keys.remove_home(home)


def _make_keys(cast: Cast, team_gpg: gnupg.GPG, scratch_gpg: gnupg.GPG) -> tuple[str, dict[str, str]]:
    """Generate every key; return the team fingerprint and email → fingerprint for everyone else."""
    others = [
        *(person for group in cast.maintainers.values() for person in group),
        *cast.reporters,
        *cast.strangers,
        cast.alias_reporter,
        cast.outsider,
    ]
    # The two homes have separate agents, so their key generation can run side by side.
    with ThreadPoolExecutor(2) as pool:
        team_job = pool.submit(keys.generate_keys, team_gpg, [cast.team])
        fingerprints = keys.generate_keys(scratch_gpg, others)
        team_fingerprint = team_job.result()[cast.team.email]
    keys.copy_public_keys(team_gpg, scratch_gpg, [team_fingerprint])
    # The team knows maintainers and most reporters; strangers and the outsider stay unknown to it.
    known = [p for p in others if p not in cast.strangers and p != cast.outsider]
    keys.copy_public_keys(scratch_gpg, team_gpg, [fingerprints[p.email] for p in known])
    fingerprints[cast.team.email] = team_fingerprint
    return team_fingerprint, fingerprints


def build_demo(
    home: Path,
    cases: int = 200,
    *,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> DemoWorkspace:
    """Build a demo workspace in `home`: throwaway keys, `config.toml` and a Maildir of `cases` reports."""
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
    try:
        with _scratch_home() as scratch:
            scratch_gpg = keys.open_gpg(scratch)
            people = 1 + sum(len(g) for g in cast.maintainers.values()) + len(cast.reporters)
            say(f"generating keys for {people + len(cast.strangers) + 2} people…")
            team_fingerprint, fingerprints = _make_keys(cast, team_gpg, scratch_gpg)
            maildir = make_maildir(home / "Maildir")
            say("writing config…")
            maintainers = {
                project: [fingerprints[p.email] for p in group] for project, group in cast.maintainers.items()
            }
            text = render_config(cast.team, team_fingerprint, team_home, maintainers, maildir)
            config = write_config(home / CONFIG_FILE, text)
            letters = plan_letters(cast, cases, rng, datetime.now(UTC))
            say(f"writing {cases} reports and {len(letters) - cases} follow-ups…")
            written = _write_letters(letters, maildir, scratch_gpg, fingerprints, seed, say)
    finally:
        keys.kill_agent(team_home)
    say(f"done: {written} messages in {maildir}")
    return DemoWorkspace(
        home=home,
        config_path=config.path,
        maildir=maildir,
        gnupg_home=team_home,
        team_fingerprint=team_fingerprint,
        messages=written,
    )


def _write_letters(
    letters: list[Letter],
    maildir: Path,
    gpg: gnupg.GPG,
    fingerprints: dict[str, str],
    seed: int,
    say: Callable[[str], None],
) -> int:
    """Wrap each letter through gpg on a small pool and deliver them in arrival order."""
    damage = random.Random(seed + 1)  # its own stream, so corrupting never shifts the plan's draws

    def wrap(letter: Letter) -> bytes:
        return wrap_letter(letter, gpg, fingerprints, damage)

    step = max(50, len(letters) // 5)
    with ThreadPoolExecutor(WORKERS) as pool:
        for seq, (letter, data) in enumerate(zip(letters, pool.map(wrap, letters), strict=True)):
            deliver(maildir, message_name(letter.date, seq), data, letter.date)
            if seq and seq % step == 0:
                say(f"  {seq}/{len(letters)} messages")
    return len(letters)
