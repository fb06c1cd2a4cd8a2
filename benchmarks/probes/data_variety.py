"""What fresh crops and synthetic dead leaves buy: the release recipe trained for the same number
of steps with CROPS=fixed, CROPS=stream and CROPS=stream + SYNTHETIC, measured on the held-out
photos (hole PSNR, centre and random masks) beside its harmonic prefill.

    python -m benchmarks.probes.data_variety --steps 400            # about 4 min a row on one CPU thread

Every row starts from the same weights and draws the same masks; only the images differ.
"""

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path

import pandas as pd
import torch.nn as nn

import inpaint_utils as iu
from inpaint_utils.data.crops import SOURCE_SCALE

ROOT = Path(__file__).resolve().parents[1]

ROWS = {"fixed crops": dict(crops="fixed", synthetic=0.0), "fresh crops": dict(crops="stream", synthetic=0.0),
        "fresh crops + 25% dead leaves": dict(crops="stream", synthetic=0.25)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--adv-weight", type=float, default=0.0,
                        help="0, the recipe's, trains G alone; 0.01 with the local D is the measured GAN variant")
    args = parser.parse_args(argv)
    os.environ.setdefault("INPAINT_OUTPUT_ROOT", tempfile.mkdtemp(prefix="data-variety-"))
    base = dataclasses.replace(iu.resolve_params("release"), device="cpu", steps_per_epoch=args.steps, val_every=0,
                               adv_weight=args.adv_weight, local_d=args.adv_weight > 0)
    heldout, rows = iu.heldout_images(), []
    for label, change in ROWS.items():
        p = dataclasses.replace(base, **change, run_name=label.replace(" ", "-").replace("%", ""))
        size = SOURCE_SCALE * p.image_size if p.crops == "stream" else p.image_size
        train, validation = iu.load_images(p, image_size=size)["train"], iu.load_images(p)["validation"]
        # CROPS=fixed checkpoints once a pass over its images (15 steps): as many passes as the steps
        epochs = 1 if p.crops == "stream" else max(1, round(args.steps * p.batch_size / len(train)))
        run = iu.train_gan("release", nn.BCELoss(), p, train_images=train.images, val_images=validation.images,
                           checkpoint=iu.checkpoints_dir(p) / "release.pt", epochs=epochs)
        rows.append(iu.ablation_table({label: run}, heldout, p, baselines=not rows)[0])
        print(rows[-1].filter(like="PSNR").round(2).to_string(), flush=True)
    print(f"\nheld-out photos, {args.steps} steps a row, hole PSNR (dB):")
    print(pd.concat(rows).filter(like="PSNR").round(2).to_markdown())


if __name__ == "__main__":
    main()
