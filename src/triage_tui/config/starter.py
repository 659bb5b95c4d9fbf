"""Provides the text of a new workspace's `config.toml` (`triage-tui init`): the identity filled in, and every other
table written out as commented examples that say what it is for."""

from __future__ import annotations

import json
from pathlib import Path

_EXAMPLES = """
# Who publishes your advisories: named in CSAF documents and CVE records. Unset, the identity's name and
# https://<your mail domain> are used; cna_org_id is the UUID CVE Services gave the CNA that publishes.
# [advisories]
# publisher_name = "Example Security Team"
# publisher_namespace = "https://example.org"
# cna_org_id = "00000000-0000-4000-8000-000000000000"
# cna_short_name = "example"

# Projects: one table per packaging tool or service you coordinate for ([projects.ID], the id used by
# `triage-tui case ID cell PROJECT ...`). Its packages link reports to it; its maintainers' keys form a trust
# boundary (once a team roster exists, the roster decides who maintains what).
# [projects.pip]
# name = "pip"
# packages = ["pip"]                 # PyPI names, or "conda:NAME" for conda packages
# repository = "pypa/pip"
# security_contact = "security@example.org"
# maintainers = ["0123456789ABCDEF0123456789ABCDEF01234567"]   # key fingerprints

# Sources: where reports come from ([sources.NAME], synced by `s` in the app or `triage-tui sync`).
# Passwords and tokens are never written here: give a command that prints one, or an environment variable.
#
# A shared IMAP mailbox:
# [sources.security-inbox]
# kind = "imap"
# host = "imap.example.org"
# port = 993
# security = "tls"                   # tls (certificate verified) | starttls | none (loopback hosts only)
# username = "security"
# password_command = "pass show security-imap"   # or password_env = "VAR"
# folders = ["INBOX"]
#
# GitHub's private vulnerability reports and draft advisories (the GitHub source):
# [sources.github]
# kind = "github"
# api_url = "https://api.github.com"
# repositories = ["pypa/pip"]
# token_env = "GITHUB_TOKEN"         # or token_command
#
# A local Maildir folder:
# [sources.local]
# kind = "maildir"
# path = "~/Mail/security"

# Where replies to reporters are sent (SMTP), and the address they come from.
# [smtp]
# host = "smtp.example.org"
# from = "security@example.org"
# security = "starttls"              # tls | starttls | none (loopback hosts only); the port follows unless set
# username = "security"
# password_command = "pass show security-smtp"   # or password_env = "VAR"

# Team sync: decisions travel as signed, encrypted events through the team's IMAP server. `triage-tui team init`
# starts a roster with you as its first coordinator; `triage-tui team join FILE` writes this table for you.
# [team]
# coordinators = ["0123456789ABCDEF0123456789ABCDEF01234567"]
# source = "security-inbox"          # an imap source above; or a [team.server] table, not both
# prefix = "Team/"                   # per-audience folders: Team/coordinators and Team/<project>

# Saved views: a named inbox filter with its own key (the palette lists them as "view: NAME").
# [views.mine]
# key = "m"
# assignee = "Your Name"
# state = "triage"

# Your keymap: a binding id (listed by `?` in the app) and the key(s) it moves to.
# [keys]
# "inbox.open_case" = "enter,o"
"""


def _toml_string(value: str) -> str:
    # A JSON string literal is a valid TOML basic string (its escapes included).
    return json.dumps(value, ensure_ascii=False)


def starter_config(name: str, email: str, fingerprint: str, gnupg_home: Path | None) -> str:
    """The text of a new workspace's config: `[identity]` set, the other tables as commented examples."""
    lines = [
        "# triage-tui workspace, written by `triage-tui init`. Each table is explained above its example; uncomment",
        "# and fill in what you use. The file's contract is in the README (Sources, Team sync) and DESIGN section 3.",
        "",
        "# Who this workstation acts as: your key decrypts reports and the store's key, and signs your decisions.",
        "[identity]",
        f"name = {_toml_string(name)}",
        f"email = {_toml_string(email)}",
        f"fingerprint = {_toml_string(fingerprint)}",
    ]
    if gnupg_home is not None:
        lines.append(f"gnupg_home = {_toml_string(str(gnupg_home))}   # unset: $GNUPGHOME, else gpg's default")
    else:
        lines.append('# gnupg_home = "~/.gnupg"         # unset: $GNUPGHOME, else gpg\'s default')
    return "\n".join(lines) + "\n" + _EXAMPLES
