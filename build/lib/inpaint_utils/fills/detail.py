"""Photo-resolution detail for a coarse fill: contextual residual aggregation (CRA), and its measures.

A fill made at low resolution (the 64-px model scaled back up) or by diffusion (harmonic, Telea)
is smooth: it lacks the fine texture every photo has, so at 100% the hole reads as a blur.
HiFill (Yi et al., CVPR 2020) borrows that texture from the crop's own known pixels. The
residual R = crop - upsample(downsample(crop)) holds the frequencies the low resolution cannot;
each window of the hole receives a mix of the known windows' residuals, weighted by a softmax
attention over how alike the windows look at low resolution, where the coarse fill is
trustworthy:

    fill = upsample(low-resolution fill) + attention @ R(known windows)

one (sparse) matrix product for all the hole's windows. Any coarse fill works: CRA sees only its
pixels. The grid has at most ``GRID`` cells a side whatever the crop's size, so the attention
matrix is at most GRID**4 numbers, and each hole window mixes ``TOP`` residuals, so memory grows
with the hole, not the crop. The parameters below were chosen by ``benchmarks/removal_detail.py
--sweep --split train`` on the corpus's training photos, one at a time: a larger softmax scale adds
detail and costs PSNR, and above 300 the 100% crops show one patch repeated down a column.
"""

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

LOW = 128  # side of the low-resolution image (pixels); 64, the model's own, copied structure across the seam
GRID = 32  # cells a side: at most GRID**2 cells, so the attention matrix stays bounded
CONTEXT = 2  # a cell is matched by the low-resolution window of itself and this many cells around it
SCALE = 300.0  # softmax scale (inverse temperature) on the similarities
SIMILARITY = "cosine"  # of two low-resolution windows, less their means: see ``attention``
TOP = 16  # keys a hole window mixes: its attention row's largest weights, renormalised


def attention(queries: torch.Tensor, keys: torch.Tensor, scale: float = SCALE,
              similarity: str = SIMILARITY) -> torch.Tensor:
    """(Q, D) and (K, D) -> (Q, K): each row a softmax over the keys of ``scale`` x the cosine
    similarity of the patches; a large scale copies the best match, a small one averages, blurring
    the texture. "cosine" takes the patches less their means (their pattern, whatever their
    colour), "raw" as they are: then every patch of a similar colour matches, and the mix blurs."""
    if similarity == "cosine":
        queries, keys = queries - queries.mean(dim=1, keepdim=True), keys - keys.mean(dim=1, keepdim=True)
    return torch.softmax(scale * F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T, dim=1)


def residual_aggregation(image: np.ndarray, filled: np.ndarray, hole: np.ndarray, *, low: int = LOW,
                         grid: int = GRID, context: int = CONTEXT, scale: float = SCALE, similarity: str = SIMILARITY,
                         top: int = TOP) -> np.ndarray:
    """``filled`` (H, W, 3, 0-255, any coarse fill of the crop ``image``) with the hole given the
    high frequencies of its context; float32 (H, W, 3), ``image`` outside ``hole`` exactly.

    Cells are ``ceil(max(H, W) / grid)`` pixels. The composite (the fill in the hole, ``image``
    elsewhere), padded by a cell (replicated), is shrunk to ``low // grid`` pixels a cell (area
    filter) and scaled back (bicubic); the difference is the residual. It is cut into windows of
    two cells every cell, weighted by a Hann window, which sums to 1 where windows overlap: copied
    patches fade into one another instead of meeting at block edges. A window with no hole pixel
    is a key; each window holding one is a query, given the ``top`` keys of its attention row
    (renormalised), so time and memory grow with the hole, not with the context. A crop no
    larger than ``low`` has no frequency the low resolution misses, and a hole without a key has
    nothing to borrow from: both give the composite unchanged.
    """
    height, width = hole.shape
    composite = np.where(hole[..., None], filled, image).astype(np.float32)
    per_cell = max(low // grid, 1)  # low-resolution pixels a cell
    cell = math.ceil(max(height, width) / grid)
    if max(height, width) <= low or not hole.any():
        return composite
    rows, cols = math.ceil(height / cell) + 2, math.ceil(width / cell) + 2  # a cell of margin each side
    pad = (cell, rows * cell - height - cell, cell, cols * cell - width - cell)
    padded = cv2.copyMakeBorder(composite, *pad, cv2.BORDER_REPLICATE)
    holes = cv2.copyMakeBorder(hole.astype(np.uint8), *pad, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded, (cols * per_cell, rows * per_cell), interpolation=cv2.INTER_AREA)
    base = cv2.resize(small, (cols * cell, rows * cell), interpolation=cv2.INTER_CUBIC)
    in_cell = holes.reshape(rows, cell, cols, cell).any(axis=(1, 3))
    query = (in_cell[:-1, :-1] | in_cell[1:, :-1] | in_cell[:-1, 1:] | in_cell[1:, 1:]).ravel()  # 2x2 cells a window
    if query.all():
        return composite
    looks = F.unfold(F.pad(torch.from_numpy(small).permute(2, 0, 1)[None], (per_cell * context,) * 4, mode="replicate"),
                     2 * per_cell * (1 + context), stride=per_cell)[0].T  # (windows, features), grid order
    weights = attention(looks[query], looks[~query], scale, similarity)
    best = weights.topk(min(top, weights.shape[1]), dim=1)
    share = (best.values / best.values.sum(dim=1, keepdim=True)).numpy()
    source = np.flatnonzero(~query)[best.indices.numpy()]  # (queries, top): window numbers
    size = 2 * cell
    windows = np.lib.stride_tricks.sliding_window_view(padded - base, (size, size), axis=(0, 1))[::cell, ::cell]
    mixed = np.zeros((len(source), 3, size, size), np.float32)
    for j in range(source.shape[1]):  # one key a turn: memory for two windows a query, whatever ``top``
        mixed += share[:, j, None, None, None] * windows[source[:, j] // (cols - 1), source[:, j] % (cols - 1)]
    hann = np.sin(np.pi * (np.arange(size) + 0.5) / size) ** 2  # hann[i] + hann[i + cell] = 1
    mixed *= (hann[:, None] * hann).astype(np.float32)
    detail = np.zeros_like(padded)
    for n, patch in zip(np.flatnonzero(query), mixed):
        y, x = n // (cols - 1) * cell, n % (cols - 1) * cell
        detail[y:y + size, x:x + size] += patch.transpose(1, 2, 0)
    out = composite
    out[hole] = np.clip(base + detail, 0, 255)[cell:cell + height, cell:cell + width][hole]
    return out


def _box(hole: np.ndarray, pad: int) -> tuple[slice, slice]:
    """The hole's bounding box grown by ``pad``, clipped: the measures look only there."""
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    return (slice(max(rows[0] - pad, 0), rows[-1] + 1 + pad), slice(max(cols[0] - pad, 0), cols[-1] + 1 + pad))


def _grow(hole: np.ndarray, pixels: int) -> np.ndarray:
    """``hole`` dilated (``pixels`` > 0) or eroded (< 0) by a square of 2 |pixels| + 1."""
    kernel = np.ones((2 * abs(pixels) + 1,) * 2, np.uint8)
    return (cv2.dilate if pixels > 0 else cv2.erode)(hole.astype(np.uint8), kernel).astype(bool)


def detail_sums(image: np.ndarray, hole: np.ndarray, ring: int | None = None) -> tuple[float, float]:
    """(mean |Laplacian| inside ``hole``, the same in a ring around it) of ``image``: their ratio,
    summed over holes, is the detail ratio, 1.0 when a fill is as finely textured as its
    surroundings. A 3-pixel margin either side of the edge is left out (the seam is measured on
    its own); the ring is ``ring`` pixels wide, a quarter of the hole's equivalent side by default."""
    ring = ring or max(8, round(0.25 * math.sqrt(hole.sum())))
    box = _box(hole, ring + 4)
    hole = hole[box]
    laplacian = np.abs(cv2.Laplacian(np.asarray(image[box], np.float32), cv2.CV_32F, ksize=1))
    laplacian = laplacian.mean(axis=-1) if laplacian.ndim == 3 else laplacian
    inside, around = _grow(hole, -3), _grow(hole, ring + 3) & ~_grow(hole, 3)
    return float(laplacian[inside].mean()) if inside.any() else 0.0, float(laplacian[around].mean())


def seam_sums(image: np.ndarray, photo: np.ndarray, hole: np.ndarray, sigma: float = 2.0) -> tuple[float, float]:
    """(mean gradient magnitude along the hole's edge in ``image``, the same in ``photo``): their
    ratio, summed over holes, is the seam measure, 1.0 when the edge is no more visible than the
    photo's own there, above 1 for a step. The band is 2 pixels either side of the edge, after a
    Gaussian blur of ``sigma`` pixels, so that fine texture (what the detail ratio measures) does
    not count, only steps in colour and brightness."""
    box = _box(hole, 4 * math.ceil(sigma) + 3)
    band = _grow(hole[box], 2) & ~_grow(hole[box], -2)

    def edge(a):
        blurred = cv2.GaussianBlur(np.asarray(a[box], np.float32), (0, 0), sigma)
        dx, dy = (cv2.Sobel(blurred, cv2.CV_32F, *d, ksize=1) / 2 for d in ((1, 0), (0, 1)))
        magnitude = np.sqrt(dx ** 2 + dy ** 2)
        return float((magnitude.mean(axis=-1) if magnitude.ndim == 3 else magnitude)[band].mean())

    return edge(image), edge(photo)
