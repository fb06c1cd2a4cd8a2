"""The two probes on the corpus's *training* photos that sent the fill gate to small crops (docs/removal.md,
Round 3); the held-out photos stay unseen.

    python -m benchmarks.gate_probes     # about 5 minutes on two cores

1. **A colour correction of PatchMatch at a photo's resolution** (Round 2's use of the gate): on two
   object-sized holes in each of 12 training photos, PatchMatch's full-size fill moved toward the
   harmonic fill of the crop shrunk to 64 px by a constant share (what a gate that learned one
   weight would do), hole PSNR against PatchMatch alone.
2. **PatchMatch's patch size on 64 px crops**: 256 crops of the training photos with the centre hole
   and with LaMa's masks; harmonic, PatchMatch with 5x5, 7x7 and 11x11 patches, and each one's plain
   mean with harmonic.
"""

import dataclasses

import cv2
import numpy as np
import torch

from benchmarks.removal_realism import holes_of
from inpaint_utils.data.crops import PhotoCrops
from inpaint_utils.data.masks import mask_batch
from inpaint_utils.data.photo_corpus import corpus_photos
from inpaint_utils.data.photos import read_image
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.fills import exemplar
from inpaint_utils.fills.classical import Classical, harmonic_fill
from inpaint_utils.removal.remover import dilate_mask, make_remover, remove_object
from inpaint_utils.training.gate import psnr


def toward_harmonic(share: float):
    """A refinement of PatchMatch's crop fill: ``share`` of (harmonic - PatchMatch) at 64 px, scaled up."""
    patchmatch = exemplar.EXEMPLAR["patchmatch"].per_image

    def fill(img, hole):
        filled = np.asarray(patchmatch(img, hole), np.float32)
        height, width = hole.shape

        def small(a):
            return torch.from_numpy(cv2.resize(a.astype(np.float32), (64, 64), interpolation=cv2.INTER_AREA))

        mask = (small(hole) > 0).float()[None, None]
        guess = small(filled).permute(2, 0, 1)[None] / 255
        known = small(img).permute(2, 0, 1)[None] / 255 * (1 - mask)
        change = (share * (harmonic_fill(known, mask) - guess) * mask * 255)[0].permute(1, 2, 0).numpy()
        return np.clip(filled + cv2.resize(change, (width, height), interpolation=cv2.INTER_LINEAR), 0, 255)
    return fill


def colour_correction() -> None:
    base = make_remover("patchmatch")
    removers = {"PatchMatch": base, **{f"{share:.0%} toward harmonic": dataclasses.replace(
        base, per_image=toward_harmonic(share)) for share in (0.25, 0.5, 0.75)}}
    scores = {label: [] for label in removers}
    for index, path in enumerate(corpus_photos("train")[:12]):
        photo = read_image(path)[..., :3]
        for hole in holes_of(photo, 2, np.random.default_rng([7, index])):
            for label, remover in removers.items():
                out = remove_object(photo, hole, remover, blend="paste", detail="none")
                scores[label].append(hole_psnr(out, photo, dilate_mask(hole, 5)))
    anchor = np.array(scores["PatchMatch"])
    for label, values in scores.items():
        print(f"{label}: {np.mean(values):.2f} dB, minus PatchMatch {np.mean(np.array(values) - anchor):+.2f} "
              f"({len(values)} holes)")


def patch_sizes() -> None:
    photos = PhotoCrops([torch.from_numpy(np.ascontiguousarray(read_image(p)[..., :3])).permute(2, 0, 1)
                         for p in corpus_photos("train")], 64, 0.0, torch.Generator().manual_seed(5))
    images = photos(256)
    for kind, masks in (("centre", mask_batch("center", 256)),
                        ("lama", mask_batch("lama", 256, generator=torch.Generator().manual_seed(5)))):
        masked = images * (1 - masks)
        harmonic = harmonic_fill(masked, masks)
        row = {"harmonic": psnr(harmonic, images, masks).mean().item()}
        for patch in (2, 3, 5):
            fill = Classical.image_by_image("", lambda img, hole, p=patch: exemplar._patchmatch(img, hole, p)).fill(masked, masks)
            row[f"PatchMatch {2 * patch + 1}x{2 * patch + 1}"] = psnr(fill, images, masks).mean().item()
            row[f"mean of {2 * patch + 1}x{2 * patch + 1} and harmonic"] = psnr((fill + harmonic) / 2, images, masks).mean().item()
        print(kind, ", ".join(f"{k} {v:.2f}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    colour_correction()
    patch_sizes()
