"""Tests for `triage-tui export --format all`: every format that passes is written and each refused one named (exit
2), the folder is created when missing (0700, never through a link), and a kept record's files carry its id."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld
from test_advisory_import import OSV_RECORD
from test_advisory_import_many import home_with
from triage_tui.cli import run


def imported(
    tmp_path: Path, gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str], **changes: object
) -> tuple[Path, str]:
    home = home_with(tmp_path, gpg_world)
    record = {key: value for key, value in {**OSV_RECORD, **changes}.items() if value is not None}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    assert run(["--home", str(home), "import", str(path)]) == 0
    return home, capsys.readouterr().out.strip()


def test_all_writes_every_format_that_passes_and_names_each_refused_one(
    tmp_path: Path, gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    home, case_id = imported(tmp_path, gpg_world, capsys, summary=None)  # as every PyPA record: GitHub needs one
    folder = tmp_path / "out" / "new"
    (tmp_path / "out").mkdir()
    command = ["--home", str(home), "export", case_id, "--format", "all", "--record", "PYSEC-2026-17"]
    assert run([*command, "--output", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "ghsa not written" in err and "ghsa: summary: required by ghsa" in err
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(path.name for path in folder.iterdir())
    stem = f"{case_id}.PYSEC-2026-17"
    assert names == sorted(
        f"{stem}{suffix}" for suffix in (".osv.json", ".cve.json", ".cve-cna.json", ".csaf.json", ".announcement.txt")
    )
    assert json.loads((folder / f"{stem}.osv.json").read_text())["id"] == "PYSEC-2026-17"


def test_all_refuses_a_link_or_a_missing_parent_in_place_of_its_folder(
    tmp_path: Path, gpg_world: GpgWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    home, case_id = imported(tmp_path, gpg_world, capsys)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    command = ["--home", str(home), "export", case_id, "--format", "all", "--output"]
    assert run([*command, str(link)]) == 2
    assert "is not a folder" in capsys.readouterr().err and list(elsewhere.iterdir()) == []
    assert run([*command, str(tmp_path / "missing" / "out")]) == 2
    assert "parent folder does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()
    assert run([*command, str(tmp_path / "fresh")]) == 0
    assert len(list((tmp_path / "fresh").iterdir())) == 6
