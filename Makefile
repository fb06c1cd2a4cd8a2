# make report   set up .venv (first time) and build the report for PROFILE (default: sample, offline)
# make test     set up .venv (first time) and run every test, notebooks and the browser check included
# make lock     re-resolve requirements.lock from the ranges in requirements*.txt (needs uv)
PYTHON ?= python3
PROFILE ?= sample
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup report test benchmark lock

setup: $(VENV)/.installed

# The exact versions of requirements.lock, for Linux x86_64 and Python 3.11 (see the README).
$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	touch $@

report: setup
	$(PY) report.py --profile $(PROFILE) $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)

benchmark: setup
	$(PY) benchmarks/speed.py $(ARGS)

lock: setup
	$(PY) -m uv pip compile requirements-dev.txt --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock
