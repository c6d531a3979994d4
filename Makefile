# Online Activity. The two commands:
#   make run    virtualenv, migrations, demo organisation, server on http://$(HOST):$(PORT)/
#   make test   the whole suite on SQLite and on PostgreSQL + Redis side by side, then ruff and mypy
# `make run` needs only python3 (3.11+) and GNU make (the web client's bundle is
# committed); `make test` also needs Node.js with npm (the bundle check and axe-core),
# PostgreSQL and Redis for the second run, and Chromium (installed when missing, as root).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
TEST_BROADCAST_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv lock migrate seed-demo run test test-sqlite test-postgres services lint schema \
	bench bench-quick web web-deps chromium

help:
	@echo "make run      serve the demo on http://$(HOST):$(PORT)/ (PORT=8123 to move it)"
	@echo "make web      rebuild the web client's committed bundle (web/dist/) with npm"
	@echo "make test     tests on SQLite, then PostgreSQL + Redis, then ruff and mypy"
	@echo "make bench    benchmarks on SQLite and PostgreSQL + Redis (~25 min), writes BENCHMARKS.md"
	@echo "make lock     regenerate the lock files after changing pyproject.toml's dependencies"
	@echo "make venv | migrate | seed-demo | lint | schema | bench-quick"

# A Python older than 3.11 (no tomllib) gets one clear line and no .venv.
PYTHON_VERSION = -c 'import platform; print(platform.python_version())'
define require_python311
	@$(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "make: needs Python 3.11+; $(1) is $$($(1) $(PYTHON_VERSION) 2>/dev/null || echo missing)$(2)" >&2; \
		exit 1; }
endef

$(BIN)/python:
	$(call require_python311,$(PYTHON), (run make PYTHON=python3.11 or newer))
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Only the dependencies are installed, exactly as locked (hashes checked): the
# code runs from this directory and is never installed as packages (our
# package names also exist on PyPI). `make lock` regenerates the locks.
PIP_INSTALL = $(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes
$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(call require_python311,$(BIN)/python,: remove $(VENV) and run make again)
	$(PIP_INSTALL) -r requirements-dev.lock
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(BIN)/python -m service migrate

# Idempotent: creates the demo organisation once, then only prints fresh tokens.
seed-demo: migrate
	DEV_MODE=1 $(BIN)/python -m service seed-demo --host $(HOST) --port $(PORT)

run: seed-demo
	DEV_MODE=1 $(BIN)/python -m service serve --host $(HOST) --port $(PORT)

# The two backends' runs share nothing but the terminal, so they run side by
# side (CI has two cores; the suite spends much of its time waiting on servers
# and browsers). --output-sync prints each run's output whole when it ends.
# -k: every stage runs and reports even when another failed; make still fails
# if any did. pytest exits 5 when it collects no tests: that fails too.
test: venv web-deps chromium services
	@echo "== tests on SQLite and on $(TEST_DATABASE_URL) side by side; each prints when it ends"
	@status=0; \
	$(MAKE) --no-print-directory -k -j2 --output-sync=target test-sqlite test-postgres || status=1; \
	$(MAKE) --no-print-directory lint || status=1; \
	exit $$status

test-sqlite: venv web-deps chromium
	@echo "== tests on SQLite with the in-process broadcast"
	env -u TEST_DATABASE_URL -u TEST_BROADCAST_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: venv services web-deps chromium
	@echo "== tests on $(TEST_DATABASE_URL) with $(TEST_BROADCAST_URL)"
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_BROADCAST_URL=$(TEST_BROADCAST_URL) \
		$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Checks both services; as root it starts a local one that is down.
services: venv
	$(BIN)/python scripts/services.py $(TEST_DATABASE_URL) $(TEST_BROADCAST_URL)

# lint-imports: the layering contracts in pyproject.toml ([tool.importlinter]).
lint: venv web-deps
	@echo "== ruff (lint and format), mypy, import contracts and tsc"
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy . || status=1; \
	$(BIN)/lint-imports --no-cache --no-logo || status=1; \
	(cd web && npm run --silent typecheck) || status=1; \
	exit $$status

# The web client (web/): its npm packages exactly as locked, and the build.
# The bundle in web/dist/ is committed so `make run` needs no Node;
# tests/web/test_bundle.py fails when it differs from a fresh build.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web-deps: web/node_modules/.package-lock.json

web: web-deps
	cd web && npm run --silent build

# The browser tests drive Debian's Chromium; as root, install it when missing.
chromium:
	@$(PYTHON) scripts/chromium.py

schema: venv
	$(BIN)/python -m service print-schema

# Benchmarks against baselines measured in the same run (BENCHMARKS.md).
$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.lock
	$(PIP_INSTALL) -r requirements-bench.lock
	@touch $@

# After changing pyproject.toml's dependencies: one resolution for every
# platform and Python 3.11+, with hashes. Pins still allowed are kept;
# `make lock LOCK_ARGS=--upgrade` takes the newest the ranges allow. The
# runtime lock (the Dockerfile) and the bench one pin what requirements-dev.lock does.
UV_VERSION := 0.13.8
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--annotation-style line --custom-compile-command "make lock" $(LOCK_ARGS) pyproject.toml
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV_COMPILE) --extra dev -o requirements-dev.lock
	$(UV_COMPILE) -c requirements-dev.lock -o requirements.lock
	$(UV_COMPILE) --extra bench -c requirements-dev.lock -o requirements-bench.lock

# PostGraphile, the anchor a user would pick instead, from npm with the committed lock file.
BENCH_NPM := bench/npm
$(BENCH_NPM)/node_modules/.installed: $(BENCH_NPM)/package.json $(BENCH_NPM)/package-lock.json
	@command -v npm >/dev/null || { echo "make bench needs node and npm for PostGraphile (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --prefix $(BENCH_NPM) --no-audit --no-fund --loglevel=error
	@touch $@

bench: $(VENV)/.bench-installed $(BENCH_NPM)/node_modules/.installed services
	$(BIN)/python -m bench --backend both --output BENCHMARKS.md

# Smaller data and shorter runs; does not touch BENCHMARKS.md.
bench-quick: $(VENV)/.bench-installed $(BENCH_NPM)/node_modules/.installed services
	$(BIN)/python -m bench --quick --backend both --output var/bench/BENCHMARKS-quick.md
