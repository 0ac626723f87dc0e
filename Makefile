# The two commands of the README's quick start. Both create .venv/ and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint bench vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Install the product, prepare the embedded default city (streets, key blocks, demo incidents, roster, accounts,
# a zone version) and serve the app on http://127.0.0.1:8000/.
demo: $(BIN)/python vendor
	$(BIN)/pip install --quiet -e .
	$(BIN)/patrol demo
	$(BIN)/patrol zones versions --json | grep -q version || $(BIN)/patrol zones generate
	PATROL_DEMO=1 $(BIN)/patrol serve

# Install the test dependencies and run the linter, the import-layer check and the whole test suite (two
# pytest-xdist workers, one per core; a test file stays on one worker, so its module fixtures are built once).
test: $(BIN)/python vendor
	$(BIN)/pip install --quiet -e ".[test]"
	$(MAKE) lint
	$(BIN)/pytest -n 2 --dist loadfile

# The fast lane: everything not marked slow (no whole-city pipelines, no browser).
test-fast: $(BIN)/python vendor
	$(BIN)/pip install --quiet -e ".[test]"
	$(MAKE) lint
	$(BIN)/pytest -m "not slow"

# Browser libraries that PyPI lacks (Leaflet.draw), pinned in web/vendor/package-lock.json, served by the app.
vendor: web/vendor/node_modules/.package-lock.json

web/vendor/node_modules/.package-lock.json: web/vendor/package-lock.json
	npm ci --prefix web/vendor --no-audit --no-fund --silent

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/patrol bench routing
