"""Training the fill gate (``networks/gate.py``) on crops of the photo corpus's training photos.

The data is made once and cached (``gate_data.pt`` in the run's checkpoint folder, in chunks, so an
interrupted build resumes): 64 px crops at every scale from texture to scene (``data.crops.PhotoCrops``),
a quarter with the seed's centre hole and the rest with LaMa-style boxes, strokes and blobs, and
PatchMatch's fill of each with 7x7 patches (``fills.exemplar.SMALL_EXEMPLAR``). The gate is then trained to the
mean squared error in the hole, each epoch checkpointed (``gate.pt``): run the command again to resume.
"""

import time
from pathlib import Path

import numpy as np
import torch

from ..core.paths import atomic_save
from ..data.crops import PhotoCrops
from ..data.masks import mask_batch
from ..data.photo_corpus import corpus_photos
from ..data.photos import read_image
from ..fills.classical import harmonic_fill
from ..fills.exemplar import SMALL_EXEMPLAR
from ..fills.gated import GATE_FORMAT, WORK_SIZE, gated_fill
from ..networks.gate import FillGate, hole_depth

CROPS = 12_000
CHUNK = 1_000
CENTRE_SHARE = 0.25
EPOCHS = 3
BATCH = 32
LEARNING_RATE = 1e-3
VALIDATION = 1_000  # the last crops: a check on photos' crops the gate does not fit on
FOLDER = "gate-2"  # under checkpoints/: a gate of a new format never resumes from an older one's data or weights


def gate_data(folder: Path, crops: int | None = None, seed: int = 0) -> dict[str, torch.Tensor]:
    """The cached training set, CROPS unless told: uint8 images and exemplar fills (N, 3, 64, 64),
    bool masks (N, 1, 64, 64)."""
    crops = crops or CROPS
    path = folder / "gate_data.pt"
    data = torch.load(path, weights_only=True) if path.is_file() else {"images": [], "masks": [], "exemplar": []}
    photos = None
    while sum(len(c) for c in data["images"]) < crops:
        chunk = len(data["images"])
        if photos is None:
            photos = PhotoCrops([torch.from_numpy(np.ascontiguousarray(read_image(p)[..., :3])).permute(2, 0, 1)
                                 for p in corpus_photos("train")], WORK_SIZE, 0.0, torch.Generator())
        photos.generator.manual_seed(seed * 1_000 + chunk)  # each chunk its own draws: a resumed build equals a whole one
        images = photos(CHUNK)
        g = torch.Generator().manual_seed(seed * 1_000 + chunk)
        centre = torch.rand(CHUNK, generator=g) < CENTRE_SHARE
        masks = torch.where(centre[:, None, None, None], mask_batch("center", CHUNK),
                            mask_batch("lama", CHUNK, generator=g))
        exemplar = SMALL_EXEMPLAR.fill(images * (1 - masks), masks)
        data["images"].append((images * 255).round().to(torch.uint8))
        data["masks"].append(masks.bool())
        data["exemplar"].append((exemplar * 255).round().to(torch.uint8))
        atomic_save(data, path)
        print(f"gate data: {sum(len(c) for c in data['images'])}/{crops} crops", flush=True)
    return {key: torch.cat(chunks)[:crops] for key, chunks in data.items()}


def psnr(fill: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mse = ((fill - truth).square() * mask).sum(dim=(1, 2, 3)) / (3 * mask.sum(dim=(1, 2, 3)))
    return 10 * torch.log10(1 / mse.clamp(min=1e-10))


def train_gate(folder: Path, epochs: int = EPOCHS, seed: int = 0) -> dict:
    """Train (or resume) the gate; returns what its card records."""
    data = gate_data(folder, seed=seed)
    images, masks = data["images"].float() / 255, data["masks"].float()
    exemplar = data["exemplar"].float() / 255
    harmonic = harmonic_fill(images * (1 - masks), masks)
    depth = hole_depth(masks)  # the gate's inputs that never change: once, not every epoch
    split = len(images) - VALIDATION
    torch.manual_seed(seed)
    gate = FillGate()
    optimiser = torch.optim.Adam(gate.parameters(), LEARNING_RATE)
    checkpoint, history, done = folder / "gate.pt", [], 0
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=True)
        gate.load_state_dict(state["gate"])
        optimiser.load_state_dict(state["optimiser"])
        history, done = state["history"], state["epoch"]
    order = torch.Generator()
    for epoch in range(done, epochs):
        start, losses = time.perf_counter(), []
        order.manual_seed(seed * 1_000 + epoch)
        for batch in torch.randperm(split, generator=order).split(BATCH):
            m = masks[batch]
            fill, _ = gated_fill(gate, images[batch] * (1 - m), m, exemplar[batch], harmonic[batch], depth[batch])
            loss = ((fill - images[batch]).square() * m).sum() / (3 * m.sum())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        check = validate(gate, images[split:], masks[split:], exemplar[split:], harmonic[split:], depth[split:])
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "seconds": time.perf_counter() - start, **check})
        print(history[-1], flush=True)
        atomic_save({"gate": gate.state_dict(), "optimiser": optimiser.state_dict(), "history": history,
                     "epoch": epoch + 1}, checkpoint)
    return {"crops": len(images), "validation_crops": VALIDATION, "epochs": len(history), "history": history}


def validate(gate, images, masks, exemplar, harmonic, depth) -> dict:
    """Hole PSNR on the validation crops: the gated fill and each candidate alone."""
    with torch.no_grad():
        fill, w = gated_fill(gate, images * (1 - masks), masks, exemplar, harmonic, depth)
    return {"gated_db": psnr(fill, images, masks).mean().item(),
            "harmonic_db": psnr(harmonic, images, masks).mean().item(),
            "exemplar_db": psnr(exemplar, images, masks).mean().item(),
            "mean_weight": ((w * masks).sum() / masks.sum()).item()}


def export_gate(folder: Path, out: Path, card: dict) -> None:
    state = torch.load(folder / "gate.pt", weights_only=True)
    gate = FillGate()
    gate.load_state_dict(state["gate"])
    atomic_save({"format": GATE_FORMAT, "width": gate.net[0].out_channels, "gate": gate.state_dict(),
                 "card": card}, out)
