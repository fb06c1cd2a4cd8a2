"""Patch statistics: how far a fill's small patches are from the photo's own, a realism measure that
needs no trained network and no downloaded weights.

A person judging a fill at 100% compares it with the photo around it: a blur has no grain, a
grid of copied blocks repeats, a ghost of another object brings edges the surroundings lack.
Each of these changes the distribution of small patches. ProGAN's sliced Wasserstein distance
(Karras et al., ICLR 2018) compares such distributions: 7x7 patches of each level of a Laplacian
pyramid, projected on random directions, the sorted projections compared. Here one set is the
patches centred in the hole of the result, the other the patches of the same photo around the hole
(a crop with the hole's own size of context on each side, as removal crops it); both are scaled by
the surroundings' statistics, so a fill with too little contrast is far too. The photo itself,
measured the same way (its own pixels in the hole), is the real-against-real baseline: a realistic
fill is no farther than the photo is from its own surroundings.
"""

import numpy as np

LEVELS = 3  # Laplacian levels: the finest band (grain, edges), then twice and four times coarser
PATCH = 7  # patch side, as ProGAN
DIRECTIONS = 128  # random projections per level
MAX_PATCHES = 2048  # patches drawn per set and level (fewer where the hole is smaller)
QUANTILES = 64  # where the two sets' sorted projections are compared


def laplacian_pyramid(image: np.ndarray, levels: int = LEVELS) -> list[np.ndarray]:
    """float32 HxWx3 bands, finest first; the last is the low-pass residual."""
    import cv2

    bands, current = [], image.astype(np.float32) / 255
    for _ in range(levels - 1):
        smaller = cv2.pyrDown(current)
        bands.append(current - cv2.pyrUp(smaller, dstsize=current.shape[1::-1]))
        current = smaller
    return [*bands, current]


def patch_set(band: np.ndarray, where: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, PATCH*PATCH*3) patches of ``band`` whose centres lie in ``where`` (bool, the band's size),
    at most MAX_PATCHES of them, drawn without replacement."""
    half = PATCH // 2
    inside = np.zeros_like(where)
    inside[half:-half, half:-half] = where[half:-half, half:-half]
    ys, xs = np.nonzero(inside)
    if len(ys) > MAX_PATCHES:
        keep = rng.choice(len(ys), MAX_PATCHES, replace=False)
        ys, xs = ys[keep], xs[keep]
    if len(ys) == 0:
        return np.empty((0, PATCH * PATCH * band.shape[2]), band.dtype)
    offsets = np.arange(-half, half + 1)
    rows = (ys[:, None] + offsets)[:, :, None]
    cols = (xs[:, None] + offsets)[:, None, :]
    return band[rows, cols].reshape(len(ys), -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, directions: int = DIRECTIONS) -> float:
    """The mean over random unit directions of the 1-D Wasserstein distance between the projections
    of ``a`` and ``b`` (rows are samples), compared at QUANTILES evenly spaced quantiles."""
    projections = rng.standard_normal((a.shape[1], directions))
    projections /= np.linalg.norm(projections, axis=0, keepdims=True)
    levels = (np.arange(QUANTILES) + 0.5) / QUANTILES
    qa, qb = (np.quantile(x @ projections, levels, axis=0) for x in (a, b))
    return float(np.abs(qa - qb).mean())


def patch_distance(result: np.ndarray, hole: np.ndarray, context: np.ndarray, seed: int = 0) -> float:
    """The sliced Wasserstein distance between the patches centred in ``hole`` of ``result`` (uint8
    HxWx3) and those centred in ``context`` (the photo around it), averaged over the pyramid's
    levels, each set scaled by the context's per-channel mean and deviation. 0 for the same
    distribution; a blur, a repeated block or a pasted ghost raise it."""
    import cv2

    rng = np.random.default_rng(seed)
    distances = []
    for band in laplacian_pyramid(result):
        size = band.shape[1::-1]
        at = [cv2.resize(m.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5 for m in (hole, context)]
        ours, theirs = patch_set(band, at[0], rng), patch_set(band, at[1], rng)
        if len(ours) < 16 or len(theirs) < 16:
            continue  # a hole too small for this level
        channels = theirs.reshape(len(theirs), -1, 3)
        mean, deviation = channels.mean(axis=(0, 1)), channels.std(axis=(0, 1)) + 1e-6
        scale = lambda x: ((x.reshape(len(x), -1, 3) - mean) / deviation).reshape(len(x), -1)  # noqa: E731
        distances.append(sliced_wasserstein(scale(ours), scale(theirs), rng))
    if not distances:
        raise ValueError("the hole is too small for 7x7 patches at every level of the pyramid")
    return float(np.mean(distances))


def surroundings(hole: np.ndarray, margin: float = 1.0, gap: int = 4) -> np.ndarray:
    """The photo around ``hole``: its bounding box widened by ``margin`` times its size on each side
    (clipped to the photo), less the hole dilated by ``gap`` pixels, whose edge the fill shares."""
    import cv2

    ys, xs = np.nonzero(hole)
    height, width = hole.shape
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    dy, dx = int((y1 - y0) * margin), int((x1 - x0) * margin)
    around = np.zeros_like(hole, dtype=bool)
    around[max(0, y0 - dy):min(height, y1 + dy), max(0, x0 - dx):min(width, x1 + dx)] = True
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap + 1, 2 * gap + 1))
    return around & ~cv2.dilate(hole.astype(np.uint8), kernel).astype(bool)


REPEAT_PATCHES = 400  # patches compared with each other, in the hole and in its surroundings


def nearest_other(patches: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each patch's distance (RMS per pixel) to the most alike other patch that does not overlap it."""
    squared = (patches ** 2).sum(axis=1)
    distances = squared[:, None] + squared[None, :] - 2 * patches @ patches.T
    overlap = (np.abs(centres[:, None, :] - centres[None, :, :]) < PATCH).all(axis=2)
    distances[overlap] = np.inf
    return np.sqrt(np.maximum(distances.min(axis=1), 0) / patches.shape[1])


def repetition(result: np.ndarray, hole: np.ndarray, context: np.ndarray, seed: int = 0) -> float:
    """How much more alike a fill's patches are to each other than the photo's are: the median
    distance of a patch of the surroundings to its most alike other patch there, over the same median
    in the hole of ``result`` (finest Laplacian band). About 1 for the photo itself; a grid of one
    repeated block, or any copy of a region into itself, gives near-twins and so a large value. The
    patch distance above cannot see this: a repeated real block has the photo's own patches."""
    rng = np.random.default_rng(seed)
    band = laplacian_pyramid(result, 2)[0].mean(axis=2, keepdims=True)  # grey: structure, not colour
    medians = []
    for where in (context, hole):
        patches, centres = sampled_patches(band, where, rng, minimum=32)
        medians.append(float(np.median(nearest_other(patches, centres))))
    return medians[0] / max(medians[1], 1e-9)


def sampled_patches(band: np.ndarray, where: np.ndarray, rng: np.random.Generator, minimum: int = 1):
    """(patches (N, PATCH*PATCH*channels), their centres (N, 2)): at most REPEAT_PATCHES drawn without
    replacement among the centres in ``where`` a half patch from the border; ValueError under ``minimum``."""
    half = PATCH // 2
    inside = np.zeros_like(where)
    inside[half:-half, half:-half] = where[half:-half, half:-half]
    centres = np.argwhere(inside)
    if len(centres) < minimum:
        raise ValueError("the hole is too small to compare its patches with each other")
    centres = centres[rng.choice(len(centres), min(REPEAT_PATCHES, len(centres)), replace=False)]
    offsets = np.arange(-half, half + 1)
    patches = band[(centres[:, :1] + offsets)[:, :, None], (centres[:, 1:] + offsets)[:, None, :]]
    return patches.reshape(len(centres), -1), centres


UNFAMILIAR_LEVEL = 2  # pyramid level (1/4 scale): a 7x7 patch there spans 28 pixels, an object's part, not grain
UNFAMILIAR_QUANTILE = 0.95  # a hole patch farther from the surroundings than this share of theirs is from each other


def unfamiliar_share(result: np.ndarray, hole: np.ndarray, context: np.ndarray, seed: int = 0) -> float:
    """The share of the patches in ``hole`` of ``result`` (7x7 colour patches at 1/4 scale) unlike
    any patch of ``context``: farther from their most alike one than UNFAMILIAR_QUANTILE of the
    context's patches are from the most alike other patch of the context. About 0.05 for background
    under the hole; high where the hole holds something its surroundings do not: a ghost copy of a far
    object, a blown-out colour, or, measured on the photo itself, a distinct object under the hole
    (whose removal the truth would score as an error)."""
    import cv2

    rng = np.random.default_rng(seed)
    small = np.asarray(result, np.float32)
    for _ in range(UNFAMILIAR_LEVEL):
        small = cv2.pyrDown(small)
    size = small.shape[1::-1]
    at = [cv2.resize(m.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5 for m in (hole, context)]
    ours, theirs = patch_set(small, at[0], rng), patch_set(small, at[1], rng)
    if len(ours) < 16 or len(theirs) < 32:
        raise ValueError("the hole or its surroundings are too small for 7x7 patches at 1/4 scale")
    ours, theirs = ours / 255, theirs / 255
    sample, centres = sampled_patches(small, at[1], rng)
    threshold = np.quantile(nearest_other(sample / 255, centres), UNFAMILIAR_QUANTILE)
    squared = (ours ** 2).sum(axis=1)[:, None] + (theirs ** 2).sum(axis=1)[None, :] - 2 * ours @ theirs.T
    nearest = np.sqrt(np.maximum(squared.min(axis=1), 0) / ours.shape[1])
    return float((nearest > threshold).mean())
