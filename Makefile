# The two commands of the README:  `make run`  and  `make test`.
# Both create the virtual environment and install legmove on first use.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

.PHONY: install run test
install: $(STAMP)

# Analyse the demo night and open it in the dashboard.
run: $(STAMP)
	bash scripts/run.sh

# Lint, types and tests, exactly as CI runs them.
test: $(STAMP)
	bash scripts/test.sh
