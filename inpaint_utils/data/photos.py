"""Users' photos read as a photographer's files, and results written back with their metadata.

A photo is decoded upright (its EXIF orientation applied), refused above a pixel limit before it
is decoded, and brought to 8-bit RGB by its real range: 16-bit by 65535, float by 0-1 (or by its
own minimum and maximum when it lies outside). Its transparency is kept or put on white, and its
ICC profile and EXIF (less the orientation, already applied) go into the output. Every change
that the output shows is said in ``Photo.notes``.
"""

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from ..core.paths import atomic_write

# Pillow warns above 89 MP and refuses above 179 MP, to stop decompression bombs (a small file
# that decodes to gigabytes). 120 MP admits the largest common cameras (100-MP medium format,
# 108-MP phones) and needs about 2.5 GB of memory (2.1 GB measured at 96 MP); --max-pixels raises it.
DEFAULT_MAX_PIXELS = 120_000_000
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}
LOSSLESS = {"PNG", "TIFF", "BMP", "WEBP"}  # formats written back as they came: no pixel changes
WRITABLE = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "WEBP": ".webp"}
SUFFIX_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP",
                  ".webp": "WEBP"}
KEEP_TIFF_TAGS = {270, 271, 272, 282, 283, 296, 305, 306, 315, 33432, 34665, 34853}  # metadata, not layout
MASK_NEAR = 32  # levels below this, or above 255 minus it, are near black or near white
MASK_GREY_LIMIT = 0.5  # a mask with more grey levels than this is a picture (photos.check_two_tone)
LEFTOVER = re.compile(r"\.(.+)\.(\d+)\.tmp")  # a temporary file of paths.atomic_write


class PhotoError(ValueError):
    """A file that cannot be used as a photo or a mask; the message says which and why."""


@dataclass
class Photo:
    pixels: np.ndarray  # uint8 (H, W, 3), upright
    alpha: np.ndarray | None  # uint8 (H, W), or None when the photo has no transparency kept
    format: str  # Pillow's name of the file's format: "JPEG", "PNG", ...
    save_options: dict = field(default_factory=dict)  # ICC profile, EXIF, JPEG tables for the output
    notes: list[str] = field(default_factory=list)  # what the output will show differently


@contextmanager
def _own_pixel_limit():
    """Pillow's decompression-bomb check off: ``open_photo`` applies its own limit, with advice."""
    old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


def open_photo(path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The image at ``path`` decoded, not yet turned upright; a clear error for a file that is
    missing, not an image, truncated, animated or larger than ``max_pixels`` (checked from the
    header, before decoding)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    with _own_pixel_limit():
        try:
            image = Image.open(path)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise PhotoError(f"{path} is not a readable image ({e})") from e
        try:
            _check_header(image, path, max_pixels)
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            image.close()
            raise e if isinstance(e, PhotoError) else PhotoError(f"{path} is not a readable image ({e})") from e
    return image


def _check_header(image: Image.Image, path: Path, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoError(f"{path} is {width}x{height} ({width * height / 1e6:.0f} MP), more than the limit of "
                         f"{max_pixels / 1e6:g} MP that guards against decompression bombs; if the photo is "
                         f"genuine, raise the limit (--max-pixels {width * height})")
    if image.format in ("GIF", "PNG", "WEBP") and getattr(image, "is_animated", False):
        raise PhotoError(f"{path} is animated ({image.n_frames} frames): save the frame to edit as a still image")


def read_photo(path, *, alpha: str = "keep", max_pixels: int = DEFAULT_MAX_PIXELS, damaged: str = "refuse") -> Photo:
    """The photo at ``path`` upright in 8-bit RGB, with what its output should carry.
    ``alpha="keep"`` keeps its transparency beside the pixels; ``"flatten"`` puts it on white. A JPEG
    whose decoder reports damaged data (``jpeg_damage``) is refused, or with ``damaged="accept"``
    read as it decodes, with a note."""
    with open_photo(path, max_pixels) as image:  # closed after: an animation format keeps its file open
        damage = jpeg_damage(path) if image.format in ("JPEG", "MPO") else None
        if damage and damaged != "accept":
            raise PhotoError(f"{path} is a damaged JPEG: its decoder says \"{damage}\", so part of it would be "
                             "garbage; use an undamaged copy, or accept it as it decodes (--accept-damaged)")
        photo = _photo(image, path, alpha)
    if damage:
        photo.notes.append(f"its JPEG data is damaged (\"{damage}\"): used as it decodes (--accept-damaged)")
    return photo


_STDERR = threading.Lock()  # file descriptor 2 is the process's: one capture at a time


def jpeg_damage(path) -> str | None:
    """What libjpeg says of damage in a JPEG's compressed data ("Corrupt JPEG data: premature end of
    data segment"), or None. Pillow decodes damaged data silently, as garbage (it switches libjpeg's
    warnings off); OpenCV's decoder prints them on the C library's stderr, read here through a
    temporary file. Decoded at 1/8 scale: every compressed bit is still read, at a 64th of the work
    (15 ms for 12 MP)."""
    import cv2

    data = np.fromfile(path, np.uint8)
    with _STDERR, tempfile.TemporaryFile() as said:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(said.fileno(), 2)
        try:
            cv2.imdecode(data, cv2.IMREAD_REDUCED_GRAYSCALE_8)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        said.seek(0)
        lines = said.read().decode(errors="replace").splitlines()
    return "; ".join(line.strip() for line in lines if "JPEG" in line) or None


def _photo(image: Image.Image, path, alpha: str) -> Photo:
    fmt = "JPEG" if image.format == "MPO" else image.format  # MPO: a camera's JPEG with a preview
    options, notes = _metadata(image, fmt)
    ImageOps.exif_transpose(image, in_place=True)
    image, note = _eight_bit(image)
    image = _with_alpha(image)
    notes += [note] if note else []
    channels = np.array(image) if image.mode == "RGBA" else None
    if channels is not None and channels[..., 3].min() < 255:
        if alpha == "flatten":
            notes.append("its transparent pixels are put on white (--alpha flatten)")
            image, channels = Image.alpha_composite(Image.new("RGBA", image.size, (255,) * 4), image), None
        else:
            notes.append("its transparency is kept as it is (--alpha flatten puts it on white)")
    elif alpha == "flatten":
        channels = None  # an alpha channel with no transparent pixel
    try:
        pixels = np.array(image.convert("RGB")) if channels is None else np.ascontiguousarray(channels[..., :3])
    except ValueError as e:
        raise PhotoError(f"{path} is in the colour mode {image.mode}, which cannot be turned into RGB ({e})") from e
    return Photo(pixels, None if channels is None else channels[..., 3].copy(), fmt, options, notes)


def read_image(path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """uint8 (H, W, 3), upright: any mode to RGB, transparent pixels on white (as for training)."""
    return read_photo(path, alpha="flatten", max_pixels=max_pixels).pixels


def read_mask(path, size: tuple[int, int], max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """bool (H, W), True = remove: white (>= 127 of 255, after 16-bit or float scaling) in
    grayscale or RGB, or the alpha of a mask with transparency (palette transparency included).
    ``size`` is the photo's (width, height); another size is an error, not a resize: a stretched
    mask would remove the wrong pixels. A "mask" most of whose levels are grey, neither near black
    nor near white, is a picture (the photo with the object painted over) and is refused with a
    hint; a soft-edged mask is two-tone but for its edge, and is read (``check_two_tone``)."""
    with open_photo(path, max_pixels) as image:
        return _mask(image, path, size)


def _mask(image: Image.Image, path, size: tuple[int, int]) -> np.ndarray:
    ImageOps.exif_transpose(image, in_place=True)
    if image.size != tuple(size):
        raise PhotoError(f"mask {path} is {image.size[0]}x{image.size[1]} but its image is {size[0]}x{size[1]} "
                         "(width x height, after EXIF rotation): draw the mask on the image itself")
    image = _with_alpha(_eight_bit(image)[0])
    if "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255:
        levels, what = np.asarray(image.getchannel("A")), "alpha values"
    else:
        levels, what = np.asarray(image.convert("L")), "pixels"
    check_two_tone(levels, path, what)
    return levels >= 127


def check_two_tone(levels: np.ndarray, path, what: str = "pixels") -> None:
    """Refuse a "mask" that is a picture: one in which most ``levels`` (uint8) are neither near
    black nor near white, as a copy of the photo with the object painted over is. A mask is two
    tones; a soft (feathered or blurred) edge puts a few percent of it in between (a disk blurred
    by a Gaussian of 40 pixels, 33%), a photo 74-99% (scikit-image's)."""
    grey = np.count_nonzero((levels >= MASK_NEAR) & (levels < 256 - MASK_NEAR)) / max(levels.size, 1)
    if grey > MASK_GREY_LIMIT:
        raise PhotoError(f"mask {path} looks like a picture, not a mask: {grey:.0%} of its {what} are grey, neither "
                         f"near black nor near white (a mask has two tones: white over what to remove, black "
                         "elsewhere). Make one on a new layer over the photo: fill it black, paint the object "
                         "white, export that layer alone as a PNG of the photo's size; or give a box "
                         "(--box x0,y0,x1,y1), or paint it with notebook 07's brush")


def _with_alpha(image: Image.Image) -> Image.Image:
    """RGBA for any image with transparency (an alpha channel, or a palette or colour key)."""
    keyed = image.mode in ("P", "L", "RGB", "1") and "transparency" in image.info
    if keyed or image.mode in ("PA", "LA", "La", "RGBa"):
        return image.convert("RGBA")
    return image


def _eight_bit(image: Image.Image) -> tuple[Image.Image, str | None]:
    """16-bit, 32-bit and float single-channel images scaled to 8 bits by their real range (Pillow
    clips them: a 16-bit background of 300 would read as white), and a note saying how."""
    if not image.mode.startswith(("I", "F")):
        return image, None
    values = np.asarray(image, dtype=np.float32)  # exact for 16-bit values
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if image.mode == "F" and low >= 0 and high <= 1:
        scale, what = (0.0, 1.0), "float (0-1)"
    elif image.mode.startswith("I;16") or (image.mode == "I" and low >= 0 and high <= 65535):
        scale, what = (0.0, 65535.0), "16-bit"
    else:
        kind = "float" if image.mode == "F" else "32-bit"
        scale, what = (low, max(high, low + 1e-6)), f"{kind} ({low:g} to {high:g})"
    scaled = (np.nan_to_num(values, nan=scale[0]) - scale[0]) / (scale[1] - scale[0]) * 255
    out = Image.fromarray(np.rint(scaled.clip(0, 255)).astype(np.uint8))
    out.info = {k: v for k, v in image.info.items() if k != "transparency"}
    return out, f"{what} image scaled to 8 bits"


def _metadata(image: Image.Image, fmt: str) -> tuple[dict, list[str]]:
    """What the output keeps of the file: its RGB ICC profile, its EXIF less the orientation
    (applied to the pixels), a JPEG's quantisation tables; and notes on what it cannot keep."""
    options, notes = {}, []
    icc = image.info.get("icc_profile")
    if icc and icc[16:20] == b"RGB ":
        options["icc_profile"] = icc
    elif icc:
        notes.append(f"its {icc[16:20].decode('ascii', 'replace').strip()} ICC profile is dropped: the output is RGB")
    exif = Image.Exif()  # a copy: the image's own still holds the orientation that exif_transpose applies
    exif.load(image.getexif().tobytes())
    if fmt == "TIFF":  # a TIFF's tags describe its layout too: keep only the metadata
        for tag in [t for t in exif if t not in KEEP_TIFF_TAGS]:
            del exif[tag]
    exif.pop(0x0112, None)
    if len(exif):
        options["exif"] = exif.tobytes()
    if fmt == "JPEG":
        options["qtables"] = image.quantization
        if JpegImagePlugin.get_sampling(image) >= 0:
            options["subsampling"] = JpegImagePlugin.get_sampling(image)
    if image.mode == "CMYK":
        notes.append("CMYK, converted to RGB")
    return options, notes


def output_format(photo_format: str, choice: str) -> str:
    """The format an output is written in: ``auto`` keeps a lossless format (PNG, TIFF, BMP,
    WebP) and writes PNG for the others, so no pixel outside the mask changes; ``same`` keeps
    JPEG too (re-encoded with the photo's own tables: outside pixels change slightly); ``png``."""
    if choice == "png" or photo_format not in WRITABLE:
        return "PNG"
    return photo_format if choice == "same" or photo_format in LOSSLESS else "PNG"


PNG_LEVEL = 3


def save_photo(path, pixels: np.ndarray, alpha: np.ndarray | None, *, fmt: str, options: dict) -> None:
    """Write ``pixels`` (and ``alpha``) to ``path`` in ``fmt`` with the photo's metadata, atomically."""
    image = Image.fromarray(pixels if alpha is None else np.dstack([pixels, alpha]))
    kwargs = {k: v for k, v in options.items() if k in ("icc_profile", "exif")}
    if fmt == "JPEG":
        if image.mode == "RGBA":
            image = image.convert("RGB")
        kwargs.update({k: v for k, v in options.items() if k in ("qtables", "subsampling")} or {"quality": 95})
    elif fmt == "PNG":  # zlib level 3, not Pillow's 6: a 12 MP output in 1.0 s, not 2.8, for a file 12% larger
        kwargs.update(compress_level=PNG_LEVEL)
    elif fmt == "WEBP":
        kwargs.update(lossless=True, exact=True)
    elif fmt == "TIFF":
        kwargs.update(compression="tiff_lzw")
    elif fmt == "BMP":
        kwargs = {}
    atomic_write(Path(path), lambda f: image.save(f, format=fmt, **kwargs), check_folder=False)


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files that killed runs left in ``folder``; those of a running
    process (another run writing there now) stay."""
    removed = []
    for path in Path(folder).iterdir():
        match = LEFTOVER.fullmatch(path.name)
        ours = match and Path(match.group(1)).suffix.lower() in SUFFIX_FORMATS  # .cat.png.123.tmp
        if ours and path.is_file() and not _running(int(match.group(2))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from an earlier call in this process that was interrupted
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
