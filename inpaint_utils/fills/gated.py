"""The learned stage of exemplar removal: PatchMatch's fill and the harmonic fill, chosen between
pixel by pixel by the fill gate (``networks/gate.py``), at the model's 64-pixel working size.

At a photo's resolution the gate's choice is a correction of the exemplar fill's coarse content:
``exemplar + upscale((1 - w) * (harmonic - exemplar))`` computed on the crop shrunk to 64 px, so
PatchMatch's texture finer than the working size stays as it was copied (what a person sees at
100%), and where the gate trusts the diffusion more, the colours and shading under that texture
move toward it. On a 64 px image this is exactly the gated fill.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.paths import ROOT
from ..networks.gate import FillGate, gate_features, hole_depth
from .classical import harmonic_fill

GATE_FILE = ROOT / "models" / "gate" / "fill_gate.pt"
GATE_FORMAT = "inpaint-fill-gate-1"
WORK_SIZE = 64


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
        """A batch fill function (masked images, mask) -> images: PatchMatch at the images' own size,
        then the gate; for the 64 px tables beside the classical fills."""
        from .exemplar import EXEMPLAR

        with torch.no_grad():
            return gated_fill(self.gate, masked, mask, EXEMPLAR["patchmatch"].fill(masked, mask))[0]

    def correct(self, crop: np.ndarray, hole: np.ndarray, exemplar: np.ndarray) -> np.ndarray:
        """``exemplar`` (H, W, 3 float 0-255, PatchMatch's fill of ``crop`` at ``hole``) with the
        gate's coarse correction: float RGB 0-255 (see the module's docstring)."""
        import cv2

        height, width = hole.shape

        def small(a):
            return cv2.resize(a, (WORK_SIZE, WORK_SIZE), interpolation=cv2.INTER_AREA) if a.shape[:2] != (WORK_SIZE,) * 2 else a

        def tensor(a):
            return torch.from_numpy(np.ascontiguousarray(small(a.astype(np.float32)))).permute(2, 0, 1)[None] / 255

        mask = torch.from_numpy((small(hole.astype(np.float32)) > 0).astype(np.float32))[None, None]
        image, guess = tensor(crop), tensor(exemplar)
        with torch.no_grad():
            filled, _ = gated_fill(self.gate, image * (1 - mask), mask, guess)
        change = ((filled - guess) * 255)[0].permute(1, 2, 0).numpy()
        if change.shape[:2] != (height, width):
            change = cv2.resize(change, (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(exemplar + change, 0, 255)


def load_gate(path: Path | None = None) -> ShippedGate:
    """The shipped fill gate (``models/gate/fill_gate.pt``, trained by ``python -m inpaint_utils.train_gate``)."""
    path = Path(path or GATE_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"no fill gate at {path}: it ships with the repository (models/gate/); "
                                "`python -m inpaint_utils.train_gate` trains it again")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path} is not a readable fill gate ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != GATE_FORMAT:
        raise ValueError(f"{path} is not a fill gate of this project (format {GATE_FORMAT})")
    gate = FillGate(state["width"])
    gate.load_state_dict(state["gate"])
    return ShippedGate(gate.eval(), state.get("card", {}))
