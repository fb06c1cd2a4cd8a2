"""Notebook 07's brush in a real browser: JupyterLab on localhost, headless Chromium driven over the
Chrome DevTools protocol (websocket-client, already in the lock). On scikit-image's coffee photo
scaled to 1200x800 (shown at 600x400), the test sets the brush to 90 px, paints one stroke with
the mouse over the spoon (and a stray dab, taken back with Undo), presses Remove, names a folder
and presses Save, and checks what reached
Python: the hole's bounding box at full resolution, in the status line and in the mask file that
Save wrote, and the result (changed in the hole, bit-identical outside the dilated mask). With
$INPAINT_BRUSH_SCREENSHOT it saves the widget there (docs/brush.png)."""

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from chromium import CHROMIUM, free_port, start_chromium, stop, wait_for
from PIL import Image

import inpaint_utils as iu
from inpaint_utils.removal.remover import dilate_mask

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
WIDTH, HEIGHT, SCALE = 1200, 800, 2  # the photo, shown at half its size
STROKE, SIZE = [(358, 288), (390, 168)], 90  # over the spoon's bowl and handle, in preview pixels
EXPECTED = (626, 246, 870, 666)  # x0, y0, x1, y1 at 1200x800: the stroke's ends +-45 x 2 photo pixels
NOTEBOOK = """import skimage.data
from PIL import Image
import inpaint_utils as iu

Image.fromarray(skimage.data.coffee()).resize((1200, 800), Image.LANCZOS).save("photo.png")
print("brush wanted:", iu.brush_wanted("auto", "photo.png"))  # as notebook 07 decides: True in JupyterLab
brush = iu.Brush("photo.png", preview=600)
brush"""


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    config = folder / "jupyter-config"
    config.mkdir()
    news = folder / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))  # no news toast
    (config / "jupyter_lab_config.json").write_text(json.dumps({
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                   "expose_app_in_browser": True},
        "ServerApp": {"token": token, "port": port, "ip": "127.0.0.1", "open_browser": False,
                      "root_dir": str(folder / "work"), "allow_root": True}}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join([str(iu.ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser"], env=env, cwd=folder,
                            stdout=open(folder / "lab.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def near(found, expected, slack=3) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(found, expected))


def test_paint_remove_and_save_in_jupyterlab(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    cell = {"cell_type": "code", "execution_count": None, "id": "brush", "metadata": {}, "outputs": [],
            "source": NOTEBOOK}
    (work / "brush.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}))
    port, token = free_port(), secrets.token_hex(16)
    lab = chromium = devtools = None
    try:
        lab = start_lab(tmp_path, port, token)
        base = f"http://127.0.0.1:{port}"

        def lab_up():
            try:
                return urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).status == 200
            except OSError:
                assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
                return False

        wait_for("JupyterLab to answer", lab_up, 60)
        chromium, devtools = start_chromium(tmp_path / "chromium")
        devtools.send("Page.enable")
        devtools.send("Emulation.setFocusEmulationEnabled", enabled=True)  # focus, which JupyterLab tracks
        devtools.send("Page.navigate", url=f"{base}/lab/tree/brush.ipynb?token={token}")

        # The notebook's panel among the main area's widgets (a headless window has no focus, so no
        # current widget until it is activated), made current, its kernel idle: then run its cell.
        ready = """(() => { const app = window.jupyterapp; if (!app) return false;
            const nb = [...app.shell.widgets('main')].find(w => w.sessionContext && w.content);
            const kernel = nb && nb.sessionContext.session && nb.sessionContext.session.kernel;
            if (!(kernel && kernel.status === "idle" && nb.content.widgets.length)) return false;
            app.shell.activateById(nb.id); return app.shell.currentWidget === nb; })()"""
        wait_for("the notebook and its kernel", lambda: devtools.js(ready), 60)
        devtools.js("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        drawn = """(() => { const c = document.querySelector('.iu-brush canvas');
            if (!c || c.width !== 600) return false; c.scrollIntoView({block: 'center'});
            const p = c.getContext('2d').getImageData(300, 200, 1, 1).data; return p[3] > 0; })()"""
        wait_for("the brush with its photo", lambda: devtools.js(drawn), 60)
        assert "brush wanted: True" in devtools.js("document.querySelector('.jp-OutputArea').textContent")

        box = devtools.js("(() => { const r = document.querySelector('.iu-brush canvas').getBoundingClientRect();"
                          " return [r.left, r.top, r.width, r.height]; })()")
        left, top, width, height = box
        to_screen = lambda x, y: (left + x * width / (WIDTH / SCALE), top + y * height / (HEIGHT / SCALE))  # noqa: E731
        devtools.js(f"(() => {{ const s = document.querySelector('.iu-brush-size input'); s.value = {SIZE};"
                    " s.dispatchEvent(new Event('input')); })()")
        (x0, y0), (x1, y1) = STROKE
        devtools.mouse("mousePressed", *to_screen(x0, y0), buttons=1)
        for step in range(1, 11):
            devtools.mouse("mouseMoved", *to_screen(x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10), buttons=1)
        devtools.mouse("mouseReleased", *to_screen(x1, y1), buttons=0)
        devtools.mouse("mousePressed", *to_screen(40, 40), buttons=1)  # a stray dab in the corner, then Undo
        devtools.mouse("mouseReleased", *to_screen(60, 50), buttons=0)
        devtools.js("document.querySelector('.iu-brush-undo').click()")
        status = "(document.querySelector('.iu-brush-status') || {}).textContent || ''"
        devtools.js("document.querySelector('.iu-brush-remove').click()")
        text = wait_for("Remove's result", lambda: re.search(r"^Removed .*", devtools.js(status)), 60).group(0)
        found = re.search(rf"the hole is x (\d+)-(\d+), y (\d+)-(\d+) of {WIDTH}x{HEIGHT}", text)
        assert found, text
        hole = tuple(int(v) for v in found.group(1, 3, 2, 4))
        assert near(hole, EXPECTED), (hole, text)  # the mask that reached Python, at full resolution
        crops = "[...document.querySelectorAll('.iu-brush-results img')].map(i => [i.complete, i.naturalWidth])"
        images = wait_for("the result and the crops at 100%", lambda: (lambda v: all(c and w for c, w in v) and v)(
            devtools.js(crops)), 10)
        assert len(images) == 3 and images[0][1] == images[1][1] <= 360  # before and after at 100%

        saved = work / "removed"  # a folder named as a user would, beside the notebook
        devtools.js("(() => { const f = document.querySelector('.iu-brush-folder'); f.value = 'removed';"
                    " f.dispatchEvent(new Event('change')); document.querySelector('.iu-brush-save').click(); })()")
        wait_for("Save", lambda: devtools.js(status).startswith("Saved to"), 30)
        mask = np.asarray(Image.open(saved / "photo_mask.png")) >= 127
        photo, result = np.asarray(Image.open(work / "photo.png")), np.asarray(Image.open(saved / "photo.png"))
        assert mask.shape == (HEIGHT, WIDTH) and near(bbox(mask), EXPECTED) and bbox(mask) == hole
        changed = (result != photo).any(axis=2)
        assert changed[mask].mean() > 0.5 and not changed[~dilate_mask(mask, 5)].any()

        shot = os.environ.get("INPAINT_BRUSH_SCREENSHOT")
        clip = devtools.js("(() => { const e = document.querySelector('.iu-brush'); e.scrollIntoView();"
                           " const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()")
        png = base64.b64decode(devtools.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                             clip=dict(x=clip[0], y=clip[1], width=clip[2], height=clip[3],
                                                       scale=1))["data"])
        assert len(png) > 10_000
        if shot:
            Path(shot).write_bytes(png)
    finally:
        if devtools is not None:
            devtools.socket.close()
        stop(chromium)
        stop(lab)
        shutil.rmtree(tmp_path / "chromium", ignore_errors=True)
