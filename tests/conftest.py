"""Shared test set-up: SVG snapshots under the top-level snapshots/ folder, and no real user config."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_textual_snapshot
from syrupy.location import PyTestLocation

SNAPSHOT_ROOT = Path(__file__).resolve().parent.parent / "snapshots"


class RootSnapshotsSVGExtension(pytest_textual_snapshot.SVGImageExtension):  # type: ignore[misc]
    """Stores each test module's SVGs in snapshots/<module>/ instead of tests/__snapshots__/."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SNAPSHOT_ROOT / test_location.basename)


# snap_compare looks the extension up on the module each time it runs.
pytest_textual_snapshot.SVGImageExtension = RootSnapshotsSVGExtension

pytest_plugins = ["gpg_fixtures", "dovecot_fixtures", "team_server_fixtures", "team_templates", "user_text_plugin"]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's real workspace or config."""
    monkeypatch.delenv("TRIAGE_TUI_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
