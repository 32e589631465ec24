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

$(VENV)/.installed: $(BIN)/uv pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

## run: migrate the embedded SQLite store, load the demo data if it is empty, resolve
## identities, serve the API (which keeps resolving new events in the background)
run: install
	$(BIN)/omniweave migrate
	$(BIN)/omniweave demo --if-empty
	$(BIN)/omniweave identity resolve
	$(BIN)/omniweave serve

## test: the whole suite, on SQLite and PostgreSQL (OMNIWEAVE_TEST_POSTGRES_URL overrides)
test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; \
	exit $$status

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

## bench: the ingest benchmark against PostgreSQL (prints one JSON line)
bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache omniweave.db omniweave.db-wal omniweave.db-shm .omniweave
