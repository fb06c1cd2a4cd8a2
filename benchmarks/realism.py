"""Time and values of the realism measures (sharpness, C2ST) on the sample profile.

    python -m benchmarks.realism            # timing of every row the sample report measures
    python -m benchmarks.realism --values   # also sharpness and C2ST of a few fills, centre hole

Timing: the rows of notebook 04 (untrained G, four GANs, four baselines; 30 test images, centre
hole) and of notebook 06 (untrained G, five ablation rows, four baselines; 30 test images and 70
held-out photos, the mask sets of ``ablation.REALISM_MASKS``). Untrained generators stand in for
the trained ones (the same cost). Composites are made first; only the realism measures are timed.
Values: the classical baselines, the untrained generator, uniform noise in the hole, and real
against real (the even-numbered images' crops against the odd-numbered ones').
"""

import argparse
import time

import pandas as pd
import torch

import inpaint_utils as iu
from inpaint_utils.study import ablation


def timing(params) -> None:
    test, held = iu.load_images(params)["test"].images, iu.heldout_images()
    g = iu.generator_fill(iu.untrained_generator(params))
    jobs = [("notebook 04, test split, centre", test, iu.center_mask(), 5)]
    for name, images in (("notebook 06, test split", test), ("notebook 06, held-out photos", held)):
        for masks_name, masks in iu.test_masks(params, len(images)).items():
            if masks_name in ablation.REALISM_MASKS:
                jobs.append((f"{name}, {masks_name}", images, masks, 6))
    total = rows = 0
    for name, images, masks, generators in jobs:
        truth = images.float() / 255
        with torch.no_grad():
            composites = [iu.inpaint(g, truth, masks)] * generators
            composites += [iu.inpaint(fill, truth, masks) for fill in iu.BASELINES.values()]
        start = time.perf_counter()
        for composite in composites:
            for metric in iu.realism_metric_set(params.seed):
                metric.update(composite, truth, masks)
                metric.compute()
        spent = time.perf_counter() - start
        total, rows = total + spent, rows + len(composites)
        print(f"{name}: {len(composites)} rows, {spent:.1f} s", flush=True)
    print(f"all realism measures of the sample report: {rows} rows, {total:.1f} s ({total / rows:.2f} s a row)")


def values(params) -> pd.DataFrame:
    sets = {"test split (30)": iu.load_images(params)["test"].images, "held-out photos (70)": iu.heldout_images()}
    mask = iu.center_mask()
    noise = lambda masked, m: torch.rand(masked.shape, generator=torch.Generator().manual_seed(0))  # noqa: E731
    fills = {**iu.BASELINES, iu.UNTRAINED: iu.generator_fill(iu.untrained_generator(params)), "noise": noise,
             "real vs real": None}
    rows = {}
    for set_name, images in sets.items():
        truth = images.float() / 255
        for label, fill in fills.items():
            with torch.no_grad():
                photos, filled = (truth[0::2], truth[1::2]) if fill is None else (truth, iu.inpaint(fill, truth, mask))
            rows[(set_name, label)] = {}
            for metric in iu.realism_metric_set(params.seed):
                metric.update(filled, photos, mask)
                rows[(set_name, label)] |= metric.compute()
    return pd.DataFrame(rows).T.rename_axis(["images", "fill"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", action="store_true", help="also print sharpness and C2ST of a few fills")
    args = parser.parse_args()
    params = iu.resolve_params("sample", {"DEVICE": "cpu"})
    timing(params)
    if args.values:
        print(values(params).to_markdown(floatfmt=".3f"))
