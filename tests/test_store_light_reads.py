"""Tests that reading the store never imports SQLAlchemy or SQLModel: the inbox's start and a no-change sync must not
pay the half second their import costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui_fixtures import seeded_store, small_inbox

READ_EVERYTHING_THE_INBOX_READS = """
import sys
from pathlib import Path

from triage_tui.store.queries import CaseFilter, get_case, list_cases
from triage_tui.store.reads import StoreReads
from triage_tui.store.store import Store
from triage_tui.store.sync_reads import known_source_keys, load_cursors

store = Store(Path(sys.argv[1]))
reads = StoreReads(store)
assert reads.page(CaseFilter(), 0, 50) and reads.count(CaseFilter(search="tarfile")).shown
reads.snippet(reads.page(CaseFilter(), 0, 1)[0].id, "tarfile", ("[", "]"))
with store.read() as connection:
    assert get_case(connection, list_cases(connection)[0].id) is not None
    load_cursors(connection, "mail"), known_source_keys(connection, "mail")
reads.close()
store.close()
print(sorted(name for name in sys.modules if name.split(".")[0] in ("sqlalchemy", "sqlmodel")))
"""


def test_opening_and_reading_the_store_imports_no_sqlalchemy(tmp_path: Path) -> None:
    database = seeded_store(tmp_path / "triage.db", small_inbox())
    result = subprocess.run(
        [sys.executable, "-c", READ_EVERYTHING_THE_INBOX_READS, str(database)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    assert result.stdout.strip() == "[]"
