"""The structure benchmark (issue 44, item 1): large object-shaped holes across a photo's edges, on the
photo corpus's held-out photos, filled by every removal method and by the ablation's classical rows.

    python -m benchmarks.structure --holes 3 --placement both --scale 1.5 --sheets /tmp/structure_sheets
    python -m benchmarks.structure --holes 1 --photos 2 --scale 0.5 --rows PatchMatch "PatchMatch, line guided"

Holes (``data/structure_holes.py``): silhouettes of people, trees and cars, boxes and blobs of 3-30%
of the photo, centred on the photo's long straight edges (``edge``) or anywhere (``random``); the
photo under the hole is the truth. Per hole and method: hole PSNR at full resolution and at 1/8
scale (the layout), edge precision, recall and F1 inside the hole at half scale with a 2-px
tolerance (``evaluation/structure.py``, as EdgeConnect reports structure), patch distance and
repetition against the surroundings (``evaluation/patch_stats.py``), the seam, the share of the hole blown out
(colours the photo around it does not have), the share unlike its surroundings (1/4-scale patches
farther from every patch around the hole than the surroundings' own are from each other: the ghost
check; the photo's own row is its baseline), seconds per hole.
Realism by a trained judge, **called filled**: the crop test of ``evaluation/crop_test.py`` (a small
CNN trained from scratch, views of 32 px at 100% and the 128 px around) trained on holes of this
benchmark's kind in the corpus's *training* photos, at the same scale, filled by CROP_TEST_ROWS,
against the photo's own views at the same centres; then, on the held-out holes, the share of each
row's views it calls filled (the photo's row: its false alarms). Trained once and cached.
Differences against PatchMatch are paired over holes with 95% bootstrap intervals.
"""

import argparse
import csv
import functools
import sys
import time
from pathlib import Path

import numpy as np

from inpaint_utils.core.paths import output_root, writable_dir
from inpaint_utils.data.photos import read_image
from inpaint_utils.data.structure_holes import PLACEMENTS, SHARE, benchmark_holes, shrunk
from inpaint_utils.evaluation import crop_test
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.evaluation.patch_stats import patch_distance, repetition, surroundings, unfamiliar_share
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.evaluation.structure import blow_out_share, edge_scores, layout_psnr
from inpaint_utils.fills.detail import seam_sums
from inpaint_utils.fills.exemplar import SMALL_EXEMPLAR
from inpaint_utils.fills.guided import line_guided_fill, sampling_area_fill
from inpaint_utils.fills.layout import layout_guided_fill, patchmatch_on_layout
from inpaint_utils.removal.remover import Remover, dilate_mask, make_remover, remove_object

DILATE = 5  # remove_object's default: the pixels each method fills, and so the pixels scored
ANCHOR = "PatchMatch"
LEARNED = "PatchMatch, edges drawn by the structure stage"


def learned_fill(image, hole):
    """The structure stage's fill (``fills/structure.py``), its edge generator loaded on first use."""
    return structure_stage().fill(image, hole)


@functools.cache
def structure_stage():
    from inpaint_utils.fills.structure import load_structure

    return load_structure()


MARGINS = (0.5, 0.25)  # narrower crops than remove_object's default (1.0: the hole's size each side): item 6
SMALL_PATCHES = "PatchMatch, 7x7 patches"  # Round 2's candidate (docs/structure.md)
ON_LAYOUT = {f"PatchMatch 7x7 on the harmonic layout, {s:g}": functools.partial(patchmatch_on_layout, strength=s)
             for s in (0.25, 0.5)}  # Round 4's candidates
LAYOUT_SEARCH = "7x7 searched by the layout, 0.001"  # Round 5's candidate
GUIDED = {SMALL_PATCHES: SMALL_EXEMPLAR.per_image, **ON_LAYOUT, LAYOUT_SEARCH: layout_guided_fill,
          "PatchMatch, sampling area": sampling_area_fill, "PatchMatch, line guided": line_guided_fill,
          LEARNED: learned_fill}
METHODS = {  # label -> --method of the removal command (with options), or one of GUIDED
    ANCHOR: ("patchmatch", {}),
    **{f"PatchMatch, margin {m:g}": ("patchmatch", {"margin": m}) for m in MARGINS},
    **{label: (label, {}) for label in GUIDED},
    "PatchMatch 7x7 and harmonic, gated": ("patchmatch-gated", {}),
    "release model + Poisson + CRA": ("gan", {}),
    "harmonic + Poisson + CRA": ("harmonic", {}),
    "Telea + Poisson + CRA": ("telea", {}),
    "Navier-Stokes + Poisson + CRA": ("navier-stokes", {}),
    "biharmonic + Poisson + CRA": ("biharmonic", {}),
}
PHOTO = "photo (untouched)"  # the real-against-real row: patch distance and repetition of the truth
MEASURES = ("psnr", "layout", "precision", "recall", "f1", "called", "distance", "repetition", "seam", "photo_seam",
            "blow_out", "unfamiliar", "seconds")
CROP_TEST_ROWS = (ANCHOR, "release model + Poisson + CRA", "harmonic + Poisson + CRA", "Telea + Poisson + CRA")
VIEWS = 16  # the crop test's views per held-out hole and row
TRAIN_VIEWS = 24  # its training views per training hole and fill


def add_rows(fills: dict) -> None:
    """A probe's extra rows (label -> per-image fill), pasted and scored as the guided rows are."""
    GUIDED.update(fills)
    METHODS.update({label: (label, {}) for label in fills})


def remover_for(label: str) -> Remover:
    """The Remover of a row: the command's own for a --method; a guided fill pasted as PatchMatch is."""
    if label in GUIDED:
        return Remover(label, None, None, GUIDED[label], blend="paste", detail="none")
    return make_remover(METHODS[label][0])


def measure(result: np.ndarray, photo: np.ndarray, filled: np.ndarray, around: np.ndarray) -> dict:
    """Every measure of one result against the photo over the filled pixels."""
    edges = edge_scores(result, photo, filled)
    seam, photo_seam = seam_sums(result, photo, filled)
    return {"psnr": hole_psnr(result, photo, filled), "layout": layout_psnr(result, photo, filled),
            "precision": edges["precision"], "recall": edges["recall"], "f1": edges["f1"],
            "distance": 100 * patch_distance(result, filled, around), "repetition": repetition(result, filled, around),
            "seam": seam, "photo_seam": photo_seam, "blow_out": 100 * blow_out_share(result, photo, filled),
            "unfamiliar": 100 * unfamiliar_share(result, filled, around)}


def crop_classifier(holes: int, scale: float, share, seed: int) -> crop_test.CropClassifier:
    """The crop test's classifier for large holes, trained on ``holes`` holes per placement in each
    of the corpus's training photos (shrunk to ``scale`` MP, as the held-out ones): views deep in
    each hole filled by CROP_TEST_ROWS (label filled) against the photo's own at the same centres.
    Cached in checkpoints/structure_crop_test/: its views photo by photo, then the classifier."""
    cache = writable_dir(output_root() / "checkpoints" / "structure_crop_test")
    key = f"{holes}-{scale:g}-{share[0]:g}-{share[1]:g}-{seed}-{TRAIN_VIEWS}"
    return crop_test.cached_classifier(cache / f"classifier-{key}.pt",
                                       lambda: crop_training_views(holes, scale, share, seed, cache, key), seed=seed)


def crop_training_views(holes: int, scale: float, share, seed: int, cache: Path, key: str):
    """(filled views, real views) for ``crop_classifier``, cached photo by photo."""
    from inpaint_utils.data.photo_corpus import corpus_photos

    removers = {label: remover_for(label) for label in CROP_TEST_ROWS}
    filled, real = [], []
    for index, path in enumerate(corpus_photos("train")):
        part = cache / f"{path.stem}-{key}.npz"
        if not part.is_file():
            photo, rng, f, r = shrunk(read_image(path)[..., :3], scale), np.random.default_rng([seed, index]), [], []
            for placement in PLACEMENTS:
                for hole in benchmark_holes(photo, index, placement, holes, share, seed + 1):
                    try:
                        inside = crop_test.deep_centres(dilate_mask(hole.mask, DILATE), TRAIN_VIEWS, rng)
                    except ValueError:
                        continue
                    r.append(crop_test.views(photo, inside))
                    for label, remover in removers.items():
                        f.append(crop_test.views(remove_object(photo, hole.mask, remover, **METHODS[label][1]), inside))
            np.savez(part, filled=np.concatenate(f), real=np.concatenate(r))
            print(f"crop test, training views: {path.name}", file=sys.stderr, flush=True)
        with np.load(part) as views:
            filled.append(views["filled"])
            real.append(views["real"])
    return np.concatenate(filled), np.concatenate(real)


def called_share(classifier, image: np.ndarray, inside) -> float:
    """The share of ``image``'s views at ``inside`` the classifier calls filled (NaN without views)."""
    if classifier is None or inside is None:
        return np.nan
    return float(crop_test.called_filled(classifier, crop_test.views(image, inside)).mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--holes", type=int, default=3, help="holes per photo and placement (default 3)")
    parser.add_argument("--placement", nargs="+", default=["both"], choices=[*PLACEMENTS, "both"])
    parser.add_argument("--share", type=float, nargs=2, default=SHARE, metavar=("LOW", "HIGH"),
                        help="hole sizes as shares of the photo (default 0.03 0.30)")
    parser.add_argument("--scale", type=float, default=0.0, metavar="MP",
                        help="shrink each photo to about this many megapixels first (default 0: full size)")
    parser.add_argument("--photos", type=int, default=0, help="only the first N photos (default: all)")
    parser.add_argument("--split", default="heldout", choices=("heldout", "train"),
                        help="the corpus's held-out photos (the default: the benchmark) or its training photos "
                             "(to develop a fill on, leaving the held-out ones unseen)")
    parser.add_argument("--rows", nargs="+", choices=METHODS, metavar="LABEL",
                        help="only these rows, by label (quoted); PatchMatch is always run (the anchor)")
    parser.add_argument("--sheets", help="a folder for each hole's sheets: whole photo and 100%% crop, every row")
    parser.add_argument("--out", help="a CSV of every hole's values, row by row")
    parser.add_argument("--crop-test-holes", type=int, default=2, metavar="N",
                        help="the crop test's training holes per training photo and placement (default 2; 0: no crop test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from inpaint_utils.data.photo_corpus import corpus_photos

    placements = PLACEMENTS if "both" in args.placement else tuple(dict.fromkeys(args.placement))
    labels = [label for label in METHODS if label == ANCHOR or label in (args.rows or METHODS)]
    removers = {label: remover_for(label) for label in labels}
    photos = corpus_photos(args.split)[:args.photos or None]
    classifier = crop_classifier(args.crop_test_holes, args.scale, args.share, args.seed) if args.crop_test_holes else None
    records, start = [], time.perf_counter()
    for index, path in enumerate(photos):
        photo = shrunk(read_image(path)[..., :3], args.scale)
        for placement in placements:
            for number, hole in enumerate(benchmark_holes(photo, index, placement, args.holes, args.share, args.seed)):
                filled = dilate_mask(hole.mask, DILATE)
                around = surroundings(filled)
                try:
                    rng = np.random.default_rng([args.seed, index, PLACEMENTS.index(placement), number])
                    inside = crop_test.deep_centres(filled, VIEWS, rng)
                except ValueError:  # a hole at the photo's edge: no crop test
                    inside = None
                results = {PHOTO: photo}
                for label in labels:
                    begin = time.perf_counter()
                    results[label] = remove_object(photo, hole.mask, removers[label], **METHODS[label][1])
                    seconds = time.perf_counter() - begin
                    records.append({"photo": path.stem, "hole": f"{placement}-{number}", "shape": hole.shape,
                                    "placement": placement, "share": round(hole.share, 4), "row": label,
                                    **measure(results[label], photo, filled, around),
                                    "called": called_share(classifier, results[label], inside), "seconds": seconds})
                records.append({"photo": path.stem, "hole": f"{placement}-{number}", "shape": hole.shape,
                                "placement": placement, "share": round(hole.share, 4), "row": PHOTO,
                                **measure(photo, photo, filled, around),
                                "called": called_share(classifier, photo, inside), "seconds": np.nan})
                if args.sheets:
                    name = f"{path.stem}-{placement}-{number}-{hole.shape}"
                    save_sheets(results, filled, hole.focus(), Path(args.sheets), name)
                print(f"{path.stem} {placement} {number}: {hole.shape}, {hole.share:.1%} of "
                      f"{photo.shape[1]}x{photo.shape[0]}, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
    if args.out:
        write_csv(records, Path(args.out))
    holes = len({(r["photo"], r["hole"]) for r in records})
    print(f"{holes} holes of {args.share[0]:.0%}-{args.share[1]:.0%} in {len(photos)} {args.split} photos "
          f"({'full size' if not args.scale else f'shrunk to {args.scale:g} MP'}), placement "
          f"{' and '.join(placements)}; {time.perf_counter() - start:.0f} s. Differences against PatchMatch "
          "paired over holes, 95% bootstrap intervals.\n")
    for placement in (*placements, "all") if len(placements) > 1 else placements:
        chosen = [r for r in records if placement in ("all", r["placement"])]
        print(f"**{placement}** ({len({(r['photo'], r['hole']) for r in chosen})} holes)\n")
        print(report(chosen) + "\n")


def report(records: list[dict]) -> str:
    """The markdown table: one line per row, its means and its paired differences from PatchMatch's."""
    rows = {}
    for r in records:
        rows.setdefault(r["row"], []).append(r)
    anchor = rows[ANCHOR]
    lines = ["| fill | hole PSNR (dB) | minus PatchMatch's | 1/8-scale PSNR | minus PatchMatch's | edge precision "
             "| edge recall | edge F1 | minus PatchMatch's | patch distance x100 | minus PatchMatch's | repetition "
             "| seam | blow-outs (% of hole) | unlike surroundings (% of hole) | minus PatchMatch's "
             "| called filled (% of views) | minus PatchMatch's | s per hole |",
             "|---" * 19 + "|"]
    for label, values in rows.items():
        col = {key: np.array([v[key] for v in values], float) for key in MEASURES}
        ref = {key: np.array([v[key] for v in anchor], float) for key in MEASURES}
        col["called"], ref["called"] = 100 * col["called"], 100 * ref["called"]
        versus = label not in (ANCHOR, PHOTO)
        diff = lambda key, digits=2: difference_cell(*_paired(col[key], ref[key]), digits=digits) if versus else ""  # noqa: E731
        cells = ["" if label == PHOTO else f"{col['psnr'].mean():.2f}", "" if label == PHOTO else diff("psnr"),
                 "" if label == PHOTO else f"{col['layout'].mean():.2f}", "" if label == PHOTO else diff("layout"),
                 f"{col['precision'].mean():.2f}", f"{col['recall'].mean():.2f}", f"{col['f1'].mean():.3f}",
                 diff("f1", 3), f"{col['distance'].mean():.2f}", diff("distance"), f"{col['repetition'].mean():.2f}",
                 f"{col['seam'].sum() / col['photo_seam'].sum():.2f}", f"{col['blow_out'].mean():.1f}",
                 f"{col['unfamiliar'].mean():.1f}", diff("unfamiliar", 1),
                 f"{np.nanmean(col['called']):.1f}" if np.isfinite(col["called"]).any() else "",
                 diff("called", 1) if np.isfinite(col["called"]).any() else "",
                 "" if label == PHOTO else f"{col['seconds'].mean():.2f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _paired(a: np.ndarray, b: np.ndarray):
    """The mean difference and its interval over the holes where both values are (the crop test
    skips holes at the photo's edge)."""
    both = np.isfinite(a) & np.isfinite(b)
    return (a[both] - b[both]).mean(), paired_bootstrap(a[both], b[both])


def write_csv(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def save_sheets(results: dict, hole: np.ndarray, focus, folder: Path, name: str, width: int = 480,
                side: int = 480) -> None:
    """Two PNGs of every row side by side, labelled, four to a line: ``<name>-photo.png``, each whole
    result shrunk to ``width`` px (the hole outlined on the photo's own tile), and ``<name>-100.png``,
    a ``side`` px crop at 100% centred on ``focus`` (row, column: ``StructureHole.focus``)."""
    import cv2
    from PIL import Image, ImageDraw

    height, full = hole.shape
    cy, cx = focus
    half = min(side, height, full) // 2
    top, left = int(np.clip(cy - half, 0, height - 2 * half)), int(np.clip(cx - half, 0, full - 2 * half))
    outline = cv2.morphologyEx(hole.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    for suffix, cut in (("photo", None), ("100", (slice(top, top + 2 * half), slice(left, left + 2 * half)))):
        tiles = []
        for label, image in results.items():
            if label == PHOTO:
                image = image.copy()
                image[cv2.dilate(outline.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0] = (255, 0, 255)
            tile = image[cut] if cut else cv2.resize(image, (width, round(width * height / full)),
                                                     interpolation=cv2.INTER_AREA)
            canvas = Image.new("RGB", (tile.shape[1], tile.shape[0] + 16), "white")
            canvas.paste(Image.fromarray(np.ascontiguousarray(tile)), (0, 16))
            ImageDraw.Draw(canvas).text((2, 2), label, fill="black")
            tiles.append(canvas)
        w, h = tiles[0].size
        sheet = Image.new("RGB", (4 * (w + 4), -(-len(tiles) // 4) * (h + 4)), "white")
        for i, tile in enumerate(tiles):
            sheet.paste(tile, ((i % 4) * (w + 4), (i // 4) * (h + 4)))
        folder.mkdir(parents=True, exist_ok=True)
        sheet.save(folder / f"{name}-{suffix}.png")


if __name__ == "__main__":
    main()
