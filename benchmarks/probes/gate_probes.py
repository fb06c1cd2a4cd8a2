"""Probes on the corpus's *training* photos that steer the fill gate (docs/removal.md, Rounds 3 and 5);
the held-out photos stay unseen.

    python -m benchmarks.probes.gate_probes [--probes 1 2 3]    # 5 minutes for 1 and 2, 5 for 3, on two cores

1. **A colour correction of PatchMatch at a photo's resolution** (Round 2's use of the gate): on two
   object-sized holes in each of 12 training photos, PatchMatch's full-size fill moved toward the
   harmonic fill of the crop shrunk to 64 px by a constant share (what a gate that learned one
   weight would do), hole PSNR against PatchMatch alone.
2. **PatchMatch's patch size on 64 px crops**: 256 crops of the training photos with the centre hole
   and with LaMa's masks; harmonic, PatchMatch with 5x5, 7x7 and 11x11 patches, and each one's plain
   mean with harmonic.
3. **PatchMatch's fine detail on the gated fill** (after Round 4's crops, where the gated fill is a soft
   blot on texture): on 3 squares of each training photo at 64 and 128 px (``benchmarks/small_images.py``),
   the gated fill plus ``(1 - w)`` times PatchMatch's detail (its fill less a Gaussian blur, sigma 1
   and 2 px), where ``w`` is the gate's weight on PatchMatch: hole PSNR and patch distance against
   the gated fill, paired 95% intervals, with harmonic, PatchMatch and the photo's own patch distance.
"""

import argparse
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
from inpaint_utils.evaluation.patch_stats import patch_distance, surroundings
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
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
            side = 2 * patch + 1
            row[f"PatchMatch {side}x{side}"] = psnr(fill, images, masks).mean().item()
            row[f"mean of {side}x{side} and harmonic"] = psnr((fill + harmonic) / 2, images, masks).mean().item()
        print(kind, ", ".join(f"{k} {v:.2f}" for k, v in row.items()), flush=True)


def with_detail(gate, sigma: float):
    """The gated fill with PatchMatch's fine detail kept where the gate takes the harmonic fill."""
    from torchvision.transforms.v2.functional import gaussian_blur

    from inpaint_utils.fills.classical import one_image
    from inpaint_utils.fills.gated import gated_fill
    from inpaint_utils.removal.remover import Remover

    def fill(masked, mask):
        with torch.no_grad():
            candidate = exemplar.SMALL_EXEMPLAR.fill(masked, mask)
            out, w = gated_fill(gate.gate, masked, mask, candidate)
            size = 2 * round(3 * sigma) + 1
            detail = candidate - gaussian_blur(candidate, [size, size], [sigma, sigma])
            return (out + mask * (1 - w) * detail).clamp(0, 1)
    return Remover(f"gated + detail, sigma {sigma:g}", fill, None, one_image(fill), blend="paste", detail="none")


def detail_on_the_gate() -> None:
    from benchmarks import small_images
    from inpaint_utils.fills.gated import load_gate

    gate = load_gate()
    removers = {m: make_remover(m) for m in ("harmonic", "patchmatch", "patchmatch-gated")}
    removers |= {r.name: r for r in (with_detail(gate, 1.0), with_detail(gate, 2.0))}
    photos = corpus_photos("train")
    for side in (64, 128):
        images = small_images.squares(photos, side)[::2]  # 3 of the 6 squares of each photo
        for kind, holes in small_images.masks(side, len(images)).items():
            psnrs, patches = {m: [] for m in removers}, {m: [] for m in removers}
            own = []
            for image, hole in zip(images, holes):
                context = surroundings(hole)
                own.append(patch_distance(image, hole, context) * 100)
                for label, remover in removers.items():
                    out = remove_object(image, hole, remover, dilate=0)
                    psnrs[label].append(hole_psnr(out, image, hole))
                    patches[label].append(patch_distance(out, hole, context) * 100)
            print(f"{side} px, {kind}, {len(images)} images; the photo's patch distance x100: {np.mean(own):.2f}")
            g, gp = np.array(psnrs["patchmatch-gated"]), np.array(patches["patchmatch-gated"])
            for label in removers:
                a, p = np.array(psnrs[label]), np.array(patches[label])
                print(f"  {label}: {a.mean():.2f} dB, {difference_cell((a - g).mean(), paired_bootstrap(a, g))} against "
                      f"the gated; patch distance {p.mean():.2f}, {difference_cell((p - gp).mean(), paired_bootstrap(p, gp))}",
                      flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, nargs="+", choices=(1, 2, 3), default=(1, 2, 3))
    for probe in parser.parse_args().probes:
        (colour_correction, patch_sizes, detail_on_the_gate)[probe - 1]()
