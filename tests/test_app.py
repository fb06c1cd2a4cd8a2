"""The removal web page's server, over HTTP as the page talks to it: `python -m inpaint_utils.app`
started as a user starts it, a photo opened, strokes sent, the result and mask downloaded. No
browser and nothing beyond the removal-only install (requirements-removal.lock): CI runs this file
in that install too. tests/test_app_browser.py drives the page itself in Chromium."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from chromium import free_port  # plain sockets: no browser needed
from PIL import Image

from inpaint_utils.removal.remover import dilate_mask
from inpaint_utils.removal.strokes import strokes_mask

STROKE = {"tool": "brush", "size": 30, "points": [[250, 150], [330, 200]]}


def photo_bytes(fmt="PNG", size=(480, 320)) -> bytes:
    """A photo-like picture: smooth colour ramps with a few hard-edged shapes."""
    y, x = np.mgrid[:size[1], :size[0]]
    pixels = np.stack([x * 255 // size[0], y * 255 // size[1], (x + y) % 256], axis=-1).astype(np.uint8)
    pixels[100:180, 60:140] = (20, 200, 40)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, quality=92)
    return buffer.getvalue()


class Server:
    """The app in its own process, as `python -m inpaint_utils.app --no-browser` runs it."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "inpaint_utils.app", "--no-browser", "--port",
                                         str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.banner = self.process.stdout.readline()
        self.workdir = Path(re.search(r"stay in (\S+), deleted", self.banner).group(1))
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.base, timeout=2)
                break
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, self.process.stdout.read()
                time.sleep(0.2)

    def call(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def open(self, name: str, content: bytes) -> tuple[int, dict]:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, answer, _ = self.call("/api/open", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, json.loads(answer)

    def post(self, path: str, payload: dict | None = None) -> tuple[int, dict]:
        status, answer, _ = self.call(path, json.dumps(payload or {}).encode(), {"Content-Type": "application/json"})
        return status, json.loads(answer)

    def stop(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)  # Ctrl+C, as a user stops it
        return self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running
    if running.process.poll() is None:
        running.stop()


def test_the_page_is_served_on_localhost_and_says_so(server):
    status, page, _ = server.call("/")
    assert status == 200 and b'id="remove"' in page and b"page.js" in page
    for asset in ("/page.js", "/page.css", "/brush.js"):
        assert server.call(asset)[0] == 200
    assert server.call("/page.py")[0] == 404  # the page's files only, not the package's
    assert "this computer only" in server.banner and "127.0.0.1" in server.banner
    assert server.workdir.is_dir()
    assert server.call("/", headers={"Host": "photos.example.com"})[0] == 400  # another site's name for this address


def test_open_remove_more_undo_and_download(server):
    content = photo_bytes()
    status, opened = server.open("holiday photo.png", content)
    assert status == 200 and (opened["width"], opened["height"]) == (480, 320), opened
    photo = np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))
    status, done = server.post(f"/api/{opened['id']}/remove", {"strokes": [STROKE]})
    assert status == 200 and done["index"] == 1 and done["method"] == "patchmatch", done
    mask = strokes_mask([STROKE], (480, 320), (480, 320))
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert done["box"] == [cols[0], rows[0], cols[-1] + 1, rows[-1] + 1]

    status, body, headers = server.call(f"/api/{opened['id']}/download/result")
    assert status == 200 and unquote(headers["content-disposition"]).endswith("holiday photo.png")
    result = np.asarray(Image.open(io.BytesIO(body)))
    changed = (result != photo).any(axis=2)
    assert changed[mask].mean() > 0.5 and not changed[~dilate_mask(mask, 5)].any()

    second = {"tool": "box", "points": [[20, 20], [60, 50]]}  # paint on the result: remove more
    status, more = server.post(f"/api/{opened['id']}/remove", {"strokes": [second]})
    assert status == 200 and more["index"] == 2
    _, body, headers = server.call(f"/api/{opened['id']}/download/mask")
    assert unquote(headers["content-disposition"]).endswith("holiday photo_mask.png")
    both = mask | strokes_mask([second], (480, 320), (480, 320))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(body))) >= 127, both)  # the file --mask takes

    assert server.post(f"/api/{opened['id']}/undo")[1]["index"] == 1
    _, body, _ = server.call(f"/api/{opened['id']}/download/result")
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(body))), result)
    _, body, _ = server.call(f"/api/{opened['id']}/download/mask")
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(body))) >= 127, mask)


def test_bad_input_gets_the_commands_words(server):
    jpeg = bytearray(photo_bytes("JPEG"))
    start = jpeg.find(b"\xff\xda") + 200
    jpeg[start:start + 3000] = bytes(3000)  # part of the scan data zeroed: decodes as garbage
    status, answer = server.open("damaged.jpg", bytes(jpeg))
    assert status == 400 and "damaged.jpg is a damaged JPEG" in answer["detail"] and "Corrupt JPEG" in answer["detail"]
    status, answer = server.open("notes.png", b"not a picture")
    assert status == 400 and "notes.png is not a readable image" in answer["detail"]
    assert server.open("notes.txt", b"hello")[0] == 400
    _, opened = server.open("photo.png", photo_bytes())
    status, answer = server.post(f"/api/{opened['id']}/remove", {"strokes": []})
    assert status == 400 and answer["detail"].startswith("nothing is painted")
    assert server.post(f"/api/{opened['id']}/undo")[0] == 400
    assert server.call(f"/api/{opened['id']}/download/result")[0] == 400
    assert server.post("/api/no-such-photo/remove", {"strokes": [STROKE]})[0] == 404


def test_stopping_deletes_the_uploads_and_results():
    running = Server()
    running.open("photo.png", photo_bytes())
    assert any(running.workdir.iterdir())
    assert running.stop() == 0
    assert not running.workdir.exists()
