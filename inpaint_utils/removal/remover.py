"""Object removal on a photo of any size, with a 64x64 model, the way IOPaint runs fixed-size GANs.

Each connected part of the (dilated) mask gets a square crop with context around it, clamped
inside the photo. A learned model sees a large crop shrunk to 64x64 (area filter); its fill is
scaled back (bicubic). Small crops share 64x64 windows at full resolution, so a mask of many
specks costs a few model inputs, not one per speck, and all of a photo's inputs go through the
model in batches. Only the hole's pixels are pasted into the photo, so every pixel outside the
dilated mask stays bit-identical. Classical methods and PatchMatch fill each crop at full size;
PatchMatch fills a photo's parts on several cores at once (threads: its native code runs outside
Python's lock, and its random engine is per thread, so the result is the same).
"""

import dataclasses
import functools
import math
import numbers
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

METHODS = ("auto", "gan", "telea", "navier-stokes", "biharmonic", "harmonic", "patchmatch", "patchmatch-gated")
USES = {  # when each method is the right choice, one line each (the command's --help; docs/removal.md measures them)
    "auto": "the default: PatchMatch on photos (7x7 patches on holes of 2% and more), the gate on images of at most 64 px",
    "patchmatch": "photos: the hole made of the photo's own patches at full resolution, the most realistic at 100%",
    "patchmatch-gated": "tiny images and holes of a few dozen pixels: PatchMatch mixed with a smooth fill, higher PSNR",
    "gan": "research: the shipped 64x64 model (or --checkpoint), blended in; a smooth fill at photo scale",
    "harmonic": "smooth surroundings (sky, a wall, a blurred background): a soft diffusion, no texture",
    "telea": "thin marks (scratches, wires, text): fast; streaks across larger holes",
    "navier-stokes": "thin marks, as telea, a little smoother",
    "biharmonic": "small holes in smooth gradients (harmonic deeper than a few pixels); slow on large holes",
}
# The default removal method, chosen by rules written down before each comparison (their words and
# results, Rounds 1-5: docs/removal.md#how-the-default-was-chosen). On photos: the most realistic fill
# whose hole PSNR on held-out photos is within 0.3 dB of the best, PatchMatch; a learned stage replaces it
# only where its paired interval favours it on PSNR or realism and disfavours it on neither. On images of
# at most SMALL_IMAGE px, where PatchMatch has few patches to copy: the learned gate (Round 5). On large
# holes (docs/structure.md, Round 2): PatchMatch with 7x7 patches.
DEFAULT_METHOD = "auto"
SMALL_IMAGE = 64  # auto: images whose longer side is at most this go to the gate (Round 5)
# auto: holes covering LARGE_HOLE_SHARE of a photo and more get PatchMatch's 7x7 patches, as good there and
# 1.8 times as fast (structure Round 2, docs/structure.md, measured on photos of 1 MP and more); images up to
# PHOTO_SIDE px, where Rounds 4 and 5 measured 11x11 patches (benchmarks/small_images.py), keep them.
LARGE_HOLE_SHARE = 0.02
PHOTO_SIDE = 256
MODEL_SIZE = 64
LARGE_HOLE = 0.5  # a hole covering more of its crop than this is larger than any training hole
MAX_DILATE = 100  # OpenCV's elliptic dilation costs grow with its square: 7 s at 100 on 12 MP
MAX_MARGIN = 10.0  # a crop 21 times its hole: beyond that, the crop is the whole photo anyway
# Methods that fill at full resolution see at most this many pixels around a hole: PatchMatch's memory
# grows with its crop (about 150 bytes a pixel), so a large hole in a 50 MP photo would otherwise take
# GBs. A larger crop gets a narrower margin, down to MIN_MARGIN of the hole's side.
MAX_CROP_PIXELS = 8_000_000
MIN_MARGIN = 0.25
BATCH = 256  # model inputs per forward pass: bounds memory on a mask of thousands of parts
# PatchMatch fills of one photo's parts running at once, at most (and no more than its cores): each
# holds its crop's ~150 bytes a pixel, so four large holes in a 50 MP photo take about 5 GB at once.
FILL_THREADS = 4
BLENDS = ("paste", "poisson")  # how a fill meets the photo at the hole's edge
DETAILS = ("none", "cra")  # "cra": the crop's own fine texture added to the fill (detail.py)


def check_options(dilate: int = 5, margin: float = 1.0, feather: int = 0) -> None:
    """Refuse settings that would crash, hang or quietly leave the object in place."""
    problems = []
    if not (isinstance(dilate, numbers.Integral) and 0 <= dilate <= MAX_DILATE):
        problems.append(f"--dilate {dilate}: give whole pixels from 0 to {MAX_DILATE}")
    if not (math.isfinite(margin) and 0 <= margin <= MAX_MARGIN):
        problems.append(f"--margin {margin}: give a number from 0 to {MAX_MARGIN:g} (times the hole's size)")
    if not (isinstance(feather, numbers.Integral) and feather >= 0):
        problems.append(f"--feather {feather}: give whole pixels, 0 or more")
    elif not problems and feather > dilate:
        problems.append(f"--feather {feather} is wider than --dilate {dilate}: the object's own edge would be "
                        f"blended back in; raise --dilate to {feather} or more, or lower --feather")
    if problems:
        raise ValueError("; ".join(problems))


def dilate_mask(mask: np.ndarray, pixels: int) -> np.ndarray:
    """``mask`` grown by ``pixels`` (an elliptic kernel), computed only around the mask's pixels."""
    if not pixels or not mask.any():
        return mask.copy()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, left = max(rows[0] - pixels, 0), max(cols[0] - pixels, 0)
    bottom, right = rows[-1] + 1 + pixels, cols[-1] + 1 + pixels
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    out = np.zeros_like(mask, dtype=bool)
    out[top:bottom, left:right] = cv2.dilate(mask[top:bottom, left:right].astype(np.uint8), kernel).astype(bool)
    return out


def leaves_pixels(mask: np.ndarray, dilate: int) -> bool:
    """Whether ``mask`` grown by ``dilate`` still leaves a pixel to fill the hole from; cheap when
    the mask and its growth stay clear of some edge of the photo, as an object's mask does."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    height, width = mask.shape
    if not rows.size or rows[0] > dilate or cols[0] > dilate or rows[-1] + dilate < height - 1 \
            or cols[-1] + dilate < width - 1:
        return True
    return not dilate_mask(mask, dilate).all()


def box_mask(box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    """bool (H, W) with the box x0, y0, x1, y1 (x1, y1 excluded) marked for removal; a box that
    reaches past the photo is clipped to it, with a warning; one wholly outside is an error."""
    x0, y0, x1, y1 = box
    width, height = size
    clipped = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if not (clipped[0] < clipped[2] and clipped[1] < clipped[3]):
        raise ValueError(f"box {x0},{y0},{x1},{y1} is outside the {width}x{height} image "
                         "(x0,y0,x1,y1 with x0 < x1 and y0 < y1, x1 and y1 excluded)")
    if clipped != tuple(box):
        warnings.warn(f"box {x0},{y0},{x1},{y1} reaches past the {width}x{height} image: clipped to "
                      f"{','.join(map(str, clipped))}", stacklevel=2)
    mask = np.zeros((height, width), dtype=bool)
    mask[clipped[1]:clipped[3], clipped[0]:clipped[2]] = True
    return mask


@dataclass
class Remover:
    """How to fill: ``fill`` is a batch fill function; ``size`` the side it works at (None: any);
    ``per_image`` the same fill on one uint8 crop, where the method has one (``fills.Classical``);
    ``blend`` and ``detail``, what ``remove_object`` does after the fill unless told (``OWN_DEFAULTS``);
    ``small``, a function that makes the Remover for images whose longer side is at most ``small_side``
    ("auto": the gate, loaded with torch only when such an image comes, so photos never load it);
    ``large``, a per-image fill for holes covering at least LARGE_HOLE_SHARE of the image ("auto");
    ``fills_with``, the method that fills (``name`` is the one asked for: "auto" fills with patchmatch);
    ``threads``, whether its per-image fills of several parts may run at once (PatchMatch's may)."""

    name: str
    fill: object
    size: int | None
    per_image: object = None
    blend: str = "poisson"
    detail: str = "cra"
    small: object = None
    small_side: int = 0
    large: object = None
    fills_with: str = ""
    threads: bool = False

    def __post_init__(self):
        self.fills_with = self.fills_with or self.name

    def for_image(self, shape) -> "Remover":
        """The Remover that fills an image of ``shape``."""
        return self.small() if self.small is not None and max(shape[:2]) <= self.small_side else self


# PatchMatch's fill is made of the photo's own patches, at full resolution. Detail transfer replaces
# a fill's high frequencies with a mix of 16 context windows: on PatchMatch it swaps the copied
# texture for that smoother mix (detail ratio 1.54 -> 0.71, the photo's own 1.14; +0.22 dB, the PSNR
# any smoother fill gains), and Poisson blending changes nothing measurable (+0.01 dB, seam +0.002,
# both intervals across 0). 12 holes of 4-6% in skimage's astronaut, chelsea and coffee saved as PNG:
# ``python benchmarks/removal_detail.py --photos astronaut.png chelsea.png coffee.png --holes 4
# --area 0.04 0.06 --methods patchmatch harmonic --blends paste poisson``. So it pastes its fill as it is.
# The gated fill is made at the crop's full size too.
OWN_DEFAULTS = {method: {"blend": "paste", "detail": "none"} for method in ("patchmatch", "patchmatch-gated")}


def make_remover(method: str = DEFAULT_METHOD, checkpoint=None, device="cpu") -> Remover:
    """A Remover for ``method``; ``gan`` loads the shipped release model, or the generator of
    ``checkpoint``: a release file or any run's checkpoint (its EMA generator if it has one). A
    file that is neither gives a one-line ValueError; a missing one, FileNotFoundError; ``patchmatch``
    where PyPatchMatch cannot load, or a method that needs torch where it is not installed (the
    removal-only install), a one-line ImportError saying how to install it. Torch and PyPatchMatch
    load here, not on import: the command's checks and refusals run without them, in a fraction of
    a second. PatchMatch's path ("auto" on photos) loads no torch at all; without torch, "auto"
    gives small images to PatchMatch too."""
    from ..fills.classical import CLASSICAL
    from ..fills.exemplar import EXEMPLAR, SMALL_EXEMPLAR, patchmatch_inpaint

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(METHODS)}")
    if method.startswith("patchmatch") or method == "auto":
        patchmatch_inpaint()  # a missing package is said now, before the command writes anything
    if method == "auto":
        small = functools.cache(lambda: make_remover("patchmatch-gated")) if has_torch() else None
        return dataclasses.replace(make_remover("patchmatch"), name="auto", small=small, small_side=SMALL_IMAGE,
                                   large=SMALL_EXEMPLAR.per_image)
    if method == "patchmatch":
        return Remover(method, EXEMPLAR[method].fill, None, EXEMPLAR[method].per_image, **OWN_DEFAULTS[method],
                       threads=True)
    if not has_torch():
        raise ImportError("it needs torch, which the removal-only install leaves out; the default "
                          "(auto) and patchmatch run without it, or install everything with `make setup`")
    if method == "patchmatch-gated":
        from ..fills.gated import load_gate

        gate = load_gate()
        return Remover(method, gate.fill, None, gate.fill_one, **OWN_DEFAULTS[method])
    if method != "gan":
        return Remover(method, CLASSICAL[method].fill, None, CLASSICAL[method].per_image)
    import torch

    from ..fills.learned import generator_fill
    from ..fills.release_model import is_release_file, load_release
    from ..networks.checkpoints import build_networks, ema_generator, load_checkpoint

    if checkpoint is None or is_release_file(checkpoint):
        model = load_release(checkpoint)
        model.g.to(device, memory_format=torch.channels_last)
        return Remover(f"gan ({model.name})", model.fill(), MODEL_SIZE)
    try:
        with warnings.catch_warnings():  # torch's notes on a foreign pickle: the error below says it all
            warnings.simplefilter("ignore")
            state = load_checkpoint(checkpoint)
            g, _ = build_networks(state, checkpoint)
            g = ema_generator(state) or g
    except FileNotFoundError:
        raise
    except Exception as e:  # torch's unpickler and a foreign dict raise many kinds
        cause = e.__cause__ or e
        detail = (str(cause).strip().splitlines() or [""])[0].split(". ")[0][:160]
        if "Weights only load failed" in detail:  # torch's advice to unpickle unsafely is not for users
            detail = "not a file of tensors that torch.load can read safely"
        raise ValueError(str(e) if cause is e and "is not a checkpoint" in detail else
                         f"{checkpoint} is not a checkpoint of this project ({type(cause).__name__}: {detail})") from e
    g = g.to(device, memory_format=torch.channels_last)  # a third faster on CPU, for batches of windows
    prefill = state["params"].get("prefill", "zero")
    return Remover(f"gan ({Path(checkpoint).name})", generator_fill(g, state.get("fill_colour"), prefill), MODEL_SIZE)


def has_torch() -> bool:
    """Whether torch is installed: the removal-only install (requirements-removal.lock) leaves it out."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def remove_object(image: np.ndarray, mask: np.ndarray, remover: Remover, *, dilate: int = 5,
                  margin: float = 1.0, feather: int = 0, blend: str | None = None, detail: str | None = None) -> np.ndarray:
    """``image`` (H, W, 3 uint8) with the pixels of ``mask`` (H, W bool), dilated by ``dilate``
    pixels, filled. Each part's crop is the hole's bounding box widened by ``margin`` times its
    size on each side. ``blend="poisson"`` (GLCIC's post-processing, OpenCV's seamless cloning)
    keeps the fill's gradients and takes its edge from the photo's pixels at full resolution: a
    fill scaled up from 64 px otherwise meets the photo with a step, its edge drawn from pixels
    averaged over crop/64-pixel blocks (``benchmarks/removal_detail.py``, held-out photos: +1.2 dB,
    the seam from 1.90 to 1.06 times the photo's own). ``blend="paste"`` pastes the fill; ``feather``
    blends it into the photo over that many pixels inside the hole. ``detail="cra"`` then gives
    the fill the fine texture of its crop at full resolution (``detail.residual_aggregation``).
    Unless told, ``blend`` and ``detail`` are the remover's: poisson and cra, paste and none for
    PatchMatch, whose fill is already the photo's texture at full resolution (``OWN_DEFAULTS``).
    "auto" fills images of at most SMALL_IMAGE px with its gate, larger ones with PatchMatch."""
    remover = remover.for_image(image.shape)
    blend = remover.blend if blend is None else blend
    detail = remover.detail if detail is None else detail
    check_options(dilate, margin, feather)
    for name, value, valid in (("blend", blend, BLENDS), ("detail", detail, DETAILS)):
        if value not in valid:
            raise ValueError(f"{name}={value!r}: choose one of {', '.join(valid)}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask is {mask.shape[1]}x{mask.shape[0]}, image {image.shape[1]}x{image.shape[0]}")
    if not mask.any():
        warnings.warn("the mask is empty: nothing to remove, the image is returned unchanged", stacklevel=2)
        return image.copy()
    mask = dilate_mask(mask, dilate)
    if mask.all():
        raise ValueError("the mask covers the whole image: no pixel is left to fill the hole from")
    out = image.copy()
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    cap = MAX_CROP_PIXELS if remover.size is None else None
    crops = [crop_bounds(y, y + h, x, x + w, margin=margin, shape=image.shape[:2], max_pixels=cap)
             for x, y, w, h in stats[1:, :4]]
    for region, parts, filled in _fills(image, mask, crops, remover, stats[1:, 4]):
        top, bottom, left, right = region
        original = image[top:bottom, left:right]
        holes = [labels[top:bottom, left:right] == part for part in parts]
        fill = filled
        if blend == "poisson":
            fill = filled.copy()
            for hole in holes:
                fill[hole] = _poisson(filled, original, hole)[hole]
        if detail == "cra":  # after the blend, which needs the fill's own pixels around the hole, not a composite
            from ..fills.detail import residual_aggregation

            fill = residual_aggregation(original, fill, mask[top:bottom, left:right])
        for hole in holes:
            alpha = _feather(hole, feather)[..., None][hole]  # blended on the hole's pixels only
            patch = out[top:bottom, left:right]
            patch[hole] = np.rint(alpha * fill[hole] + (1 - alpha) * patch[hole]).astype(np.uint8)
    return out


def crop_bounds(y0, y1, x0, x1, *, margin, shape, max_pixels=None):
    """A crop around rows y0:y1 and columns x0:x1, widened by ``margin`` x their extent, made
    square where the image allows, and shifted to lie inside the image; with ``max_pixels``, a
    narrower margin (not below MIN_MARGIN) where the crop would hold more pixels than that."""
    height, width = shape
    extent = max(y1 - y0, x1 - x0)
    side = extent * (1 + 2 * margin)
    if max_pixels:
        short = min(height, width)
        fits = math.sqrt(max_pixels) if math.sqrt(max_pixels) <= short else max_pixels / short
        side = min(side, max(fits, extent * (1 + 2 * MIN_MARGIN)))
    side = int(round(side))

    def span(a, b, extent):
        length = min(max(side, b - a), extent)
        start = min(max((a + b - length) // 2, 0), extent - length)
        return start, start + length

    (top, bottom), (left, right) = span(y0, y1, height), span(x0, x1, width)
    return top, bottom, left, right


def _fills(image, mask, crops, remover, areas):
    """(region, part labels, fill of the region as float RGB 0-255) for every part of the mask;
    ``areas``, each part's pixels (a part of LARGE_HOLE_SHARE of a photo and more takes ``remover.large``)."""
    if remover.size is None:  # classical: each part's crop at full size
        def fill(part):
            top, bottom, left, right = crops[part - 1]
            crop, hole = image[top:bottom, left:right], mask[top:bottom, left:right]
            large = (remover.large is not None and max(mask.shape) > PHOTO_SIDE
                     and areas[part - 1] >= LARGE_HOLE_SHARE * mask.size)
            per_image = remover.large if large else remover.per_image
            return _run_per_image(per_image, crop, hole) if per_image else _run(remover, crop, hole)[0]

        threads = min(len(crops), FILL_THREADS, available_cores()) if remover.threads else 1
        parts = sorted(range(1, len(crops) + 1), key=lambda part: -areas[part - 1])  # the longest fills first
        pool = ThreadPoolExecutor(threads) if threads > 1 else None
        try:
            for part, filled in zip(parts, pool.map(fill, parts) if pool else map(fill, parts)):
                yield crops[part - 1], [part], filled
        finally:
            if pool:
                pool.shutdown(cancel_futures=True)  # on an error or Ctrl+C, no part waiting starts
        return
    jobs = _windows(crops, image.shape[:2], remover.size)
    for start in range(0, len(jobs), BATCH):
        chunk = jobs[start:start + BATCH]
        smalls, holes = [], []
        for (top, bottom, left, right), _ in chunk:
            hole = mask[top:bottom, left:right]
            if hole.mean() > LARGE_HOLE:
                whole = hole.shape == mask.shape  # no --margin widens a crop that is the whole photo
                warnings.warn(f"a hole covers {hole.mean():.0%} of {'the photo' if whole else 'its crop'} ({right - left}x"
                              f"{bottom - top}): more than the {remover.size}x{remover.size} model saw in training, "
                              "expect a poor fill; " + ("white means remove: is the mask inverted?" if whole else
                                                        "a larger --margin gives it more context"), stacklevel=3)
            smalls.append(_resize(image[top:bottom, left:right], remover.size, cv2.INTER_AREA))
            holes.append(_resize(hole.astype(np.float32), remover.size, cv2.INTER_AREA) > 0)
        for ((top, bottom, left, right), parts), fill in zip(chunk, _run(remover, np.stack(smalls), np.stack(holes))):
            if fill.shape[:2] != (bottom - top, right - left):
                fill = cv2.resize(fill, (right - left, bottom - top), interpolation=cv2.INTER_CUBIC).clip(0, 255)
            yield (top, bottom, left, right), parts, fill


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _windows(crops, shape, size):
    """The model's inputs: (region, parts). A crop larger than ``size`` is its own region (shrunk
    to size x size); smaller crops share size x size windows at full resolution, laid greedily
    in bands from the top and left to right in each band, each holding the crops inside it."""
    height, width = shape
    boxes = np.array(crops).reshape(-1, 4)
    top, bottom, left, right = boxes.T
    small = (bottom - top <= size) & (right - left <= size)
    jobs = [(tuple(int(v) for v in boxes[i]), [i + 1]) for i in np.flatnonzero(~small)]
    waiting = small.copy()
    wh, ww = min(size, height), min(size, width)
    while waiting.any():
        wt = min(top[waiting].min(), height - wh)
        band = waiting & (bottom <= wt + wh)  # every waiting crop starts at or below wt
        while band.any():
            wl = min(left[band].min(), width - ww)
            inside = band & (left >= wl) & (right <= wl + ww)
            jobs.append(((int(wt), int(wt + wh), int(wl), int(wl + ww)), list(np.flatnonzero(inside) + 1)))
            band &= ~inside
            waiting &= ~inside
    return jobs


def _resize(a: np.ndarray, size: int, interpolation) -> np.ndarray:
    return a if a.shape[:2] == (size, size) else cv2.resize(a, (size, size), interpolation=interpolation)


def _run(remover: Remover, images: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Fill (N, H, W, 3) uint8 ``images`` (or one (H, W, 3)) at ``holes``: float RGB 0-255."""
    import torch

    truth = torch.tensor(images.reshape(-1, *images.shape[-3:])).permute(0, 3, 1, 2).float() / 255
    mask = torch.tensor(holes.reshape(-1, 1, *holes.shape[-2:]).astype(np.float32))
    with torch.no_grad():
        out = remover.fill((1 - mask) * truth, mask).float().cpu().clamp(0, 1)
    return out.permute(0, 2, 3, 1).numpy() * 255


def _run_per_image(per_image, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Fill one uint8 crop at ``hole`` with a NumPy method: float RGB 0-255. The scaling to 0-1 and
    back is the batch fill's (``fills._per_image_fill``), so that both give the same numbers."""
    hole = hole.astype(np.uint8)
    out = np.asarray(per_image(image * (1 - hole)[..., None], hole), dtype=np.float32)
    return np.clip(out / 255, 0, 1) * 255


def _feather(hole: np.ndarray, pixels: int) -> np.ndarray:
    """Weight of the fill: 1 deep inside the hole, rising over ``pixels`` from its edge, 0 outside.
    Exact distances: with ``pixels`` <= the dilation, every pixel of the mask itself weighs 1."""
    if not pixels:
        return hole.astype(np.float32)
    inside = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.clip(inside / pixels, 0, 1).astype(np.float32)


def _poisson(filled: np.ndarray, original: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The fill blended into the crop by Poisson editing (cv2.seamlessClone, NORMAL_CLONE): the
    fill's gradients inside the hole, the photo's pixels around it. seamlessClone erodes its mask
    by 3 pixels and takes every gradient outside the eroded mask, the edges into it included, from
    its destination; so it gets the hole grown by 4, and a destination whose hole holds the fill:
    given the hole itself, it copied the photo's step at the hole's edge back in (the object's
    contrast, when the mask is not dilated past the object's edge)."""
    src = np.rint(filled).astype(np.uint8)
    grow, margin = 4, 6  # the grown mask clear of the padded crop's border
    pad = lambda a, kind=cv2.BORDER_REFLECT: cv2.copyMakeBorder(a, *(margin,) * 4, kind)  # noqa: E731
    mask = cv2.dilate(pad(hole.astype(np.uint8) * 255, cv2.BORDER_CONSTANT), np.ones((2 * grow + 1,) * 2, np.uint8))
    ys, xs = np.nonzero(mask)
    centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
    try:
        blended = cv2.seamlessClone(pad(src), pad(np.where(hole[..., None], src, original)), mask, centre,
                                    cv2.NORMAL_CLONE)
    except cv2.error as e:
        warnings.warn(f"Poisson blending failed ({e.msg if hasattr(e, 'msg') else e}); pasting instead", stacklevel=3)
        return filled
    return blended[margin:-margin, margin:-margin].astype(np.float32)
