# make run   - set up everything and start API, worker and scheduler (Ctrl-C stops all)
# make test  - set up if needed and run the whole suite: PYTEST_WORKERS processes (xdist), with coverage
# make lint  - ruff lint + format check, mypy (pyproject.toml [tool.mypy]), and the import seams
# make vendor - refresh the pinned browser libraries in telehealth/static/vendor (needs npm)
# make contract - dump the OpenAPI document and lint it with Spectral (needs node and npm)
# make screenshots - screenshots of the patient app and the clinic console into docs/screenshots (Chromium)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PORT   ?= 5000
# Test processes for `make test` (pytest-xdist): 0 runs the suite in this one process.
PYTEST_WORKERS ?= 2

.PHONY: install run test lint format contract bench lock migrate seed clean vendor screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	@$(FLASK) db upgrade

seed: migrate
	@$(FLASK) seed-demo

# The demo logins are printed again last, once web, worker and scheduler are all up.
run: install
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo > /dev/null
	@echo "Starting the API on port $(PORT), a worker and the scheduler..."
	@WEB_PORT=$(PORT) $(BIN)/honcho start -f Procfile

# A module's tests stay in one process (--dist loadscope): its module-scoped fixtures are built once.
test: install
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope \
	  --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/python scripts/check_imports.py

format: install
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

# The OpenAPI document as clients get it, linted with Spectral's OpenAPI ruleset (.spectral.yaml).
CONTRACT := tools/contract
$(CONTRACT)/node_modules/.installed: $(CONTRACT)/package.json $(CONTRACT)/package-lock.json
	@cd $(CONTRACT) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

contract: install $(CONTRACT)/node_modules/.installed
	@mkdir -p instance
	@$(FLASK) spec --output instance/openapi.json --quiet
	@$(CONTRACT)/node_modules/.bin/spectral lint instance/openapi.json --ruleset .spectral.yaml \
	  --fail-severity warn

# Benchmarks: about 5-6 minutes; needs PostgreSQL and Redis; installs wrk (Debian) if missing.
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@$(BIN)/python -m bench

# Browser libraries (Swagger UI, ...) pinned in telehealth/vendored.py; the copies are committed.
vendor: install
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq npm; }
	@$(BIN)/python scripts/vendor_js.py

# The patient app's screens at phone size, for the README (docs/screenshots); Debian's Chromium.
screenshots: install
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }
	@$(BIN)/python scripts/screenshots.py

# Re-pin after editing requirements*.in: builds a clean venv and freezes it.
lock:
	@rm -rf /tmp/telehealth-lock && $(PYTHON) -m venv /tmp/telehealth-lock
	@/tmp/telehealth-lock/bin/pip install --quiet -r requirements.in
	@(echo "# Runtime dependencies, every one pinned (direct ones are listed in requirements.in)."; \
	  /tmp/telehealth-lock/bin/pip freeze) > requirements.txt

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache .coverage
