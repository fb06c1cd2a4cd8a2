"""How much the release model changes its harmonic pre-fill: is its network doing anything?

    python -m benchmarks.probes.release_correction                        # the shipped model
    python -m benchmarks.probes.release_correction --model out/inpainter.pt

The release model's output is the harmonic fill plus a learnt correction (``fills.generator_output``).
For the same crops and masks this prints, on training crops (``batches.PhotoCrops`` of the recipe's
training photos) and on the held-out photos (``iu.heldout_images()``): the mean absolute correction
in the hole, in grey levels of 255, and the hole PSNR of the model and of the harmonic fill alone.
A correction near 0 means the model has learnt to return its pre-fill. Masks are the recipe's kind,
seeded; 15 s here.
"""

import argparse

import torch

import inpaint_utils as iu
from inpaint_utils.data.crops import PhotoCrops
from inpaint_utils.evaluation.metrics import image_metrics
from inpaint_utils.fills.classical import BASELINES
from inpaint_utils.fills.composite import inpaint
from inpaint_utils.fills.release_model import load_release
from inpaint_utils.study.release_recipe import photo_tensor, training_photos


@torch.no_grad()
def measure(model, truth: torch.Tensor, mask: torch.Tensor) -> dict:
    filled, harmonic = inpaint(model.fill(), truth, mask), inpaint(BASELINES["Harmonic"], truth, mask)
    correction = ((filled - harmonic).abs() * mask).sum() / (3 * mask.sum())
    return {"mean |correction| (grey levels)": round(255 * correction.item(), 3),
            "model hole PSNR (dB)": round(image_metrics(filled, truth, mask)["hole_psnr"].mean().item(), 3),
            "harmonic hole PSNR (dB)": round(image_metrics(harmonic, truth, mask)["hole_psnr"].mean().item(), 3)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a release model file (default: the shipped one)")
    parser.add_argument("--count", type=int, default=256, help="training crops (default 256)")
    args = parser.parse_args(argv)
    model = load_release(args.model)
    params = model.params
    rng = torch.Generator().manual_seed(7)
    sets = {}
    if params.crops == "photos":
        photos = [photo_tensor(p) for p in training_photos(params).values()]
        sets["training crops"] = PhotoCrops(photos, params.image_size, 0.0, rng)(args.count)
    sets["held-out photos"] = iu.heldout_images(image_size=params.image_size).float() / 255
    kind = params.mask if params.mask != "center" else "lama"
    for name, truth in sets.items():
        mask = iu.mask_batch(kind, len(truth), params.image_size, params.hole_size, generator=rng)
        print(f"{name} ({len(truth)}, {kind} masks):", measure(model, truth, mask))


if __name__ == "__main__":
    main()
