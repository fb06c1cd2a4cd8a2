"""Masks: 1 marks a hole pixel, 0 a known one, as float tensors: (1, S, S) for one mask that
every image shares, (N, 1, S, S) for one mask per image.

Besides the seed's centre hole, training can use random masks in the style of LaMa and DeepFill
v2, scaled from their 256 px settings to 64 px (divided by 4): boxes of 8-38 px, and brush
strokes of 1-5 segments, up to 25 px wide and 50 px long, drawn 1-5 times. ``blob`` holes are
object-shaped, the offline stand-in for the segmentation masks of LaMa and MI-GAN (which need
downloaded weights); ``lama`` draws a box, strokes or a blob, a third of the time each. They are
made a batch at a time on the training device, from a seeded ``torch.Generator``, so a run is
reproducible. ``photo_holes`` draws object-sized holes at a photo's own size, for measuring
removal at photo resolution.
"""

import math

import numpy as np
import torch

from ..core.settings import MASK_KINDS

MAX_HOLE_AREA = 0.5  # random masks covering more of the image are drawn again (LaMa's cap)


def center_mask(image_size: int = 64, hole_size: int = 20) -> torch.Tensor:
    """The seed's mask: float (1, S, S), 1 in a centred square hole, 0 elsewhere.

    For 64 and 20 the hole is rows and columns 22..41, as the seed's ``create_masks``.
    """
    if not 0 < hole_size < image_size:
        raise ValueError(f"HOLE_SIZE must be between 1 and IMAGE_SIZE - 1 ({image_size - 1}), "
                         f"got {hole_size}")
    start = (image_size - hole_size) // 2
    mask = torch.zeros(1, image_size, image_size)
    mask[0, start:start + hole_size, start:start + hole_size] = 1
    return mask


def check_mask(mask: torch.Tensor, image_size: int) -> torch.Tensor:
    """Return ``mask`` as float (1, S, S) or (N, 1, S, S), or raise ValueError saying what is wrong with it."""
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"mask must be a torch.Tensor, got {type(mask).__name__}")
    if mask.dtype not in (torch.float32, torch.float64, torch.bool, torch.uint8):
        raise ValueError(f"mask must be float32, float64, bool or uint8 (1 = hole), got {mask.dtype}")
    if mask.dim() == 2:
        mask = mask.unsqueeze(0)
    if tuple(mask.shape[-3:]) != (1, image_size, image_size) or mask.dim() not in (3, 4):
        raise ValueError(f"mask must have shape (1, {image_size}, {image_size}) or "
                         f"({image_size}, {image_size}), got {tuple(mask.shape)}; one mask per "
                         f"image is (N, 1, {image_size}, {image_size})")
    mask = mask.float()
    if not torch.all((mask == 0) | (mask == 1)):
        raise ValueError("mask values must be 0 (known pixel) or 1 (hole)")
    return mask


def mask_batch(kind: str, n: int, image_size: int = 64, hole_size: int = 20, *,
               generator: torch.Generator | None = None, device=None) -> torch.Tensor:
    """``n`` masks of ``kind`` (see MASK_KINDS) as float (n, 1, S, S) on ``device``.

    ``center`` is the seed's hole for every image. The random kinds draw from ``generator``
    (on ``device``), cover at least one pixel and at most MAX_HOLE_AREA of the image.
    """
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; valid kinds: {', '.join(MASK_KINDS)}")
    device = torch.device(device or (generator.device if generator is not None else "cpu"))
    if kind == "center":
        return center_mask(image_size, hole_size).to(device).expand(n, 1, -1, -1).clone()
    masks = torch.empty(n, 1, image_size, image_size, device=device)
    todo = torch.arange(n, device=device)
    while len(todo):  # draw again where the hole is empty or too large; rarely more than twice
        m = _random_masks(kind, len(todo), image_size, generator, device)
        masks[todo] = m
        area = masks[todo].mean(dim=(1, 2, 3))
        todo = todo[(area == 0) | (area > MAX_HOLE_AREA)]
    return masks


def _random_masks(kind, n, size, generator, device):
    if kind == "box":
        return _boxes(n, size, generator, device)
    if kind == "stroke":
        return _strokes(n, size, generator, device)
    if kind == "blob":
        return _blobs(n, size, generator, device)
    if kind == "lama":
        pick = torch.randint(3, (n, 1, 1, 1), generator=generator, device=device)
        return torch.where(pick == 0, _boxes(n, size, generator, device), torch.where(
            pick == 1, _strokes(n, size, generator, device), _blobs(n, size, generator, device)))
    pick_box = torch.rand(n, 1, 1, 1, generator=generator, device=device) < 0.5
    return torch.where(pick_box, _boxes(n, size, generator, device), _strokes(n, size, generator, device))


def _uniform(low, high, shape, generator, device):
    return low + (high - low) * torch.rand(shape, generator=generator, device=device)


def _boxes(n, size, generator, device, *, count=3, margin=2):
    """1-3 boxes of 8-38 px sides (LaMa's 30-150 px in 256, over 4), ``margin`` from the border."""
    low, high = 8 * size / 64, 38 * size / 64
    h = _uniform(low, high, (n, count), generator, device).floor()
    w = _uniform(low, high, (n, count), generator, device).floor()
    top = margin + _uniform(0, 1, (n, count), generator, device) * (size - 2 * margin - h)
    left = margin + _uniform(0, 1, (n, count), generator, device) * (size - 2 * margin - w)
    used = torch.arange(count, device=device) < torch.randint(1, count + 1, (n, 1), generator=generator, device=device)
    r = torch.arange(size, device=device, dtype=torch.float32)
    rows = (r[None, None, :] >= top.floor()[..., None]) & (r < (top.floor() + h)[..., None])
    cols = (r[None, None, :] >= left.floor()[..., None]) & (r < (left.floor() + w)[..., None])
    inside = rows[..., :, None] & cols[..., None, :] & used[..., None, None]  # (n, count, S, S)
    return inside.any(dim=1, keepdim=True).float()


def _strokes(n, size, generator, device, *, times=5, vertices=5):
    """LaMa's irregular strokes over 4: 1-5 strokes of 1-5 segments, each up to 2.5 + 50 px long,
    1 + 25 px wide, turning by up to 4 radians, drawn as thick polylines."""
    scale = size / 64
    start = _uniform(0, size, (n, times, 1, 2), generator, device)
    angle = _uniform(0, 2 * math.pi, (n, times, 1), generator, device) + \
        _uniform(-4, 4, (n, times, vertices), generator, device).cumsum(dim=-1)
    length = scale * _uniform(2.5, 52.5, (n, times, vertices), generator, device)
    steps = torch.stack((angle.cos(), angle.sin()), dim=-1) * length[..., None]
    points = (torch.cat((start, start + steps.cumsum(dim=2)), dim=2)).clamp(0, size - 1)
    width = scale * _uniform(1, 26, (n, times, 1), generator, device)
    segments_used = torch.arange(vertices, device=device) < torch.randint(
        1, vertices + 1, (n, times, 1), generator=generator, device=device)
    strokes_used = torch.arange(times, device=device)[None, :, None] < torch.randint(
        1, times + 1, (n, 1, 1), generator=generator, device=device)
    a, b = points[:, :, :-1, None], points[:, :, 1:, None]  # segment ends, (n, times, vertices, 1, 2)
    r = torch.arange(size, device=device, dtype=torch.float32) + 0.5
    py, px = r.repeat_interleave(size), r.repeat(size)  # pixel centres, row-major
    dy, dx = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    t = (((py - a[..., 0]) * dy + (px - a[..., 1]) * dx) / (dy * dy + dx * dx).clamp(min=1e-6)).clamp(0, 1)
    distance2 = (py - a[..., 0] - t * dy).square() + (px - a[..., 1] - t * dx).square()
    hit = (distance2 <= (width[..., None] / 2).square()) & (segments_used & strokes_used)[..., None]
    return hit.any(dim=2).any(dim=1).view(n, 1, size, size).float()


def _blobs(n, size, generator, device, *, count=4):
    """An object's silhouette: 2-4 overlapping ellipses of 8-28 px axes, rotated at random, around
    one centre away from the border (a person, a sign, a bin in a 64 px view)."""
    scale = size / 64
    centre = _uniform(0.25 * size, 0.75 * size, (n, 1, 2), generator, device)
    centre = centre + scale * _uniform(-9, 9, (n, count, 2), generator, device)
    axes = scale * _uniform(4, 14, (n, count, 2), generator, device)
    angle = _uniform(0, math.pi, (n, count), generator, device)
    used = torch.arange(count, device=device) < torch.randint(2, count + 1, (n, 1), generator=generator, device=device)
    r = torch.arange(size, device=device, dtype=torch.float32) + 0.5
    dy = r[None, None, :, None] - centre[..., 0, None, None]
    dx = r[None, None, None, :] - centre[..., 1, None, None]
    cos, sin = angle.cos()[..., None, None], angle.sin()[..., None, None]
    u, v = dy * cos + dx * sin, dx * cos - dy * sin
    inside = (u / axes[..., 0, None, None]).square() + (v / axes[..., 1, None, None]).square() <= 1
    return (inside & used[..., None, None]).any(dim=1, keepdim=True).float()


def photo_holes(shape: tuple[int, int], count: int, rng: np.random.Generator, share=(0.01, 0.05)) -> list[np.ndarray]:
    """``count`` object-sized holes (bool masks), each covering a ``share`` of the photo drawn
    from that range, a blob then a box in turn."""
    import cv2

    height, width = shape
    masks = []
    for k in range(count):
        area = rng.uniform(*share) * height * width
        stretch = math.exp(rng.uniform(-0.7, 0.7))  # width over height, 1/2 to 2
        if k % 2 == 0:  # a blob: a star-shaped outline of a few random harmonics
            angle = np.linspace(0, 2 * np.pi, 96, endpoint=False)
            radius = 1 + sum(rng.uniform(0, 0.15) * np.cos(j * angle + rng.uniform(0, 2 * np.pi)) for j in (2, 3, 5))
            outline = np.stack((radius * np.cos(angle) * math.sqrt(stretch),
                                radius * np.sin(angle) / math.sqrt(stretch)), axis=1)
            x, y = outline.T
            outline *= math.sqrt(area / (0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))))
        else:  # a box
            w, h = math.sqrt(area * stretch) / 2, math.sqrt(area / stretch) / 2
            outline = np.array([(-w, -h), (w, -h), (w, h), (-w, h)])
        low, high = -outline.min(axis=0), np.array([width, height]) - outline.max(axis=0)
        centre = rng.uniform(low, high)
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [np.rint(outline + centre).astype(np.int32)], 1)
        masks.append(mask.astype(bool))
    return masks
