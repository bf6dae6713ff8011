# DigiEduHack manager. `make run` and `make test` are all a new machine needs (Python 3.11+, pip, make, git).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export DIGIEDUHACK_ENV ?= development

.PHONY: run install install-dev migrate seed serve test lint typecheck pytest pytest-sqlite pytest-postgres browser-deps messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate the SQLite database under var/, load the demo data, serve on http://127.0.0.1:8000
run: install migrate seed serve

migrate: install
	$(VENV)/bin/alembic upgrade head

seed: install
	$(PY) -m digieduhack.cli seed

serve: install
	$(VENV)/bin/uvicorn --factory digieduhack.app:create_app --host $(HOST) --port $(PORT)

## test: lint, type-check, then the test suite on SQLite, and on PostgreSQL when DIGIEDUHACK_TEST_POSTGRES_URL is set
test: install-dev browser-deps lint typecheck pytest

lint: install-dev
	$(VENV)/bin/ruff check src tests alembic bench
	$(VENV)/bin/ruff format --check src tests alembic bench

typecheck: install-dev
	$(VENV)/bin/mypy

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: install-dev
	DIGIEDUHACK_ENV=test DIGIEDUHACK_TEST_BACKEND=sqlite $(VENV)/bin/pytest

pytest-postgres: install-dev
	@if [ -n "$$DIGIEDUHACK_TEST_POSTGRES_URL" ]; then \
		DIGIEDUHACK_ENV=test DIGIEDUHACK_TEST_BACKEND=postgres $(VENV)/bin/pytest; \
	else \
		echo "DIGIEDUHACK_TEST_POSTGRES_URL is not set: PostgreSQL tests not run"; \
	fi

# Browser tests drive Debian's Chromium; install it when we can (root with apt), otherwise they skip with a reason.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: browser tests will be skipped"; \
		else echo "chromium not installed and cannot install it: browser tests will be skipped"; fi; }

## messages: extract translatable strings to locales/messages.pot
messages: install-dev
	$(VENV)/bin/pybabel extract -F babel.cfg -o locales/messages.pot .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
