"""Tests for importing many real records at once (tests/data/pypa-advisory-db): records of one flaw joining one case
with every record kept and exportable by its id, folder import, updated and unchanged outcomes, the summary and
progress output, and the case scored from the records' vectors."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from gpg_fixtures import GpgWorld, with_identity
from test_advisory_drafts import CONFIG
from test_advisory_import import OSV_RECORD
from triage_tui.cli import run
from triage_tui.cli.import_command import ImportProgress
from triage_tui.config import parse_config
from triage_tui.services.advisory_drafts import AdvisoryDrafts
from triage_tui.store.store import Store

CORPUS = Path(__file__).parent / "data" / "pypa-advisory-db"
TENSORFLOW = ("tensorflow/PYSEC-2019-204", "tensorflow-cpu/PYSEC-2019-222", "tensorflow-gpu/PYSEC-2019-229")
"""Three records of CVE-2018-10055, one per package."""
TF_CONFIG = CONFIG + "".join(
    f'\n[projects.{p}]\nname = "{p}"\npackages = ["{p}"]\nrepository = "tensorflow/tensorflow"\n'
    for p in ("tensorflow", "tensorflow-gpu")
)


def home_with(tmp_path: Path, gpg_world: GpgWorld, config: str = CONFIG) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(with_identity(config, gpg_world.team))
    return home


def show(home: Path, case_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert run(["--home", str(home), "show", case_id, "--json"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_records_of_one_flaw_in_several_packages_join_one_case_and_each_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world, TF_CONFIG)
    paths = [str(CORPUS / "vulns" / f"{name}.yaml") for name in TENSORFLOW]
    assert run(["--home", str(home), "import", *paths]) == 0
    captured = capsys.readouterr()
    (case_id,) = captured.out.split()  # one case for the flaw, no record refused
    assert captured.err.count(f"imported into {case_id}") == 2
    document = show(home, case_id, capsys)
    assert document["records"] == [
        {"id": "PYSEC-2019-204", "format": "osv", "packages": ["tensorflow"]},
        {"id": "PYSEC-2019-222", "format": "osv", "packages": ["tensorflow-cpu"]},
        {"id": "PYSEC-2019-229", "format": "osv", "packages": ["tensorflow-gpu"]},
    ]
    impacts = {i["project"]: (i["status"], i["fixed_version"]) for i in document["impacts"]}  # type: ignore[attr-defined]
    assert impacts == {"tensorflow": ("fixed", "1.7.1"), "tensorflow-gpu": ("fixed", "1.7.1")}
    assert run(["--home", str(home), "show", case_id]) == 0
    shown = capsys.readouterr().out
    assert "records: PYSEC-2019-204 (osv: tensorflow), PYSEC-2019-222 (osv: tensorflow-cpu), " in shown
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--record", "PYSEC-1-1"]) == 2
    assert "keeps no record 'PYSEC-1-1'" in capsys.readouterr().err
    # The draft (what the editor edits) gained every package while nobody edited it; each record compiles by its id.
    config = parse_config(home / "config.toml", TF_CONFIG)
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        draft = drafts.load(case_id).advisory
        for record_id in ("PYSEC-2019-204", "PYSEC-2019-222", "PYSEC-2019-229"):
            exported = json.loads(drafts.compile(drafts.load_record(case_id, record_id), "osv").text)
            assert exported["id"] == record_id and "CVE-2018-10055" in exported["aliases"]
    finally:
        drafts.store.close()
    assert draft.id == "PYSEC-2019-204"
    assert [p.name for p in draft.packages] == ["tensorflow", "tensorflow-cpu", "tensorflow-gpu"]


def test_a_folder_imports_in_one_process_with_a_summary_and_none_refused_for_an_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    status = run(["--home", str(home), "import", str(CORPUS)])
    captured = capsys.readouterr()
    summary = [line for line in captured.err.splitlines() if line.startswith("imported ")]
    assert len(summary) == 1
    records = sorted((CORPUS / "vulns").rglob("*.yaml"))
    assert len(records) == 300
    assert "already holds" not in captured.err
    assert "2 other files in the folders skipped" in summary[0]  # README.md and LICENSE
    refused = captured.err.count(": not imported: ")
    assert status == (1 if refused else 0)
    new_cases = len(captured.out.split())
    assert summary[0].startswith(f"imported {300 - refused} ({new_cases} new cases), updated 0, unchanged 0")
    assert new_cases < 300 - refused  # the records sharing aliases joined cases
    assert "importing: 300/300 records" in captured.err  # the count line (stderr is not a terminal here)
    # The same folder again: every record unchanged, nothing refused for being held already.
    assert run(["--home", str(home), "import", str(CORPUS / "vulns" / "tensorflow")]) == 0
    captured = capsys.readouterr()
    held = len(list((CORPUS / "vulns" / "tensorflow").iterdir()))
    assert captured.out == "" and f"imported 0 (0 new cases), updated 0, unchanged {held}, refused 0" in captured.err


def test_refused_files_are_grouped_by_reason_and_leave_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text("{")
    (folder / "sub" / "b.yaml").write_text("{")
    (folder / "c.json").write_text(json.dumps(OSV_RECORD))
    (folder / "notes.txt").write_text("not an advisory")
    assert run(["--home", str(home), "import", str(folder)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.split()) == 1
    lines = captured.err.splitlines()
    start = lines.index("imported 1 (1 new cases), updated 0, unchanged 0, refused 2; 1 other files in the folders "
                        "skipped (not .json, .yaml or .yml, or a link)")  # fmt: skip
    assert lines[start + 1].startswith("refused (2): not valid JSON")
    assert sorted(lines[start + 2 :]) == [f"  {folder / 'a.json'}", f"  {folder / 'sub' / 'b.yaml'}"]


def test_progress_is_a_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = ImportProgress(stream)
    progress(100, 200)
    progress(200, 200)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and "100/200 records" in text and "█" * 24 + " 200/200" in text
    assert text.endswith("\n")


def test_the_same_record_changed_is_updated_and_an_edited_draft_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(OSV_RECORD))
    assert run(["--home", str(home), "import", str(path)]) == 0
    case_id = capsys.readouterr().out.strip()
    path.write_text(json.dumps(OSV_RECORD, indent=2))  # other bytes, the same record
    assert run(["--home", str(home), "import", str(path)]) == 0
    assert f"unchanged: {case_id} already holds PYSEC-2026-17 as it is" in capsys.readouterr().err
    path.write_text(json.dumps(dict(OSV_RECORD, summary="A new summary", modified="2026-07-01T00:00:00Z")))
    assert run(["--home", str(home), "import", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"updated in {case_id}" in captured.err and "updated 1" in captured.err
    config = parse_config(home / "config.toml", CONFIG)
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        draft = drafts.load(case_id).advisory
        assert draft.summary == "A new summary"  # the draft still said what the record said: it follows
        drafts.save(replace(draft, summary="Edited here"))
    finally:
        drafts.store.close()
    path.write_text(json.dumps(dict(OSV_RECORD, summary="A third summary", modified="2026-08-01T00:00:00Z")))
    assert run(["--home", str(home), "import", str(path)]) == 0
    assert f"the draft of {case_id} was edited here since its import; kept" in capsys.readouterr().err
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        assert drafts.load(case_id).advisory.summary == "Edited here"
        assert drafts.load_record(case_id, "PYSEC-2026-17").advisory.summary == "A third summary"
    finally:
        drafts.store.close()
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--record", "PYSEC-2026-17"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == "A third summary"
    assert run(["--home", str(home), "export", case_id, "--format", "osv"]) == 0  # the draft, as before
    assert json.loads(capsys.readouterr().out)["summary"] == "Edited here"


def test_the_records_vectors_score_the_case_and_a_joining_record_adds_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    v3 = {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H"}
    first = dict(OSV_RECORD, severity=[v3])
    (tmp_path / "a.json").write_text(json.dumps(first))
    assert run(["--home", str(home), "import", str(tmp_path / "a.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    assert show(home, case_id, capsys)["severity"] == {"vector": v3["score"], "score": 7.5, "rating": "High"}
    v4 = "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    joining = dict(OSV_RECORD, id="GHSA-4x5q-v2wc-mh8j", aliases=["CVE-2026-30001"],
                   severity=[{"type": "CVSS_V4", "score": v4}])  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(joining))
    assert run(["--home", str(home), "import", str(tmp_path / "b.json")]) == 0
    capsys.readouterr()
    with Store(home / "triage.db").read() as connection:
        row = connection.execute("SELECT cvss_vector, cvss4_vector FROM cases WHERE id = ?", (case_id,)).fetchone()
    assert tuple(row) == (v3["score"], v4)


def test_a_withdrawn_record_without_ranges_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    record = tmp_path / "PYSEC-2022-15.yaml"
    shutil.copy(CORPUS / "vulns" / "loguru" / "PYSEC-2022-15.yaml", record)
    assert run(["--home", str(home), "import", str(record)]) == 0
    (case_id,) = capsys.readouterr().out.split()
    assert show(home, case_id, capsys)["records"] == [{"id": "PYSEC-2022-15", "format": "osv", "packages": ["loguru"]}]


def test_a_file_that_fails_while_stored_is_refused_alone_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure inside the batch's transaction rolls the batch back; the batch is stored again file by file, so
    only the failing file is refused and nothing of it stays (no case, no message, no kept record)."""
    from triage_tui.services import advisory_import, advisory_records
    from triage_tui.store.advisory_records_store import every_kept_record

    paths = [CORPUS / "vulns" / f"{name}.yaml" for name in TENSORFLOW]
    real = advisory_records.keep_file

    def failing(connection, keeper, parsed):  # type: ignore[no-untyped-def]
        if parsed.path == paths[1]:
            real(connection, keeper, parsed)  # written, then the transaction fails
            raise RuntimeError("disk full")
        return real(connection, keeper, parsed)

    monkeypatch.setattr(advisory_import, "keep_file", failing)
    config = parse_config(tmp_path / "config.toml", CONFIG)
    store = Store(tmp_path / "triage.db")
    try:
        results = advisory_import.import_advisory_files(store, config, paths)
        assert [r.outcome for r in results] == ["imported", "refused", "imported"]
        assert results[1].message == "not imported: RuntimeError: disk full"
        with store.read() as connection:
            kept = every_kept_record(connection)
            messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        assert kept == [(results[0].case_id, "PYSEC-2019-204"), (results[0].case_id, "PYSEC-2019-229")]
        assert messages == 2
    finally:
        store.close()


def test_a_joining_record_adds_its_cells_but_leaves_a_draft_edited_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = home_with(tmp_path, gpg_world)
    (tmp_path / "a.json").write_text(json.dumps(OSV_RECORD))
    assert run(["--home", str(home), "import", str(tmp_path / "a.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    config = parse_config(home / "config.toml", CONFIG)
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        drafts.save(replace(drafts.load(case_id).advisory, summary="Edited here"))
    finally:
        drafts.store.close()
    pip = {"package": {"ecosystem": "PyPI", "name": "pip"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "25.1"}]}]}  # fmt: skip
    joining = dict(OSV_RECORD, id="GHSA-4x5q-v2wc-mh8j", aliases=["CVE-2026-30001"], affected=[pip])
    (tmp_path / "b.json").write_text(json.dumps(joining))
    assert run(["--home", str(home), "import", str(tmp_path / "b.json")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"imported into {case_id}" in captured.err
    assert f"the draft of {case_id} was edited here since its import; kept as it is" in captured.err
    document = show(home, case_id, capsys)
    assert {i["project"]: i["fixed_version"] for i in document["impacts"]} == {  # type: ignore[attr-defined]
        "setuptools": "78.1.1",
        "pip": "25.1",
    }
    drafts = AdvisoryDrafts(Store(home / "triage.db"), "alex@example.org", config)
    try:
        draft = drafts.load(case_id).advisory
    finally:
        drafts.store.close()
    assert draft.summary == "Edited here" and [p.name for p in draft.packages] == ["setuptools"]


def test_a_record_without_a_summary_titles_its_case_by_its_id_and_first_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    """The database rarely writes a summary: each case still reads apart in the inbox."""
    home = home_with(tmp_path, gpg_world)
    record = CORPUS / "vulns" / "pip" / "PYSEC-2021-437.yaml"
    assert run(["--home", str(home), "import", str(record)]) == 0
    case_id = capsys.readouterr().out.strip()
    title = show(home, case_id, capsys)["title"]
    assert isinstance(title, str) and title.startswith("PYSEC-2021-437: A flaw was found in python-pip")
    assert len(title) <= len("PYSEC-2021-437: ") + 100


def test_what_an_import_records_travels_to_the_team_only_as_decisions_never_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    """The trust boundary: an imported record and the draft it seeds stay on this workstation. Of the events an
    import writes, the team log shares only the matrix cells (decisions, as any cell set by hand); the record's
    text and its id never reach a team event."""
    from triage_tui.team.hlc import Timestamp
    from triage_tui.team.log import team_event_of

    home = home_with(tmp_path, gpg_world)
    record = CORPUS / "vulns" / "pip" / "PYSEC-2021-437.yaml"
    assert run(["--home", str(home), "import", str(record)]) == 0
    case_id = capsys.readouterr().out.strip()
    events = show(home, case_id, capsys)["events"]
    assert isinstance(events, list) and {e["kind"] for e in events} >= {"advisory", "impact"}
    shared = [team_event_of(e["kind"], e["payload"], case_id, "FPR", Timestamp(0)) for e in events]
    sent = [event.encode() for event in shared if event is not None]
    assert sent, "the cells an import sets are decisions the team shares"
    assert all(team_event_of(e["kind"], e["payload"], case_id, "FPR", Timestamp(0)) is None
               for e in events if e["kind"] == "advisory")  # fmt: skip
    for body in sent:
        assert b"PYSEC-2021-437" not in body and b"Unicode separators" not in body
