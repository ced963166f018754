# Two commands do everything on a fresh Debian/Python 3.11 machine:
#   make demo   - set up .venv and run the workflow on the embedded demo
#   make test   - set up .venv and run the test suite
PYTHON ?= python3
VENV ?= .venv
# dlib: `blas` builds dlib 20.0.1 against OpenBLAS (~8 min once, then pip's wheel
# cache; the ResNet runs ~6x faster), `bin` installs the dlib-bin wheel (seconds,
# no BLAS), `auto` builds when cmake, a C++ compiler and OpenBLAS are present.
DLIB ?= auto
DLIB_VERSION := 20.0.1
CORES ?= 2
BIN := $(VENV)/bin
# a plain `snakemake` finds workflow/profiles/default through the top-level profiles link
SNAKEMAKE := $(BIN)/snakemake

.PHONY: setup demo report test lint clean lock bench thesis

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	$(MAKE) --no-print-directory dlib
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

.PHONY: dlib
dlib:
	@mode=$(DLIB); \
	if [ "$$mode" = auto ]; then \
	  if command -v cmake >/dev/null && command -v c++ >/dev/null && ldconfig -p | grep -q 'libopenblas.so '; then mode=blas; \
	  else mode=bin; echo "dlib: no cmake/c++/OpenBLAS here, installing the slow dlib-bin wheel (see README: Performance)"; fi; \
	fi; \
	if [ "$$mode" = blas ]; then \
	  echo "dlib: building dlib==$(DLIB_VERSION) against OpenBLAS (about 8 minutes on 2 cores the first time)"; \
	  $(BIN)/python -m pip uninstall --quiet --yes dlib-bin 2>/dev/null; \
	  $(BIN)/python -m pip install --quiet dlib==$(DLIB_VERSION) && \
	  $(BIN)/python -c "import dlib, sys; sys.exit(0 if dlib.DLIB_USE_BLAS else 'dlib was built without BLAS: install libopenblas-dev liblapack-dev and rerun')"; \
	else \
	  $(BIN)/python -m pip uninstall --quiet --yes dlib 2>/dev/null; \
	  $(BIN)/python -m pip install --quiet dlib-bin==$(DLIB_VERSION).post1; \
	fi

demo: setup
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --cores $(CORES) --report results/report.html
	@echo "demo done: results/ (masks, sheets, heatmaps, figures) and results/report.html"

# The study's whole figure set (config/thesis.yaml): only the data and model folders are yours.
thesis: setup
	@if [ -z "$(DATA)" ] || [ -z "$(MODELS)" ]; then \
	  echo "usage: make thesis DATA=<VGGFace2 test folder: <identity>/Frontal/<image>> MODELS=<folder with the 8 ArcFace ONNX files> [CORES=16]"; \
	  echo "(file names and the identity table: config/thesis.yaml, config/README.md)"; exit 2; fi
	$(SNAKEMAKE) --cores $(CORES) --configfile config/thesis.yaml --config 'dataset={root: $(DATA)}' model_dir=$(MODELS) -- thesis

test: setup
	$(BIN)/python -m pytest -q tests

bench: setup
	OPENBLAS_NUM_THREADS=$(CORES) $(BIN)/python -m bench.run --out results/benchmarks

lint: setup
	$(SNAKEMAKE) --lint
	$(BIN)/snakefmt --check Snakefile rules

clean:
	rm -rf results logs .snakemake

lock:
	rm -rf /tmp/facelime-lock && $(PYTHON) -m venv /tmp/facelime-lock
	/tmp/facelime-lock/bin/pip install --quiet . pytest snakemake snakefmt
	/tmp/facelime-lock/bin/pip freeze --exclude facelime
