"""Which of several PatchMatch fills should the structure stage's critic keep? A probe on the
corpus's *training* photos, so that the held-out ones stay unseen for the round's rule.

    python -m benchmarks.probes.candidates --holes 2 --out /tmp/candidates.csv   # about 20 min at 1 MP
    python -m benchmarks.probes.candidates --analyse /tmp/candidates.csv

For each hole of the structure benchmark's kind (``benchmarks/structure.py``: 3-30%, across edges
and at random, photos shrunk to ``--scale`` MP), every fill of ``CANDIDATES`` is pasted as
the removal pastes PatchMatch and measured against the truth as the benchmark measures it; beside
those, what the critic sees without the truth (``agreement``, and ``consensus``: the PSNR
of its 1/8-scale colours against the candidates' mean). ``--analyse`` then scores pick rules: for
each, the picked fill's measures minus PatchMatch 11x11's, paired over holes with 95% intervals,
and the oracle that knows the truth.
"""

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd

import benchmarks.structure as benchmark
from inpaint_utils.data.edges import canny_edges
from inpaint_utils.data.photos import read_image
from inpaint_utils.data.structure_holes import PLACEMENTS, SHARE, benchmark_holes, shrunk
from inpaint_utils.evaluation.patch_stats import surroundings
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.evaluation.structure import shrink_mask
from inpaint_utils.fills.exemplar import PATCHMATCH_SEED, SMALL_PATCH
from inpaint_utils.fills.guided import line_guided_fill, patchmatch, sampling_area_fill
from inpaint_utils.fills.layout import LAYOUT_SCALE, harmonic_layout, layout_cells, shrink
from inpaint_utils.removal.remover import Remover, dilate_mask, remove_object

CANDIDATES: dict[str, Callable] = {  # label -> per-image fill (uint8 HxWx3 crop, bool hole) -> HxWx3
    "PatchMatch 11x11": lambda image, hole: patchmatch(image, hole),
    "7x7": lambda image, hole: patchmatch(image, hole, patch=SMALL_PATCH),
    "7x7, another seed": lambda image, hole: patchmatch(image, hole, patch=SMALL_PATCH, seed=PATCHMATCH_SEED + 1),
    "7x7, sampling area": lambda image, hole: sampling_area_fill(image, hole, SMALL_PATCH),
    "7x7, line guided": lambda image, hole: line_guided_fill(image, hole, SMALL_PATCH),
}
TOLERANCE = 1.0  # pixels at the generator's size within which a fill's edge meets a drawn one


@dataclass
class Guide:
    """What the critic compares a fill with: the generator's ``edges`` in the hole and the ``hole``
    at its square input size, and a harmonic ``layout`` of the crop at 1/8 scale with its hole."""

    edges: np.ndarray
    hole: np.ndarray
    layout: np.ndarray
    layout_hole: np.ndarray


def make_guide(stage, image: np.ndarray, hole: np.ndarray) -> Guide:
    """The Guide of ``hole`` in ``image`` (uint8 HxWx3) from ``stage`` (``structure.StructureStage``)."""
    from inpaint_utils.fills.structure import THRESHOLD

    hole = hole.astype(bool)
    _, small_hole = stage.inputs(image, hole)
    edges = (stage.probability(image, hole) > THRESHOLD) & small_hole
    return Guide(edges, small_hole, harmonic_layout(image, hole), layout_cells(hole))


def agreement(fill: np.ndarray, guide: Guide) -> dict[str, float]:
    """How ``fill`` (HxWx3, the crop with its hole filled) agrees with ``guide``: edge precision,
    recall and F1 of its Canny edges at the generator's size against the drawn ones (within TOLERANCE;
    an empty set scores 1, as ``evaluation.structure.edge_scores``), and the PSNR of its 1/8-scale
    colours against the harmonic layout over the hole."""
    size = guide.hole.shape[::-1]
    small = cv2.resize(np.clip(fill, 0, 255).astype(np.uint8), size, interpolation=cv2.INTER_AREA)
    found = canny_edges(small) & guide.hole
    precision = _met(found, guide.edges)
    recall = _met(guide.edges, canny_edges(small))
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    coarse = shrink(fill, LAYOUT_SCALE)
    mse = float(np.mean((coarse[guide.layout_hole] - guide.layout[guide.layout_hole]) ** 2))
    return {"edge_precision": precision, "edge_recall": recall, "edge_f1": f1,
            "layout_psnr": 10 * np.log10(255 ** 2 / max(mse, 1e-6))}


def _met(these: np.ndarray, those: np.ndarray) -> float:
    """The share of ``these`` edge pixels within TOLERANCE of one of ``those`` (1 where there are none)."""
    if not these.any():
        return 1.0
    if not those.any():
        return 0.0
    distance = cv2.distanceTransform((~those).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return float((distance[these] <= TOLERANCE).mean())


ANCHOR = "PatchMatch 11x11"
TRUE = ("psnr", "layout", "f1", "precision", "recall", "distance", "unfamiliar", "blow_out")
SEEN = ("edge_f1", "edge_precision", "edge_recall", "layout_psnr", "consensus")


def fill_all(crop: np.ndarray, hole: np.ndarray) -> dict:
    """Every candidate's fill of ``crop``, its seconds and what the critic sees of it."""
    stage, hole = benchmark.structure_stage(), hole.astype(bool)
    guide = make_guide(stage, crop, hole)
    fills, seen = {}, {}
    for label, fill in CANDIDATES.items():
        begin = time.perf_counter()
        fills[label] = np.asarray(fill(crop, hole), np.float32)
        seen[label] = {**agreement(fills[label], guide), "seconds": time.perf_counter() - begin}
    coarse_hole = shrink_mask(hole, LAYOUT_SCALE)
    coarse = {label: shrink(f, LAYOUT_SCALE)[coarse_hole] for label, f in fills.items()}
    mean = np.mean(list(coarse.values()), axis=0)
    for label in fills:
        seen[label]["consensus"] = 10 * np.log10(255 ** 2 / max(float(np.mean((coarse[label] - mean) ** 2)), 1e-6))
    return {"fills": fills, "seen": seen}


def collect(args) -> pd.DataFrame:
    from inpaint_utils.data.photo_corpus import corpus_photos

    records = []
    for index, path in enumerate(corpus_photos(args.split)[:args.photos or None]):
        photo = shrunk(read_image(path)[..., :3], args.scale)
        for placement in PLACEMENTS:
            for number, hole in enumerate(benchmark_holes(photo, index, placement, args.holes, SHARE, args.seed)):
                filled = dilate_mask(hole.mask, benchmark.DILATE)
                around, made = surroundings(filled), {}

                def per_image(crop, part, label):
                    key = (crop.shape, part.tobytes())
                    if key not in made:
                        made[key] = fill_all(crop, part)
                    return made[key]["fills"][label]

                for label in CANDIDATES:
                    remover = Remover(label, None, None, lambda c, p, label=label: per_image(c, p, label),
                                      blend="paste", detail="none")
                    result = remove_object(photo, hole.mask, remover)
                    seen = {k: np.mean([m["seen"][label][k] for m in made.values()]) for k in (*SEEN, "seconds")}
                    records.append({"photo": path.stem, "hole": f"{placement}-{number}", "shape": hole.shape,
                                    "placement": placement, "share": round(hole.share, 4), "candidate": label,
                                    **{k: v for k, v in benchmark.measure(result, photo, filled, around).items()
                                       if k in TRUE}, **seen})
                print(f"{path.stem} {placement} {number}: {hole.shape} {hole.share:.1%}", file=sys.stderr, flush=True)
    return pd.DataFrame(records)


def rules(frame: pd.DataFrame) -> dict:
    """Pick rules, each a function of one hole's candidates (a DataFrame) -> the picked label."""
    def z(values):
        spread = values.std()
        return (values - values.mean()) / spread if spread > 0 else values * 0

    return {
        "edges": lambda h: h["edge_f1"].idxmax(),
        "layout": lambda h: h["layout_psnr"].idxmax(),
        "consensus": lambda h: h["consensus"].idxmax(),
        "edges + layout": lambda h: (z(h["edge_f1"]) + z(h["layout_psnr"])).idxmax(),
        "edges + consensus": lambda h: (z(h["edge_f1"]) + z(h["consensus"])).idxmax(),
        "edges + layout + consensus": lambda h: (z(h["edge_f1"]) + z(h["layout_psnr"]) + z(h["consensus"])).idxmax(),
        "oracle: true F1": lambda h: h["f1"].idxmax(),
        "oracle: true layout": lambda h: h["layout"].idxmax(),
    }


def analyse(frame: pd.DataFrame, among=None) -> str:
    among = list(dict.fromkeys([ANCHOR, *(among or CANDIDATES)]))  # the anchor is always among them
    frame = frame[frame["candidate"].isin(among)]
    holes = [h.set_index("candidate") for _, h in frame.groupby(["photo", "hole"], sort=False)]
    anchor = pd.DataFrame([h.loc[ANCHOR] for h in holes])
    picks = {label: pd.DataFrame([h.loc[label] for h in holes]) for label in among}
    picks.update({name: pd.DataFrame([h.loc[rule(h)] for h in holes]) for name, rule in rules(frame).items()})
    lines = [f"{len(holes)} holes; candidates: {', '.join(among)}", "",
             "| fill | layout PSNR | minus 11x11 | edge F1 | minus 11x11 | patch distance x100 | minus 11x11 "
             "| unlike surroundings | minus 11x11 | s / hole |", "|---" * 10 + "|"]
    for name, picked in picks.items():
        cells = []
        for key, digits in (("layout", 2), ("f1", 3), ("distance", 2), ("unfamiliar", 1)):
            a, b = picked[key].to_numpy(float), anchor[key].to_numpy(float)
            cells += [f"{a.mean():.{digits}f}", "" if name == ANCHOR else
                      difference_cell((a - b).mean(), paired_bootstrap(a, b), digits=digits)]
        seconds = picked["seconds"].mean() if name in among else sum(h["seconds"].sum() for h in holes) / len(holes)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {seconds:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--holes", type=int, default=2, help="holes per photo and placement (default 2)")
    parser.add_argument("--scale", type=float, default=1.0, metavar="MP", help="photos shrunk to this (default 1)")
    parser.add_argument("--photos", type=int, default=0, help="only the first N photos (default: all)")
    parser.add_argument("--split", default="train", choices=("train", "heldout"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="a CSV of every hole's candidates")
    parser.add_argument("--analyse", metavar="CSV", help="score the pick rules on a CSV this probe wrote")
    parser.add_argument("--among", nargs="+", choices=CANDIDATES, help="pick only among these candidates")
    args = parser.parse_args(argv)
    frame = pd.read_csv(args.analyse) if args.analyse else collect(args)
    if args.out and not args.analyse:
        frame.to_csv(args.out, index=False)
    print(analyse(frame, args.among))


if __name__ == "__main__":
    main()
