"""The removal web page's server: a FastAPI app that serves ``page.html`` and does the work.

The page sends the photo once, then strokes (brush, eraser, box: points in the photo's own pixels),
and gets the result back as a PNG. The server keeps each opened photo in a temporary folder with
its results, one after another (Remove on a result removes more; Undo removal goes back one), and
reads and checks photos as the command does (``data.photos.read_photo``: upright by EXIF, 8-bit,
a damaged JPEG refused with the command's words). It writes nothing outside that folder, which is
deleted when the server stops: the result and the mask reach the user as downloads, named as the
command names its outputs (``<name>.png``, ``<name>_mask.png``, white = removed).
"""

import re
import shutil
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi import FastAPI, File, HTTPException, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..data.photos import DEFAULT_MAX_PIXELS, PHOTO_SUFFIXES, WRITABLE, PhotoError, output_format, read_photo, save_photo
from .remover import DEFAULT_METHOD, dilate_mask, make_remover, remove_object
from .strokes import strokes_mask

HERE = Path(__file__).parent
DILATE = 5  # remove_object's default, as the command's --dilate
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
ASSETS = ("page.js", "page.css", "brush.js")  # brush.js: notebook 07's brush, whose drawing code the page imports


@dataclass
class Opened:
    """One photo opened in the page: the photo as read, its results so far and the mask of all
    that was removed (as painted, before dilation: the file ``--mask`` takes)."""

    folder: Path
    name: str
    photo: object  # data.photos.Photo
    results: list = field(default_factory=list)  # uint8 (H, W, 3), the latest last
    masks: list = field(default_factory=list)  # bool (H, W), what each Remove was painted with

    @property
    def current(self) -> np.ndarray:
        return self.results[-1] if self.results else self.photo.pixels

    @property
    def removed(self) -> np.ndarray:
        return np.logical_or.reduce(self.masks)


class Strokes(BaseModel):
    strokes: list[dict]


def create_app(method: str = DEFAULT_METHOD, *, max_pixels: int = DEFAULT_MAX_PIXELS, accept_damaged: bool = False,
               workdir: Path | None = None, hosts: tuple[str, ...] = LOCAL_HOSTS) -> FastAPI:
    """The page's app. Uploads and results stay under ``workdir`` (a new temporary folder unless
    given), which the app deletes when it stops. Requests must name one of ``hosts`` as their Host:
    a web page elsewhere cannot reach the photos through a DNS name that points here ("*": any)."""
    opened: dict[str, Opened] = {}
    removers = {}

    @asynccontextmanager
    async def lifespan(app):
        yield
        shutil.rmtree(app.state.workdir, ignore_errors=True)

    app = FastAPI(title="Remove objects", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))
    app.state.workdir = Path(workdir or tempfile.mkdtemp(prefix="inpaint-app-"))

    def find(photo_id: str) -> Opened:
        if photo_id not in opened:
            raise HTTPException(404, "no such photo: open it again")
        return opened[photo_id]

    @app.get("/", response_class=HTMLResponse)
    def page():
        return (HERE / "page.html").read_text()

    @app.get("/{name}.{kind}")
    def asset(name: str, kind: str):
        if f"{name}.{kind}" not in ASSETS:
            raise HTTPException(404)
        return FileResponse(HERE / f"{name}.{kind}", media_type="text/javascript" if kind == "js" else "text/css")

    @app.post("/api/open")
    def open_photo(file: UploadFile = File(...)):
        name = Path(file.filename or "photo.png").name
        if Path(name).suffix.lower() not in PHOTO_SUFFIXES:
            raise HTTPException(400, f"{name}: not a photo the command reads (it takes "
                                     f"{', '.join(sorted(PHOTO_SUFFIXES))})")
        photo_id = uuid.uuid4().hex
        folder = app.state.workdir / photo_id
        folder.mkdir()
        path = folder / (re.sub(r"[^\w.-]", "_", Path(name).stem) + Path(name).suffix.lower())
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        try:
            photo = read_photo(path, max_pixels=max_pixels, damaged="accept" if accept_damaged else "refuse")
        except (PhotoError, OSError) as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(400, str(e).replace(str(path), name)) from None
        opened[photo_id] = Opened(folder, name, photo)
        _write_png(folder / "0.png", photo.pixels)
        height, width = photo.pixels.shape[:2]
        return {"id": photo_id, "name": name, "width": width, "height": height, "notes": photo.notes}

    @app.get("/api/{photo_id}/image/{index}.png")
    def image(photo_id: str, index: int):
        path = find(photo_id).folder / f"{index}.png"
        if not path.is_file():
            raise HTTPException(404, "no such result")
        return FileResponse(path, media_type="image/png")

    @app.post("/api/{photo_id}/remove")
    def remove(photo_id: str, body: Strokes):
        item = find(photo_id)
        height, width = item.current.shape[:2]
        mask = strokes_mask(body.strokes, (width, height), (width, height))
        if not mask.any():
            raise HTTPException(400, "nothing is painted: paint over the object (or draw a box) first")
        if dilate_mask(mask, DILATE).all():
            raise HTTPException(400, "the painted area covers the whole photo: no pixel is left to fill it from")
        if method not in removers:
            try:
                removers[method] = make_remover(method)
            except (ImportError, OSError, ValueError) as e:
                raise HTTPException(500, f"--method {method}: {e}") from None
        remover = removers[method]
        started = time.perf_counter()
        result = remove_object(item.current, mask, remover, dilate=DILATE)
        seconds = time.perf_counter() - started
        item.results.append(result)
        item.masks.append(mask)
        index = len(item.results)
        _write_png(item.folder / f"{index}.png", result)
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        return {"index": index, "seconds": round(seconds, 2), "method": remover.for_image(result.shape).fills_with,
                "box": [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]}

    @app.post("/api/{photo_id}/undo")
    def undo(photo_id: str):
        """Back to the result before the last Remove."""
        item = find(photo_id)
        if not item.results:
            raise HTTPException(400, "nothing to undo: no Remove yet")
        (item.folder / f"{len(item.results)}.png").unlink(missing_ok=True)
        item.results.pop()
        item.masks.pop()
        return {"index": len(item.results)}

    @app.get("/api/{photo_id}/download/{what}")
    def download(photo_id: str, what: str):
        """The latest result in the photo's format by the command's rule (JPEG becomes PNG, so no
        pixel outside the hole changes), with its ICC profile and EXIF; or the mask of all removed."""
        item = find(photo_id)
        stem = Path(item.name).stem
        if not item.results:
            raise HTTPException(400, "nothing removed yet: Remove first")
        if what == "mask":
            path = item.folder / f"{stem}_mask.png"
            save_photo(path, item.removed.astype(np.uint8) * 255, None, fmt="PNG", options={})
        elif what == "result":
            fmt = output_format(item.photo.format, "auto")
            path = item.folder / f"{stem}{WRITABLE[fmt]}"
            save_photo(path, item.current, item.photo.alpha, fmt=fmt, options=item.photo.save_options)
        else:
            raise HTTPException(404)
        return FileResponse(path, filename=path.name)

    return app


def _write_png(path: Path, pixels: np.ndarray) -> None:
    """What the page shows: a fast PNG (level 1), not the download with the photo's metadata."""
    import cv2

    cv2.imwrite(str(path), np.ascontiguousarray(pixels[..., ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
