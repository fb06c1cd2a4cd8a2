"""What a user sees at 100%: object removal on photos never trained on, with and without detail transfer.

    python -m benchmarks.removal_detail                          # the photo corpus's held-out photos
    python -m benchmarks.removal_detail --photos a.jpg b.jpg --out table.md
    python -m benchmarks.removal_detail --blends paste feather poisson --methods gan telea
    python -m benchmarks.removal_detail --split train --sweep    # choose CRA's parameters (detail.py)

Each photo (``corpus_photos(split)`` from ``python -m inpaint_utils.corpus``, or ``--photos``)
gets ``--holes`` object-sized holes, seeded: 1-5% of the photo each, blobs and boxes in turn, each
removed on its own with ``remove_object`` at the photo's full resolution (default dilation and
margin). Per hole, over the filled pixels (the dilated hole):

- hole PSNR against the photo (dB);
- detail ratio: mean |Laplacian| inside the hole over that of a ring around it
  (``detail.detail_sums``); 1.0 is as finely textured as the surroundings, and the photo's own
  ratio is printed beside the fills;
- seam: gradient magnitude along the hole's edge after a 2-pixel blur, result over photo
  (``detail.seam_sums``): 1.0 is an edge no more visible than the photo's own there;
- s/MP: wall time of ``remove_object`` over the photo's megapixels.

Ratios are ratios of sums over holes (a hole in flat sky cannot swing them); every comparison
comes with a 95% paired bootstrap interval over holes (``stats.paired_bootstrap``). Timings are
wall times on one torch thread, with whatever else the machine runs. Biharmonic is left out of
the default methods: at about 1 s a megapixel a call it is the slowest at photo size (scikit-image
solves for every hole pixel at once). ``--sweep`` fills each hole once per method and re-runs only
CRA on its crop for each parameter set, one parameter at a time around detail.py's defaults; run
it on the training photos (``--split train``) so that the held-out photos stay a test.
"""

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from inpaint_utils.data.masks import photo_holes
from inpaint_utils.data.photos import read_image
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.fills import detail
from inpaint_utils.removal.remover import (
    crop_bounds,
    dilate_mask,
    make_remover,
    remove_object,
)

ROOT = Path(__file__).resolve().parents[1]

DILATE, MARGIN = 5, 1.0  # remove_object's defaults
SEAMS = {"paste": {"blend": "paste"}, "poisson": {"blend": "poisson"}, "feather": {"blend": "paste", "feather": DILATE}}
SWEEP = {"low": (64, 128), "grid": (16, 32, 64), "context": (0, 1, 2), "scale": (30, 100, 300, 1000, 3000),
         "top": (4, 16, 64), "similarity": ("cosine", "raw")}
COLUMNS = {"psnr": "hole PSNR (dB)", "detail": "detail ratio", "seam": "seam", "s_mp": "s/MP"}


def measures(result: np.ndarray, photo: np.ndarray, filled: np.ndarray) -> dict:
    """Per hole: PSNR, and the (numerator, denominator) of the detail ratio and the seam measure."""
    return {"psnr": hole_psnr(result, photo, filled),
            "detail": detail.detail_sums(result, filled), "seam": detail.seam_sums(result, photo, filled)}


def ratio_of_sums(values: np.ndarray) -> np.ndarray:
    """(resamples, holes, 2) -> (resamples,): sum of numerators over sum of denominators."""
    return values[..., 0].sum(axis=1) / values[..., 1].sum(axis=1)


def mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=1)


STATISTIC = {"psnr": mean, "detail": ratio_of_sums, "seam": ratio_of_sums, "s_mp": mean}


def value(rows: list[dict], column: str) -> float:
    return float(STATISTIC[column](np.array([r[column] for r in rows], dtype=float)[None])[0])


def difference(a: list[dict], b: list[dict], column: str) -> str:
    """a - b on ``column``, holes paired, with its 95% bootstrap interval."""
    x, y = (np.array([r[column] for r in rows], dtype=float) for rows in (a, b))
    interval = paired_bootstrap(x, y, statistic=STATISTIC[column])
    return difference_cell(value(a, column) - value(b, column), interval, 2 if column in ("psnr", "s_mp") else 3)


def photo_paths(args) -> list[Path]:
    if args.photos:
        return args.photos
    from inpaint_utils.data.photo_corpus import corpus_photos

    return corpus_photos(args.split)[:args.count]


def run(args) -> dict:
    """{(method, seam, detail): per-hole rows}, plus ("photo", "", "") for the photo itself."""
    removers = {name: make_remover(name) for name in args.methods}
    rows = {}
    for index, path in enumerate(photo_paths(args)):
        photo = read_image(path)
        megapixels = photo.shape[0] * photo.shape[1] / 1e6
        for mask in photo_holes(photo.shape[:2], args.holes, np.random.default_rng([args.seed, index]), args.area):
            filled = dilate_mask(mask, DILATE)
            rows.setdefault(("photo", "", ""), []).append({**measures(photo, photo, filled), "s_mp": 0.0})
            for (name, remover), seam, level in itertools.product(removers.items(), args.blends, args.details):
                start = time.perf_counter()
                result = remove_object(photo, mask, remover, dilate=DILATE, margin=MARGIN, detail=level, **SEAMS[seam])
                seconds = time.perf_counter() - start
                assert np.array_equal(result[~filled], photo[~filled])
                rows.setdefault((name, seam, level), []).append({**measures(result, photo, filled),
                                                                 "s_mp": seconds / megapixels})
        print(f"{path.name}: {photo.shape[1]}x{photo.shape[0]}", file=sys.stderr)
    return rows


def tables(rows: dict, args) -> str:
    """The Markdown tables: every row's values; CRA against none; each seam treatment against the first."""
    count = len(rows[("photo", "", "")])
    low, high = args.area
    lines = [f"{count} holes ({100 * low:g}-{100 * high:g}% of the photo each) in {len(photo_paths(args))} photos; ratios are "
             "ratios of sums over holes; [95% paired bootstrap interval over holes]", "",
             "| method | seam treatment | detail | " + " | ".join(COLUMNS.values()) + " |",
             "|---|---|---|" + "---|" * len(COLUMNS)]
    for (name, seam, level), values in rows.items():
        cells = [f"{value(values, c):.2f}" if c in ("psnr", "s_mp") else f"{value(values, c):.3f}" for c in COLUMNS]
        if name == "photo":
            cells[0], cells[3] = "", ""  # its PSNR is infinite, its time nothing
        lines.append(f"| {name} | {seam} | {level} | " + " | ".join(cells) + " |")
    if "cra" in args.details and "none" in args.details:
        lines += ["", "CRA minus none, same method and seam treatment:", "",
                  "| method | seam treatment | " + " | ".join(f"Δ {t}" for t in COLUMNS.values()) + " |",
                  "|---|---|" + "---|" * len(COLUMNS)]
        for name, seam in itertools.product(args.methods, args.blends):
            lines.append(f"| {name} | {seam} | " + " | ".join(
                difference(rows[(name, seam, "cra")], rows[(name, seam, "none")], c) for c in COLUMNS) + " |")
    if len(args.blends) > 1:
        first = args.blends[0]
        lines += ["", f"Each seam treatment minus {first}, same method and detail:", "",
                  "| method | detail | seam treatment | " + " | ".join(f"Δ {t}" for t in COLUMNS.values()) + " |",
                  "|---|---|---|" + "---|" * len(COLUMNS)]
        for name, level, seam in itertools.product(args.methods, args.details, args.blends[1:]):
            lines.append(f"| {name} | {level} | {seam} | " + " | ".join(
                difference(rows[(name, seam, level)], rows[(name, first, level)], c) for c in COLUMNS) + " |")
    return "\n".join(lines)


def sweep(args) -> str:
    """CRA's parameters one at a time around detail.py's defaults, on fills made once per method."""
    defaults = {"low": detail.LOW, "grid": detail.GRID, "context": detail.CONTEXT, "scale": detail.SCALE,
                "top": detail.TOP, "similarity": detail.SIMILARITY}
    configs = [("none", None), ("defaults", defaults)]
    configs += [(f"{key}={option}", {**defaults, key: option}) for key, options in SWEEP.items() if key in args.vary
                for option in options if option != defaults[key]]
    removers = {name: make_remover(name) for name in args.methods}
    rows = {}
    for index, path in enumerate(photo_paths(args)):
        photo = read_image(path)
        for mask in photo_holes(photo.shape[:2], args.holes, np.random.default_rng([args.seed, index]), args.area):
            filled = dilate_mask(mask, DILATE)
            rows.setdefault(("photo", "-"), []).append(measures(photo, photo, filled))
            ys, xs = np.flatnonzero(filled.any(axis=1)), np.flatnonzero(filled.any(axis=0))
            top, bottom, left, right = crop_bounds(ys[0], ys[-1] + 1, xs[0], xs[-1] + 1, margin=MARGIN, shape=photo.shape[:2])
            box = slice(top, bottom), slice(left, right)
            for name, remover in removers.items():
                base = remove_object(photo, mask, remover, dilate=DILATE, margin=MARGIN, **SEAMS[args.blends[0]])
                for label, config in configs:
                    result = base
                    if config:  # what remove_object(detail="cra") does to its crop, with these parameters
                        result = base.copy()
                        cra = detail.residual_aggregation(photo[box], base[box], filled[box], **config)
                        result[box][filled[box]] = np.rint(cra[filled[box]]).astype(np.uint8)
                    rows.setdefault((name, label), []).append(measures(result, photo, filled))
        print(f"{path.name}: {photo.shape[1]}x{photo.shape[0]}", file=sys.stderr)
    columns = ("psnr", "detail", "seam")
    lines = [f"CRA parameters, {len(rows[('photo', '-')])} holes; Δ against no detail transfer, "
             "[95% paired bootstrap interval over holes]", "",
             "| method | CRA | " + " | ".join(COLUMNS[c] for c in columns) + " | "
             + " | ".join(f"Δ {COLUMNS[c]}" for c in columns) + " |", "|---|---|" + "---|" * 2 * len(columns)]
    for (name, label), values in rows.items():
        base = rows.get((name, "none"))
        cells = [f"{value(values, c):.3f}" if name != "photo" or c != "psnr" else "" for c in columns]
        cells += [difference(values, base, c) if base and label != "none" else "" for c in columns]
        lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, nargs="+", help="photo files (default: the corpus's --split photos)")
    parser.add_argument("--split", default="heldout", choices=("heldout", "train"), help="the corpus's photos to use")
    parser.add_argument("--count", type=int, default=5, help="at most this many of the corpus's photos (default 5)")
    parser.add_argument("--holes", type=int, default=3, help="holes per photo, each removed on its own (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--area", type=float, nargs=2, default=(0.01, 0.05), metavar=("MIN", "MAX"),
                        help="each hole's share of the photo, drawn uniformly (default 0.01 0.05)")
    parser.add_argument("--methods", nargs="+", default=["gan", "harmonic", "telea", "navier-stokes"],
                        choices=("gan", "harmonic", "telea", "biharmonic", "navier-stokes", "patchmatch"),
                        help="default: all but biharmonic, the slowest at photo size (about 1 s a megapixel)")
    parser.add_argument("--blends", nargs="+", default=["poisson"], choices=tuple(SEAMS),
                        help="seam treatments (feather: over the --dilate pixels); the first is the reference")
    parser.add_argument("--details", nargs="+", default=["none", "cra"], choices=("none", "cra"))
    parser.add_argument("--sweep", action="store_true", help="CRA's parameters instead (first --blends only)")
    parser.add_argument("--vary", nargs="+", default=list(SWEEP), choices=tuple(SWEEP),
                        help="with --sweep: the parameters to vary (default all)")
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: on a shared CPU, more "
                                                               "threads wait on each other and the times scatter)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="a hole covers")  # larger than the model's training holes: measured here
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    text = sweep(args) if args.sweep else tables(run(args), args)
    text += f"\n\nWall time of the whole benchmark: {time.perf_counter() - start:.0f} s.\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
