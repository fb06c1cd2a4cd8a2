"""Remove objects from your photos: one image or a folder, with mask files or a box.

    python -m inpaint_utils.remove --image photo.jpg --mask photo_mask.png --output out/
    python -m inpaint_utils.remove --image photos/ --mask masks/ --output out/ --method biharmonic
    python -m inpaint_utils.remove --image photo.jpg --box 120,80,260,200 --output result.png --concat

Each hole is filled by PatchMatch (the photo's own patches, at full resolution), or on images of at
most 64 px (``removal.remover.SMALL_IMAGE``) by PatchMatch mixed with the harmonic fill by a learned
gate, unless --method says otherwise. A mask is an image of the photo's size in which white (>= 127)
means remove; grayscale, RGB or an alpha channel (palette transparency too); 16-bit and float masks are scaled first. In folder
mode, a mask pairs with the image of the same name (``cat.png`` or ``cat_mask.png`` for
``cat.jpg``); a single mask file serves every image; hidden files (``._cat.jpg``) are ignored.

Nothing is written until every photo, mask and setting has been checked, and torch loads only
then, so a refusal comes at once. Outputs go to ``<output>/<name>.<ext>``: PNG, TIFF, BMP and WebP
photos keep their format, JPEG and GIF ones become PNG (--format), so no pixel outside the mask
changes; ICC profile and EXIF are kept. Photos that would share an output name keep their whole
names (``cat.jpg.png``, ``cat.png.png``). --concat also writes ``<name>_compare.png`` beside each
result: the photo, its mask and the result side by side, at most 2000 pixels wide. The last line
says what was written and how large. An input is never replaced, and the
photos' or masks' folder (a single photo's too) is no --output; an existing result is replaced
only with --overwrite. An --output ending in .png, .jpg, .tif, .webp or .bmp names the result of
a single photo.
"""

import argparse
import re
import sys
from pathlib import Path

from tqdm import tqdm

from .data.photos import DEFAULT_MAX_PIXELS
from .removal.jobs import (
    Refused,
    Settings,
    describe_methods,
    describe_sizes,
    missing_folders,
    plan_jobs,
    prepare_output,
    remove_empty,
    run_job,
)
from .removal.remover import (
    BLENDS,
    DEFAULT_METHOD,
    DETAILS,
    MAX_CROP_PIXELS,
    MAX_DILATE,
    METHODS,
    USES,
    check_options,
    make_remover,
)

__all__ = ["main"]


def parse_box(text: str) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--box takes x0,y0,x1,y1 in pixels, got {text!r}") from None
    if not (x0 < x1 and y0 < y1):
        raise argparse.ArgumentTypeError(f"--box {text}: x0 < x1 and y0 < y1 (x1, y1 excluded)")
    return x0, y0, x1, y1


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of pixels, 1 or more, got {text!r}")
    return int(text)


def parse_args(argv=None):
    argv, given = [], list(sys.argv[1:] if argv is None else argv)
    while given:  # argparse reads "--box -10,0,50,50" as two options (python/cpython#53580): join them
        word = given.pop(0)
        joined = word == "--box" and given and re.fullmatch(r"-\d+(,-?\d+)*", given[0])
        argv.append(f"--box={given.pop(0)}" if joined else word)
    uses = "\n".join(f"  {method:<17} {use}" for method, use in USES.items())
    parser = argparse.ArgumentParser(prog="python -m inpaint_utils.remove", description=__doc__,
                                     epilog=f"methods, and when each is the right choice:\n{uses}",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, required=True, help="a photo, or a folder of photos")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--mask", type=Path,
                       help="a mask file (white = remove), or a folder of masks named like the photos")
    where.add_argument("--box", type=parse_box,
                       help="remove the box x0,y0,x1,y1 (pixels) from every photo; clipped to each photo")
    parser.add_argument("--output", type=Path, required=True,
                        help="folder for the results, or a file name (.png, .jpg, ...) for a single photo")
    parser.add_argument("--format", choices=("auto", "png", "same"), default="auto",
                        help="auto: keep PNG, TIFF, BMP and WebP, write JPEG and GIF as PNG (default); png: all PNG; "
                             "same: keep JPEG too (re-encoded with its own tables: outside pixels change slightly)")
    parser.add_argument("--alpha", choices=("keep", "flatten"), default="keep",
                        help="keep a photo's transparency (default) or put it on white")
    parser.add_argument("--overwrite", action="store_true", help="replace earlier results (never an input)")
    parser.add_argument("--method", choices=METHODS, metavar="METHOD",
                        help=f"the fill: {', '.join(METHODS)} (default {DEFAULT_METHOD}; gan with --checkpoint); "
                             "see the methods below")
    parser.add_argument("--checkpoint", type=Path,
                        help="implies --method gan: a release model file or any checkpoint of this project; "
                             "without it, gan uses the release model that ships in models/release/")
    parser.add_argument("--dilate", type=int, default=5,
                        help=f"grow the mask by this many pixels first, 0 to {MAX_DILATE} (default 5)")
    parser.add_argument("--margin", type=float, default=1.0,
                        help="context around each hole, as a multiple of its size on each side, 0 to 10 (default 1.0); "
                             f"full-size fills narrow it where a crop would pass {MAX_CROP_PIXELS / 1e6:g} MP, to bound memory")
    parser.add_argument("--blend", choices=BLENDS,
                        help="poisson: match the fill to the photo at the hole's edge by Poisson editing (the default of "
                             "the gan and classical methods: the seam measures best, benchmarks/removal_detail.py); "
                             "paste: the fill as it is (patchmatch's default: its fill is the photo's own patches)")
    parser.add_argument("--detail", choices=DETAILS,
                        help="cra: give the fill the fine texture of the photo around it at full resolution "
                             "(contextual residual aggregation; the gan and classical methods' default); none: the fill as "
                             "its method makes it (patchmatch's default: its fill is the photo's texture already)")
    parser.add_argument("--feather", type=int, default=0,
                        help="then blend the result in over this many pixels inside the hole, at most --dilate")
    parser.add_argument("--concat", action="store_true",
                        help="also write <name>_compare.png beside each result: the photo, its mask and the result "
                             "side by side, shrunk to at most 2000 pixels wide")
    parser.add_argument("--max-pixels", type=positive, default=DEFAULT_MAX_PIXELS,
                        help="refuse larger photos, a guard against decompression bombs "
                             f"(default {DEFAULT_MAX_PIXELS:,})")
    parser.add_argument("--accept-damaged", action="store_true",
                        help="use a JPEG whose decoder reports damaged data as it decodes (refused by default: part of "
                             "it is garbage)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, ... (for --method gan)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    settings = Settings(box=args.box, dilate=args.dilate, margin=args.margin, feather=args.feather, blend=args.blend,
                        detail=args.detail, alpha=args.alpha, concat=args.concat, max_pixels=args.max_pixels,
                        damaged="accept" if args.accept_damaged else "refuse")
    try:
        check_options(args.dilate, args.margin, args.feather)
        jobs, notes = plan_jobs(args.image, args.mask, args.output, settings, fmt=args.format, overwrite=args.overwrite)
    except ValueError as e:
        return fail(str(e))
    except Refused as e:
        return fail("nothing was written:\n  " + "\n  ".join(e.problems))
    for note in notes:
        print(note if note.startswith("skipped") else f"note: {note}", file=sys.stderr)
    folder = jobs[0].output.parent
    made = missing_folders(folder)
    try:
        leftovers = prepare_output(folder)
    except Refused as e:
        return fail(f"{e}; nothing was written")
    if leftovers:
        print(f"note: deleted {len(leftovers)} temporary file(s) left in {folder} by an interrupted run",
              file=sys.stderr)
    method = args.method or ("gan" if args.checkpoint else DEFAULT_METHOD)
    try:
        device = "cpu"
        if method == "gan":  # the only method with a device; resolving it loads torch
            from .core.runtime import resolve_device

            device = resolve_device(args.device)
        remover = make_remover(method, args.checkpoint, device)
    except (ImportError, OSError, ValueError) as e:
        remove_empty(made)
        what = "--checkpoint" if args.checkpoint else f"--method {method}"
        return fail(f"{what}: {e}; nothing was written")
    written, used = [], []
    for index, job in enumerate(tqdm(jobs, desc="removing", unit="photo")):
        try:
            method, warnings = run_job(job, remover, settings, written)
            used.append(method)
            for warning in warnings:
                tqdm.write(f"{job.photo.name}: warning: {warning}", file=sys.stderr)
        except (OSError, ValueError, MemoryError) as e:
            remove_empty(made)
            reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
            left = [path for j in jobs[index:] for path in j.outputs if path not in written]
            return fail(f"{left[0]} could not be written ({reason}); written: "
                        f"{', '.join(p.name for p in written) or 'nothing'}; not written: "
                        f"{', '.join(p.name for p in left)}", code=1)
    where = args.output if jobs[0].output == args.output else folder
    strips = " and their comparison strips (*_compare.png)" if args.concat else ""
    print(f"{len(jobs)} photo(s){strips} written to {where} with {describe_methods(remover.name, used)}: "
          f"{describe_sizes(written)}")
    return 0


def fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
