# lansbok: `make build` validates the data and computes the figures; `make test` runs the tests.
# Each target creates the virtual environment it needs (.venv) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv build book bench validate figures sample notebooks test test-fast lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## Create the virtual environment and install the pinned requirements

build: validate ## Validate the data and compute the national figures with the reconciliation
	$(BIN)/lansbok figures --lan SE --format table

book: $(STAMP) ## Validate the data, run every notebook (cached) and build the book into _build/html
	$(BIN)/lansbok book

bench: $(STAMP) ## Benchmark naive vs lansbok builds side by side and at municipality scale (about 30 minutes)
	$(BIN)/python benchmarks/bench.py

validate: $(STAMP) ## Validate data/ against data/datapackage.json
	$(BIN)/lansbok validate

figures: $(STAMP) ## Key figures for one geography: make figures LAN=12
	$(BIN)/lansbok figures --lan $(or $(LAN),SE)

sample: $(STAMP) ## Regenerate the sample tables (deterministic)
	$(BIN)/lansbok sample

notebooks: $(STAMP) ## Validate the data and execute every section notebook for Riket and the 21 counties (cached)
	$(BIN)/lansbok run --all

test: $(STAMP) ## Run lint and the test suite
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/pytest

test-fast: $(STAMP) ## Lint and the quick tests (no book, browser or kernels; under a minute)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/pytest -n auto -m "not book and not browser and not notebooks"

lint: $(STAMP) ## Lint only
	$(BIN)/ruff check src tests scripts benchmarks

format: $(STAMP) ## Format the code
	$(BIN)/ruff format src tests scripts benchmarks
	$(BIN)/ruff check --fix src tests scripts benchmarks

clean: ## Remove the virtual environment and build products
	rm -rf $(VENV) _build generated _toc.yml _static/lansbok-vega.js .pytest_cache .ruff_cache
