# The README's three commands: `make lab` (the tutorials), `make demo` and `make test`. Each
# creates .venv if missing, installs the package with the extras it needs, and installs
# Graphviz + a CJK font when `dot` is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
# `make demo` installs only what the demo needs (the package and graphviz), not the dev tools
VIZ_STAMP := $(VENV)/.installed-viz
# `make lab` installs the notebooks extra (JupyterLab and what the chapters use)
NB_STAMP  := $(VENV)/.installed-notebooks

.PHONY: lab lab-setup demo test lint notebooks bench mutation system-deps clean

# The tutorials: JupyterLab on notebooks/, on this machine only, no browser started (open the
# http://127.0.0.1:8888/lab?token=... address it prints). Ctrl-C stops it. As root (a container)
# JupyterLab wants --allow-root, which is added then.
lab: lab-setup
	@echo "micrograd_cn: starting JupyterLab on notebooks/ -- open the http://127.0.0.1:... URL below"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Install and trust: a trusted notebook shows its committed graphs and step-through players
# as soon as it is opened, before anything is run.
lab-setup: $(NB_STAMP) system-deps
	$(VENV)/bin/jupyter trust notebooks/[0-9]*.ipynb

demo: $(VIZ_STAMP) system-deps
	$(PY) -m micrograd_cn demo

test: $(STAMP) system-deps site
	$(PY) -m ruff check micrograd_cn tests benchmarks notebooks
	$(PY) -m ruff format --check micrograd_cn tests benchmarks notebooks
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check micrograd_cn tests benchmarks notebooks
	$(PY) -m ruff format --check micrograd_cn tests benchmarks notebooks

notebooks: $(STAMP) system-deps
	$(PY) -m jupytext --to ipynb --update notebooks/[0-9]*.py
	$(VENV)/bin/jupyter-execute --inplace notebooks/[0-9]*.ipynb

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_viz.py
	$(PY) benchmarks/bench_gpt.py

# Mutation testing (minutes, not part of `make test`; config: [tool.mutmut] in pyproject.toml).
# Results are cached in mutants/ (delete it for a from-scratch run); `mutmut results` lists survivors.
mutation: $(STAMP)
	-env -u PYTHONPATH OMP_NUM_THREADS=1 $(VENV)/bin/mutmut run --max-children 2
	@$(PY) scripts/mutation_report.py --equivalent docs/mutation.md

system-deps:
	@bash scripts/ensure-system-deps.sh

# The book: site/ (the chapters as pages, and site/lite/ to run them in the browser), built from
# pinned sources by scripts/build_site.py (its own .venv-site and node_modules); `make test`
# builds it first, for tests/test_site.py. site-serve serves it at http://127.0.0.1:8000/.
.PHONY: site site-serve
site:
	@bash scripts/ensure-system-deps.sh --site
	$(PYTHON) scripts/build_site.py

site-serve:
	$(PYTHON) scripts/build_site.py --serve

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
	  || { echo "micrograd_cn needs Python >= 3.10 (set PYTHON=python3.x)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

$(VIZ_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
	  || { echo "micrograd_cn needs Python >= 3.10 (set PYTHON=python3.x)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[viz]"
	touch $(VIZ_STAMP)

$(NB_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
	  || { echo "micrograd_cn needs Python >= 3.10 (set PYTHON=python3.x)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[notebooks]"
	touch $(NB_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache mutants graph.svg demo.svg demo.html \
	  site .venv-site node_modules build/site
