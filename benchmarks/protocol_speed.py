"""The paper's protocol timed: the `full` profile's BCE run (notebook 02) for a few epochs on stand-in
data of the hub's size, to estimate its 50 epochs on this machine.

    python -m benchmarks.protocol_speed --device cuda --epochs 3 --json protocol.json
    python -m benchmarks.protocol_speed --set AMP=true --set FUSED_ADAM=true   # with speed options

microsoft/cats_vs_dogs holds 11,741 cats (9,392 of them in the training split). Where the hub is out
of reach, the stand-in is a parquet file in its schema with as many JPEGs of its photos' size
(``speed.jpeg_fixture``, repeated), so the split, the decoding into the uint8 cache and every
training step are the real ones (``iu.load_cats``, ``iu.load_images``, ``iu.train_run``). Prints the
decode time, the wall time of each epoch, peak GPU memory and GPU utilisation sampled every 0.2 s:
the images live on the GPU and batches are cut there, so a busy GPU shows that no host-side data
path starves it.
"""

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import torch

import inpaint_utils as iu
from benchmarks.speed import jpeg_fixture, standin_parquet
from inpaint_utils.core.runtime import device_name
from inpaint_utils.core.settings import HUB_SIZES, parse_overrides

ROOT = Path(__file__).resolve().parents[1]


class Utilisation:
    """GPU utilisation (%) sampled in a thread while the block runs; empty off CUDA or without NVML."""

    def __init__(self, device: torch.device, every: float = 0.2):
        self.device, self.every, self.samples, self._stop = device, every, [], threading.Event()

    def _sample(self):
        while not self._stop.wait(self.every):
            self.samples.append(torch.cuda.utilization(self.device))

    def __enter__(self):
        self._thread = None
        if self.device.type == "cuda":
            try:
                torch.cuda.utilization(self.device)
                self._thread = threading.Thread(target=self._sample, daemon=True)
                self._thread.start()
            except Exception as e:  # no NVML (pynvml / nvidia-ml-py) here
                print(f"GPU utilisation: not sampled ({type(e).__name__}: {e})")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread:
            self._thread.join()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--epochs", type=int, default=3, help="BCE epochs to time (the protocol has 50)")
    parser.add_argument("--images", type=int, default=HUB_SIZES["cats"], help="cats in the stand-in data set")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                        help="override a parameter of the full profile, e.g. --set AMP=true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    device = iu.resolve_device(args.device)
    params = iu.resolve_params("full", parse_overrides(args.set) | {"DEVICE": str(device), "BCE_EPOCHS": args.epochs})
    where = device_name(device)
    print(f"device: {where}; torch {torch.__version__}")

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INPAINT_OUTPUT_ROOT"] = tmp  # cache and checkpoints go here, not into the repository
        unique = jpeg_fixture(min(args.images, 240))
        encoded = [unique[i % len(unique)] for i in range(args.images)]
        params = dataclasses.replace(params, data=str(standin_parquet(encoded, Path(tmp) / "cats.parquet")))
        start = time.perf_counter()
        images = iu.load_images(params)
        decode_s = time.perf_counter() - start
        sizes = {name: len(split) for name, split in images.items()}
        print(f"stand-in data: {sizes} (the hub's: {HUB_SIZES}); decoded into the cache in {decode_s:.1f} s")
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        with Utilisation(device) as utilisation:
            result = iu.train_run("bce", params, images)
    epochs = result.history["epoch_seconds"]
    steps, hub_steps = (-(-n // params.batch_size) for n in (sizes["train"], HUB_SIZES["train"]))
    steady = statistics.median(epochs[1:]) if len(epochs) > 1 else epochs[0]  # the first epoch warms up
    figures = {
        "device": where, "torch": torch.__version__, "splits": sizes, "batch": params.batch_size,
        "options": {k: getattr(params, k) for k in ("amp", "channels_last", "fused_adam", "compile")},
        "decode_s": decode_s, "epoch_seconds": epochs, "steps_per_epoch": steps, "ms_per_step": 1000 * steady / steps,
        "estimate_50_epochs_min": 50 * hub_steps * steady / steps / 60,
        "peak_gpu_memory_mib": torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None,
        "gpu_utilisation_percent": statistics.mean(utilisation.samples) if utilisation.samples else None,
    }
    print(f"\nBCE run of the full profile, batch {params.batch_size}, {steps} steps per epoch:")
    print("  epochs (s): " + ", ".join(f"{s:.1f}" for s in epochs))
    print(f"  {figures['ms_per_step']:.2f} ms per step; 50 epochs of the hub's {hub_steps} steps: "
          f"{figures['estimate_50_epochs_min']:.1f} min")
    if figures["peak_gpu_memory_mib"] is not None:
        print(f"  peak GPU memory {figures['peak_gpu_memory_mib']:.0f} MiB")
    if figures["gpu_utilisation_percent"] is not None:
        print(f"  GPU utilisation {figures['gpu_utilisation_percent']:.0f}% (mean of {len(utilisation.samples)} samples)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
