"""The learned stage of exemplar removal: PatchMatch's fill (7x7 patches) and the harmonic fill,
mixed pixel by pixel by the fill gate (``networks/gate.py``), at the crop's own size.

Where a hole's crop is a few dozen pixels across, PatchMatch has few patches to copy from and the
harmonic fill has no texture to lose; the gate's mix of the two beats each of them there
(``benchmarks/fill_gate.py``). On a photo's larger crops PatchMatch's own texture is what a person
sees at 100%, and mixing in the smooth fill (or correcting PatchMatch's colours toward it) cost hole
PSNR on the training photos and the held-out ones alike (docs/removal.md). So the default removal
method, ``auto_fill``, gives a crop to the gate up to a side of ``small_crop`` pixels and to PatchMatch
above (``removal/remover.py`` has the side and the rule that chose it).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.paths import ROOT
from ..networks.gate import FillGate, gate_features, hole_depth
from .classical import Classical, harmonic_fill
from .exemplar import EXEMPLAR, SMALL_EXEMPLAR

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
        masked = torch.from_numpy(np.ascontiguousarray(img[..., :3])).permute(2, 0, 1)[None].float() / 255
        mask = torch.from_numpy(np.asarray(hole) > 0).float()[None, None]
        return self.fill(masked * (1 - mask), mask)[0].permute(1, 2, 0).numpy() * 255


def auto_fill(gate: ShippedGate, small_crop: int) -> Classical:
    """The default removal fill: the gated fill on a crop whose longer side is at most ``small_crop``
    pixels, PatchMatch (11x11 patches) on a larger one."""
    patchmatch = EXEMPLAR["patchmatch"]

    def small(shape) -> bool:
        return max(shape[-2:] if len(shape) == 4 else shape[:2]) <= small_crop

    def fill(masked, mask):
        return (gate.fill if small(masked.shape) else patchmatch.fill)(masked, mask)

    def per_image(img, hole):
        return (gate.fill_one if small(img.shape) else patchmatch.per_image)(img, hole)

    return Classical(f"PatchMatch, gated up to {small_crop} px", fill, per_image)


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
