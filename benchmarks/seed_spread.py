"""How much of notebook 06's ablation is the seed: every row trained again under other seeds, and
each row's hole PSNR on the test split, and its change from the row before, as mean and range
over seeds. The intervals in notebook 06 are over images for one seed; this is the other half.

    python benchmarks/seed_spread.py --profile sample --seeds 42 43 44   # about 3 min a new seed here

SEED sets the initial weights, the batch order and the random test masks (SEED + 1); the split,
and so the test images, stay the seed notebook's (SPLIT_SEED = 42). Each seed other than the
profile's trains under its own run name (sample-SEED=43), so the profile's own run is only read.
The table is saved as reports/<profile>/ablation_seeds.{csv,md}.
"""

import argparse

import pandas as pd

import inpaint_utils as iu

COLUMNS = {masks: f"{masks}: {iu.ablation.COLUMNS['hole_psnr']}" for masks in ("centre", "random")}


def seed_table(profile: str, seed: int) -> pd.DataFrame:
    """Hole PSNR of every ablation row trained under ``seed``, one column per mask set."""
    base = iu.resolve_params(profile)
    params = base if seed == base.seed else iu.resolve_params(profile, {"SEED": seed})
    images = iu.load_images(params)
    table, _ = iu.ablation_table(iu.train_ablation(params, images), images["test"].images, params, baselines=False)
    return table[list(COLUMNS.values())]


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
    args = parser.parse_args(argv)
    table = spread({seed: seed_table(args.profile, seed) for seed in args.seeds})
    iu.save_table(table, "ablation_seeds", iu.resolve_params(args.profile))
    print(table.round(2).to_markdown())


if __name__ == "__main__":
    main()
