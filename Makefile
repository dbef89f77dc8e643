# Kunskapshus Research — the front door. `make demo` and `make test` do all set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# test workers (pytest-xdist); 0 runs the suite in one process
PYTEST_WORKERS ?= 2
LAB_VENV := .venv-lab

.PHONY: help install demo test test-fast lab lab-reset new clean-reports hooks

help:
	@echo "make demo   - create .venv, install, run every notebook on its sample data, publish the catalogue"
	@echo "make test   - install and run the whole test suite (unit, end-to-end, browser)"
	@echo "make lab    - JupyterLab on working copies of the notebooks (lab/, git-ignored)"
	@echo "make new NAME=skolenkat - a new briefing type from the template (mall)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@-git rev-parse --git-dir >/dev/null 2>&1 && $(BIN)/nbstripout --install --attributes .gitattributes || true
	@touch $(STAMP)

install: $(STAMP)

hooks: $(STAMP)
	$(BIN)/nbstripout --install --attributes .gitattributes

demo: $(STAMP)
	@status=0; for params in parameters/*/default.yaml; do \
	  notebook=notebooks/$$(basename $$(dirname $$params)).ipynb; \
	  [ -f "$$notebook" ] || continue; \
	  echo "== $$notebook ($$params)"; \
	  $(BIN)/research run "$$notebook" -f "$$params" --no-publish || status=1; \
	done; \
	echo "== bundles of this demo's runs for the national platform (research export)"; \
	$(BIN)/research export --latest --out reports/bundles >/dev/null || status=1; \
	echo "== five fictional Kunskapshus share real runs; research import into reports/inbox"; \
	$(BIN)/python data/sample/nationell/generate.py --inbox reports/inbox >/dev/null || status=1; \
	echo "== publishing the catalogue"; \
	$(BIN)/research publish || status=1; \
	echo "Catalogue: $$(pwd)/reports/site/index.html"; \
	echo "Bundles: $$(pwd)/reports/bundles  National inbox: $$(pwd)/reports/inbox"; \
	exit $$status

# the whole suite includes tests/test_lab.py, which drives the JupyterLab of .venv-lab
test: $(STAMP) $(LAB_VENV)/.installed-stamp
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# JupyterLab lives in its own venv (.venv-lab): its server dependencies (jsonschema format
# checkers among them) would slow every `research` process down if installed in .venv.
# The notebooks' kernel, "python3", is the project's .venv, registered in .venv-lab.
$(LAB_VENV)/.installed-stamp:
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAB_VENV)/bin/python -m pip install --quiet 'jupyterlab>=4.1' 'jupyterlab_widgets>=3'
	@touch $@

# Working copies: JupyterLab opens lab/ (git-ignored), where `make lab` puts a copy of each
# notebook that is not there yet. Run All and autosave (every 120 s) write outputs and
# kernel metadata into those copies only; the committed notebooks/ never change. To change
# a shipped notebook, copy your working copy back (`cp lab/X.ipynb notebooks/`) and commit
# it (nbstripout strips the outputs). `make lab-reset` replaces the copies with fresh ones.
LAB_DIR   := lab
LAB_ARGS  ?=
LAB_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) $(LAB_VENV)/.installed-stamp
	$(BIN)/python -m ipykernel install --prefix $(LAB_VENV) --name python3 \
	  --display-name "Python 3 (Kunskapshus Research)" >/dev/null
	@mkdir -p $(LAB_DIR)
	@for nb in notebooks/*.ipynb; do \
	  [ -e "$(LAB_DIR)/$$(basename $$nb)" ] || cp "$$nb" "$(LAB_DIR)/"; \
	done
	@echo "Working copies in $(LAB_DIR)/ (git-ignored); notebooks/ stays as committed."
	cd $(LAB_DIR) && ../$(LAB_VENV)/bin/jupyter lab $(LAB_ROOT) $(LAB_ARGS)

lab-reset:
	rm -f $(LAB_DIR)/*.ipynb
	@echo "Removed the working copies; 'make lab' makes fresh ones from notebooks/."

new: $(STAMP)
	@[ -n "$(NAME)" ] || { echo "usage: make new NAME=skolenkat [KIND='Skolenkät']"; exit 2; }
	$(BIN)/research new "$(NAME)" $(if $(KIND),--kind "$(KIND)")

clean-reports:
	rm -rf reports/runs reports/site reports/.site-builds
