"""Evaluation: metrics on a whole split, every method on the same images, the results table."""

from pathlib import Path

import pandas as pd
import torch
import torch.nn as nn
from tqdm import tqdm

from .data import SplitImages
from .fills import BASELINES, generator_fill, inpaint
from .masks import center_mask, check_mask
from .params import HUB_ID, Params, resolve_device
from .paths import atomic_write_text, output_root, reports_dir
from .training import CRITERIA, RunResult

PSNR_CAP = 100.0  # dB, reported for a perfect reconstruction (where the MSE is 0)
# column -> (title, higher is better)
METRICS = {
    "hole_l1": ("Hole L1", False), "hole_l2": ("Hole L2 (MSE)", False),
    "hole_psnr": ("Hole PSNR (dB)", True), "full_psnr": ("Image PSNR (dB)", True),
    "full_ssim": ("Image SSIM", True),
}


def image_metrics(inpainted: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor) -> dict:
    """Per-image metrics of composites against ground truth, images in [0, 1].

    ``mask`` is one hole for every image, (1, S, S), or one per image, (N, 1, S, S). Hole
    metrics use only each image's hole pixels; image metrics the whole composite (known pixels
    pasted back). PSNR is computed per image and capped at PSNR_CAP; SSIM uses an 11x11
    Gaussian window. Image PSNR and SSIM are torchmetrics' implementations.
    """
    from torchmetrics.functional.image import peak_signal_noise_ratio as psnr
    from torchmetrics.functional.image import structural_similarity_index_measure as ssim

    hole = check_mask(mask, truth.shape[-1]).to(truth.device).expand(len(truth), 1, -1, -1)
    values = 3 * hole.sum(dim=(1, 2, 3))  # hole pixels x channels, per image
    error = inpainted - truth
    hole_l2 = (error.square() * hole).sum(dim=(1, 2, 3)) / values
    return {
        "hole_l1": (error.abs() * hole).sum(dim=(1, 2, 3)) / values,
        "hole_l2": hole_l2,
        "hole_psnr": (-10 * torch.log10(hole_l2)).clamp(max=PSNR_CAP),
        "full_psnr": psnr(inpainted, truth, data_range=1.0, reduction="none", dim=(1, 2, 3)).clamp(max=PSNR_CAP),
        "full_ssim": ssim(inpainted, truth, data_range=1.0, reduction="none"),
    }


@torch.no_grad()
def evaluate(fill, images: torch.Tensor, mask: torch.Tensor, *, d: nn.Module | None = None,
             criterion: str | None = None, device=None, batch_size: int = 256) -> pd.DataFrame:
    """Metrics of ``fill`` on every image of ``images`` (uint8, fixed order): one row per image.

    With a discriminator ``d`` and a ``criterion`` name, also the seed's figures per image:
    D loss = criterion(D(composite), 0) and G loss = criterion(D(composite), 1).
    """
    device = torch.device(device or "cpu")
    mask = check_mask(mask, images.shape[-1]).to(device)
    if mask.dim() == 4 and len(mask) != len(images):
        raise ValueError(f"{len(mask)} masks for {len(images)} images: give one mask, or one per image")
    loss = CRITERIA[criterion](reduction="none") if d is not None else None
    parts = []
    for start in range(0, len(images), batch_size):
        truth = images[start:start + batch_size].to(device).float() / 255
        masks = mask[start:start + batch_size] if mask.dim() == 4 else mask
        inpainted = inpaint(fill, truth, masks)
        metrics = image_metrics(inpainted, truth, masks)
        if d is not None:
            d.eval()
            out = d(inpainted, masks).float().view(-1)
            metrics["d_loss"] = loss(out, torch.zeros_like(out))
            metrics["g_loss"] = loss(out, torch.ones_like(out))
        parts.append(pd.DataFrame({k: v.cpu().numpy() for k, v in metrics.items()}))
    table = pd.concat(parts, ignore_index=True)
    table.index.name = "image"
    return table


def evaluate_run(result: RunResult, test: SplitImages, params: Params) -> pd.DataFrame:
    """``evaluate`` for a trained run, with the seed's D and G losses under its own criterion."""
    mask = center_mask(params.image_size, params.hole_size)
    return evaluate(generator_fill(result.g, result.fill_colour), test.images, mask, d=result.d, criterion=result.run,
                    device=resolve_device(params.device))


def compare_methods(models: dict[str, RunResult], test: SplitImages, params: Params) -> pd.DataFrame:
    """Per-image metrics of every trained model and every baseline on the whole test split."""
    mask = center_mask(params.image_size, params.hole_size)
    parts = [evaluate_run(m, test, params).assign(method=label, kind="GAN") for label, m in models.items()]
    for label, fill in tqdm(BASELINES.items(), desc="baselines", mininterval=2):
        parts.append(evaluate(fill, test.images, mask).assign(method=label, kind="baseline"))
    return pd.concat(parts).reset_index()


def results_table(per_image: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Mean of each metric per method; saved as results.csv and results.md in the reports folder."""
    columns = [c for c in [*METRICS, "d_loss", "g_loss"] if c in per_image]
    table = per_image.groupby("method", sort=False).agg(
        kind=("kind", "first"), images=("image", "count"), **{c: (c, "mean") for c in columns})
    save_table(table, "results", params)
    atomic_write_text(reports_dir(params) / "per_image.csv", per_image.to_csv(index=False))
    return table


def save_table(table: pd.DataFrame, name: str, params: Params) -> None:
    """``table`` as reports/<run>/<name>.csv (to read back) and <name>.md (to read), atomically."""
    out = reports_dir(params)
    atomic_write_text(out / f"{name}.csv", table.to_csv())
    atomic_write_text(out / f"{name}.md", table.to_markdown(floatfmt=".4f") + "\n")


def load_results(params: Params) -> pd.DataFrame:
    """The results table written by notebook 04."""
    path = output_root() / "reports" / params.name / "results.csv"
    if not path.exists():
        raise FileNotFoundError(f"no results table at {path}: run notebooks/04_comparison.ipynb first "
                                "(or `python report.py`)")
    return pd.read_csv(path, index_col="method")


def describe_winners(table: pd.DataFrame) -> str:
    """Markdown: which kind of method wins how many metrics; then per metric the best overall,
    the best GAN and the best baseline, with their values from ``table``."""
    wins = {kind: sum(table.sort_values(c, ascending=not higher)["kind"].iloc[0] == kind
                      for c, (_, higher) in METRICS.items()) for kind in ("GAN", "baseline")}
    lines = [f"Over {int(table['images'].max())} test images, a trained GAN is best on "
             f"{wins['GAN']} of the {len(METRICS)} metrics and a classical baseline on {wins['baseline']}.", ""]
    for column, (title, higher) in METRICS.items():
        ranked = table.sort_values(column, ascending=not higher)
        best = ranked.index[0]
        by_kind = {kind: ranked[ranked["kind"] == kind].index[0] for kind in ("GAN", "baseline")
                   if (ranked["kind"] == kind).any()}
        others = ", ".join(f"best {kind}: {name} {ranked.loc[name, column]:.4g}"
                           for kind, name in by_kind.items() if name != best)
        lines.append(f"- **{title}** ({'higher' if higher else 'lower'} is better): **{best}** "
                     f"({table.loc[best, 'kind']}), {table.loc[best, column]:.4g}; {others}")
    return "\n".join(lines)


SEED_REPORTED = pd.DataFrame(  # the seed's printed figures on the hub data, 9,392 training images
    {"final-epoch D loss": [0.4898, 0.9916, 0.2931, 0.1336],
     "final-epoch G loss": [3.7318, 0.1979, 0.5730, 0.3115],
     "'test' D loss": [0.0366, None, None, None],  # BCE only, on 80 validation images (it said 88)
     "'test' G loss": [3.7808, None, None, None]},
    index=pd.Index(["BCE", "L1", "L2", "Huber"], name="method"))


def seed_comparison(models: dict[str, RunResult], table: pd.DataFrame, params: Params) -> pd.DataFrame | None:
    """The seed's reported losses beside ours (final training epoch; test split), for hub data."""
    if params.data != HUB_ID:
        print(f"The seed's reported losses are on {HUB_ID}; this run's data ({params.data}) differ, "
              "so they are not compared here. The full profile compares them.")
        return None
    ours = pd.DataFrame({
        "final-epoch D loss": {k: m.history["epoch_d"][-1] for k, m in models.items()},
        "final-epoch G loss": {k: m.history["epoch_g"][-1] for k, m in models.items()},
        "'test' D loss": table["d_loss"].reindex(list(models)),
        "'test' G loss": table["g_loss"].reindex(list(models))})
    return pd.concat({"seed report": SEED_REPORTED, "this run": ours}, axis=1)


def perceptual_metrics(models: dict[str, RunResult], test: SplitImages, params: Params) -> pd.DataFrame | None:
    """LPIPS (AlexNet) and FID per method, only where their weights are already on disk.

    Nothing is downloaded: without the weights this prints which metric was skipped and why.
    """
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    alexnet = checkpoints / "alexnet-owt-7be5be79.pth"
    inception = checkpoints / "weights-inception-2015-12-05-6726825d.pth"
    try:
        import torch_fidelity  # noqa: F401  (FID's feature extractor)
        has_fidelity = True
    except ImportError:
        has_fidelity = False
    use_lpips, use_fid = alexnet.exists(), inception.exists() and has_fidelity
    if not use_lpips:
        print(f"LPIPS skipped: its AlexNet weights are not on disk ({alexnet}); nothing is downloaded.")
    if not use_fid:
        why = f"the Inception weights are not on disk ({inception})" if has_fidelity else "torch-fidelity is not installed"
        print(f"FID skipped: {why}; nothing is downloaded.")
    if not (use_lpips or use_fid):
        return None
    device = resolve_device(params.device)
    mask = center_mask(params.image_size, params.hole_size).to(device)
    truth = test.images.to(device).float() / 255
    if use_lpips:
        from torchmetrics.image.lpip import LearnedPerceptualImagePatchSimilarity

        lpips = LearnedPerceptualImagePatchSimilarity(net_type="alex", normalize=True).to(device)
    if use_fid:
        from torchmetrics.image.fid import FrechetInceptionDistance

        fid = FrechetInceptionDistance(normalize=True, reset_real_features=False,
                                       feature_extractor_weights_path=str(inception)).to(device)
        fid.update(truth, real=True)
    rows = {}
    with torch.no_grad():
        for label, fill in ({label: generator_fill(m.g, m.fill_colour) for label, m in models.items()} | BASELINES).items():
            inpainted = inpaint(fill, truth, mask)
            rows[label] = {}
            if use_lpips:
                rows[label]["LPIPS"] = lpips(inpainted, truth).item()
                lpips.reset()
            if use_fid:
                fid.update(inpainted, real=False)
                rows[label]["FID"] = fid.compute().item()
                fid.reset()
    return pd.DataFrame(rows).T
