"""Test settings, set before any notebook kernel starts so that nbval's kernels inherit them:
notebooks run on the smoke profile, offline, writing into a temporary folder, not the repo."""

import os
import shutil
import sys
import tempfile

_made = None
if "INPAINT_OUTPUT_ROOT" not in os.environ:
    _made = os.environ["INPAINT_OUTPUT_ROOT"] = tempfile.mkdtemp(prefix="inpaint-tests-")
    os.environ.setdefault("HF_DATASETS_CACHE", os.path.join(_made, "hf-datasets"))
os.environ.setdefault("INPAINT_PROFILE", "smoke")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.pop("JPY_SESSION_NAME", None)  # pytest run from a notebook's kernel: its kernels still show no brush


def pytest_configure(config):
    """nbval colours its reports whenever colour is not switched off; off when not on a terminal."""
    if config.option.color == "auto" and not sys.stdout.isatty():
        config.option.color = "no"


def pytest_unconfigure(config):
    if _made:
        shutil.rmtree(_made, ignore_errors=True)
