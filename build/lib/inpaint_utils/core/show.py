"""How the notebooks show tables and notes: rounded to what the data support, readable in the report.

The CSVs keep full precision; a displayed table shows no more digits than a few dozen images can
support: 2 decimals for dB, 3 for SSIM and L1, 2 for sharpness and the two-sample test. A note is
Markdown in a notebook (so the report shows it as text, not as a log line) and a line on a console.
"""

import hashlib
import re

import pandas as pd

# (pattern in a column's or row's name, decimals): the first that matches wins.
DIGITS = [
    (r"psnr|\(db\)", 2), (r"fid", 1), (r"second", 1), (r"l2|mse", 4), (r"ssim|l1|lpips|loss|huber|bce", 3),
    (r"sharpness|c2st", 2), (r"parameters|images|epochs|unreadable|step", 0),
]
DEFAULT_DIGITS = 3


def digits(name) -> int | None:
    """Decimals to show for a column or row called ``name`` (a tuple for a MultiIndex), or None."""
    text = " ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    return next((d for pattern, d in DIGITS if re.search(pattern, text, re.I)), None)


def show_table(table: pd.DataFrame | None, caption: str | None = None):
    """``table`` as a Styler that rounds each float column by its name (or, for columns such as
    mean and std, each row by its name), under ``caption``; missing values show as a dash. None
    passes through."""
    if table is None:
        return None
    uuid = hashlib.sha1(table.to_csv().encode()).hexdigest()[:8]  # stable HTML from run to run
    styler = table.style.set_uuid(uuid).format(precision=DEFAULT_DIGITS, na_rep="–", thousands=",")
    if caption:
        styler.set_caption(caption)
    for column in (c for c in table.columns if pd.api.types.is_float_dtype(table[c])):
        if (decimals := digits(column)) is not None:
            styler.format(precision=decimals, na_rep="–", thousands=",", subset=[column])
            continue
        for row in table.index:  # a column such as mean or std: each row by its own name
            if (decimals := digits(row)) is not None:
                styler.format(precision=decimals, na_rep="–", thousands=",", subset=pd.IndexSlice[[row], [column]])
    return styler


def note(text: str) -> None:
    """``text`` (Markdown) shown as a paragraph in a notebook, printed elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(text))
    else:
        print(text)
