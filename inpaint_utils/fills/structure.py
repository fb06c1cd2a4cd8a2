"""The learned structure stage: the edge generator draws the hole's edges at reduced resolution, and
PatchMatch fills each region between them from its own side, so an edge that crosses the hole goes on
through it instead of stopping in a smear (EdgeConnect's idea, with exemplar synthesis in place of
its second network, which a CPU budget could not train to photo quality).

``edge_guided_fill(image, hole, edges)``: the hole minus the drawn edges falls into regions; each
region is filled by PatchMatch copying only from the known pixels it reaches without crossing an edge
(the photo's own Canny edges outside the hole, the drawn ones inside) within a band around the hole,
largest region first; the edge pixels last, from everything around them. A region that reaches too
few known pixels copies from the whole band. ``StructureStage.fill`` is the removal's per-image fill.
"""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..core.paths import ROOT
from ..data.edges import canny_edges
from .exemplar import PATCHMATCH_PATCH
from .guided import patchmatch, sampling_band

EDGE_FILE = ROOT / "models" / "edges" / "edge_generator.pt"
EDGE_FORMAT = "inpaint-edges-1"
THRESHOLD = 0.5  # an edge where the generator's probability is above this
MIN_SOURCE = 4 * (2 * PATCHMATCH_PATCH + 1) ** 2  # known pixels a region needs to copy from: four patches


@dataclass
class StructureStage:
    """The shipped edge generator (``models/edges/``), loaded for inference, with its card."""

    g: object  # networks.edges.EdgeGenerator
    size: int
    card: dict

    def edges(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """bool (H, W): the edges the generator draws in ``hole`` of ``image`` (uint8 HxWx3), drawn at
        ``size`` px and scaled back to the image's size; False outside the hole."""
        height, width = hole.shape
        drawn = cv2.resize(self.probability(image, hole), (width, height), interpolation=cv2.INTER_LINEAR) > THRESHOLD
        return drawn & hole

    def probability(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """float (size, size): the generator's edge probability over ``image`` shrunk to its square
        input (inside the hole; outside, its input's own Canny edges show through)."""
        import torch

        from ..networks.edges import edge_inputs

        grey, mask = self.inputs(image, hole)
        as_tensor = lambda a: torch.from_numpy(np.asarray(a, np.float32))[None, None]  # noqa: E731
        with torch.no_grad():
            logits = self.g(edge_inputs(as_tensor(grey / 255), as_tensor(canny_edges(grey)), as_tensor(mask)))
        return torch.sigmoid(logits)[0, 0].numpy()

    def inputs(self, image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``image`` (uint8 HxWx3) as the generator sees it, grey at ``size`` x ``size``, and the hole there."""
        small = cv2.resize(np.ascontiguousarray(image), (self.size, self.size), interpolation=cv2.INTER_AREA)
        mask = cv2.resize(hole.astype(np.float32), (self.size, self.size), interpolation=cv2.INTER_AREA) > 0
        return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), mask

    def fill(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """The removal's per-image fill: float HxWx3 0-255."""
        hole = hole.astype(bool)
        return edge_guided_fill(image, hole, self.edges(image, hole))


def edge_guided_fill(image: np.ndarray, hole: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``hole`` filled region by region between ``edges`` (bool, inside the hole), each region from the
    known pixels on its side of every edge; float HxWx3 0-255 (see the module's docstring)."""
    hole = hole.astype(bool)
    edges = edges & hole
    if not edges.any():
        return patchmatch(image, hole, sampling_band(hole)).astype(np.float32)
    band = sampling_band(hole)
    walls = cv2.dilate((canny_edges(image) & band).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) | edges
    count, labels = cv2.connectedComponents(((band | hole) & ~walls).astype(np.uint8), connectivity=4)
    regions = hole & ~edges
    out = image.copy()
    parts = [labels == k for k in range(1, count) if (regions & (labels == k)).any()]
    for part in sorted(parts, key=lambda p: -(p & regions).sum()):
        inside, own = part & regions, part & band
        if own.sum() < MIN_SOURCE:
            own = band
        out = patchmatch(out, inside, own | inside)
    rest = hole & ~np.logical_or.reduce(parts + [np.zeros_like(hole)]) | edges
    if rest.any():  # the edges themselves, and any hole pixel no region held: from all around them
        out = patchmatch(out, rest, band | (hole & ~rest))
    return out.astype(np.float32)


def load_structure(path: Path | None = None) -> StructureStage:
    """The shipped edge generator (``models/edges/edge_generator.pt``, trained by
    ``python -m inpaint_utils.train_edges``), in float32 for the CPU."""
    from ..networks.checkpoints import load_shipped
    from ..networks.edges import EdgeGenerator

    state = load_shipped(path or EDGE_FILE, EDGE_FORMAT, "edge generator", "train_edges")
    g = EdgeGenerator()
    g.load_state_dict({k: v.float() for k, v in state["g"].items()})
    return StructureStage(g.eval(), state["size"], state.get("card", {}))
