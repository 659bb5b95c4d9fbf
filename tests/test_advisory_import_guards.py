"""Tests for what import refuses or reads carefully (issue 19's cold review): lists longer than any real record's,
ids that are not ids, a key given twice, a CSAF document, CVE entries that state less than a range; and for the
case's draft naming a package once when two records of the flaw name it."""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from gpg_fixtures import GpgWorld
from test_advisory_import import OSV_RECORD, PACKAGES, cli_home
from triage_tui.advisories import import_checks
from triage_tui.advisories.cve_reader import cve_warnings
from triage_tui.advisories.importers import ImportError_, parse_document, to_record
from triage_tui.cli import run
from triage_tui.domain import ImpactStatus
from triage_tui.services.advisory_records import merged

DATA = Path(__file__).parent / "data"
CVE_RECORD = json.loads((DATA / "cve" / "CVE-2025-47273.json").read_text())
CVE_PACKAGES = {"pip": ["pip"], "setuptools": ["setuptools"]}


def imported(document: Any) -> Any:
    return to_record(parse_document(json.dumps(document).encode()), "PSC-2026-0300", PACKAGES)[1]


def refusal(document: Any) -> str:
    with pytest.raises(ImportError_) as caught:
        imported(document)
    return str(caught.value)


def osv(**changes: Any) -> dict[str, Any]:
    document = deepcopy(OSV_RECORD)
    document.update(changes)
    return document


def entry(**changes: Any) -> dict[str, Any]:
    first: dict[str, Any] = dict(deepcopy(OSV_RECORD["affected"][0]), **changes)
    return first


@pytest.mark.parametrize(
    ("document", "field", "bound"),
    [
        (osv(affected=[entry(versions=[f"1.{i}" for i in range(100_000)])]), "versions", import_checks.MAX_VERSIONS),
        (
            osv(affected=[entry(ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}] * 1_001)]),
            "events",
            import_checks.MAX_EVENTS,
        ),
        (
            osv(
                affected=[
                    entry(ranges=[{"type": "GIT", "repo": "https://x.org/r", "events": [{"introduced": "0"}]}] * 101)
                ]
            ),
            "ranges",
            import_checks.MAX_RANGES,
        ),
        (osv(affected=[entry()] * 501), "affected", import_checks.MAX_AFFECTED),
        (osv(affected=[entry(versions=[f"1.{i}" for i in range(1_001)])] * 2), "all packages", 2_000),
        (osv(affected=[entry()] * 300), "events (all packages)", import_checks.MAX_EVENTS),
        (osv(references=[{"type": "WEB", "url": f"https://x.org/{i}"} for i in range(1_001)]), "references", 1_000),
        (osv(aliases=[f"CVE-2026-{i}" for i in range(201)]), "aliases", import_checks.MAX_ALIASES),
        (osv(credits=[{"name": f"n{i}"} for i in range(201)]), "credits", import_checks.MAX_CREDITS),
    ],
)
def test_a_list_longer_than_its_bound_is_refused_naming_the_field_and_the_bound(
    document: dict[str, Any], field: str, bound: int
) -> None:
    reason = refusal(document)
    assert field in reason and f"at most {bound:,}" in reason


def test_the_bounds_are_far_above_the_largest_real_records_and_exact() -> None:
    # Measured in pypa/advisory-database: 1,132 versions, 30 events, 3 ranges, 21 references, 4 aliases.
    assert import_checks.MAX_VERSIONS >= 1.5 * 1_132 and import_checks.MAX_EVENTS >= 10 * 30
    assert import_checks.MAX_RANGES >= 10 * 3 and import_checks.MAX_REFERENCES >= 10 * 21
    at_bound = [f"1.{i}" for i in range(import_checks.MAX_VERSIONS)]
    assert imported(osv(affected=[entry(versions=at_bound)])).packages
    assert "at most" in refusal(osv(affected=[entry(versions=[*at_bound, "2.0"])]))


@pytest.mark.parametrize("bad", ["../../../../tmp/x", "PYSEC-1\x00", "PYSEC-\x1b[2J", "PYSEC-\u202e1", "[red]R[/]"])
def test_a_record_whose_id_is_not_an_osv_id_is_refused(bad: str) -> None:
    assert "not an OSV id" in refusal(osv(id=bad))


@pytest.mark.parametrize("field", ["aliases", "related", "upstream"])
@pytest.mark.parametrize("bad", ["../../x", "CVE-1\x00", "CVE-\x1b[2J", "CVE-\u202e1", "[red]R[/]"])
def test_an_alias_related_or_upstream_id_with_controls_or_separators_is_refused(field: str, bad: str) -> None:
    reason = refusal(osv(**{field: [bad]}))
    assert "which no id holds" in reason and repr(bad) in reason
    stray = "GHSA-jf66-3q76-h5p5,"  # a real alias (PYSEC-2022-184): stray punctuation is no reason to refuse
    assert getattr(imported(osv(**{field: [stray]})), field) == (stray,)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"id: PYSEC-1\nmodified: 2026-01-01T00:00:00Z\nid: PYSEC-2\n", "the key 'id' is given twice in one YAML"),
        (b'{"id": "PYSEC-1", "modified": "x", "id": "PYSEC-2"}', "the key 'id' is given twice in one JSON"),
        (b"id: PYSEC-1\naffected:\n- package: {name: pip, name: uv}\n", "the key 'name' is given twice"),
    ],
)
def test_a_key_given_twice_is_refused(text: bytes, reason: str) -> None:
    with pytest.raises(ImportError_, match=reason):
        parse_document(text)


def test_a_csaf_document_is_refused_as_csaf() -> None:
    document = {"document": {"csaf_version": "2.0", "title": "t"}, "vulnerabilities": [{"cve": "CVE-2026-1"}]}
    with pytest.raises(ImportError_, match="a CSAF document; import takes OSV, GHSA or CVE JSON 5 advisories"):
        to_record(document, "PSC-2026-0300", PACKAGES)


def cve_with(versions: list[dict[str, Any]], **product: Any) -> dict[str, Any]:
    document: dict[str, Any] = deepcopy(CVE_RECORD)
    document["containers"]["cna"]["affected"] = [
        dict({"vendor": "pypa", "product": "pip", "defaultStatus": "affected", "versions": versions}, **product)
    ]
    return document


@pytest.mark.parametrize(
    ("versions", "product", "warning"),
    [
        ([{"version": "0", "lessThan": "1.0", "status": "affected", "versionType": "git"}], {}, "without a repository"),
        (
            [{"version": "0", "lessThan": "1.0", "status": "affected", "versionType": "git"}],
            {"repo": "https://x/\x1b[2J"},
            "without a repository",
        ),
        ([{"version": "../../etc", "lessThan": "2.0", "status": "affected"}], {}, "'../../etc' is not a version"),
        (
            [{"version": "1.0", "status": "affected", "changes": [{"at": "0.9", "status": "unaffected"}]}],
            {},
            "lists changes, which are not read; not kept",
        ),
        (
            [{"version": "1.0", "lessThanOrEqual": "0.5", "status": "affected", "versionType": "python"}],
            {},
            "'1.0' to lessThanOrEqual '0.5' ends before it starts",
        ),
        ([{"version": "2.0", "lessThan": "2.0", "status": "affected"}], {}, "ends before it starts"),
    ],
)
def test_a_cve_entry_stating_no_range_becomes_no_event(
    versions: list[dict[str, Any]], product: dict[str, Any], warning: str
) -> None:
    document = cve_with(versions, **product)
    advisory = to_record(document, "PSC-2026-0300", CVE_PACKAGES)[1]
    assert advisory.packages == ()  # not every version marked affected
    assert any(warning in line for line in cve_warnings(document, CVE_PACKAGES))


def test_a_git_range_alone_gives_no_release_events() -> None:
    versions = [{"version": "0", "lessThan": "a" * 40, "status": "affected", "versionType": "git"}]
    document = cve_with(versions, repo="https://github.com/pypa/pip")
    (package,) = to_record(document, "PSC-2026-0300", CVE_PACKAGES)[1].packages
    assert package.events == () and package.other_ranges[0]["repo"] == "https://github.com/pypa/pip"


def test_a_summary_from_a_long_description_is_cut_at_a_word_with_an_ellipsis() -> None:
    document = deepcopy(CVE_RECORD)
    cna = document["containers"]["cna"]
    cna.pop("title", None)
    cna["descriptions"] = [{"lang": "en", "value": "word " * 30 + "abcdefghijklmnopqrstuvwxyz " * 10}]
    summary = to_record(document, "PSC-2026-0300", CVE_PACKAGES)[1].summary
    assert len(summary) <= 200 and summary.endswith("…")
    assert summary[:-1].rsplit(" ", 1)[-1] in ("word", "abcdefghijklmnopqrstuvwxyz")


def test_two_records_of_one_flaw_for_one_package_make_one_package_in_the_draft() -> None:
    pysec = to_record(
        parse_document((DATA / "pypa-advisory-db" / "vulns" / "pip" / "PYSEC-2021-437.yaml").read_bytes()),
        "PSC-2026-0300",
        PACKAGES,
    )[1]
    cve = to_record(json.loads((DATA / "cve" / "CVE-2021-3572.json").read_text()), "PSC-2026-0300", PACKAGES)[1]
    both = merged([pysec, cve])
    assert both is not None
    (package,) = both.packages
    assert package.events == (("introduced", "0"), ("fixed", "21.1")) and package.status == ImpactStatus.FIXED
    assert package.versions == pysec.packages[0].versions
    (reversed_,) = merged([cve, pysec]).packages  # type: ignore[union-attr]
    assert reversed_.versions == pysec.packages[0].versions and reversed_.events == package.events


def test_two_records_with_different_ranges_of_one_package_merge_their_events_in_order() -> None:
    late = imported(
        osv(
            affected=[
                entry(
                    ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "70.0"}, {"fixed": "78.1.1"}]}],
                    versions=["70.0"],
                )
            ]
        )
    )
    early = imported(
        osv(
            id="GHSA-4x5q-v2wc-mh8j",
            affected=[
                entry(
                    ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "65.0"}]}],
                    versions=["1.0", "70.0"],
                )
            ],
        )
    )
    (package,) = merged([late, early]).packages  # type: ignore[union-attr]
    assert package.events == (("introduced", "0"), ("fixed", "65.0"), ("introduced", "70.0"), ("fixed", "78.1.1"))
    assert package.versions == ("70.0", "1.0")


def test_a_case_exported_as_ghsa_does_not_replace_the_cve_record_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = cli_home(tmp_path, gpg_world)
    assert run(["--home", str(home), "import", str(DATA / "cve" / "CVE-2025-47273.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    assert run(["--home", str(home), "export", case_id, "--format", "ghsa"]) == 0
    ghsa = tmp_path / "ghsa.json"
    ghsa.write_text(capsys.readouterr().out)
    assert json.loads(ghsa.read_text())["cve_id"] == "CVE-2025-47273"
    assert run(["--home", str(home), "import", str(ghsa)]) == 0
    err = capsys.readouterr().err
    assert f"{case_id} keeps CVE-2025-47273 from a CVE record; this GHSA record of the same id is not imported" in err
    assert "updated 0, unchanged 1, refused 0" in err
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--record", "CVE-2025-47273"]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept["published"] == "2025-05-17T15:46:11.399000Z"
    assert len(kept["references"]) == len(CVE_RECORD["containers"]["cna"]["references"])


def test_an_older_record_of_the_same_id_does_not_replace_the_newer_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    home = cli_home(tmp_path, gpg_world)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(osv(summary="The newer summary", modified="2026-07-01T00:00:00Z")))
    assert run(["--home", str(home), "import", str(path)]) == 0
    case_id = capsys.readouterr().out.strip()
    path.write_text(json.dumps(osv(summary="An older summary")))  # modified 2026-05-04
    assert run(["--home", str(home), "import", str(path)]) == 0
    assert "is older than the one kept and is not imported over it" in capsys.readouterr().err
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--record", "PYSEC-2026-17"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == "The newer summary"


def test_a_record_with_the_same_id_and_time_but_other_content_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    """A database changes `modified` with every change: the same id and time saying something else is another
    record under a borrowed id, and would take the kept one's aliases (and its case) away."""
    home = cli_home(tmp_path, gpg_world)
    first = {
        "id": "PYSEC-2099-1",
        "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2099-2001"],
        "details": "A flaw.",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pip"}, "versions": ["1.0"]}],
    }
    hijack = dict(first, aliases=["CVE-2099-2999"], details="Something else.")
    (tmp_path / "a.json").write_text(json.dumps(first))
    (tmp_path / "b.json").write_text(json.dumps(hijack))
    assert run(["--home", str(home), "import", str(tmp_path / "a.json")]) == 0
    case_id = capsys.readouterr().out.strip()
    assert run(["--home", str(home), "import", str(tmp_path / "b.json")]) == 1
    assert "the same id and time but says something else" in capsys.readouterr().err
    assert run(["--home", str(home), "export", case_id, "--format", "osv", "--record", "PYSEC-2099-1"]) == 0
    assert json.loads(capsys.readouterr().out)["aliases"] == ["CVE-2099-2001"]


def test_a_record_modified_in_the_future_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gpg_world: GpgWorld
) -> None:
    """A `modified` years ahead would make every real update of the record look older and never be imported."""
    home = cli_home(tmp_path, gpg_world)
    record = {
        "id": "PYSEC-2097-3",
        "modified": "2999-12-31T00:00:00Z",
        "details": "A flaw.",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pip"}, "versions": ["1.0"]}],
    }
    (tmp_path / "x.json").write_text(json.dumps(record))
    assert run(["--home", str(home), "import", str(tmp_path / "x.json")]) == 1
    assert "its modified time '2999-12-31T00:00:00Z' is in the future" in capsys.readouterr().err


def test_a_refusal_quoting_a_huge_value_is_cut() -> None:
    """A reason may quote the file (a 229 KB range): a summary of thousands of files names each refusal."""
    from triage_tui.services.advisory_import import REASON_CHARACTERS, said

    assert said("x" * 300_000).endswith("…") and len(said("x" * 300_000)) == REASON_CHARACTERS
    assert said("short") == "short"
