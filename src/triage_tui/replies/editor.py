"""Provides editing a reply in the user's $EDITOR: a temp file in a private scratch directory, read back, removed."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Mapping

from triage_tui.intake.scratch import private_folder

DEFAULT_EDITOR = "vi"


class EditorError(Exception):
    """The editor could not be run or exited with an error; the text is unchanged."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split like a shell would."""
    env = os.environ if environ is None else environ
    return shlex.split(env.get("VISUAL") or env.get("EDITOR") or DEFAULT_EDITOR)


def run_editor(command: list[str]) -> int:
    """Run the editor on the terminal and wait for it; its exit code."""
    return subprocess.run(command, check=False).returncode


def edit_text(text: str, *, command: list[str] | None = None, run: Callable[[list[str]], int] = run_editor) -> str:
    """Let the user edit `text` in their editor and return the result.

    The draft is written to `reply.txt` (mode 0600) in a fresh 0700 directory of this process's scratch folder
    (memory-backed where possible), which is removed with the file whatever happens, a closed terminal included.

    Raises:
        EditorError: The editor could not be started or exited non-zero.
    """
    with private_folder("reply") as directory:
        path = directory / "reply.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        argv = [*(command or editor_command()), str(path)]
        try:
            code = run(argv)
        except OSError as error:
            raise EditorError(f"could not run the editor {argv[0]!r}: {error}") from None
        if code != 0:
            raise EditorError(f"the editor {argv[0]!r} exited with {code}; the reply text is unchanged")
        return path.read_text(encoding="utf-8", errors="replace")
