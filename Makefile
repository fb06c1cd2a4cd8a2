# make report   set up .venv (first time) and build the report for PROFILE (default: sample, offline)
# make test     set up .venv (first time) and run every test, notebooks included
PYTHON ?= python3
PROFILE ?= sample
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup report test benchmark

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

report: setup
	$(PY) report.py --profile $(PROFILE) $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)

benchmark: setup
	$(PY) benchmarks/speed.py $(ARGS)
