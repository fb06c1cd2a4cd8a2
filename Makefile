# make report   set up .venv (first time) and build the report for PROFILE (default: sample, offline)
# make test     set up .venv (first time) and run every test, notebooks and the browser check included
# make lab      set up .venv (first time) and open the notebooks in JupyterLab
# make nbval    run each notebook alone under nbval on the smoke profile, each in a fresh temporary folder
# make corpus   fetch, unpack and verify the photo corpus (apt-get download, dpkg-deb -x; ARGS=--debs DIR offline)
# make lock     re-resolve requirements.lock and requirements-removal.lock from the ranges in requirements*.txt (needs uv)
# make lint     ruff, configured in pyproject.toml (CI runs it)
# make setup-removal   only what removing objects needs (.venv-removal, 0.3 GB, no torch): the command and the page
# make app      open the removal web page (python -m inpaint_utils.app) from .venv-removal
PYTHON ?= python3
PROFILE ?= sample
VENV := .venv
PY := $(VENV)/bin/python
REMOVAL_VENV := .venv-removal

.PHONY: setup setup-removal report test lab lint nbval benchmark corpus lock app

setup: $(VENV)/.installed

# The exact versions of requirements.lock, for Linux x86_64 and Python 3.11 (see the README),
# then this project itself, editable, so that `import inpaint_utils` works from any folder.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Removing objects only: PatchMatch, the command and the web page, from requirements-removal.lock.
setup-removal: $(REMOVAL_VENV)/.installed

$(REMOVAL_VENV)/.installed: requirements-removal.lock pyproject.toml
	$(PYTHON) -m venv $(REMOVAL_VENV)
	$(REMOVAL_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-removal.lock
	$(REMOVAL_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

app: setup-removal
	$(REMOVAL_VENV)/bin/python -m inpaint_utils.app $(ARGS)

lint: setup
	$(PY) -m ruff check .

report: setup
	$(PY) report.py --profile $(PROFILE) $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)

lab: setup
	$(VENV)/bin/jupyter lab notebooks $(ARGS)

nbval: setup
	for notebook in notebooks/[0-9][0-9]_*.ipynb; do \
		env -u INPAINT_OUTPUT_ROOT $(PY) -m pytest -p no:cacheprovider -q $$notebook $(ARGS) || exit 1; \
	done

benchmark: setup
	$(PY) -m benchmarks.speed $(ARGS)

corpus: setup
	$(PY) -m inpaint_utils.corpus $(ARGS)

# The removal lock takes the full lock's versions (-c), so that both installs run the same code.
lock: setup
	$(PY) -m uv pip compile requirements-dev.txt --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock
	$(PY) -m uv pip compile requirements-removal.txt -c requirements.lock --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements-removal.lock
