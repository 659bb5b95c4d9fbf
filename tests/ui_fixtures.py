"""Provides deterministic seeded stores for the UI tests: a small realistic inbox, a large one, a hostile one."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import Worker, WorkerFailed

from triage_tui.app import TriageApp
from triage_tui.cli import run
from triage_tui.config import Config, Identity, Project, SavedView
from triage_tui.domain import Decryption, Signature, SignatureScope
from triage_tui.intake.records import Attachment, CryptoVerdict, ParsedMessage
from triage_tui.screens.dialog import ASKING
from triage_tui.store.batches import IncomingItem, TeamSenders
from triage_tui.store.ingest import store_batch
from triage_tui.store.store import Store

FROZEN_NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
"""What "now" is in every UI test."""

PROJECTS = (
    Project(id="pip", name="pip", packages=("pip",), repository="pypa/pip"),
    Project(id="uv", name="uv", packages=("uv",), repository="astral-sh/uv"),
    Project(id="setuptools", name="setuptools", packages=("setuptools",), repository="pypa/setuptools"),
    Project(id="twine", name="twine", packages=("twine",), repository="pypa/twine"),
)

REPORTER_FPR = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"
STRANGER_FPR = "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C"

HOSTILE_STRINGS = (
    "[/]",
    "[b]",
    "abc [/",
    "[RED]x",
    "[@click=app.quit]x[/]",
    "[link=https://evil]x",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "\x1b]8;;http://evil\x1b\\link",
    "\u202etxt.exe",
)
"""Texts that break or abuse markup and terminals; intake would neutralise them, but the UI must not rely on it."""

HOSTILE = " ".join(HOSTILE_STRINGS)


def frozen_clock() -> datetime:
    """The clock every UI test uses."""
    return FROZEN_NOW


def message(
    n: int,
    subject: str,
    *,
    sender: tuple[str, str] = ("Dana Reporter", "dana@example.net"),
    date: datetime,
    body: str | None = None,
    verdict: CryptoVerdict | None = None,
    unauthenticated: str = "",
    attachments: tuple[Attachment, ...] = (),
    reply_to: str | None = None,
) -> ParsedMessage:
    """A parsed message with a stable Message-ID `<n@reports.test>`."""
    raw = f"{n}:{subject}".encode()
    return ParsedMessage(
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=f"<{n}@reports.test>",
        in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
        subject=subject,
        sender_name=sender[0],
        sender_email=sender[1],
        date=date,
        body=f"Report {n}.\n\nSteps to reproduce follow." if body is None else body,
        verdict=verdict or CryptoVerdict(),
        unauthenticated_text=unauthenticated,
        attachments=attachments,
    )


def attachment(filename: str, data: bytes, content_type: str = "text/x-python") -> Attachment:
    """An attachment with its real size and hash."""
    return Attachment(filename, content_type, len(data), hashlib.sha256(data).hexdigest(), data)


GOOD = CryptoVerdict(
    encrypted=True,
    decryption=Decryption.OK,
    signature=Signature.GOOD,
    signer_fingerprint=REPORTER_FPR,
    signer_uids=("Dana Reporter <dana@example.net>",),
    scope=SignatureScope.WHOLE,
)
NO_KEY = CryptoVerdict(
    encrypted=True,
    decryption=Decryption.NO_SECRET_KEY,
    signature=Signature.UNSIGNED,
    error="no secret key for recipient 7A3B 19C2 0D4E 55F1",
)
UNKNOWN_SIGNER = CryptoVerdict(
    encrypted=True,
    decryption=Decryption.OK,
    signature=Signature.UNKNOWN_KEY,
    signer_fingerprint=STRANGER_FPR,
    scope=SignatureScope.PARTIAL,
    warnings=("signer does not match From: key 0F1E…2D3C is not dana@example.net",),
)
BAD = CryptoVerdict(encrypted=True, decryption=Decryption.OK, signature=Signature.BAD, signer_fingerprint=REPORTER_FPR)

BASE = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def small_inbox() -> list[ParsedMessage]:
    """Six cases across projects and verdicts; PSC-2026-0001 has a reply, so a two-message thread."""
    exploit = b"import tarfile\n# path traversal via crafted member names\n"
    return [
        message(
            1,
            "pip: path traversal in tarfile extraction of sdists",
            date=BASE,
            verdict=GOOD,
            body=(
                "Hello pip security team,\n\nExtracting a crafted sdist with pip writes outside the build "
                "directory.\nA member named ../../.bashrc is extracted as is.\n\nProof of concept attached.\n\n"
                "-- Dana"
            ),
            unauthenticated="Sent from my phone. Please reply quickly!",
            attachments=(attachment("poc_tarfile.py", exploit), attachment("trace.txt", b"x" * 4300, "text/plain")),
        ),
        message(
            2,
            "uv: lock file accepts hash-less URLs",
            sender=("Sam Finder", "sam@example.com"),
            date=BASE + timedelta(days=1, hours=3),
            verdict=UNKNOWN_SIGNER,
        ),
        message(
            3,
            "(encrypted report)",
            sender=("Lee Anon", "lee@example.org"),
            date=BASE + timedelta(days=2),
            verdict=NO_KEY,
            body="",
        ),
        message(
            4,
            "setuptools: arbitrary code via setup.cfg? tarfile",
            sender=("Kim Tester", "kim@example.io"),
            date=BASE + timedelta(days=3, hours=5),
        ),
        message(
            5,
            "twine: token leaked in verbose output",
            sender=("Ravi Ops", "ravi@example.dev"),
            date=BASE + timedelta(days=4),
            verdict=BAD,
        ),
        message(
            6,
            "Re: pip: path traversal in tarfile extraction of sdists",
            sender=("Alex Coordinator", "alex@example.org"),
            date=BASE + timedelta(days=5),
            verdict=GOOD,
            reply_to="<1@reports.test>",
            body="Thanks Dana, confirmed on pip 24.0. We will follow up.",
        ),
        message(
            7,
            "pip and uv: wheel RECORD not verified",
            sender=("Mei Chen", "mei@example.cn"),
            date=BASE + timedelta(days=6),
            verdict=GOOD,
        ),
    ]


def many_cases(count: int) -> list[ParsedMessage]:
    """`count` independent cases, an hour apart, rotating projects and verdicts."""
    verdicts = (GOOD, UNKNOWN_SIGNER, CryptoVerdict(), BAD)
    tools = ("pip", "uv", "setuptools", "twine")
    return [
        message(
            n,
            f"{tools[n % 4]}: report number {n}",
            sender=(f"Reporter {n % 37}", f"r{n % 37}@example.net"),
            date=BASE - timedelta(hours=n),
            verdict=verdicts[n % 4],
        )
        for n in range(1, count + 1)
    ]


def hostile_inbox() -> list[ParsedMessage]:
    """Cases whose every untrusted field carries the hostile strings, raw (as if intake had not neutralised them)."""
    return [
        message(
            100 + index,
            f"{text} subject {index}",
            sender=(f"{text} name", "evil@example.net"),
            date=BASE + timedelta(hours=index),
            verdict=UNKNOWN_SIGNER,
            body=f"body line {HOSTILE}\nsecond line {text}",
            unauthenticated=f"cleartext {text}",
            attachments=(attachment(f"{text}.py", b"print(1)\n"),),
        )
        for index, text in enumerate(HOSTILE_STRINGS)
    ]


def seeded_store(path: Path, messages: list[ParsedMessage], team: TeamSenders | None = None) -> Path:
    """A store at `path` holding `messages` (and the test projects), ingested in one batch at a fixed time; `team`
    names who may reply into any case."""
    store = Store(path)
    store.sync_projects(PROJECTS)
    items = [IncomingItem("test", f"test/{index}", m) for index, m in enumerate(messages)]
    store_batch(store, items, PROJECTS, now=FROZEN_NOW, team=team)
    store.close()
    return path


def make_app(tmp_path: Path, messages: list[ParsedMessage] | None = None) -> TriageApp:
    """A `TriageApp` over a fresh store seeded with `messages` (the small inbox by default) and a frozen clock."""
    database = seeded_store(tmp_path / "triage.db", small_inbox() if messages is None else messages)
    return TriageApp(database, clock=frozen_clock)


AppFactory = Callable[[Path, list[ParsedMessage] | None], TriageApp]


def busy_workers(app: App[Any]) -> list[Worker[Any]]:
    """The app's workers but the decision flows waiting for a dialog's answer (those end only when it is given)."""
    return [worker for worker in app.workers if worker.group != ASKING]


async def wait_for_workers(app: App[Any]) -> None:
    """Wait for the busy workers to end (given no workers, Textual's own wait would wait for every one)."""
    busy = busy_workers(app)
    if busy:
        await app.workers.wait_for_complete(busy)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the store workers and the messages they post, so the screen shows loaded data."""
    for _ in range(3):
        try:
            await wait_for_workers(pilot.app)
        except WorkerFailed:
            pass  # the app reports failed reads itself (tests assert on that); waiting is all this is for
        await pilot.pause()


def screen_text(app: App[None]) -> str:
    """The plain text of what the app's screen would draw, one line per terminal row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def printed(home: Path, *command: str) -> str:
    """What the command line prints for `command` on the workspace `home` (which must succeed)."""
    out, err = io.StringIO(), io.StringIO()
    assert run(["--home", str(home), *command], out=out, err=err) == 0, err.getvalue()
    return out.getvalue()


CRITICAL_V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
"""Scores 9.8: critical."""
MEDIUM_V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
"""Scores 6.9: medium."""
LOW_V31 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
"""Scores 1.6: low."""


def set_case(database: Path, case_id: str, **columns: object) -> None:
    """Set columns of one case directly, as the triage service would have (stored times are naive UTC text)."""
    values = [
        value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for value in columns.values()
    ]
    assignments = ", ".join(f"{name} = ?" for name in columns)
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(f"UPDATE cases SET {assignments} WHERE id = ?", [*values, case_id])
    connection.close()


def triaged_store(path: Path) -> Path:
    """The small inbox with triage decisions on it: severities, assignees, an embargo, a closed case."""
    database = seeded_store(path, small_inbox())
    set_case(database, "PSC-2026-0001", cvss_vector=CRITICAL_V31, assignee="alex@example.org", state="accepted")
    set_case(database, "PSC-2026-0002", cvss4_vector=MEDIUM_V40, embargo_until=FROZEN_NOW + timedelta(days=5))
    set_case(database, "PSC-2026-0004", cvss_vector=LOW_V31, assignee="team:setuptools")
    set_case(
        database, "PSC-2026-0005", state="closed", disposition="spam", embargo_until=FROZEN_NOW + timedelta(days=40)
    )
    set_case(database, "PSC-2026-0003", updated_at=FROZEN_NOW + timedelta(hours=1))
    return database


def workspace_config(
    path: Path, *, views: dict[str, SavedView] | None = None, keys: dict[str, str] | None = None
) -> Config:
    """A workspace config with the test projects, and the given saved views and keymap."""
    return Config(
        path=path,
        identity=Identity("Alex Coordinator", "alex@example.org", "0123456789ABCDEF0123456789ABCDEF01234567"),
        projects={p.id: p for p in PROJECTS},
        views=views or {},
        keys=keys or {},
    )


def make_triaged_app(
    tmp_path: Path, *, views: dict[str, SavedView] | None = None, keys: dict[str, str] | None = None
) -> TriageApp:
    """A `TriageApp` over the triaged small inbox, with a config holding `views` and `keys`."""
    database = triaged_store(tmp_path / "triage.db")
    config = workspace_config(tmp_path / "config.toml", views=views, keys=keys)
    return TriageApp(database, config, clock=frozen_clock)
