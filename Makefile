# The two commands of the README: `make demo` and `make test`. Each sets itself up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-fast lint stack-up stack-down browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## The dashboard's browser libraries (charts, map) from package.json + package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.package-lock.json

## Run the embedded demo (no Java, no Kafka): dashboard on http://127.0.0.1:8000
demo: setup
	$(BIN)/rasad demo

## Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

## The layer rule (composition root -> stages -> core) by import-linter, then ruff (lint and
## format check) and mypy (strict on the core rasad/, checked on the stages and the root).
lint: setup
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Run every test; the suite starts its own Kafka + OpenSearch + Elasticsearch (from Maven Central) and stops them.
test: setup browser lint
	@command -v mvn >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null)
	$(BIN)/python -m pytest --durations=20 $(PYTEST_ARGS)

## Only the tests that need no servers.
test-fast: setup
	$(BIN)/python -m pytest -m "not stack and not browser" $(PYTEST_ARGS)

stack-up: setup
	$(BIN)/rasad stack up

stack-down: setup
	$(BIN)/rasad stack down

clean:
	rm -rf $(VENV) .rasad .rasad-test .pytest_cache node_modules
