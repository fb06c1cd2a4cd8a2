"""Train the fill gate, the learned stage of exemplar removal, and ship it to models/gate/.

    python -m inpaint_utils.train_gate              # build the data (cached), train (resumable), export
    python -m inpaint_utils.train_gate --epochs 12  # train on to 12 epochs

Interrupt it at any time and run it again: the data is built in chunks and each epoch is
checkpointed in checkpoints/gate-2/. Trains on the photo corpus's training photos only
(``python -m inpaint_utils.corpus`` fetches them); the held-out photos stay unseen.
"""

import argparse
import json
from pathlib import Path

import torch

from .core.paths import output_root, writable_dir
from .core.runtime import device_name
from .fills.gated import GATE_FILE
from .training.gate import EPOCHS, FOLDER, export_gate, train_gate


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--output", type=Path, default=GATE_FILE, help=f"the exported gate (default {GATE_FILE})")
    args = parser.parse_args(argv)
    folder = writable_dir(output_root() / "checkpoints" / FOLDER)
    card = train_gate(folder, args.epochs)
    card["trained_on"] = device_name(torch.device("cpu"))
    writable_dir(args.output.parent)
    export_gate(folder, args.output, card)
    print(json.dumps(card["history"][-1]))


if __name__ == "__main__":
    main()
