# peeredu: `make run` serves the demo, `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard peeredu/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run test lint test-sqlite test-postgres i18n-extract i18n-update i18n-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -i $< -o $@

install: $(STAMP) $(COMPILED)

# Links in the (logged) demo emails point at the port the server runs on.
run: export PEEREDU_ENVIRONMENT ?= development
run: export PEEREDU_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/peeredu db upgrade
	$(BIN)/peeredu demo seed
	$(BIN)/peeredu run --host 127.0.0.1 --port $(PORT)

# The suite runs on SQLite, then again on PostgreSQL when one answers (or is named by
# PEEREDU_TEST_DATABASE_URL). PEEREDU_REQUIRE_POSTGRES=1 (set by .ci/run) makes a missing
# PostgreSQL a failure instead of a skipped run.
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check peeredu tests migrations
	$(BIN)/ruff format --check peeredu tests migrations/env.py

test-sqlite: install
	@echo "== Test suite on SQLite"
	env -u PEEREDU_TEST_DATABASE_URL $(BIN)/pytest

test-postgres: install
	@url="$$($(PY) tests/postgres_url.py)"; \
	if [ -n "$$url" ]; then \
		echo "== Test suite on PostgreSQL ($$url)"; \
		PEEREDU_TEST_DATABASE_URL="$$url" $(BIN)/pytest; \
	elif [ -n "$$PEEREDU_REQUIRE_POSTGRES" ]; then \
		echo "== PostgreSQL is required (PEEREDU_REQUIRE_POSTGRES) but none answered." >&2; exit 1; \
	else \
		echo "== SKIPPED: the PostgreSQL run. No PostgreSQL answered on 127.0.0.1:5432;"; \
		echo "   set PEEREDU_TEST_DATABASE_URL=postgresql+psycopg://user@host/db to run it."; \
	fi

# Translators: extract new strings, then merge them into every catalog.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F peeredu/translations/babel.cfg -k N_ -k _l \
		--no-location --sort-output -o peeredu/translations/messages.pot peeredu templates

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete \
		-i peeredu/translations/messages.pot -d peeredu/translations

i18n-check: install
	$(BIN)/pytest -q tests/unit/test_catalogs.py

clean:
	rm -rf $(VENV) build *.egg-info
	find peeredu -name '*.mo' -delete
