"""Speed of our data path and training step against the seed's, in one process, on one device.

    python -m benchmarks.speed                  # CPU here; the GPU where there is one
    python -m benchmarks.speed --device cpu --images 256 --repeats 5 --json out.json

Prints images per second for the seed's way and ours, and their ratio:
- data path: the seed decodes and transforms each JPEG on every access (``seed_reference``);
  we decode once into a uint8 cache (``inpaint_utils.load_images``), then cut batches from it;
- training step: ``seed_reference.seed_step`` against ``inpaint_utils.make_step`` on the same
  batches, timed alternately, medians of ``--repeats`` rounds;
- equality: with fp32 and the same seed, both steps' losses over 5 steps (must agree to 1e-5; on a
  GPU with cuDNN in exact fp32, ``exact_fp32``);
- options (bf16 autocast, channels_last, fused Adam, torch.compile): ratio to the seed's step and
  to our fp32 step, and loss drift. bf16 autocast is timed on CPUs with bf16 instructions too
  (AVX512_BF16 or AMX), where it is the release recipe's choice; the generator's head and the
  losses stay fp32 under it.
"""

import argparse
import contextlib
import dataclasses
import io
import json
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS for exact_fp32, set before CUDA starts

import inpaint_utils as iu  # noqa: E402 (after the environment above, before torch loads)
from benchmarks import seed_reference as seed  # noqa: E402
from inpaint_utils.core.runtime import (
    device_name,  # noqa: E402
    timed,  # noqa: E402
)

ROOT = Path(__file__).resolve().parents[1]


def jpeg_fixture(n: int) -> list[bytes]:
    """``n`` JPEGs of about the hub photos' size (500x375 or 375x500), from scikit-image photos."""
    import skimage.data

    photos = [getattr(skimage.data, name)() for name in ("chelsea", "coffee", "astronaut", "rocket")]
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        photo = Image.fromarray(photos[i % len(photos)])
        w, h = photo.size
        box = rng.integers(0, w // 4), rng.integers(0, h // 4)
        crop = photo.crop((*box, box[0] + 3 * w // 4, box[1] + 3 * h // 4))
        buf = io.BytesIO()
        crop.resize((500, 375) if i % 3 else (375, 500)).save(buf, format="JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def standin_parquet(encoded: list[bytes], path: Path) -> Path:
    """A parquet file in the hub data set's schema (image, labels; every row a cat) holding ``encoded``."""
    from datasets import ClassLabel, Dataset, Features
    from datasets import Image as ImageFeature

    features = Features({"image": ImageFeature(), "labels": ClassLabel(names=["cat", "dog"])})
    Dataset.from_dict({"image": [{"bytes": b, "path": None} for b in encoded], "labels": [0] * len(encoded)},
                      features=features).to_parquet(str(path))
    return path


def data_path(encoded: list[bytes], device: torch.device, params: iu.Params) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INPAINT_OUTPUT_ROOT"] = tmp  # the cache goes here, not into the repository
        p = dataclasses.replace(params, data=str(standin_parquet(encoded, Path(tmp) / "cats.parquet")))
        splits = iu.load_cats(p)
        train = [cell["bytes"] for cell in splits["train"]["image"]]
        n = len(train)
        mask = iu.center_mask().to(device)

        def seed_epoch():
            for masked, truth in seed.seed_loader(train):
                masked.to(device), truth.to(device)

        def our_epoch():
            images = iu.load_images(p, splits)["train"].images.to(device)
            for batch in torch.randperm(n).to(device).split(params.batch_size):
                truth = images[batch].float().div_(255)
                (1 - mask) * truth

        seed_s = timed(seed_epoch)
        first_s = timed(our_epoch)  # decodes and writes the cache
        rerun_s = statistics.median(timed(our_epoch) for _ in range(3))
    return {"images": n, "seed_images_per_s": n / seed_s, "ours_first_run_images_per_s": n / first_s,
            "ours_rerun_images_per_s": n / rerun_s, "ratio_rerun": seed_s / rerun_s}


def make_pair(params: iu.Params, device: torch.device):
    """Seed-style and our step from the same initial weights."""
    torch.manual_seed(params.seed)
    g_ref, d_ref = iu.Generator().to(device), iu.Discriminator().to(device)
    opts = torch.optim.Adam(g_ref.parameters(), lr=params.lr), torch.optim.Adam(d_ref.parameters(), lr=params.lr)
    criterion = nn.BCELoss()
    mask = iu.center_mask().to(device)

    def seed_step(truth):
        return seed.seed_step(g_ref, d_ref, ((1 - mask.cpu()) * truth.cpu(), truth.cpu()), criterion, *opts, device)

    g, d, opt_g, opt_d = iu.build_models(params, device)
    step = iu.make_step(g, d, opt_g, opt_d, criterion=criterion, params=params, device=device)

    def our_step(truth):
        return step(truth, mask)

    return seed_step, our_step


@contextlib.contextmanager
def exact_fp32():
    """cuDNN in full fp32 (no TF32) with deterministic kernels, for the equality check: by default a
    GPU's convolutions round to TF32 and its weight gradients add up in any order, which after 5 Adam
    steps moves the losses by about 1e-4 (seen on an H200) whatever the two steps' maths. No-op on a CPU."""
    cudnn = torch.backends.cudnn
    saved = cudnn.allow_tf32, cudnn.deterministic, cudnn.benchmark, torch.are_deterministic_algorithms_enabled()
    cudnn.allow_tf32, cudnn.deterministic, cudnn.benchmark = False, True, False
    torch.use_deterministic_algorithms(True, warn_only=True)  # the other kernels: deterministic where they can be
    try:
        yield
    finally:
        cudnn.allow_tf32, cudnn.deterministic, cudnn.benchmark = saved[:3]
        torch.use_deterministic_algorithms(saved[3])


def losses_over(step, batches) -> list[float]:
    return [v for truth in batches for v in map(float, step(truth))]


def step_speed(params: iu.Params, device: torch.device, batches: list[torch.Tensor], steps: int, repeats: int,
               options: list[str]) -> dict:
    seed_step, our_step = make_pair(params, device)
    for truth in batches[:2]:  # warm-up
        seed_step(truth), our_step(truth)
    seed_times, our_times = [], []
    for r in range(repeats):
        chunk = [batches[(r * steps + i) % len(batches)] for i in range(steps)]
        seed_times.append(timed(lambda: [seed_step(t) for t in chunk]) / steps)
        our_times.append(timed(lambda: [our_step(t) for t in chunk]) / steps)
    seed_s, ours_s = statistics.median(seed_times), statistics.median(our_times)
    result = {"batch": params.batch_size, "seed_s_per_step": seed_s, "ours_s_per_step": ours_s,
              "seed_images_per_s": params.batch_size / seed_s, "ours_images_per_s": params.batch_size / ours_s,
              "ratio": seed_s / ours_s}

    with exact_fp32():
        seed_step, our_step = make_pair(params, device)
        reference = losses_over(seed_step, batches[:5])
        result["equality_max_abs_diff"] = max(abs(a - b) for a, b in zip(reference, losses_over(our_step, batches[:5])))

    result["options"] = {}
    for option in options:
        p = dataclasses.replace(params, **{option: True})
        _, step = make_pair(p, device)
        compile_s = timed(lambda: [step(t) for t in batches[:2]])
        option_s = statistics.median(timed(lambda: [step(t) for t in batches[:steps]]) / steps for _ in range(repeats))
        _, step = make_pair(p, device)
        drift = max(abs(a - b) for a, b in zip(reference, losses_over(step, batches[:5])))
        result["options"][option] = {"s_per_step": option_s, "ratio": seed_s / option_s, "vs_ours": ours_s / option_s,
                                     "warm_up_s": compile_s, "loss_drift_5_steps": drift}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=200, help="JPEGs in the data-path fixture")
    parser.add_argument("--steps", type=int, default=4, help="training steps per timed round")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds; medians are reported")
    parser.add_argument("--options", nargs="*", default=None,
                        help="speed options to time (default: channels_last fused_adam, plus amp compile on GPU)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    device = iu.resolve_device(args.device)
    cpu_bf16 = device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    options = args.options if args.options is not None else ["channels_last", "fused_adam"] + \
        (["amp", "compile"] if device.type == "cuda" else ["amp"] if cpu_bf16 else [])
    params = dataclasses.replace(iu.resolve_params("full"), device=str(device))
    where = device_name(device)
    print(f"device: {where}; torch {torch.__version__}")

    encoded = jpeg_fixture(args.images)
    data = data_path(encoded, device, params)
    print(f"\ndata path, {data['images']} training JPEGs of 500x375:")
    print(f"  seed: decode + transform on every access   {data['seed_images_per_s']:10.0f} images/s")
    print(f"  ours, first run: decode once into the cache {data['ours_first_run_images_per_s']:10.0f} images/s")
    print(f"  ours, rerun: batches from the cache         {data['ours_rerun_images_per_s']:10.0f} images/s"
          f"   {data['ratio_rerun']:.0f}x the seed")

    g = torch.Generator().manual_seed(0)
    batches = [iu.to_uint8(torch.rand(8, 3, 8, 8, generator=g)) for _ in range(max(8, args.steps))]
    batches = [nn.functional.interpolate(b.float() / 255, size=64, mode="bilinear").to(device) for b in batches]
    step = step_speed(params, device, batches, args.steps, args.repeats, options)
    print(f"\ntraining step, batch {step['batch']}, fp32:")
    print(f"  seed step   {step['seed_s_per_step'] * 1000:8.1f} ms/step {step['seed_images_per_s']:8.1f} images/s")
    print(f"  our step    {step['ours_s_per_step'] * 1000:8.1f} ms/step {step['ours_images_per_s']:8.1f} images/s"
          f"   {step['ratio']:.2f}x the seed")
    ok = step["equality_max_abs_diff"] <= 1e-5
    print(f"  equality over 5 steps from the same weights and batches (exact fp32): max |loss difference| "
          f"{step['equality_max_abs_diff']:.1e} {'OK (<= 1e-5)' if ok else 'FAILED (> 1e-5)'}")
    for option, r in step["options"].items():
        print(f"  option {option:14s} {r['s_per_step'] * 1000:8.1f} ms/step   {r['ratio']:.2f}x the seed, "
              f"{r['vs_ours']:.2f}x our fp32 step, loss drift after 5 steps {r['loss_drift_5_steps']:.1e}, "
              f"first 2 steps {r['warm_up_s']:.1f} s")
    if device.type == "cuda":
        best = min([step["ours_s_per_step"]] + [r["s_per_step"] for r in step["options"].values()])
        print(f"\nfull profile, 50 epochs of 1,174 steps at the best per-step time: {50 * 1174 * best / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps({"device": where, "torch": torch.__version__, "data": data, "step": step},
                                        indent=2) + "\n")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
