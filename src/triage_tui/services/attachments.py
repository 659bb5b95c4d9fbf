"""Provides saving an attachment to a file the user chose; attachments are never opened or executed."""

from __future__ import annotations

import os
from pathlib import Path

from triage_tui.store.connection import reader
from triage_tui.store.queries import attachment_data
from triage_tui.untrusted import neutralise_line


class AttachmentError(Exception):
    """The attachment could not be saved; the message says why."""


def suggested_path(folder: Path, filename: str) -> Path:
    """Where to offer saving: a neutralised basename inside `folder`, never a path or control the sender chose."""
    name = Path(neutralise_line(filename)).name.lstrip(".") or "attachment"
    return folder / name


def save_attachment(database: Path, attachment_id: int, destination: Path, *, overwrite: bool = False) -> Path:
    """Write the attachment's bytes to `destination` (mode 0600, no execute bit); refuse to replace a file."""
    with reader(database) as connection:
        found = attachment_data(connection, attachment_id)
    if found is None:
        raise AttachmentError(f"no attachment {attachment_id} in the store")
    _filename, data = found
    target = destination.expanduser()
    if target.is_dir():
        raise AttachmentError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise AttachmentError(f"the folder {target.parent} does not exist")
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        # O_EXCL: never replace a file silently; O_NOFOLLOW: never write through a planted symlink.
        descriptor = os.open(target, flags, 0o600)
    except FileExistsError:
        raise AttachmentError(f"{target} already exists; choose another name") from None
    except OSError as error:
        raise AttachmentError(f"cannot write {target}: {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return target
