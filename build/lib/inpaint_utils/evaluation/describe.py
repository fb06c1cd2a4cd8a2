"""Sentences that compare rows of a table: which method wins which metric, which fill is the
most realistic, and each difference with its paired bootstrap interval over images, said to be
level where that interval holds 0. Numbers are read from the tables, never typed."""

import numpy as np
import pandas as pd

from ..core.show import digits
from .metrics import METRICS
from .realism import REALISM_COLUMNS
from .stats import difference_text, mean_of_images, paired_bootstrap

TRADE_OFF = ("the perception-distortion trade-off (Blau & Michaeli, CVPR 2018): the best PSNR and the "
             "most realistic fill are rarely the same fill")


def paired_difference(per_image: pd.DataFrame | None, first: str, second: str, column,
                      statistic=None) -> tuple[float, tuple[float, float]] | None:
    """statistic(first) - statistic(second) over the images both methods filled, and its paired
    bootstrap interval (``stats.paired_bootstrap``); None without the per-image values.

    ``column`` is one column of ``per_image`` (the statistic defaults to the mean over images) or a
    list of them, for a statistic such as a ratio of sums (``sharpness_distance``).
    """
    columns = [column] if isinstance(column, str) else list(column)
    if per_image is None or not set(columns) <= set(per_image.columns):
        return None
    a, b = (per_image[per_image["method"] == m].sort_values("image")[columns].to_numpy() for m in (first, second))
    if len(a) == 0 or len(a) != len(b):
        return None
    a, b = (x[:, 0] if isinstance(column, str) else x for x in (a, b))
    statistic = statistic or mean_of_images
    difference = float(statistic(a[None])[0] - statistic(b[None])[0])
    return difference, paired_bootstrap(a, b, statistic=statistic)


def difference_between(per_image: pd.DataFrame | None, first: str, second: str, column: str, means: pd.Series,
                       unit: str = "", places: int = 2) -> str:
    """``first`` minus ``second``: with its interval (``difference_text``) where ``per_image`` holds
    both methods' values in ``column``, else the plain difference of their ``means``."""
    compared = paired_difference(per_image, first, second, column)
    return (difference_text(*compared, unit, places) if compared
            else f"{means[first] - means[second]:+.{places}f}{unit}")


def sharpness_distance(values: np.ndarray) -> np.ndarray:
    """(resamples, images, 2) sums of the hole's and the truth's gradients -> |sharpness - 1|."""
    return np.abs(values[..., 0].sum(axis=-1) / values[..., 1].sum(axis=-1) - 1)


def c2st_distance(values: np.ndarray) -> np.ndarray:
    """(resamples, images) right picks -> |C2ST accuracy - 50%|: how far from indistinguishable."""
    return np.abs(values.mean(axis=1) - 0.5)


SHARPNESS_SUMS = ["sharpness_hole", "sharpness_truth"]


def level_with(per_image: pd.DataFrame | None, best: str, others, column: str) -> list[str]:
    """The rows of ``others`` that ``best`` does not beat on ``column``: their paired difference's
    interval holds 0. Without the per-image values nothing can be said, so none are named."""
    level = []
    for other in others:
        compared = paired_difference(per_image, best, other, column)
        if compared is not None and compared[1][0] <= 0 <= compared[1][1]:
            level.append(other)
    return level


def leader_text(per_image: pd.DataFrame | None, best: str, others, column: str, what: str) -> str:
    """", level with X and Y" where ``best`` leads ``others`` only within the intervals, ", ahead of
    every other {what} in this run" where every interval excludes 0 (over images, for this one
    training run: ``describe_seed_spread`` says whether retraining keeps the order); "" without
    the per-image values."""
    others = list(others)
    if per_image is None or not others:
        return ""
    level = level_with(per_image, best, others, column)
    if not level:
        return f", ahead of every other {what} in this run"
    return (f", level with {', '.join(level)} (intervals that hold 0: no {what} wins)" if len(level) == len(others)
            else f", level with {', '.join(level)}")


def describe_winners(table: pd.DataFrame, per_image: pd.DataFrame | None = None) -> str:
    """Markdown: which kind of method wins how many metrics; then per metric the best overall, and
    the best GAN against the best baseline with the paired bootstrap interval of their difference
    over ``per_image`` (``load_per_image``), "level" where that interval holds 0."""
    wins = {kind: sum(table.sort_values(c, ascending=not higher)["kind"].iloc[0] == kind
                      for c, (_, higher) in METRICS.items()) for kind in ("GAN", "baseline")}
    lines, level = [], 0
    for column, (title, higher) in METRICS.items():
        ranked, places = table.sort_values(column, ascending=not higher), digits(column)
        best = ranked.index[0]
        by_kind = {kind: ranked[ranked["kind"] == kind].index[0] for kind in ("GAN", "baseline")
                   if (ranked["kind"] == kind).any()}
        line = (f"- **{title}** ({'higher' if higher else 'lower'} is better): **{best}** "
                f"({table.loc[best, 'kind']}), {table.loc[best, column]:.{places}f}.")
        if len(by_kind) == 2:
            gan, baseline = by_kind["GAN"], by_kind["baseline"]
            gans = ranked.index[ranked["kind"] == "GAN"]
            line += (f" Best GAN, {gan} ({table.loc[gan, column]:.{places}f}"
                     f"{leader_text(per_image, gan, gans[1:], column, 'GAN')}), minus best baseline, "
                     f"{baseline} ({table.loc[baseline, column]:.{places}f})")
            compared = paired_difference(per_image, gan, baseline, column)
            level += compared is not None and compared[1][0] <= 0 <= compared[1][1]
            line += ": " + difference_between(per_image, gan, baseline, column, table[column],
                                              " dB" if "psnr" in column else "", places) + "."
        lines.append(line)
    head = (f"Over {int(table['images'].max())} test images, a trained GAN is best on {wins['GAN']} of the "
            f"{len(METRICS)} metrics and a classical baseline on {wins['baseline']}.")
    if per_image is not None:
        head += (f" On {level} of them the best GAN and the best baseline are level within the "
                 "interval of their difference over images.")
    if {*REALISM_COLUMNS} <= set(table.columns):
        lines.append("- **Realism** " + describe_realism(table, per_image))
    return "\n".join([head, "", *lines])


def describe_realism(table: pd.DataFrame, per_image: pd.DataFrame | None = None, *, psnr: str = "hole_psnr",
                     sharpness: str = "sharpness", c2st: str = "c2st_acc", spread: str = "c2st_std") -> str:
    """Markdown: the fill closest to the photos' sharpness and the one the two-sample test finds
    hardest to tell from the photos, each against the runner-up; then whether the best ``psnr`` is
    the latter. With ``per_image`` (this table's images), each comparison has its interval."""
    closeness = (table[sharpness] - 1).abs().sort_values()
    hardness = (table[c2st] - 0.5).abs().sort_values()
    closest, hardest, easiest = closeness.index[0], hardness.index[0], table[c2st].idxmax()
    best_psnr = table[psnr].idxmax()

    def versus_next(ranked, column, statistic, value):
        runner_up = ranked.index[1] if len(ranked) > 1 else None
        compared = runner_up and paired_difference(per_image, runner_up, ranked.index[0], column, statistic)
        if not compared:
            return ""
        scale, unit, places = (100, " points", 0) if column == "c2st_right" else (1, "", 2)
        return (f"; the next, {runner_up} ({value(runner_up)}), is farther by "
                + difference_text(*compared, unit, places, scale))

    sharp = versus_next(closeness, SHARPNESS_SUMS, sharpness_distance, lambda m: f"{table.loc[m, sharpness]:.2f}")
    hard = versus_next(hardness, "c2st_right", c2st_distance, lambda m: f"{table.loc[m, c2st]:.0%}")
    if best_psnr == hardest:
        same = "it is also the hardest fill to tell from the photos"
    else:
        compared = paired_difference(per_image, best_psnr, hardest, "c2st_right")
        same = f"it is not the hardest fill to tell from the photos (C2ST {table.loc[best_psnr, c2st]:.0%})"
        if compared is None:
            same += f", as {TRADE_OFF.split(':')[0]} predicts"
        else:
            same += f"; beside {hardest}'s, its C2ST is {difference_text(*compared, ' points', 0, 100)}"
            if not compared[1][0] <= 0 <= compared[1][1]:
                same += f", as {TRADE_OFF.split(':')[0]} predicts"
    return (f"(sharpness 1 = as sharp as the photos; C2ST 50% = fills the classifier cannot tell "
            f"from photos): sharpness closest to the photos' **{closest}** ({table.loc[closest, sharpness]:.2f}"
            f"{sharp}); hardest to tell from photos **{hardest}** (C2ST {table.loc[hardest, c2st]:.0%} "
            f"± {table.loc[hardest, spread]:.0%} over seeds{hard}), easiest {easiest} ({table.loc[easiest, c2st]:.0%}). "
            f"The best hole PSNR is **{best_psnr}**'s ({table.loc[best_psnr, psnr]:.2f} dB): {same}.")


def describe_seed_spread(spread: pd.DataFrame | None, command: str) -> str:
    """Markdown: whether the best row stays the best in every training run (``spread``: a row per
    method, a column per run, as ``evaluation.read_spread`` reads it: each seed of
    ``benchmarks/seed_spread.py --table results``, and runs on other machines). The intervals over
    images hold one training run fixed; another seed or another CPU retrains it."""
    if spread is None:
        return f"No spread over training seeds was measured for this run (`{command}`)."
    runs = [c for c in spread.columns if c.startswith("seed ")]
    ranges = ", ".join(f"{m} {spread.loc[m, 'min']:.2f} to {spread.loc[m, 'max']:.2f}"
                       for m in spread.sort_values("mean", ascending=False).index)
    best = spread["mean"].idxmax()
    always = (spread.loc[best, runs] > spread.drop(best)[runs].max()).all()
    verdict = (f"**{best}** is above every other in each run" if always else
               "**No row is first in every run: at this budget they are level**, and which one comes first "
               "is decided by the seed or the machine, not by the method")
    return (f"Trained {len(runs)} times ({', '.join(runs)}; `{command}`), "
            f"hole PSNR ranges over the runs: {ranges} dB. {verdict}.")


def step_verdict(spread: pd.DataFrame | None, row: str, masks: str) -> str:
    """What an ablation step did in every run measured (``evaluation.read_spread(..., "ablation")``):
    "helps" or "hurts" where its change kept one sign in each run, else "level"; "" unmeasured."""
    low, high = (f"{masks}: change, {end}" for end in ("min", "max"))
    if spread is None or row not in spread.index or pd.isna(spread.loc[row, low]):
        return ""
    low, high = spread.loc[row, low], spread.loc[row, high]
    word = "helps" if low > 0 else "hurts" if high < 0 else "level"
    return f"{word} in every run measured ({low:+.2f} to {high:+.2f} dB)" if word != "level" else \
        f"level over the runs measured ({low:+.2f} to {high:+.2f} dB)"
