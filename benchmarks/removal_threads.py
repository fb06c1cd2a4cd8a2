"""Several holes in one photo: the default fills them on every core at once (PatchMatch in threads,
``removal/remover.py``); timed against one at a time in the same process, with the results compared.

    python -m benchmarks.removal_threads                          # 3 holes of 3% in 3 and 12 MP photos
    python -m benchmarks.removal_threads --megapixels 50 --holes 2 --method patchmatch

The photos are scikit-image's coffee scaled up, as ``benchmarks/removal_memory.py`` makes them; the
holes are boxes of ``--hole`` of the photo each, side by side across its middle.
"""

import argparse
import math
import time

import numpy as np

from benchmarks import removal_memory
from inpaint_utils.removal import remover as removal


def photo(megapixels: float) -> np.ndarray:
    """Coffee at ``megapixels``, 3:2, as ``removal_memory`` makes it."""
    height = int(math.sqrt(megapixels * 1e6 / 1.5))
    return np.asarray(removal_memory.photo(int(1.5 * height), height))


def boxes(shape, holes: int, share: float) -> np.ndarray:
    """``holes`` boxes of ``share`` of the photo each, spread across its middle."""
    height, width = shape
    mask = np.zeros(shape, bool)
    side_h, side_w = int(height * math.sqrt(share / 1.5)), int(width * math.sqrt(share * 1.5) / 1.5)
    for i in range(holes):
        x0 = int((i + 0.5) * width / holes - side_w / 2)
        mask[int(0.35 * height):int(0.35 * height) + side_h, x0:x0 + side_w] = True
    return mask


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, nargs="+", default=[3, 12])
    parser.add_argument("--holes", type=int, default=3)
    parser.add_argument("--hole", type=float, default=0.03, help="each box's share of the photo (default 3%%)")
    parser.add_argument("--method", default="auto", choices=("auto", "patchmatch"))
    args = parser.parse_args(argv)
    remover, threads = removal.make_remover(args.method), removal.FILL_THREADS
    print(f"{removal.available_cores()} cores; up to {min(threads, removal.available_cores())} fills at once")
    for mp in args.megapixels:
        image = photo(mp)
        mask = boxes(image.shape[:2], args.holes, args.hole)
        seconds, results = {}, {}
        for label, limit in (("one at a time", 1), ("at once", threads)):
            removal.FILL_THREADS = limit
            start = time.perf_counter()
            results[label] = removal.remove_object(image, mask, remover)
            seconds[label] = time.perf_counter() - start
        removal.FILL_THREADS = threads
        print(f"{image.shape[1]}x{image.shape[0]} ({mp:g} MP), {args.holes} boxes of {args.hole:.0%}, --method "
              f"{args.method}: one at a time {seconds['one at a time']:.1f} s, at once {seconds['at once']:.1f} s, "
              f"{seconds['at once'] / seconds['one at a time']:.2f}x; the same result: "
              f"{np.array_equal(*results.values())}", flush=True)


if __name__ == "__main__":
    main()
