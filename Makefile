# Two commands for a fresh machine: `make run` (the whole product on embedded servers) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install run test lint bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt requirements-embedded.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

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
