# Two commands do everything on a fresh Debian/Python 3.11 machine:
#   make demo   - set up .venv and run the workflow on the embedded demo
#   make test   - set up .venv and run the test suite
PYTHON ?= python3
VENV ?= .venv
CORES ?= 2
BIN := $(VENV)/bin
SNAKEMAKE := $(BIN)/snakemake --workflow-profile workflow/profiles/default

.PHONY: setup demo report test lint clean lock

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

demo: setup
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --cores $(CORES) --report results/report.html
	@echo "demo done: results/ (masks, sheets, heatmaps, figures) and results/report.html"

test: setup
	$(BIN)/python -m pytest -q tests

lint: setup
	$(SNAKEMAKE) --lint

clean:
	rm -rf results logs .snakemake

lock:
	rm -rf /tmp/facelime-lock && $(PYTHON) -m venv /tmp/facelime-lock
	/tmp/facelime-lock/bin/pip install --quiet . pytest snakemake
	/tmp/facelime-lock/bin/pip freeze --exclude facelime
