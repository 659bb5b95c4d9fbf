"""Which team folders a workstation reads and which folders each envelope goes to (`team/folders.py`): per audience
with a prefix (a coordinator reads its own folder and every project's, a maintainer its projects' only; an envelope
goes to the folders of its readers among the case's projects), the one folder without."""

from __future__ import annotations

from triage_tui.config import TeamConfig
from triage_tui.team.envelope import TeamRoles
from triage_tui.team.folders import FolderPlan

ALEX, SAM, PAT, UMA, BOTH = ("A" * 40, "5" * 40, "B" * 40, "C" * 40, "D" * 40)
ROLES = TeamRoles(
    coordinators=frozenset({ALEX, SAM}),
    maintainers={"pip": frozenset({PAT, BOTH}), "uv": frozenset({UMA, BOTH}), "ruff": frozenset()},
)
TEAM = TeamConfig(coordinators=(ALEX, SAM), source="mailbox", prefix="Team/")


def plan(me: str, team: TeamConfig = TEAM) -> FolderPlan:
    return FolderPlan.of(team, ROLES, me)


def test_a_coordinator_reads_its_folder_and_every_projects_and_a_maintainer_only_its_projects() -> None:
    assert plan(ALEX).reads() == ("Team/coordinators", "Team/pip", "Team/ruff", "Team/uv")
    assert plan(PAT.lower()).reads() == ("Team/pip",)  # the fingerprint as the config may write it
    assert plan(BOTH).reads() == ("Team/pip", "Team/uv")
    assert plan("E" * 40).reads() == ()  # no role: nothing of the team to read


def test_an_envelope_goes_to_the_folders_of_its_readers_among_the_cases_projects() -> None:
    pip_case = plan(ALEX).delivery_folders({ALEX, SAM, PAT, BOTH}, ["pip"])
    assert pip_case == ("Team/coordinators", "Team/pip")
    both = plan(PAT).delivery_folders({ALEX, SAM, PAT, UMA, BOTH}, ["uv", "pip"])
    assert both == ("Team/coordinators", "Team/pip", "Team/uv")
    # The case shared with a newly linked project's maintainers: their folder only.
    assert plan(ALEX).delivery_folders({UMA}, ["pip", "uv"]) == ("Team/uv",)
    # A notice to the maintainers of the project an event unlinks (no longer among the case's projects).
    assert plan(ALEX).delivery_folders({PAT}, {"uv", "pip"}) == ("Team/pip",)
    # Coordinators only (a project with no maintainers, or none linked): their folder only.
    assert plan(ALEX).delivery_folders({ALEX, SAM}, ["ruff"]) == ("Team/coordinators",)


def test_every_folder_is_the_coordinators_and_each_projects() -> None:
    assert plan(PAT).every_folder() == ("Team/coordinators", "Team/pip", "Team/ruff", "Team/uv")


def test_without_a_prefix_everything_goes_to_and_comes_from_the_one_folder() -> None:
    legacy = TeamConfig(coordinators=(ALEX,), source="mailbox", folder="Events")
    for me in (ALEX, PAT, "E" * 40):
        one = plan(me, legacy)
        assert not one.per_audience and one.reads() == ("Events",) and one.every_folder() == ("Events",)
        assert one.delivery_folders({ALEX, UMA}, ["pip", "uv"]) == ("Events",)
