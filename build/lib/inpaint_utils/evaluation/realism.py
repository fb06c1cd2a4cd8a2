"""Realism measures that need no downloaded weights, with the interface of ``metrics.Metric``.

Pixel metrics reward the conditional mean, which is blurry: by them a mean-colour fill beats a
sharp, plausible one. These two measures ask instead whether a fill looks like a photo: is its
hole as sharp as the photo's (``Sharpness``), and can a classifier tell it from the photo
(``C2ST``)? Beside the pixel metrics they show the perception-distortion trade-off (Blau &
Michaeli, CVPR 2018): the fill with the best PSNR and the most realistic fill are rarely the same.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.masks import check_mask
from ..networks.gan import hole_crops
from .metrics import Metric


def gradient_magnitude(images: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 1, H, W): at each pixel, sqrt of half the sum of the squared differences
    to its four neighbours (0 across the border), averaged over channels.

    A linear ramp of slope s gives s; the one-pixel checkerboard of transposed convolutions,
    which central differences miss, gives its full contrast. Every hole pixel's value includes
    its differences to the known pixels around the hole, so a visible seam counts too.
    """
    p = F.pad(images, (1, 1, 1, 1), mode="replicate")
    c = p[..., 1:-1, 1:-1]
    squares = ((p[..., 1:-1, 2:] - c).square() + (c - p[..., 1:-1, :-2]).square()
               + (p[..., 2:, 1:-1] - c).square() + (c - p[..., :-2, 1:-1]).square())
    return (squares / 2).sqrt().mean(dim=1, keepdim=True)


class Sharpness(Metric):
    """The holes' mean gradient magnitude in the composites over the same in the true images:
    1.0 is as sharp as the photos, a diffusion or mean-colour fill is far below 1, noise far above.

    Aggregated as a ratio of means, sum over every hole pixel of every image of the composite's
    gradient magnitude over the same sum for the truth, so each hole pixel weighs the same. A
    mean of per-image ratios (even a geometric one) would let a hole in a flat patch of sky,
    whose true gradient is near 0, swing the result by orders of magnitude.
    """

    columns = {"sharpness": "sharpness"}

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.filled = self.true = 0.0
        self.images = []

    def update(self, inpainted, truth, mask) -> None:
        hole = check_mask(mask, truth.shape[-1]).to(truth.device).expand(len(truth), 1, -1, -1)
        filled, true = (gradient_magnitude(x) * hole for x in (inpainted.detach(), truth))
        self.filled += filled.sum().item()
        self.true += true.sum().item()
        self.images.append(torch.stack((filled.sum(dim=(1, 2, 3)), true.sum(dim=(1, 2, 3))), dim=1).cpu())

    def compute(self) -> dict:
        return {"sharpness": self.filled / self.true if self.true > 0 else math.nan}

    def per_image(self) -> dict:
        """Each image's two sums, whose ratio of totals is the sharpness: what a bootstrap resamples."""
        sums = torch.cat(self.images) if self.images else torch.zeros(0, 2)
        return {"sharpness_hole": sums[:, 0], "sharpness_truth": sums[:, 1]}


def c2st_network() -> nn.Module:
    """The two-sample test's classifier: RGB + mask in, a realness score (a logit) out; 1,481
    parameters. Two strided 3x3 convolutions see every pixel's neighbourhood, so they can measure
    texture and seams where the mask says the hole is; global average pooling makes those statistics
    of the whole crop."""
    return nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 1))


def _dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """The k-th of the 8 flips and transpositions of a square crop (k in 0..7)."""
    x = x.flip(-1) if k & 1 else x
    x = x.flip(-2) if k & 2 else x
    return x.transpose(-1, -2) if k & 4 else x


class C2ST(Metric):
    """A classifier two-sample test (Lopez-Paz & Oquab, ICLR 2017): can a small CNN, trained from
    scratch, tell the fills from the photos? 50% = it cannot; 100% = every fill gives itself away.

    Samples: for each image, a pair of ``crop`` x ``crop`` crops centred on its hole
    (``models.hole_crops``), one of the truth and one of the composite, both rounded to 8 bits as a
    saved image would be, with the hole mask as a fourth channel (the same in both). The classifier
    (``c2st_network``) scores each crop; it is right on a pair when it scores the photo's crop
    higher, a two-alternative forced choice as in "which one is real?" studies. If the fills were
    distributed like the photos, the two crops of a pair would be exchangeable and the expected
    accuracy 50%. Pairs share the image's context, so they cancel how photo-like that context
    looks: far fewer images give the same power than crops judged one at a time.

    For each seed: the images are split into seeded halves, both crops of an image in the same half;
    a classifier trained on one half scores the other, and one trained on the other half scores the
    first (two-fold cross-fitting, so every pair is scored once, by a classifier that never saw it).
    Training: ``steps`` Adam steps (lr ``lr``) of the pairs' logistic loss, -log sigmoid(score(photo)
    - score(fill)), each on ``batch_pairs`` random pairs in one of the 8 flips and transpositions,
    drawn at random (scores on held-out pairs average all 8). It runs on one CPU thread, seeded: a fixed
    budget, a fraction of a second per seed whatever the number of images, and the same numbers on
    every run on one machine. ``compute()`` gives the mean accuracy over ``seeds`` and its standard
    deviation over them; on a few dozen images that spread is several points.
    """

    columns = {"c2st_acc": "C2ST acc", "c2st_std": "C2ST ±"}

    def __init__(self, *, seeds=(0, 1, 2), steps: int = 30, batch_pairs: int = 16, lr: float = 2e-2, crop: int = 32):
        self.seeds, self.steps, self.batch_pairs, self.lr, self.crop = seeds, steps, batch_pairs, lr, crop
        self.reset()

    def reset(self) -> None:
        self.real, self.filled, self.right = [], [], None

    def update(self, inpainted, truth, mask) -> None:
        mask = check_mask(mask, truth.shape[-1]).to(truth.device).expand(len(truth), 1, -1, -1)
        mask_crops = hole_crops(mask, mask, self.crop)

        def crops(images):
            eight_bit = (images.detach().clamp(0, 1) * 255).round() / 255
            return torch.cat((hole_crops(eight_bit * 2 - 1, mask, self.crop), mask_crops), dim=1).cpu()

        self.real.append(crops(truth))
        self.filled.append(crops(inpainted))

    def compute(self) -> dict:
        real, filled = torch.cat(self.real), torch.cat(self.filled)
        if len(real) < 4:
            return {"c2st_acc": math.nan, "c2st_std": math.nan}
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            right = torch.stack([self.right_pairs(real, filled, seed) for seed in self.seeds])
        finally:
            torch.set_num_threads(threads)
        self.right = right.mean(dim=0)
        scores = right.mean(dim=1)
        return {"c2st_acc": scores.mean().item(), "c2st_std": scores.std().item() if len(scores) > 1 else 0.0}

    def per_image(self) -> dict:
        """After ``compute()``: per image, the share of seeds whose classifier picked its photo crop
        (their mean is ``c2st_acc``). A bootstrap over these holds the classifiers fixed: it gives
        the spread due to the test images, the seeds' spread is ``c2st_std``."""
        return {"c2st_right": self.right if self.right is not None else torch.zeros(0)}

    def right_pairs(self, real: torch.Tensor, filled: torch.Tensor, seed: int) -> torch.Tensor:
        """One seed's test, image by image: 1 where the photo crop scores higher, 0.5 on a tie."""
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(real), generator=generator)
        halves = order[:len(order) // 2], order[len(order) // 2:]
        right = torch.zeros(len(real))
        for fold, (train, held_out) in enumerate((halves, halves[::-1])):
            classifier = self._train(real[train], filled[train], generator, seed=seed, fold=fold)
            with torch.no_grad():
                real_score, filled_score = (torch.stack([classifier(_dihedral(x[held_out], k)).view(-1)
                                                         for k in range(8)]).mean(dim=0) for x in (real, filled))
            right[held_out] = (real_score > filled_score).float() + 0.5 * (real_score == filled_score).float()
        return right

    def _train(self, real, filled, generator, *, seed, fold) -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(2 * seed + fold)
            classifier = c2st_network()
        optimiser = torch.optim.Adam(classifier.parameters(), lr=self.lr, foreach=True)
        n = self.batch_pairs
        for _ in range(self.steps):
            pick = torch.randint(len(real), (n,), generator=generator)
            k = int(torch.randint(8, (1,), generator=generator))
            score = classifier(_dihedral(torch.cat((real[pick], filled[pick])), k)).view(-1)
            loss = F.softplus(score[n:] - score[:n]).mean()  # -log sigmoid(score(photo) - score(fill))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        return classifier.eval()


def realism_metric_set(seed: int = 42) -> list[Metric]:
    """Sharpness and the C2ST, its seeds drawn from ``seed`` (SEED): the columns every table shows."""
    return [Sharpness(), C2ST(seeds=(seed, seed + 1, seed + 2))]


REALISM_COLUMNS = {**Sharpness.columns, **C2ST.columns}
