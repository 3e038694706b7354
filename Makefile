# Sympraxis: `make demo` runs the platform, `make test` runs every test. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: demo test install install-test assets screenshots translations extract-messages update-catalogs lint format test-fast browser-deps benchmark benchmark-fastpaths benchmark-pages clean stack stack-down stack-test stack-deps docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(VENV)/.installed translations assets

# the design system (Bootstrap, pinned in assets/package-lock.json) from the npm registry, copied
# into the core's static folder: served by the platform itself, never from a CDN
VENDOR := core/static/core/vendor
$(VENDOR)/.installed: assets/package.json assets/package-lock.json
	cd assets && npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp assets/node_modules/bootstrap/dist/css/bootstrap.min.css assets/node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   assets/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js assets/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/
	touch $@

assets: $(VENDOR)/.installed

# compiled catalogues (.mo) are build products; the .po files are the source
translations: $(VENV)/.installed
	@for dir in core/translations tenants/translations $$(ls -d plugins/*/translations 2>/dev/null); do \
	  if ls $$dir/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel compile -d $$dir; fi; \
	done

demo: install
	$(BIN)/sympraxis demo --port $(PORT)

$(VENV)/.installed-test: $(VENV)/.installed tests/testplugin/setup.cfg
	$(BIN)/pip install --quiet -e '.[test,docs]' -e tests/testplugin
	touch $@

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || true
	@cd tests/browser && (test -d node_modules/axe-core || npm ci --no-audit --no-fund --silent)

install-test: $(VENV)/.installed-test translations assets browser-deps

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# the plugin documentation; warnings are errors (tests/core/test_docs.py builds it too, in make test)
docs: install-test
	$(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html
	@echo "docs/_build/html/index.html"

test: install-test lint
	$(BIN)/pytest -n 2 --durations=25

# every page kind in el, bg and ro, desktop and 390 px, into screenshots/ (tests/browser/screenshots.py)
screenshots: install-test
	$(BIN)/python tests/browser/screenshots.py --out screenshots

test-fast: install-test
	$(BIN)/pytest -n 2 -m "not browser"

# one catalogue per package: core/, tenants/ and each plugin carry their own translations
CATALOGUE_PACKAGES = core tenants $(patsubst %/,%,$(wildcard plugins/*/))

extract-messages: $(VENV)/.installed
	@for pkg in $(CATALOGUE_PACKAGES); do \
	  test -f $$pkg/__init__.py || continue; mkdir -p $$pkg/translations; \
	  $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $$pkg/translations/messages.pot --no-location --sort-output $$pkg; \
	done

update-catalogs: extract-messages
	@for pkg in $(CATALOGUE_PACKAGES); do \
	  test -f $$pkg/translations/messages.pot || continue; \
	  for lang in el bg ro; do \
	    if test -f $$pkg/translations/$$lang/LC_MESSAGES/messages.po; then \
	      $(BIN)/pybabel update -i $$pkg/translations/messages.pot -d $$pkg/translations -l $$lang --no-fuzzy-matching; \
	    else \
	      $(BIN)/pybabel init -i $$pkg/translations/messages.pot -d $$pkg/translations -l $$lang; \
	    fi; \
	  done; \
	done

benchmark: install-test
	$(BIN)/python benchmarks/run.py --control

# each fast path on against off, beside the bare control (benchmarks/README.md; about 15 minutes)
benchmark-fastpaths: install-test
	$(BIN)/python benchmarks/fastpaths.py

benchmark-pages: install-test
	$(BIN)/python benchmarks/pages.py

# the production topology natively (deploy/stack.py): Caddy, two gunicorn app servers, Celery
# worker and beat on the local RabbitMQ, the local PostgreSQL and Redis; all on loopback
stack-deps:
	@command -v caddy >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null)

stack: install stack-deps
	$(BIN)/python deploy/stack.py up --seed

stack-down: $(VENV)/.installed
	$(BIN)/python deploy/stack.py down

# starts its own stack (ports 19xxx, database sympraxis_stacktest), runs tests/stack, stops it
stack-test: install-test stack-deps
	SYMPRAXIS_STACK_TEST=1 $(BIN)/pytest -p no:xdist tests/stack

clean:
	rm -rf $(VENV) instance .pytest_cache tests/browser/node_modules assets/node_modules $(VENDOR) screenshots docs/_build
