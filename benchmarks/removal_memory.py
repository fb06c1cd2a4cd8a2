"""Peak memory and time of the removal command: one photo against a folder of many, and large
photos with a large hole, each method timed beside PatchMatch in the same run.

    python -m benchmarks.removal_memory                            # 1 and 20 photos of 6 MP, Telea
    python -m benchmarks.removal_memory --photos 5 --method biharmonic
    python -m benchmarks.removal_memory --megapixels 3 12 50 --methods patchmatch patchmatch-gated

Each run is a fresh process (``python -m inpaint_utils.remove``) on JPEGs made from scikit-image's
coffee, scaled up; its peak resident memory comes from ``getrusage(RUSAGE_CHILDREN)``. The folder
run has one 300x300 box a photo: the command holds one photo at a time, so 1 and 20 should match.
With ``--megapixels`` each photo gets a box of ``--hole`` of its area over the cup (an object
of a person's size in a group photo), and each method's time is printed with its ratio to PatchMatch's.
"""

import argparse
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def run(folder: Path, output: Path, method: str, box: str) -> tuple[float, float]:
    """(peak memory in GB, seconds) of one command in a fresh process."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-m", "inpaint_utils.remove", "--image", str(folder), "--box", box,
               "--output", str(output), "--method", method, "--overwrite"]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *command], cwd=ROOT, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1e6, time.perf_counter() - start


def photo(width: int, height: int, shift: int = 0) -> Image.Image:
    import skimage.data

    return Image.fromarray(np.roll(skimage.data.coffee(), shift, axis=1)).resize((width, height), Image.BICUBIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--method", default="telea")
    parser.add_argument("--megapixels", type=float, nargs="+", help="large photos instead of a folder")
    parser.add_argument("--methods", nargs="+", default=["patchmatch", "patchmatch-gated"])
    parser.add_argument("--hole", type=float, default=0.03, help="the box's share of the photo (default 3%%)")
    args = parser.parse_args()
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.megapixels:
            for mp in args.megapixels:
                height = int(math.sqrt(mp * 1e6 / 1.5))
                width = int(1.5 * height)
                path = tmp / f"{mp:g}mp.jpg"
                photo(width, height).save(path, quality=90)
                side_w, side_h = int(width * math.sqrt(args.hole * 1.5 / 1)), int(height * math.sqrt(args.hole / 1.5))
                x0, y0 = int(0.45 * width), int(0.3 * height)  # over the cup
                box = f"{x0},{y0},{x0 + side_w},{y0 + side_h}"
                times = {}
                for method in dict.fromkeys(["patchmatch", *args.methods]):
                    peak, times[method] = run(path, tmp / "out", method, box)
                    print(f"{width}x{height} ({mp:g} MP), a {side_w}x{side_h} box ({args.hole:.0%}), --method {method}: "
                          f"peak memory {peak:.2f} GB, {times[method]:.1f} s, {times[method] / times['patchmatch']:.2f}x "
                          "PatchMatch's", flush=True)
            return
        for count in (1, args.photos):
            folder = tmp / f"photos{count}"
            folder.mkdir()
            for i in range(count):
                photo(3000, 2000, 37 * i).save(folder / f"p{i:02d}.jpg", quality=90)
            peak, seconds = run(folder, tmp / f"out{count}", args.method, "1200,800,1500,1100")
            print(f"{count} photo(s) of 3000x2000, --method {args.method}: peak memory {peak:.2f} GB, {seconds:.0f} s")


if __name__ == "__main__":
    main()
