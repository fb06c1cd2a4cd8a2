"""Remove objects from your photos: one image or a folder, with mask files or a box.

    python -m inpaint_utils.remove --image photo.jpg --mask photo_mask.png --output out/
    python -m inpaint_utils.remove --image photos/ --mask masks/ --output out/ --method biharmonic
    python -m inpaint_utils.remove --image photo.jpg --box 120,80,260,200 --output out/ --concat

A mask is an image of the photo's size in which white (>= 127) means remove; grayscale, RGB or
an alpha channel. In folder mode, a mask pairs with the image of the same name (``cat.png`` or
``cat_mask.png`` for ``cat.jpg``); a single mask file serves every image. Every input is checked
before anything is written; each output is written atomically as ``<output>/<name>.png``.
"""

import argparse
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from .ablation import ABLATION, NOTEBOOK, ablation_params
from .params import Params, resolve_device, resolve_params
from .paths import atomic_write, checkpoints_dir, output_root
from .removal import METHODS, box_mask, make_remover, read_image, read_mask, remove_object

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def default_checkpoint(params: Params) -> Path:
    """The best learned model trained with random masks: notebook 06's row of that kind with the
    highest hole PSNR on random masks in reports/<run>/ablation.csv."""
    table_path = output_root() / "reports" / params.name / "ablation.csv"
    if not table_path.exists():
        raise FileNotFoundError(f"no trained model for --method gan: {table_path} is missing. Run {NOTEBOOK} "
                                f"(or `python report.py --profile {params.profile}`), or pass --checkpoint")
    table = pd.read_csv(table_path, index_col="method")
    labels = {ABLATION[run][0]: run for run, p in ablation_params(params).items() if p.mask != "center"}
    best = table.loc[list(labels), "random: hole PSNR (dB)"].idxmax()
    return checkpoints_dir(params) / f"ablation-{labels[best]}.pt"


def pair_inputs(image: Path, mask: Path | None) -> tuple[list[tuple[Path, Path | None]], list[Path]]:
    """(image, mask) pairs, and the images of a folder that have no mask."""
    images = sorted(p for p in image.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if image.is_dir() else [image]
    if mask is None or not mask.is_dir():
        return [(p, mask) for p in images], []
    masks = {p.stem: p for p in mask.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    if mask.resolve() == image.resolve():  # photos and masks in one folder: masks are the *_mask files
        masks = {stem: p for stem, p in masks.items() if "_mask" in stem}
        images = [p for p in images if p not in masks.values()]
    pairs, unmatched = [], []
    for p in images:
        found = masks.get(p.stem) or masks.get(f"{p.stem}_mask") or \
            next((m for stem, m in sorted(masks.items()) if stem.startswith(f"{p.stem}_mask")), None)
        (pairs.append((p, found)) if found else unmatched.append(p))
    return pairs, unmatched


def parse_box(text: str) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--box takes x0,y0,x1,y1 in pixels, got {text!r}") from None
    return x0, y0, x1, y1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m inpaint_utils.remove", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, required=True, help="a photo, or a folder of photos")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--mask", type=Path, help="a mask file (white = remove), or a folder of masks named like the photos")
    where.add_argument("--box", type=parse_box, help="remove the box x0,y0,x1,y1 (pixels) from every photo")
    parser.add_argument("--output", type=Path, required=True, help="folder for the results (<name>.png)")
    parser.add_argument("--method", choices=METHODS, default="gan",
                        help="gan: a trained 64x64 generator (default); or a classical method at full resolution")
    parser.add_argument("--checkpoint", type=Path,
                        help="a checkpoint of this project for --method gan; default: the best random-mask "
                             "model of notebook 06 for --profile")
    parser.add_argument("--profile", default="sample", help="whose notebook 06 models give the default checkpoint")
    parser.add_argument("--dilate", type=int, default=5, help="grow the mask by this many pixels first (default 5)")
    parser.add_argument("--margin", type=float, default=1.0,
                        help="context around each hole, as a multiple of its size on each side (default 1.0)")
    blend = parser.add_mutually_exclusive_group()
    blend.add_argument("--feather", type=int, default=0, help="blend the fill in over this many pixels inside the hole")
    blend.add_argument("--blend", choices=("paste", "poisson"), default="paste",
                       help="paste the fill (default) or blend it with Poisson editing (cv2.seamlessClone)")
    parser.add_argument("--concat", action="store_true", help="write the photo, its mask and the result side by side")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, ... (for --method gan)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.image.exists():
        return fail(f"no image or folder at {args.image}")
    if args.mask is not None and not args.mask.exists():
        return fail(f"no mask or folder at {args.mask}")
    pairs, unmatched = pair_inputs(args.image, args.mask)
    jobs, errors = [], []
    for image_path, mask_path in pairs:  # read and check everything before writing anything
        try:
            image = read_image(image_path)
            size = (image.shape[1], image.shape[0])
            mask = box_mask(args.box, size) if args.box else read_mask(mask_path, size)
            jobs.append((image_path, image, mask))
        except (OSError, ValueError) as e:
            errors.append(f"{image_path.name}: {e}")
    if errors:
        return fail("nothing was written:\n  " + "\n  ".join(errors))
    if not jobs:
        return fail(f"no photo to process in {args.image}" + (f" (none of them has a mask in {args.mask})" if unmatched else ""))
    try:
        checkpoint = args.checkpoint or (default_checkpoint(resolve_params(args.profile))
                                    if args.method == "gan" else None)
        remover = make_remover(args.method, checkpoint, resolve_device(args.device))
    except (OSError, ValueError, RuntimeError) as e:
        return fail(str(e))
    for image_path, image, mask in tqdm(jobs, desc="removing", unit="photo"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = remove_object(image, mask, remover, dilate=args.dilate, margin=args.margin,
                                   feather=args.feather, blend=args.blend)
        for w in caught:
            tqdm.write(f"{image_path.name}: warning: {w.message}")
        if args.concat:
            result = np.concatenate([image, np.repeat(mask[..., None] * 255, 3, axis=2).astype(np.uint8), result], axis=1)
        save_png(result, args.output / f"{image_path.stem}.png")
    for path in unmatched:
        print(f"skipped {path.name}: no mask named {path.stem}.* or {path.stem}_mask*.* in {args.mask}", file=sys.stderr)
    print(f"{len(jobs)} photo(s) written to {args.output} with {remover.name}")
    return 0


def save_png(pixels: np.ndarray, path: Path) -> None:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
