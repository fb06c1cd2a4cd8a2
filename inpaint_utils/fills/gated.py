"""The learned stage of exemplar removal: PatchMatch's fill (7x7 patches) and the harmonic fill,
mixed pixel by pixel by the fill gate (``networks/gate.py``), at the crop's own size.

Where a hole's crop is a few dozen pixels across, PatchMatch has few patches to copy from: there the
gate's mix scores a higher hole PSNR than PatchMatch (``benchmarks/fill_gate.py``; +0.62 dB on small
holes of the held-out photos at 100%), but it is smoother than the photo, and a person (and the crop
classifier) sees that. So the default ("auto", ``removal/remover.py``) gives it only whole images of at
most 64 px, where it beat PatchMatch and the harmonic fill on PSNR at a small cost in texture; it is
``--method patchmatch-gated``.
Correcting PatchMatch's colours toward the harmonic fill at a photo's resolution, the first gate's
use, only cost hole PSNR (docs/removal.md).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.paths import ROOT
from ..networks.checkpoints import load_shipped
from ..networks.gate import FillGate, gate_features, hole_depth
from .classical import harmonic_fill, one_image
from .exemplar import SMALL_EXEMPLAR

GATE_FILE = ROOT / "models" / "gate" / "fill_gate.pt"
GATE_FORMAT = "inpaint-fill-gate-2"  # 2: its exemplar candidate has 7x7 patches and it fills at the crop's size
WORK_SIZE = 64  # the side of its training crops


def gated_fill(gate: FillGate, masked: torch.Tensor, mask: torch.Tensor, exemplar: torch.Tensor,
               harmonic: torch.Tensor | None = None, depth: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(fill, w): the images with their holes filled by ``w * exemplar + (1 - w) * harmonic``, and
    the gate's weights. Tensors (N, C, H, W) in [0, 1]; ``harmonic`` and ``depth`` are computed when not given."""
    mask = mask.expand(len(masked), 1, -1, -1)
    if harmonic is None:
        harmonic = harmonic_fill(masked, mask)
    depth = hole_depth(mask) if depth is None else depth  # training passes it, computed once per crop
    w = gate(gate_features(masked, mask, exemplar, harmonic, depth)) * mask
    return masked * (1 - mask) + mask * (w * exemplar + (1 - w) * harmonic), w


@dataclass
class ShippedGate:
    gate: FillGate
    card: dict

    def fill(self, masked: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """A batch fill function (masked images, mask) -> images: PatchMatch with 7x7 patches and the
        harmonic fill at the images' own size, mixed by the gate."""
        with torch.no_grad():
            return gated_fill(self.gate, masked, mask, SMALL_EXEMPLAR.fill(masked, mask))[0]

    def fill_one(self, img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """The same on one crop, as removal calls it: uint8 (H, W, 3) and hole (H, W) -> float RGB 0-255."""
        return one_image(self.fill)(img, hole)


def load_gate(path: Path | None = None) -> ShippedGate:
    """The shipped fill gate (``models/gate/fill_gate.pt``, trained by ``python -m inpaint_utils.train_gate``)."""
    state = load_shipped(path or GATE_FILE, GATE_FORMAT, "fill gate", "train_gate")
    gate = FillGate(state["width"])
    gate.load_state_dict(state["gate"])
    return ShippedGate(gate.eval(), state.get("card", {}))
