"""Fills: functions ``(masked images, mask) -> images`` that fill holes, and the composite.

A fill sees only the known pixels (the hole is zero). The generator gives one; the classical
methods (OpenCV and scikit-image, image by image, and the harmonic fill) give the others.
PatchMatch (``EXEMPLAR``) fills photos for the removal command only, not the 64x64 tables.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import to_uint8
from .models import Generator
from .params import RESIDUAL_PREFILLS


def inpaint(fill, truth: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The composite the seed trained on: ``fill``'s output in the hole, ``truth`` elsewhere.

    ``fill(masked images, mask) -> images`` sees only the known pixels (the hole is zero).
    ``mask`` is (1, S, S) for every image or (N, 1, S, S), one per image.
    """
    masked = (1 - mask) * truth
    return fill(masked, mask).to(truth.device).clamp(0, 1) * mask + masked


def generator_fill(g: Generator, fill_colour: torch.Tensor | None = None, prefill: str = "zero"):
    """A fill function (masked images, mask) -> images from ``g`` in eval mode (its batch norms'
    running statistics), whatever mode ``g`` is in: each call leaves its mode as it found it.

    ``fill_colour`` and ``prefill`` are the run's (see ``generator_output``).
    """
    def fill(masked, mask):
        device = next(g.parameters()).device
        with eval_mode(g):
            return generator_output(g, masked.to(device), mask.to(device), prefill=prefill,
                                    fill_colour=fill_colour).float()
    return fill


@contextmanager
def eval_mode(model: nn.Module):
    """``model`` in eval mode for the block, then back in the mode it was in."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def generator_output(g: Generator, masked: torch.Tensor, mask: torch.Tensor, *, prefill: str = "zero",
                     fill_colour: torch.Tensor | None = None) -> torch.Tensor:
    """G's images for ``masked`` images (hole = 0), as training and every fill run it.

    The seed's G sees the masked image and the mask. With ``fill_colour`` (PREFILL="mean") the hole
    holds that colour. With a classical ``prefill`` (RESIDUAL_PREFILLS) G sees the prefilled image
    and its output is a correction: prefill + 2 (G - 1/2), which a zero-initialised last layer
    makes exactly the prefill. The prefill runs in fp32 even under autocast.
    """
    mask = mask.expand(len(masked), 1, -1, -1)
    if prefill in RESIDUAL_PREFILLS:
        with torch.no_grad(), torch.autocast(masked.device.type, enabled=False):
            base = masked + mask * CLASSICAL[prefill].fill(masked.float(), mask.float()).to(masked.device)
        return base + 2 * (g(torch.cat((base, mask), dim=1)).float() - 0.5)
    if fill_colour is not None:
        masked = masked + mask * fill_colour.to(masked.device).view(1, 3, 1, 1)
    return g(torch.cat((masked, mask), dim=1))


def harmonic_fill(masked: torch.Tensor, mask: torch.Tensor, sweeps: int = 50) -> torch.Tensor:
    """The harmonic (Laplace) fill of every hole at once, on any device: each hole pixel becomes
    the mean of its four neighbours, the known pixels fixed. OpenCV's fills work one image at a
    time on the CPU; this one is a batch of convolutions. Solved coarse to fine: the hole is first
    filled at half the resolution (a coarse pixel is known if any of its four is), that solution
    upsampled as the start, then ``sweeps`` Jacobi sweeps at each level."""
    known = 1 - mask.expand(len(masked), 1, -1, -1).to(masked.dtype)
    return _harmonic(masked * known, known, sweeps)


def _harmonic(values, known, sweeps):
    h, w = values.shape[-2:]
    if min(h, w) > 2:
        size = ((h + 1) // 2, (w + 1) // 2)
        weight = F.adaptive_avg_pool2d(known, size)
        coarse_known = (weight > 0).to(values.dtype)
        coarse = F.adaptive_avg_pool2d(values, size) / weight.clamp(min=1e-6) * coarse_known
        start = F.interpolate(_harmonic(coarse, coarse_known, sweeps), size=(h, w), mode="bilinear",
                              align_corners=False)
    else:
        start = values.sum(dim=(2, 3), keepdim=True) / known.sum(dim=(2, 3), keepdim=True).clamp(min=1)
    hole = 1 - known
    x = values + hole * start
    kernel = values.new_tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0]]).div(4).expand(values.shape[1], 1, 3, 3)
    for _ in range(sweeps):
        x = values + hole * F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=values.shape[1])
    return x


def _per_image_fill(fill_one):
    """Lift ``fill_one(uint8 HxWx3, uint8 hole mask HxW) -> HxWx3`` to a batch fill function."""
    def fill(masked, mask):
        holes = (mask.expand(len(masked), 1, -1, -1)[:, 0].cpu().numpy() > 0).astype(np.uint8)
        images = to_uint8(masked).permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([np.asarray(fill_one(img, hole), dtype=np.float32) for img, hole in zip(images, holes)])
        return torch.from_numpy(out / 255).permute(0, 3, 1, 2).to(masked.device)
    return fill


def _telea(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_TELEA)


def _navier_stokes(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_NS)


def _biharmonic(img, hole):
    from skimage.restoration import inpaint_biharmonic
    return inpaint_biharmonic(img, hole.astype(bool), channel_axis=-1) * 255


def _mean_fill(img, hole):
    out = img.astype(np.float32)
    out[hole > 0] = out[hole == 0].mean(axis=0)
    return out


@dataclass(frozen=True)
class Classical:
    """A classical method: its label in tables and figures, its batch fill, and for the methods that
    work image by image in NumPy, ``per_image(uint8 HxWx3 with the hole zeroed, uint8 hole HxW) ->
    HxWx3`` (0-255), which object removal calls on its crops directly."""

    label: str
    fill: Callable
    per_image: Callable | None = None

    @classmethod
    def image_by_image(cls, label: str, fill_one: Callable) -> "Classical":
        return cls(label, _per_image_fill(fill_one), fill_one)


CLASSICAL = {  # id (a PREFILL, a --method of the removal command) -> method; each sees only the known pixels
    "telea": Classical.image_by_image("Telea", _telea),  # OpenCV fast marching, radius 3
    "navier-stokes": Classical.image_by_image("Navier-Stokes", _navier_stokes),  # OpenCV, radius 3
    "biharmonic": Classical.image_by_image("Biharmonic", _biharmonic),  # scikit-image
    "harmonic": Classical("Harmonic", harmonic_fill),  # Laplace's equation, all images at once (the release model's prefill)
    "mean-colour": Classical.image_by_image("Mean colour", _mean_fill),  # mean colour of the image's known pixels
}
BASELINES = {method.label: method.fill for method in CLASSICAL.values()}  # label -> batch fill, for the tables

PATCHMATCH_PACKAGE = "pypatchmatch==2.2.0"  # requirements.lock's pin
PATCHMATCH_PATCH = 5  # the radius of its patches: 11x11 pixels
PATCHMATCH_SEED = 1212  # the package's own default seed, set at every call


def patchmatch_inpaint():
    """PyPatchMatch's ``patch_match`` module, imported on first use. Where the package or its native
    library cannot load, an ImportError of one line that names the package, why, and how to install
    it. Only a missing package fails the import: a library that does not load is logged by the
    package (kept off stderr here, so that the error is said once) and leaves ``patchmatch_available``
    False; loading it again gives the reason."""
    logger, quiet = logging.getLogger("patchmatch"), logging.NullHandler()
    logger.addHandler(quiet)
    propagate, logger.propagate = logger.propagate, False
    try:
        from patchmatch import patch_match
        if patch_match.patchmatch_available:
            return patch_match
        reason = "its native library did not load"
        patch_match.load_library()  # raises what the package's import caught
    except (ImportError, OSError, AttributeError) as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0].split(". ")[0][:200]
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    raise ImportError(f"PatchMatch needs the package PyPatchMatch ({reason}); install it with "
                      f"`python -m pip install --force-reinstall --no-deps {PATCHMATCH_PACKAGE}` (wheels for Linux, "
                      "macOS and Windows carry the library; elsewhere pip builds it, with a C++ compiler, CMake and OpenCV)")


def _patchmatch(img, hole):
    """PatchMatch (Barnes et al., SIGGRAPH 2009; PyPatchMatch): the randomized search finds, for
    every 11x11 patch over the hole, the most alike patch of the known pixels; each hole pixel
    becomes the similarity-weighted vote of the patches that cover it, coarse to fine (Wexler et
    al.'s expectation-maximization). So the fill is made of the photo's own texture at full
    resolution, not a diffusion. ``hole``: non-zero marks it; the pixels under it are never read.
    The search restarts from a fixed seed at every call: equal inputs give equal fills, in every
    process (and with one thread or two: its OpenCV starts a worker thread)."""
    patch_match = patchmatch_inpaint()
    patch_match.set_random_seed(PATCHMATCH_SEED)  # process-wide in the package: set, not assumed
    return patch_match.inpaint(img, hole, patch_size=PATCHMATCH_PATCH)


EXEMPLAR = {  # id (a --method of the removal command) -> method; at a photo's resolution only, not in the tables
    "patchmatch": Classical.image_by_image("PatchMatch", _patchmatch),
}
