"""Error bars for sentences that compare rows: a paired bootstrap over images.

Every method of a table fills the same images, so a difference between two rows is best judged
image by image: resampling the images (with replacement, the same draw for both rows) keeps what
the rows share, such as an image that is hard for every method, out of the interval. A percentile
interval of the difference that contains 0 means the data cannot tell the rows apart.
"""

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95


def mean_of_images(values: np.ndarray) -> np.ndarray:
    """The default statistic: (resamples, images, ...) -> (resamples, ...), the mean over images."""
    return values.mean(axis=1)


def paired_bootstrap(a, b, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL,
                     statistic=mean_of_images) -> tuple[float, float]:
    """The ``level`` percentile interval of statistic(a) - statistic(b), images resampled together.

    ``a`` and ``b`` hold one value per image (or one row per image, for a statistic such as a ratio
    of sums), in the same image order. ``statistic`` maps resampled values, shaped (resamples,
    images, ...), to one number per resample. Seeded: the same inputs give the same interval.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or len(a) == 0:
        raise ValueError(f"paired values need the same images: got shapes {a.shape} and {b.shape}")
    picks = np.random.default_rng(seed).integers(0, len(a), size=(resamples, len(a)))
    differences = statistic(a[picks]) - statistic(b[picks])
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(differences, [tail, 100 - tail])
    return float(low), float(high)


def difference_text(difference: float, interval: tuple[float, float], unit: str = "", digits: int = 2,
                    scale: float = 1.0) -> str:
    """A difference with its interval, and "level within its interval" when that interval holds 0:
    e.g. "+1.29 dB (95% interval +0.81 to +1.80)". ``scale`` multiplies all three (100 for points)."""
    low, high = interval

    def fmt(value):
        return f"{round(value * scale, digits) + 0.0:+.{digits}f}"  # + 0.0: no "-0.00"

    text = f"{fmt(difference)}{unit} ({LEVEL:.0%} interval over images {fmt(low)} to {fmt(high)})"
    return text + (": level within its interval" if low <= 0 <= high else "")


def difference_cell(difference: float, interval: tuple[float, float], digits: int = 2) -> str:
    """A difference and its interval for a table's cell: "+0.44 (+0.21 to +0.68)"."""
    low, high = interval
    return f"{difference:+.{digits}f} ({low:+.{digits}f} to {high:+.{digits}f})"
