"""Does PatchMatch's texture on a coarse layout carry the layout better without looking less real?
The probe behind structure Round 4's candidate (``fills/layout.py``), on the corpus's training photos.

    python -m benchmarks.probes.layout_shift --split train --holes 2 --placement both --scale 1.0 \\
        --crop-test-holes 0 --rows PatchMatch "PatchMatch, 7x7 patches" \\
        "7x7 on the harmonic layout, 0.5" "7x7 on the harmonic layout, 1" \\
        "7x7 on the release model's layout, 0.5" "7x7 on the release model's layout, 1"

The structure benchmark (``benchmarks/structure.py``, same arguments) with rows for the default's
7x7 PatchMatch fill moved at 1/8 scale half or all the way to a harmonic layout or to the release
model's fill. The crop test stays off: its classifier is trained on these very training holes.
"""

import functools
import sys

import numpy as np

import benchmarks.structure as benchmark
from inpaint_utils.fills.exemplar import SMALL_PATCH
from inpaint_utils.fills.guided import patchmatch
from inpaint_utils.fills.layout import LAYOUT_SCALE, harmonic_layout, on_layout, shrink
from inpaint_utils.removal.remover import make_remover, remove_object

_made = {}  # the last crop's 7x7 fill, made once for all the rows


def small_patches(crop, hole):
    key = (crop.shape, hole.tobytes())
    if key not in _made:
        _made.clear()
        _made[key] = patchmatch(crop, hole, patch=SMALL_PATCH).astype(np.float32)
    return _made[key]


@functools.cache
def release_model():
    return make_remover("gan")


def layout_of(kind, crop, hole):
    if kind == "harmonic":
        return harmonic_layout(crop, hole)
    filled = remove_object(crop, hole, release_model(), dilate=0, blend="paste", detail="none")
    return shrink(filled, LAYOUT_SCALE)


def fill(crop, hole, kind, strength):
    hole = hole.astype(bool)
    return on_layout(small_patches(crop, hole), hole, layout_of(kind, crop, hole), strength)


def main(argv=None) -> None:
    benchmark.add_rows({f"7x7 on {name}, {strength:g}": functools.partial(fill, kind=kind, strength=strength)
                        for kind, name in (("harmonic", "the harmonic layout"), ("release", "the release model's layout"))
                        for strength in (0.5, 1.0)})
    benchmark.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
