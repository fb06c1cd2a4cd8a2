"""Strokes painted in a browser, drawn again as a mask at the photo's full resolution.

Notebook 07's brush and the removal web page both send strokes, not pixels: each stroke is its tool
(brush, eraser or box), its width and its points, in the pixels of the picture the person painted
on. Drawing them here, with OpenCV, gives a mask of the photo's own size whatever the screen's.
"""

import cv2
import numpy as np

TOOLS = ("brush", "eraser", "box")


def strokes_mask(strokes: list, size: tuple[int, int], preview: tuple[int, int]) -> np.ndarray:
    """bool (H, W) at the photo's ``size`` (width, height): the ``strokes`` painted on a preview of
    ``preview`` (width, height) pixels, drawn again at full size, in order (an eraser stroke
    clears what earlier strokes marked). Brush and eraser strokes are round-capped lines of their
    ``size`` (a diameter, in preview pixels); a box stroke is the rectangle of its two points."""
    width, height = size
    sx, sy = width / preview[0], height / preview[1]
    mask = np.zeros((height, width), np.uint8)
    for stroke in strokes:
        tool, points = stroke.get("tool"), np.asarray(stroke.get("points", []), dtype=np.float64).reshape(-1, 2)
        if tool not in TOOLS or not len(points):
            continue
        full = np.rint(points * (sx, sy)).astype(np.int32)
        if tool == "box":
            (x0, y0), (x1, y1) = full.min(axis=0), full.max(axis=0)
            mask[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 1
            continue
        value = 1 if tool == "brush" else 0
        thickness = max(1, int(round(float(stroke.get("size", 1)) * (sx + sy) / 2)))
        for point in full:  # round caps and joins, as the canvas draws them
            cv2.circle(mask, (int(point[0]), int(point[1])), thickness // 2, value, -1, lineType=cv2.LINE_8)
        if len(full) > 1:
            cv2.polylines(mask, [full.reshape(-1, 1, 2)], False, value, thickness, lineType=cv2.LINE_8)
    return mask.astype(bool)
