# make report   set up .venv (first time) and build the report for PROFILE (default: sample, offline)
# make test     set up .venv (first time) and run every test, notebooks and the browser check included
# make lab      set up .venv (first time) and open the notebooks in JupyterLab
# make nbval    run each notebook alone under nbval on the smoke profile, each in a fresh temporary folder
# make corpus   fetch, unpack and verify the photo corpus (apt-get download, dpkg-deb -x; ARGS=--debs DIR offline)
# make lock     re-resolve requirements.lock from the ranges in requirements*.txt (needs uv)
PYTHON ?= python3
PROFILE ?= sample
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup report test lab nbval benchmark corpus lock

setup: $(VENV)/.installed

# The exact versions of requirements.lock, for Linux x86_64 and Python 3.11 (see the README),
# then this project itself, editable, so that `import inpaint_utils` works from any folder.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

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

lock: setup
	$(PY) -m uv pip compile requirements-dev.txt --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock
