"""Peak memory of the removal command on a folder of 1 and of N six-megapixel photos.

    python -m benchmarks.removal_memory              # 1 and 20 photos, Telea
    python -m benchmarks.removal_memory --photos 5 --method biharmonic

Each run is a fresh process (``python -m inpaint_utils.remove`` on a folder of JPEGs made from
scikit-image's coffee, 3000x2000, one box each); its peak resident memory comes from
``getrusage(RUSAGE_CHILDREN)``. The command holds one photo at a time, so both should match.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def run(folder: Path, output: Path, method: str) -> tuple[float, float]:
    """(peak memory in GB, seconds) of one command in a fresh process."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-m", "inpaint_utils.remove", "--image", str(folder), "--box", "1200,800,1500,1100",
               "--output", str(output), "--method", method]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *command], cwd=ROOT, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1e6, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--method", default="telea")
    args = parser.parse_args()
    import skimage.data

    base = np.asarray(Image.fromarray(skimage.data.coffee()).resize((3000, 2000), Image.BICUBIC))
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for count in (1, args.photos):
            folder = tmp / f"photos{count}"
            folder.mkdir()
            for i in range(count):
                Image.fromarray(np.roll(base, 37 * i, axis=1)).save(folder / f"p{i:02d}.jpg", quality=90)
            peak, seconds = run(folder, tmp / f"out{count}", args.method)
            print(f"{count} photo(s) of 3000x2000, --method {args.method}: peak memory {peak:.2f} GB, {seconds:.0f} s")


if __name__ == "__main__":
    main()
