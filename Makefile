# Two commands do all the set-up on a fresh machine with Python >= 3.12:
#   make demo   - create .venv if missing, install, run the main job (report in results/partnership_forms/, and id/)
#   make test   - create .venv if missing, install with test extras, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.installed-core
TESTS  := $(VENV)/.installed-test

.PHONY: demo test lint bench explore clean catalogues

$(CORE): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Kerjasama needs Python >= 3.12 (Mesa 3.4+); run with PYTHON=python3.12")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Kerjasama, its core libraries and Babel (the lang extra: the Indonesian report) into $(VENV) (once; about a minute)..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lang]"
	$(BIN)/python -m sim.warmup
	@touch $(CORE)

# the test extras add SALib, Dask, DuckDB, the EMA Workbench, the explorer (Solara) and Playwright
$(TESTS): $(CORE)
	@echo "Installing the test extras (SALib, Dask, DuckDB, EMA Workbench, Solara, Playwright; once; a minute or two)..."
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(TESTS)

# the main job, its report in English (results/partnership_forms/) and Bahasa Indonesia (.../id/)
demo: $(CORE)
	$(BIN)/kerjasama demo --lang en,id

test: $(TESTS)
	$(BIN)/python -m pytest

explore: $(TESTS)
	$(BIN)/kerjasama explore

lint: $(TESTS)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks

# refresh the translation catalogues from the sources (sim/i18n.py): the template, then each language's .po
catalogues: $(TESTS)
	$(BIN)/python -m sim.i18n extract
	$(BIN)/python -m sim.i18n update

bench: $(CORE)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
