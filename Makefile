# Two entry points for people: `make demo` and `make test` (which runs `make lint`
# first, so CI checks ruff and mypy too). Both set up .venv first, with every
# extra (the dev extra pulls [all]). `make notebooks` opens the notebooks in JupyterLab.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo lint test bench notebooks schemas clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chaosbench validate scenarios
	$(BIN)/chaosbench run scenarios/baseline/mmc.yaml --seed 1 --out runs/demo/mmc/level0-seed1
	$(BIN)/chaosbench suite scenarios/suites/default.yaml --out runs/demo --db runs/demo/memory.sqlite
	$(BIN)/chaosbench report runs/demo --db runs/demo/memory.sqlite --html runs/demo/report.html --md runs/demo/summary.md > /dev/null
	@echo "Results are in $(abspath runs/demo)/"
	@echo "HTML report: $(abspath runs/demo/report.html)"

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

# The tests run on every core (pytest-xdist). The tests of a file that share a module fixture stay in one process,
# so that it is made once; every other test goes to whichever process is free, the slow ones first
# (tests/conftest.py marks the groups and sets the order, which --no-loadscope-reorder keeps).
test: lint
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder

notebooks: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The shipped JSON Schemas, regenerated from the code (a test fails when they differ).
schemas: $(STAMP)
	$(BIN)/chaosbench schema scenario --out chaosbench/schemas/scenario.schema.json
	$(BIN)/chaosbench schema output --out chaosbench/schemas/output.schema.json

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) runs .chaosbench .pytest_cache .hypothesis .mypy_cache .ruff_cache
