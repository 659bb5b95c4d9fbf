"""What a team server's directory holds: Dovecot's config (acl plugin, the `Team/` and `Reports/` public
namespaces), account lines with salted password hashes, and files owned by the account Dovecot runs as."""

from __future__ import annotations

import base64
import grp
import hashlib
import os
import pwd
import secrets
from pathlib import Path

SETTINGS = """\
mail_plugins = acl
# With the mailbox list index (on by default) Dovecot 2.3.19 answers STATUS of a public namespace's folder from the
# shared index without the ACL check: any account could count the messages of Reports/security or Team/coordinators.
# Without it every STATUS is checked (a refused folder answers "Mailbox doesn't exist").
mailbox_list_index = no
ssl = no
protocol imap {{
  mail_plugins = $mail_plugins imap_acl
  mail_max_userip_connections = 50
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
namespace team {{
  type = public
  separator = /
  prefix = {team_prefix}
  location = maildir:{d}/mail/team:LAYOUT=fs:INDEXPVT=~/Maildir/team-private
  subscriptions = no
  list = children
}}
namespace reports {{
  type = public
  separator = /
  prefix = {reports_prefix}
  location = maildir:{d}/mail/reports:LAYOUT=fs:INDEXPVT=~/Maildir/reports-private
  subscriptions = no
  list = children
}}
plugin {{
  acl = vfile
}}
passdb {{
  driver = passwd-file
  args = scheme=SSHA256 username_format=%u {d}/users
}}
"""
"""What a team server's Dovecot adds to `dovecot_run.CONFIG`: the acl plugin, the public namespaces, salted hashes."""


def write_owned(path: Path, text: str, owner: tuple[str, str] | None, mode: int = 0o644) -> None:
    """Writes `path` whole (a temp file renamed over it, so Dovecot never reads half a file), owned by `owner`."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    temp.chmod(mode)
    if owner is not None:
        os.chown(temp, *ids(owner))
    temp.replace(path)


def account_line(user: str, password: str, home: Path) -> str:
    """A passwd-file line for `user`: Dovecot keeps only the salted hash."""
    return f"{user}:{ssha256(password)}::::{home}::\n"


def ssha256(password: str) -> str:
    """Dovecot's salted SHA-256 password scheme: base64(sha256(password + salt) + salt)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha256(password.encode() + salt).digest()
    return "{SSHA256}" + base64.b64encode(digest + salt).decode()


def ids(owner: tuple[str, str]) -> tuple[int, int]:
    return pwd.getpwnam(owner[0]).pw_uid, grp.getgrnam(owner[1]).gr_gid
