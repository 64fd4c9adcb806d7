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

.PHONY: install lock browser oidc-provider run test lint typecheck test-sqlite test-postgres i18n-extract i18n-update i18n-check clean bench bench-markdown bench-bulk

# Exact versions with hashes from requirements.lock (the app and its test tools); the ranges
# stay in pyproject.toml. `make lock` refreshes the lock file after a change of the ranges.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

LOCK_TOOL := $(VENV)/bin/pip-compile
$(LOCK_TOOL):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip-tools
lock: $(LOCK_TOOL)
	$(LOCK_TOOL) --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra test \
		-o requirements.lock pyproject.toml

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -i $< -o $@

install: $(STAMP) $(COMPILED)

# Links in the (logged) demo emails point at the port the server runs on. Requests only queue
# mail: the mail worker runs beside the server (printing the mail, in development) and is
# stopped with it.
run: export PEEREDU_ENVIRONMENT ?= development
run: export PEEREDU_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/peeredu db upgrade
	$(BIN)/peeredu demo seed
	@$(BIN)/peeredu mail worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/peeredu run --host 127.0.0.1 --port $(PORT)

# The suite runs on SQLite, then again on PostgreSQL when one answers (or is named by
# PEEREDU_TEST_DATABASE_URL). PEEREDU_REQUIRE_POSTGRES=1 (set by .ci/run) makes a missing
# PostgreSQL a failure instead of a skipped run.
test: install lint typecheck test-sqlite test-postgres

# The browser tests (tests/browser) drive Debian's Chromium; install it when it is missing.
# apt-get update only when the install fails without it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL = export DEBIAN_FRONTEND=noninteractive; \
	$(SUDO) apt-get install -y -qq $(1) >/dev/null 2>&1 || \
	{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(1) >/dev/null; }
browser:
	@[ -x /usr/bin/chromium ] || { echo "== Installing chromium for the browser tests"; \
		$(call APT_INSTALL,chromium); }

# The test OpenID Connect provider (tests/oidc/provider, panva's oidc-provider on Node), from
# the npm registry at the versions of its package-lock.json.
OIDC_PROVIDER_STAMP := tests/oidc/provider/node_modules/.installed-stamp
$(OIDC_PROVIDER_STAMP): tests/oidc/provider/package.json tests/oidc/provider/package-lock.json
	npm ci --prefix tests/oidc/provider --no-audit --no-fund --loglevel=error
	touch $(OIDC_PROVIDER_STAMP)
oidc-provider: $(OIDC_PROVIDER_STAMP)

lint: install
	$(BIN)/ruff check peeredu tests bench migrations
	$(BIN)/ruff format --check peeredu tests bench migrations/env.py

typecheck: install
	$(BIN)/mypy

test-sqlite: install browser oidc-provider
	@echo "== Test suite on SQLite"
	env -u PEEREDU_TEST_DATABASE_URL $(BIN)/pytest

test-postgres: install browser oidc-provider
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

# The national-scale benchmark (bench/run.py): seeds or reuses cached SQLite and PostgreSQL
# databases, serves them with gunicorn on loopback and drives each page with wrk. Options:
# BENCH_ARGS="--scale small --duration 3" for a quick run; results in bench/results/latest.json.
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null || { echo "== Installing wrk"; $(call APT_INSTALL,wrk); }
	$(PY) -m bench.run $(BENCH_ARGS)

# The worst Markdown the renderer accepts, timed (bench/markdown_worst.py); fails above 100 ms.
bench-markdown: install
	$(PY) -m bench.markdown_worst

# A cohort enrolled from a 500-row file, timed on SQLite and PostgreSQL (bench/bulk_enrolment.py);
# fails above 5 s.
bench-bulk: install
	$(PY) -m bench.bulk_enrolment

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
