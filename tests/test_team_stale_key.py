"""A decision by a key the roster no longer holds current says what became of the key (revoked, rotated, removed) in
one line, not the bare rule receivers refuse it by. A team onboarded from the command line on a real
access-controlled Dovecot, with real gpg."""

from __future__ import annotations

from onboarding_fixtures import PIP_CASE_TITLE, Team, case_on


def test_a_decision_by_a_revoked_key_says_the_key_is_revoked(pip_team: Team) -> None:
    pip, coordinator = pip_team.maintainers["pip"], pip_team.coordinator
    pip_case = case_on(pip_team, pip, PIP_CASE_TITLE)["id"]
    pip_team.ok(coordinator, "team", "revoke", pip.fingerprint)
    pip_team.sync(coordinator)
    synced = pip_team.cli(pip, "sync")  # the revocation reaches the revoked key's own workstation, which says so
    assert synced.returncode == 1 and "is revoked since" in synced.stdout + synced.stderr

    refused = pip_team.cli(pip, "case", pip_case, "note", "after the revocation")

    assert refused.returncode == 2, refused.stdout + refused.stderr
    line = refused.stderr.strip()
    assert f"this workstation's key {pip.fingerprint}" in line and "is revoked since" in line, line
    assert "neither a coordinator nor a maintainer" not in line and len(line.splitlines()) == 1
