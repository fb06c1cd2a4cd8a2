"""Error bars and rounding: paired bootstrap intervals, tables as shown, sentences that compare rows."""

import json
import re

import numpy as np
import pandas as pd
import pytest

import inpaint_utils as iu
from inpaint_utils.evaluation import describe, tables
from inpaint_utils.evaluation.stats import difference_text
from inpaint_utils.study import ablation

# The paired bootstrap: an interval of a difference over images.


def test_identical_rows_give_a_zero_interval_and_a_constant_shift_gives_itself():
    a = np.random.default_rng(0).normal(20, 3, 40)
    assert iu.paired_bootstrap(a, a) == (0.0, 0.0)
    low, high = iu.paired_bootstrap(a + 1.5, a)
    assert low == pytest.approx(1.5) and high == pytest.approx(1.5)


def test_the_interval_is_seeded_and_covers_a_known_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 30), rng.normal(0, 1, 30)
    assert iu.paired_bootstrap(a, b, seed=3) == iu.paired_bootstrap(a, b, seed=3)
    covered = 0
    for _ in range(300):  # per image, a - b ~ N(0.5, 1): the interval should hold 0.5 ~95% of the time
        shared = rng.normal(0, 5, 30)  # what both rows share: pairing removes it
        a, b = shared + 0.5 + rng.normal(0, 0.5 ** 0.5, 30), shared + rng.normal(0, 0.5 ** 0.5, 30)
        low, high = iu.paired_bootstrap(a, b, seed=int(rng.integers(1e9)), resamples=1000)
        covered += low <= 0.5 <= high
        assert high - low < 1.2  # paired: the shared spread (sd 5) stays out of the interval
    assert 0.89 <= covered / 300 <= 0.99


def test_a_ratio_statistic_and_the_level_wording():
    sums = np.array([[2.0, 4.0], [1.0, 2.0], [3.0, 6.0]])  # every image: half as sharp as the photo
    ratio = lambda x: x[..., 0].sum(axis=-1) / x[..., 1].sum(axis=-1)  # noqa: E731
    assert iu.paired_bootstrap(sums, sums * [1, 2], statistic=ratio) == pytest.approx((0.25, 0.25))
    with pytest.raises(ValueError, match="same images"):
        iu.paired_bootstrap([1, 2, 3], [1, 2])
    assert difference_text(0.3, (-0.1, 0.7), " dB").endswith("(95% interval over images -0.10 to +0.70): "
                                                              "level within its interval")
    assert difference_text(1.0, (0.5, 1.5), " dB") == "+1.00 dB (95% interval over images +0.50 to +1.50)"


# Tables as the notebooks show them.

def test_show_table_rounds_by_column_or_row_name_and_keeps_the_values():
    table = pd.DataFrame({"kind": ["GAN", "baseline"], "images": [30, 30], "hole_psnr": [8.947932, 18.999],
                          "full_ssim": [0.869770, 0.94921], "hole_l1": [0.312642, np.nan],
                          "c2st_acc": [0.98889, 0.5]}, index=["BCE", "Biharmonic"])
    html = iu.show_table(table).to_html()
    for shown in [">8.95<", ">19.00<", ">0.870<", ">0.949<", ">0.313<", ">–<", ">0.99<", ">30<"]:
        assert shown in html, shown
    assert "8.9479" not in html and iu.show_table(table).data.equals(table)
    by_row = iu.show_table(pd.DataFrame({"mean": [8.947932, 0.86977], "std": [1.759, 0.01134]},
                                        index=["hole_psnr", "full_ssim"])).to_html()
    assert ">8.95<" in by_row and ">1.76<" in by_row and ">0.870<" in by_row and ">0.011<" in by_row
    assert iu.show_table(None) is None
    assert "<caption>Layers of G</caption>" in iu.show_table(table, caption="Layers of G").to_html()


# Sentences that compare rows, with their intervals.

def per_image_frame(values: dict[str, list[float]], kind: dict[str, str]) -> pd.DataFrame:
    """Long per-image values: hole PSNR per method (the other pixel metrics follow from it)."""
    rows = [{"image": i, "method": m, "kind": kind[m], "hole_psnr": v, "full_psnr": v + 10, "hole_l1": 1 / v,
             "hole_l2": 1 / v ** 2, "full_ssim": 1 - 1 / v} for m, vs in values.items() for i, v in enumerate(vs)]
    return pd.DataFrame(rows)


def test_winners_say_level_where_the_interval_holds_zero(params):
    rng = np.random.default_rng(0)
    base = rng.normal(20, 3, 40)
    per_image = per_image_frame({"A": base + rng.normal(0, 1, 40), "Telea": base},
                                {"A": "GAN", "Telea": "baseline"})
    table = iu.results_table(per_image)
    text = iu.describe_winners(table, per_image)
    assert "On 5 of them the best GAN and the best baseline are level" in text
    assert text.count("level within its interval") == 5
    far = per_image_frame({"A": base + 3, "Telea": base}, {"A": "GAN", "Telea": "baseline"})
    text = iu.describe_winners(iu.results_table(far), far)
    assert "On 0 of them" in text and "+3.00 dB (95% interval over images +3.00 to +3.00)" in text


def test_the_best_gan_is_said_level_with_the_others_unless_its_intervals_exclude_zero(params):
    rng = np.random.default_rng(1)
    base = rng.normal(20, 3, 40)
    kinds = {"L1": "GAN", "L2": "GAN", "BCE": "GAN", "Telea": "baseline"}
    noisy = per_image_frame({"L1": base + 0.1 + rng.normal(0, 1, 40), "L2": base + rng.normal(0, 1, 40),
                             "BCE": base - 5, "Telea": base}, kinds)
    text = iu.describe_winners(iu.results_table(noisy), noisy)
    assert re.search(r"Best GAN, (L1|L2) \([0-9.]+, level with (L1|L2)\)", text), text  # not with BCE, 5 dB below
    clear = per_image_frame({"L1": base + 3, "L2": base, "BCE": base - 5, "Telea": base}, kinds)
    assert "ahead of every other GAN in this run" in iu.describe_winners(iu.results_table(clear), clear)
    tied = per_image_frame({"L1": base + 0.1 + rng.normal(0, 1, 40), "L2": base + rng.normal(0, 1, 40),
                            "BCE": base + rng.normal(0, 1, 40), "Telea": base - 3}, kinds)
    from inpaint_utils.report.summary import best_versus_classical
    assert "(intervals that hold 0: no learned row wins)" in best_versus_classical(
        iu.results_table(tied), tied, None, learned_kind="GAN")


def test_ablation_per_image_values_come_with_the_table_and_give_back_its_means(params, monkeypatch):
    from conftest import smooth_images

    monkeypatch.setattr(ablation, "realism_metric_set", lambda seed: [iu.Sharpness(), iu.C2ST(seeds=(seed,), steps=2)])
    images = smooth_images(8, seed=4)
    table, per_image = iu.ablation_table({}, images, params)
    assert len(per_image) == len(table) * 2 * 8 and set(per_image["masks"]) == {"centre", "random"}
    centre = per_image[per_image["masks"] == "centre"]
    for method in table.index:  # the per-image values give back the table's means and realism
        rows = centre[centre["method"] == method]
        assert rows["hole_psnr"].mean() == pytest.approx(table.loc[method, "centre: hole PSNR (dB)"])
        assert rows["sharpness_hole"].sum() / rows["sharpness_truth"].sum() == \
            pytest.approx(table.loc[method, "centre: sharpness"], rel=1e-4)
        assert rows["c2st_right"].mean() == pytest.approx(table.loc[method, "centre: C2ST acc"])


def test_describe_ablation_puts_an_interval_on_each_change():
    rng = np.random.default_rng(2)
    base = rng.normal(20, 2, 30)
    methods = {"Seed": base - 5, "+ pixel": base - 5 + rng.normal(0, 1, 30), "Telea": base}
    kinds = {"Seed": "learned", "+ pixel": "learned", "Telea": "baseline"}
    rows = [per_image_frame(methods, kinds).assign(masks=m) for m in ("centre", "random")]
    per_image = pd.concat(rows)
    table = per_image.groupby(["method", "masks"], sort=False)["hole_psnr"].mean().unstack()
    table = pd.DataFrame({"kind": pd.Series(kinds), **{f"{m}: hole PSNR (dB)": table[m] for m in table}})
    text = iu.describe_ablation(table, per_image)
    assert text.count("95% interval over images") == 4
    assert "+ pixel +" in text or "+ pixel -" in text
    assert "minus the best baseline, Telea (19.85 dB): -4.77 dB (95% interval" in text
    assert "+ pixel +0.23 dB (95% interval over images -0.12 to +0.5" in text and ": level within its interval" in text
    spread = pd.DataFrame({"centre: change, min": [0.1], "centre: change, max": [0.5],
                           "random: change, min": [-0.2], "random: change, max": [0.3]}, index=["+ pixel"])
    text = iu.describe_ablation(table, per_image, spread)  # the verdict over runs beside this run's interval
    assert "in this run, helps in every run measured (+0.10 to +0.50 dB)" in text
    assert "in this run, level over the runs measured (-0.20 to +0.30 dB)" in text


def test_the_spread_says_level_unless_one_row_is_first_in_every_run():
    def spread(values):
        t = pd.DataFrame(values, index=pd.Index(["BCE", "L1"], name="method"))
        return t.assign(mean=t.mean(axis=1), min=t.min(axis=1), max=t.max(axis=1))

    crossing = iu.describe_seed_spread(spread({"seed 42": [11.2, 10.1], "seed 43": [9.0, 10.5]}), "cmd")
    assert "No row is first in every run: at this budget they are level" in crossing
    assert "L1 10.10 to 10.50, BCE 9.00 to 11.20" in crossing  # by mean, best first
    ahead = iu.describe_seed_spread(spread({"seed 42": [11.2, 10.1], "seed 43": [10.6, 10.5]}), "cmd")
    assert "**BCE** is above every other in each run" in ahead
    assert "No spread over training seeds" in iu.describe_seed_spread(None, "cmd")


def test_runs_on_other_machines_join_the_spread_and_can_make_a_leader_level(tmp_path):
    pd.DataFrame({"seed 42": [11.2, 10.1], "seed 43": [11.8, 9.7]}, index=pd.Index(["BCE", "L1"], name="method")) \
        .to_csv(tmp_path / "results_seeds.csv")
    assert "**BCE** is above every other in each run" in iu.describe_seed_spread(iu.read_spread(tmp_path, "results"), "cmd")
    ablation = pd.DataFrame({"random: change, min": [-0.3], "random: change, max": [0.35],
                             "centre: change, min": [4.8], "centre: change, max": [6.9]}, index=["+ pixel loss"])
    ablation.rename_axis("row (3 seeds: 42, 43, 44)").to_csv(tmp_path / "ablation_seeds.csv")
    (tmp_path / tables.MACHINE_RUNS).write_text(json.dumps({"seed 42 on an Intel Xeon": {
        "results": {"centre: hole PSNR (dB)": {"BCE": 10.57, "L1": 11.42}},
        "ablation": {"centre: change": {"+ pixel loss": 5.0}}}}))
    spread = iu.read_spread(tmp_path, "results")
    assert list(spread.filter(like="seed ").columns) == ["seed 42", "seed 43", "seed 42 on an Intel Xeon"]
    assert spread.loc["L1", "max"] == 11.42 and spread.attrs["machines"] == ["seed 42 on an Intel Xeon"]
    assert "No row is first in every run" in iu.describe_seed_spread(spread, "cmd")
    steps = iu.read_spread(tmp_path, "ablation")
    assert describe.step_verdict(steps, "+ pixel loss", "centre") == "helps in every run measured (+4.80 to +6.90 dB)"
    assert describe.step_verdict(steps, "+ pixel loss", "random").startswith("level over the runs measured")
    assert describe.step_verdict(steps, "+ local D", "random") == ""  # not measured: no verdict
    assert iu.read_spread(tmp_path / "absent", "results") is None
