"""Does the patch-statistics distance rank fills as a person does? Holes in photos the project never
trained on, filled with the truth (the real-against-real baseline), with fills made to show each
artefact a person sees at 100%, and by the removal methods; each fill's distance from the photo
around the hole and its repetition (``evaluation/patch_stats.py``), beside the hole PSNR.

    python -m benchmarks.realism_ranking                      # the corpus's held-out photos, 3 holes each
    python -m benchmarks.realism_ranking --photos a.jpg b.jpg --holes 4

The made artefacts: **blurred** (the truth under a Gaussian of 6 px), **block grid** (one 24x24 block
of the surroundings tiled over the hole), **ghost** (a copy of another part of the photo at half
opacity over the harmonic fill), **streaks** (OpenCV's Telea, pasted as it is), **smooth** (the
harmonic fill). Each row gives the mean over holes, and the difference from the untouched photo's
with a 95% paired bootstrap interval over holes: measures that rank as a person does put every made
artefact above the photo on one of them at least, its interval above 0.
"""

import argparse
import sys

import numpy as np

from inpaint_utils.data.masks import photo_holes
from inpaint_utils.data.photos import read_image
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.evaluation.patch_stats import patch_distance, repetition, surroundings
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.removal.remover import dilate_mask, make_remover, remove_object

DILATE = 5  # remove_object's default: the pixels each method fills
METHODS = {"harmonic, as removal pastes it": ("harmonic", {"blend": "paste", "detail": "none"}),
           "default (release model, Poisson, detail transfer)": ("gan", {}),
           "harmonic with the defaults": ("harmonic", {}),
           "PatchMatch": ("patchmatch", {})}


def made_artefacts(photo: np.ndarray, filled: np.ndarray, around: np.ndarray, smooth: np.ndarray,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The truth and the fills that show one artefact each, every one differing from the photo in
    ``filled`` alone."""
    import cv2

    ys, xs = np.nonzero(filled)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    blurred = cv2.GaussianBlur(photo, (0, 0), 6)
    grid = photo.copy()
    corners = np.argwhere(around[:-24, :-24] & around[24:, 24:])  # blocks whose corners lie around the hole
    by, bx = corners[rng.integers(len(corners))]
    block = photo[by:by + 24, bx:bx + 24]
    reps = (-(-(y1 - y0) // 24), -(-(x1 - x0) // 24), 1)
    grid[y0:y1, x0:x1] = np.tile(block, reps)[:y1 - y0, :x1 - x0]
    height, width = filled.shape
    sy, sx = rng.integers(0, height - (y1 - y0)), rng.integers(0, width - (x1 - x0))  # another part of the photo
    ghost = smooth.copy()
    ghost[y0:y1, x0:x1] = (0.5 * smooth[y0:y1, x0:x1] + 0.5 * photo[sy:sy + y1 - y0, sx:sx + x1 - x0]).round()
    fills = {"photo (untouched)": photo, "blurred": blurred, "block grid": grid, "ghost": ghost, "smooth": smooth}
    return {name: np.where(filled[..., None], image, photo).astype(np.uint8) for name, image in fills.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", nargs="+", help="photos (default: the corpus's held-out photos)")
    parser.add_argument("--holes", type=int, default=3, help="holes per photo (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.photos:
        paths = args.photos
    else:
        from inpaint_utils.data.photo_corpus import corpus_photos

        paths = corpus_photos("heldout")
    removers = {label: (make_remover(method), options) for label, (method, options) in METHODS.items()}
    streaks = make_remover("telea")
    rows: dict[str, list[tuple[float, float]]] = {}
    for index, path in enumerate(paths):
        photo = read_image(path)[..., :3]
        rng = np.random.default_rng([args.seed, index])
        for hole in photo_holes(photo.shape[:2], args.holes, rng, (0.01, 0.03)):
            filled = dilate_mask(hole, DILATE)
            around = surroundings(filled)
            smooth = remove_object(photo, hole, removers["harmonic, as removal pastes it"][0], blend="paste",
                                   detail="none")
            fills = made_artefacts(photo, filled, around, smooth, rng)
            fills["streaks"] = remove_object(photo, hole, streaks, blend="paste", detail="none")
            for label, (remover, options) in removers.items():
                fills[label] = remove_object(photo, hole, remover, **options)
            for label, image in fills.items():
                rows.setdefault(label, []).append((patch_distance(image, filled, around),
                                                   repetition(image, filled, around), hole_psnr(image, photo, filled)))
        print(f"{path}: {photo.shape[1]}x{photo.shape[0]}", file=sys.stderr)
    base = np.array(rows["photo (untouched)"])
    print(f"{len(base)} holes in {len(paths)} photos. Patch distance x100 and repetition: lower is closer to the "
          "photo around the hole; each difference from the untouched photo's with its 95% interval over holes\n")
    print("| fill | patch distance | minus the photo's | repetition | minus the photo's | hole PSNR (dB) |")
    print("|---|---|---|---|---|---|")
    for label, values in rows.items():
        values = np.array(values)
        cells = []
        for column, scale in ((0, 100), (1, 1)):
            ours, theirs = scale * values[:, column], scale * base[:, column]
            cells += [f"{ours.mean():.2f}", difference_cell((ours - theirs).mean(), paired_bootstrap(ours, theirs))]
        psnr = values[:, 2][values[:, 2] < 100]  # the photo's own is the cap
        print(f"| {label} | {' | '.join(cells)} | {psnr.mean() if len(psnr) else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
