"""The report's front matter, generated from a run's tables, and what the export does to its text."""

import json

import numpy as np
import pandas as pd
import torch
from test_intervals import per_image_frame

import inpaint_utils as iu
from inpaint_utils.report import summary


def test_front_matter_reads_the_run_tables_and_says_what_the_data_are(params, tmp_path):
    rng = np.random.default_rng(5)
    base = rng.normal(22, 2, 20)
    kinds = {"Untrained G": "untrained", "Release model (5000 steps)": "learned", "Harmonic": "baseline"}
    methods = {"Untrained G": base - 8, "Release model (5000 steps)": base + 1, "Harmonic": base}
    run = iu.reports_dir(params)
    for name in ("ablation", "ablation_heldout"):
        per_image = pd.concat([per_image_frame(methods, kinds).assign(masks=m) for m in ("centre", "random")])
        means = per_image.groupby(["method", "masks"], sort=False)["hole_psnr"].mean().unstack()
        table = pd.DataFrame({"kind": pd.Series(kinds), **{f"{m}: hole PSNR (dB)": means[m] for m in means}})
        table.rename_axis("method").to_csv(run / f"{name}.csv")
        per_image.to_csv(run / f"{name}_per_image.csv", index=False)
    head, glance = summary.front_matter(run, {"PROFILE": "smoke", "DATA": "sample"})
    assert head.startswith(f"# {summary.TITLE}") and "Anna Wang, Jimmy Yang and Philip Chen" in head
    assert "Its test split is cut from the same photos as its training split" in head
    assert "held-out photos" in head and "honest measure" in head
    assert glance.startswith("# Results at a glance")
    assert glance.count("best learned **Release model (5000 steps)**") == 4
    assert "+1.00 dB (95% interval over images +1.00 to +1.00)" in glance
    assert "no `results.csv`" not in glance and "<th>Release model (5000 steps)</th>" in glance
    assert "The shipped model" in glance and json.loads((iu.ROOT / "models/release/model_card.json").read_text())[
        "sha256"][:12] in glance


def test_relative_paths_and_log_spacing_in_the_report():
    from html_report import markdown_with_mathml, relative_paths

    text = relative_paths(f"{iu.ROOT}/checkpoints/x.pt and {iu.output_root()}/reports and "
                          f"{torch.hub.get_dir()}/checkpoints")
    assert str(iu.ROOT) not in text and "/root" not in text.replace("~", "")
    assert "<mi>log</mi><mspace" in markdown_with_mathml(r"$\log D(x)$")
