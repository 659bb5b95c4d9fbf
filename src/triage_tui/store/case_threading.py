"""Provides finding the case a new message belongs to (a genuine reply joins it) and the projects a new report names."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from sqlalchemy import Connection, select

from triage_tui.config import Project
from triage_tui.domain import Decryption, Signature
from triage_tui.intake.records import ParsedMessage
from triage_tui.store.batches import TeamSenders
from triage_tui.store.in_lists import in_parts
from triage_tui.store.key_pins import pinned_keys
from triage_tui.store.tables import CASES, MESSAGES
from triage_tui.store.tables import MESSAGE_REFS as REFS
from triage_tui.untrusted import address_of

_PLACEHOLDER_SUBJECTS = {"", "...", "[...]", "…"}


def title_for(message: ParsedMessage) -> str:
    """The title of a case a message opens: its subject, or what stands for a missing or unreadable one."""
    subject = message.subject.strip()
    if subject not in _PLACEHOLDER_SUBJECTS:
        return subject
    if message.verdict.decryption not in (Decryption.OK, Decryption.NOT_ENCRYPTED):
        return f"(unreadable message: {message.verdict.decryption.value})"
    return "(no subject)"


def reply_prefix_free(subject: str) -> str:
    """`subject` without its Re:/Fwd:/Aw: prefixes."""
    return re.sub(r"^(\s*(re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)


class ProjectMatcher:
    """Guesses which configured projects a new report names; the cells it creates stay `unknown`."""

    def __init__(self, projects: Sequence[Project]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for project in projects:
            names = {project.id, project.name}
            names.update(p.removeprefix("conda:") for p in project.packages)
            if project.repository:
                names.add(project.repository)
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n)
            self._patterns.append((project.id, re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))

    def match(self, title: str, body: str) -> list[str]:
        """The projects a report names: those in its title, else those near the start of its body."""
        in_title = [pid for pid, pattern in self._patterns if pattern.search(title)]
        if in_title:
            return in_title
        return [pid for pid, pattern in self._patterns if pattern.search(body[:4000])]


class Threader:
    """Finds the case a message belongs to: a genuine reply (its In-Reply-To or References name a message of the
    case, or a message already stored names it as its parent) from the case's reporter or a team member.

    Everything else is a case of its own: what a message says about itself (its subject naming a case id, its own
    Message-ID, its From line) is chosen by its sender, so it is only ever a hint for the coordinator (`d` offers
    it). A team member proves who they are by a good signature of a team key; a reporter by the key their address
    is pinned to, or, if they never signed, by their From address (the best evidence there is)."""

    def __init__(self, connection: Connection, messages: Sequence[ParsedMessage], team: TeamSenders) -> None:
        # Everything the batch could point at is looked up in a few queries up front: per-message queries were
        # most of the cost of storing a chunk.
        self.team = team
        # Parsing an address is most of the cost of threading a message: each distinct one is parsed once a batch.
        self.address_of = functools.cache(address_of)
        references = {r for m in messages for r in (m.in_reply_to, *m.references) if r}
        # Several stored messages, of several cases, may carry one Message-ID (its sender chose it): each is a
        # candidate, kept with its row id so the newest can be told.
        self.holders_of_message_id: dict[str, list[tuple[str, int]]] = {}
        for part in in_parts(sorted(references)):
            rows = connection.execute(
                select(MESSAGES.c.message_id, MESSAGES.c.case_id, MESSAGES.c.id).where(MESSAGES.c.message_id.in_(part))
            ).all()
            for row in rows:
                self.holders_of_message_id.setdefault(row.message_id, []).append((row.case_id, row.id))
        own_ids = sorted({m.message_id for m in messages if m.message_id})
        self.holders_of_child_ref: dict[str, list[tuple[str, int]]] = {}
        for part in in_parts(own_ids):
            rows = connection.execute(
                select(REFS.c.ref, MESSAGES.c.case_id, MESSAGES.c.id)
                .join(MESSAGES, REFS.c.message_pk == MESSAGES.c.id)
                .where(REFS.c.ref.in_(part))
            ).all()
            for row in rows:
                self.holders_of_child_ref.setdefault(row.ref, []).append((row.case_id, row.id))
        self.reporter_of: dict[str, tuple[str, str]] = {}
        held = (*self.holders_of_message_id.values(), *self.holders_of_child_ref.values())
        cases = sorted({case_id for holders in held for case_id, _ in holders})
        for part in in_parts(cases):
            reporters = connection.execute(
                select(CASES.c.id, CASES.c.reporter_email, CASES.c.reporter_fingerprint).where(CASES.c.id.in_(part))
            ).all()
            for case in reporters:
                self.reporter_of[case.id] = (
                    self.address_of(case.reporter_email or ""),
                    (case.reporter_fingerprint or "").upper(),
                )
        senders = {self.address_of(m.sender_email) for m in messages}
        self.pinned = pinned_keys(connection, {*senders, *(address for address, _ in self.reporter_of.values())})
        self.next_row = 1 << 62  # stands for the row id a message of this batch will get: after every stored one

    def find_case(self, message: ParsedMessage) -> str | None:
        """The case `message` replies to and may join, or None for a case of its own.

        A reference may name a message of several cases (a Message-ID is the sender's choice, so a stranger can
        use someone else's first): of the cases whose rule the sender satisfies, the one holding the most specific
        reference wins (In-Reply-To, then References from the last); then a case the reply's signer reported
        (by key, rather than by a From line); then the one holding most of the reply's references; then the newest.
        """
        refs = [r for r in dict.fromkeys((message.in_reply_to, *reversed(message.references))) if r]
        holders = [self.holders_of_message_id.get(ref, []) for ref in refs]
        if message.message_id:
            holders.append(self.holders_of_child_ref.get(message.message_id, []))
        specificity: dict[str, tuple[int, int]] = {}  # case: its most specific reference, and its newest holder
        references_held: dict[str, int] = {}
        for rank, cases in enumerate(holders):
            for case_id in {c for c, _ in cases}:
                references_held[case_id] = references_held.get(case_id, 0) + 1
            for case_id, row in cases:
                seen = specificity.get(case_id)
                if seen is None or (seen[0] == rank and row > seen[1]):
                    specificity[case_id] = (rank, row)
        allowed = [case_id for case_id in specificity if self._may_join(message, case_id)]
        if not allowed:
            return None
        signer = _good_signer(message)

        def preference(case_id: str) -> tuple[int, bool, int, int]:
            rank, newest = specificity[case_id]
            by_reporter_key = bool(signer) and signer == self.reporter_of.get(case_id, ("", ""))[1]
            return rank, not by_reporter_key, -references_held[case_id], -newest

        return min(allowed, key=preference)

    def _may_join(self, message: ParsedMessage, case_id: str) -> bool:
        """Whether the sender proves to be a team member (a good signature by a team key) or the case's reporter."""
        signer = _good_signer(message)
        if signer and self.team.speaks_for_team(signer, message.date):
            return True
        address = self.address_of(message.sender_email)
        if address in self.team.addresses:
            return False  # a team address without a team key's signature is anyone's claim: team members sign
        reporter_address, reporter_key = self.reporter_of.get(case_id, ("", ""))
        if signer and signer == reporter_key:
            return True  # the key that signed the case's report
        if not address or address != reporter_address:
            return False
        # A reporter who signed is pinned to that key, and only it proves them: a From line is what a forger sends,
        # and another key (KEY CHANGED) stays apart until a coordinator accepts it and merges the reply by hand.
        pinned = self.pinned.get(address)
        return pinned is None or signer == pinned

    def signed_address(self, message: ParsedMessage) -> tuple[str, str] | None:
        """(From address, key) when a good signature's key names the From address among its UIDs: what pins a key.
        Signed by someone else's key, a message says nothing about its From address's key (intake warns of it)."""
        signer, address = _good_signer(message), self.address_of(message.sender_email)
        if not signer or not address or address not in {self.address_of(uid) for uid in message.verdict.signer_uids}:
            return None
        return address, signer

    def remember(self, message: ParsedMessage, case_id: str, *, created: bool, signed: tuple[str, str] | None) -> None:
        """Count `message`, stored in `case_id`, in the threading of the rest of the batch; `signed` is its
        `signed_address`."""
        self.next_row += 1
        if message.message_id:
            self.holders_of_message_id.setdefault(message.message_id, []).append((case_id, self.next_row))
        for ref in dict.fromkeys((message.in_reply_to, *message.references)):
            if ref:
                self.holders_of_child_ref.setdefault(ref, []).append((case_id, self.next_row))
        if created:
            self.reporter_of[case_id] = (
                self.address_of(message.sender_email),
                (message.verdict.signer_fingerprint or "").upper(),
            )
        if signed is not None:
            self.pinned.setdefault(*signed)  # as pin_sightings will: the first key seen for an address is pinned


def _good_signer(message: ParsedMessage) -> str:
    """The fingerprint of the key whose signature on `message` is good, upper-cased; "" for any other verdict."""
    verdict = message.verdict
    return (verdict.signer_fingerprint or "").upper() if verdict.signature is Signature.GOOD else ""
