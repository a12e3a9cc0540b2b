# Sanzhi's front door. `make demo` builds and serves the demo town; `make test` runs everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sanzhi-installed
SANZHI := $(BIN)/sanzhi
# The first python3 >= 3.11 on PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
DEMO_BIND ?= 127.0.0.1:8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/sanzhi_test_base
# Two processes (the machine has 2 cores); live_server and the browser tests run once per worker.
PYTEST_ARGS ?= -p xdist -n 2
BENCH_HOUSEHOLDS ?= 20000
# uv installs the pinned dependencies in seconds where pip takes about a minute (scipy, numpy …).
UV_VERSION := 0.13.9

.PHONY: help venv demo test test-sqlite test-postgres lint bench bench-tickets bench-points clean system messages

help:
	@echo "make demo    build the demo town on SQLite and serve it on http://$(DEMO_BIND)/"
	@echo "make test    lint, then the whole suite on SQLite and on PostgreSQL (browser tests included)"
	@echo "make lint    ruff check + mypy"
	@echo "make bench   benchmarks at a small size (BENCH_HOUSEHOLDS=$(BENCH_HOUSEHOLDS))"
	@echo "make bench-tickets  ticket create/list vs pgbench and django-helpdesk on PostgreSQL (needs wrk)"
	@echo "make bench-points   points award/redeem vs pgbench, ranking, 1M-op soak on PostgreSQL (POINTS_BENCH_ARGS)"
	@echo "make messages re-extract the English catalog (Chinese is the source) and compile it"
	@echo "make clean   remove the virtualenv, var/ and caches"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "FAILED: python3 >= 3.11 not found on PATH" >&2; exit 1; }
	@echo "[make] creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV) || { echo "FAILED: '$(PYTHON) -m venv' (on Debian: apt-get install python3-venv)" >&2; rm -rf $(VENV); exit 1; }

# Reinstall only when pyproject.toml changed.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "[make] installing sanzhi and its dependencies into $(VENV)"
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	@touch $@

venv: $(STAMP)

# The demo runs on plain http on localhost with DEBUG off, like production minus TLS.
demo: export SANZHI_HTTPS = 0
demo: export SANZHI_DEBUG = 0
demo: venv
	@bash scripts/ensure-system.sh --demo
	$(SANZHI) init
	$(SANZHI) demo --reset
	@echo
	@echo "三治示范镇 / Sanzhi demo town: http://$(DEMO_BIND)/   (Ctrl-C 停止 / to stop)"
	@exec $(SANZHI) serve --bind $(DEMO_BIND)

system:
	@bash scripts/ensure-system.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy sanzhi bench

# pytest's exit code 5 (no tests collected) fails like any other non-zero code.
test-sqlite: venv
	@echo "== tests on SQLite =="
	@env -u DATABASE_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS) \
		|| { rc=$$?; echo "FAILED: test leg SQLite (pytest exit $$rc)" >&2; exit $$rc; }

test-postgres: venv
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	@DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS) \
		|| { rc=$$?; echo "FAILED: test leg PostgreSQL (pytest exit $$rc)" >&2; exit $$rc; }

test:
	@bash scripts/ensure-system.sh || { echo "FAILED: system setup (scripts/ensure-system.sh)" >&2; exit 1; }
	@$(MAKE) --no-print-directory venv || { echo "FAILED: virtualenv / install" >&2; exit 1; }
	@$(MAKE) --no-print-directory lint || { echo "FAILED: lint (ruff check + mypy)" >&2; exit 1; }
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
	@echo "make test: all legs passed (lint, SQLite, PostgreSQL)"

bench: venv
	$(BIN)/python bench/subtree_bench.py --households $(BENCH_HOUSEHOLDS) --sqlite

# Writes bench/RESULTS-tickets.md; django-helpdesk gets its own virtualenv under bench/out/.
bench-tickets: venv
	$(BIN)/python bench/ticket_bench.py

# Writes bench/RESULTS-points.md. Full size by default (100k households, 1M soak operations: 1–2 h
# on a quiet 2-core machine); smaller: make bench-points POINTS_BENCH_ARGS="--households 5000 --ops 20000 --seconds 5"
POINTS_BENCH_ARGS ?=
bench-points: venv
	$(BIN)/python bench/points_bench.py $(POINTS_BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache build dist *.egg-info bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Chinese msgids are the source; English lives in sanzhi/locale/en. Translate new entries, then run again.
messages: venv
	cd sanzhi && ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete \
		--ignore='static/vendor/*' --ignore='*/tests/*' --ignore='locale/*'
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv --ignore=bench
