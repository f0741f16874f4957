# The two commands: `make run` (a working server with demo logins) and `make test` (everything CI checks).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve bench test test-sqlite test-mariadb test-replica browser-deps lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	scripts/system-deps.sh
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## run: install, migrate, load demo data once, print the demo logins and serve on http://127.0.0.1:8000 (SQLite unless DATABASE_URL is set), with the worker (events, webhooks, alerts) beside it; Ctrl-C stops both
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --size small --if-empty
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

## serve: production-like: DEBUG off, gunicorn, WhiteNoise static files
serve: install
	HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

## bench: SPEC §11's numbers on the `large` data set under gunicorn (MariaDB + Redis; data kept in var/bench)
bench: install
	bench/run.sh

## lint: ruff lint and format check
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## test: lint, migrations check, schema validation, then pytest on SQLite and on real MariaDB + Redis
test: lint browser-deps
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py makemigrations --check --dry-run
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(MAKE) test-sqlite
	$(MAKE) test-mariadb
	$(MAKE) test-replica

# The subsets need no root: without Chromium the browser tests are skipped, saying why.
# Both run on every core (pytest-xdist; TEST_WORKERS=0 for one process), in a random order
# (pytest-randomly; the header prints the seed): docs/testing.md.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --maxprocesses=8 --dist worksteal
test-sqlite: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-mariadb: install
	scripts/with-services.sh $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The reports' tests again, with a GTID replica configured (DATABASE_REPLICA_URLS): they commit
# their rows and read them from the replica (docs/scaling.md). Lag and outage: systemtests/.
REPLICA_TESTS ?= reports factory/tests/test_replicas.py
test-replica: install
	REPLICA=1 scripts/with-services.sh $(BIN)/pytest $(XDIST) $(REPLICA_TESTS) $(PYTEST_ARGS)

# Debian's Chromium for the browser tests in e2e/ (never `playwright install`: no downloads here).
browser-deps:
	scripts/system-deps.sh browser

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3
