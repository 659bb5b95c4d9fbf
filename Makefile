# Two entry points: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/demo-home

.PHONY: demo demo-rebuild test lint typecheck pytest system-deps node-deps install bench clean

# A venv left half-made (an interrupted first install: no pip yet) is made again rather than failing for good.
$(STAMP): pyproject.toml
	$(BIN)/python -m pip --version >/dev/null 2>&1 || rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

system-deps:
	./scripts/install-system-deps.sh

# The reference validators the tests run with Node.js (CSAF's, GitHub's OpenAPI description); tests only.
node-deps:
	./scripts/install-node-deps.sh

# A second `make demo` reopens the demo with the work done in it; REBUILD=1 (or `make demo-rebuild`) builds it anew.
demo: install
	$(BIN)/triage-tui demo --home $(DEMO_HOME) $(if $(REBUILD),--rebuild)

demo-rebuild: install
	$(BIN)/triage-tui demo --home $(DEMO_HOME) --rebuild

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: install node-deps
	$(BIN)/pytest -q

test: install lint typecheck pytest

bench: install
	$(BIN)/python bench/sync_throughput.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/imap_sync.py
	$(BIN)/python bench/triage_inbox.py
	$(BIN)/python bench/matrix.py
	$(BIN)/python bench/github_sync.py
	$(BIN)/python bench/team_events.py
	$(BIN)/python bench/team_status.py
	$(BIN)/python bench/hostile_inputs.py
	$(BIN)/python bench/advisory_db.py

clean:
	rm -rf $(VENV) $(DEMO_HOME)
