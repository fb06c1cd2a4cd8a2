"""How far above harmonic the classical fills reach with hindsight: per image, the best of them.

    python -m benchmarks.probes.fill_oracle        # under a minute

For the held-out photos and the held-out corpus crops, with the model card's masks (the centre hole
and ``ablation.evaluation_masks``' random ones), prints harmonic's mean hole PSNR and that of an
oracle which, knowing the truth, takes each image's best classical fill (``fills.BASELINES``). A
learned fill that beats harmonic by more than this oracle must predict content that none of these
fills has; a scale for the release model's targets.
"""


import pandas as pd

import inpaint_utils as iu
from inpaint_utils.fills.classical import BASELINES
from inpaint_utils.study.ablation import evaluation_masks


def main() -> None:
    rows = []
    for name, images in (("held-out photos", iu.heldout_images()), ("held-out corpus crops", iu.heldout_corpus_images())):
        for kind, mask in evaluation_masks(iu.resolve_params("sample"), len(images)).items():
            psnr = pd.DataFrame({m: iu.evaluate(fill, images, mask)["hole_psnr"].to_numpy().astype(float)
                                 for m, fill in BASELINES.items()})
            rows.append({"images": name, "masks": kind, "harmonic (dB)": psnr["Harmonic"].mean(),
                         "best per image (dB)": psnr.max(axis=1).mean(),
                         "oracle minus harmonic (dB)": psnr.max(axis=1).mean() - psnr["Harmonic"].mean(),
                         "images where harmonic is best": f"{(psnr.idxmax(axis=1) == 'Harmonic').mean():.0%}"})
    print(f"classical fills: {', '.join(BASELINES)}")
    print(pd.DataFrame(rows).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
