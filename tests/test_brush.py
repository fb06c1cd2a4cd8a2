"""Notebook 07's brush without a browser: strokes drawn at full resolution, when it shows, and
Remove and Save as the command would do them (tests/test_brush_browser.py paints in Chromium)."""

import numpy as np
import pytest
from PIL import Image

import inpaint_utils as iu
from inpaint_utils.removal.brush import hole_window, interactive
from inpaint_utils.removal.remover import dilate_mask


def gradient(width=1600, height=1000):
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([60 + 120 * x / width, 50 + 100 * y / height, 90 + 40 * np.sin(x / 9)]).astype(np.uint8)


def bbox(mask):
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def test_strokes_on_the_preview_are_drawn_at_the_photos_resolution():
    stroke = {"tool": "brush", "size": 20, "points": [[100, 100], [300, 100]]}  # on an 800x500 preview
    mask = iu.strokes_mask([stroke], (1600, 1000), (800, 500))
    assert mask.shape == (1000, 1600) and bbox(mask) == (180, 180, 621, 221)  # a 40 px wide line at 2x
    erased = iu.strokes_mask([stroke, {"tool": "eraser", "size": 10, "points": [[200, 80], [200, 120]]}],
                             (1600, 1000), (800, 500))
    assert not erased[200, 400] and erased[200, 300] and erased.sum() < mask.sum()
    box = iu.strokes_mask([{"tool": "box", "points": [[600, 350], [500, 300]]}], (1600, 1000), (800, 500))
    assert bbox(box) == (1000, 600, 1200, 700) and box.sum() == 200 * 100
    assert not iu.strokes_mask([], (1600, 1000), (800, 500)).any()


def test_the_brush_shows_only_where_a_person_runs_the_notebook(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("VSCODE_PID", raising=False)
    assert not interactive() and not iu.brush_wanted("auto", "photo.jpg")  # papermill, nbval, the report
    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/07_object_removal.ipynb")  # JupyterLab's kernel
    assert iu.brush_wanted("auto", "photo.jpg") and not iu.brush_wanted("auto", None)
    assert not iu.brush_wanted("auto", "photo.jpg", "photo_mask.png") and not iu.brush_wanted("auto", "p.jpg", None, (0, 0, 5, 5))
    assert iu.brush_wanted(True, "photo.jpg", "photo_mask.png") and not iu.brush_wanted(False, "photo.jpg")
    with pytest.raises(ValueError, match="auto"):
        iu.brush_wanted("yes", "photo.jpg")


def test_the_100_percent_view_is_on_the_largest_hole_and_at_most_its_size():
    mask = np.zeros((1000, 1600), bool)
    mask[10:20, 10:20] = True
    mask[400:900, 600:700] = True
    top, bottom, left, right = hole_window(mask, side=360)
    assert bottom - top == 360 and left <= 600 and right >= 700 and 400 < (top + bottom) / 2 < 900


def test_remove_then_save_by_the_commands_rules(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "photo.png")
    brush = iu.Brush(tmp_path / "photo.png", method="telea", preview=800)
    assert (brush.width, brush.height, brush.full_width, brush.full_height) == (800, 500, 1600, 1000)
    assert brush.image.startswith("data:image/png;base64,")
    brush.save_clicks += 1  # Save before Remove: said, nothing written
    assert "Remove first" in brush.status and not (tmp_path / "removed").exists()
    brush.remove_clicks += 1
    assert brush.status.startswith("Not done: nothing is painted")
    brush.strokes = [{"tool": "brush", "size": 20, "points": [[100, 100], [300, 100]]}]
    brush.remove_clicks += 1  # as the browser's button does
    assert brush.status.startswith("Removed with telea") and "x 180-621, y 180-221 of 1600x1000" in brush.status
    assert brush.crop_before and brush.crop_after and brush.result_image and not brush.busy
    photo = gradient()
    changed = (brush.result != photo).any(axis=2)
    assert changed.any() and not changed[~dilate_mask(brush.mask, 5)].any()

    before = sorted(p.name for p in tmp_path.iterdir())
    brush.folder, brush.save_clicks = str(tmp_path), brush.save_clicks + 1  # the photo's own folder
    assert "is a folder of inputs" in brush.status and sorted(p.name for p in tmp_path.iterdir()) == before
    written = brush.save(tmp_path / "out")
    assert [p.name for p in written] == ["photo.png", "photo_mask.png"]
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out" / "photo.png")), brush.result)
    saved_mask = iu.read_mask(tmp_path / "out" / "photo_mask.png", (1600, 1000))  # the command reads it back
    assert np.array_equal(saved_mask, brush.mask)
    with pytest.raises(iu.Refused, match="exists .Overwrite replaces"):
        brush.save(tmp_path / "out")
    assert brush.save(tmp_path / "out", overwrite=True) == written
