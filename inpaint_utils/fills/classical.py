"""The classical fills: functions ``(masked images, mask) -> images`` from OpenCV and
scikit-image (image by image) and the harmonic fill (a batch, on any device).

A fill sees only the known pixels (the hole is zero). ``learned.py`` gives the generator's fill,
``composite.py`` puts a fill into the photo. Torch is imported where a batch fill runs, not here:
PatchMatch's removal path (``exemplar.py``) runs without it, in the removal-only install.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def harmonic_fill(masked: torch.Tensor, mask: torch.Tensor, sweeps: int = 50) -> torch.Tensor:
    """The harmonic (Laplace) fill of every hole at once, on any device: each hole pixel becomes
    the mean of its four neighbours, the known pixels fixed. OpenCV's fills work one image at a
    time on the CPU; this one is a batch of convolutions. Solved coarse to fine: the hole is first
    filled at half the resolution (a coarse pixel is known if any of its four is), that solution
    upsampled as the start, then ``sweeps`` Jacobi sweeps at each level."""
    known = 1 - mask.expand(len(masked), 1, -1, -1).to(masked.dtype)
    return _harmonic(masked * known, known, sweeps)


def _harmonic(values, known, sweeps):
    import torch.nn.functional as F

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
        import torch

        from ..data.pixels import to_uint8

        holes = (mask.expand(len(masked), 1, -1, -1)[:, 0].cpu().numpy() > 0).astype(np.uint8)
        images = to_uint8(masked).permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([np.asarray(fill_one(img, hole), dtype=np.float32) for img, hole in zip(images, holes)])
        return torch.from_numpy(out / 255).permute(0, 3, 1, 2).to(masked.device)
    return fill


def one_image(fill):
    """Lower a batch fill function to one uint8 image (H, W, 3) and hole (H, W) -> float RGB 0-255,
    as object removal calls a fill on a crop (the inverse of ``_per_image_fill``)."""
    def fill_one(img, hole):
        import torch

        masked = torch.from_numpy(np.ascontiguousarray(img[..., :3])).permute(2, 0, 1)[None].float() / 255
        mask = torch.from_numpy(np.asarray(hole) > 0).float()[None, None]
        return fill(masked * (1 - mask), mask)[0].permute(1, 2, 0).cpu().numpy() * 255
    return fill_one


def _telea(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_TELEA)


def _navier_stokes(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_NS)


def _biharmonic(img, hole):
    from skimage.restoration import inpaint_biharmonic
    return inpaint_biharmonic(img, hole.astype(bool), channel_axis=-1) * 255


BIHARMONIC_REACH = 8  # pixels: how far into a hole the biharmonic fill weighs (exp(-depth / this))


def _biharmonic_near_edge(img, hole):
    """The biharmonic fill near the hole's edge, the harmonic fill deeper in: the removal's biharmonic.
    A biharmonic fill has no maximum principle: it carries the gradients at a hole's edge inwards,
    so across a hole of a photo's size a bright sliver of sky at the edge grows into a white disc and
    a dark road into a black one (issue 44; the structure benchmark's sheets). The harmonic fill keeps
    every pixel a mean of the edge's colours. Weighted by exp(-depth / BIHARMONIC_REACH), a hole a few
    pixels wide stays biharmonic (its smooth join at the edge), a large one takes no colour from nowhere."""
    import cv2

    hole = np.asarray(hole) > 0
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    weight = np.exp(-depth / BIHARMONIC_REACH)[..., None]
    harmonic = one_image(harmonic_fill)(img, hole)
    return weight * np.asarray(_biharmonic(img, hole), np.float32) + (1 - weight) * harmonic


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
    def image_by_image(cls, label: str, fill_one: Callable) -> Classical:
        return cls(label, _per_image_fill(fill_one), fill_one)


CLASSICAL = {  # id (a PREFILL, a --method of the removal command) -> method; each sees only the known pixels
    "telea": Classical.image_by_image("Telea", _telea),  # OpenCV fast marching, radius 3
    "navier-stokes": Classical.image_by_image("Navier-Stokes", _navier_stokes),  # OpenCV, radius 3
    # scikit-image's in the tables (as published), near the hole's edge only when removing from photos
    "biharmonic": Classical("Biharmonic", _per_image_fill(_biharmonic), _biharmonic_near_edge),
    "harmonic": Classical("Harmonic", harmonic_fill),  # Laplace's equation, all images at once (the release model's prefill)
    "mean-colour": Classical.image_by_image("Mean colour", _mean_fill),  # mean colour of the image's known pixels
}
BASELINES = {method.label: method.fill for method in CLASSICAL.values()}  # label -> batch fill, for the tables
