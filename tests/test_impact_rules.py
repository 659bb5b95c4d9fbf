"""Tests for the impact cell's rules: what each status requires, PEP 440 ranges, and the OSV events they become."""

from __future__ import annotations

import pytest

from triage_tui.domain import ImpactStatus, VexJustification
from triage_tui.impact import ImpactCell, ImpactError, check_cell, mark, osv_events, parse_range

S = ImpactStatus


class TestStatusRules:
    def test_not_affected_needs_a_vex_justification(self) -> None:
        with pytest.raises(ImpactError, match="needs a justification: component_not_present"):
            check_cell(ImpactCell(S.NOT_AFFECTED))
        cell = check_cell(ImpactCell(S.NOT_AFFECTED, justification=VexJustification.NOT_IN_EXECUTE_PATH))
        assert cell.justification == VexJustification.NOT_IN_EXECUTE_PATH

    @pytest.mark.parametrize("status", [s for s in S if s != S.NOT_AFFECTED])
    def test_only_not_affected_carries_a_justification(self, status: ImpactStatus) -> None:
        with pytest.raises(ImpactError, match="only for not-affected"):
            check_cell(
                ImpactCell(
                    status,
                    fixed_version="1.0" if status == S.FIXED else None,
                    justification=VexJustification.COMPONENT_NOT_PRESENT,
                )
            )

    def test_fixed_needs_a_valid_fixed_version(self) -> None:
        with pytest.raises(ImpactError, match="needs the version that fixes it"):
            check_cell(ImpactCell(S.FIXED))
        with pytest.raises(ImpactError, match="not a PEP 440 version"):
            check_cell(ImpactCell(S.FIXED, fixed_version="next tuesday"))
        assert check_cell(ImpactCell(S.FIXED, fixed_version=" 24.1.0 ")).fixed_version == "24.1.0"

    @pytest.mark.parametrize("status", [S.UNKNOWN, S.INVESTIGATING, S.AFFECTED, S.WONT_FIX])
    def test_a_fixed_version_belongs_to_fixed_or_fix_in_progress(self, status: ImpactStatus) -> None:
        with pytest.raises(ImpactError, match="names a fixed version"):
            check_cell(ImpactCell(status, fixed_version="2.0"))
        assert check_cell(ImpactCell(S.FIX_IN_PROGRESS, fixed_version="2.0")).fixed_version == "2.0"

    @pytest.mark.parametrize("status", [S.UNKNOWN, S.INVESTIGATING])
    def test_an_unsettled_cell_has_no_ranges(self, status: ImpactStatus) -> None:
        with pytest.raises(ImpactError, match="has no affected ranges"):
            check_cell(ImpactCell(status, ranges=("<2.0",)))

    def test_not_affected_has_no_ranges(self) -> None:
        with pytest.raises(ImpactError, match="has no affected ranges"):
            check_cell(
                ImpactCell(S.NOT_AFFECTED, ranges=("<2.0",), justification=VexJustification.COMPONENT_NOT_PRESENT)
            )

    def test_the_default_cell_is_unknown_and_valid(self) -> None:
        assert check_cell(ImpactCell()) == ImpactCell(S.UNKNOWN)
        assert mark(S.UNKNOWN) == "? unknown" and mark(S.NOT_AFFECTED) == "- not-affected"


class TestRanges:
    @pytest.mark.parametrize(
        ("text", "normalised"),
        [(" >=1.0 , <1.2.3 ", "<1.2.3,>=1.0"), ("<2", "<2"), ("==1.5", "==1.5"), ("~=1.4.2", "~=1.4.2")],
    )
    def test_good_specifiers_are_kept_normalised(self, text: str, normalised: str) -> None:
        assert str(parse_range(text)) == normalised
        assert check_cell(ImpactCell(S.AFFECTED, ranges=(text,))).ranges == (normalised,)

    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("", "an empty range"),
            ("version one", "not a PEP 440 specifier set"),
            (">1.0", "OSV ranges have no '>'"),
            ("!=1.0", "OSV ranges have no '!='"),
            ("===1.0", "OSV ranges have no '==='"),
            ("==1.4.*", "without a wildcard"),
            (">=2.0,<1.0", "upper bound is below the lower one"),
            (">=1.0,>=2.0", "at most one lower and one upper bound"),
            ("<1.0,<=2.0", "at most one lower and one upper bound"),
        ],
    )
    def test_bad_specifiers_are_refused_with_the_reason(self, text: str, error: str) -> None:
        with pytest.raises(ImpactError, match=error):
            check_cell(ImpactCell(S.AFFECTED, ranges=(text,)))


class TestOsvEvents:
    @pytest.mark.parametrize(
        ("ranges", "events"),
        [
            ((">=1.0,<1.2.3",), [{"introduced": "1.0"}, {"fixed": "1.2.3"}]),
            (("<2.0",), [{"introduced": "0"}, {"fixed": "2.0"}]),
            (("<=2.0",), [{"introduced": "0"}, {"last_affected": "2.0"}]),
            (("==1.5",), [{"introduced": "1.5"}, {"last_affected": "1.5"}]),
            (("~=1.4.2",), [{"introduced": "1.4.2"}, {"fixed": "1.5"}]),
            ((">=3.0",), [{"introduced": "3.0"}]),
            ((), [{"introduced": "0"}]),
            (
                (">=2.0,<2.4", ">=1.0,<1.9.1"),
                [{"introduced": "1.0"}, {"fixed": "1.9.1"}, {"introduced": "2.0"}, {"fixed": "2.4"}],
            ),
        ],
    )
    def test_affected_ranges_become_introduced_and_fixed_events(
        self, ranges: tuple[str, ...], events: list[dict[str, str]]
    ) -> None:
        assert osv_events(check_cell(ImpactCell(S.AFFECTED, ranges=ranges))) == events

    def test_a_fixed_version_closes_the_newest_open_range(self) -> None:
        cell = check_cell(ImpactCell(S.FIXED, ranges=(">=1.0,<1.2", ">=2.0"), fixed_version="2.3"))
        assert osv_events(cell) == [{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.3"}]
        assert osv_events(check_cell(ImpactCell(S.FIXED, fixed_version="2.3"))) == [
            {"introduced": "0"},
            {"fixed": "2.3"},
        ]

    @pytest.mark.parametrize("status", [S.UNKNOWN, S.INVESTIGATING])
    def test_unsettled_cells_export_no_answer(self, status: ImpactStatus) -> None:
        assert osv_events(ImpactCell(status)) == []

    def test_not_affected_exports_no_events(self) -> None:
        cell = check_cell(ImpactCell(S.NOT_AFFECTED, justification=VexJustification.COMPONENT_NOT_PRESENT))
        assert osv_events(cell) == []


class TestJson:
    def test_every_field_round_trips(self) -> None:
        cell = check_cell(
            ImpactCell(S.FIXED, ranges=(">=1.0,<1.2", ">=2.0"), fixed_version="2.3", notes="backported to 1.x")
        )
        assert ImpactCell.from_json(cell.to_json()) == cell
        other = check_cell(
            ImpactCell(S.NOT_AFFECTED, justification=VexJustification.INLINE_MITIGATIONS_ALREADY_EXIST, notes="n")
        )
        assert ImpactCell.from_json(other.to_json()) == other

    @pytest.mark.parametrize(
        "data",
        [
            {"status": "broken"},
            {"status": "fixed"},
            {"status": "not-affected", "justification": "because"},
            {"status": "affected", "ranges": [">1"]},
        ],
    )
    def test_bad_data_is_refused(self, data: dict[str, object]) -> None:
        with pytest.raises(ImpactError):
            ImpactCell.from_json(data)
