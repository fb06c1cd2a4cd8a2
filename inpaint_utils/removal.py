"""Object removal on a photo of any size, with a 64x64 model, the way IOPaint runs fixed-size GANs.

Each connected part of the (dilated) mask gets a square crop with context around it, clamped
inside the photo. A learned model sees the crop shrunk to 64x64 (area filter); its fill is
scaled back (bicubic) and only the hole's pixels are pasted into the photo, so every pixel
outside the dilated mask stays bit-identical. Classical methods fill the crop at full size.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .checkpoints import build_networks, load_checkpoint
from .data import to_rgb
from .fills import BASELINES, generator_fill

METHODS = ("gan", "telea", "navier-stokes", "biharmonic")
CLASSICAL = {"telea": "Telea", "navier-stokes": "Navier-Stokes", "biharmonic": "Biharmonic"}
MODEL_SIZE = 64
LARGE_HOLE = 0.5  # a hole covering more of its crop than this is larger than any training hole


def open_photo(path) -> Image.Image:
    """A photo upright (its EXIF orientation applied), or a clear error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(f"{path} is not a readable image ({e})") from e
    return ImageOps.exif_transpose(image)


def read_image(path) -> np.ndarray:
    """uint8 (H, W, 3): any mode to RGB, transparent pixels white (as for training images)."""
    return np.asarray(to_rgb(open_photo(path)))


def read_mask(path, size: tuple[int, int]) -> np.ndarray:
    """bool (H, W), True = remove: white (>= 127) in grayscale or RGB, or the alpha channel of an
    image with transparency. ``size`` is the photo's (width, height); another size is an error,
    not a resize: a stretched mask would remove the wrong pixels."""
    mask = open_photo(path)
    if mask.size != tuple(size):
        raise ValueError(f"mask {path} is {mask.size[0]}x{mask.size[1]} but its image is {size[0]}x{size[1]} "
                         "(width x height, after EXIF rotation): draw the mask on the image itself")
    if "A" in mask.getbands() and mask.getchannel("A").getextrema()[0] < 255:
        return np.asarray(mask.getchannel("A")) >= 127
    return np.asarray(mask.convert("L")) >= 127


def box_mask(box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    """bool (H, W) with the box x0, y0, x1, y1 (x1, y1 excluded) marked for removal."""
    x0, y0, x1, y1 = box
    width, height = size
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ValueError(f"box {x0},{y0},{x1},{y1} is not inside the {width}x{height} image "
                         "(x0,y0,x1,y1 with x0 < x1 <= width and y0 < y1 <= height)")
    mask = np.zeros((height, width), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


@dataclass
class Remover:
    """How to fill: ``fill`` is a batch fill function; ``size`` the side it works at (None: any)."""

    name: str
    fill: object
    size: int | None


def make_remover(method: str = "gan", checkpoint=None, device="cpu") -> Remover:
    """A Remover for ``method``; ``gan`` loads the generator of ``checkpoint`` (any run's)."""
    if method in CLASSICAL:
        return Remover(method, BASELINES[CLASSICAL[method]], None)
    if method != "gan":
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(METHODS)}")
    state = load_checkpoint(checkpoint)
    g, _ = build_networks(state, checkpoint)
    return Remover(f"gan ({Path(checkpoint).name})", generator_fill(g.to(device), state.get("fill_colour")), MODEL_SIZE)


def remove_object(image: np.ndarray, mask: np.ndarray, remover: Remover, *, dilate: int = 5,
                  margin: float = 1.0, feather: int = 0, blend: str = "paste") -> np.ndarray:
    """``image`` (H, W, 3 uint8) with the pixels of ``mask`` (H, W bool), dilated by ``dilate``
    pixels, filled. Each part's crop is the hole's bounding box widened by ``margin`` times its
    size on each side. ``feather`` blends the fill into the photo over that many pixels inside the
    hole; ``blend="poisson"`` uses OpenCV's seamless cloning (GLCIC's post-processing) instead."""
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask is {mask.shape[1]}x{mask.shape[0]}, image {image.shape[1]}x{image.shape[0]}")
    if not mask.any():
        warnings.warn("the mask is empty: nothing to remove, the image is returned unchanged", stacklevel=2)
        return image.copy()
    if dilate:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
        mask = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    if mask.all():
        raise ValueError("the mask covers the whole image: no pixel is left to fill the hole from")
    out = image.copy()
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    for part in range(1, count):
        x, y, w, h = stats[part, :4]
        top, bottom, left, right = _crop(y, y + h, x, x + w, margin, image.shape[:2])
        hole = labels[top:bottom, left:right] == part
        filled = _fill_crop(image[top:bottom, left:right], mask[top:bottom, left:right], remover)
        if blend == "poisson":
            filled = _poisson(filled, image[top:bottom, left:right], hole)
        alpha = _feather(hole, feather)[..., None]
        region = out[top:bottom, left:right]
        mixed = np.rint(alpha * filled + (1 - alpha) * region).astype(np.uint8)
        region[hole] = mixed[hole]
    return out


def _crop(y0, y1, x0, x1, margin, shape):
    """A crop around rows y0:y1 and columns x0:x1, widened by ``margin`` x their extent, made
    square where the image allows, and shifted to lie inside the image."""
    height, width = shape
    side = int(round(max(y1 - y0, x1 - x0) * (1 + 2 * margin)))

    def span(a, b, extent):
        length = min(max(side, b - a), extent)
        start = min(max((a + b - length) // 2, 0), extent - length)
        return start, start + length

    (top, bottom), (left, right) = span(y0, y1, height), span(x0, x1, width)
    return top, bottom, left, right


def _fill_crop(crop: np.ndarray, hole: np.ndarray, remover: Remover) -> np.ndarray:
    """The crop with its hole filled by ``remover``, at the crop's size, as float RGB 0-255."""
    size = (crop.shape[1], crop.shape[0])
    if remover.size is not None:
        if hole.mean() > LARGE_HOLE:
            warnings.warn(f"a hole covers {hole.mean():.0%} of its crop ({size[0]}x{size[1]}): more than "
                          f"the {remover.size}x{remover.size} model saw in training, expect a poor fill; "
                          "a larger --margin gives it more context", stacklevel=3)
        small = cv2.resize(crop, (remover.size, remover.size), interpolation=cv2.INTER_AREA)
        small_hole = cv2.resize(hole.astype(np.float32), (remover.size, remover.size), interpolation=cv2.INTER_AREA) > 0
        fill = _run(remover, small, small_hole)
        return cv2.resize(fill, size, interpolation=cv2.INTER_CUBIC).clip(0, 255)
    return _run(remover, crop, hole)


@torch.no_grad()
def _run(remover: Remover, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    truth = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    mask = torch.from_numpy(hole.astype(np.float32))[None, None]
    out = remover.fill((1 - mask) * truth, mask).float().cpu().clamp(0, 1)
    return out[0].permute(1, 2, 0).numpy() * 255


def _feather(hole: np.ndarray, pixels: int) -> np.ndarray:
    """Weight of the fill: 1 deep inside the hole, rising over ``pixels`` from its edge, 0 outside."""
    if not pixels:
        return hole.astype(np.float32)
    inside = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(inside / pixels, 0, 1).astype(np.float32)


def _poisson(filled: np.ndarray, original: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The fill blended into the crop by Poisson editing (cv2.seamlessClone, NORMAL_CLONE)."""
    src = np.rint(filled).astype(np.uint8)
    # seamlessClone needs the mask clear of the crop's border: pad everything by 2 pixels
    pad = lambda a: cv2.copyMakeBorder(a, 2, 2, 2, 2, cv2.BORDER_REFLECT)  # noqa: E731
    mask = pad(hole.astype(np.uint8) * 255)
    ys, xs = np.nonzero(mask)
    centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
    try:
        blended = cv2.seamlessClone(pad(src), pad(original), mask, centre, cv2.NORMAL_CLONE)
    except cv2.error as e:
        warnings.warn(f"Poisson blending failed ({e.msg if hasattr(e, 'msg') else e}); pasting instead", stacklevel=3)
        return filled
    return blended[2:-2, 2:-2].astype(np.float32)
