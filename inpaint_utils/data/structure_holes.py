"""Large object-shaped holes placed across a photo's structure, for the structure benchmark.

Users remove people, trees and cars covering 3-30% of a photo, and the hard case is a hole that
cuts a long edge: a horizon, a road's line, a board's seam. Random placement rarely does that, so
holes are placed two ways: **edge**, centred on the middle part of one of the photo's long straight
segments (OpenCV's LSD), so the edge enters and leaves the hole, or, in a photo without any (circles,
soft seams), on a long curved Canny edge; and **random**, anywhere. The
photo under a hole is the truth: a hole is a silhouette, not an object that is there.
Seeded: the same photo, count and generator give the same holes.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

SHAPES = ("person", "tree", "car", "box", "blob")
SHARE = (0.03, 0.30)  # hole sizes as shares of the photo
PLACEMENTS = ("edge", "random")
LSD_SIDE = 1024  # segments are found on the photo shrunk to this longer side (noise is not structure)
MIN_SEGMENT = 0.08  # a segment counts if at least this share of the photo's longer side
FIT = 0.92  # a hole's bounding box stays within this share of the photo's height and width
TRIES = 40  # placements tried per edge hole before taking the best one found


@dataclass
class StructureHole:
    """One hole: ``mask`` (bool, the photo's size), its ``shape`` and ``placement``, the ``share``
    of the photo it covers, and for an edge hole the LSD ``segment`` (x0, y0, x1, y1) it cuts."""

    mask: np.ndarray
    shape: str
    placement: str
    share: float
    segment: tuple | None = None

    def focus(self) -> tuple[float, float]:
        """(row, column) where a figure of the hole looks: the point of its segment nearest the hole's
        centre, where the edge enters the hole's middle (the hole's centre for a random hole)."""
        ys, xs = np.nonzero(self.mask)
        centre = np.array([(xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2])
        if self.segment is None:
            return float(centre[1]), float(centre[0])
        p, q = np.array(self.segment[:2]), np.array(self.segment[2:])
        t = np.clip((centre - p) @ (q - p) / max((q - p) @ (q - p), 1e-9), 0, 1)
        x, y = p + t * (q - p)
        return float(y), float(x)


def silhouette(shape: str, rng: np.random.Generator, side: int = 256) -> np.ndarray:
    """A bool mask of one object outline, cropped to its bounding box, about ``side`` px tall:
    a person (head ellipse over a rounded body), a tree (a crown of discs on a trunk), a car (a
    rounded body, a cabin and wheels), a box, or a blob (a star-shaped outline, as ``photo_holes``)."""
    canvas = np.zeros((2 * side, 2 * side), np.uint8)
    c = side
    if shape == "person":
        w = side * rng.uniform(0.28, 0.38)
        head = side * rng.uniform(0.10, 0.13)
        cv2.ellipse(canvas, (c, int(c - 0.8 * side + head)), (int(head * 0.85), int(head)), 0, 0, 360, 1, -1)
        top, bottom = int(c - 0.8 * side + 2 * head), int(c + 0.8 * side)
        _rounded_rectangle(canvas, c - int(w / 2), top, c + int(w / 2), bottom, int(w * 0.3))
    elif shape == "tree":
        crown = side * rng.uniform(0.45, 0.6)
        cy = int(c - 0.8 * side + crown)
        for _ in range(7):
            r = crown * rng.uniform(0.45, 0.7)
            dx, dy = rng.uniform(-0.5, 0.5, 2) * crown
            cv2.circle(canvas, (int(c + dx), int(cy + dy)), int(r), 1, -1)
        trunk = side * rng.uniform(0.06, 0.12)
        canvas[cy:int(cy + crown + 0.35 * side), int(c - trunk / 2):int(c + trunk / 2)] = 1
    elif shape == "car":
        length, height = side * rng.uniform(0.9, 1.2), side * rng.uniform(0.28, 0.36)
        x0, x1, y1 = int(c - length / 2), int(c + length / 2), int(c + height / 2)
        _rounded_rectangle(canvas, x0, int(c - height / 2), x1, y1, int(height * 0.25))
        cabin = np.array([(x0 + 0.22 * length, c - height / 2), (x0 + 0.35 * length, c - 1.1 * height),
                          (x0 + 0.72 * length, c - 1.1 * height), (x0 + 0.85 * length, c - height / 2)])
        cv2.fillPoly(canvas, [np.rint(cabin).astype(np.int32)], 1)
        for x in (x0 + 0.2 * length, x0 + 0.8 * length):
            cv2.circle(canvas, (int(x), y1), int(0.3 * height), 1, -1)
    elif shape == "box":
        stretch = math.exp(rng.uniform(-0.7, 0.7))
        w, h = side * 0.6 * math.sqrt(stretch), side * 0.6 / math.sqrt(stretch)
        canvas[int(c - h):int(c + h), int(c - w):int(c + w)] = 1
    elif shape == "blob":
        angle = np.linspace(0, 2 * np.pi, 96, endpoint=False)
        radius = 1 + sum(rng.uniform(0, 0.15) * np.cos(j * angle + rng.uniform(0, 2 * np.pi)) for j in (2, 3, 5))
        stretch = math.exp(rng.uniform(-0.5, 0.5))
        outline = np.stack((radius * np.cos(angle) * math.sqrt(stretch), radius * np.sin(angle) / math.sqrt(stretch)), 1)
        cv2.fillPoly(canvas, [np.rint(c + 0.6 * side * outline).astype(np.int32)], 1)
    else:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    ys, xs = np.nonzero(canvas)
    return canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(bool)


def sized(outline: np.ndarray, share: float, photo: tuple[int, int]) -> np.ndarray:
    """``outline`` scaled to cover ``share`` of a ``photo`` (height, width); where its box would not
    fit FIT of the photo, squeezed along that side and widened along the other (same area), and
    where it still does not fit, as large as fits (a smaller share)."""
    height, width = photo
    area = share * height * width
    h, w = outline.shape
    scale = math.sqrt(area / outline.sum())
    th, tw = h * scale, w * scale
    for _ in range(2):  # squeeze the side that is too long, widen the other
        if th > FIT * height:
            tw, th = tw * th / (FIT * height), FIT * height
        if tw > FIT * width:
            th, tw = th * tw / (FIT * width), FIT * width
    th, tw = min(th, FIT * height), min(tw, FIT * width)
    size = (max(1, round(tw)), max(1, round(th)))
    return cv2.resize(outline.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)


def line_segments(photo: np.ndarray, side: int = LSD_SIDE) -> np.ndarray:
    """(N, 4) float x0, y0, x1, y1 of the photo's long straight segments (LSD on the grey photo shrunk
    to ``side``, in the photo's coordinates), longest first."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY) if photo.ndim == 3 else photo
    scale = min(1.0, side / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    lines = cv2.createLineSegmentDetector().detect(small)[0]
    if lines is None:
        return np.empty((0, 4), np.float32)
    lines = lines.reshape(-1, 4) / scale
    length = np.hypot(lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1])
    keep = length >= MIN_SEGMENT * max(grey.shape)
    return lines[keep][np.argsort(-length[keep])]


def curved_edges(photo: np.ndarray, side: int = LSD_SIDE) -> list[np.ndarray]:
    """The photo's long Canny edges (grey photo shrunk to ``side``, blurred by 2 px, connected edge
    pixels), each an (N, 2) array of x, y in the photo's coordinates, longest first: where LSD finds
    no long straight segment, the curves a hole can still cut (rims of cups, soft seams)."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY) if photo.ndim == 3 else photo
    scale = min(1.0, side / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    edges = cv2.Canny(cv2.GaussianBlur(small, (0, 0), 2), 24, 60, L2gradient=True)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    long = [k for k in range(1, count) if max(stats[k, 2], stats[k, 3]) >= MIN_SEGMENT * max(small.shape)]
    curves = [np.argwhere(labels == k)[:, ::-1] / scale for k in long]
    return sorted(curves, key=len, reverse=True)


def cuts(mask: np.ndarray, segment) -> bool:
    """Whether ``segment`` (x0, y0, x1, y1) passes through ``mask`` with both ends outside it:
    the edge enters the hole and leaves it."""
    x0, y0, x1, y1 = segment
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.clip(np.rint(np.linspace(x0, x1, steps)).astype(int), 0, mask.shape[1] - 1)
    ys = np.clip(np.rint(np.linspace(y0, y1, steps)).astype(int), 0, mask.shape[0] - 1)
    on = mask[ys, xs]
    return bool(on.any() and not on[0] and not on[-1])


def cuts_curve(mask: np.ndarray, points: np.ndarray) -> bool:
    """Whether a curve's points (x, y) pass through ``mask`` with at least a third of them outside."""
    xs = np.clip(np.rint(points[:, 0]).astype(int), 0, mask.shape[1] - 1)
    ys = np.clip(np.rint(points[:, 1]).astype(int), 0, mask.shape[0] - 1)
    on = mask[ys, xs]
    return bool(on.any() and (~on).mean() >= 1 / 3)


def structure_holes(photo: np.ndarray, count: int, rng: np.random.Generator, share=SHARE,
                    placement: str = "edge", shapes=SHAPES) -> list[StructureHole]:
    """``count`` holes in ``photo`` (uint8 HxWx3), shapes taken in turn from a random one, each covering a share drawn
    from ``share`` (uniform in its logarithm: as many small as large objects). ``placement="edge"``
    centres each on the middle part of a long LSD segment, drawn with weight by its length, among
    placements whose segment the hole cuts (both ends outside it; if none of TRIES does, the one
    covering the segment's middle); a photo without long segments gets them on its long curved
    edges, and one without those, random holes."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    height, width = photo.shape[:2]
    segments = line_segments(photo) if placement == "edge" else np.empty((0, 4))
    curves = curved_edges(photo) if placement == "edge" and not len(segments) else []
    holes, first = [], int(rng.integers(len(shapes)))
    for k in range(count):
        shape = shapes[(first + k) % len(shapes)]
        outline = sized(silhouette(shape, rng), math.exp(rng.uniform(*np.log(share))), (height, width))
        if len(segments):
            hole, segment = _on_an_edge(outline, segments, (height, width), rng)
            holes.append(StructureHole(hole, shape, "edge", float(hole.mean()), tuple(map(float, segment))))
        elif curves:
            holes.append(StructureHole(_on_a_curve(outline, curves, (height, width), rng), shape, "edge", 0.0))
            holes[-1].share = float(holes[-1].mask.mean())
        else:
            centre = rng.uniform(0, 1, 2) * (width, height)
            hole = _placed(outline, centre, (height, width))
            holes.append(StructureHole(hole, shape, "random", float(hole.mean())))
    return holes


def benchmark_holes(photo: np.ndarray, index: int, placement: str, count: int = 3, share=SHARE,
                    seed: int = 0) -> list[StructureHole]:
    """The structure benchmark's holes in the ``index``-th photo of its split (``corpus_photos``' order):
    the same seeds as ``python -m benchmarks.structure --seed``, so a notebook shows the very holes a table scores."""
    rng = np.random.default_rng([seed, index, PLACEMENTS.index(placement)])
    return structure_holes(photo, count, rng, share, placement)


def shrunk(photo: np.ndarray, megapixels: float) -> np.ndarray:
    """``photo`` shrunk (area filter) to about ``megapixels`` MP; unchanged if 0 or already smaller."""
    factor = (megapixels * 1e6 / (photo.shape[0] * photo.shape[1])) ** 0.5 if megapixels else 1.0
    if factor >= 1:
        return photo
    return cv2.resize(photo, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def _on_an_edge(outline, segments, shape, rng):
    """The outline placed on one segment's middle part so that it cuts the segment, and the segment."""
    length = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    fallback = None
    for _ in range(TRIES):
        segment = segments[rng.choice(len(segments), p=length / length.sum())]
        t = rng.uniform(0.35, 0.65)
        centre = segment[:2] + t * (segment[2:] - segment[:2])
        centre = centre + rng.normal(0, 0.1, 2) * outline.shape[::-1]  # not always its exact middle
        hole = _placed(outline, centre, shape)
        if cuts(hole, segment):
            return hole, segment
        fallback = fallback or (hole, segment)
    return fallback


def _on_a_curve(outline, curves, shape, rng):
    """The outline centred on a point of one long curve (drawn by its length) so that it cuts it."""
    weights = np.array([len(c) for c in curves], float)
    fallback = None
    for _ in range(TRIES):
        curve = curves[rng.choice(len(curves), p=weights / weights.sum())]
        hole = _placed(outline, curve[rng.integers(len(curve))], shape)
        if cuts_curve(hole, curve):
            return hole
        fallback = fallback if fallback is not None else hole
    return fallback


def _placed(outline: np.ndarray, centre, shape) -> np.ndarray:
    """``outline`` centred at ``centre`` (x, y), shifted to lie wholly inside a photo of ``shape``."""
    height, width = shape
    h, w = outline.shape
    left = int(np.clip(round(centre[0] - w / 2), 0, width - w))
    top = int(np.clip(round(centre[1] - h / 2), 0, height - h))
    mask = np.zeros(shape, bool)
    mask[top:top + h, left:left + w] = outline
    return mask


def _rounded_rectangle(canvas, x0, y0, x1, y1, radius):
    """Fill a rectangle with corners rounded by ``radius`` on ``canvas`` (value 1)."""
    canvas[y0 + radius:y1 - radius, x0:x1] = 1
    canvas[y0:y1, x0 + radius:x1 - radius] = 1
    for x, y in ((x0 + radius, y0 + radius), (x1 - radius, y0 + radius), (x0 + radius, y1 - radius),
                 (x1 - radius, y1 - radius)):
        cv2.circle(canvas, (x, y), radius, 1, -1)
