"""Notebook 04's comparison as one step: the seed's four runs and every classical method on the
whole test split, the results table saved. Notebook 05 reads the table back, or makes it here
when it runs alone: each notebook runs on its own."""

import pandas as pd

from ..core.paths import reports_dir
from ..core.settings import Params
from ..data.cats import SplitImages, load_images
from ..evaluation.evaluate import compare_methods, results_table
from ..evaluation.tables import load_per_image, load_results, save_table
from ..training.loop import RunResult
from .seed_runs import train_runs


def compare(models: dict[str, RunResult], test: SplitImages, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results table of ``models``, the untrained generator and the baselines on ``test``, and
    the per-image values behind it; saved as reports/<run>/results.{csv,md} and results_per_image.csv."""
    per_image, realism = compare_methods(models, test, params)
    table = results_table(per_image, realism)
    save_table(table, "results", params, per_image=per_image)
    return table, per_image


def results(params: Params) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Notebook 04's results table and its per-image values, as saved; made first (training or
    loading the four runs) where notebook 04 has not run for these parameters."""
    if not (reports_dir(params, create=False) / "results.csv").exists():
        images = load_images(params)
        compare(train_runs(params, images), images["test"], params)
    return load_results(params), load_per_image(params)
