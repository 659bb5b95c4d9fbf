"""Tests `triage-tui --version`: the package's version on stdout, exit 0."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

from triage_tui.cli import run


def test_version_prints_the_package_version_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        run(["--version"])
    assert ended.value.code in (0, None)
    assert capsys.readouterr().out == f"triage-tui {version('triage-tui')}\n"


def test_version_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "triage_tui", "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("triage-tui ")
