"""Speed of object removal with the GAN against Telea on a mask of thousands of specks, one process.

    python -m benchmarks.removal_speed                     # a fresh generator: speed needs no training
    python -m benchmarks.removal_speed --checkpoint checkpoints/sample/ablation-random.pt --repeats 5

The photo is scikit-image's coffee (600x400) under 1% salt noise: about 2,300 separate holes with
--dilate 0, the case where the GAN once ran one forward pass per hole. Prints, for --dilate 0 and
the default 5: the median time of ``remove_object`` with each method over --repeats alternating
rounds, and their ratio; the cost of one forward pass per hole, the old way, extrapolated from 20
single passes; and, with --command, the wall time of the whole command for each method (start-up
and model loading included), the measure the issue used.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

import inpaint_utils as iu
from inpaint_utils.core.runtime import timed
from inpaint_utils.networks.gan import Discriminator, Generator
from inpaint_utils.removal.remover import dilate_mask

ROOT = Path(__file__).resolve().parents[1]


def fresh_checkpoint(folder: Path) -> Path:
    """A checkpoint of this project with untrained networks: the GAN's speed does not depend on them."""
    torch.manual_seed(0)
    path = folder / "fresh.pt"
    torch.save({"format": 1, "run": "fresh", "params": {}, "generator": Generator().state_dict(),
                "discriminator": Discriminator().state_dict()}, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, help="a trained model (default: untrained networks)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--density", type=float, default=0.01, help="share of pixels marked (default 0.01)")
    parser.add_argument("--command", action="store_true", help="also time the whole command, once per method")
    args = parser.parse_args()
    import skimage.data

    warnings.simplefilter("ignore")  # the GAN warns about nothing here; keep the table clean
    photo = skimage.data.coffee()
    specks = np.random.default_rng(0).random(photo.shape[:2]) < args.density
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        checkpoint = args.checkpoint or fresh_checkpoint(tmp)
        methods = {"gan": iu.make_remover("gan", checkpoint), "telea": iu.make_remover("telea")}
        print(f"{photo.shape[1]}x{photo.shape[0]} photo, {specks.sum()} marked pixels, torch threads "
              f"{torch.get_num_threads()}, {'trained' if args.checkpoint else 'untrained'} generator")
        for dilate in (0, 5):
            parts = cv2.connectedComponents(dilate_mask(specks, dilate).astype(np.uint8))[0] - 1
            times = {name: [] for name in methods}
            for _ in range(args.repeats):
                for name, remover in methods.items():
                    times[name].append(timed(lambda: iu.remove_object(photo, specks, remover, dilate=dilate)))
            gan, telea = (statistics.median(times[name]) for name in ("gan", "telea"))
            print(f"--dilate {dilate}: {parts} holes; GAN {gan:.2f} s, Telea {telea:.2f} s, ratio {gan / telea:.1f}")
        one = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
        single = statistics.median(timed(lambda: methods["gan"].fill(*one)) for _ in range(20))
        parts = cv2.connectedComponents(specks.astype(np.uint8))[0] - 1
        print(f"one forward pass per hole (before issue 16), --dilate 0: about {single * parts:.0f} s "
              f"({parts} x {single * 1000:.0f} ms)")
        if args.command:
            save = tmp / "coffee.png", tmp / "specks.png"
            Image.fromarray(photo).save(save[0])
            Image.fromarray(specks.astype(np.uint8) * 255).save(save[1])
            for name in methods:
                command = [sys.executable, "-m", "inpaint_utils.remove", "--image", str(save[0]), "--mask", str(save[1]),
                           "--output", str(tmp / name), "--method", name, "--dilate", "0", "--checkpoint", str(checkpoint)]
                seconds = timed(lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True))
                print(f"the whole command, --method {name} --dilate 0: {seconds:.1f} s")


if __name__ == "__main__":
    main()
