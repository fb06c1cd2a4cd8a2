"""The composite: a fill's pixels in the hole, the photo's everywhere else."""

import torch


def inpaint(fill, truth: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The composite the seed trained on: ``fill``'s output in the hole, ``truth`` elsewhere.

    ``fill(masked images, mask) -> images`` sees only the known pixels (the hole is zero).
    ``mask`` is (1, S, S) for every image or (N, 1, S, S), one per image.
    """
    masked = (1 - mask) * truth
    return fill(masked, mask).to(truth.device).clamp(0, 1) * mask + masked
