"""The learned stage against its candidates, on images the gate never saw, and by crop size.

    python -m benchmarks.fill_gate        # about 5 minutes on two cores

1. **64 px images**: the held-out photos and the held-out corpus crops, with the model card's masks
   (the seed's centre hole and ``ablation.evaluation_masks``' random ones): the mean hole PSNR of
   the harmonic fill, of PatchMatch as ``--method patchmatch`` runs it (11x11 patches) and with the
   gate's 7x7 patches, of the plain mean of harmonic and the latter, and of the gated fill; the gated
   fill minus the better of harmonic and PatchMatch, paired over images with a 95% bootstrap interval.
2. **Crops of every size**: object-sized holes in the corpus photos, each hole's crop (as removal
   makes it) scaled to a side of SIDES pixels: PatchMatch, harmonic and gated, and the gated fill
   minus PatchMatch. On the *training* photos it set the crop side up to which Round 3's candidate
   default gave holes to the gate (the rule in ``removal/remover.py``); on the held-out photos it is the report.
"""

import cv2
import numpy as np
import pandas as pd

import inpaint_utils as iu
from inpaint_utils.data.masks import photo_holes
from inpaint_utils.data.photo_corpus import corpus_photos
from inpaint_utils.data.photos import read_image
from inpaint_utils.evaluation.metrics import hole_psnr
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.fills.classical import CLASSICAL, one_image
from inpaint_utils.fills.exemplar import EXEMPLAR, SMALL_EXEMPLAR
from inpaint_utils.fills.gated import load_gate
from inpaint_utils.removal.remover import crop_bounds, dilate_mask
from inpaint_utils.study.ablation import evaluation_masks

SIDES = (64, 96, 128, 192, 256, 384)
HOLES = {"train": 3, "heldout": 8}  # holes per photo: 51 and 48
SHARE = (0.01, 0.03)  # of the photo: holes of 170-300 px in 3 MP, crops large enough to scale down to every side
RULE_MARGIN = 0.3  # dB, the rule's


def at_64_px(gate) -> pd.DataFrame:
    harmonic, patchmatch, small = CLASSICAL["harmonic"].fill, EXEMPLAR["patchmatch"].fill, SMALL_EXEMPLAR.fill
    fills = {"harmonic": harmonic, "PatchMatch": patchmatch, "PatchMatch 7x7": small,
             "mean of harmonic and 7x7": lambda masked, mask: (harmonic(masked, mask) + small(masked, mask)) / 2,
             "gated": gate.fill}
    rows = []
    for name, images in (("held-out photos", iu.heldout_images()), ("held-out corpus crops", iu.heldout_corpus_images())):
        for kind, mask in evaluation_masks(iu.resolve_params("sample"), len(images)).items():
            psnr = pd.DataFrame({label: iu.evaluate(fill, images, mask)["hole_psnr"].to_numpy().astype(float)
                                 for label, fill in fills.items()})
            better = max(("harmonic", "PatchMatch"), key=lambda label: psnr[label].mean())
            gated = psnr["gated"]
            rows.append({"images": name, "masks": kind, "n": len(images),
                         **{f"{label} (dB)": f"{psnr[label].mean():.2f}" for label in fills},
                         "gated minus the better of harmonic and PatchMatch (dB)":
                             f"{better}: " + difference_cell((gated - psnr[better]).mean(),
                                                             paired_bootstrap(gated, psnr[better]))})
    return pd.DataFrame(rows)


def by_crop_side(gate, split: str, seed: int = 0) -> pd.DataFrame:
    """Hole PSNR of PatchMatch, harmonic and the gated fill on each hole's crop scaled to every side."""
    fills = {"PatchMatch": EXEMPLAR["patchmatch"].per_image, "harmonic": one_image(CLASSICAL["harmonic"].fill),
             "gated": gate.fill_one}
    scores = {side: {label: [] for label in fills} for side in SIDES}
    for index, path in enumerate(corpus_photos(split)):
        photo, rng = read_image(path)[..., :3], np.random.default_rng([seed, index])
        for hole in photo_holes(photo.shape[:2], HOLES[split], rng, SHARE):
            hole = dilate_mask(hole, 5)
            ys, xs = np.nonzero(hole)
            top, bottom, left, right = crop_bounds(ys.min(), ys.max() + 1, xs.min(), xs.max() + 1, margin=1.0, shape=hole.shape)
            crop, part = photo[top:bottom, left:right], hole[top:bottom, left:right]
            for side in SIDES:
                if side > max(crop.shape[:2]):
                    continue
                scale = side / max(crop.shape[:2])
                size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
                truth = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
                small = cv2.resize(part.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
                masked = truth * ~small[..., None]
                for label, fill in fills.items():
                    out = np.clip(np.asarray(fill(masked, small.astype(np.uint8)), np.float32), 0, 255).round()
                    scores[side][label].append(hole_psnr(np.where(small[..., None], out, truth), truth, small))
    rows = []
    for side, s in scores.items():
        a, b = np.array(s["gated"]), np.array(s["PatchMatch"])
        rows.append({"crop side (px)": side, "holes": len(a),
                     **{f"{label} (dB)": round(float(np.mean(v)), 2) for label, v in s.items()},
                     "gated minus PatchMatch (dB)": difference_cell((a - b).mean(), paired_bootstrap(a, b)),
                     "difference": (a - b).mean()})
    return pd.DataFrame(rows)


def rule(table: pd.DataFrame) -> int:
    """The largest side up to which, at every side measured, gated beats PatchMatch by more than RULE_MARGIN dB."""
    chosen = 0
    for side, difference in zip(table["crop side (px)"], table["difference"]):
        if difference <= RULE_MARGIN:
            break
        chosen = side
    return chosen


def main() -> None:
    gate = load_gate()
    print(at_64_px(gate).to_markdown(index=False), "\n", flush=True)
    for split in ("train", "heldout"):
        table = by_crop_side(gate, split)
        print(f"{split} photos:\n" + table.drop(columns="difference").to_markdown(index=False), flush=True)
        if split == "train":
            print(f"\nRound 3's rule gives {rule(table)} px\n", flush=True)


if __name__ == "__main__":
    main()
