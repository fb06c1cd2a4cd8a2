"""The learned stage on 64 px images: the fill gate against its two candidates, on images the gate
never saw.

    python -m benchmarks.fill_gate        # about 2 minutes

For the held-out photos and the held-out corpus crops, with the model card's masks (the seed's centre
hole and ``ablation.evaluation_masks``' random ones), the mean hole PSNR of the harmonic fill, of
PatchMatch (at the image's own size, as removal runs it on a 64 px photo), of their plain mean and
of the gated fill (``fills/gated.py``), and the gated fill minus the better of the two candidates,
paired over images with a 95% bootstrap interval. Issue 37's target: that difference not below 0.
"""

import pandas as pd

import inpaint_utils as iu
from inpaint_utils.evaluation.stats import difference_cell, paired_bootstrap
from inpaint_utils.fills.classical import CLASSICAL
from inpaint_utils.fills.exemplar import EXEMPLAR
from inpaint_utils.fills.gated import load_gate
from inpaint_utils.study.ablation import evaluation_masks


def main() -> None:
    gate = load_gate()
    fills = {"harmonic": CLASSICAL["harmonic"].fill, "PatchMatch": EXEMPLAR["patchmatch"].fill,
             "mean of the two": lambda masked, mask: (CLASSICAL["harmonic"].fill(masked, mask)
                                                      + EXEMPLAR["patchmatch"].fill(masked, mask)) / 2,
             "gated": gate.fill}
    rows = []
    for name, images in (("held-out photos", iu.heldout_images()), ("held-out corpus crops", iu.heldout_corpus_images())):
        for kind, mask in evaluation_masks(iu.resolve_params("sample"), len(images)).items():
            psnr = pd.DataFrame({label: iu.evaluate(fill, images, mask)["hole_psnr"].to_numpy().astype(float)
                                 for label, fill in fills.items()})
            better = max(("harmonic", "PatchMatch"), key=lambda label: psnr[label].mean())
            gain = psnr["gated"] - psnr[better]
            rows.append({"images": name, "masks": kind, "n": len(images),
                         **{f"{label} (dB)": f"{psnr[label].mean():.2f}" for label in fills},
                         "gated minus the better candidate (dB)":
                             f"{better}: " + difference_cell(gain.mean(), paired_bootstrap(psnr["gated"], psnr[better]))})
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
