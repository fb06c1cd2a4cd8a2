"""Fills: functions ``(masked images, mask) -> images`` that fill holes, and the composite.

A fill sees only the known pixels (the hole is zero). The generator gives one; the classical
baselines (OpenCV and scikit-image) give the others, image by image.
"""

import numpy as np
import torch

from .data import to_uint8
from .models import Generator


def inpaint(fill, truth: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The composite the seed trained on: ``fill``'s output in the hole, ``truth`` elsewhere.

    ``fill(masked images, mask) -> images`` sees only the known pixels (the hole is zero).
    ``mask`` is (1, S, S) for every image or (N, 1, S, S), one per image.
    """
    masked = (1 - mask) * truth
    return fill(masked, mask).to(truth.device).clamp(0, 1) * mask + masked


def generator_fill(g: Generator, fill_colour: torch.Tensor | None = None):
    """A fill function (masked images, mask) -> images, from a generator in eval mode.

    ``fill_colour`` (3 values) is what the hole holds in G's input, for a model trained with
    PREFILL="mean"; by default the hole is 0, as in the seed.
    """
    def fill(masked, mask):
        g.eval()
        device = next(g.parameters()).device
        masked, mask = masked.to(device), mask.to(device)
        if fill_colour is not None:
            masked = masked + mask * fill_colour.to(device).view(1, 3, 1, 1)
        x = torch.cat((masked, mask.expand(len(masked), 1, -1, -1)), dim=1)
        return g(x).float()
    return fill


def _per_image_fill(fill_one):
    """Lift ``fill_one(uint8 HxWx3, uint8 hole mask HxW) -> HxWx3`` to a batch fill function."""
    def fill(masked, mask):
        holes = (mask.expand(len(masked), 1, -1, -1)[:, 0].cpu().numpy() > 0).astype(np.uint8)
        images = to_uint8(masked).permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([np.asarray(fill_one(img, hole), dtype=np.float32) for img, hole in zip(images, holes)])
        return torch.from_numpy(out / 255).permute(0, 3, 1, 2).to(masked.device)
    return fill


def _telea(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_TELEA)


def _navier_stokes(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_NS)


def _biharmonic(img, hole):
    from skimage.restoration import inpaint_biharmonic
    return inpaint_biharmonic(img, hole.astype(bool), channel_axis=-1) * 255


def _mean_fill(img, hole):
    out = img.astype(np.float32)
    out[hole > 0] = out[hole == 0].mean(axis=0)
    return out


BASELINES = {  # label -> batch fill function; every one sees only the known pixels
    "Telea": _per_image_fill(_telea),  # OpenCV fast marching, radius 3
    "Navier-Stokes": _per_image_fill(_navier_stokes),  # OpenCV, radius 3
    "Biharmonic": _per_image_fill(_biharmonic),  # scikit-image
    "Mean colour": _per_image_fill(_mean_fill),  # mean colour of the image's known pixels
}
