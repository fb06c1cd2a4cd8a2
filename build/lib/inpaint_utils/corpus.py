"""The command that fetches the photo corpus (the library: ``data/photo_corpus.py``).

    python -m inpaint_utils.corpus                      fetch, unpack and verify (again: verify only)
    python -m inpaint_utils.corpus --debs FOLDER        use .deb files (or their unpacked trees) from FOLDER
    python -m inpaint_utils.corpus --photos FOLDER [--heldout NAME ...]   use your own photos instead

Debian's archive carries free (GPL-2+) photographs in two packages, ``mate-backgrounds`` and
``plasma-workspace-wallpapers``; they are fetched with ``apt-get download``, unpacked with
``dpkg-deb -x`` (nothing is installed), checked against ``data/corpus_manifest.csv`` and split
once into training and held-out photos.
"""

import argparse
import sys
import time
from pathlib import Path

from .core.paths import display_path
from .data.photo_corpus import (
    COMMAND,
    CorpusError,
    build_corpus,
    corpus_dir,
    read_manifest,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, help="a folder of your own photos, used instead (no hashes)")
    parser.add_argument("--heldout", nargs="+", default=[], metavar="NAME",
                        help="with --photos: photos (relative to it) kept out of training")
    parser.add_argument("--debs", type=Path, help="a folder with the two .deb files or their unpacked trees, "
                                                  "instead of apt-get download")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = build_corpus(photos=args.photos, heldout=args.heldout, debs=args.debs)
    except (CorpusError, OSError) as e:
        print(f"corpus: error: {e}", file=sys.stderr)
        return 1
    if args.photos:
        where, held = f"{args.photos.expanduser().resolve()}, unchecked (your own)", len(set(args.heldout))
    else:
        where, held = f"{display_path(corpus_dir())}, verified", sum(e.split == "heldout" for e in read_manifest())
    print(f"corpus: {len(paths)} photos in {where}: {len(paths) - held} train, {held} heldout "
          f"({sum(p.stat().st_size for p in paths) / 1e6:.0f} MB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
