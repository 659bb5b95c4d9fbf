"""Tests changing `[identity] fingerprint` in a config's text: that value only, every other byte kept (CRLF line ends,
comments, the same fingerprint elsewhere), and a config it cannot change in place refused with nothing changed."""

from __future__ import annotations

import tomllib

import pytest

from triage_tui.config.identity_writing import IdentityWriteError, with_identity_fingerprint

OLD, NEW = "A" * 40, "B" * 40


def test_only_the_identity_fingerprint_changes_and_every_other_byte_is_kept() -> None:
    text = (
        f'# mine\r\n[identity]\r\nname = "Cora"\r\nfingerprint  =  "{OLD}" # my key\r\n\r\n'
        f'[ team ]  # the team\r\ncoordinators = ["{OLD}"]\r\nfingerprint = "{OLD}"\r\n'
    )

    changed = with_identity_fingerprint(text, NEW)

    assert changed == text.replace(f'fingerprint  =  "{OLD}"', f'fingerprint  =  "{NEW}"')
    assert tomllib.loads(changed)["team"] == tomllib.loads(text)["team"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f'identity = {{ fingerprint = "{OLD}" }}\n', r"no single \[identity\]"),
        (f'[identity]\nname = "x"\n[identity.more]\nfingerprint = "{OLD}"\n', "no single `fingerprint"),
        (f'[identity]\nnote = """\nfingerprint = "{OLD}"\n"""\nfingerprint = "{OLD}"\n', "no single `fingerprint"),
        (f'[identity]\nnote = """\n[x]\nfingerprint = "{OLD}"\n"""\n', "no single `fingerprint"),
        (f'[identity]\nnote = """\nfingerprint = "{OLD}"\n"""\n', "did not read back"),
        ("[identity\n", "not valid TOML"),
    ],
)
def test_a_config_that_cannot_be_changed_in_place_is_refused(text: str, reason: str) -> None:
    with pytest.raises(IdentityWriteError, match=reason):
        with_identity_fingerprint(text, NEW)


def test_only_a_full_fingerprint_is_written() -> None:
    with pytest.raises(IdentityWriteError, match="not a 40-hex-digit"):
        with_identity_fingerprint(f'[identity]\nfingerprint = "{OLD}"\n', 'x"\n[evil]')
