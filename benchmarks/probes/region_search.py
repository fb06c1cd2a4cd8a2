"""Does the structure stage steer PatchMatch's search where it could not split the hole? A probe on
the corpus's training photos, after structure Round 5 (``docs/structure.md``).

    python -m benchmarks.probes.region_search --weights 0.02 0.1 -- --split train --holes 1 \\
        --placement edge --scale 1.0 --crop-test-holes 0 --rows PatchMatch "PatchMatch, 7x7 patches" \\
        "7x7 searched by the drawn regions, 0.02" "7x7 searched by the drawn regions, 0.1"

Round 3 filled each region between the drawn edges only from its own side and came out flat; here
the regions only weigh on the search: PyPatchMatch's ``inpaint_regularity`` with a map that codes
each pixel's region (``region_map``), so a patch copied from another region's pixels costs ``weight``
more, and one from its own region nothing (the texture is free within a region).

Result (17 training edge holes, 250 s): every row equals "PatchMatch, 7x7 patches" to the digit. The
shipped generator draws fragments (a few hundred to 10,000 pixels at 1 MP) that cut no hole into two
parts of MIN_REGION or more, so ``region_map`` finds no regions and the fill falls back to 7x7:
there is nothing to steer with until the drawn edges are closed across the hole.
"""

import sys

import cv2
import numpy as np
from scipy import ndimage

import benchmarks.structure as benchmark
from benchmarks.probes import run_weighted
from inpaint_utils.fills.exemplar import SMALL_PATCH
from inpaint_utils.fills.guided import patchmatch, steered_patchmatch

MAX_REGIONS = 9  # coded as a 3x3 grid of (0, 0.25, 0.5) in the map's two channels
MIN_REGION = 0.03  # of the hole: smaller regions join their nearest large one
RING = 16  # pixels of known ring whose colour stands for a region
SMOOTH = 4.0  # sigma, pixels: the known pixels' colour a region is matched by


def region_map(image: np.ndarray, hole: np.ndarray, edges: np.ndarray) -> np.ndarray | None:
    """PyPatchMatch's regularity map coding each pixel's region, or None where the drawn edges split
    the hole into fewer than two large regions. In the hole: the parts between the drawn edges (the
    edge pixels and small parts join the nearest large one); outside: the region whose ring of known
    pixels next to it has the nearest mean colour to the pixel's smoothed colour."""
    count, parts = cv2.connectedComponents((hole & ~edges).astype(np.uint8), connectivity=4)
    sizes = np.bincount(parts[hole], minlength=count)
    sizes[0] = 0
    large = [k for k in np.argsort(-sizes)[:MAX_REGIONS] if sizes[k] >= MIN_REGION * hole.sum()]
    if len(large) < 2:
        return None
    labels = np.full(hole.shape, -1, np.int32)
    for code, k in enumerate(large):
        labels[parts == k] = code
    _, (iy, ix) = ndimage.distance_transform_edt(labels < 0, return_indices=True)
    inside = labels[iy, ix]  # every pixel: its nearest large region
    smooth = cv2.GaussianBlur(np.asarray(image, np.float32), (0, 0), SMOOTH)
    ring = ~hole & (ndimage.distance_transform_edt(~hole) <= RING)
    means = np.stack([smooth[ring & (inside == c)].mean(axis=0) if (ring & (inside == c)).any() else
                      np.full(3, np.inf, np.float32) for c in range(len(large))])
    nearest = np.argmin(((smooth[..., None, :] - means) ** 2).sum(-1), axis=-1)
    labels = np.where(hole, inside, nearest)
    ij = np.stack([0.25 * (labels % 3), 0.25 * (labels // 3)], axis=-1)
    return np.dstack([ij, np.zeros(hole.shape)]).astype(np.float32)


def region_guided_fill(image: np.ndarray, hole: np.ndarray, weight: float) -> np.ndarray:
    """PatchMatch with 7x7 patches steered by the structure stage's regions (plain 7x7 without them)."""
    hole = hole.astype(bool)
    ij = region_map(image, hole, benchmark.structure_stage().edges(image, hole))
    if ij is None:
        return patchmatch(image, hole, patch=SMALL_PATCH).astype(np.float32)
    return steered_patchmatch(image, hole, ij, weight, SMALL_PATCH)


def main(argv=None) -> None:
    run_weighted(sys.argv[1:] if argv is None else argv, __doc__, "7x7 searched by the drawn regions, {:g}",
                 region_guided_fill, [0.02, 0.1])


if __name__ == "__main__":
    main()
