"""The seed's next steps, measured: an ablation in which each row adds one change to the row before.

Every row trains the seed's generator for ABLATION_EPOCHS with BCE, from the same initial weights
and batches, and is measured with the classical baselines and the untrained generator on the same
test images, once with the seed's centre hole and once with a fixed, seeded set of random masks:
pixel metrics, then realism measures (``realism``: sharpness and a classifier two-sample test).
"""

import dataclasses
from typing import NamedTuple

import pandas as pd
import torch
import torch.nn as nn

from ..core.paths import checkpoints_dir
from ..core.runtime import resolve_device
from ..core.settings import Params
from ..data.cats import SplitImages
from ..data.masks import center_mask, mask_batch
from ..evaluation.describe import describe_realism, difference_between, step_verdict
from ..evaluation.evaluate import (
    UNTRAINED,
    evaluate,
    realism_per_image,
    untrained_generator,
)
from ..evaluation.realism import REALISM_COLUMNS, realism_metric_set
from ..fills.classical import BASELINES
from ..fills.learned import generator_fill
from ..networks.gan import count_parameters
from ..training.loop import RunResult, train_gan
from ..training.step import build_models

# The options the rows change, at the seed's values (Params' defaults): every row starts from them.
SEED_OPTIONS = {name: Params.__dataclass_fields__[name].default for name in
                ("mask", "rec_weight", "adv_weight", "rec_loss", "known_weight", "local_d", "prefill", "g_only_epochs")}


class Row(NamedTuple):
    label: str  # in tables and figures
    change: dict  # the options it changes from the row before


ABLATION = {
    "seed": Row("Seed (BCE)", {}),
    "pixel": Row("+ pixel loss", dict(rec_weight=0.999, adv_weight=0.001)),  # Context Encoders' weights
    "local_d": Row("+ local D", dict(local_d=True)),
    "random_masks": Row("+ random masks", dict(mask="mixed")),
    "prefill": Row("+ mean prefill", dict(prefill="mean")),
}
COLUMNS = {"hole_psnr": "hole PSNR (dB)", "hole_l1": "hole L1", "full_ssim": "image SSIM"}
# Mask sets the realism measures run on: the centre hole, whose crops the two-sample test sees whole
# (random boxes reach 38 pixels, beyond its 32-pixel crop), and which keeps them to ~1 s a row.
REALISM_MASKS = ("centre",)


def ablation_params(params: Params) -> dict[str, Params]:
    """Each row's parameters: the seed's options, then each row's change on top of the last."""
    rows, options = {}, dict(SEED_OPTIONS)
    for run, row in ABLATION.items():
        options |= row.change
        rows[run] = dataclasses.replace(params, **options)
    return rows


def train_ablation(params: Params, images: dict[str, SplitImages]) -> dict[str, RunResult]:
    """Train (or resume, or load) every row; results by label."""
    return {ABLATION[run].label: train_gan(run, nn.BCELoss(), p, train_images=images["train"].images,
                                           val_images=images["validation"].images,
                                           checkpoint=checkpoints_dir(params) / f"ablation-{run}.pt",
                                           epochs=params.ablation_epochs)
            for run, p in ablation_params(params).items()}


def evaluation_masks(params: Params, n: int) -> dict[str, torch.Tensor]:
    """The two mask sets every method is measured on: the seed's centre hole, and ``n`` random
    masks of kind EVAL_MASKS drawn from SEED + 1, the same for every method and every run."""
    drawn = mask_batch(params.eval_masks, n, params.image_size, params.hole_size,
                       generator=torch.Generator().manual_seed(params.seed + 1))
    return {"centre": center_mask(params.image_size, params.hole_size), "random": drawn}


def ablation_table(models: dict, images: torch.Tensor, params: Params, *,
                   baselines: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean metrics of the untrained generator, every model (anything with a ``fill()``: a
    RunResult, the release model) and every baseline on ``images`` (uint8), with both mask sets:
    the pixel metrics (COLUMNS) for both, then the realism measures (REALISM_COLUMNS) for the mask
    sets of REALISM_MASKS. ``baselines=False`` measures the models alone.

    Returns the table and the values per image behind it (one row per method, mask set and
    image), which ``describe_ablation`` reads to put intervals on its comparisons; save both
    with ``evaluation.save_table(table, name, params, per_image=per_image)``.
    """
    fills = {UNTRAINED: ("untrained", generator_fill(untrained_generator(params)))} if baselines else {}
    fills |= {label: ("learned", m.fill()) for label, m in models.items()}
    fills |= {label: ("baseline", fill) for label, fill in BASELINES.items()} if baselines else {}
    device, mask_sets = resolve_device(params.device), evaluation_masks(params, len(images))
    rows, per_image = {}, []
    for label, (kind, fill) in fills.items():
        rows[label], realism = {"kind": kind}, {}
        for masks_name, masks in mask_sets.items():
            metrics = realism_metric_set(params.seed) if masks_name in REALISM_MASKS else []
            on = "cpu" if kind == "baseline" else device
            values = evaluate(fill, images, masks, device=on, metrics=metrics)
            means = values.mean()
            rows[label] |= {f"{masks_name}: {title}": means[column] for column, title in COLUMNS.items()}
            realism |= {f"{masks_name}: {REALISM_COLUMNS[column]}": value
                        for metric in metrics for column, value in metric.compute().items()}
            per_image.append(values[list(COLUMNS)].reset_index().assign(
                **realism_per_image(metrics), method=label, kind=kind, masks=masks_name))
        rows[label] |= realism
    table = pd.DataFrame(rows).T.rename_axis("method")
    return table.astype({c: float for c in table.columns if c != "kind"}), pd.concat(per_image)


def ablation_plan(params: Params) -> pd.DataFrame:
    """What each row trains with: the options that differ from the seed, and the networks' sizes."""
    rows = {}
    for run, p in ablation_params(params).items():
        g, d, _, _ = build_models(p, torch.device("cpu"))
        changed = {k.upper(): v for k, v in dataclasses.asdict(p).items() if k in SEED_OPTIONS and v != SEED_OPTIONS[k]}
        rows[ABLATION[run].label] = {
            "options (beyond the seed's)": ", ".join(f"{k}={v}" for k, v in changed.items()) or "none",
            "G parameters": count_parameters(g), "D parameters": count_parameters(d)}
    return pd.DataFrame(rows).T.rename_axis("row")


def mask_set(table: pd.DataFrame, per_image: pd.DataFrame | None, masks: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One mask set's columns of an ablation table, named by metric (``hole_psnr``, ``sharpness``,
    ...) as ``describe`` reads them, with the ``kind`` column; and that mask set's per-image values."""
    columns = {f"{masks}: {title}": key for key, title in {**COLUMNS, **REALISM_COLUMNS}.items()
               if f"{masks}: {title}" in table}
    values = per_image[per_image["masks"] == masks] if per_image is not None else None
    return table[["kind", *columns]].rename(columns=columns), values


def describe_ablation(table: pd.DataFrame, per_image: pd.DataFrame | None = None,
                      spread: pd.DataFrame | None = None) -> str:
    """Markdown: what each row's change did to hole PSNR, and the best model against the best
    baseline; with ``per_image`` (``load_per_image(params, name)``), each difference has its paired
    bootstrap interval over images, and one whose interval holds 0 is said to be level. That
    interval holds this training run fixed; with ``spread`` (``read_spread(folder, "ablation")``)
    each step also says what it did in every run measured, other seeds and machines: the verdict
    that does not flip with the CPU (``describe.step_verdict``)."""
    lines = []
    for masks in ("centre", "random"):
        columns, on_masks = mask_set(table, per_image, masks)
        psnr = columns["hole_psnr"]
        learned, baselines = psnr[columns["kind"] == "learned"], psnr[columns["kind"] == "baseline"]

        def change(first, second):
            return difference_between(on_masks, first, second, "hole_psnr", psnr, " dB")

        def step(label, before):
            verdict = step_verdict(spread, label, masks)
            return f"{label} {change(label, before)}" + (f" in this run, {verdict}" if verdict else "")

        steps = [step(label, learned.index[i - 1]) for i, label in enumerate(learned.index) if i]
        best, best_baseline = learned.idxmax(), baselines.idxmax()
        lines.append(f"- **{masks.capitalize()} masks.** {learned.index[0]} reaches "
                     f"{learned.iloc[0]:.2f} dB of hole PSNR; then {'; '.join(steps) or 'no other row'}. "
                     f"The best learned row, {best} ({learned[best]:.2f} dB), minus the best "
                     f"baseline, {best_baseline} ({baselines[best_baseline]:.2f} dB): "
                     f"{change(best, best_baseline)}.")
        if "sharpness" in columns:
            lines.append(f"- **{masks.capitalize()} masks, realism** "
                         + describe_realism(columns[["hole_psnr", *REALISM_COLUMNS]], on_masks))
    return "\n".join(lines)
