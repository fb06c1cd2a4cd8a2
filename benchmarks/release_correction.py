"""How much the release model changes its harmonic pre-fill: is its network doing anything?

    python benchmarks/release_correction.py                        # the shipped model
    python benchmarks/release_correction.py --model out/inpainter.pt

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
from inpaint_utils.batches import PhotoCrops
from inpaint_utils.fills import CLASSICAL, generator_output
from inpaint_utils.params import Params
from inpaint_utils.release import load_release, photo_tensor, training_photos


def hole_psnr(images, truth, mask) -> float:
    error = ((images - truth).square() * mask).sum(dim=(1, 2, 3)) / (3 * mask.sum(dim=(1, 2, 3)))
    return (-10 * torch.log10(error.clamp(min=1e-10))).mean().item()


@torch.no_grad()
def measure(model, truth: torch.Tensor, mask: torch.Tensor) -> dict:
    masked = truth * (1 - mask)
    harmonic = masked + mask * CLASSICAL["harmonic"].fill(masked, mask)
    filled = masked + mask * generator_output(model.g, masked, mask, prefill=model.prefill).clamp(0, 1)
    correction = ((filled - harmonic).abs() * mask).sum() / (3 * mask.sum())
    return {"mean |correction| (grey levels)": round(255 * correction.item(), 3),
            "model hole PSNR (dB)": round(hole_psnr(filled, truth, mask), 3),
            "harmonic hole PSNR (dB)": round(hole_psnr(harmonic, truth, mask), 3)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a release model file (default: the shipped one)")
    parser.add_argument("--count", type=int, default=256, help="training crops (default 256)")
    args = parser.parse_args(argv)
    model = load_release(args.model)
    params = Params(**{k.lower(): v for k, v in model.card["parameters"].items()})
    rng = torch.Generator().manual_seed(7)
    sets = {}
    if params.crops == "photos":
        photos = [photo_tensor(p) for p in training_photos(params).values()]
        sets["training crops"] = PhotoCrops(photos, params.image_size, 0.0, rng)(args.count)
    sets["held-out photos"] = iu.heldout_images(image_size=params.image_size).float() / 255
    for name, truth in sets.items():
        mask = iu.mask_batch(params.mask if params.mask != "center" else "lama", len(truth), params.image_size,
                             params.hole_size, generator=rng)
        print(f"{name} ({len(truth)}, {params.mask if params.mask != 'center' else 'lama'} masks):", measure(model, truth, mask))


if __name__ == "__main__":
    main()
