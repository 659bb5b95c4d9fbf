"""Provides secrets for sources from a command (`pass show ...`) or an environment variable, never from a file."""

from __future__ import annotations

import os
import shlex
import subprocess

from triage_tui.sources.base import SourceError

COMMAND_TIMEOUT_S = 60


def secret_from(source: str, *, command: str | None, env: str | None, what: str = "password") -> str:
    """Run `command` (its first output line is the secret) or read `env`; errors name the source, never the secret."""
    if command:
        try:
            done = subprocess.run(
                shlex.split(command), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
            )
        except (OSError, ValueError, subprocess.TimeoutExpired) as error:
            raise SourceError(f"source '{source}': could not run {what}_command {command!r}: {error}") from None
        if done.returncode != 0:
            raise SourceError(
                f"source '{source}': {what}_command {command!r} exited with {done.returncode}; "
                "run it by hand to see why"
            )
        lines = done.stdout.splitlines()
        if not lines or not lines[0]:
            raise SourceError(f"source '{source}': {what}_command {command!r} printed no {what}")
        return lines[0]
    if env:
        value = os.environ.get(env)
        if not value:
            raise SourceError(f"source '{source}': the environment variable {env} (its {what}_env) is not set")
        return value
    raise SourceError(f"source '{source}': no {what}_command or {what}_env is configured")
