"""Compare the sample tables that `make report` just wrote with the committed ones (git HEAD).

Training on a CPU is bit-reproducible on the same processor features, so on a machine whose
torch CPU capability is the one the tables were made with (COMMITTED_ON), they must be equal,
digit for digit. Elsewhere (measured: AVX2 kernels instead of AVX-512 change G's weights within
10 steps), learned rows may drift: the check then allows TOLERANCE_DB of hole PSNR for learned
models, and exact classical baselines, and says so. The values per image behind the tables are
compared on the tables' own machine only.
"""

import subprocess
import sys

import pandas as pd
import torch

COMMITTED_ON = {"torch": "2.15.0", "cpu": "AVX512"}
TABLES = ("reports/sample/results.md", "reports/sample/ablation.md", "reports/sample/ablation_heldout.md")
# The values per image behind them (the README's intervals): compared exactly where the tables are.
PER_IMAGE = tuple(path.replace(".md", "_per_image.csv") for path in TABLES)
TOLERANCE_DB = 1.5


def read_md(text: str) -> pd.DataFrame:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    frame = pd.DataFrame(rows[2:], columns=rows[0]).set_index(rows[0][0])
    return frame.apply(numeric)


def numeric(column: pd.Series) -> pd.Series:
    """The column as numbers, or as it is if it holds text (``kind``)."""
    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column


def main() -> int:
    here = {"torch": torch.__version__.split("+")[0], "cpu": torch.backends.cpu.get_cpu_capability()}
    exact_expected = here == COMMITTED_ON
    failed = False
    for path in TABLES:
        committed, now = committed_text(path), open(path).read()
        if now == committed:
            print(f"{path}: regenerated exactly")
            continue
        old, new = read_md(committed), read_md(now)
        if list(old.index) != list(new.index) or list(old.columns) != list(new.columns):
            print(f"{path}: its rows or columns differ from the committed table's "
                  f"(rows {list(new.index)}; columns {list(new.columns)})")
            failed = True
            continue
        psnr = [c for c in old.columns if "psnr" in c.lower()]
        drift = (new[psnr] - old[psnr]).abs()
        kind = old["kind"] if "kind" in old else pd.Series("", index=old.index)
        baseline = kind.eq("baseline")
        print(f"{path}: differs from the committed table; largest hole PSNR drift "
              f"{drift.max().max():.4f} dB (learned {drift[~baseline].max().max():.4f}, "
              f"baselines {drift[baseline].max().max() if baseline.any() else 0:.4f})")
        if exact_expected:
            print(f"  expected an exact match on {here}: the tables were made there")
            failed = True
        elif drift[~baseline].max().max() > TOLERANCE_DB or drift[baseline].max().max() > 1e-3:
            print(f"  beyond the tolerance for another CPU ({here}, tables made on {COMMITTED_ON})")
            failed = True
        else:
            print(f"  within the tolerance for another CPU ({here}; tables made on {COMMITTED_ON})")
    for path in PER_IMAGE:
        if not exact_expected:
            print(f"{path}: not compared on another CPU ({here})")
        elif open(path).read() == committed_text(path):
            print(f"{path}: regenerated exactly")
        else:
            print(f"{path}: differs from the committed values on {here}, where they were made")
            failed = True
    return 1 if failed else 0


def committed_text(path: str) -> str:
    return subprocess.run(["git", "show", f"HEAD:{path}"], capture_output=True, text=True, check=True).stdout


if __name__ == "__main__":
    sys.exit(main())
