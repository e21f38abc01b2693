# Two commands do all setup: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint fuzz bench clean claude-code

# Claude Code for the end-to-end tests (tests/e2e) and the demo's last act: the version pinned in
# tests/e2e/node/package-lock.json, installed with `npm ci` into .cache/npm (once; the stamp
# keeps it). Without npm the step says what to install and tests/e2e skips.
NODE_PIN     := tests/e2e/node
CLAUDE_DIR   := .cache/npm
CLAUDE_STAMP := $(CLAUDE_DIR)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(CLAUDE_STAMP): $(NODE_PIN)/package.json $(NODE_PIN)/package-lock.json
	@if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then \
		mkdir -p $(CLAUDE_DIR) && cp $(NODE_PIN)/package.json $(NODE_PIN)/package-lock.json $(CLAUDE_DIR)/ && \
		npm ci --prefix $(CLAUDE_DIR) --no-audit --no-fund --loglevel=error && \
		$(CLAUDE_DIR)/node_modules/.bin/claude --version && touch $@; \
	else \
		echo "make: node/npm not found: the Claude Code end-to-end tests will skip (install Node.js 18+ with npm to run them)"; \
	fi

## make claude-code: install the pinned Claude Code into .cache/npm (make test and make demo do it)
claude-code: $(CLAUDE_STAMP)

## make demo: in a temporary repository: the real pre-commit hooks blocking a secret and SQL injection,
## br init, parallel sessions on one task queue, routing, cost, and one MCP call over stdio
demo: $(STAMP) $(CLAUDE_STAMP)
	$(BIN)/python demo/demo.py

## make test: lint, type-check, and the whole test suite with branch coverage
test: lint $(CLAUDE_STAMP)
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
	rm -rf $(VENV) $(CLAUDE_DIR) bench/.venv .coverage .mypy_cache .ruff_cache .hypothesis
