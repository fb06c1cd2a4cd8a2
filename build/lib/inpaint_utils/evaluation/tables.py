"""Tables as notebooks save them (reports/<run>/<name>.{csv,md} and the values per image behind
them) and read them back, with the spread over training runs beside them."""

import json
from pathlib import Path

import pandas as pd

from ..core.paths import atomic_write_text, reports_dir
from ..core.settings import Params


def read_table(folder: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
    """Table ``name`` as ``save_table`` wrote it in ``folder``, and the per-image values behind it
    (None where they were not saved: its sentences then come without intervals); None if absent."""
    if not (folder / f"{name}.csv").exists():
        return None
    per_image = folder / f"{name}_per_image.csv"
    return (pd.read_csv(folder / f"{name}.csv", index_col="method"),
            pd.read_csv(per_image) if per_image.exists() else None)


MACHINE_RUNS = "machine_runs.json"  # runs of the same profile on other CPUs, beside the seed tables


def read_spread(folder: Path, name: str) -> pd.DataFrame | None:
    """``benchmarks/seed_spread.py``'s table ``<name>_seeds`` (``results`` or ``ablation``: one
    training run per seed, on the machine that made the tables), widened by the runs on other CPUs
    that ``machine_runs.json`` records: a conclusion about learned rows must hold in every run
    measured, whichever seed or machine (issue 36). None where no seed table was saved."""
    if not (folder / f"{name}_seeds.csv").exists():
        return None
    spread, machines = pd.read_csv(folder / f"{name}_seeds.csv", index_col=0), []
    runs = json.loads((folder / MACHINE_RUNS).read_text()) if (folder / MACHINE_RUNS).exists() else {}
    for label, run in runs.items():
        if not run.get(name):
            continue
        machines.append(label)
        for column, rows in run[name].items():
            if name == "results":  # one column per run, as each seed's
                spread.insert(sum(c.startswith("seed ") for c in spread.columns), label, pd.Series(rows))
            else:  # a change recorded on another machine widens its row's range
                for row, value in rows.items():
                    spread.loc[row, f"{column}, min"] = min(spread.loc[row, f"{column}, min"], value)
                    spread.loc[row, f"{column}, max"] = max(spread.loc[row, f"{column}, max"], value)
    if name == "results":
        values = spread[[c for c in spread.columns if c.startswith("seed ")]]
        spread = spread.assign(mean=values.mean(axis=1), min=values.min(axis=1), max=values.max(axis=1))
    spread.attrs["machines"] = machines
    return spread


def load_per_image(params: Params, name: str = "results") -> pd.DataFrame | None:
    """The per-image values behind the run's table ``name`` (results, ablation, ablation_heldout), or None."""
    return (read_table(reports_dir(params, create=False), name) or (None, None))[1]


def save_table(table: pd.DataFrame, name: str, params: Params, *, per_image: pd.DataFrame | None = None) -> None:
    """``table`` as reports/<run>/<name>.csv (to read back) and <name>.md (to read), atomically;
    ``per_image``, the values behind its means, as <name>_per_image.csv (``load_per_image``)."""
    out = reports_dir(params)
    atomic_write_text(out / f"{name}.csv", table.to_csv())
    atomic_write_text(out / f"{name}.md", table.to_markdown(floatfmt=".4f") + "\n")
    if per_image is not None:
        atomic_write_text(out / f"{name}_per_image.csv", per_image.to_csv(index=False))


def load_results(params: Params) -> pd.DataFrame:
    """The results table written by notebook 04."""
    folder = reports_dir(params, create=False)
    if (saved := read_table(folder, "results")) is None:
        raise FileNotFoundError(f"no results table at {folder / 'results.csv'}: run notebooks/04_comparison.ipynb "
                                "first (or `python report.py`)")
    return saved[0]
