"""The generator's fill: G run as training and every fill run it, on its prefilled input."""

from contextlib import contextmanager

import torch
import torch.nn as nn

from ..core.settings import RESIDUAL_PREFILLS
from ..networks.gan import Generator
from .classical import CLASSICAL


def generator_fill(g: Generator, fill_colour: torch.Tensor | None = None, prefill: str = "zero"):
    """A fill function (masked images, mask) -> images from ``g`` in eval mode (its batch norms'
    running statistics), whatever mode ``g`` is in: each call leaves its mode as it found it.

    ``fill_colour`` and ``prefill`` are the run's (see ``generator_output``).
    """
    def fill(masked, mask):
        device = next(g.parameters()).device
        with eval_mode(g):
            return generator_output(g, masked.to(device), mask.to(device), prefill=prefill,
                                    fill_colour=fill_colour).float()
    return fill


@contextmanager
def eval_mode(model: nn.Module):
    """``model`` in eval mode for the block, then back in the mode it was in."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def generator_output(g: Generator, masked: torch.Tensor, mask: torch.Tensor, *, prefill: str = "zero",
                     fill_colour: torch.Tensor | None = None) -> torch.Tensor:
    """G's images for ``masked`` images (hole = 0), as training and every fill run it.

    The seed's G sees the masked image and the mask. With ``fill_colour`` (PREFILL="mean") the hole
    holds that colour. With a classical ``prefill`` (RESIDUAL_PREFILLS) G sees the prefilled image
    and its output is a correction: prefill + 2 (G - 1/2), which a zero-initialised last layer
    makes exactly the prefill. The prefill runs in fp32 even under autocast.
    """
    mask = mask.expand(len(masked), 1, -1, -1)
    if prefill in RESIDUAL_PREFILLS:
        with torch.no_grad(), torch.autocast(masked.device.type, enabled=False):
            base = masked + mask * CLASSICAL[prefill].fill(masked.float(), mask.float()).to(masked.device)
        return base + 2 * (g(torch.cat((base, mask), dim=1)).float() - 0.5)
    if fill_colour is not None:
        masked = masked + mask * fill_colour.to(masked.device).view(1, 3, 1, 1)
    return g(torch.cat((masked, mask), dim=1))
