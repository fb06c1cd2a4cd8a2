"""PatchMatch's texture on a coarse layout: the exemplar fill's fine detail, a layout's colours.

On large holes PatchMatch copies texture that looks like the photo but often puts it in the wrong
place at the scale of the hole (sky painted down to a road; issue 44), while a smooth fill (harmonic,
the release model) gets that coarse layout nearer the truth (+0.4 to +0.6 dB at 1/8 scale on the
structure benchmark) and looks like a blur. ``on_layout`` keeps the exemplar fill and shifts its
colours at 1/8 scale towards the layout's, so the texture stays the photo's own and only its low
frequencies move: the correction is the difference of the two at 1/8 scale, smoothed, added inside
the hole, fading in over RAMP pixels from the hole's edge so no seam appears.

Layouts: ``harmonic_layout`` (a Laplace fill of the crop at 1/8 scale, no learning) or any fill of
the crop shrunk to 1/8 (the release model's: the learned coarse layout; no better, by the probe).
Measured (structure Round 4, docs/structure.md): +0.96 dB of layout on the held-out large holes at
strength 0.25, but called filled more often by the crop test (a ghost muted to a smudge, haze across
a horizon), so it is a benchmark row, not the default. ``layout_guided_fill`` lets the layout steer
PatchMatch's search instead (no haze): level with PatchMatch on Round 5's fresh held-out holes
(+0.34 dB of layout, interval across 0; 1.22x PatchMatch's time), a benchmark row too.
"""

import cv2
import numpy as np

LAYOUT_SCALE = 1 / 8  # the scale of a layout: the structure benchmark measures layout PSNR at it too
RAMP = 8  # pixels over which the correction fades in from the hole's edge


def shrink(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` scaled by ``scale`` with area averaging, float32 (no rounding at small scales)."""
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(np.asarray(image, np.float32), size, interpolation=cv2.INTER_AREA)


def layout_cells(hole: np.ndarray, scale: float = LAYOUT_SCALE) -> np.ndarray:
    """bool: the 1/8-scale cells that hold any hole pixel (the cells whose colour a layout gives)."""
    return shrink(hole.astype(np.float32), scale) > 0


def harmonic_layout(image: np.ndarray, hole: np.ndarray, scale: float = LAYOUT_SCALE) -> np.ndarray:
    """float (h, w, 3) at ``scale``: the known pixels' mean per cell, the cells with any hole pixel
    filled by the harmonic (Laplace) fill."""
    import torch

    from .classical import harmonic_fill

    known = (~hole.astype(bool)).astype(np.float32)
    weight = shrink(known, scale)
    mean = shrink(np.asarray(image, np.float32) * known[..., None], scale) / np.maximum(weight, 1e-6)[..., None]
    cells = torch.from_numpy(layout_cells(hole, scale).astype(np.float32))[None, None]
    out = harmonic_fill(torch.from_numpy(np.ascontiguousarray(mean.transpose(2, 0, 1)))[None], cells)
    return out[0].numpy().transpose(1, 2, 0)


def on_layout(fill: np.ndarray, hole: np.ndarray, layout: np.ndarray, strength: float = 1.0,
              scale: float = LAYOUT_SCALE) -> np.ndarray:
    """``fill`` (HxWx3, the crop with its hole filled) with its 1/8-scale colours in the hole moved
    ``strength`` of the way to ``layout``'s; float HxWx3 0-255. Outside the hole, unchanged."""
    hole = hole.astype(bool)
    height, width = hole.shape
    cells = layout_cells(hole, scale)
    difference = np.where(cells[..., None], layout - shrink(fill, scale), 0).astype(np.float32)
    correction = cv2.resize(difference, (width, height), interpolation=cv2.INTER_LINEAR)
    correction = cv2.GaussianBlur(correction, (0, 0), 0.5 / scale)
    ramp = np.clip(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3) / RAMP, 0, 1)
    return np.clip(np.asarray(fill, np.float32) + strength * correction * ramp[..., None], 0, 255)


def patchmatch_on_layout(image: np.ndarray, hole: np.ndarray, strength: float = 0.5) -> np.ndarray:
    """The removal's per-image fill: PatchMatch with 7x7 patches (the default's for large holes),
    its 1/8-scale colours moved ``strength`` of the way to the harmonic layout. float HxWx3 0-255."""
    from .exemplar import SMALL_PATCH
    from .guided import patchmatch

    hole = hole.astype(bool)
    return on_layout(patchmatch(image, hole, patch=SMALL_PATCH), hole, harmonic_layout(image, hole), strength)


def layout_map(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """PyPatchMatch's regularity map (HxWx3 float32) for a search steered by the layout: each pixel's
    coarse colour (the harmonic layout at 1/8 scale, upsampled: the known pixels' own, the hole's the
    layout's) as its first two principal components across the crop, each scaled to 0-0.5 so that
    the library's wrapped difference is a plain one."""
    height, width = hole.shape
    coarse = cv2.resize(harmonic_layout(image, hole), (width, height), interpolation=cv2.INTER_LINEAR)
    colours = coarse.reshape(-1, 3) - coarse.reshape(-1, 3).mean(axis=0)
    _, _, axes = np.linalg.svd(colours[:: max(1, len(colours) // 20000)], full_matrices=False)
    parts = colours @ axes[:2].T
    span = np.maximum(parts.max(axis=0) - parts.min(axis=0), 1e-6)
    ij = 0.5 * (parts - parts.min(axis=0)) / span
    return np.dstack([ij.reshape(height, width, 2), np.zeros((height, width), np.float32)]).astype(np.float32)


def layout_guided_fill(image: np.ndarray, hole: np.ndarray, weight: float = 0.001) -> np.ndarray:
    """PatchMatch with 7x7 patches whose search weighs, beside each patch's distance, how far the
    copied patch's coarse colour is from the layout's where it lands (``layout_map``, ``weight`` of
    it; from 0.005 the guide outweighs the texture and the hole fills with a smear): the copy is chosen
    for its place, not recoloured after. float HxWx3 0-255."""
    from .exemplar import SMALL_PATCH
    from .guided import steered_patchmatch

    hole = hole.astype(bool)
    return steered_patchmatch(image, hole, layout_map(image, hole), weight, SMALL_PATCH)

