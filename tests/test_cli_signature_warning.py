"""Provides tests that `cases` and `show` tell a good signature by a changed key, or by a signer without the From
address, apart from a plain good one, as the app's list does: `signature` stays the first message's verdict and
`signature_warning` says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from test_app_inbox_day import trust_inbox
from test_config import VALID
from triage_tui.domain import Signature
from triage_tui.store.case_flags import signature_warning
from ui_fixtures import printed, seeded_store

CHANGED, NOT_FROM, PLAIN = "PSC-2026-0007", "PSC-2026-0008", "PSC-2026-0002"


@pytest.fixture
def home(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    seeded_store(tmp_path / "triage.db", trust_inbox())
    (tmp_path / "config.toml").write_text(with_identity(VALID, gpg_world.team))
    return tmp_path


def test_cases_json_adds_the_warning_and_keeps_the_verdict(home: Path) -> None:
    cases = {case["id"]: case for case in json.loads(printed(home, "cases", "--json"))}
    assert cases[CHANGED]["signature"] == "good" and cases[CHANGED]["signature_warning"] == "key-changed"
    assert cases[NOT_FROM]["signature"] == "good" and cases[NOT_FROM]["signature_warning"] == "signer-not-from"
    assert cases[PLAIN]["signature_warning"] is None
    shown = json.loads(printed(home, "show", CHANGED, "--json"))
    assert shown["signature_warning"] == "key-changed"


def test_cases_text_shows_the_words_of_the_apps_list(home: Path) -> None:
    lines = {line.split()[0]: line for line in printed(home, "cases").splitlines() if line.startswith("PSC-")}
    assert "key-changed" in lines[CHANGED] and " good " not in lines[CHANGED]
    assert "signer≠From" in lines[NOT_FROM] and " good " not in lines[NOT_FROM]


def test_only_a_good_signature_carries_a_warning() -> None:
    assert signature_warning(Signature.BAD, key_changed=True, signer_not_from=True) is None
    assert signature_warning(Signature.GOOD, key_changed=True, signer_not_from=True) == "key-changed"
