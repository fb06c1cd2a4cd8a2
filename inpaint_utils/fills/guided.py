"""Two classical ways to steer PatchMatch on a large hole, the structure ablation's rows without learning.

Plain PatchMatch copies whatever patches match best, from anywhere in its crop: across a large
hole it stops a straight edge at the hole, smears where two regions meet, and pastes far-away
objects (ghost copies). PyPatchMatch's ``global_mask`` is a sampling area (pixels neither filled nor
copied), as in Photoshop's Content-Aware Fill, and both fills here only choose it:

- **sampling area** (``sampling_area_fill``): only a band around the hole, as wide as the hole's
  radius, is a source, so what is copied is what surrounds the object, not the far side of the photo;
- **line guided** (``line_guided_fill``): the long, strong straight edges that run into the hole
  (LSD) are extended through it as lines; the hole is split along them and each part is filled
  only from the known pixels on its own side, so the boundary between the parts is the continued
  edge. Only trusted lines split (see ``trusted_lines``); with none, it is plain PatchMatch.

Both take the removal's per-image signature: (uint8 HxWx3 crop, hole HxW, non-zero marks it) ->
HxWx3 float 0-255, run on the crop ``remove_object`` cuts, PatchMatch's seed set before each call.
The seeded calls they share, ``patchmatch`` and ``steered_patchmatch`` (the search weighted by a
regularity map: ``fills/layout.py``'s layout, the region probe's regions), are here too.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .exemplar import PATCHMATCH_PATCH, PATCHMATCH_SEED, patchmatch_inpaint

BAND = 1.0  # the sampling area: a band this many times the hole's radius (sqrt(area / pi)) wide
MIN_BAND = 24  # pixels, at least: two 11x11 patches
LSD_SIDE = 1024  # lines are found on the crop shrunk to this longer side
NEAR_HOLE = 3  # a segment with over a quarter of its length within this many pixels of the hole is its outline
MAX_LINES = 4  # at most this many lines split a hole (parallel ones: bands, as a road's lines)
# Trust, the confidence rule: a line splits the hole only if it crosses the hole inside the crop; the
# edge is seen on both sides of the hole (segments on the same line that reach within GAP of the hole,
# at least SIDE times the chord the hole cuts from the line on each side, LONG times it together), so
# the edge enters the hole and leaves it where the line says; the colours beside it differ by at least
# CONTRAST levels a few pixels away (a boundary between regions, not a thin blade or wire); and each
# side has known pixels. One-sided edges (a pier that ends in the hole?) and curves are left to PatchMatch.
LONG = 0.5
SIDE = 0.2
GAP = 0.1  # of the chord, and at least 8 pixels
CONTRAST = 12.0
ALIGNED = math.radians(3)  # segments within this angle and 2% of the chord (at least 3 px) are one line


@dataclass
class Line:
    """A line through the crop: a point on it, its unit direction and normal (x, y), its support (the
    length of its segments) and the chord it cuts from the hole."""

    point: np.ndarray
    direction: np.ndarray
    support: float
    chord: float

    @property
    def normal(self) -> np.ndarray:
        return np.array([-self.direction[1], self.direction[0]])

    def side(self, shape) -> np.ndarray:
        """bool (H, W): the pixels on the line's positive side."""
        ys, xs = np.mgrid[:shape[0], :shape[1]]
        return ((xs - self.point[0]) * self.normal[0] + (ys - self.point[1]) * self.normal[1]) >= 0


def patchmatch(image: np.ndarray, hole: np.ndarray, sampling: np.ndarray | None = None,
               patch: int = PATCHMATCH_PATCH, seed: int = PATCHMATCH_SEED) -> np.ndarray:
    """PyPatchMatch's fill of ``hole`` copying only from ``sampling`` (bool, None: every known pixel),
    from the project's fixed seed unless told (as ``exemplar._patchmatch``)."""
    patch_match = patchmatch_inpaint()
    patch_match.set_random_seed(seed)
    hole = hole.astype(bool)
    excluded = None if sampling is None else (~sampling & ~hole).astype(np.uint8)
    return patch_match.inpaint(image, hole.astype(np.uint8), global_mask=excluded, patch_size=patch)


def steered_patchmatch(image: np.ndarray, hole: np.ndarray, ij: np.ndarray, weight: float,
                       patch: int = PATCHMATCH_PATCH) -> np.ndarray:
    """PyPatchMatch's fill of ``hole`` from the project's seed, each patch's distance plus ``weight``
    times the difference of the regularity map ``ij`` (HxWx3 float32, values 0-0.5) between where it
    is copied from and where it lands. float HxWx3 0-255."""
    patch_match = patchmatch_inpaint()
    patch_match.set_random_seed(PATCHMATCH_SEED)
    return patch_match.inpaint_regularity(image, hole.astype(np.uint8), ij, patch_size=patch,
                                          guide_weight=weight).astype(np.float32)


def sampling_band(hole: np.ndarray) -> np.ndarray:
    """The known pixels within BAND hole radii (at least MIN_BAND pixels) of ``hole``."""
    radius = math.sqrt(hole.sum() / math.pi)
    distance = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    return ~hole & (distance <= max(MIN_BAND, BAND * radius))


def sampling_area_fill(image: np.ndarray, hole: np.ndarray, patch: int = PATCHMATCH_PATCH) -> np.ndarray:
    """PatchMatch copying only from a band around the hole (``sampling_band``): float HxWx3 0-255."""
    hole = hole.astype(bool)
    return patchmatch(image, hole, sampling_band(hole), patch).astype(np.float32)


def line_guided_fill(image: np.ndarray, hole: np.ndarray, patch: int = PATCHMATCH_PATCH) -> np.ndarray:
    """The hole split along ``trusted_lines`` and each part filled by PatchMatch from its own side
    only, largest part first; plain PatchMatch where no line is trusted. float HxWx3 0-255."""
    hole = hole.astype(bool)
    lines = trusted_lines(image, hole)
    if not lines:
        return patchmatch(image, hole, patch=patch).astype(np.float32)
    code = sum(line.side(hole.shape).astype(np.int32) << k for k, line in enumerate(lines))
    known, out = ~hole, image.copy()
    parts = sorted(np.unique(code[hole]), key=lambda c: -(hole & (code == c)).sum())
    for c in parts:
        part, own = hole & (code == c), known & (code == c)
        if own.sum() < 4 * (2 * PATCHMATCH_PATCH + 1) ** 2:  # too few patches on its side: copy from all
            own = known
        out = patchmatch(out, part, own | part, patch)  # the other parts of the hole: neither filled nor copied now
    return out.astype(np.float32)


def trusted_lines(image: np.ndarray, hole: np.ndarray) -> list[Line]:
    """The lines that split ``hole`` (the confidence rule above), strongest first (support over the
    chord, up to 2, times contrast), at most
    MAX_LINES and no two alike (within ALIGNED and a tenth of the chord: the two sides of one thin line)."""
    hole = hole.astype(bool)
    segments = _segments(image, hole)
    distance = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    reach = max(8.0, GAP * 2 * math.sqrt(hole.sum() / math.pi))  # GAP of the hole's diameter
    ends = np.rint(segments.reshape(-1, 2)).astype(int)
    end_gap = distance[ends[:, 1].clip(0, hole.shape[0] - 1), ends[:, 0].clip(0, hole.shape[1] - 1)].reshape(-1, 2)
    candidates = []
    for x0, y0, x1, y1 in segments[end_gap.min(axis=1) <= reach] if len(segments) else []:
        direction = np.array([x1 - x0, y1 - y0], float)
        direction /= np.linalg.norm(direction)
        line = _line(np.array([x0, y0], float), direction, segments, hole)
        contrast = 0.0 if line is None else _contrast(image, hole, line)
        if contrast >= CONTRAST and all((~hole & s).any() for s in (line.side(hole.shape), ~line.side(hole.shape))):
            candidates.append((min(line.support / line.chord, 2.0) * contrast, line))
    chosen = []
    for _, line in sorted(candidates, key=lambda c: -c[0]):
        if not any(_alike(line, other) for other in chosen):
            chosen.append(line)
    return chosen[:MAX_LINES]


def _segments(image, hole) -> np.ndarray:
    """LSD's segments of the crop (hole blanked by the caller: its outline is dropped), (N, 4) x0 y0 x1 y1."""
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    scale = min(1.0, LSD_SIDE / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    found = cv2.createLineSegmentDetector().detect(small)[0]
    if found is None:
        return np.empty((0, 4))
    segments = found.reshape(-1, 4).astype(float) / scale
    near = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3) <= NEAR_HOLE / scale
    keep = []
    for s in segments:
        xs, ys = _samples(s, hole.shape)
        if near[ys, xs].mean() <= 0.25:
            keep.append(s)
    return np.array(keep).reshape(-1, 4)


def _line(point, direction, segments, hole) -> Line | None:
    """The line through ``point`` along ``direction`` if it crosses the hole inside the crop and is
    supported enough on both sides (LONG, SIDE, GAP), else None."""
    height, width = hole.shape
    reach = math.hypot(height, width)
    t = np.arange(-reach, reach)
    xs, ys = point[0] + t * direction[0], point[1] + t * direction[1]
    inside = (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)
    t, xs, ys = t[inside], np.rint(xs[inside]).astype(int), np.rint(ys[inside]).astype(int)
    on = hole[ys, xs]
    if not on.any() or on[0] or on[-1]:
        return None  # misses the hole, or the hole reaches the crop's edge along it
    enter, leave = t[on].min(), t[on].max()
    chord = leave - enter + 1
    normal = np.array([-direction[1], direction[0]])
    a, b = segments[:, :2] - point, segments[:, 2:] - point  # its own segment and those on the same line
    ends = np.stack((a @ direction, b @ direction), axis=1)
    offset = np.maximum(np.abs(a @ normal), np.abs(b @ normal))
    along = np.abs((b - a) @ direction) / np.maximum(np.linalg.norm(b - a, axis=1), 1e-9)
    gap = np.maximum(np.maximum(enter - ends.max(axis=1), ends.min(axis=1) - leave), 0)
    same = (offset <= max(3.0, 0.02 * chord)) & (along >= math.cos(ALIGNED)) & (gap <= max(8.0, GAP * chord))
    length = np.abs(ends[:, 1] - ends[:, 0])
    before = length[same & (ends.max(axis=1) <= enter + 2)].sum()  # the edge entering the hole
    after = length[same & (ends.min(axis=1) >= leave - 2)].sum()  # and leaving it
    support = float(length[same].sum())
    if support < LONG * chord or min(before, after) < SIDE * chord:
        return None
    return Line(point, direction, support, float(chord))


def _contrast(image, hole, line: Line) -> float:
    """The largest difference (grey levels, any channel) between the mean colours of the known pixels
    either side of the line, from 3 pixels to a tenth of the chord (at least 12) away, within a chord
    of the hole: the two regions the line separates, not the line itself."""
    low, high = 3.0, max(12.0, 0.1 * line.chord)
    ys, xs = np.mgrid[:hole.shape[0], :hole.shape[1]]
    along = (xs - line.point[0]) * line.direction[0] + (ys - line.point[1]) * line.direction[1]
    across = (xs - line.point[0]) * line.normal[0] + (ys - line.point[1]) * line.normal[1]
    hole_along = along[hole]
    close = ~hole & (along >= hole_along.min() - line.chord) & (along <= hole_along.max() + line.chord)
    plus, minus = close & (across >= low) & (across <= high), close & (across <= -low) & (across >= -high)
    if plus.sum() < 10 or minus.sum() < 10:
        return 0.0
    return float(np.abs(image[plus].mean(axis=0) - image[minus].mean(axis=0)).max())


def _alike(a: Line, b: Line) -> bool:
    """Whether two lines are nearly one: within ALIGNED and a tenth of the chord (at least 8 px) apart."""
    if abs(a.direction @ b.direction) < math.cos(ALIGNED):
        return False
    return abs((b.point - a.point) @ a.normal) <= max(8.0, 0.1 * a.chord)


def _samples(segment, shape):
    """Integer pixel coordinates (xs, ys) along ``segment``, one per pixel of its length, in the image."""
    x0, y0, x1, y1 = segment
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.clip(np.rint(np.linspace(x0, x1, steps)).astype(int), 0, shape[1] - 1)
    ys = np.clip(np.rint(np.linspace(y0, y1, steps)).astype(int), 0, shape[0] - 1)
    return xs, ys
