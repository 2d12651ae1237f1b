# The front door. `make run` and `make test` are all a newcomer needs (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test lint bench install db demo schema messages worker clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install pinned dependencies

db: install ## Apply migrations and create the cache table
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: db ## Load the demo data (idempotent)
	$(PY) manage.py seed_demo

run: demo ## Set up everything and start the web server and the task worker
	@echo "GovTech Platform: http://$(HOST):$(PORT)/  (Ctrl+C stops the server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --interval 1 & \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install ## Start only the task worker
	$(PY) manage.py db_worker

lint: install ## Ruff (lint and format) and the missing-migration check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run

test: lint ## Lint, then the whole test suite (browser tests in Debian's Chromium included)
	$(PY) -m pytest

bench: install ## Benchmarks that print figures (BENCH_DATABASE_URL=postgres://... for PostgreSQL)
	$(PY) bench/run.py
	$(PY) bench/funnel.py
	$(PY) bench/challenges.py
	$(PY) bench/votes.py
	$(PY) bench/catalog.py

schema: install ## Regenerate the committed OpenAPI schema (docs/api/openapi.yaml)
	DJANGO_ENV=test $(PY) manage.py spectacular --lang en --file docs/api/openapi.yaml --validate

messages: install ## Refresh and compile the translation catalogs (needs GNU gettext)
	$(PY) manage.py makemessages -l ru -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove the virtual environment and local database
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .test-media
