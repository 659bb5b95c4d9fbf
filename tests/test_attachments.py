"""Tests for saving attachments: exact bytes, private mode, never overwriting, never following symlinks."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from store_fixtures import parsed
from triage_tui.intake.records import Attachment
from triage_tui.services.attachments import AttachmentError, save_attachment, suggested_path
from triage_tui.store.batches import IncomingItem
from triage_tui.store.connection import reader
from triage_tui.store.ingest import store_batch
from triage_tui.store.store import Store

PAYLOAD = bytes(range(256)) * 4


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "triage.db"
    attachment = Attachment("poc.sh", "application/x-sh", len(PAYLOAD), hashlib.sha256(PAYLOAD).hexdigest(), PAYLOAD)
    store = Store(path)
    store_batch(store, [IncomingItem("s", "1", parsed("pip: poc", attachments=(attachment,)))])
    store.close()
    return path


def attachment_id(database: Path) -> int:
    with reader(database) as c:
        return int(c.execute("SELECT id FROM attachments").fetchone()[0])


def test_saves_exact_bytes_without_execute_permission(database: Path, tmp_path: Path) -> None:
    target = save_attachment(Store(database), attachment_id(database), tmp_path / "out.sh")
    assert target.read_bytes() == PAYLOAD
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_never_overwrites_or_follows_symlinks(database: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.write_text("keep me")
    with pytest.raises(AttachmentError, match="already exists"):
        save_attachment(Store(database), attachment_id(database), existing)
    assert existing.read_text() == "keep me"
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    os.symlink(victim, tmp_path / "link")
    with pytest.raises(AttachmentError):
        save_attachment(Store(database), attachment_id(database), tmp_path / "link", overwrite=True)
    assert victim.read_text() == "untouched"
    with pytest.raises(AttachmentError, match="does not exist"):
        save_attachment(Store(database), attachment_id(database), tmp_path / "missing" / "x")


def test_suggested_path_is_a_plain_name_in_the_folder(tmp_path: Path) -> None:
    assert suggested_path(tmp_path, "../../etc/passwd") == tmp_path / "passwd"
    assert suggested_path(tmp_path, ".bashrc") == tmp_path / "bashrc"
    assert suggested_path(tmp_path, "") == tmp_path / "attachment"


def test_suggested_path_neutralises_controls(tmp_path: Path) -> None:
    assert suggested_path(tmp_path, "\u202etxt.exe") == tmp_path / "<U+202E>txt.exe"
    assert suggested_path(tmp_path, "a\x1b[2Jb") == tmp_path / "a␛[2Jb"
