"""Train the structure stage's edge generator and ship it to models/edges/.

    python -m inpaint_utils.train_edges --minutes 100      # train (resumable), then export
    python -m inpaint_utils.train_edges --steps 20000      # train on to 20,000 steps

Interrupt it at any time and run it again: it resumes from checkpoints/edges/edges.pt, with the
same batches an uninterrupted run draws. Trains on the photo corpus's training photos only
(``python -m inpaint_utils.corpus`` fetches them) and drawn straight-edge scenes; the held-out
photos stay unseen, for the structure benchmark (``python -m benchmarks.structure``).
"""

import argparse
import json
import platform
from pathlib import Path

import torch

from .core.paths import output_root, writable_dir
from .data.photo_corpus import corpus_photos
from .fills.structure import EDGE_FILE
from .training.edges import export_edges, train_edges


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inpaint_utils.train_edges", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20_000, help="train to this many steps in all (default 20,000)")
    parser.add_argument("--minutes", type=float, help="or stop after this many minutes of this run, then export")
    parser.add_argument("--threads", type=int, help="torch's CPU threads (default: torch's own choice)")
    parser.add_argument("--output", type=Path, default=EDGE_FILE, help=f"the exported generator (default {EDGE_FILE})")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    photos = corpus_photos("train")
    checkpoint = writable_dir(output_root() / "checkpoints" / "edges") / "edges.pt"
    result = train_edges(photos, checkpoint, steps=args.steps, minutes=args.minutes)
    card = {"photos": [p.name for p in photos], "steps": result["steps"], "hours": round(result["seconds"] / 3600, 2),
            "trained_on": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
            "validation": result["validation"], "history": result["history"][-5:]}
    writable_dir(args.output.parent)
    export_edges(checkpoint, args.output, card)
    print(json.dumps({k: card[k] for k in ("steps", "hours", "validation")}))


if __name__ == "__main__":
    main()
