"""PatchMatch against harmonic and the default (the release model) at photo resolution, about 45 s.

    python -m benchmarks.removal_patchmatch

scikit-image's astronaut (512x512), coffee (600x400) and chelsea (451x300) at full size, two boxes
of 5% of the photo each, removed one at a time with ``remove_object``, each method with its own
defaults (PatchMatch pasted as it is; the others Poisson-blended with detail transfer). Per hole:
PSNR over the filled pixels (the dilated box) and wall time, the faster of two calls on one torch
thread (other jobs share the CPU), after a first call that loads everything.
"""

import math
import sys
import warnings

import numpy as np
import torch
from skimage import data

from inpaint_utils.core.runtime import timed
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.removal.remover import dilate_mask, make_remover, remove_object

METHODS = ("patchmatch", "harmonic", "gan")
PHOTOS = ("astronaut", "coffee", "chelsea")
CENTRES = ((0.5, 0.35), (0.3, 0.7))  # each box's centre, as fractions of the photo's height and width


def main() -> None:
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    removers = {method: make_remover(method) for method in METHODS}
    rows = []
    for name in PHOTOS:
        photo = getattr(data, name)()
        height, width = photo.shape[:2]
        side = round(math.sqrt(0.05 * height * width))
        for cy, cx in CENTRES:
            mask = np.zeros((height, width), bool)
            top, left = round(cy * height - side / 2), round(cx * width - side / 2)
            mask[top:top + side, left:left + side] = True
            filled = dilate_mask(mask, 5)
            row = {}
            for method, remover in removers.items():
                if not rows:
                    remove_object(photo, mask, remover)  # first-call costs out of the timing
                seconds = min(timed(lambda: remove_object(photo, mask, remover)) for _ in range(2))
                out = remove_object(photo, mask, remover)
                assert np.array_equal(out[~filled], photo[~filled])
                row[method] = (hole_psnr(out, photo, filled), seconds)
            rows.append((f"{name} {side}x{side} at {left},{top}", row))
            print(rows[-1][0], file=sys.stderr)
    print("| hole | " + " | ".join(f"{m} dB | {m} s" for m in METHODS) + " |")
    print("|---|" + "---|---|" * len(METHODS))
    for label, row in rows + [("mean", {m: tuple(np.mean([r[m] for _, r in rows], axis=0)) for m in METHODS})]:
        print(f"| {label} | " + " | ".join(f"{row[m][0]:.2f} | {row[m][1]:.2f}" for m in METHODS) + " |")


if __name__ == "__main__":
    main()
