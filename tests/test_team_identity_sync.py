"""Tests on a real Dovecot that a workstation whose key is no longer a current roster key (removed, rotated away) is
told so in one line by every team sync, naming the folders it can no longer read, instead of silently reading
nothing; and that `team members` marks which member it is."""

from __future__ import annotations

import json

from gpg_fixtures import generate_key
from onboarding_fixtures import Team


def team_report(team: Team, name: str) -> dict[str, object]:
    done = team.cli(team.maintainers[name], "sync", "--json")
    (report,) = [r for r in json.loads(done.stdout) if r["source"] == "team"]
    assert isinstance(report, dict)
    return report


def test_a_removed_or_rotated_away_key_is_named_by_every_sync(pip_team: Team) -> None:
    team = pip_team
    pip = team.maintainers["pip"]
    assert team_report(team, "pip")["ok"] is True
    assert [line for line in team.ok(pip, "team", "members").splitlines() if line.endswith("(you)")]

    # The maintainer rotates the roster's key and keeps this workstation's identity: the old key reads nothing now.
    new = generate_key(pip.ring.gpg, "pip-next@pip.example")
    team.ok(pip, "team", "rotate-key", new, "--keep-identity")
    for _ in range(2):  # every sync says it, not only the first
        report = team_report(team, "pip")
        assert report["ok"] is False
        message = str(report["error"])
        assert f"this workstation's key {pip.fingerprint}" in message, report
        assert f"was rotated to {new}" in message and "it can no longer read Team/pip" in message, report
        assert message.count("\n") == 0
    (mine,) = [line for line in team.ok(pip, "team", "members").splitlines() if "(you:" in line]
    assert "former key" in mine
