"""Paint what to remove on your photo, in the notebook: notebook 07's brush (an anywidget).

The browser gets the photo shrunk to fit a screen (a PNG preview, at most ``PREVIEW`` pixels on
its longest side) and sends back the strokes, not pixels: each stroke is its tool (brush, eraser
or box), its width and its points in preview pixels. Python draws them again at the photo's full
resolution (``strokes_mask``), so the mask has the photo's size whatever the screen's; undo and
clear edit the list of strokes. Remove runs ``remove_object`` with the command's defaults and
shows the result beside the photo, with the hole at 100% (one photo pixel per screen pixel);
Save writes the result and the painted mask (``<name>_mask.png``) under a folder you name, by the
command's rules (``batch.plan_jobs``): never over an input, never into the photo's folder, an
earlier file replaced only when asked.

Headless runs (papermill, nbval, the report) have no one to paint: ``brush_wanted("auto", ...)``
is true only in a kernel a person drives (JupyterLab, Jupyter Notebook, VS Code, Colab). The
JavaScript and CSS are ``brush.js`` and ``brush.css`` beside this file: plain canvas code, no build.
"""

import base64
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import anywidget
import cv2
import numpy as np
import traitlets
from PIL import Image

from ..data.photos import read_photo, save_photo
from .jobs import (
    Job,
    Refused,
    Settings,
    describe_sizes,
    missing_folders,
    overwrite_problems,
    plan_jobs,
    prepare_output,
    remove_empty,
    write_outputs,
)
from .remover import DEFAULT_METHOD, make_remover, remove_object
from .strokes import strokes_mask

PREVIEW = 900  # the preview's longest side, in pixels: a notebook's width
CROP = 360  # the 100% view of the hole: at most this many photo pixels a side
HERE = Path(__file__).parent


def interactive() -> bool:
    """Whether a person drives this kernel: a kernel that Jupyter Server (JupyterLab, Notebook 7)
    started for an open notebook, which it names in $JPY_SESSION_NAME (tests/test_brush_browser.py),
    Colab, or VS Code (whose processes inherit $VSCODE_PID; not tried here). Papermill, nbval and
    ``report.py`` start kernels without them; elsewhere, ``brush=True`` shows the brush."""
    return "google.colab" in sys.modules or bool(os.environ.get("JPY_SESSION_NAME")) or "VSCODE_PID" in os.environ


def brush_wanted(brush, your_photo, your_mask=None, your_box=None) -> bool:
    """Whether notebook 07 shows the brush: ``brush=True`` or ``False`` says so; ``"auto"`` shows it
    when a person runs the notebook and has a photo but no mask or box yet."""
    if brush not in ("auto", True, False):
        raise ValueError(f"brush = {brush!r}: give \"auto\", True or False")
    if not your_photo:
        return False
    if brush == "auto":
        return interactive() and your_mask is None and your_box is None
    return brush


def data_url(pixels: np.ndarray) -> str:
    """A PNG data URL, for an <img> or a canvas in the browser."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fit(pixels: np.ndarray, longest: int) -> np.ndarray:
    """``pixels`` shrunk (area filter) so that the longest side is at most ``longest``."""
    height, width = pixels.shape[:2]
    scale = min(1.0, longest / max(width, height))
    if scale == 1.0:
        return pixels
    return cv2.resize(pixels, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)


def hole_window(mask: np.ndarray, side: int = CROP) -> tuple[int, int, int, int]:
    """(top, bottom, left, right): a window of at most ``side`` pixels a side on the hole (the
    largest, if there are several), its bounding box widened by half its size where that fits."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count > 2:
        mask = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    pad = max(rows[-1] - rows[0], cols[-1] - cols[0], 16) // 2 + 1

    def span(first, last, extent):
        start, stop = max(first - pad, 0), min(last + 1 + pad, extent)
        if stop - start > side:  # centred on the hole
            start = max(min((first + last) // 2 - side // 2, extent - side), 0)
            stop = start + side
        return int(start), int(stop)

    (top, bottom), (left, right) = span(rows[0], rows[-1], mask.shape[0]), span(cols[0], cols[-1], mask.shape[1])
    return top, bottom, left, right


class Brush(anywidget.AnyWidget):
    """``Brush("holiday.jpg")``: the photo to paint on, with brush, eraser, box, undo, clear,
    Remove and Save. After Remove, ``mask`` (what was removed, bool at full size) and ``result``
    (uint8 RGB) hold the fill; after Save, ``saved`` the files written."""

    _esm = HERE / "brush.js"
    _css = HERE / "brush.css"

    image = traitlets.Unicode("").tag(sync=True)  # the preview, a PNG data URL
    width = traitlets.Int(0).tag(sync=True)  # the preview's size
    height = traitlets.Int(0).tag(sync=True)
    full_width = traitlets.Int(0).tag(sync=True)  # the photo's
    full_height = traitlets.Int(0).tag(sync=True)
    strokes = traitlets.List([]).tag(sync=True)
    tool = traitlets.Unicode("brush").tag(sync=True)
    brush_size = traitlets.Int(24).tag(sync=True)  # a diameter, in preview pixels
    folder = traitlets.Unicode("removed").tag(sync=True)
    overwrite = traitlets.Bool(False).tag(sync=True)
    remove_clicks = traitlets.Int(0).tag(sync=True)
    save_clicks = traitlets.Int(0).tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    result_image = traitlets.Unicode("").tag(sync=True)  # the result, preview-sized
    crop_before = traitlets.Unicode("").tag(sync=True)  # the hole at 100%, before and after
    crop_after = traitlets.Unicode("").tag(sync=True)

    def __init__(self, photo, *, folder: str | os.PathLike = "removed", method: str = DEFAULT_METHOD, preview: int = PREVIEW,
                 **kwargs):
        self.path = Path(photo).expanduser()
        self.photo = read_photo(self.path)  # upright, 8-bit; its alpha and metadata kept for Save
        height, width = self.photo.pixels.shape[:2]
        small = fit(self.photo.pixels, preview)
        self.method, self._remover = method, None
        self.mask, self.result, self.saved = None, None, []
        super().__init__(image=data_url(small), width=small.shape[1], height=small.shape[0], full_width=width,
                         full_height=height, folder=str(folder), **kwargs)
        self.status = (f"{self.path.name}: {width}x{height}, shown at {small.shape[1]}x{small.shape[0]}. Paint over "
                       "what to remove, then Remove.")
        self.observe(lambda change: self._act(self.remove), "remove_clicks")
        self.observe(lambda change: self._act(self._save_clicked), "save_clicks")

    def painted(self) -> np.ndarray:
        """The strokes so far as a mask at the photo's full resolution."""
        return strokes_mask(self.strokes, (self.full_width, self.full_height), (self.width, self.height))

    def _act(self, action) -> None:
        """Run a button's action, its outcome or error in the status line, the buttons off meanwhile."""
        self.busy = True
        try:
            action()
        except (Refused, ValueError, OSError) as e:
            self.status = f"Not done: {'; '.join(e.problems) if isinstance(e, Refused) else e}"
        except Exception as e:  # a callback's traceback would go to a log no one reads: say it here
            self.status = f"Failed: {type(e).__name__}: {e}"
        finally:
            self.busy = False

    def remove(self) -> np.ndarray:
        """Remove what the strokes mark with the command's defaults; the result, also shown."""
        mask = self.painted()
        if not mask.any():
            raise ValueError("nothing is painted: paint over the object (or draw a box) first")
        self.status = "Removing..."
        if self._remover is None:
            from ..core.runtime import resolve_device

            self._remover = make_remover(self.method, device=resolve_device("auto"))
        started = time.perf_counter()
        result = remove_object(self.photo.pixels, mask, self._remover)
        self.mask, self.result = mask, result
        top, bottom, left, right = hole_window(mask)
        self.result_image = data_url(fit(result, max(self.width, self.height)))
        self.crop_before = data_url(self.photo.pixels[top:bottom, left:right])
        self.crop_after = data_url(result[top:bottom, left:right])
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        self.status = (f"Removed with {self._remover.name} in {time.perf_counter() - started:.1f} s: the hole is "
                       f"x {cols[0]}-{cols[-1] + 1}, y {rows[0]}-{rows[-1] + 1} of {self.full_width}x"
                       f"{self.full_height} ({mask.mean():.1%}); below at 100%, x {left}-{right}, y {top}-{bottom}.")
        return result

    def _save_clicked(self) -> None:
        self.save(self.folder, overwrite=self.overwrite)

    def save(self, folder, *, overwrite: bool = False) -> list[Path]:
        """Write the last result and its mask (``<name>_mask.png``, white = removed) to ``folder``,
        checked as the command checks its outputs; the files written."""
        if self.result is None:
            raise ValueError("nothing to save yet: Remove first")
        folder = Path(folder).expanduser()
        with tempfile.TemporaryDirectory() as scratch:  # the mask as the command would read it
            painted = Path(scratch) / f"{self.path.stem}_mask.png"
            Image.fromarray(self.mask.astype(np.uint8) * 255).save(painted)
            try:
                jobs, _ = plan_jobs(self.path, painted, folder, Settings(), overwrite=overwrite)
            except Refused as e:
                raise Refused([p.replace("--overwrite", "Overwrite").replace(f"{painted}", "the mask")
                               for p in e.problems]) from None
        job = jobs[0]
        mask_file = job.output.with_name(f"{job.output.stem}_mask.png")
        problems = overwrite_problems([Job(self.path, None, mask_file, "PNG")], [self.path], overwrite)
        if problems:
            raise Refused([p.replace("its result", "its mask").replace("--overwrite", "Overwrite") for p in problems])
        made = missing_folders(folder)
        try:
            prepare_output(folder)
            written = []
            write_outputs(job, self.photo, self.mask, self.result, written)
            save_photo(mask_file, self.mask.astype(np.uint8) * 255, None, fmt="PNG", options={})
            written.append(mask_file)
        except (OSError, Refused):
            remove_empty(made)
            raise
        self.saved = written
        self.status = f"Saved to {folder}: {describe_sizes(written)}."
        return written
