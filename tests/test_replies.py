"""Tests for replies: templates filled safely, encryption to the reporter and signing by us, the embargo rule,
refusal without a key, and the outbox with its event."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld
from replies_fixtures import CASE_ID, load_case, reply_store, set_case, team_identity
from triage_tui.domain import NOT_A_VULNERABILITY_REASONS
from triage_tui.replies.compose_reply import (
    ComposedReply,
    EmbargoError,
    NoReporterKeyError,
    ReplyError,
    compose_reply,
    find_reporter_key,
    threading_headers,
)
from triage_tui.replies.templates import (
    NOT_A_VULNERABILITY_PREFIX,
    TEMPLATES,
    UnknownTemplateError,
    render_reply,
)
from triage_tui.store.outbox_store import outbox_items, queue_reply
from triage_tui.store.store import Store
from ui_fixtures import HOSTILE_STRINGS

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    return reply_store(tmp_path / "triage.db", gpg_world)


def compose(database: Path, world: GpgWorld, **kwargs: object) -> ComposedReply:
    detail = load_case(database)
    draft = render_reply("acknowledgement", detail, "Team Coordinator", NOW)
    return compose_reply(
        draft,
        detail,
        team_identity(world),
        world.team.gpg,
        sender=world.team.email,
        now=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def decrypt_with(world_gpg: object, raw: bytes) -> tuple[object, EmailMessage, EmailMessage]:
    outer = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(outer, EmailMessage)
    _control, payload = outer.iter_parts()
    decrypted = world_gpg.decrypt(payload.get_payload())  # type: ignore[attr-defined]
    inner = BytesParser(policy=policy.default).parsebytes(decrypted.data)
    assert isinstance(inner, EmailMessage)
    return decrypted, outer, inner


class TestTemplates:
    def test_every_template_fills_the_case_fields(self, database: Path) -> None:
        """Each template names the case, its title and the coordinator; no placeholder is left unfilled."""
        detail = load_case(database)
        for template_id in TEMPLATES:
            draft = render_reply(template_id, detail, "Alex Coordinator", NOW)
            assert draft.subject == f"Re: [{CASE_ID}] pip: wheel RECORD path traversal"
            assert draft.to == "reporter@example.org"
            assert CASE_ID in draft.body and "Alex Coordinator" in draft.body
            assert "Rita Reporter" in draft.body
            assert "$" not in draft.body, template_id

    def test_one_not_a_vulnerability_template_per_policy_reason(self) -> None:
        """The five policy reasons of DESIGN section 2 each have a template `not-a-vulnerability:<slug>`."""
        assert len(NOT_A_VULNERABILITY_REASONS) == 5
        for slug in NOT_A_VULNERABILITY_REASONS:
            assert NOT_A_VULNERABILITY_PREFIX + slug in TEMPLATES
        ids = set(TEMPLATES)
        assert {"acknowledgement", "more-information", "fix-scheduled", "published"} <= ids

    def test_projects_and_embargo_are_filled(self, database: Path) -> None:
        set_case(database, embargo_until=datetime(2026, 4, 30, 12, 0))
        draft = render_reply("fix-scheduled", load_case(database), "Alex", NOW)
        assert "2026-04-30 12:00 UTC" in draft.body
        assert "fix for pip is being prepared" in draft.body

    def test_hostile_values_are_text_never_template(self, tmp_path: Path, gpg_world: GpgWorld) -> None:
        """Placeholders and control characters inside untrusted values are not expanded, and the subject is one line."""
        title = "$coordinator ${case_id} $$ {title} " + " ".join(HOSTILE_STRINGS) + "\nBcc: evil@example.net"
        database = reply_store(tmp_path / "h.db", gpg_world, title=title)
        set_case(database, reporter="${coordinator} $title")
        draft = render_reply("acknowledgement", load_case(database), "Alex", NOW)
        assert "Hello ${coordinator} $title," in draft.body
        assert '"$coordinator ${case_id} $$ {title} [/]' in draft.body
        assert "\x1b" not in draft.body and "\x1b" not in draft.subject
        assert "\n" not in draft.subject and "\r" not in draft.subject
        assert "␛[2J" in draft.subject
        assert draft.subject.endswith("Bcc: evil@example.net")

    def test_unknown_template(self, database: Path) -> None:
        with pytest.raises(UnknownTemplateError):
            render_reply("no-such", load_case(database), "Alex", NOW)


class TestCompose:
    def test_threads_to_the_reporters_last_message(self, database: Path) -> None:
        in_reply_to, references = threading_headers(load_case(database))
        assert in_reply_to == "<3@reports.test>"
        assert references == ("<1@reports.test>", "<2@reports.test>", "<3@reports.test>")

    def test_reporter_decrypts_and_verifies_our_signature(self, database: Path, gpg_world: GpgWorld) -> None:
        """The queued bytes decrypt with the reporter's key and carry a good signature by the team key."""
        reply = compose(database, gpg_world)
        assert reply.keys[0].fingerprint == gpg_world.reporter.fingerprint
        assert reply.keys[0].how == "signed their messages"
        decrypted, outer, inner = decrypt_with(gpg_world.reporter.gpg, reply.raw)
        assert decrypted.ok  # type: ignore[attr-defined]
        assert decrypted.valid  # type: ignore[attr-defined]
        signer = decrypted.pubkey_fingerprint or decrypted.fingerprint  # type: ignore[attr-defined]
        assert signer == gpg_world.team.fingerprint
        assert outer.get_content_type() == "multipart/encrypted"
        assert outer["In-Reply-To"] == "<3@reports.test>"
        assert outer["To"] == "reporter@example.org"
        body = inner.get_body(("plain",))
        assert body is not None and "Rita Reporter" in body.get_content()
        # We can read our own copy in the outbox later.
        assert gpg_world.team.gpg.decrypt(outer.get_payload()[1].get_payload()).ok  # type: ignore[index,union-attr]

    def test_protected_headers_hide_the_subject(self, database: Path, gpg_world: GpgWorld) -> None:
        reply = compose(database, gpg_world)
        _decrypted, outer, inner = decrypt_with(gpg_world.reporter.gpg, reply.raw)
        assert outer["Subject"] == "..."
        assert b"wheel RECORD" not in reply.raw
        assert inner["Subject"] == f"Re: [{CASE_ID}] pip: wheel RECORD path traversal"
        assert inner.get_param("protected-headers") == "v1"

    def test_falls_back_to_a_key_with_the_reporters_address(self, database: Path, gpg_world: GpgWorld) -> None:
        """Without a good signature on their messages, a key whose UID is their address is used."""
        connection = sqlite3.connect(database)
        with connection:
            connection.execute("UPDATE messages SET signature = 'unsigned', signer_fingerprint = NULL")
        connection.close()
        key = find_reporter_key(gpg_world.team.gpg, load_case(database))
        assert key.fingerprint == gpg_world.reporter.fingerprint
        assert key.how == "UID matches the address"

    def test_refuses_without_a_reporter_key(self, database: Path, gpg_world: GpgWorld) -> None:
        """A reporter the keyring has no key for: composing refuses, and nothing is built in clear."""
        connection = sqlite3.connect(database)
        with connection:
            connection.execute(
                "UPDATE messages SET sender_email = ?, signer_fingerprint = NULL", (gpg_world.stranger.email,)
            )
        connection.close()
        set_case(database, reporter_email=gpg_world.stranger.email)
        with pytest.raises(NoReporterKeyError, match="never sent unencrypted"):
            compose(database, gpg_world)

    def test_embargo_allows_only_the_reporter(self, database: Path, gpg_world: GpgWorld) -> None:
        """Under embargo, any Cc, Bcc or other To is refused; the reporter alone is fine."""
        set_case(database, embargo_until=datetime(2026, 4, 30, 12, 0))
        for extra in ({"cc": [gpg_world.other.email]}, {"bcc": [gpg_world.other.email]}):
            with pytest.raises(EmbargoError, match="under embargo until 2026-04-30 12:00 UTC"):
                compose(database, gpg_world, **extra)
        detail = load_case(database)
        draft = replace(render_reply("acknowledgement", detail, "T", NOW), to=f"Other <{gpg_world.other.email}>")
        with pytest.raises(EmbargoError):
            compose_reply(draft, detail, team_identity(gpg_world), gpg_world.team.gpg, sender="t@x.org", now=NOW)
        assert compose(database, gpg_world, cc=["REPORTER@example.org"]).recipients == ("reporter@example.org",)

    def test_after_the_embargo_a_cc_is_encrypted_to_as_well(self, database: Path, gpg_world: GpgWorld) -> None:
        set_case(database, embargo_until=datetime(2026, 3, 1, 0, 0))
        reply = compose(database, gpg_world, cc=[gpg_world.other.email])
        assert reply.recipients == ("reporter@example.org", gpg_world.other.email)
        assert gpg_world.other.gpg.decrypt(
            list(decrypt_with(gpg_world.reporter.gpg, reply.raw)[1].iter_parts())[1].get_payload()
        ).ok

    def test_bad_addresses_are_refused(self, database: Path, gpg_world: GpgWorld) -> None:
        with pytest.raises(ReplyError, match="plain mail address"):
            compose(database, gpg_world, cc=["not an address\r\nBcc: x@y"])


class TestOutbox:
    def test_queue_writes_the_row_and_the_event_together(self, database: Path, gpg_world: GpgWorld) -> None:
        reply = compose(database, gpg_world)
        store = Store(database)
        outbox_id = queue_reply(
            store,
            case_id=CASE_ID,
            recipients=reply.recipients,
            subject=reply.subject,
            raw=reply.raw,
            author="security@team.example.com",
            template="acknowledgement",
            now=NOW,
        )
        [item] = outbox_items(store, CASE_ID)
        store.close()
        assert (item.id, item.state, item.attempts, item.raw) == (outbox_id, "queued", 0, reply.raw)
        assert item.recipients == ("reporter@example.org",)
        assert item.created_at == NOW
        event = load_case(database).events[-1]
        assert event.kind == "reply.queued" and event.author == "security@team.example.com"
        assert event.payload == {"outbox_id": outbox_id, "to": ["reporter@example.org"], "template": "acknowledgement"}

    def test_a_failed_event_insert_queues_nothing(self, database: Path) -> None:
        """Row and event are one transaction: an event for a case that does not exist leaves no outbox row."""
        store = Store(database)
        with pytest.raises(Exception, match="FOREIGN KEY"):
            queue_reply(
                store, case_id="PSC-2099-9999", recipients=["a@b.c"], subject="s", raw=b"x", author="a",
                template=None, now=NOW,
            )  # fmt: skip
        assert outbox_items(store) == []
        store.close()
        assert json.loads("{}") == {}
