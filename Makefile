# Two commands for a fresh machine: `make run` (the whole product on embedded servers) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install lock lock-check run test lint bench clean

## Install the development set from its lock: every package pinned and hash-checked (the runtime set is the
## image's: the Dockerfile installs requirements.lock the same way).
$(BIN)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(BIN)/.installed

## Regenerate the locks after changing any requirements*.txt input (commit the inputs and both locks).
## Existing pins are kept unless an input asks otherwise; LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves
## them on. Hashes come from the default package index only: uv reads no pip configuration, and the
## environment's index overrides are dropped, so the locks verify on any machine.
UV ?= $(abspath $(BIN))/uv
LOCK_DEPS ?= $(BIN)/.installed
LOCK_COMPILE = env -u UV_INDEX -u UV_INDEX_URL -u UV_DEFAULT_INDEX -u UV_EXTRA_INDEX_URL -u UV_FIND_LINKS \
	$(UV) pip compile --no-config --quiet --generate-hashes \
	--python-version 3.11 --python-platform linux --custom-compile-command "make lock"
compile_locks = $(LOCK_COMPILE) requirements.txt -o requirements.lock $(1) \
	&& $(LOCK_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock $(1)

lock: $(LOCK_DEPS)
	$(call compile_locks,$(LOCK_ARGS))

## Fails when a lock is out of date with its inputs: compiles them again in a scratch copy and compares.
lock-check: $(LOCK_DEPS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp requirements*.txt requirements.lock requirements-dev.lock "$$tmp/"; \
	cd "$$tmp" && $(call compile_locks) && cd - >/dev/null; \
	stale=0; for lock in requirements.lock requirements-dev.lock; do \
	  diff -u "$$lock" "$$tmp/$$lock" || stale=1; \
	done; \
	if [ $$stale = 1 ]; then \
	  echo "lock-check: the locks are out of date with their inputs, requirements*.txt (diff above)."; \
	  echo "lock-check: run \`make lock\` and commit requirements.lock and requirements-dev.lock with the change."; \
	  exit 1; \
	fi; echo "lock-check: requirements.lock and requirements-dev.lock match their inputs"

## Run web, worker and (with TELEGRAM_BOT_TOKEN) bot on http://127.0.0.1:$(PORT): embedded PostgreSQL and Valkey
## under instance/ unless DATABASE_URL / REDIS_URL are set (run.py). DEMO=1 seeds the demo data once.
run: install
	PORT=$(PORT) DEMO=$(DEMO) exec $(BIN)/python run.py

## Lint and run the whole test suite (its own embedded servers unless TEST_DATABASE_URL / TEST_REDIS_URL are set)
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TZ=UTC $(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks (not part of `make test`): seeds BENCH_DATABASE_URL (rebuilt!) and flushes BENCH_REDIS_URL,
## loads the stack with wrk, prints one table and rewrites bench/RESULTS.md. BENCH_QUICK=1 for a smoke run.
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/kalendar_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/7
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "wrk is missing: install it (Debian: apt-get install wrk)"; exit 1; }
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
