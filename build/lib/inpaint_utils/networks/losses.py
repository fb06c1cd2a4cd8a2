"""Losses: the seed's adversarial criteria, the reconstruction loss, and G's loss that weighs them.

Each is a callable on tensors; the training step (``step.make_step``) decides when to call
which. With the seed's weights (adversarial 1, reconstruction 0) G's loss is the seed's, bit for bit.
"""

from dataclasses import dataclass, replace

import torch
import torch.nn as nn

from ..core.settings import Params

# The seed trains one model per criterion; each is applied to D's sigmoid output vs labels 1/0.
PSNR_CAP = 100.0  # dB: a perfect reconstruction's PSNR (MSE 0), the metrics' cap and the PSNR loss's floor
CRITERIA = {"bce": nn.BCELoss, "l1": nn.L1Loss, "l2": nn.MSELoss, "huber": nn.HuberLoss}
CRITERION_LABELS = {"bce": "BCE", "l1": "L1", "l2": "L2", "huber": "Huber"}  # in tables: the seed's runs' names


def criterion_key(name: str) -> str | None:
    """The key in CRITERIA of a criterion class's ``name`` (as checkpoints record it); None if it is none of them."""
    return next((key for key, criterion in CRITERIA.items() if criterion.__name__ == name), None)


@dataclass(frozen=True)
class AdversarialLoss:
    """The seed's GAN losses under ``criterion``: D calls photos real (1) and composites fake (0);
    G wants its composites called real."""

    criterion: nn.Module

    def discriminator(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        real, fake = _scores(d_real), _scores(d_fake)
        return self.criterion(real, torch.ones_like(real)) + self.criterion(fake, torch.zeros_like(fake))

    def __call__(self, d_inpainted: torch.Tensor) -> torch.Tensor:
        """G's adversarial term, from D's outputs on the composites."""
        scores = _scores(d_inpainted)
        return self.criterion(scores, torch.ones_like(scores))


@dataclass(frozen=True)
class GeneratorLoss:
    """G's loss: ``adv_weight`` x the adversarial term plus ``rec_weight`` x the reconstruction loss."""

    rec_weight: float = 0.0
    adv_weight: float = 1.0
    rec_loss: str = "l1"
    known_weight: float = 0.0

    @classmethod
    def from_params(cls, params: Params) -> "GeneratorLoss":
        return cls(params.rec_weight, params.adv_weight, params.rec_loss, params.known_weight)

    def without_adversarial(self) -> "GeneratorLoss":
        """The reconstruction loss alone: GLCIC's first phase, in which G trains without D."""
        return replace(self, adv_weight=0.0)

    def __call__(self, generated: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor,
                 adversarial: torch.Tensor | None = None) -> torch.Tensor:
        """The loss of G's images ``generated`` for ``truth`` with holes ``mask``; ``adversarial``
        is the adversarial term (``AdversarialLoss``), needed where ``adv_weight`` is not 0."""
        terms = []
        if self.adv_weight:  # a weight of 1 is not multiplied in: the seed's loss to the bit
            terms.append(adversarial if self.adv_weight == 1 else self.adv_weight * adversarial)
        if self.rec_weight:
            terms.append(self.rec_weight * reconstruction_loss(generated, truth, mask, kind=self.rec_loss,
                                                               known_weight=self.known_weight))
        return sum(terms[1:], terms[0])


def reconstruction_loss(generated, truth, mask, *, kind: str = "l1", known_weight: float = 0.0):
    """Mean L1 or L2 error over each image's hole pixels (so small and large holes weigh the same),
    plus ``known_weight`` x the same over its known pixels; averaged over the batch.

    ``kind="psnr"`` is minus each image's hole PSNR (the log of its L2 error, as NAFNet's PSNR
    loss), averaged over the batch: the measure the card reports. A mean of errors is ruled by
    the textured crops' large ones, and a model that trims them by adding small errors to the
    many smooth crops, where a harmonic fill is nearly exact, lowers it while its PSNR falls."""
    error = (generated - truth).abs() if kind == "l1" else (generated - truth).square()
    hole = mask.expand_as(truth[:, :1])
    per_image = (error * hole).sum(dim=(1, 2, 3)) / (3 * hole.sum(dim=(1, 2, 3))).clamp(min=1)
    if known_weight:
        known = 1 - hole
        per_image = per_image + known_weight * (error * known).sum(dim=(1, 2, 3)) / \
            (3 * known.sum(dim=(1, 2, 3))).clamp(min=1)
    if kind == "psnr":  # in dB; the floor is PSNR_CAP, beyond which no image gains
        per_image = 10 * torch.log10(per_image.clamp(min=10 ** (-PSNR_CAP / 10)))
    return per_image.mean()


class HingeLoss:
    """SN-PatchGAN's losses (DeepFill v2), on a patch discriminator's logits: D pushes photos'
    patches above +1 and composites' below -1; G raises its composites' logits. With LaMa's
    feature matching: the L1 distance between D's activations on the composite and on the photo,
    which gives G a dense signal where the logits alone are sparse.

    Given the holes (``hole``, the mask at the image's size), a composite's patches that hold no
    hole pixel are photo, pixel for pixel, so D is asked to call them real, as LaMa does
    (``mask_as_fake_target``). Asked to call them fake too, D got opposite targets for the same
    input on most patches and learned nothing (its loss stayed at 2.0)."""

    @staticmethod
    def discriminator(d_real: torch.Tensor, d_fake: torch.Tensor, hole: torch.Tensor | None = None) -> torch.Tensor:
        fake = torch.relu(1 + d_fake.float())
        if hole is not None:
            patches = patch_holes(hole, d_fake.shape[-2:])
            fake = patches * fake + (1 - patches) * torch.relu(1 - d_fake.float())
        return torch.relu(1 - d_real.float()).mean() + fake.mean()

    @staticmethod
    def generator(d_fake: torch.Tensor) -> torch.Tensor:
        return -d_fake.float().mean()

    @staticmethod
    def feature_matching(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
        return sum((f.float() - r.detach().float()).abs().mean() for f, r in zip(fake, real)) / len(fake)


def diff_augment(images: torch.Tensor, mask: torch.Tensor, generator: torch.Generator | None = None):
    """DiffAugment (Zhao et al., NeurIPS 2020) for D's inputs: random brightness, saturation and
    contrast, and a translation of up to 1/8 of the side (zero-filled), the same shift for the
    image and its mask; differentiable, so G learns through it. It keeps a discriminator trained
    on a few photos from memorising them."""
    n, device = len(images), images.device

    def uniform(low, high, *shape):
        return low + (high - low) * torch.rand(n, *shape, generator=generator, device=device)

    x = images + uniform(-0.5, 0.5, 1, 1, 1)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * uniform(0, 2, 1, 1, 1) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * uniform(0.5, 1.5, 1, 1, 1) + mean
    size = images.shape[-1]
    shift = (uniform(-1, 1, 2) * (size // 8)).round().long()
    both = torch.cat((x, mask.expand(n, 1, *images.shape[-2:]).to(x.dtype)), dim=1)
    padded = nn.functional.pad(both, [size // 8] * 4)
    index = torch.arange(size, device=device)
    rows = (index[None, :] + size // 8 - shift[:, :1]).clamp(0, padded.shape[-2] - 1)
    cols = (index[None, :] + size // 8 - shift[:, 1:]).clamp(0, padded.shape[-1] - 1)
    batch = torch.arange(n, device=device)[:, None, None]
    moved = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    return moved[:, :3], moved[:, 3:]


def patch_holes(hole: torch.Tensor, size) -> torch.Tensor:
    """1 where a patch of a logit map of ``size`` holds any hole pixel of ``hole`` (N or 1, 1, H, W), else 0."""
    return nn.functional.adaptive_max_pool2d(hole.float(), size)


def _scores(out: torch.Tensor) -> torch.Tensor:
    """D's outputs as a float vector. A NaN (a diverged D) becomes 0 so that BCELoss's range check,
    a crash on CPU and a device-side assert on CUDA, does not fire; the step reports NaN losses
    instead. Finite outputs pass unchanged, gradients included."""
    return out.float().view(-1).nan_to_num(0.0)
