"""Can the release network learn a correction at all, and does what it learns carry over?

    python -m benchmarks.probes.fit_probe                # 400 steps an arm, about 5 min on 2 CPU threads
    python -m benchmarks.probes.fit_probe --steps 1000 --set LR=1e-3

The release recipe (fp32, no EMA, pixel loss only) trained twice from the same weights for the
same steps: on a fixed set of 64 training crops drawn again and again ("fixed crops"), and on fresh
crops every step, as the recipe trains ("fresh crops"). Printed per arm: hole PSNR minus the
harmonic fill's on those 64 fixed crops, on 256 other crops of the same training photos, and on
the held-out photos (``iu.heldout_images()``). A network that gains several dB on crops it is
shown again, and nothing on new crops of the same photos, can fit but finds no correction that
generalises at this amount of data and training; one that gains nothing even on the fixed crops
cannot learn (a bug, or too low a learning rate).
"""

import argparse
import dataclasses
from types import SimpleNamespace

import pandas as pd
import torch
import torch.nn as nn

import inpaint_utils as iu
from benchmarks.probes.release_correction import measure
from inpaint_utils.core.runtime import device_name
from inpaint_utils.core.settings import parse_overrides
from inpaint_utils.data.crops import PhotoCrops
from inpaint_utils.study.release_recipe import photo_tensor, training_photos


def gain(g, params, truth, mask) -> float:
    """Mean hole PSNR of ``g``'s fill minus the harmonic fill's, in dB (release_correction.measure)."""
    measured = measure(SimpleNamespace(fill=lambda: iu.generator_fill(g, prefill=params.prefill)), truth, mask)
    return measured["model hole PSNR (dB)"] - measured["harmonic hole PSNR (dB)"]


def train_arm(params, crops, fixed, steps, rng) -> nn.Module:
    """G after ``steps`` steps on batches of ``fixed`` (truth, masks) or, with ``fixed`` None, of fresh crops."""
    g, d, opt_g, opt_d = iu.build_models(params, torch.device("cpu"))
    step = iu.make_step(g, d, opt_g, opt_d, criterion=nn.BCELoss(), params=params, device=torch.device("cpu"))
    size, n = params.image_size, params.batch_size
    for _ in range(steps):
        if fixed is None:
            truth, mask = crops(n), iu.mask_batch(params.mask, n, size, params.hole_size, generator=rng)
        else:
            pick = torch.randint(len(fixed[0]), (n,), generator=rng)
            truth, mask = fixed[0][pick], fixed[1][pick]
        step(truth, mask, adversarial=False)
    return g


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--profile", default="release")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], help="override a parameter")
    args = parser.parse_args(argv)
    params = dataclasses.replace(iu.resolve_params(args.profile, parse_overrides(args.set)), device="cpu",
                                 amp=False, ema_decay=0.0, adv_weight=0.0)
    rng = torch.Generator().manual_seed(params.seed + 1)
    crops = PhotoCrops([photo_tensor(p) for p in training_photos(params).values()], params.image_size, 0.0, rng)
    size = params.image_size

    def crop_set(count):
        return crops(count), iu.mask_batch(params.mask, count, size, params.hole_size, generator=rng)

    fixed, other = crop_set(64), crop_set(256)
    held = iu.heldout_images(image_size=size).float() / 255
    sets = {"the 64 fixed crops": fixed, "256 other crops of the training photos": other,
            "held-out photos": (held, iu.mask_batch(params.mask, len(held), size, params.hole_size, generator=rng))}
    rows = {}
    for arm, data in (("fixed crops", fixed), ("fresh crops", None)):
        g = train_arm(params, crops, data, args.steps, torch.Generator().manual_seed(params.seed + 2))
        rows[arm] = {name: round(gain(g, params, *s), 2) for name, s in sets.items()}
    print(f"hole PSNR minus harmonic's (dB) after {args.steps} steps of batch {params.batch_size}, "
          f"{params.mask} masks, {device_name(torch.device('cpu'))}:")
    print(pd.DataFrame(rows).T.to_string())


if __name__ == "__main__":
    main()
