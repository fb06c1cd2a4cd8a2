"""The removal web page in a real browser: headless Chromium, driven over the DevTools protocol,
opens `python -m inpaint_utils.app`, picks scikit-image's coffee photo (1200x800) in the file
picker, zooms out, paints a stroke over the spoon with the mouse (and a stray dab, taken back with
Undo), presses Remove and downloads the result and the mask. Checked: the downloaded mask is the
stroke at full resolution, the result changed in the hole and is bit-identical outside the dilated
mask, and a damaged JPEG gets the command's words on the page. With $INPAINT_APP_SCREENSHOT it
saves the page there (docs/app.png)."""

import base64
import os
import re
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from chromium import CHROMIUM, start_chromium, stop, wait_for
from PIL import Image
from test_app import Server, photo_bytes

from inpaint_utils.removal.remover import dilate_mask

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
STROKE = [(716, 576), (780, 336)]  # over the spoon's bowl and handle, in photo pixels
SIZE = 60  # the brush, in screen pixels


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def test_paint_remove_and_download_in_chromium(tmp_path):
    photo_path = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).resize((1200, 800), Image.LANCZOS).save(photo_path)
    damaged = bytearray(photo_bytes("JPEG"))
    start = damaged.find(b"\xff\xda") + 200
    damaged[start:start + 3000] = bytes(3000)
    (tmp_path / "damaged.jpg").write_bytes(damaged)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    server = Server()
    chromium = devtools = None
    try:
        chromium, devtools = start_chromium(tmp_path / "chromium", ["--window-size=1280,900"])
        devtools.send("Page.enable")
        devtools.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        devtools.send("Page.navigate", url=server.base)
        status = "document.getElementById('status').textContent"
        wait_for("the page", lambda: devtools.js("document.readyState") == "complete" and devtools.js(status), 30)

        def pick(path: Path) -> None:
            root = devtools.send("DOM.getDocument")["root"]["nodeId"]
            node = devtools.send("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
            devtools.send("DOM.setFileInputFiles", files=[str(path)], nodeId=node)

        pick(tmp_path / "damaged.jpg")
        wait_for("the refusal", lambda: devtools.js(status).startswith("Not opened"), 30)
        assert "damaged.jpg is a damaged JPEG" in devtools.js(status)
        assert "error" in devtools.js("document.getElementById('status').className")

        pick(photo_path)
        wait_for("the photo", lambda: devtools.js(status).startswith("coffee.png: 1200x800"), 30)
        devtools.js("document.getElementById('zoom-out').click()")
        shown = int(devtools.js("document.getElementById('zoom-value').textContent").rstrip("%")) / 100
        devtools.js(f"(() => {{ const s = document.getElementById('size'); s.value = {SIZE}; }})()")
        left, top, width, height = devtools.js("(() => { const r = document.getElementById('marks')"
                                               ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()")
        zoom = width / 1200
        assert zoom < 0.8 and abs(zoom - shown) < 0.01  # zoomed out: strokes are still drawn in photo pixels
        to_screen = lambda x, y: (left + x * width / 1200, top + y * height / 800)  # noqa: E731
        (x0, y0), (x1, y1) = STROKE
        devtools.mouse("mousePressed", *to_screen(x0, y0), buttons=1)
        for step in range(1, 11):
            devtools.mouse("mouseMoved", *to_screen(x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10), buttons=1)
        devtools.mouse("mouseReleased", *to_screen(x1, y1), buttons=0)
        devtools.mouse("mousePressed", *to_screen(80, 80), buttons=1)  # a stray dab, then Undo
        devtools.mouse("mouseReleased", *to_screen(100, 90), buttons=0)
        devtools.js("document.getElementById('undo').click()")
        devtools.js("document.getElementById('remove').click()")
        text = wait_for("Remove's result", lambda: re.search(r"^Removed with patchmatch .*", devtools.js(status)), 120)
        assert "shown at 100%" in text.group(0)
        assert devtools.js("document.getElementById('zoom-value').textContent") == "100%"

        shot = os.environ.get("INPAINT_APP_SCREENSHOT")
        if shot:
            Path(shot).write_bytes(base64.b64decode(devtools.send("Page.captureScreenshot", format="png")["data"]))
        for what in ("result", "mask"):
            devtools.js(f"document.getElementById('download-{what}').click()")
        files = {"result": downloads / "coffee.png", "mask": downloads / "coffee_mask.png"}
        wait_for("the downloads", lambda: all(f.exists() and f.stat().st_size for f in files.values()), 30)
    finally:
        if devtools is not None:
            devtools.socket.close()
        stop(chromium)
        server.stop()

    half = SIZE / zoom / 2  # the brush's radius in photo pixels
    expected = (x0 - half, y1 - half, x1 + half, y0 + half)
    mask = np.asarray(Image.open(files["mask"])) >= 127
    assert mask.shape == (800, 1200)
    assert all(abs(a - b) <= 3 for a, b in zip(bbox(mask), expected)), (bbox(mask), expected)
    photo, result = np.asarray(Image.open(photo_path)), np.asarray(Image.open(files["result"]))
    changed = (result != photo).any(axis=2)
    assert changed[mask].mean() > 0.5 and not changed[~dilate_mask(mask, 5)].any()
