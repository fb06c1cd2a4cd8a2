"""Removal on the photo corpus's held-out photos, judged as a person judges it: hole PSNR, two
realism measures with intervals, the seam and the time, for every removal method and for fills
made to show each artefact a person sees at 100%.

    python -m benchmarks.removal_realism                # the corpus; about 45 minutes on two cores
    python -m benchmarks.removal_realism --share 0.0001 0.0003   # small objects: about 20 minutes
    python -m benchmarks.removal_realism --rows PatchMatch "harmonic, pasted"   # some rows: faster
    python -m benchmarks.removal_realism --test-holes 4 --train-holes 3   # a quick look

Realism, two ways (lower is closer to the photo; the untouched photo is the real-against-real row):
- **called filled**: the classifier two-sample test of ``evaluation/crop_test.py``. A small CNN is
  trained from scratch on views (32 px at 100% and the 128 px around, shrunk) centred in holes of
  the corpus's *training* photos filled by TRAIN_METHODS, against views of the same photos away from
  the holes; on the held-out photos, the share of each method's hole views it calls filled.
- **patch distance**: the sliced Wasserstein distance of 7x7 Laplacian patches, hole against
  surroundings (``evaluation/patch_stats.py``), and **repetition** (copied blocks).

The made artefacts: **blurred** (the truth under a Gaussian of 6 px), **block grid** (one 24x24 block
of the surroundings tiled over the hole), **ghost** (a copy of another part of the photo at half
opacity over the harmonic fill), **streaks** (OpenCV's Telea, pasted). None of them is in the
classifier's training: measures that rank as a person does put each above the photo.
Differences are paired over holes, with 95% bootstrap intervals.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from inpaint_utils.core.paths import output_root, writable_dir
from inpaint_utils.data.masks import photo_holes
from inpaint_utils.data.photos import read_image
from inpaint_utils.evaluation import crop_test
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.evaluation.patch_stats import patch_distance, repetition, surroundings
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.fills.detail import seam_sums
from inpaint_utils.removal.remover import dilate_mask, make_remover, remove_object

DILATE = 5  # remove_object's default: the pixels each method fills
SHARE = (0.003, 0.01)  # hole sizes, as shares of the photo: objects of 100-200 px in 3 MP
VIEWS = 8  # test views per hole and method, and as many away from it
TRAIN_VIEWS = 24  # training views per hole and fill, and as many away from it
METHODS = {  # label -> (method, options): every removal method a user can choose, as the command runs it
    "PatchMatch": ("patchmatch", {}),
    "PatchMatch 7x7 and harmonic, gated": ("patchmatch-gated", {}),
    "release model + Poisson + CRA": ("gan", {}),
    "harmonic + Poisson + CRA": ("harmonic", {}),
    "harmonic, pasted": ("harmonic", {"blend": "paste", "detail": "none"}),
    "Telea + Poisson + CRA": ("telea", {}),
    "Navier-Stokes + Poisson + CRA": ("navier-stokes", {}),
}
TRAIN_METHODS = ("PatchMatch", "release model + Poisson + CRA", "harmonic, pasted", "Telea + Poisson + CRA")
TRAIN_ARTEFACTS = ("blurred", "block grid", "ghost")  # made on the training photos too


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
    fills = {"photo (untouched)": photo, "blurred": blurred, "block grid": grid, "ghost": ghost}
    return {name: np.where(filled[..., None], image, photo).astype(np.uint8) for name, image in fills.items()}


def holes_of(photo: np.ndarray, count: int, rng: np.random.Generator, share=SHARE) -> list[np.ndarray]:
    """``count`` holes far enough from the photo's edge for the crop test's views."""
    keep = []
    while len(keep) < count:
        for hole in photo_holes(photo.shape[:2], count, rng, share):
            try:
                crop_test.centres(dilate_mask(hole, DILATE), 1, np.random.default_rng(0))
                keep.append(hole)
            except ValueError:
                pass
    return keep[:count]


def training_views(paths, holes: int, removers, seed: int, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """(filled views, real views) from holes in the training photos, cached photo by photo: every
    fill of TRAIN_METHODS and TRAIN_ARTEFACTS, TRAIN_VIEWS views of each."""
    filled, real = [], []
    for index, path in enumerate(paths):
        part = cache / f"{path.stem}-{holes}-{seed}-{TRAIN_VIEWS}.npz"
        if not part.is_file():
            photo, rng = read_image(path)[..., :3], np.random.default_rng([seed, 1_000 + index])
            f, r = [], []
            for hole in holes_of(photo, holes, rng):
                area = dilate_mask(hole, DILATE)
                inside, away = crop_test.centres(area, TRAIN_VIEWS, rng)
                r.append(crop_test.views(photo, away))
                fills = {label: remove_object(photo, hole, removers[label][0], **removers[label][1]) for label in TRAIN_METHODS}
                made = made_artefacts(photo, area, surroundings(area), fills["harmonic, pasted"], rng)
                for image in [*fills.values(), *(made[label] for label in TRAIN_ARTEFACTS)]:
                    f.append(crop_test.views(image, inside))
            np.savez(part, filled=np.concatenate(f), real=np.concatenate(r))
            print(f"training views: {path.name}", file=sys.stderr, flush=True)
        with np.load(part) as saved:
            filled.append(saved["filled"])
            real.append(saved["real"])
    return np.concatenate(filled), np.concatenate(real)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test-holes", type=int, default=21,
                        help="holes per held-out photo (default 21: over 1,000 views per row)")
    parser.add_argument("--train-holes", type=int, default=10, help="holes per training photo (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--share", type=float, nargs=2, default=SHARE, metavar=("LOW", "HIGH"),
                        help="the held-out holes' sizes as shares of the photo (default 0.003 0.01; 0.0001 0.0003: "
                             "small objects, 17-30 px in 3 MP)")
    parser.add_argument("--crops", help="a folder for each hole's 100%% crops, every method side by side")
    parser.add_argument("--rows", nargs="+", choices=METHODS, metavar="LABEL",
                        help="only these methods' rows, by label (quoted), and the made artefacts; the default: all")
    args = parser.parse_args(argv)
    from inpaint_utils.data.photo_corpus import corpus_photos

    wanted = set(args.rows or METHODS) | {"harmonic, pasted"}  # the ghost is made on it
    removers = {label: (make_remover(method), options) for label, (method, options) in METHODS.items()
                if label in wanted or label in TRAIN_METHODS}
    cache = writable_dir(output_root() / "checkpoints" / "crop_test")
    filled, real = training_views(corpus_photos("train"), args.train_holes, removers, args.seed, cache)
    start, saved = time.perf_counter(), cache / f"classifier-{args.train_holes}-{args.seed}-{TRAIN_VIEWS}.pt"
    classifier = crop_test.cached_classifier(saved, lambda: (filled, real), seed=args.seed)
    print(f"classifier: {len(filled)} filled and {len(real)} real training views, "
          f"{time.perf_counter() - start:.0f} s", file=sys.stderr)
    rows, away_called, streaks = {}, [], make_remover("telea")
    for index, path in enumerate(corpus_photos("heldout")):
        photo, rng = read_image(path)[..., :3], np.random.default_rng([args.seed, index])
        for hole in holes_of(photo, args.test_holes, rng, args.share):
            filled_area = dilate_mask(hole, DILATE)
            around = surroundings(filled_area)
            inside, away = crop_test.centres(filled_area, VIEWS, rng)
            away_called.append(crop_test.called_filled(classifier, crop_test.views(photo, away)).mean())
            results, seconds = {}, {}
            for label, (remover, options) in removers.items():
                if label not in wanted:
                    continue
                begin = time.perf_counter()
                results[label] = remove_object(photo, hole, remover, **options)
                seconds[label] = time.perf_counter() - begin
            results |= made_artefacts(photo, filled_area, around, results["harmonic, pasted"], rng)
            results["streaks"] = remove_object(photo, hole, streaks, blend="paste", detail="none")
            if args.crops:
                save_crops(results, filled_area, Path(args.crops) / f"{path.stem}-{len(away_called):03d}.png")
            for label, image in results.items():
                seam = seam_sums(image, photo, filled_area)
                rows.setdefault(label, []).append({
                    "psnr": hole_psnr(image, photo, filled_area),
                    "called": crop_test.called_filled(classifier, crop_test.views(image, inside)).mean(),
                    "distance": 100 * patch_distance(image, filled_area, around),
                    "repetition": repetition(image, filled_area, around),
                    "seam": seam, "seconds": seconds.get(label, np.nan)})
        print(f"{path.name}: {photo.shape[1]}x{photo.shape[0]}", file=sys.stderr, flush=True)
    print(report(rows, np.array(away_called), len(corpus_photos("heldout"))))


def save_crops(results: dict, hole: np.ndarray, path: Path, side: int = 360) -> None:
    """One PNG of every result's 100% crop around ``hole`` (at most ``side`` pixels), labelled, in
    rows of four; the hole's outline is drawn on the photo's crop only."""
    from PIL import Image, ImageDraw

    ys, xs = np.nonzero(hole)
    cy, cx = (ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2
    height, width = hole.shape
    half = min(side, max(np.ptp(ys), np.ptp(xs)) + 80) // 2
    top, left = int(np.clip(cy - half, 0, height - 2 * half)), int(np.clip(cx - half, 0, width - 2 * half))
    tiles = []
    for label, image in results.items():
        tile = Image.fromarray(image[top:top + 2 * half, left:left + 2 * half])
        canvas = Image.new("RGB", (tile.width, tile.height + 16), "white")
        canvas.paste(tile, (0, 16))
        ImageDraw.Draw(canvas).text((2, 2), label, fill="black")
        tiles.append(canvas)
    columns = 4
    sheet = Image.new("RGB", (columns * (2 * half + 4), -(-len(tiles) // columns) * (2 * half + 20)), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % columns) * (2 * half + 4), (i // columns) * (2 * half + 20)))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def column(rows, key):
    return np.array([r[key] for r in rows], dtype=float)


def report(rows: dict, away_called: np.ndarray, photos: int) -> str:
    base, anchor = rows["photo (untouched)"], rows["PatchMatch"]
    holes = len(base)
    lines = [f"{holes} holes in {photos} held-out photos, {VIEWS * holes} views per row; the classifier calls "
             f"{away_called.mean():.1%} of the views away from the holes filled. Differences paired over holes, "
             "95% bootstrap intervals.", "",
             "| fill | hole PSNR (dB) | minus PatchMatch's | called filled | minus the photo's | minus PatchMatch's "
             "| patch distance x100 | minus the photo's | repetition | seam | s per hole |", "|---" * 11 + "|"]
    for label, values in rows.items():
        psnr, called, distance = column(values, "psnr"), column(values, "called"), column(values, "distance")
        seam = np.array([r["seam"] for r in values]).sum(axis=0)
        capped = psnr < 100  # the photo's own PSNR is the cap
        cells = [f"{psnr[capped].mean():.2f}" if capped.any() else "",
                 difference_cell(*_paired(psnr, column(anchor, "psnr"))) if label != "PatchMatch" and capped.all() else "",
                 f"{called.mean():.1%}",
                 difference_cell(*_paired(100 * called, 100 * column(base, "called")), digits=1)
                 if label != "photo (untouched)" else "",
                 difference_cell(*_paired(100 * called, 100 * column(anchor, "called")), digits=1)
                 if label != "PatchMatch" else "",
                 f"{distance.mean():.2f}",
                 difference_cell(*_paired(distance, column(base, "distance"))) if label != "photo (untouched)" else "",
                 f"{column(values, 'repetition').mean():.2f}", f"{seam[0] / seam[1]:.2f}",
                 f"{np.nanmean(column(values, 'seconds')):.2f}" if label in METHODS else ""]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _paired(a: np.ndarray, b: np.ndarray):
    return (a - b).mean(), paired_bootstrap(a, b)


if __name__ == "__main__":
    main()
