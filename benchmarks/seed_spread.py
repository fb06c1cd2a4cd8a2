"""How much of a table is the seed: notebook 06's ablation rows (``--table ablation``) or the
paper's four GANs of notebook 04 (``--table results``) trained again under other seeds, and each
row's hole PSNR on the test split (for the ablation also its change from the row before), as mean
and range over seeds. The intervals in notebooks 04-06 are over images for one seed; this is the
other half.

    python -m benchmarks.seed_spread --profile sample --seeds 42 43 44                  # 06: ~3 min a seed
    python -m benchmarks.seed_spread --profile sample --seeds 42 43 44 --table results  # 04: ~3 min a seed

It runs under the report's pinned CPU kernels (inpaint_utils/core/kernels.py), restarting itself
under them, so its seed-42 rows are the committed tables' own.

SEED sets the initial weights, the batch order and the random test masks (SEED + 1); the split,
and so the test images, stay the seed notebook's (SPLIT_SEED = 42). Each seed other than the
profile's trains under its own run name (sample-SEED=43), so the profile's own run is only read.
The table is saved as reports/<profile>/<table>_seeds.{csv,md}.
"""

import argparse
import os
import sys

import pandas as pd

import inpaint_utils as iu
from inpaint_utils.study import ablation

COLUMNS = {masks: f"{masks}: {ablation.COLUMNS['hole_psnr']}" for masks in ("centre", "random")}


def seed_table(profile: str, seed: int) -> pd.DataFrame:
    """Hole PSNR of every ablation row trained under ``seed``, one column per mask set."""
    base = iu.resolve_params(profile)
    params = base if seed == base.seed else iu.resolve_params(profile, {"SEED": seed})
    images = iu.load_images(params)
    table, _ = iu.ablation_table(iu.train_ablation(params, images), images["test"].images, params, baselines=False)
    return table[list(COLUMNS.values())]


def results_seed_table(profile: str, seed: int) -> pd.DataFrame:
    """Hole PSNR of the paper's four GANs trained under ``seed`` (notebooks 02-03), on the test split."""
    base = iu.resolve_params(profile)
    params = base if seed == base.seed else iu.resolve_params(profile, {"SEED": seed})
    images = iu.load_images(params)
    runs = iu.train_runs(params, images)
    rows = {label: iu.evaluate(run.fill(), images["test"].images, iu.center_mask(), device="cpu").mean()["hole_psnr"]
            for label, run in runs.items()}
    return pd.DataFrame({COLUMNS["centre"]: rows})


def results_spread(tables: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per GAN: hole PSNR under each seed, mean, smallest and largest."""
    values = pd.DataFrame({f"seed {seed}": t[COLUMNS["centre"]] for seed, t in tables.items()})
    return values.assign(mean=values.mean(axis=1), min=values.min(axis=1), max=values.max(axis=1)).rename_axis("method")


def spread(tables: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per row and mask set: mean and standard deviation over seeds; the change from the row before,
    its mean, smallest and largest over seeds."""
    out = {}
    for masks, column in COLUMNS.items():
        values = pd.DataFrame({seed: t[column] for seed, t in tables.items()})
        change = values - values.shift(1)
        out |= {f"{masks}: mean": values.mean(axis=1), f"{masks}: sd": values.std(axis=1),
                f"{masks}: change, mean": change.mean(axis=1), f"{masks}: change, min": change.min(axis=1),
                f"{masks}: change, max": change.max(axis=1)}
    return pd.DataFrame(out).rename_axis(f"row ({len(tables)} seeds: {', '.join(map(str, tables))})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="sample")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--table", choices=("ablation", "results"), default="ablation")
    args = parser.parse_args(argv)
    if os.environ.get("ATEN_CPU_CAPABILITY") != iu.PINNED_CPU_KERNELS["ATEN_CPU_CAPABILITY"]:
        iu.pin_cpu_kernels()  # torch has not loaded yet in this process (inpaint_utils is lazy): restart pinned
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if args.table == "results":
        table = results_spread({seed: results_seed_table(args.profile, seed) for seed in args.seeds})
    else:
        table = spread({seed: seed_table(args.profile, seed) for seed in args.seeds})
    iu.save_table(table, f"{args.table}_seeds", iu.resolve_params(args.profile))
    print(table.round(2).to_markdown())


if __name__ == "__main__":
    main()
