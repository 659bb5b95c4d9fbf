"""Pilot tests of importing a reporter's key from the case screen (K, or the palette's "case: import key"): the key
is shown as safe text in a dialog, only y imports it, and offline is said in a sentence."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gnupg
import pytest
from textual.pilot import Pilot

from gpg_fixtures import Keyring, kill_and_remove, new_keyring
from test_key_import import HOSTILE_NAME, _keyring_with_name
from triage_tui.app import TriageApp
from triage_tui.config import Config, Identity
from triage_tui.screens.reporter_key import KeyImportModal
from ui_fixtures import BASE, attachment, frozen_clock, message, screen_text, seeded_store, settle

SIZE = (120, 36)


@pytest.fixture(scope="module")
def hostile_key() -> Iterator[Keyring]:
    ring = _keyring_with_name(HOSTILE_NAME, "eve@example.org")
    try:
        yield ring
    finally:
        kill_and_remove(ring.home)


@pytest.fixture
def workstation() -> Iterator[Keyring]:
    ring = new_keyring("coordinator@example.com")
    try:
        yield ring
    finally:
        kill_and_remove(ring.home)


def _app(tmp_path: Path, workstation: Keyring, key: bytes | None) -> TriageApp:
    files = (attachment("eve.asc", key, "application/pgp-keys"),) if key is not None else ()
    report = message(1, "Report with a key", sender=("Eve", "eve@example.org"), date=BASE, attachments=files)
    database = seeded_store(tmp_path / "triage.db", [report])
    identity = Identity(
        name="c", email=workstation.email, fingerprint=workstation.fingerprint, gnupg_home=workstation.home
    )
    return TriageApp(database, Config(path=tmp_path / "config.toml", identity=identity), clock=frozen_clock)


async def _until(pilot: Pilot[None], done: object, what: str) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if callable(done) and done():
            return
    raise AssertionError(f"timed out waiting for {what}")


async def _open_case(pilot: Pilot[Any]) -> None:
    """Open the case under the inbox's cursor, once the store is read."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def _exported(keyring: Keyring) -> bytes:
    return str(keyring.gpg.export_keys(keyring.fingerprint)).encode("ascii")


def _notes(app: TriageApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_k_shows_the_attached_key_safely_and_y_imports_it(
    tmp_path: Path, workstation: Keyring, hostile_key: Keyring
) -> None:
    app = _app(tmp_path, workstation, _exported(hostile_key))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open_case(pilot)
        await pilot.press("I")
        await _until(pilot, lambda: isinstance(app.screen, KeyImportModal), "the dialog")
        text = screen_text(app)
        assert hostile_key.fingerprint[:4] + " " + hostile_key.fingerprint[4:8] in text
        assert "[bold]x[/bold]" in text and "eve@example.org" in text and "\x1b" not in text
        assert gnupg.GPG(gnupghome=str(workstation.home)).list_keys(keys=[hostile_key.fingerprint]) == []
        await pilot.press("y")
        await _until(pilot, lambda: any("Imported" in n for n in _notes(app)), "the import")
    assert gnupg.GPG(gnupghome=str(workstation.home)).list_keys(keys=[hostile_key.fingerprint])


async def test_the_palette_offers_it_and_enter_does_not_import(
    tmp_path: Path, workstation: Keyring, hostile_key: Keyring
) -> None:
    app = _app(tmp_path, workstation, _exported(hostile_key))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open_case(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import key")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, KeyImportModal), "the dialog")
        await pilot.press("enter")  # only y imports: enter declines
        await _until(pilot, lambda: "The key was not imported." in _notes(app), "the refusal")
    assert gnupg.GPG(gnupghome=str(workstation.home)).list_keys(keys=[hostile_key.fingerprint]) == []


async def test_without_an_attached_key_an_offline_lookup_says_so(
    tmp_path: Path, workstation: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TRIAGE_TUI_WKD_URL", f"http://127.0.0.1:{port}")
    app = _app(tmp_path, workstation, None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open_case(pilot)
        await pilot.press("I")
        await _until(pilot, lambda: any(n.startswith("Offline:") for n in _notes(app)), "the offline notice")
        assert not isinstance(app.screen, KeyImportModal)
        said = next(n for n in _notes(app) if n.startswith("Offline:"))
        assert said.endswith(".") and "127.0.0.1" in said


async def test_i_warns_in_the_dialog_and_after_importing_a_key_not_of_the_reporters_address(
    tmp_path: Path, workstation: Keyring
) -> None:
    """Eve's case carries a key whose only user id is another address: I shows why replies to Eve will not use it,
    and y imports it with that warning, not a plain "Imported"."""
    other = new_keyring("someone-else@example.net")
    try:
        app = _app(tmp_path, workstation, _exported(other))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await _open_case(pilot)
            await pilot.press("I")
            await _until(pilot, lambda: isinstance(app.screen, KeyImportModal), "the dialog")
            assert "the reporter's address eve@example.org" in " ".join(screen_text(app).split())
            await pilot.press("y")
            await _until(pilot, lambda: any("Imported" in n for n in _notes(app)), "the import")
            [said] = [n for n in _notes(app) if "Imported" in n]
            assert "but none of its user ids is the reporter's address eve@example.org" in said
    finally:
        kill_and_remove(other.home)
