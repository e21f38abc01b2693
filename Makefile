# Two commands do all setup: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## make demo: in a temporary repository: the real pre-commit hooks blocking a secret and SQL injection,
## br init, parallel sessions on one task queue, routing, cost, and one MCP call over stdio
demo: $(STAMP)
	$(BIN)/python demo/demo.py

## make test: lint, type-check, and the whole test suite with branch coverage
test: lint
	$(BIN)/pytest --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make fuzz: the property tests of tests/fuzz with the deep Hypothesis profile (thousands of
## examples per property; BR_FUZZ_EXAMPLES=N to change); failures are kept in .hypothesis/
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest -q -p no:cacheprovider --hypothesis-show-statistics tests/fuzz

## make bench: every bench/ script, each timing us beside its anchor (installs anchors into bench/.venv)
bench: $(STAMP)
	bash bench/run-all

clean:
	rm -rf $(VENV) bench/.venv .coverage .mypy_cache .ruff_cache .hypothesis
