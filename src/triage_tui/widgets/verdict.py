"""Provides how crypto verdicts look: a word and a symbol plus a colour, so each reads without colour too.

`VerdictBar` is drawn by the app around each message: a bordered, coloured widget outside the message body, so
nothing a sender writes can look like it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.widgets import Static

from triage_tui.domain import SHARED_BY, Decryption, Signature, SignatureScope, sharer
from triage_tui.store.queries import MessageView
from triage_tui.widgets.safe_text import clean_line, safe_line

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

BAD_COLOUR = "#ff6b6b"
SHARED = "shared"
"""The verdict word of a case (and its messages) shared by a coordinator through the team's events."""
SHARED_SOURCE = "team"
"""The source of the messages of a shared case (team/shared_case.py)."""


@dataclass(frozen=True)
class VerdictLook:
    """How one signature verdict is shown: symbol, short word, colour, and whether it is trustworthy."""

    symbol: str
    word: str
    colour: str
    good: bool = False
    light: str | None = None
    """The colour on a light theme (the dark theme's yellows and pastels cannot be read on a light background)."""
    bad: bool = False

    @property
    def label(self) -> str:
        return f"{self.symbol} {self.word}"


# Light-theme colours: at least 4.5:1 against textual-light's background (#E0E0E0), 4.3:1 on a highlighted row.
LIGHT_GOOD, LIGHT_BAD, LIGHT_WARNING, LIGHT_MUTED, LIGHT_BLUE = "#1e6b35", "#a8201a", "#7a5200", "#4d4d4d", "#1f5794"
SIGNATURE_LOOKS: dict[str, VerdictLook] = {
    Signature.GOOD: VerdictLook("✓", "good", "#4ebf71", good=True, light=LIGHT_GOOD),
    Signature.BAD: VerdictLook("✗", "BAD", BAD_COLOUR, light=LIGHT_BAD, bad=True),
    Signature.UNKNOWN_KEY: VerdictLook("?", "unknown-key", "#e5b84b", light=LIGHT_WARNING),
    Signature.EXPIRED_KEY: VerdictLook("~", "expired-key", "#e5b84b", light=LIGHT_WARNING),
    Signature.EXPIRED_SIGNATURE: VerdictLook("~", "expired-sig", "#e5b84b", light=LIGHT_WARNING),
    Signature.REVOKED_KEY: VerdictLook("✗", "revoked-key", BAD_COLOUR, light=LIGHT_BAD, bad=True),
    Signature.ERROR: VerdictLook("!", "error", BAD_COLOUR, light=LIGHT_BAD, bad=True),
    Signature.UNSIGNED: VerdictLook("–", "unsigned", "#9a9a9a", light=LIGHT_MUTED),
    # A case a coordinator shared with this workstation: the report's own signature was checked on the coordinator's
    # workstation, not here, so it is neither claimed good nor called unsigned.
    SHARED: VerdictLook("↪", "shared", "#8fb8de", light=LIGHT_BLUE),
}

_palette = {"light": False}
"""Whether the app shows a light theme (set by `follow_theme`): every look read after a change uses its colours."""


def warning_style(dark: bool) -> str:
    """The style of a warning's text on a theme: Textual's warning colour, or a darker one on a light theme."""
    return "bold $warning" if dark else f"bold {LIGHT_WARNING}"


def follow_theme(app: App[Any]) -> None:
    """Give verdicts the colours of `app`'s theme, now and whenever the theme changes (command palette, keymap)."""

    def changed(theme: Theme) -> None:
        _palette["light"] = not theme.dark
        for screen in app.screen_stack:  # lines drawn in the old colours are drawn again
            for widget in screen.walk_children():
                widget.refresh()

    _palette["light"] = not app.current_theme.dark
    app.theme_changed_signal.subscribe(app, changed)


KEY_CHANGED_LOOK = VerdictLook("⚠", "key-changed", "#ff9f43")
"""A good signature by a key that replaced the sender's pinned key, not accepted yet (the case view's KEY CHANGED)."""
NOT_FROM_LOOK = VerdictLook("≠", "signer≠From", "#ff9f43")
"""A good signature by a key none of whose UIDs carries the From address (the case view's warning)."""


def case_signature_look(verdict: str, *, key_changed: bool, signer_not_from: bool) -> VerdictLook:
    """The look of a case's verdict in a list: a good signature with a trust problem is not shown as good."""
    look = signature_look(verdict)
    if not look.good:
        return look
    if key_changed:
        return KEY_CHANGED_LOOK
    return NOT_FROM_LOOK if signer_not_from else look


def signature_look(verdict: str) -> VerdictLook:
    """The look of a signature verdict in the theme's colours; an unrecognised word is shown as itself, flagged as
    not good."""
    look = SIGNATURE_LOOKS.get(verdict, VerdictLook("!", clean_line(verdict[:12]) or "?", BAD_COLOUR, bad=True))
    if _palette["light"]:
        return replace(look, colour=look.light or LIGHT_BAD)
    return look


def format_fingerprint(fingerprint: str | None) -> str:
    """A key fingerprint in groups of four hex digits, as gpg prints it; a dash when there is none."""
    if not fingerprint:
        return "–"
    compact = fingerprint.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def is_shared(message: MessageView) -> bool:
    """Whether `message` came with a case a coordinator shared (its text travelled in a signed, encrypted event)."""
    return message.source == SHARED_SOURCE


def _sharer_name(message: MessageView, names: Mapping[str, str] | None) -> str | None:
    """The roster's name of who shared `message`, when the roster knows their key."""
    fingerprint = sharer(message.warnings)
    return (names or {}).get(fingerprint) if fingerprint else None


def _encryption_part(message: MessageView, names: Mapping[str, str] | None) -> Content:
    if is_shared(message):
        name = _sharer_name(message, names)
        if name is None:
            return Content.styled("↪ shared by a coordinator in a team event", "bold $accent")
        # The name is the roster's text (a coordinator typed it): shown as text, never markup.
        return Content.assemble(("↪ shared by ", "bold $accent"), safe_line(name).stylize("bold $accent"),
                                (" in a team event", "bold $accent"))  # fmt: skip
    if not message.encrypted:
        return Content.styled("✗ not encrypted", "bold $warning")
    if message.decryption == Decryption.OK:
        return Content.styled("encrypted ✓ decrypted", "bold $success")
    return Content.styled(f"encrypted ✗ NOT decrypted ({message.decryption})", "bold $error")


def verdict_content(message: MessageView, names: Mapping[str, str] | None = None) -> Content:
    """The verdict bar's text: encryption, signature word, signer, scope, then warnings and errors. `names`: the
    roster's members by key fingerprint (who shared a shared case is named)."""
    look = signature_look(SHARED if is_shared(message) else message.signature)
    signature = Content.styled(f"signature {look.label}", f"bold {look.colour}")
    scope_word: dict[str, str] = {
        SignatureScope.WHOLE: "whole message",
        SignatureScope.PARTIAL: "PARTIAL — only part of it",
        SignatureScope.NONE: "nothing (no verified signature or decryption)",
    }
    lines = [
        Content.assemble(_encryption_part(message, names), "   ", signature),
        Content.assemble(("signer  ", "dim"), format_fingerprint(message.signer_fingerprint)),
    ]
    if message.signer_uids:
        lines.append(Content.assemble(("uid     ", "dim"), safe_line(", ".join(message.signer_uids))))
    scope = scope_word.get(message.signature_scope, message.signature_scope)
    scope_style = "bold $warning" if message.signature_scope == SignatureScope.PARTIAL else ""
    if is_shared(message):
        # What the app verified here is the coordinator's event, not the reporter's mail: say so, claim nothing more.
        scope, scope_style = "the report's own signature was checked on the coordinator's workstation, not here", ""
    lines.append(Content.assemble(("covers  ", "dim"), (scope, scope_style)))
    if message.key_changed_from:
        lines.append(
            Content.assemble(
                ("⚠ KEY CHANGED ", "bold $warning"),
                f"this address was pinned to {format_fingerprint(message.key_changed_from)}; not accepted yet "
                "(K in the inbox: changed keys)",
            )
        )
    for warning in message.warnings:
        lines.append(Content.assemble(("⚠ warning ", "bold $warning"), _warning_text(message, warning, names)))
    if message.error:
        lines.append(Content.assemble(("✗ error ", "bold $error"), safe_line(message.error)))
    return Content("\n").join(lines)


def _warning_text(message: MessageView, warning: str, names: Mapping[str, str] | None) -> Content:
    """A warning as shown; the share's own "shared by FPR" names the member too (the fingerprint stays)."""
    found = SHARED_BY.match(warning) if is_shared(message) else None
    name = (names or {}).get(found.group(1)) if found else None
    if found is None or name is None:
        return safe_line(warning)
    rest = warning[found.end() :]
    return Content.assemble("shared by ", safe_line(name).stylize("bold"), f" ({found.group(1)}) ", safe_line(rest))


class VerdictBar(Static):
    """The app's own statement of what cryptography says about one message."""

    DEFAULT_CSS = """
    VerdictBar {
        border: heavy $success;
        border-title-color: $success;
        background: $success 10%;
        padding: 0 1;
        height: auto;
    }
    VerdictBar.-doubtful {
        border: heavy $warning;
        border-title-color: $warning;
        background: $warning 10%;
    }
    VerdictBar.-bad {
        border: heavy $error;
        border-title-color: $error;
        background: $error 10%;
    }
    """

    def __init__(
        self,
        message: MessageView,
        names: Mapping[str, str] | None = None,
        *,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(verdict_content(message, names), id=id)
        self.border_title = "verdict (triage-tui)"
        look = signature_look(message.signature)
        decrypted = message.decryption in (Decryption.OK, Decryption.NOT_ENCRYPTED)
        if is_shared(message) and not message.error:
            self.add_class("-doubtful")
        elif message.error or look.bad or not decrypted:
            self.add_class("-bad")
        elif (
            not look.good
            or message.warnings
            or message.key_changed_from
            or message.signature_scope != SignatureScope.WHOLE
        ):
            self.add_class("-doubtful")
