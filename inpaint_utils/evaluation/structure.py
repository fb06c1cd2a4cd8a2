"""Structure measures: does a fill carry the photo's edges and layout through a large hole?

Hole PSNR at full resolution rewards the mean of the plausible fills and cannot tell a broken
horizon from grain that is merely in the wrong place. Two measures look at structure instead:

- **edge continuity**, as EdgeConnect (Nazeri et al., 2019) reports it: precision, recall and F1 of
  the Canny edges a fill draws inside the hole against the edges of the truth (the photo) there,
  an edge pixel counting as found within TOLERANCE pixels, at half scale (grain is not structure);
- **layout PSNR**: hole PSNR at 1/8 scale, each image shrunk by area averaging, so that only the
  large-scale colour layout (which side of a horizon is sky, where a road runs) is compared.

And one artefact: **blow-outs**, the share of the hole in colours the photo around it does not have.

Pure NumPy and OpenCV, so they run anywhere a fill does.
"""

import math

import cv2
import numpy as np

from ..data.edges import canny_edges
from ..fills.layout import LAYOUT_SCALE, shrink

EDGE_SCALE = 0.5  # edges compared at half scale, as EdgeConnect
TOLERANCE = 2.0  # pixels (at EDGE_SCALE) within which an edge pixel counts as found
PSNR_CAP = 100.0  # as evaluation.metrics caps it


def shrink_mask(hole: np.ndarray, scale: float) -> np.ndarray:
    """The pixels of the shrunk image that are mostly hole (any hole pixel, where none is)."""
    share = shrink(hole.astype(np.float32), scale)
    return share > 0.5 if (share > 0.5).any() else share > 0


def edge_scores(result: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """Edge precision, recall and F1 of ``result`` against ``truth`` (uint8 HxWx3) inside ``hole``
    (bool HxW), at EDGE_SCALE with a TOLERANCE-pixel match: precision, the share of the fill's edge
    pixels in the hole that lie near a truth edge (the truth's edges just outside the hole count, so a
    line continued to the hole's edge is found); recall, the share of the truth's edge pixels in the
    hole near an edge of the fill. An empty set scores 1 (no edges drawn: nothing false; none to find:
    nothing missed), so F1 is 1 where both are empty and 0 where one of them alone is, never NaN."""
    small = [np.rint(shrink(image, EDGE_SCALE)).astype(np.uint8) for image in (result, truth)]
    found, wanted = (canny_edges(image) for image in small)
    inside = shrink_mask(hole, EDGE_SCALE)
    near_wanted = _distance_to(wanted) <= TOLERANCE
    near_found = _distance_to(found) <= TOLERANCE
    drawn, truth_edges = found & inside, wanted & inside
    precision = float(near_wanted[drawn].mean()) if drawn.any() else 1.0
    recall = float(near_found[truth_edges].mean()) if truth_edges.any() else 1.0
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1,
            "edges": int(truth_edges.sum()), "drawn": int(drawn.sum())}


def layout_psnr(result: np.ndarray, truth: np.ndarray, hole: np.ndarray, scale: float = LAYOUT_SCALE) -> float:
    """Hole PSNR in dB at ``scale`` (1/8): both images area-averaged, compared over the shrunk hole.
    A blur of the truth keeps its layout and scores high; a fill of the wrong colour or a missing
    horizon scores low, whatever its texture."""
    a, b = shrink(result, scale), shrink(truth, scale)
    inside = shrink_mask(hole, scale)
    mse = float(np.mean((a[inside].astype(np.float64) - b[inside]) ** 2))
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * math.log10(255 ** 2 / mse))


BLOW_OUT_RING = 16  # pixels of known photo around the hole whose colours a fill may use
BLOW_OUT_SLACK = 10  # levels beyond the ring's 1st-99th percentile range before a pixel counts


def blow_out_share(result: np.ndarray, photo: np.ndarray, hole: np.ndarray) -> float:
    """The share of ``hole``'s pixels in ``result`` with a channel more than BLOW_OUT_SLACK levels
    outside the 1st-99th percentile range of ``photo``'s pixels within BLOW_OUT_RING of the hole: a
    white or black disc, a pink blot (issue 44). PatchMatch's fills score under 1% on the structure
    benchmark and the photo itself about 2% (its own rarer colours); a fill that copies a colour from
    far away (a ghost of an orange trail) scores too, as it should."""
    hole = np.asarray(hole, bool)
    distance = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    ring = ~hole & (distance <= BLOW_OUT_RING)
    low, high = np.percentile(np.asarray(photo)[ring].reshape(-1, 3), [1, 99], axis=0)
    values = np.asarray(result, np.float32)[hole].reshape(-1, 3)
    return float(((values < low - BLOW_OUT_SLACK) | (values > high + BLOW_OUT_SLACK)).any(axis=1).mean())


def _distance_to(edges: np.ndarray) -> np.ndarray:
    """Each pixel's Euclidean distance to the nearest pixel of ``edges`` (inf where there is none)."""
    if not edges.any():
        return np.full(edges.shape, np.inf, np.float32)
    return cv2.distanceTransform((~edges).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
