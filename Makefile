# The two commands of the README:  `make run`  and  `make test`.
# Both create the virtual environment and install legmove on first use.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# pip says what it fetches and installs (the first install takes a few minutes): no -q
$(STAMP): pyproject.toml constraints.txt
	@echo "== installing legmove and its libraries into $(VENV) (first time: a few minutes)"
	python3 -m venv $(VENV)
	$(BIN)/pip install --progress-bar on -c constraints.txt -e ".[dev]"
	touch $(STAMP)

.PHONY: install run test
install: $(STAMP)

# Analyse the demo night and open it in the dashboard.
run: $(STAMP)
	bash scripts/run.sh

# Lint, types and tests, exactly as CI runs them.
test: $(STAMP)
	bash scripts/test.sh
