"""The shipped model, loaded for inference: ``models/release/inpainter.pt`` and its card, checked
by sha256. This module imports no training, evaluation or pandas code, so that removing an object
loads only what filling needs (the recipe that trains and exports it: ``study/release_recipe.py``)."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from ..core.paths import ROOT
from ..core.settings import Params
from ..networks.checkpoints import load_shipped
from ..networks.gan import Generator, make_generator
from .learned import generator_fill

RELEASE_DIR = ROOT / "models" / "release"
MODEL_FILE, CARD_JSON, CARD_MD = "inpainter.pt", "model_card.json", "MODEL_CARD.md"
RELEASE_FORMAT = "inpaint-release-1"


@dataclass
class ReleaseModel:
    """The shipped generator (float32, eval mode) and what its card records."""

    g: Generator
    prefill: str
    fill_colour: torch.Tensor | None
    card: dict
    path: Path

    @property
    def name(self) -> str:
        steps = self.card.get("training", {}).get("steps")
        return f"release model, {steps} steps" if steps else f"release model {self.path.name}"

    @property
    def params(self) -> Params:
        """The parameters it was trained with, from its card."""
        return Params(**{k.lower(): v for k, v in self.card["parameters"].items()})

    def fill(self):
        return generator_fill(self.g, self.fill_colour, self.prefill)


def is_release_file(path) -> bool:
    """Whether ``path`` holds a release model (rather than a training checkpoint)."""
    try:
        # mmap: only the small format entry is read, not a training checkpoint's every tensor
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True).get("format") == RELEASE_FORMAT
    except Exception:
        return False


def load_release(path: Path | None = None, device="cpu", check: bool = True) -> ReleaseModel:
    """The shipped model; ``check`` verifies its sha256 against the card beside it."""
    path = Path(path or RELEASE_DIR / MODEL_FILE)
    card_path = path.parent / CARD_JSON
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    if check and path.is_file() and card.get("sha256") != sha256(path):
        raise ValueError(f"{path} does not match the sha256 in {card_path}: the file was changed or truncated")
    state = load_shipped(path, RELEASE_FORMAT, "release model", "train_release")
    g = make_generator(state.get("g_arch", "seed"))
    g.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["generator"].items()})
    return ReleaseModel(g.to(device).eval(), state["prefill"], state["fill_colour"], card, path)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
