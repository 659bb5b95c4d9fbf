"""Creates the case a coordinator shared with this workstation from what the share carries: its title, reporter,
messages' text and projects (the decisions follow as events)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from triage_tui.domain import format_case_id, shared_by_warning
from triage_tui.store import team_case_store as cases
from triage_tui.store.queries import iso_time
from triage_tui.store.roster_store import holds_roster
from triage_tui.store.team_log_store import place_waiting
from triage_tui.store.team_runner import WriteConnection
from triage_tui.team.events import TeamEvent
from triage_tui.team.refs import UNRESOLVED, ambiguous_ref, remember_ref, resolve_case
from triage_tui.untrusted import neutralise, neutralise_line


def create_shared_case(connection: WriteConnection, event: TeamEvent, now: datetime) -> str | None:
    """The case a coordinator shared with this workstation: its title, reporter and messages (the decisions follow
    as events); returns its id here, or None if the report is here already.

    Once this store holds a roster (a real team) it gets this workstation's next number of its year; before (the
    lab's config-only set-up) it keeps the author's id unless a case here has that id already, and then gets the
    next number. Events about it that came before it are placed on it."""
    share = event.share or {}
    if ambiguous_ref(connection, event) is not None:
        return None  # which report it is cannot be told here: `receive` keeps it, refused with the reason
    held = resolve_case(connection, event)
    if held is not None and cases.case_exists(connection, held):
        remember_ref(connection, event.ref, held)
        return None
    received = iso_time(share.get("received_at")) or now
    if event.ref is None:
        case_id = event.case_id  # an event from before refs: its id is all there is
    elif holds_roster(connection) or event.case_id == event.ref:
        # A real team: this workstation's own next number (its author's events name the case by its ref alone, never
        # by their number, whose gaps would tell how many cases the coordinators hold that were never shared here).
        case_id = format_case_id(received.year, cases.next_case_number(connection, received.year))
    else:
        case_id = _claim_case_id(connection, event.case_id)
    year, number = _case_number(case_id)
    messages = [m for m in share.get("messages") or [] if isinstance(m, Mapping)]
    case = {
        "id": case_id, "year": year, "number": number,
        "title": neutralise_line(str(share.get("title") or case_id)),
        "reporter": neutralise_line(str(share.get("reporter") or "")), "reporter_email": "",
        "signature": "shared", "received_at": received, "created_at": now, "updated_at": received,
        "message_count": len(messages),
    }  # fmt: skip
    texts = []
    for index, message in enumerate(messages):
        texts.append({
            "case_id": case_id, "source": "team", "source_key": f"{event.id}:{index}",
            "subject": neutralise_line(str(message.get("subject") or "")),
            "sender_name": neutralise_line(str(message.get("from") or "")), "sender_email": "",
            "sent_at": iso_time(message.get("date")), "received_at": now,
            "body": neutralise(str(message.get("body") or "")),
            "warnings": json.dumps([shared_by_warning(event.author)]),
            "content_hash": event.id,
        })  # fmt: skip
    cases.insert_shared_case(connection, case, texts)
    for project in share.get("projects") or []:
        cases.link_project(connection, case_id, str(project), now)
    remember_ref(connection, event.ref, case_id)
    if event.ref is not None:
        place_waiting(connection, event.ref, case_id, UNRESOLVED)
    return case_id


def _claim_case_id(connection: WriteConnection, wanted: str) -> str:
    """`wanted` if no case here has it, else the next free number of its year; the year's counter is moved past
    it, so reports numbered here later never take it."""
    year, number = _case_number(wanted)
    return format_case_id(year, cases.claim_case_number(connection, wanted, year, number))


def _case_number(case_id: str) -> tuple[int, int]:
    parts = case_id.split("-")
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, abs(hash(case_id)) % 1_000_000
