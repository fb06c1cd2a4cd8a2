"""Does a layout steer PatchMatch's search better than it corrects its output? A probe on the
corpus's training photos, after structure Round 4 (``docs/structure.md``).

    python -m benchmarks.probes.layout_search --weights 0.001 0.002 -- --split train --holes 2 \\
        --placement both --scale 1.0 --crop-test-holes 0 --rows PatchMatch "PatchMatch, 7x7 patches" \\
        "7x7 searched by the layout, 0.001" "7x7 searched by the layout, 0.002"

The structure benchmark (``benchmarks/structure.py``, the arguments after ``--``) with rows for
``fills/layout.py``'s ``layout_guided_fill``: PyPatchMatch's ``inpaint_regularity``, whose patch
distance adds ``weight`` times the difference between the copied patch's coarse colour and the
layout's where it lands. Weights of 0.005 and more fill a large hole with a flat smear (the guide
outweighs the texture); 0.001 keeps it.
"""

import sys

from benchmarks.probes import run_weighted
from inpaint_utils.fills.layout import layout_guided_fill


def main(argv=None) -> None:
    run_weighted(sys.argv[1:] if argv is None else argv, __doc__, "7x7 searched by the layout, {:g}",
                 layout_guided_fill, [0.001, 0.002])


if __name__ == "__main__":
    main()
