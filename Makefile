# tousu — developer entry points.
#
#   make test    lint, then the whole pytest suite (unit + integration + e2e)
#   make run     the whole stack locally (`tousu up`)
#   make lint    ruff + mypy + the import contracts (lint-imports, pyproject.toml [tool.importlinter])
#   make bench   `tousu bench`
#   make clean   remove .venv, the tests' node_modules and caches (never data such as .tousu/)
#
# Needs only make and Python 3.11+. The interpreter is python3.11 when present,
# else python3; override with `make PYTHON=/path/to/python3.12 test`.
# Extra pytest arguments: `make test PYTEST_ARGS='-m unit -x'`; one process: TEST_WORKERS=0.

VENV        = .venv
VPY         = $(VENV)/bin/python
PYTHON      =
PYTEST_ARGS =
# The suite mostly waits (consumer groups joining, stacks starting): four workers on two cores.
TEST_WORKERS = 4
UP_ARGS     =
BENCH_ARGS  =

# Installs are redone only when pyproject.toml is newer than the stamp.
STAMP_RUN  = $(VENV)/.installed
STAMP_TEST = $(VENV)/.installed-test
STAMP_BENCH = $(VENV)/.installed-bench
# axe-core for the browser tests' accessibility checks, from the npm registry at install time
# (npm ci against the lock file), never fetched while the tests run.
AXE = tests/e2e/axe/node_modules/axe-core/axe.min.js

.PHONY: all test lint run bench clean venv system-packages

all: test

test: system-packages lint $(AXE)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# chromium, CJK fonts, poppler, docker-compose: installed when root (or sudo without a password)
# can, else make stops at once with the one command to run.
system-packages:
	@deploy/dev/system-packages.sh

$(AXE): tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	cd tests/e2e/axe && npm ci --no-audit --no-fund
	touch $(AXE)

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

run: $(STAMP_RUN)
	$(VENV)/bin/tousu up $(UP_ARGS)

bench: $(STAMP_BENCH)
	$(VENV)/bin/tousu bench $(BENCH_ARGS)

venv: $(VPY)

$(VPY):
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then \
	    py=$$(command -v python3.11 || command -v python3 || true); \
	fi; \
	if [ -z "$$py" ]; then \
	    echo "error: no Python found (looked for python3.11 and python3); tousu needs Python 3.11 or newer" >&2; \
	    exit 1; \
	fi; \
	if ! "$$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then \
	    echo "error: $$py is Python $$("$$py" -c 'import platform; print(platform.python_version())'); tousu needs Python 3.11 or newer (install python3.11 or run: make PYTHON=/path/to/python3.11 ...)" >&2; \
	    exit 1; \
	fi; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) || { \
	    rm -rf $(VENV); \
	    echo "error: '$$py -m venv' failed; on Debian/Ubuntu install the venv module: apt-get install python3-venv" >&2; \
	    exit 1; \
	}

$(STAMP_RUN): pyproject.toml $(VPY)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(VPY) -m pip install -e .
	touch $(STAMP_RUN)

$(STAMP_TEST): pyproject.toml $(VPY)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(VPY) -m pip install -e '.[test]'
	touch $(STAMP_TEST)

$(STAMP_BENCH): pyproject.toml $(VPY)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(VPY) -m pip install -e '.[bench]'
	touch $(STAMP_BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis build dist *.egg-info tests/e2e/axe/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
