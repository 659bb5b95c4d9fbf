"""Tests that every command ends with one line naming its problem: busy store, full disk, closed pipe; exports."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, write_team_config
from report_maildir import REPORTS, Reports, build_reports, maildir_source, sync_caught_decrypting
from triage_tui.store import cipher
from ui_fixtures import seeded_store, small_inbox


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, gpg_world: GpgWorld) -> Reports:
    return build_reports(tmp_path_factory.mktemp("reports"), gpg_world)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _case_count(home: Path) -> int:
    listed = _cli(home, "cases", "--json")
    assert listed.returncode == 0, listed.stderr
    return len(json.loads(listed.stdout))


def test_a_second_sync_on_the_same_store_is_refused_in_one_line(
    tmp_path: Path, gpg_world: GpgWorld, reports: Reports
) -> None:
    write_team_config(tmp_path, gpg_world, maildir_source(reports))
    first, _children = sync_caught_decrypting(tmp_path, reports.marker)
    first.send_signal(signal.SIGSTOP)  # however slow the second one's start, the first is still running then
    try:
        second = _cli(tmp_path, "sync")
    finally:
        first.send_signal(signal.SIGCONT)
    _out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1] == (
        f"triage-tui: another sync is running (pid {first.pid}); this one did not start"
    )
    assert "Traceback" not in second.stderr and reports.marker.decode() not in second.stderr
    assert _case_count(tmp_path) == REPORTS  # the first sync took every report in, once


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB file system (an empty store takes 640 KiB) (tmpfs), for a store that cannot grow past it."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]).returncode:
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_the_sync_with_one_line_that_quotes_no_report(
    small_disk: Path, gpg_world: GpgWorld, reports: Reports
) -> None:
    write_team_config(small_disk, gpg_world, maildir_source(reports))
    done = _cli(small_disk, "sync")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(f"triage-tui: disk full: no space left in {small_disk}")
    for leak in ("Traceback", "[parameters", "[SQL", reports.marker.decode(), "Rita", "private details"):
        assert leak not in done.stderr


@pytest.fixture
def inbox_home(tmp_path: Path, gpg_world: GpgWorld) -> Path:
    """A workspace holding the small inbox (its plain store encrypted by a first command)."""
    write_team_config(tmp_path, gpg_world)
    seeded_store(tmp_path / "triage.db", small_inbox())
    cipher.forget_key(tmp_path / "triage.db")
    assert _case_count(tmp_path) == 6
    return tmp_path


@pytest.mark.parametrize(
    "command", [["cases"], ["cases", "--json"], ["show", "PSC-2026-0001"], ["matrix", "--format", "csv"]]
)
def test_a_closed_pipe_ends_a_command_quietly(inbox_home: Path, command: list[str]) -> None:
    # As `triage-tui cases | head -0`: the reader is gone before the command writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "triage_tui", *command, "--home", str(inbox_home)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141  # as a shell reports a program a closed pipe ended (128 + SIGPIPE)


def test_an_overwritten_export_is_private_whatever_the_old_file_was(tmp_path: Path) -> None:
    from triage_tui.services.safe_write import write_new_file

    old = tmp_path / "advisory.json"
    old.write_text("old, readable by everyone")
    old.chmod(0o644)
    other_name = tmp_path / "other-name"
    os.link(old, other_name)  # a second name for the old file sees none of the new text
    assert write_new_file(old, b"new", overwrite=True) == old
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and old.read_bytes() == b"new"
    assert other_name.read_text() == "old, readable by everyone"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["advisory.json", "other-name"]  # no temporary left
    fresh = write_new_file(tmp_path / "fresh.json", b"{}")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_an_overwrite_never_writes_through_a_symlink(tmp_path: Path) -> None:
    from triage_tui.services.safe_write import WriteError, write_new_file

    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (tmp_path / "link").symlink_to(victim)
    with pytest.raises(WriteError, match="symbolic link"):
        write_new_file(tmp_path / "link", b"new", overwrite=True)
    assert victim.read_text() == "untouched" and (tmp_path / "link").is_symlink()


def test_the_app_ends_with_one_line_not_a_traceback_of_its_variables(tmp_path: Path) -> None:
    marker = "SECRET-in-a-local-variable"
    tests = Path(__file__).resolve().parent
    # The real app, headless, whose handler fails while a local variable holds a report's text.
    script = f"""
import sys
sys.path.insert(0, {str(tests)!r})
from pathlib import Path
from triage_tui.app import TriageApp
from ui_fixtures import frozen_clock, seeded_store, small_inbox

class FailingApp(TriageApp):
    CSS_PATH = str(Path(sys.modules[TriageApp.__module__].__file__).with_name("app.tcss"))

    def on_ready(self) -> None:
        body = {marker!r}
        raise ValueError("a handler failed")

FailingApp(seeded_store(Path({str(tmp_path)!r}) / "triage.db", small_inbox()), clock=frozen_clock).run(headless=True)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert marker not in done.stderr and "Traceback" not in done.stderr
    # One line, which the console folds at its width (80 columns without a terminal).
    assert " ".join(done.stderr.split()) == (
        "triage-tui: internal error: ValueError at <string>:13 (details withheld: they may quote report text)"
    )


def test_a_store_error_never_quotes_the_values_bound_to_its_statement(tmp_path: Path) -> None:
    # What the app's notifications and the sync's reports show of an error is its text: never a report's.
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from triage_tui.store.database import open_engine, write_transaction

    engine = open_engine(tmp_path / "triage.db")
    try:
        with pytest.raises(OperationalError) as raised, write_transaction(engine) as connection:
            connection.execute(text("SELECT :subject FROM no_such_table"), {"subject": "SECRET subject of a report"})
    finally:
        engine.dispose()
    assert "no such table" in str(raised.value) and "SECRET" not in str(raised.value)


def test_a_sync_the_disk_stopped_midway_leaves_every_report_to_the_next_sync(
    tmp_path: Path, gpg_world: GpgWorld, reports: Reports
) -> None:
    """A full disk (here: a file-size limit the process runs under, as `ulimit -f` sets it) ends the sync in one
    line; gpg still runs under that limit, nothing is stored as unreadable for it, and the next sync takes in every
    report readable, once."""
    import resource

    LIMIT = 1_500_000  # the store is about 1.4 MB once every report is in: the disk fills halfway

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    write_team_config(tmp_path, gpg_world, maildir_source(reports))
    first = subprocess.run(
        [sys.executable, "-m", "triage_tui", "sync", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=limited,
    )
    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert len(first.stderr.strip().splitlines()[-1]) < 300 and reports.marker.decode() not in first.stderr
    second = _cli(tmp_path, "sync")
    assert second.returncode == 0, second.stderr
    assert _case_count(tmp_path) == REPORTS
    for case in json.loads(_cli(tmp_path, "cases", "--json").stdout):
        assert case["title"] != "(unreadable message: failed)"


def test_a_gpg_that_cannot_run_gives_no_verdict_to_store(gpg_world: GpgWorld, reports: Reports) -> None:
    """gpg gone (uninstalled or replaced mid-sync): no message may be stored as unreadable for it, since a stored
    verdict is never retried; the sync stops there instead (see the test above for the next sync)."""
    from triage_tui.intake.gnupg_batch import GpgUnavailable
    from triage_tui.intake.pipeline import GnuPG, process_batch

    gpg = GnuPG(gpg_world.team.home)
    gpg.gpg.gpgbinary = str(Path(gpg_world.team.home) / "no-such-gpg")
    raw = next(iter(sorted((reports.maildir / "new").iterdir()))).read_bytes()
    with pytest.raises(GpgUnavailable, match="gpg ended before it decrypted anything"):
        process_batch([raw], gpg)


@pytest.mark.parametrize("module", ["triage_tui", "triage_tui.cli"])
def test_both_module_forms_run_the_command_line(module: str, inbox_home: Path) -> None:
    # `python -m triage_tui.cli` worked while the command line was one module; it is kept working as a package.
    done = subprocess.run(
        [sys.executable, "-m", module, "cases", "--json", "--home", str(inbox_home)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) > 0
