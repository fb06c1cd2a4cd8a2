"""Train the release model and export it with its card: the command behind models/release/.

    python -m inpaint_utils.train_release                  # train (or resume), then export
    python -m inpaint_utils.train_release --export-only    # export the latest checkpoint as it is
    python -m inpaint_utils.train_release --check          # re-evaluate the shipped model against its card
    python -m inpaint_utils.train_release --choose PIXEL ADV   # ship one of two exports by the card's rule
    torchrun --nproc_per_node=4 -m inpaint_utils.train_release   # data-parallel on 4 GPUs (or CPU processes)

Training is resumable: interrupt it at any time and run the command again; each epoch
(STEPS_PER_EPOCH steps) is checkpointed in checkpoints/<run>/release.pt. ``--export-only`` exports
whatever epochs are done, and the card records how many steps that was.

Under torchrun each of N processes trains on its own BATCH_SIZE crops, a global batch of N x
BATCH_SIZE (inpaint_utils.distributed); rank 0 logs, checkpoints and, once every rank is done,
exports. Across machines, only rank 0 reads and writes CHECKPOINT_DIR and --output; every machine
needs the training data.
"""

import argparse
import os
import sys
from pathlib import Path

from .core.paths import checkpoints_dir
from .core.settings import parse_overrides, resolve_params
from .fills.release_model import RELEASE_DIR
from .study.release_recipe import (
    check_release,
    choose_release,
    export_release,
    train_release_model,
)
from .training import distributed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m inpaint_utils.train_release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="release", help="the recipe's profile (default: release)")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                        help="override a parameter, e.g. --set RELEASE_EPOCHS=40 (VALUE read as YAML)")
    parser.add_argument("--export-only", action="store_true", help="export the latest checkpoint without training")
    parser.add_argument("--check", action="store_true", help="re-evaluate the shipped model against its card")
    parser.add_argument("--no-export", action="store_true",
                        help="train (or resume) only; export later with --export-only")
    parser.add_argument("--choose", type=Path, nargs=2, metavar=("PIXEL", "ADVERSARIAL"),
                        help="the exports (--output folders) of the release and release-adv profiles: copy the one "
                             "that the rule picks (release.RULE) to --output, with a card holding both")
    parser.add_argument("--output", type=Path, default=RELEASE_DIR, help="where the model and its card go")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.check:
        print(check_release().to_string())
        print("the release model matches its card")
        return 0
    if args.choose:
        card = choose_release(dict(zip(("pixel", "adversarial"), args.choose)), args.output)
        print(f"shipped the {card['choice']['recipe']} recipe to {args.output}; the adversarial recipe: "
              f"{card['choice']['adversarial recipe']}")
        return 0
    try:
        params = resolve_params(args.profile, parse_overrides(args.set))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.export_only and args.no_export:
        print("error: --export-only and --no-export leave nothing to do", file=sys.stderr)
        return 2
    try:
        with distributed.process_group(params.device) as world:
            if not args.export_only:
                train_release_model(params)
            distributed.barrier()  # every rank done before rank 0 exports
    except Exception as e:
        if not distributed.launched():
            raise
        # torchrun shows no worker's error itself; it stops the other ranks as soon as this one exits
        message = (str(e).splitlines() or [""])[0]
        print(f"error: rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']}: {type(e).__name__}: {message}",
              file=sys.stderr)
        return 1
    if not world.main or args.no_export:
        return 0
    card = export_release(checkpoints_dir(params) / "release.pt", args.output)
    print(f"exported {card['training']['steps']} steps to {args.output} (sha256 {card['sha256'][:12]}…)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
