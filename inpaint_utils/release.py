"""The release model: one trained inpainter that ships in ``models/release/``, with its card.

The recipe is the ``release`` profile: the seed's generator correcting a harmonic fill, trained on
fresh crops of the training split (and a share of dead leaves) with random masks, an L1 hole loss,
bf16 autocast, and an EMA of G's weights (an adversarial variant did worse: profiles/release.yaml).
``python -m inpaint_utils.train_release`` trains it (resumably) and exports the EMA generator
alone, in half precision, with ``model_card.json`` (every parameter, the data, steps, time, machine, versions,
sha256, metrics beside the classical fills on the same images) and ``MODEL_CARD.md``.
"""

import dataclasses
import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
import torch.nn as nn

from .ablation import ablation_table
from .batches import SOURCE_SCALE
from .checkpoints import ema_generator, load_checkpoint
from .data import SAMPLE_PHOTOS, heldout_images, load_images
from .fills import generator_fill
from .models import Generator
from .params import Params, resolve_params
from .paths import ROOT, atomic_save, atomic_write, atomic_write_text, checkpoints_dir
from .training import RunResult, train_gan

RELEASE_DIR = ROOT / "models" / "release"
MODEL_FILE, CARD_JSON, CARD_MD = "inpainter.pt", "model_card.json", "MODEL_CARD.md"
RELEASE_FORMAT = "inpaint-release-1"
LABEL = "Release model"
TOLERANCE_DB = 0.05  # allowed re-evaluation difference where torch or the CPU differ from the card's


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

    def fill(self):
        return generator_fill(self.g, self.fill_colour, self.prefill)


def is_release_file(path) -> bool:
    """Whether ``path`` holds a release model (rather than a training checkpoint)."""
    try:
        # mmap: only the small format entry is read, not a training checkpoint's every tensor
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True).get("format") == RELEASE_FORMAT
    except Exception:
        return False


def train_release(params: Params) -> RunResult:
    """Train (or resume) the release recipe for RELEASE_EPOCHS; its checkpoint is checkpoints/<run>/release.pt."""
    sources = load_images(params, image_size=SOURCE_SCALE * params.image_size)["train"]
    validation = load_images(params)["validation"]
    return train_gan("release", nn.BCELoss(), params, train_images=sources.images, val_images=validation.images,
                     checkpoint=checkpoints_dir(params) / "release.pt", epochs=params.release_epochs)


def export_release(checkpoint: Path, out_dir: Path = RELEASE_DIR) -> dict:
    """Write the EMA generator of ``checkpoint`` in half precision and its card; return the card."""
    state = load_checkpoint(checkpoint)
    params = Params(**state["params"])
    g = ema_generator(state)
    if g is None:
        raise ValueError(f"{checkpoint} has no EMA generator: the release recipe sets EMA_DECAY")
    half = {k: v.half() if v.is_floating_point() else v for k, v in g.state_dict().items()}
    atomic_save({"format": RELEASE_FORMAT, "generator": half, "prefill": params.prefill,
                 "fill_colour": state.get("fill_colour")}, out_dir / MODEL_FILE)
    model = load_release(out_dir / MODEL_FILE, check=False)
    history = state["history"]
    card = {
        "model": MODEL_FILE, "sha256": sha256(out_dir / MODEL_FILE),
        "generator parameters": sum(v.numel() for v in g.parameters()),
        "parameters": {k.upper(): v for k, v in dataclasses.asdict(params).items()},
        "data": {"source": params.data, "training images": int(len(load_images(params)["train"])),
                 "source photos": [name for name, (label, _) in SAMPLE_PHOTOS.items() if label == 0]
                 if params.data == "sample" else None,
                 "crops": f"fresh random crops of the training split at {SOURCE_SCALE * params.image_size} px, "
                          f"{params.synthetic:.0%} dead leaves", "never seen": "the test split and the held-out photos"},
        "training": {"steps": len(history["g_losses"]), "epochs": state["epoch"],
                     "hours": round(sum(history["epoch_seconds"]) / 3600, 2),
                     "validation": history.get("validation", [])},
        "machine": machine(), "git commit": git_commit(),
        "metrics": release_metrics(model, params).round(4).reset_index().to_dict(orient="records"),
    }
    atomic_write_text(out_dir / CARD_JSON, json.dumps(card, indent=1) + "\n")
    atomic_write_text(out_dir / CARD_MD, model_card_markdown(card))
    if card["training"]["validation"]:
        prefill = pd.DataFrame(card["metrics"]).set_index(["images", "method"]).loc[("held-out photos", "Harmonic")]
        save_validation_curve(card["training"]["validation"], prefill, out_dir / "validation.png")
    return card


def save_validation_curve(rows: list[dict], prefill: pd.Series, path: Path) -> None:
    """Held-out hole PSNR against training steps, beside its harmonic prefill's (the model before
    training): whether the run was still improving, and on which side of its starting point."""
    import io

    import matplotlib.pyplot as plt

    curve = pd.DataFrame(rows).set_index("step")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    curve.plot(ax=ax, marker=".")
    for colour, column in zip(("C0", "C1"), curve.columns):
        ax.axhline(prefill[column], color=colour, linestyle="--", linewidth=1, label=f"harmonic prefill, {column.split(':')[0]}")
    ax.legend(fontsize=8)
    ax.set(xlabel="training step", ylabel="held-out hole PSNR (dB)", title="Release model during training (EMA)")
    ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def load_release(path: Path | None = None, device="cpu", check: bool = True) -> ReleaseModel:
    """The shipped model; ``check`` verifies its sha256 against the card beside it."""
    path = Path(path or RELEASE_DIR / MODEL_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"no release model at {path}: it ships with the repository (models/release/); "
                                "`python -m inpaint_utils.train_release` trains and exports it again")
    card_path = path.parent / CARD_JSON
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    if check and card.get("sha256") != sha256(path):
        raise ValueError(f"{path} does not match the sha256 in {card_path}: the file was changed or truncated")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path} is not a readable release model ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != RELEASE_FORMAT:
        raise ValueError(f"{path} is not a release model of this project (format {RELEASE_FORMAT})")
    g = Generator()
    g.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["generator"].items()})
    return ReleaseModel(g.to(device).eval(), state["prefill"], state["fill_colour"], card, path)


def release_metrics(model: ReleaseModel, params: Params, baselines: bool = True) -> pd.DataFrame:
    """Hole PSNR, hole L1 and SSIM of the model (and the classical fills) on the sample test split
    and the held-out photos, centre and random masks: the same images and masks as notebook 06."""
    sample = dataclasses.replace(resolve_params("sample"), device="cpu")
    sets = {"test split": load_images(sample)["test"].images, "held-out photos": heldout_images()}
    tables = {name: ablation_table({LABEL: model}, images, sample, baselines=baselines)[0]
              for name, images in sets.items()}
    return pd.concat(tables, names=["images", "method"])


def check_release(path: Path | None = None) -> pd.DataFrame:
    """Re-evaluate the shipped model and compare with its card: exactly where torch and the CPU
    match the card's, within TOLERANCE_DB elsewhere. Returns the differences; raises if too large."""
    model = load_release(path)
    params = Params(**{k.lower(): v for k, v in model.card["parameters"].items()})
    now = release_metrics(model, params, baselines=False).reset_index().set_index(["images", "method"])
    card = pd.DataFrame(model.card["metrics"]).set_index(["images", "method"]).loc[now.index, now.columns]
    difference = (now.drop(columns="kind").astype(float).round(4) - card.drop(columns="kind").astype(float))
    same_machine = {k: v for k, v in machine().items() if k != "threads"} == \
        {k: v for k, v in model.card["machine"].items() if k != "threads"}
    limit = 0.0 if same_machine else TOLERANCE_DB
    worst = difference.abs().max().max()
    if worst > limit + 1e-9:
        raise AssertionError(f"the release model re-evaluates {worst:.4f} away from its card (allowed {limit})")
    return difference


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def machine() -> dict:
    return {"torch": torch.__version__, "cpu capability": torch.backends.cpu.get_cpu_capability(),
            "processor": platform.processor() or platform.machine(), "threads": torch.get_num_threads()}


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


CARD_COLUMNS = {"centre: hole PSNR (dB)": "hole PSNR, centre", "random: hole PSNR (dB)": "hole PSNR, random",
                "random: image SSIM": "SSIM, random", "centre: sharpness": "sharpness", "centre: C2ST acc": "C2ST acc"}


def model_card_markdown(card: dict) -> str:
    """The card as Markdown: what the model is, how it was trained, and how it scores."""
    metrics = pd.DataFrame(card["metrics"]).set_index(["images", "method"])[list(CARD_COLUMNS)]
    metrics = metrics.rename(columns=CARD_COLUMNS)
    tables = "\n\n".join(f"**{images.capitalize()}**\n\n{metrics.loc[images].to_markdown(floatfmt='.2f')}"
                          for images in metrics.index.unique("images"))
    held_out = metrics.loc["held-out photos"]
    classical = held_out.loc[["Telea", "Navier-Stokes", "Biharmonic"]]
    ours, prefill = held_out.loc[LABEL], held_out.loc["Harmonic"]
    summary = "; ".join(
        f"{masks} masks {ours[f'hole PSNR, {masks}']:.2f} dB: {ours[f'hole PSNR, {masks}'] - prefill[f'hole PSNR, {masks}']:+.2f} "
        f"against its harmonic prefill, {ours[f'hole PSNR, {masks}'] - classical[f'hole PSNR, {masks}'].max():+.2f} against "
        f"the best of Telea, Navier-Stokes and biharmonic" for masks in ("centre", "random"))
    training = card["training"]
    machine_ = card["machine"]
    rows = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in card["parameters"].items())
    return f"""# Model card: the release inpainter

**What it is.** The seed's generator ({card['generator parameters']:,} parameters), trained to
correct a harmonic fill: the hole of a 64x64 RGB image is first filled by solving Laplace's equation
from its border, and the network adds a correction (its last layer started at zero, so before
training it returned the harmonic fill exactly). Larger photos are filled crop by crop
(`python -m inpaint_utils.remove`). File `{card['model']}`: the EMA of the generator's weights in
half precision, sha256 `{card['sha256']}`.

**Data.** `{card['data']['source']}`: {card['data']['training images']} training images, crops of
{', '.join(card['data']['source photos'] or ['see DATA'])}; {card['data']['crops']}. It never saw
{card['data']['never seen']}. The test split is cut from the same photos as the training images, so
the held-out photos (other photos, from other sources) are the honest measure.

**Training.** {training['steps']:,} steps ({training['epochs']} checkpointed epochs) in
{training['hours']} h of training on an {machine_['processor']} CPU, torch {machine_['torch']}, git
commit `{card['git commit']}` at export; `python -m inpaint_utils.train_release` reproduces it. `validation.png` beside this card shows held-out hole PSNR during training.

**How it scores** on the held-out photos: {summary}. Sharpness (1.0 = as sharp as the photo) and
C2ST accuracy (50% = a classifier cannot tell the fill from the photo) are the realism measures:
the best PSNR and the most realistic fill are rarely the same fill (Blau & Michaeli, 2018).

**Limits.** Trained offline on crops of a handful of photos: it has seen little variety, fills
64x64 crops only, and is a research artefact, not a product.

## Metrics

Means over the images, the same images and masks for every row (notebook 06's): hole PSNR in dB
on the seed's centre hole and on seeded random masks, image SSIM, and the realism measures on the
centre hole. "Untrained G" is the seed's generator at initialisation, the floor.

{tables}

## Parameters

| parameter | value |
|---|---|
{rows}
"""
