# Two commands: `make run` and `make test`. Both need only Python 3.11 and the package registry.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export OMNIWEAVE_LOG_JSON ?= 1

.PHONY: run test install lint bench clean

$(BIN)/uv:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found: install it or set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet

# uv sync is a no-op (a tenth of a second) when the venv already matches the lock.
install: $(BIN)/uv
	$(SYNC)

## run: migrate the embedded SQLite store, load the demo data if it is empty, resolve
## identities, consents, traits and segments, score RFM, serve the API (which keeps all of
## it current in the background, runs the journeys and sends through local stand-in
## providers: a mailbox on :2525, SMS/push/web push/Viber/Telegram peers on :8025)
run: install
	$(BIN)/omniweave migrate
	$(BIN)/omniweave demo --if-empty
	$(BIN)/omniweave worker --until-idle
	$(BIN)/omniweave traits rebuild
	$(BIN)/omniweave serve --peers

## test: the whole suite, on SQLite and PostgreSQL (OMNIWEAVE_TEST_POSTGRES_URL overrides);
## with the bench group, so the benchmarks' smoke tests run against Splink too
test: $(BIN)/uv
	$(SYNC) --group bench
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	exit $$status

lint: $(BIN)/uv
	$(SYNC) --group bench
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

## bench: every benchmark, each printing one JSON line (needs PostgreSQL)
bench: $(BIN)/uv
	$(SYNC) --group bench
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/identity_stream.py
	$(BIN)/python bench/identity_febrl.py
	$(BIN)/python bench/campaign.py
	$(BIN)/python bench/trigger_latency.py

clean:
	rm -rf $(VENV) .pytest_cache omniweave.db omniweave.db-wal omniweave.db-shm .omniweave
