"""What more photos buy: the release recipe trained for the same steps on 5, 10 and all 22 of its
training photos, measured on photos none of them saw, beside its harmonic start.

    python -m benchmarks.probes.photo_count --steps 1000                    # about 4 min a row on 2 CPU threads
    python -m benchmarks.probes.photo_count --steps 1000 --set REC_LOSS=l1  # another loss, or any parameter

The 5 are the sample data's photos (what the release model saw before the corpus); each larger
set adds corpus photos, alternating between its two packages. Every row starts from the same
weights and draws the same crops' positions and masks; only the photos differ. Printed per row:
hole PSNR minus harmonic's, with its 95% paired bootstrap interval over images, on the held-out
photos and the held-out corpus crops (centre hole and random masks), and the mean correction the
model adds to its harmonic start in the hole (``benchmarks/probes/release_correction.py``), in grey levels.
"""

import argparse
import dataclasses
import itertools
import tempfile
from pathlib import Path

import pandas as pd
import torch
import torch.nn as nn

import inpaint_utils as iu
from benchmarks.probes.release_correction import measure
from inpaint_utils.core.settings import parse_overrides
from inpaint_utils.data.photo_corpus import read_manifest
from inpaint_utils.evaluation.describe import paired_difference
from inpaint_utils.evaluation.stats import difference_cell
from inpaint_utils.fills.classical import BASELINES
from inpaint_utils.study.release_recipe import (
    SAMPLE_TRAINING_PHOTOS,
    photo_tensor,
    training_photos,
)

ROOT = Path(__file__).resolve().parents[1]


def photo_order(params) -> list[str]:
    """The sample data's photos, then the corpus's training photos alternating between packages."""
    photos = training_photos(params)
    by_package = {}
    for entry in read_manifest():
        if entry.split == "train" and entry.name in photos:
            by_package.setdefault(entry.package, []).append(entry.name)
    corpus = [n for group in itertools.zip_longest(*by_package.values()) for n in group if n is not None]
    return list(SAMPLE_TRAINING_PHOTOS) + corpus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--counts", type=int, nargs="+", default=[5, 10, 22])
    parser.add_argument("--profile", default="release")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], help="override a parameter")
    args = parser.parse_args(argv)
    checkpoints = Path(tempfile.mkdtemp(prefix="photo-count-"))  # the photos stay in the output root's corpus
    base = dataclasses.replace(iu.resolve_params(args.profile, parse_overrides(args.set)), device="cpu",
                               steps_per_epoch=args.steps, val_every=0)
    photos, order = training_photos(base), photo_order(base)
    rng = torch.Generator().manual_seed(base.seed + 1)
    sets = {"held-out photos": iu.heldout_images(), "held-out corpus crops": iu.heldout_corpus_images()}
    masks = {name: {"centre": iu.center_mask(), "random": iu.mask_batch("mixed", len(images), 64, base.hole_size,
                                                                        generator=rng)}
             for name, images in sets.items()}
    rows = []
    for count in args.counts:
        names = order[:count]
        run = iu.train_gan("release", nn.BCELoss(), base, train_images=[photo_tensor(photos[n]) for n in names],
                           val_images=sets["held-out photos"], checkpoint=checkpoints / f"{count}.pt", epochs=1)
        row = {"photos": count, "steps": args.steps}
        for name, images in sets.items():
            for kind, mask in masks[name].items():
                values = pd.concat(iu.evaluate(fill, images, mask).reset_index().assign(method=method)
                                   for method, fill in (("model", run.fill()), ("harmonic", BASELINES["Harmonic"])))
                row[f"{name}, {kind}"] = difference_cell(*paired_difference(values, "model", "harmonic", "hole_psnr"), 3)
            correction = measure(run, images.float() / 255, masks[name]["random"])
            row[f"{name}: |correction|"] = correction["mean |correction| (grey levels)"]
        rows.append(row)
        print(pd.DataFrame(rows).set_index("photos").T.to_string(), flush=True)


if __name__ == "__main__":
    main()
