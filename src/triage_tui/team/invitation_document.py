"""The invitation a coordinator hands a new member (format "triage-tui-invitation/1"): its fields, their canonical
JSON and the strict shape check every received one passes (each field typed and bounded, no control, bidi or
invisible character, no unknown key), with one-line errors naming the field."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from triage_tui import untrusted_json
from triage_tui.config.rules import clear_text_security
from triage_tui.team.acl import PREFIX, valid_imap_user, valid_project
from triage_tui.untrusted import neutralise_line
from triage_tui.untrusted_json import UntrustedJsonError

FORMAT = "triage-tui-invitation/1"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""The signed document's size: a roster of over a thousand members (each addition about 3 KB signed) fits."""
MAX_ROSTER_EVENTS = 4096
MAX_ROSTER_EVENT_CHARS = 256 * 1024
"""One signed roster event: a rotation carries a key of up to 64 KiB and a proof, armoured (4/3) and signed."""
MAX_KEY_CHARS = 64 * 1024
"""An armoured public key, as the roster bounds a member's key."""
MAX_NAME_CHARS = 128
MAX_EMAIL_CHARS = 254
MAX_PROJECTS = 64
MAX_COORDINATORS = 64
MAX_SHOWN_KEY = 40  # characters of an unexpected key's name quoted in an error

T = TypeVar("T")
Role = Literal["coordinator", "maintainer"]
ROLES: tuple[Role, ...] = ("coordinator", "maintainer")
SECURITIES = ("tls", "starttls", "none")

_FINGERPRINT = re.compile(r"[0-9A-F]{40}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))+")
# A DNS name or an IP address (IPv6 without brackets); nothing a shell, TOML or an IMAP command line reads specially.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45}")
_ARMOUR_TEXT = re.compile(r"[\x20-\x7e\r\n]*")
# Unicode categories never let into a name: controls, format characters (bidi, zero-width), surrogates, private use,
# unassigned, and line or paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class InvitationError(ValueError):
    """An invitation that cannot be used; the message is one line saying why (never quoting more than a field's
    name and a short, neutralised piece of it)."""


@dataclass(frozen=True)
class Server:
    """The team's IMAP server: where to connect, never a password (the joiner sets their own)."""

    host: str
    port: int
    security: str


@dataclass(frozen=True)
class Inviter:
    """The coordinator who signs the invitation, with their public key (the joiner's keyring has not got it yet)."""

    name: str
    email: str
    fingerprint: str
    key: str
    """The ASCII-armoured public key holding exactly the primary key `fingerprint`."""


@dataclass(frozen=True)
class Invitee:
    """Who is invited, to what role and projects, with which IMAP account and key."""

    name: str
    email: str
    role: Role
    projects: tuple[str, ...]
    imap_user: str
    fingerprint: str


@dataclass(frozen=True)
class Invitation:
    """The whole invitation: who invites whom, the team's settings and the roster so far (each roster event in its
    signed, armoured form, opaque here: the roster's fold checks them)."""

    inviter: Inviter
    coordinators: tuple[str, ...]
    """The team's founding coordinators' fingerprints (`[team] coordinators`)."""
    prefix: str
    server: Server
    invitee: Invitee
    roster: tuple[str, ...]

    def document(self) -> dict[str, Any]:
        """The JSON document."""
        return {
            "format": FORMAT,
            "inviter": {
                "name": self.inviter.name,
                "email": self.inviter.email,
                "fingerprint": self.inviter.fingerprint,
                "key": self.inviter.key,
            },
            "team": {
                "coordinators": list(self.coordinators),
                "prefix": self.prefix,
                "server": {"host": self.server.host, "port": self.server.port, "security": self.server.security},
            },
            "invitee": {
                "name": self.invitee.name,
                "email": self.invitee.email,
                "role": self.invitee.role,
                "projects": list(self.invitee.projects),
                "imap_user": self.invitee.imap_user,
                "fingerprint": self.invitee.fingerprint,
            },
            "roster": list(self.roster),
        }

    def encode(self) -> bytes:
        """Canonical bytes (sorted keys, no spaces, UTF-8): what the inviter signs."""
        return json.dumps(self.document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode(data: bytes) -> Invitation:
    """The invitation in `data`; InvitationError naming the first field that is missing, of the wrong type, out of
    bounds or unexpected."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvitationError(f"the invitation document is {len(data)} bytes (at most {MAX_DOCUMENT_BYTES})")
    try:
        document = untrusted_json.loads(data)
    except UntrustedJsonError as error:
        raise InvitationError(f"malformed invitation: {error}") from None
    return check(document)


def check(document: object) -> Invitation:
    """The invitation `document` (parsed JSON) holds, checked field by field."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvitationError(f"not a triage-tui invitation: its format is not {FORMAT}")
    top = _object(document, "", ("format", "inviter", "team", "invitee", "roster"))
    inviter_doc = _object(top["inviter"], "inviter", ("name", "email", "fingerprint", "key"))
    inviter = Inviter(
        name=_name(inviter_doc["name"], "inviter.name"),
        email=_email(inviter_doc["email"], "inviter.email"),
        fingerprint=_fingerprint(inviter_doc["fingerprint"], "inviter.fingerprint"),
        key=_armoured(inviter_doc["key"], "inviter.key", "PUBLIC KEY BLOCK", MAX_KEY_CHARS),
    )
    team = _object(top["team"], "team", ("coordinators", "prefix", "server"))
    coordinators = _list(team["coordinators"], "team.coordinators", _fingerprint, 1, MAX_COORDINATORS)
    prefix = _text(team["prefix"], "team.prefix", 64)
    if PREFIX.fullmatch(prefix) is None:
        raise InvitationError('malformed field team.prefix: expected a folder prefix such as "Team/"')
    server = _server(_object(team["server"], "team.server", ("host", "port", "security")))
    invitee_doc = _object(top["invitee"], "invitee", ("name", "email", "role", "projects", "imap_user", "fingerprint"))
    role = invitee_doc["role"]
    if role not in ROLES:
        raise InvitationError("malformed field invitee.role: expected coordinator or maintainer")
    projects = _list(invitee_doc["projects"], "invitee.projects", _project, 0, MAX_PROJECTS)
    if (role == "maintainer") != bool(projects):
        raise InvitationError("malformed field invitee.projects: a maintainer has projects, a coordinator none")
    imap_user = _text(invitee_doc["imap_user"], "invitee.imap_user", 64)
    if not valid_imap_user(imap_user):
        raise InvitationError("malformed field invitee.imap_user: expected a plain IMAP account name")
    invitee = Invitee(
        name=_name(invitee_doc["name"], "invitee.name"),
        email=_email(invitee_doc["email"], "invitee.email"),
        role=role,
        projects=projects,
        imap_user=imap_user,
        fingerprint=_fingerprint(invitee_doc["fingerprint"], "invitee.fingerprint"),
    )
    if invitee.fingerprint == inviter.fingerprint:
        raise InvitationError("malformed field invitee.fingerprint: it is the inviter's own key")
    roster = _list(top["roster"], "roster", _roster_event, 1, MAX_ROSTER_EVENTS)
    return Invitation(inviter, coordinators, prefix, server, invitee, roster)


def _object(value: object, field: str, keys: tuple[str, ...]) -> Mapping[str, object]:
    """`value` as an object with exactly `keys`."""
    where = field or "the invitation"
    if not isinstance(value, dict):
        raise InvitationError(f"malformed field {where}: expected an object")
    unexpected = sorted(str(key) for key in value if key not in keys)
    if unexpected:
        shown = neutralise_line(unexpected[0][:MAX_SHOWN_KEY])
        raise InvitationError(f"malformed field {where}: unexpected key {shown!r}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise InvitationError(f"malformed field {_join(field, missing[0])}: missing")
    return value


def _list(value: object, field: str, item: Callable[[object, str], T], least: int, most: int) -> tuple[T, ...]:
    """`value` as a list of `least` to `most` distinct items, each checked by `item`."""
    if not isinstance(value, list):
        raise InvitationError(f"malformed field {field}: expected a list")
    if not least <= len(value) <= most:
        raise InvitationError(f"malformed field {field}: {len(value)} entries (expected {least} to {most})")
    items = tuple(item(entry, f"{field}[{index}]") for index, entry in enumerate(value))
    if len(set(items)) != len(items):
        raise InvitationError(f"malformed field {field}: an entry is repeated")
    return items


def _text(value: object, field: str, most: int) -> str:
    if not isinstance(value, str):
        raise InvitationError(f"malformed field {field}: expected a string")
    if not value or len(value) > most:
        raise InvitationError(f"malformed field {field}: expected 1 to {most} characters")
    return value


def _name(value: object, field: str) -> str:
    """A person's name: one line of visible text, no leading or trailing space."""
    text = _text(value, field, MAX_NAME_CHARS)
    if text != text.strip() or any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text):
        raise InvitationError(f"malformed field {field}: expected a name without control or invisible characters")
    return text


def _email(value: object, field: str) -> str:
    text = _text(value, field, MAX_EMAIL_CHARS)
    if _EMAIL.fullmatch(text) is None:
        raise InvitationError(f"malformed field {field}: expected an address such as name@example.org")
    return text


def _fingerprint(value: object, field: str) -> str:
    text = _text(value, field, 40)
    if _FINGERPRINT.fullmatch(text) is None:
        raise InvitationError(f"malformed field {field}: expected a key fingerprint (40 upper-case hex digits)")
    return text


def _project(value: object, field: str) -> str:
    text = _text(value, field, 64)
    if not valid_project(text):
        raise InvitationError(f"malformed field {field}: expected a project id such as pip")
    return text


def _armoured(value: object, field: str, block: str, most: int) -> str:
    """ASCII armour of an OpenPGP `block` (printable ASCII and line breaks only)."""
    text = _text(value, field, most)
    if (
        _ARMOUR_TEXT.fullmatch(text) is None
        or not text.startswith(f"-----BEGIN PGP {block}-----")
        or not text.rstrip().endswith(f"-----END PGP {block}-----")
    ):
        raise InvitationError(f"malformed field {field}: expected an ASCII-armoured PGP {block.lower()}")
    return text


def _roster_event(value: object, field: str) -> str:
    return _armoured(value, field, "MESSAGE", MAX_ROSTER_EVENT_CHARS)


def _server(server: Mapping[str, object]) -> Server:
    host = _text(server["host"], "team.server.host", 253)
    if _HOST.fullmatch(host) is None:
        raise InvitationError("malformed field team.server.host: expected a host name or an IP address")
    port = server["port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvitationError("malformed field team.server.port: expected a port number (1 to 65535)")
    security = server["security"]
    if security not in SECURITIES:
        raise InvitationError("malformed field team.server.security: expected tls, starttls or none")
    refusal = clear_text_security(str(security), host)
    if refusal is not None:
        raise InvitationError(f"malformed field team.server.security: {refusal}")
    return Server(host=host, port=port, security=str(security))


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key
