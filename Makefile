# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test lint fmt check messages compilemessages install assets bench bench-smoke load clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 13), "Python 3.13 is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## assets: the front-end packages from the npm registry, as package-lock.json pins them (npm ci,
## no install scripts), and the files the pages serve copied into vendor-static/; axe-core and
## the Nu Html Checker's vnu.jar (development dependencies) stay in node_modules, where only the
## tests load them
VENDOR_FILES := vendor-static/sortablejs/Sortable.min.js
TEST_FILES := node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(TEST_FILES): node_modules/.package-lock.json
	test -f $@

vendor-static/sortablejs/Sortable.min.js: node_modules/.package-lock.json
	mkdir -p $(@D)
	cp node_modules/sortablejs/Sortable.min.js $@

assets: $(VENDOR_FILES) $(TEST_FILES)

install: $(STAMP) assets

# The French catalogue, compiled again only when its source changed.
MESSAGES := locale/fr/LC_MESSAGES/django.mo
$(MESSAGES): locale/fr/LC_MESSAGES/django.po $(STAMP)
	$(PY) manage.py compilemessages --ignore=$(VENV) -v0
	touch $@

compilemessages: $(MESSAGES) assets

# Runs a server command with one background-job worker beside it (its output in the same
# terminal). The worker has its own session, so Ctrl-C reaches it once, from here: it finishes
# the chunk it is on and queues its job again; the server stopping for any reason stops it.
WITH_WORKER = setsid $(PY) manage.py jobs_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM;

## run: install, migrate the local SQLite database, load demo data and serve on 127.0.0.1:8000,
## with a worker for the background jobs
run: compilemessages
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py load_demo_data
	@echo
	@echo "  Opportunity CRM: http://$(HOST):$(PORT)/"
	@$(PY) manage.py ensure_demo_logins
	@echo
	@$(WITH_WORKER) $(PY) manage.py runserver $(HOST):$(PORT)

## serve: a production-like server (gunicorn, WhiteNoise, DEBUG off) on 127.0.0.1:8000, with a
## worker for the background jobs
# gunicorn kills a worker busy with one response for longer than --timeout (30 s by default):
# that would cut a large export short.
serve: compilemessages
	DJANGO_DEBUG=false $(PY) manage.py collectstatic --no-input -v0
	DJANGO_DEBUG=false $(PY) manage.py migrate --no-input -v0
	@export DJANGO_DEBUG=false; $(WITH_WORKER) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) \
		--workers $${WEB_CONCURRENCY:-2} --timeout 600 --no-control-socket --access-logfile -

## test: the whole suite, one pytest-xdist worker per core (TEST_WORKERS=N to choose;
## PYTEST_ARGS="-n 0" runs it serially in one process); DATABASE_URL=postgres://... runs it on
## PostgreSQL, with a test database per worker (test_NAME_gw0, test_NAME_gw1...)
## (with bytecode written, whatever PYTHONDONTWRITEBYTECODE says: pytest keeps the test modules
## it rewrote for its assertions in __pycache__, which halves the next run's collection)
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
test: compilemessages
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest --create-db -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --ignore=$(VENV) --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=$(VENV)

## bench: the performance benchmark (100,000 opportunities; BENCH_ARGS="--size 1m" for a million)
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

## bench-smoke: the benchmark at a tiny size (what CI runs through tests/bench)
bench-smoke: $(STAMP)
	$(PY) -m bench --size tiny --drop

## load: the load test: 20 users for 60 s on gunicorn and a fresh PostgreSQL database (crm_load);
## LOAD_ARGS="--users 5 --seconds 20 --database-url postgres://..." to change it
load: $(STAMP)
	$(PY) -m loadtest $(LOAD_ARGS)

clean:
	rm -rf $(VENV) staticfiles vendor-static node_modules db.sqlite3 db.sqlite3-*
