"""Metrics with one interface: ``update(inpainted, truth, mask)`` for each batch, ``compute()``, ``reset()``.

Images are composites and ground truths on the [0, 1] scale, (N, 3, S, S); ``mask`` is one hole for
every image, (1, S, S), or one per image, (N, 1, S, S) (1 = hole). ``compute()`` returns
{column: value} over every image seen since the last ``reset()``. A new metric is a subclass with
these three methods and its ``columns``. Here: pixel fidelity (hole L1/L2/PSNR, image PSNR/SSIM),
and the perceptual metrics that need downloaded weights, LPIPS and FID. The realism measures that
need none, sharpness and the classifier two-sample test, are in ``realism``.
"""

import math
import socket
from pathlib import Path

import numpy as np
import torch

from ..core.paths import display_path
from ..core.show import note
from ..data.masks import check_mask
from ..networks.losses import PSNR_CAP

# column -> (title, higher is better)
METRICS = {
    "hole_l1": ("Hole L1", False), "hole_l2": ("Hole L2 (MSE)", False),
    "hole_psnr": ("Hole PSNR (dB)", True), "full_psnr": ("Image PSNR (dB)", True),
    "full_ssim": ("Image SSIM", True),
}
PERCEPTUAL_MODES = ("auto", "off", "required")


class Metric:
    """The interface: accumulate batches with ``update``, read with ``compute``, start over with ``reset``."""

    columns: dict = {}  # column -> title

    def update(self, inpainted: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor) -> None:
        raise NotImplementedError

    def compute(self) -> dict:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError


def image_metrics(inpainted: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor) -> dict:
    """Per-image metrics of composites against ground truth, images in [0, 1].

    ``mask`` is one hole for every image, (1, S, S), or one per image, (N, 1, S, S). Hole
    metrics use only each image's hole pixels; image metrics the whole composite (known pixels
    pasted back). PSNR is computed per image and capped at PSNR_CAP; SSIM uses an 11x11
    Gaussian window. Image PSNR and SSIM are torchmetrics' implementations.
    """
    from torchmetrics.functional.image import peak_signal_noise_ratio as psnr
    from torchmetrics.functional.image import (
        structural_similarity_index_measure as ssim,
    )

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


def hole_psnr(result: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """PSNR in dB of ``result`` against ``truth`` (uint8 photos) over the pixels of ``hole``, capped
    at PSNR_CAP as ``image_metrics`` caps it: the measure of a removal at photo resolution."""
    error = result[hole].astype(np.float64) - truth[hole]
    mse = float(np.mean(error ** 2))
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * math.log10(255 ** 2 / mse))


class PixelMetrics(Metric):
    """``image_metrics`` image by image: ``per_image()`` gives every image's values in order,
    ``compute()`` their means (so PSNR is averaged per image, not computed from the mean MSE)."""

    columns = {column: title for column, (title, _) in METRICS.items()}

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.batches = []

    def update(self, inpainted, truth, mask) -> None:
        self.batches.append({k: v.detach().cpu() for k, v in image_metrics(inpainted, truth, mask).items()})

    def per_image(self) -> dict:
        return {column: torch.cat([b[column] for b in self.batches]) for column in METRICS}

    def compute(self) -> dict:
        return {column: values.mean().item() for column, values in self.per_image().items()}


# LPIPS and FID: pretrained networks whose weights torchvision / torch-fidelity download at first use
# into torch hub's checkpoints folder (~/.cache/torch/hub/checkpoints, or $TORCH_HOME/hub/checkpoints).
WEIGHTS = {  # metric -> (what, file name, where it is downloaded from, its SHA-256 prefix or None)
    "LPIPS": ("AlexNet", "alexnet-owt-7be5be79.pth", "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
              "7be5be79"),
    "FID": ("Inception", "weights-inception-2015-12-05-6726825d.pth",
            "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",
            None),
}
DOWNLOAD_TIMEOUT_S = 30
FID_FEATURES = 2048  # Inception's pool3 features, the standard FID; 64 gives a cheap check of the code path


def _download(url: str, path: Path, hash_prefix: str | None) -> None:
    """``url`` to ``path`` (through a temporary file), giving up after DOWNLOAD_TIMEOUT_S of silence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        torch.hub.download_url_to_file(url, str(path), hash_prefix, progress=False)
    finally:
        socket.setdefaulttimeout(before)


def perceptual_weights(metric: str, mode: str = "auto") -> Path | None:
    """The weight file of ``metric`` ("LPIPS" or "FID") under PERCEPTUAL=``mode``, or None to skip it.

    ``auto`` uses the file if it is on disk, else downloads it (as on Colab), else prints one
    line saying why the metric is skipped and how to enable it; ``required`` raises instead;
    ``off`` skips it silently.
    """
    if mode not in PERCEPTUAL_MODES:
        raise ValueError(f"PERCEPTUAL must be one of {', '.join(map(repr, PERCEPTUAL_MODES))}, got {mode!r}")
    if mode == "off":
        return None
    what, name, url, hash_prefix = WEIGHTS[metric]
    path = Path(torch.hub.get_dir()) / "checkpoints" / name
    why = None
    if metric == "FID":
        try:
            import torch_fidelity  # noqa: F401  (FID's Inception network)
        except ImportError:
            why = "torch-fidelity is not installed (pip install torch-fidelity)"
    if why is None and not path.exists():
        try:
            _download(url, path, hash_prefix)
        except Exception:  # offline: URLError, timeout, refused, ... (one plain sentence, not the trace)
            why = f"its {what} weights are not on disk and could not be downloaded (no network)"
    if why is None:
        return path
    if mode == "required":
        raise RuntimeError(f"{metric} cannot run with PERCEPTUAL='required': {why}. Copy {url} to {path}, "
                           "or run where the network answers")
    note(f"{metric} skipped: {why}. To enable it, run online (as on Colab) or copy {url} to "
         f"`{display_path(path)}`; PERCEPTUAL='required' makes this an error, 'off' silences it.")
    return None


class LPIPS(Metric):
    """LPIPS (Zhang et al., CVPR 2018) with AlexNet features, composite against truth, averaged over
    images: torchmetrics' implementation, whose LPIPS heads ship with torchmetrics and whose AlexNet
    comes from torchvision's weight file (WEIGHTS["LPIPS"], looked up in torch hub's folder).
    Lower is closer to the truth; unlike the pixel metrics it penalises blur."""

    columns = {"lpips": "LPIPS"}

    def __init__(self, device="cpu"):
        from torchmetrics.image.lpip import LearnedPerceptualImagePatchSimilarity

        self.metric = LearnedPerceptualImagePatchSimilarity(net_type="alex", normalize=True).to(device)

    def update(self, inpainted, truth, mask) -> None:
        device = self.metric.device
        self.metric.update(inpainted.to(device).clamp(0, 1), truth.to(device).clamp(0, 1))

    def compute(self) -> dict:
        return {"lpips": self.metric.compute().item()}

    def reset(self) -> None:
        self.metric.reset()


class FID(Metric):
    """Fréchet Inception distance (Heusel et al., 2017) between the true images and the composites
    given to ``update``: torchmetrics' implementation with torch-fidelity's Inception-v3 from
    ``weights_path``, on its FID_FEATURES pool3 features.

    Which images: every image of the set measured, the truths as the real set and one method's
    composites as the generated set, so every method is compared with the same real images; on
    the test split that is 1,175 images on the ``full`` profile and 30 on ``sample``. FID is
    biased upwards and noisy on fewer than a few thousand images (its 2048x2048 covariances have
    rank below N; Chong & Forsyth, CVPR 2020), so FIDs compare only between rows measured on the
    same images, and on the sample profile they check the code path, not the models.
    """

    columns = {"fid": "FID"}

    def __init__(self, weights_path: Path, device="cpu"):
        from torchmetrics.image.fid import FrechetInceptionDistance

        self.metric = FrechetInceptionDistance(feature=FID_FEATURES, normalize=True,
                                               feature_extractor_weights_path=str(weights_path)).to(device)

    def update(self, inpainted, truth, mask) -> None:
        device = self.metric.device
        self.metric.update(truth.to(device).clamp(0, 1), real=True)
        self.metric.update(inpainted.to(device).clamp(0, 1), real=False)

    def compute(self) -> dict:
        return {"fid": self.metric.compute().item()}

    def reset(self) -> None:
        self.metric.reset()


def perceptual_metric_set(mode: str = "auto", device="cpu") -> list[Metric]:
    """LPIPS and FID, each where PERCEPTUAL=``mode`` finds (or fetches) its weights."""
    found = {metric: perceptual_weights(metric, mode) for metric in WEIGHTS}
    return ([LPIPS(device)] if found["LPIPS"] else []) + ([FID(found["FID"], device)] if found["FID"] else [])
