"""The seed's four runs: BCE for BCE_EPOCHS, then L1, L2 and Huber for LOSS_EPOCHS each, trained
(resumably) with the GAN loop of ``training/loop.py`` and loaded back (notebooks 02-05)."""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.paths import checkpoints_dir
from ..core.settings import Params
from ..data.cats import SplitImages
from ..networks.losses import CRITERIA, CRITERION_LABELS
from ..training.loop import RunResult, load_run, train_gan


class SeedRun(NamedTuple):
    """One of the seed's four runs; its criterion is CRITERIA[its key]."""

    label: str  # in tables and figures
    notebook: str  # the notebook that trains it
    epochs: Callable[[Params], int]  # how many epochs it trains for under given parameters


RUNS = {
    "bce": SeedRun(CRITERION_LABELS["bce"], "02_baseline_bce.ipynb", lambda p: p.bce_epochs),
    "l1": SeedRun(CRITERION_LABELS["l1"], "03_loss_experiments.ipynb", lambda p: p.loss_epochs),
    "l2": SeedRun(CRITERION_LABELS["l2"], "03_loss_experiments.ipynb", lambda p: p.loss_epochs),
    "huber": SeedRun(CRITERION_LABELS["huber"], "03_loss_experiments.ipynb", lambda p: p.loss_epochs),
}


def train_run(run: str, params: Params, images: dict[str, SplitImages]) -> RunResult:
    """Train (or resume, or load if finished) one of the seed's four runs: bce, l1, l2, huber."""
    if run not in RUNS:
        raise ValueError(f"unknown run {run!r}; valid runs: {', '.join(RUNS)}")
    return train_gan(run, CRITERIA[run](), params, train_images=images["train"].images,
                     val_images=images["validation"].images, checkpoint=checkpoints_dir(params) / f"{run}.pt",
                     epochs=RUNS[run].epochs(params))


def train_runs(params: Params, images: dict[str, SplitImages], runs=tuple(RUNS)) -> dict[str, RunResult]:
    """Several of the seed's runs, by label: each loaded if finished, else trained (or resumed) here,
    so that a notebook that needs them runs alone."""
    return {RUNS[run].label: train_run(run, params, images) for run in runs}


def training_summary(results: dict[str, RunResult]) -> pd.DataFrame:
    """Epochs, final-epoch mean losses (the seed's printed figures) and time per epoch."""
    return pd.DataFrame({label: {
        "epochs": len(r.history["epoch_d"]),
        "final-epoch D loss": r.history["epoch_d"][-1],
        "final-epoch G loss": r.history["epoch_g"][-1],
        "seconds per epoch": float(np.mean(r.history["epoch_seconds"]))} for label, r in results.items()}).T


def load_trained(params: Params, device=None) -> dict[str, RunResult]:
    """The four finished runs of notebooks 02 and 03, by label; errors name the notebook to run."""
    return {seed_run.label: load_run(run, checkpoints_dir(params) / f"{run}.pt", params,
                                     maker=f"notebooks/{seed_run.notebook}", device=device)
            for run, seed_run in RUNS.items()}
