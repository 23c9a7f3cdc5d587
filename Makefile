# Attribution Workbench. Needs only python3 (3.10+), make and the system Qt libraries;
# everything else goes into .venv on first use.
#
#   make run          start the GUI
#   make test         ruff check, mypy, pytest (PYTEST_ARGS="-k foo -x" to narrow pytest)
#   make lint         ruff check, mypy
#   make bench        every bench/*.py script, one after the other
#   make bundle       PyInstaller onedir bundle in dist/attribution-workbench/ (GUI + CLI);
#                     check it with: bash packaging/smoke_test.sh
#   make screenshots  tools/screenshots.py under Xvfb
#   make clean        remove .venv, caches and build output
#
# Real keyring tests skip outside a Secret Service session; to run them:
#   bash .ci/with-keyring.sh make test

PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=

VENV_PY := $(VENV)/bin/python
# The editable install is redone only when pyproject.toml changes (deps, entry points).
# The stamp lives inside the venv, so deleting .venv also forgets it.
STAMP := $(VENV)/.installed-stamp
BUNDLE_STAMP := $(VENV)/.bundle-stamp

.PHONY: run test lint bench bundle screenshots clean

run: $(STAMP)
	$(VENV_PY) -m attribution_workbench

# Runs every check even when an earlier one fails, so one CI run shows all problems;
# the exit status is non-zero if any of them failed.
test: $(STAMP)
	@failed=""; \
	echo "== ruff check"; $(VENV)/bin/ruff check . || failed="$$failed ruff"; \
	echo "== mypy"; $(VENV)/bin/mypy || failed="$$failed mypy"; \
	echo "== pytest"; $(VENV_PY) -m pytest $(PYTEST_ARGS) || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: all checks passed"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Scripts print their ratios; files starting with "_" are helpers, not benchmarks.
bench: $(STAMP)
	@set -e; ran=0; \
	for script in bench/*.py; do \
		[ -f "$$script" ] || continue; \
		case "$${script##*/}" in _*) continue ;; esac; \
		echo "== $$script"; \
		$(VENV_PY) "$$script"; \
		ran=$$((ran + 1)); \
	done; \
	echo "make bench: $$ran script(s) run"

# --clean: without it PyInstaller reuses its cached analysis in build/ even after a
# dependency or hook changed. The spec prints the version and what it leaves out.
bundle: $(BUNDLE_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/attribution-workbench.spec
	@echo "make bundle: dist/attribution-workbench/ is $$(du -sh dist/attribution-workbench | cut -f1) on disk"

screenshots: $(STAMP)
	@if [ ! -f tools/screenshots.py ]; then \
		echo "make screenshots: tools/screenshots.py does not exist yet" >&2; exit 1; \
	fi
	@command -v xvfb-run >/dev/null || { \
		echo "make screenshots: xvfb-run not found; install xvfb and xauth" >&2; exit 1; }
	xvfb-run -a $(VENV_PY) tools/screenshots.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

$(VENV_PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
		echo "$(PYTHON) is older than 3.10; run: make PYTHON=python3.12 ..." >&2; exit 1; }
	@# A failed venv (e.g. Debian without python3-venv) would leave a python without pip
	@# behind and make every later run fail oddly; remove it and say what is missing.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV); on Debian/Ubuntu install python3-venv." >&2; exit 1; }

$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --disable-pip-version-check -e '.[dev]'
	touch $@

# PyInstaller is a build tool, not a dependency: it comes with the `bundle` extra.
$(BUNDLE_STAMP): pyproject.toml $(STAMP)
	$(VENV_PY) -m pip install --disable-pip-version-check -e '.[dev,bundle]'
	touch $@
