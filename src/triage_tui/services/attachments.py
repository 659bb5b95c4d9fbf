"""Provides saving an attachment to a file the user chose; attachments are never opened or executed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.services.safe_write import WriteError, write_new_file
from triage_tui.store.queries import attachment_data
from triage_tui.untrusted import neutralise_line

if TYPE_CHECKING:
    from triage_tui.store.store import Store


class AttachmentError(Exception):
    """The attachment could not be saved; the message says why."""


def suggested_path(folder: Path, filename: str) -> Path:
    """Where to offer saving: a neutralised basename inside `folder`, never a path or control the sender chose."""
    name = Path(neutralise_line(filename)).name.lstrip(".") or "attachment"
    return folder / name


def save_attachment(store: Store, attachment_id: int, destination: Path, *, overwrite: bool = False) -> Path:
    """Write the attachment's bytes to `destination` (mode 0600, no execute bit); refuse to replace a file."""
    with store.read() as connection:
        found = attachment_data(connection, attachment_id)
    if found is None:
        raise AttachmentError(f"no attachment {attachment_id} in the store")
    _filename, data = found
    try:
        return write_new_file(destination, data, overwrite=overwrite)
    except WriteError as error:
        raise AttachmentError(str(error)) from None
