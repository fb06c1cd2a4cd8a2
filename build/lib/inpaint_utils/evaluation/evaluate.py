"""Evaluation: metrics on a whole split, every method on the same images, the results table; the
held-out check that training runs (``Validation``). Tables are saved and read
back by ``tables``; the sentences that read them are in ``describe``.

Training imports this module, so this one reads trained runs through ``TrainedRun``, what a
``training.RunResult`` offers, rather than importing training: the imports go one way.
"""

from typing import Protocol

import pandas as pd
import torch
import torch.nn as nn
from tqdm import tqdm

from ..core.runtime import resolve_device
from ..core.settings import HUB_ID, Params
from ..core.show import note
from ..data.cats import SplitImages
from ..data.heldout import heldout_images
from ..data.masks import center_mask, check_mask, mask_batch
from ..fills.classical import BASELINES
from ..fills.composite import inpaint
from ..fills.learned import eval_mode, generator_fill
from ..networks.gan import Generator
from ..networks.losses import CRITERIA
from .metrics import METRICS, Metric, PixelMetrics, perceptual_metric_set
from .realism import REALISM_COLUMNS, realism_metric_set


class TrainedRun(Protocol):
    """What evaluation reads of a trained run (``training.RunResult``): its fill, its D, the key
    in CRITERIA of D's criterion (None: another one), its loss history."""

    d: nn.Module
    criterion: str | None
    history: dict

    def fill(self): ...


UNTRAINED = "Untrained G"  # the floor: the seed's generator as every run starts it, before any training


def untrained_generator(params: Params) -> Generator:
    """The seed's generator initialised from SEED, as every run's training starts it, in eval mode:
    the row that shows how much training buys. The global random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(params.seed)
        g = Generator()
    return g.to(resolve_device(params.device)).eval()


@torch.no_grad()
def evaluate(fill, images: torch.Tensor, mask: torch.Tensor, *, d: nn.Module | None = None,
             criterion: str | None = None, device=None, batch_size: int = 256,
             metrics: list[Metric] = ()) -> pd.DataFrame:
    """Metrics of ``fill`` on every image of ``images`` (uint8, fixed order): one row per image.

    With a discriminator ``d`` and a ``criterion`` name, also the seed's figures per image:
    D loss = criterion(D(composite), 0) and G loss = criterion(D(composite), 1). ``metrics``
    (``metrics.Metric``s, such as ``realism.realism_metric_set()``) see the same composites,
    batch by batch; read them afterwards with their ``compute()``.
    """
    device = torch.device(device or "cpu")
    mask = check_mask(mask, images.shape[-1]).to(device)
    if mask.dim() == 4 and len(mask) != len(images):
        raise ValueError(f"{len(mask)} masks for {len(images)} images: give one mask, or one per image")
    loss = CRITERIA[criterion](reduction="none") if d is not None else None
    pixel, losses = PixelMetrics(), {"d_loss": [], "g_loss": []}
    for start in range(0, len(images), batch_size):
        truth = images[start:start + batch_size].to(device).float() / 255
        masks = mask[start:start + batch_size] if mask.dim() == 4 else mask
        inpainted = inpaint(fill, truth, masks)
        for metric in (pixel, *metrics):
            metric.update(inpainted, truth, masks)
        if d is not None:
            with eval_mode(d):
                out = d(inpainted, masks).float().view(-1)
            losses["d_loss"].append(loss(out, torch.zeros_like(out)).cpu())
            losses["g_loss"].append(loss(out, torch.ones_like(out)).cpu())
    columns = pixel.per_image() | ({k: torch.cat(v) for k, v in losses.items()} if d is not None else {})
    table = pd.DataFrame({k: v.numpy() for k, v in columns.items()})
    table.index.name = "image"
    return table


def evaluate_run(result: TrainedRun, test: SplitImages, params: Params, metrics: list[Metric] = ()) -> pd.DataFrame:
    """``evaluate`` for a trained run, with the seed's D and G losses under its own criterion
    (none for a criterion outside CRITERIA)."""
    mask = center_mask(params.image_size, params.hole_size)
    d = result.d if result.criterion is not None else None
    return evaluate(result.fill(), test.images, mask, d=d, criterion=result.criterion,
                    device=resolve_device(params.device), metrics=metrics)


class Validation:
    """Hole PSNR of a fill on the held-out photos (centre and random masks) during training, to see
    whether a run still improves. For watching only: no run is stopped or chosen by it."""

    def __init__(self, params: Params, device):
        self.device = device
        self.images = heldout_images(image_size=params.image_size)
        self.masks = {"centre": center_mask(params.image_size, params.hole_size), "random": mask_batch(
            "mixed", len(self.images), params.image_size, params.hole_size,
            generator=torch.Generator().manual_seed(params.seed + 1))}

    def __call__(self, step: int, fill) -> dict:
        row = {"step": step, **{f"{name}: hole PSNR (dB)": evaluate(fill, self.images, m, device=self.device)[
            "hole_psnr"].mean().item() for name, m in self.masks.items()}}
        tqdm.write(f"step {step}: held-out hole PSNR " + ", ".join(f"{v:.2f}" for k, v in row.items() if k != "step"))
        return row


def compare_methods(models: dict[str, TrainedRun], test: SplitImages, params: Params,
                    realism: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Per-image metrics of the untrained generator, every trained model and every baseline on the
    whole test split (with ``realism_per_image``'s columns); and per method the realism measures
    (REALISM_COLUMNS: sharpness, C2ST) on the same composites, or None with ``realism=False``."""
    mask, device = center_mask(params.image_size, params.hole_size), resolve_device(params.device)
    parts, measured = [], {}

    def measure(label, kind, run):
        metrics = realism_metric_set(params.seed) if realism else []
        frame = run(metrics)
        measured[label] = {k: v for metric in metrics for k, v in metric.compute().items()}
        parts.append(frame.assign(**realism_per_image(metrics), method=label, kind=kind))

    g0 = generator_fill(untrained_generator(params))
    measure(UNTRAINED, "untrained", lambda metrics: evaluate(g0, test.images, mask, device=device, metrics=metrics))
    for label, m in models.items():
        measure(label, "GAN", lambda metrics: evaluate_run(m, test, params, metrics))
    for label, fill in tqdm(BASELINES.items(), desc="baselines", mininterval=2):
        measure(label, "baseline", lambda metrics: evaluate(fill, test.images, mask, metrics=metrics))
    realism_table = pd.DataFrame(measured).T.rename_axis("method") if realism else None
    return pd.concat(parts).reset_index(), realism_table


def results_table(per_image: pd.DataFrame, realism: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean of each metric per method, then the ``realism`` columns where given."""
    columns = [c for c in [*METRICS, "d_loss", "g_loss"] if c in per_image]
    table = per_image.groupby("method", sort=False).agg(
        kind=("kind", "first"), images=("image", "count"), **{c: (c, "mean") for c in columns})
    if realism is not None:
        table = table.join(realism[[c for c in REALISM_COLUMNS if c in realism]].astype(float))
    return table


def realism_per_image(metrics: list[Metric]) -> dict:
    """The per-image values of the computed ``metrics`` that keep them (sharpness's two sums, the
    C2ST's right picks): what a bootstrap over images needs to put an interval on a difference."""
    return {k: v.numpy() for metric in metrics if hasattr(metric, "per_image") for k, v in metric.per_image().items()}


SEED_REPORTED = pd.DataFrame(  # the seed's printed figures on the hub data, 9,392 training images
    {"final-epoch D loss": [0.4898, 0.9916, 0.2931, 0.1336],
     "final-epoch G loss": [3.7318, 0.1979, 0.5730, 0.3115],
     "'test' D loss": [0.0366, None, None, None],  # BCE only, on 80 validation images (it said 88)
     "'test' G loss": [3.7808, None, None, None]},
    index=pd.Index(["BCE", "L1", "L2", "Huber"], name="method"))


def seed_comparison(models: dict[str, TrainedRun], table: pd.DataFrame, params: Params) -> pd.DataFrame | None:
    """The seed's reported losses beside ours (final training epoch; test split), for hub data."""
    if params.data != HUB_ID:
        note(f"The seed's reported losses are on {HUB_ID}; this run's data ({params.data}) differ, "
             "so they are not compared here. The full profile compares them.")
        return None
    ours = pd.DataFrame({
        "final-epoch D loss": {k: m.history["epoch_d"][-1] for k, m in models.items()},
        "final-epoch G loss": {k: m.history["epoch_g"][-1] for k, m in models.items()},
        "'test' D loss": table["d_loss"].reindex(list(models)),
        "'test' G loss": table["g_loss"].reindex(list(models))})
    return pd.concat({"seed report": SEED_REPORTED, "this run": ours}, axis=1)


def perceptual_metrics(models: dict, test: SplitImages, params: Params,
                       untrained: bool = False) -> pd.DataFrame | None:
    """LPIPS (AlexNet) and FID per method (``models``: anything with a ``fill()``, such as a trained
    run or the release model) on the test split's centre holes, where PERCEPTUAL finds
    their weights: on disk, else downloaded under "auto"; a metric without them is skipped with one
    line saying why (or raises, under "required"). See ``metrics.perceptual_weights``. With
    ``untrained``, the untrained generator's row comes first.

    FID compares the N true test images with each method's N composites (``metrics.FID``): on
    fewer than a few thousand images it is biased upwards, so its values rank rows measured on the
    same images and mean little beside published FIDs.
    """
    device = resolve_device(params.device)
    metrics = perceptual_metric_set(params.perceptual, device)
    if not metrics:
        return None
    mask = center_mask(params.image_size, params.hole_size)
    fills = {UNTRAINED: generator_fill(untrained_generator(params))} if untrained else {}
    fills |= {label: m.fill() for label, m in models.items()} | BASELINES
    rows = {}
    for label, fill in fills.items():
        for metric in metrics:
            metric.reset()
        evaluate(fill, test.images, mask, device=device, metrics=metrics)
        rows[label] = {metric.columns[k]: v for metric in metrics for k, v in metric.compute().items()}
    if "fid" in {k for metric in metrics for k in metric.columns}:
        note(f"FID: the {len(test.images)} test images against each method's {len(test.images)} composites; "
             "below a few thousand images FID is biased upwards: compare rows, not published values.")
    return pd.DataFrame(rows).T.rename_axis("method")
