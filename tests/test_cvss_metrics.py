"""Provides tests of the CVSS metric tables and the calculator's draft against published scores.

Expected scores are the published ones (NVD and the FIRST specification examples), never values printed by the code
under test; the hand-checked ones follow the CVSS 3.1 specification's formulas (section 7.1).
"""

from __future__ import annotations

import pytest

from triage_tui.cvss_metrics import BASE_METRICS, VALUE_KEYS, CvssDraft, Version

KNOWN_VECTORS: list[tuple[str, float, str]] = [
    # The classic unauthenticated network RCE (e.g. CVE-2014-6271 Shellshock on NVD).
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"),
    # CVE-2021-44228 Log4Shell, NVD.
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "Critical"),
    # CVE-2014-0160 Heartbleed, NVD 3.x.
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "High"),
    # CVE-2017-5753 Spectre v1, NVD.
    ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:N/A:N", 5.6, "Medium"),
    # CVE-2013-1937 phpMyAdmin XSS, the CVSS 3.1 specification's examples document.
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "Medium"),
    # CVE-2023-5752 pip Mercurial configuration injection, NVD:
    # ISS 0.22, impact 6.42*0.22 = 1.4124, exploitability 8.22*0.55*0.77*0.62*0.85 = 1.8345, roundup(3.2469) = 3.3.
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N", 3.3, "Low"),
    # By hand: impact 1.4124, exploitability 8.22*0.55*0.44*0.27*0.62 = 0.3330, roundup(1.7454) = 1.8.
    ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, "Low"),
    # No impact at all scores 0 by definition (spec 7.1: "If Impact <= 0 then 0").
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "None"),
    # CVSS 4.0: the FIRST calculator's full-impact network vector, and the all-high one.
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "Critical"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, "Critical"),
    # CVE-2022-41741 (nginx mp4 module), the FIRST CVSS 4.0 examples document: CVSS-B 7.3.
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3, "High"),
    # A remote denial of service, as GitHub advisories score it.
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7, "High"),
    # No impact on any system scores 0 by definition (4.0 spec section 8.2).
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, "None"),
]


def _version(vector: str) -> Version:
    return "4.0" if vector.startswith("CVSS:4.0/") else "3.1"


class TestKnownVectors:
    @pytest.mark.parametrize(("vector", "score", "rating"), KNOWN_VECTORS)
    def test_parsed_draft_scores_as_published(self, vector: str, score: float, rating: str) -> None:
        """A stored vector opens as a complete draft that gives back the same vector and the published score."""
        draft = CvssDraft.parse(vector, _version(vector))
        assert draft.complete
        assert draft.vector() == vector
        severity = draft.severity()
        assert severity is not None
        assert (severity.score, severity.rating) == (score, rating)

    @pytest.mark.parametrize(("vector", "score", "rating"), KNOWN_VECTORS)
    def test_keys_build_the_vector(self, vector: str, score: float, rating: str) -> None:
        """Typing each metric's value key, metric by metric, builds the same vector and score."""
        version = _version(vector)
        draft = CvssDraft.empty(version)
        letters = [part.split(":")[1] for part in vector.split("/")[1:]]
        for index, letter in enumerate(letters):
            draft = draft.choose(index, letter.lower())
        assert draft.vector() == vector
        severity = draft.severity()
        assert severity is not None and severity.score == score


class TestMetricTables:
    def test_base_metrics_in_vector_order(self) -> None:
        assert [m.abbreviation for m in BASE_METRICS["3.1"]] == ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
        assert [m.abbreviation for m in BASE_METRICS["4.0"]] == [
            *("AV", "AC", "AT", "PR", "UI"),
            *("VC", "VI", "VA", "SC", "SI", "SA"),
        ]

    def test_value_letters_unique_within_a_metric(self) -> None:
        """Each value has its own key within its metric, so one key press is never ambiguous."""
        for metrics in BASE_METRICS.values():
            for metric in metrics:
                keys = [value.key for value in metric.values]
                assert len(keys) == len(set(keys)), metric.abbreviation
        assert VALUE_KEYS == set("achlnpru")

    def test_names_come_from_the_library(self) -> None:
        attack_vector = BASE_METRICS["4.0"][0]
        assert attack_vector.name == "Attack Vector"
        assert [(v.letter, v.name) for v in attack_vector.values] == [
            ("N", "Network"),
            ("A", "Adjacent"),
            ("L", "Local"),
            ("P", "Physical"),
        ]
        user_interaction = BASE_METRICS["4.0"][4]
        assert [v.name for v in user_interaction.values] == ["None", "Passive", "Active"]


class TestDraft:
    def test_empty_draft_has_no_score(self) -> None:
        draft = CvssDraft.empty("3.1")
        assert not draft.complete
        assert draft.severity() is None
        assert draft.vector() == "CVSS:3.1"

    def test_partial_vector_lists_only_chosen_metrics(self) -> None:
        draft = CvssDraft.empty("3.1").choose(0, "n").choose(4, "c")
        assert draft.vector() == "CVSS:3.1/AV:N/S:C"
        assert draft.severity() is None

    def test_unknown_letter_changes_nothing(self) -> None:
        draft = CvssDraft.empty("3.1")
        assert draft.choose(1, "n") == draft  # AC has only L and H

    def test_step_wraps_and_starts_from_an_end(self) -> None:
        draft = CvssDraft.empty("3.1")
        assert draft.step(0, 1).choices[0] == "N"
        assert draft.step(0, -1).choices[0] == "P"
        assert draft.step(0, 1).step(0, 1).choices[0] == "A"
        assert draft.step(0, -1).step(0, 1).choices[0] == "N"

    def test_non_base_metrics_are_kept(self) -> None:
        """Temporal metrics of a stored vector survive editing the base metrics."""
        draft = CvssDraft.parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", "3.1")
        assert draft.kept == (("E", "P"), ("RL", "O"))
        assert draft.choose(7, "n").vector() == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N/E:P/RL:O"

    def test_other_version_or_invalid_opens_empty(self) -> None:
        assert CvssDraft.parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "4.0") == CvssDraft.empty("4.0")
        assert CvssDraft.parse("CVSS:3.1/AV:X", "3.1") == CvssDraft.empty("3.1")
        assert CvssDraft.parse(None, "3.1") == CvssDraft.empty("3.1")

    def test_a_3_0_vector_opens_as_3_1(self) -> None:
        draft = CvssDraft.parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1")
        assert draft.vector() == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
