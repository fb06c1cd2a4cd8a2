"""Training the structure stage's edge generator (``networks/edges.py``), EdgeConnect's first stage
at a CPU's budget: resumable, reproducible, on the photo corpus's training photos only.

Each step draws a batch of SIZE px crops of the training photos at every scale (``data.crops.
PhotoCrops``: a removal's crop shrunk to SIZE sees a photo at a large scale) and a SYNTHETIC share
of drawn scenes with straight edges: regions split by lines, some through one vanishing point
(perspective: a pier, a road, a facade) and a horizon, so the generator sees many lines that cross
a hole and go on. Holes are object outlines (a person, a tree, a car, a box, a blob) of HOLE_SHARE
of the crop near its centre, as the removal's crop places them. The generator is trained to the
crop's Canny edges in the hole with a weighted cross-entropy, plus a hinge adversarial loss and
feature matching from a patch discriminator that sees the true grey image (EdgeConnect's design),
so that it draws crisp lines where the cross-entropy alone gives a blur of probabilities.

Every draw depends on the seed and the step only, so a run interrupted and resumed from its last
checkpoint makes the same batches as an uninterrupted one.
"""

import math
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..core.paths import atomic_save
from ..data.crops import PhotoCrops
from ..data.edges import canny_edges
from ..data.photos import read_image
from ..data.structure_holes import SHAPES, silhouette
from ..networks.edges import EdgeDiscriminator, EdgeGenerator, completed, edge_inputs
from ..networks.losses import HingeLoss

SIZE = 128
BATCH = 8
SYNTHETIC = 0.3
HOLE_SHARE = (0.04, 0.3)
LEARNING_RATE = 2e-4
POS_WEIGHT = 4.0  # edges are about a tenth of a hole's pixels: missing one costs more than a stray one
ADV_WEIGHT, FM_WEIGHT = 0.1, 1.0
CHECKPOINT_EVERY = 100
VALIDATION = 96  # crops drawn from a seed no training step uses


def training_hole(rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """bool (size, size): an object outline of HOLE_SHARE of the crop, its centre within a sixth of
    the crop's side from the middle (the removal's crop is centred on its hole)."""
    outline = silhouette(SHAPES[rng.integers(len(SHAPES))], rng, side=64)
    area = rng.uniform(*HOLE_SHARE) * size * size
    scale = math.sqrt(area / outline.sum())
    h, w = (min(size - 4, max(3, round(d * scale))) for d in outline.shape)
    small = cv2.resize(outline.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    if rng.random() < 0.5:
        small = small[:, ::-1]
    cy, cx = (size / 2 + rng.uniform(-1, 1, 2) * size / 6)
    top, left = int(np.clip(cy - h / 2, 2, size - h - 2)), int(np.clip(cx - w / 2, 2, size - w - 2))
    hole = np.zeros((size, size), bool)
    hole[top:top + h, left:left + w] = small > 0
    return hole


def straight_edge_scene(rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """uint8 (size, size, 3): flat regions split by 2-6 straight lines, through one vanishing point
    (perspective) half the time, with a horizon a third of the time, shading and grain."""
    ys, xs = np.mgrid[:size, :size].astype(np.float32) + 0.5
    code = np.zeros((size, size), np.int32)
    lines = rng.integers(2, 7)
    vanishing = rng.uniform(-0.5, 1.5, 2) * size if rng.random() < 0.5 else None
    for k in range(lines):
        angle = rng.uniform(0, np.pi)
        point = vanishing if vanishing is not None else rng.uniform(0.1, 0.9, 2) * size
        if vanishing is not None:  # lines fanning out of one point, as a pier's boards or a road
            angle = math.atan2(rng.uniform(0, size) - point[1], rng.uniform(0, size) - point[0])
        normal = np.array([-math.sin(angle), math.cos(angle)])
        code |= (((xs - point[0]) * normal[0] + (ys - point[1]) * normal[1]) > 0).astype(np.int32) << k
    if rng.random() < 1 / 3:  # a horizon: sky above, one line across
        horizon = rng.uniform(0.2, 0.8) * size + (xs - size / 2) * math.tan(rng.uniform(-0.1, 0.1))
        code = np.where(ys < horizon, -1, code)
    colours = {c: rng.uniform(0, 255, 3) for c in np.unique(code)}
    image = np.zeros((size, size, 3), np.float32)
    for c, colour in colours.items():
        image[code == c] = colour
    shade = rng.uniform(-40, 40, 2)
    image += ((xs / size - 0.5) * shade[0] + (ys / size - 0.5) * shade[1])[..., None]
    image += cv2.GaussianBlur(rng.normal(0, rng.uniform(2, 12), (size, size, 3)).astype(np.float32), (0, 0), 0.8)
    return np.clip(image, 0, 255).astype(np.uint8)


class EdgeBatches:
    """``batch(step) -> (grey, edges, mask)``, float (BATCH, 1, SIZE, SIZE) each, drawn from the seed
    and the step alone."""

    def __init__(self, photos: list[Path], seed: int = 0, batch: int = BATCH):
        self.seed, self.batch = seed, batch
        self.generator = torch.Generator()
        tensors = [torch.from_numpy(read_image(p)).permute(2, 0, 1).contiguous() for p in photos]
        self.crops = PhotoCrops(tensors, SIZE, 0.0, self.generator)

    def __call__(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, step])
        self.generator.manual_seed(self.seed * 1_000_003 + step)
        synthetic = int(rng.binomial(self.batch, SYNTHETIC))
        photos = self.crops(self.batch - synthetic) if synthetic < self.batch else torch.empty(0, 3, SIZE, SIZE)
        images = list(photos.mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy())
        images += [straight_edge_scene(rng) for _ in range(synthetic)]
        grey = np.stack([cv2.cvtColor(np.ascontiguousarray(i), cv2.COLOR_RGB2GRAY) for i in images])
        edges = np.stack([canny_edges(g) for g in grey])
        masks = np.stack([training_hole(rng) for _ in images])
        as_tensor = lambda a: torch.from_numpy(a.astype(np.float32))[:, None]  # noqa: E731
        return as_tensor(grey / 255), as_tensor(edges), as_tensor(masks)


def edge_losses(g: EdgeGenerator, d: EdgeDiscriminator, grey, edges, mask) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """(generator loss, discriminator loss, their parts) on one batch."""
    logits = g(edge_inputs(grey, edges, mask))
    bce = F.binary_cross_entropy_with_logits(logits, edges, pos_weight=torch.tensor(POS_WEIGHT), reduction="none")
    bce = (bce * mask).sum() / mask.sum().clamp(min=1)
    drawn = completed(logits, edges, mask)
    fake, fake_features = d.features(grey, drawn, mask)
    with torch.no_grad():
        _, real_features = d.features(grey, edges, mask)
    adversarial = HingeLoss.generator(fake)
    matching = HingeLoss.feature_matching(fake_features, real_features)
    g_loss = bce + ADV_WEIGHT * adversarial + FM_WEIGHT * matching
    d_loss = HingeLoss.discriminator(d.features(grey, edges, mask)[0], d.features(grey, drawn.detach(), mask)[0])
    return g_loss, d_loss, {"bce": bce.item(), "adversarial": adversarial.item(), "matching": matching.item(),
                            "d": d_loss.item()}


def edge_f1(logits: torch.Tensor, edges: torch.Tensor, mask: torch.Tensor, tolerance: int = 1) -> float:
    """F1 of the generator's edges (probability > 0.5) against the truth's in the holes, an edge
    pixel counting as found within ``tolerance`` pixels (a max-pool)."""
    drawn = (torch.sigmoid(logits) > 0.5).float() * mask
    truth = edges * mask
    grow = lambda x: F.max_pool2d(x, 2 * tolerance + 1, stride=1, padding=tolerance)  # noqa: E731
    precision = (drawn * grow(edges)).sum() / drawn.sum().clamp(min=1)
    recall = (truth * grow(drawn)).sum() / truth.sum().clamp(min=1)
    return float(2 * precision * recall / (precision + recall).clamp(min=1e-9))


def train_edges(photos: list[Path], checkpoint: Path, *, steps: int, minutes: float | None = None,
                seed: int = 0, log_every: int = 50) -> dict:
    """Train (or resume from ``checkpoint``) to ``steps`` steps or for ``minutes`` more, whichever
    comes first, checkpointing every CHECKPOINT_EVERY steps; returns the history and validation."""
    torch.manual_seed(seed)
    g, d = EdgeGenerator(), EdgeDiscriminator()
    g_opt = torch.optim.Adam(g.parameters(), LEARNING_RATE, betas=(0.5, 0.9))
    d_opt = torch.optim.Adam(d.parameters(), LEARNING_RATE, betas=(0.5, 0.9))
    history, step, seconds = [], 0, 0.0
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=True)
        for module, key in ((g, "g"), (d, "d"), (g_opt, "g_opt"), (d_opt, "d_opt")):
            module.load_state_dict(state[key])
        history, step, seconds = state["history"], state["step"], state["seconds"]
        print(f"resumed at step {step} ({seconds / 60:.0f} minutes trained)", flush=True)
    batches = EdgeBatches(photos, seed)
    stop = time.monotonic() + 60 * minutes if minutes else math.inf
    started, parts = time.monotonic(), []

    def save():
        atomic_save({"g": g.state_dict(), "d": d.state_dict(), "g_opt": g_opt.state_dict(),
                     "d_opt": d_opt.state_dict(), "history": history, "step": step,
                     "seconds": seconds + time.monotonic() - started}, checkpoint)

    while step < steps and time.monotonic() < stop:
        grey, edges, mask = batches(step)
        g_loss, d_loss, part = edge_losses(g, d, grey, edges, mask)
        g_opt.zero_grad()
        g_loss.backward(inputs=list(g.parameters()))  # first: D's step changes the weights this graph holds
        g_opt.step()
        d_opt.zero_grad()
        d_loss.backward(inputs=list(d.parameters()))
        d_opt.step()
        step += 1
        parts.append(part)
        if step % log_every == 0:
            history.append({"step": step, **{k: float(np.mean([p[k] for p in parts])) for k in parts[0]}})
            parts = []
            print(history[-1], flush=True)
        if step % CHECKPOINT_EVERY == 0:
            save()
    save()
    return {"steps": step, "seconds": seconds + time.monotonic() - started, "history": history,
            "validation": validate(g, photos, seed)}


def validate(g: EdgeGenerator, photos: list[Path], seed: int = 0) -> dict:
    """Edge F1 in the holes of VALIDATION crops drawn from a seed no training step uses."""
    batches = EdgeBatches(photos, seed + 1_000, batch=VALIDATION)
    grey, edges, mask = batches(0)
    with torch.no_grad():
        logits = g.eval()(edge_inputs(grey, edges, mask))
    g.train()
    return {"crops": VALIDATION, "edge_f1": round(edge_f1(logits, edges, mask), 4)}


def export_edges(checkpoint: Path, out: Path, card: dict) -> None:
    """The generator alone, in half precision, with its card: what ``fills/structure.py`` loads."""
    from ..fills.structure import EDGE_FORMAT

    state = torch.load(checkpoint, weights_only=True)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in state["g"].items()}
    atomic_save({"format": EDGE_FORMAT, "size": SIZE, "g": weights, "card": card}, out)
