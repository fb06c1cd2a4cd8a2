"""Which PatchMatch patch size for large holes? The probe behind structure Round 2's candidate.

    python -m benchmarks.probes.patch_sizes --split train --holes 1 --placement both --scale 1.0 \\
        --rows PatchMatch "PatchMatch 7x7" "PatchMatch 15x15" "PatchMatch 21x21"

The structure benchmark (``benchmarks/structure.py``, same arguments) with rows for PatchMatch at
other patch sizes, run on the corpus's training photos so that the held-out ones stay unseen for
the round's rule. Its finding (34 holes: 7x7 level on edges and layout, more realistic and 1.8x as
fast; 15x15 and 21x21 worse and slower) is in docs/structure.md, "The rule for Round 2".
"""

import functools
import sys

import numpy as np

import benchmarks.structure as benchmark
from inpaint_utils.fills.guided import patchmatch


def fill(image, hole, patch):
    return patchmatch(image, hole.astype(bool), patch=patch).astype(np.float32)


def main(argv=None) -> None:
    benchmark.add_rows({f"PatchMatch {2 * r + 1}x{2 * r + 1}": functools.partial(fill, patch=r) for r in (3, 7, 10)})
    benchmark.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
