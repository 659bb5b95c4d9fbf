"""Writes the joiner's `config.toml` from an opened invitation: a new file for a new workspace, or the team's tables
added to an existing one (refused if it has a `[team]`); written whole or not at all, mode 0600."""

from __future__ import annotations

from pathlib import Path

from triage_tui.config.team_writing import TeamConfigError, TeamJoinSettings, new_config_text, with_team_tables
from triage_tui.services.safe_read import ReadRefused, read_bounded
from triage_tui.services.safe_write import WriteError, write_new_file
from triage_tui.team.invitation import grouped
from triage_tui.team.invitation_document import Invitation

MAX_EXISTING_CONFIG_BYTES = 1024 * 1024
"""A config file is a few kilobytes; a bigger one is not read (and not rewritten)."""


def join_settings(
    invitation: Invitation,
    fingerprint: str,
    *,
    password_command: str | None = None,
    password_env: str | None = None,
    gnupg_home: Path | None = None,
    ca_file: Path | None = None,
) -> TeamJoinSettings:
    """What joining writes: the invitee's name and address, the joiner's key (which must be the invited one), the
    team's coordinators and prefix, and the server with the invitee's IMAP account. The password source, the GnuPG
    home and a CA file are the joiner's own choice: an invitation never carries a password or a path."""
    own = fingerprint.replace(" ", "").upper()
    if own != invitation.invitee.fingerprint:
        raise TeamConfigError(
            f"the invitation is for key {grouped(invitation.invitee.fingerprint)}, not {grouped(own[:40])}"
        )
    return TeamJoinSettings(
        name=invitation.invitee.name,
        email=invitation.invitee.email,
        fingerprint=own,
        coordinators=invitation.coordinators,
        prefix=invitation.prefix,
        host=invitation.server.host,
        port=invitation.server.port,
        security=invitation.server.security,
        username=invitation.invitee.imap_user,
        password_command=password_command,
        password_env=password_env,
        gnupg_home=gnupg_home,
        ca_file=ca_file,
    )


def write_join_config(path: Path, settings: TeamJoinSettings) -> Path:
    """Write the config at `path`: a new file when there is none, else the existing one with the team's tables added
    (replaced atomically, never through a symlink). TeamConfigError or WriteError (one line) when it cannot."""
    if not path.exists() and not path.is_symlink():
        return write_new_file(path, new_config_text(settings).encode("utf-8"))
    try:
        raw = read_bounded(path, MAX_EXISTING_CONFIG_BYTES, follow_symlinks=False)
    except ReadRefused as error:
        if error.kind == "too-big":
            message = f"{path} is over {MAX_EXISTING_CONFIG_BYTES} bytes; not a config file this writes to"
            raise TeamConfigError(message) from None
        if error.kind in ("symlink", "not-regular"):
            raise WriteError(f"{path} is not a regular file; give the path of a real config file") from None
        raise WriteError(f"cannot read {path}: {error.reason}") from None
    try:
        existing = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TeamConfigError(f"{path} is not UTF-8 text; fix it before joining") from None
    text = with_team_tables(existing, settings)
    return write_new_file(path, text.encode("utf-8"), overwrite=True)
