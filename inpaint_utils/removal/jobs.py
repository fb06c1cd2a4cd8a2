"""The removal command's work: photos paired with masks and output names, every check made before
anything is written, then one photo at a time, so memory stays flat with the number of photos.

No output may replace an input (photo or mask, through symlinks and hard links too) or another
output; an existing file is replaced only with ``overwrite``. An output is ``<stem>.<ext>`` in the
format ``photos.output_format`` picks; photos that would share a name (``cat.jpg`` and
``cat.png``, both written as PNG) keep their whole names: ``cat.jpg.png``, ``cat.png.png``. With
``concat``, a comparison strip (photo | mask | result) goes beside each result as
``<stem>_compare.png``, checked like the result.

This module and those it imports at the top load no torch: a refusal takes a fraction of a second.
"""

import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..core.paths import writable_dir
from ..data.photos import (
    DEFAULT_MAX_PIXELS,
    PHOTO_SUFFIXES,
    SUFFIX_FORMATS,
    WRITABLE,
    output_format,
    read_mask,
    read_photo,
    remove_leftovers,
    save_photo,
)
from .remover import box_mask, leaves_pixels, remove_object

INVERTED = 0.5  # a mask marking more of its photo than this is more likely inverted than meant
STRIP_SIDE = 2000  # a comparison strip's longest side at most, in pixels: a screen's width


class Refused(Exception):
    """What stops the command before it writes anything, one problem a line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(kw_only=True)
class Settings:
    """What every photo of a run gets."""

    box: tuple[int, int, int, int] | None = None
    dilate: int = 5
    margin: float = 1.0
    feather: int = 0
    blend: str | None = None  # None: the method's own (removal.Remover)
    detail: str | None = None
    alpha: str = "keep"
    concat: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS
    damaged: str = "refuse"  # a JPEG whose decoder reports damaged data: "refuse" it, or "accept" it with a note


@dataclass
class Job:
    photo: Path
    mask: Path | None  # None with a box
    output: Path
    format: str  # Pillow's name of the output's format
    compare: Path | None = None  # the comparison strip, with concat

    @property
    def outputs(self) -> list[Path]:
        """The files the job writes, in the order it writes them."""
        return [self.output] + ([self.compare] if self.compare else [])


def find_inputs(image: Path, mask: Path | None) -> tuple[list[tuple[Path, Path | None]], list[Path]]:
    """(photo, mask) pairs, and the photos of a folder that have no mask. Hidden files (macOS's
    ``._cat.jpg`` sidecars, temporary files) are not photos."""
    def listing(folder):
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES
                      and not p.name.startswith(".") and p.is_file())

    photos = listing(image) if image.is_dir() else [image]
    if mask is None or not mask.is_dir():  # one mask for every photo, and not a photo itself
        return [(p, mask) for p in photos if mask is None or p.resolve() != mask.resolve()], []
    masks = listing(mask)
    if mask.resolve() == image.resolve():  # photos and masks in one folder: masks are the *_mask files
        masks = [m for m in masks if "_mask" in m.stem]
        photos = sorted(set(photos) - set(masks))
    by_stem = {}
    for m in masks:  # sorted, so cat.png comes before cat_mask.png and cat.tif
        by_stem.setdefault(m.stem, m)
    pairs, unmatched = [], []
    for p in photos:
        found = by_stem.get(p.stem) or by_stem.get(f"{p.stem}_mask") or \
            next((m for m in masks if m.stem.startswith(f"{p.stem}_mask")), None)
        (pairs.append((p, found)) if found else unmatched.append(p))
    return pairs, unmatched


def plan_jobs(image: Path, mask: Path | None, output: Path, settings: Settings, *, fmt: str = "auto",
              overwrite: bool = False) -> tuple[list[Job], list[str]]:
    """The jobs of a run and notes to show first, after checking every photo, mask and output;
    ``Refused`` lists every problem found. Photos are decoded here one at a time and dropped."""
    if not image.exists():
        raise Refused([f"no image or folder at {image}"])
    if mask is not None and not mask.exists():
        raise Refused([f"no mask or folder at {mask}"])
    if mask is not None and mask.is_file() and image.is_file() and os.path.samefile(image, mask):
        raise Refused([f"--mask {mask} is the photo itself: a mask is another image of the photo's size, white over "
                       "the object to remove and black elsewhere (paint it on a black layer over the photo and export "
                       "that layer), or give --box x0,y0,x1,y1"])
    pairs, unmatched = find_inputs(image, mask)
    notes = [f"skipped {p.name}: no mask named {p.stem}.* or {p.stem}_mask*.* in {mask}" for p in unmatched]
    if not pairs:
        why = f" (none of them has a mask in {mask})" if unmatched else ""
        if mask is not None and mask.is_file() and image.is_dir():  # the folder's only photo is the mask
            why = f": its only photo is the mask {mask.name}; a mask is not a photo to process"
        raise Refused([f"no photo to process in {image}{why}"])
    to_file = output.suffix.lower() in PHOTO_SUFFIXES and not output.is_dir()
    folder = output.parent if to_file else output
    problems = _output_problems(image, mask, output, folder=folder, to_file=to_file)
    jobs = []
    for photo_path, mask_path in pairs:
        try:
            photo_format, photo_notes = _check(photo_path, mask_path, settings, single=image.is_file())
        except (OSError, ValueError) as e:
            problems.append(str(e) if str(e).startswith(str(photo_path)) else f"{photo_path.name}: {e}")
            continue
        out_format = SUFFIX_FORMATS.get(output.suffix.lower(), "PNG") if to_file else output_format(photo_format, fmt)
        if out_format == "JPEG":
            photo_notes.append("written as JPEG, which changes pixels outside the mask slightly "
                               "(--format png keeps them)")
        notes += [f"{photo_path.name}: {n}" for n in photo_notes]
        ext = photo_path.suffix if out_format == photo_format else WRITABLE[out_format]
        jobs.append(Job(photo_path, mask_path, output if to_file else folder / f"{photo_path.stem}{ext}", out_format))
    _name_apart(jobs)
    for job in jobs if settings.concat else []:
        job.compare = job.output.with_name(f"{job.output.stem}_compare.png")
    problems += overwrite_problems(jobs, [p for pair in pairs for p in pair if p] + unmatched, overwrite)
    if problems:
        raise Refused(problems)
    return jobs, notes


def _check(photo_path: Path, mask_path: Path | None, settings: Settings, *, single: bool) -> tuple[str, list[str]]:
    """The photo's format and notes, after decoding it and its mask and checking the mask leaves
    pixels to fill from after dilation. An empty mask refuses a ``single`` photo (there is nothing to
    do); in a folder the photo is written unchanged, with a note, so that every photo has its output."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", UserWarning)  # the library's notes, not Python's own
        photo = read_photo(photo_path, alpha=settings.alpha, max_pixels=settings.max_pixels, damaged=settings.damaged)
        height, width = photo.pixels.shape[:2]
        mask = box_mask(settings.box, (width, height)) if settings.box else \
            read_mask(mask_path, (width, height), settings.max_pixels)
    notes = photo.notes + [str(w.message) for w in caught]
    if not mask.any() and single:
        raise ValueError(f"its mask {mask_path.name} marks nothing to remove: white (>= 127) marks the object, and "
                         "this mask has no white pixel (is it all black, or the object painted in another colour?)")
    if not mask.any():
        notes.append("its mask marks nothing (white, >= 127, marks what to remove): written unchanged")
    elif not leaves_pixels(mask, settings.dilate):
        raise ValueError(f"after --dilate {settings.dilate} the mask covers the whole {width}x{height} image: no pixel "
                         "is left to fill the hole from; lower --dilate or mark less")
    elif mask_path is not None and mask.mean() > INVERTED:
        notes.append(f"its mask marks {mask.mean():.0%} of the photo for removal; white (>= 127) means remove, so if "
                     "the object is black in the mask, the mask is inverted: invert it (Colors > Invert in an image "
                     "editor) and run again")
    return photo.format, notes


def _output_problems(image, mask, output, *, folder, to_file) -> list[str]:
    if to_file and image.is_dir():
        return [f"--output {output} names a file, but --image is a folder: give a folder for the results"]
    if to_file and output.suffix.lower() not in SUFFIX_FORMATS:
        return [f"--output {output}: cannot write {output.suffix} files; name a .png, .jpg, .tif, .webp or .bmp"]
    if output.exists() and not output.is_dir() and not to_file:
        return [f"--output {output} is not a folder"]
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        return [f"--output {output}: {existing} is not a folder"]
    inputs = [p if p.is_dir() else p.parent for p in (image, mask) if p is not None]  # a single photo's too
    if not to_file and folder.exists() and any(os.path.samefile(folder, p) for p in inputs):
        return [f"--output {output} is a folder of inputs: results there would be read as inputs on the next run; "
                "give another folder"]
    return []


def _name_apart(jobs: list[Job]) -> None:
    """Photos whose outputs would share a name (case aside) keep their whole names."""
    counts = Counter(j.output.name.casefold() for j in jobs)
    for job in jobs:
        if counts[job.output.name.casefold()] > 1:
            job.output = job.output.with_name(f"{job.photo.name}{WRITABLE[job.format]}")


def overwrite_problems(jobs: list[Job], inputs: list[Path], overwrite: bool) -> list[str]:
    problems = []
    targets = [(job, out, out.resolve()) for job in jobs for out in job.outputs]
    names = Counter(target for _, _, target in targets)
    resolved = {p.resolve(): p for p in inputs}
    on_disk = {_file_id(p) for p in set(inputs) if p.exists()}  # what os.path.samefile compares
    for job, out, target in targets:
        what = "result" if out == job.output else "comparison strip"
        if names[target] > 1:
            problems.append(f"{job.photo.name}: another output would also be written as {out.name}; rename one")
        elif target in resolved or out.exists() and _file_id(out) in on_disk:
            source = resolved.get(target, out)
            problems.append(f"{job.photo.name}: its {what} would overwrite the input {source}; choose another --output")
        elif out.exists() and (out.is_dir() or not overwrite):
            problems.append(f"{job.photo.name}: {out} exists" + ("" if out.is_dir() else
                            " (--overwrite replaces earlier results)"))
    return problems


def _file_id(path: Path) -> tuple[int, int]:
    """The file behind ``path``, links followed: two paths name one file when these are equal."""
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet: what creating it makes."""
    return [p for p in (folder, *folder.parents) if not p.exists()]


def remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (innermost first) where they are empty: a failed run leaves none it made."""
    for p in folders:
        try:
            p.rmdir()
        except OSError:
            pass


def prepare_output(folder: Path) -> list[Path]:
    """Create ``folder`` if needed and prove a file can be written there, undoing what it made if
    not; then delete the temporary files a killed run left. Returns those it deleted."""
    made = missing_folders(folder)
    try:
        writable_dir(folder)
    except PermissionError as e:
        remove_empty(made)
        cause = e.__cause__
        raise Refused([f"cannot write to {folder} ({cause.strerror or cause})"]) from cause
    return remove_leftovers(folder)


def run_job(job: Job, remover, settings: Settings, written: list[Path] | None = None) -> tuple[str, list[str]]:
    """Remove the marked object from one photo and write the result, then its comparison strip if
    the job has one; the method that filled it ("auto" chooses by the photo's size) and the fill's
    warnings. Each file is appended to ``written`` once it is written, so that a failure can say
    exactly what was."""
    photo = read_photo(job.photo, alpha=settings.alpha, max_pixels=settings.max_pixels, damaged=settings.damaged)
    height, width = photo.pixels.shape[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check has shown these already
        mask = box_mask(settings.box, (width, height)) if settings.box else \
            read_mask(job.mask, (width, height), settings.max_pixels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", UserWarning)
        result = photo.pixels if not mask.any() else remove_object(
            photo.pixels, mask, remover, dilate=settings.dilate, margin=settings.margin, feather=settings.feather,
            blend=settings.blend, detail=settings.detail)
    write_outputs(job, photo, mask, result, written)
    return remover.for_image(photo.pixels.shape).fills_with, [str(w.message) for w in caught]


def write_outputs(job: Job, photo, mask: np.ndarray, result: np.ndarray, written: list[Path] | None = None) -> None:
    """Write a job's result, then its comparison strip if it has one, with the photo's metadata;
    each file is appended to ``written`` once it is written. The command and the brush both write so."""
    written = [] if written is None else written
    save_photo(job.output, result, photo.alpha, fmt=job.format, options=photo.save_options)
    written.append(job.output)
    if job.compare:
        strip, alpha = compare_strip(photo.pixels, mask, result, photo.alpha)
        save_photo(job.compare, strip, alpha, fmt="PNG", options=photo.save_options)
        written.append(job.compare)


def compare_strip(pixels: np.ndarray, mask: np.ndarray, result: np.ndarray, alpha: np.ndarray | None = None,
                  longest: int = STRIP_SIDE) -> tuple[np.ndarray, np.ndarray | None]:
    """The photo, its mask and the result side by side, shrunk (area filter) so that the strip's
    longest side is at most ``longest`` pixels: a strip to look at, not a second full-size result
    (a 24-MP photo's strip was 54 MB at full size)."""
    height, width = mask.shape
    scale = min(1.0, longest / max(3 * width, height))
    size = (max(1, int(width * scale)), max(1, int(height * scale)))  # down: the strip stays within longest

    def fit(a):
        return a if scale == 1.0 else cv2.resize(a, size, interpolation=cv2.INTER_AREA)

    marks = np.repeat(fit(mask.astype(np.uint8) * np.uint8(255))[..., None], 3, axis=2)
    strip = np.concatenate([fit(pixels), marks, fit(result)], axis=1)
    if alpha is None:
        return strip, None
    small = fit(alpha)
    return strip, np.concatenate([small, np.full_like(small, 255), small], axis=1)


def describe_methods(asked: str, used: list[str]) -> str:
    """``auto (patchmatch)``, ``auto (patchmatch: 3 photos, patchmatch-gated: 1)`` or ``telea``: the
    method asked for, and the fills it used where those differ from it."""
    counts = Counter(used)
    if set(counts) <= {asked}:
        return asked
    if len(counts) == 1:
        return f"{asked} ({used[0]})"
    return f"{asked} (" + ", ".join(f"{m}: {n} photo{'s' * (n > 1)}" for m, n in counts.most_common()) + ")"


def describe_sizes(paths: list[Path]) -> str:
    """``coffee.png (0.4 MB), coffee_compare.png (0.2 MB)``; the total past a few files."""
    sizes = [(p, p.stat().st_size) for p in paths if p.exists()]
    megabytes = lambda n: f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"  # noqa: E731
    if len(sizes) <= 4:
        return ", ".join(f"{p.name} ({megabytes(n)})" for p, n in sizes)
    return f"{len(sizes)} files, {megabytes(sum(n for _, n in sizes))} in all"
