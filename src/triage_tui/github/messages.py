"""An advisory as a case's thread message: its first (the report) or a description edited on GitHub later."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from triage_tui.intake.records import CryptoVerdict, ParsedMessage
from triage_tui.store.times import iso_time  # not queries: a no-change sync never needs the case readers
from triage_tui.untrusted import neutralise, neutralise_line


def author_of(source: str) -> str:
    """Who remote changes are recorded as on the timeline."""
    return f"github:{source}"


def first_message_id(ghsa_id: str) -> str:
    """The Message-ID the advisory's first message is stored under, so later description edits thread to it."""
    return f"<{ghsa_id}@github.advisory>"


def message_of(remote: Mapping[str, Any], *, first: bool) -> tuple[str, ParsedMessage]:
    """The thread message standing for an advisory's description (its first, or an edit made on GitHub later),
    with the source key it is stored under."""
    raw = json.dumps(remote, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ghsa_id = str(remote.get("ghsa_id"))
    updated = str(remote.get("updated_at") or remote.get("created_at") or "")
    key = ghsa_id if first else f"{ghsa_id}@{updated}"
    author = remote.get("author") if isinstance(remote.get("author"), Mapping) else None
    login = str(author.get("login")) if author and author.get("login") else "GitHub"
    state = str(remote.get("state") or "?")
    heading = "Private vulnerability report" if state == "triage" else f"Repository advisory ({state})"
    edit = "" if first else "Description edited on GitHub.\n\n"
    body = f"{heading} {ghsa_id} on GitHub.\n\n{edit}{remote.get('description') or ''}"
    message = ParsedMessage(
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=first_message_id(ghsa_id) if first else f"<{key}@github.advisory>",
        in_reply_to=None if first else first_message_id(ghsa_id),
        references=() if first else (first_message_id(ghsa_id),),
        subject=neutralise_line(str(remote.get("summary") or "(no summary)")),
        sender_name=neutralise_line(login),
        sender_email="",
        date=iso_time(remote.get("updated_at" if not first else "created_at")),
        body=neutralise(body),
        verdict=CryptoVerdict(warnings=("from the GitHub API: not signed by its author",)),
    )
    return key, message
