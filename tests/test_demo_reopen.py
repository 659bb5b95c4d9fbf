"""Tests that a second `triage-tui demo` reopens the demo with its work kept, and `--rebuild` builds it anew."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage_tui.cli import run


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ttr", dir="/tmp"))
    try:
        yield path
    finally:
        subprocess.run(["gpgconf", "--homedir", str(path / "gnupg"), "--kill", "all"], check=False)
        shutil.rmtree(path, ignore_errors=True)


def _demo(home: Path, *extra: str) -> tuple[int, str]:
    err = io.StringIO()
    code = run(["demo", "--home", str(home), "--cases", "6", "--no-open", *extra], out=io.StringIO(), err=err)
    return code, err.getvalue()


def _events(home: Path, case_id: str) -> str:
    out = io.StringIO()
    assert run(["show", case_id, "--json", "--home", str(home)], out=out, err=io.StringIO()) == 0
    return json.dumps(json.loads(out.getvalue())["events"])


def _first_case(home: Path) -> str:
    out = io.StringIO()
    assert run(["cases", "--json", "--home", str(home)], out=out, err=io.StringIO()) == 0
    return str(json.loads(out.getvalue())[0]["id"])


def test_a_second_demo_reopens_the_first_and_rebuild_replaces_it(home: Path) -> None:
    code, said = _demo(home)
    assert code == 0 and "building a new demo" in said
    case_id = _first_case(home)
    assert run(["case", case_id, "label", "+kept-by-reopen", "--home", str(home)], out=io.StringIO()) == 0
    fingerprint = (home / "config.toml").read_text(encoding="utf-8")

    code, said = _demo(home)
    assert code == 0
    assert "reopening the demo" in said and "--rebuild" in said
    assert "generating keys" not in said  # nothing was built again
    assert "kept-by-reopen" in _events(home, case_id)
    assert (home / "config.toml").read_text(encoding="utf-8") == fingerprint

    code, said = _demo(home, "--rebuild")
    assert code == 0 and "rebuilding the demo" in said and "discarded" in said
    assert "kept-by-reopen" not in _events(home, _first_case(home))


def test_an_interrupted_build_is_built_again_not_reopened(home: Path) -> None:
    code, _said = _demo(home)
    assert code == 0
    # A build that stopped before the sync finished leaves the marker saying so.
    (home / ".triage-tui-demo").write_text("building: interrupted\n", encoding="utf-8")
    code, said = _demo(home)
    assert code == 0 and "building a new demo" in said and "reopening" not in said
