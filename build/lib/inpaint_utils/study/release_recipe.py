"""The release model's recipe: training, export, the card, the choice between recipes and the re-check
(loading the shipped model for inference is ``fills/release_model.py``, which needs none of this).

The recipe is the ``release`` profile: the seed's generator correcting a harmonic fill, trained on
multi-scale crops of the photo corpus's training photos with object-like masks and a hole-PSNR
loss, bf16 autocast, and an EMA of G's weights; ``release-adv`` adds SN-PatchGAN, and ``RULE``
picks which of the two ships (``--choose``). ``python -m inpaint_utils.train_release`` trains it
(resumably) and exports the EMA generator alone, in half precision, with ``model_card.json`` (every
parameter, the data, steps, time, machine, versions, sha256, metrics beside the classical fills on
the same images) and ``MODEL_CARD.md``."""

import dataclasses
import json
import platform
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from ..core.kernels import cpu_identity, same_maker
from ..core.paths import (
    ROOT,
    atomic_save,
    atomic_write,
    atomic_write_text,
    checkpoints_dir,
)
from ..core.settings import Params, resolve_params
from ..data.cats import SAMPLE_PHOTOS, load_images
from ..data.crops import SOURCE_SCALE
from ..data.heldout import heldout_corpus_images, heldout_images
from ..data.photo_corpus import corpus_photos, read_manifest
from ..data.photos import PHOTO_SUFFIXES, read_image
from ..evaluation.describe import paired_difference
from ..evaluation.evaluate import UNTRAINED
from ..fills.release_model import (
    CARD_JSON,
    CARD_MD,
    MODEL_FILE,
    RELEASE_DIR,
    RELEASE_FORMAT,
    ReleaseModel,
    load_release,
    sha256,
)
from ..networks.checkpoints import ema_generator, load_checkpoint
from ..training.loop import RunResult, train_gan
from .ablation import ablation_table
from .card import model_card_markdown, save_validation_curve

LABEL = "Release model"
CORPUS_SET = "held-out corpus"  # crops of the photo corpus's held-out photos at three scales
SAMPLE_TRAINING_PHOTOS = tuple(name for name, (label, _) in SAMPLE_PHOTOS.items() if label == 0)
TOLERANCE_DB = 0.05  # allowed re-evaluation difference where torch or the CPU differ from the card's


def train_release_model(params: Params) -> RunResult:
    """Train (or resume) the release recipe for RELEASE_EPOCHS; its checkpoint is checkpoints/<run>/release.pt.
    With CROPS="photos" it reads full-resolution photos (``training_photos``), not the cats' loader."""
    if params.crops == "photos":
        sources, validation = [photo_tensor(p) for p in training_photos(params).values()], heldout_images()
    else:
        sources = load_images(params, image_size=SOURCE_SCALE * params.image_size)["train"].images
        validation = load_images(params)["validation"].images
    return train_gan("release", nn.BCELoss(), params, train_images=sources, val_images=validation,
                     checkpoint=checkpoints_dir(params) / "release.pt", epochs=params.release_epochs)


def training_photos(params: Params) -> dict[str, object]:
    """{name: photo file or array} that CROPS="photos" trains on. PHOTOS="corpus": the photo corpus's
    training photos (``python -m inpaint_utils.corpus``) and the sample data's training photos,
    which scikit-image ships (none of the held-out photos); else every photo in the folder PHOTOS."""
    import skimage.data

    if params.photos == "corpus":
        found = {path.stem: path for path in corpus_photos("train")}
        return found | {name: getattr(skimage.data, name)() for name in SAMPLE_TRAINING_PHOTOS}
    folder = Path(params.photos).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"PHOTOS={params.photos!r}: not a folder of photos (or 'corpus')")
    found = {p.stem: p for p in sorted(folder.iterdir())
             if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".")}
    if not found:
        raise FileNotFoundError(f"PHOTOS={params.photos!r}: no photos ({', '.join(PHOTO_SUFFIXES)}) in {folder}")
    return found


def photo_tensor(photo) -> torch.Tensor:
    """uint8 (3, H, W) of a photo file (read upright, as removal reads it) or an RGB/grey array."""
    pixels = read_image(photo) if isinstance(photo, Path) else np.asarray(photo)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    return torch.from_numpy(np.ascontiguousarray(pixels[..., :3])).permute(2, 0, 1).contiguous()


def export_release(checkpoint: Path, out_dir: Path = RELEASE_DIR) -> dict:
    """Write the EMA generator of ``checkpoint`` in half precision and its card; return the card."""
    state = load_checkpoint(checkpoint)
    params = Params(**state["params"])
    g = ema_generator(state)
    if g is None:
        raise ValueError(f"{checkpoint} has no EMA generator: the release recipe sets EMA_DECAY")
    half = {k: v.half() if v.is_floating_point() else v for k, v in g.state_dict().items()}
    atomic_save({"format": RELEASE_FORMAT, "generator": half, "g_arch": params.g_arch, "prefill": params.prefill,
                 "fill_colour": state.get("fill_colour")}, out_dir / MODEL_FILE)
    model = load_release(out_dir / MODEL_FILE, check=False)
    history = state["history"]
    table, per_image = release_metrics(model, params)
    card = {
        "model": MODEL_FILE, "sha256": sha256(out_dir / MODEL_FILE),
        "generator parameters": sum(v.numel() for v in g.parameters()),
        "parameters": {k.upper(): v for k, v in dataclasses.asdict(params).items()},
        "data": training_data(params),
        "training": {"steps": len(history["g_losses"]), "epochs": state["epoch"],
                     "hours": round(sum(history["epoch_seconds"]) / 3600, 2),
                     "processes": history.get("world_size", 1),
                     "global batch": history.get("global_batch", params.batch_size),
                     "trained on": history.get("devices", []),
                     "validation": history.get("validation", [])},
        "machine": machine(), "git commit": git_commit(),
        "metrics": table.round(4).reset_index().to_dict(orient="records"),
        "differences": differences(per_image, table),
    }
    atomic_write_text(out_dir / CARD_JSON, json.dumps(card, indent=1) + "\n")
    atomic_write_text(out_dir / CARD_MD, model_card_markdown(card))
    if card["training"]["validation"]:
        prefill = table.loc[("held-out photos", "Harmonic")]
        save_validation_curve(card["training"]["validation"], prefill, out_dir / "validation.png")
    return card


def training_data(params: Params) -> dict:
    """What the card says of the data: photos by name, packages with versions and licences."""
    if params.crops != "photos":
        return {"source": params.data, "training images": int(len(load_images(params)["train"])),
                "source photos": list(SAMPLE_TRAINING_PHOTOS) if params.data == "sample" else None,
                "crops": f"fresh random crops of the training split at {SOURCE_SCALE * params.image_size} px, "
                         f"{params.synthetic:.0%} dead leaves", "never seen": "the test split and the held-out photos"}
    photos = training_photos(params)
    packages = sorted({(e.package, e.version, e.licence) for e in read_manifest() if e.name in photos}) \
        if params.photos == "corpus" else []
    return {"source": f"PHOTOS={params.photos}", "training images": len(photos), "source photos": list(photos),
            "packages": [{"package": p, "version": v, "licence": lic} for p, v, lic in packages],
            "crops": "multi-scale crops (64 px to the whole photo, log-uniform), mirrored, +-10% colour jitter"
                     + (f", {params.synthetic:.0%} dead leaves" if params.synthetic else ""),
            "never seen": "the corpus's held-out photos (" + ", ".join(
                e.name for e in read_manifest() if e.split == "heldout") + ") and the held-out photos"
            if params.photos == "corpus" else "the held-out photos"}


def differences(per_image: pd.DataFrame, table: pd.DataFrame) -> list[dict]:
    """The model's hole PSNR minus harmonic's and minus the best classical fill's, per image set
    and mask set, with the paired bootstrap interval over images (``describe.paired_difference``)."""
    rows = []
    for images in table.index.unique("images"):
        on_set = per_image[per_image["images"] == images]
        for masks in ("centre", "random"):
            values = on_set[on_set["masks"] == masks]
            psnr = table.loc[images][f"{masks}: hole PSNR (dB)"]
            best = psnr.drop([LABEL, UNTRAINED], errors="ignore").idxmax()
            for against in dict.fromkeys(("Harmonic", best)):
                compared = paired_difference(values, LABEL, against, "hole_psnr")
                if compared:
                    rows.append({"images": images, "masks": masks, "against": against,
                                 "difference": round(compared[0], 4), "low": round(compared[1][0], 4),
                                 "high": round(compared[1][1], 4)})
    return rows


def image_sets() -> dict[str, torch.Tensor]:
    """The card's images: the sample test split, the held-out photos, and crops at three scales of
    the corpus's held-out photos where the corpus is there (``python -m inpaint_utils.corpus``)."""
    sample = dataclasses.replace(resolve_params("sample"), device="cpu")
    sets = {"test split": load_images(sample)["test"].images, "held-out photos": heldout_images()}
    try:
        sets[CORPUS_SET] = heldout_corpus_images()
    except FileNotFoundError as e:
        print(f"{CORPUS_SET}: not measured ({e})")
    return sets


def release_metrics(model: ReleaseModel, params: Params, baselines: bool = True,
                    sets: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hole PSNR, hole L1, SSIM and realism of the model (and the classical fills) on ``image_sets``,
    centre and random masks, the same masks as notebook 06; and the values per image behind them."""
    sample = dataclasses.replace(resolve_params("sample"), device="cpu")
    measured = {name: ablation_table({LABEL: model}, images, sample, baselines=baselines)
                for name, images in (sets or image_sets()).items()}
    table = pd.concat({name: t for name, (t, _) in measured.items()}, names=["images", "method"])
    per_image = pd.concat([values.assign(images=name) for name, (_, values) in measured.items()])
    return table, per_image


def check_release(path: Path | None = None) -> pd.DataFrame:
    """Re-evaluate the shipped model and compare with its card: exactly where torch and the CPU
    match the card's, within TOLERANCE_DB elsewhere; image sets not on this machine (the corpus)
    are left out, with a line saying so. Returns the differences; raises if too large."""
    model = load_release(path)
    now = release_metrics(model, model.params, baselines=False)[0].reset_index().set_index(["images", "method"])
    card = pd.DataFrame(model.card["metrics"]).set_index(["images", "method"])
    card = card.loc[[i for i in card.index if i in now.index], now.columns]  # the rows measured here
    difference = (now.loc[card.index].drop(columns="kind").astype(float).round(4) - card.drop(columns="kind").astype(float))
    limit = 0.0 if reproduces_exactly(machine(), model.card["machine"]) else TOLERANCE_DB
    worst = difference.abs().max().max()
    if worst > limit + 1e-9:
        raise AssertionError(f"the release model re-evaluates {worst:.4f} away from its card (allowed {limit})")
    return difference


def reproduces_exactly(here: dict, card_machine: dict) -> bool:
    """Whether the card's numbers must come out digit for digit here: the same torch, CPU capability,
    maker and family (an Intel Xeon with the card's torch and AVX-512 moved them by 0.0074: issue 36)."""
    return (here["torch"] == card_machine["torch"] and here["cpu capability"] == card_machine["cpu capability"]
            and same_maker(here, card_machine))


def machine() -> dict:
    cpu = cpu_identity()
    return {"torch": torch.__version__, "cpu capability": torch.backends.cpu.get_cpu_capability(),
            "processor": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
            **{key: cpu[key] for key in ("vendor", "family", "model name") if key in cpu}}


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


CLASSICAL_FILLS = ("Telea", "Navier-Stokes", "Biharmonic", "Harmonic")
# Fixed before the two recipes were compared (issue 24): which of them ships.
RULE = ("The adversarial recipe ships where, on the held-out corpus crops with the centre hole, it is more "
        "realistic than every classical fill (sharpness closer to 1.0 and C2ST accuracy lower than Telea's, "
        "Navier-Stokes', biharmonic's and harmonic's) and its hole PSNR stays within 1 dB of the harmonic "
        "fill's on both mask sets; otherwise the pixel-loss recipe ships.")


def realistic_enough(card: dict) -> tuple[bool, str]:
    """RULE applied to a candidate's card: (ships, the reason in one sentence)."""
    metrics = pd.DataFrame(card["metrics"]).set_index(["images", "method"])
    if CORPUS_SET not in metrics.index.unique("images"):
        return False, f"it was not measured on the {CORPUS_SET} crops"
    rows = metrics.loc[CORPUS_SET]
    ours, classical = rows.loc[LABEL], rows.loc[list(CLASSICAL_FILLS)]
    sharper = (abs(ours["centre: sharpness"] - 1) < (classical["centre: sharpness"] - 1).abs()).all()
    harder = (ours["centre: C2ST acc"] < classical["centre: C2ST acc"]).all()
    behind = {m: rows.loc["Harmonic", f"{m}: hole PSNR (dB)"] - ours[f"{m}: hole PSNR (dB)"] for m in ("centre", "random")}
    close = all(b <= 1.0 for b in behind.values())
    why = (f"sharpness {ours['centre: sharpness']:.2f} ({'closer to 1 than' if sharper else 'not closer to 1 than all of'} "
           f"the classical fills' {', '.join(f'{v:.2f}' for v in classical['centre: sharpness'])}), C2ST "
           f"{ours['centre: C2ST acc']:.0%} ({'below' if harder else 'not below all of'} "
           f"{', '.join(f'{v:.0%}' for v in classical['centre: C2ST acc'])}), hole PSNR "
           + ", ".join(f"{-b:+.2f} dB against harmonic ({m})" for m, b in behind.items()))
    return bool(sharper and harder and close), why


def choose_release(candidates: dict[str, Path], out_dir: Path = RELEASE_DIR) -> dict:
    """Ship one of the recipes' exports by RULE: ``candidates`` maps "pixel" and "adversarial" to
    export folders (``train_release --output``). Copies the chosen model and curve to ``out_dir``
    and writes a card that holds both recipes' tables, the rule and the choice."""
    cards = {name: json.loads((Path(folder) / CARD_JSON).read_text()) for name, folder in candidates.items()}
    ships, why = realistic_enough(cards["adversarial"])
    chosen = "adversarial" if ships else "pixel"
    source = Path(candidates[chosen])
    for name in (MODEL_FILE, "validation.png"):
        if (source / name).exists():
            data = (source / name).read_bytes()
            atomic_write(out_dir / name, lambda f, data=data: f.write(data))
    card = cards[chosen] | {
        "recipes": {name: {k: c[k] for k in ("parameters", "training", "metrics", "differences")}
                    for name, c in cards.items()},
        "rule": RULE, "choice": {"recipe": chosen, "adversarial recipe": why}}
    if sha256(out_dir / MODEL_FILE) != card["sha256"]:
        raise ValueError(f"{out_dir / MODEL_FILE} does not match the {chosen} recipe's card")
    atomic_write_text(out_dir / CARD_JSON, json.dumps(card, indent=1) + "\n")
    atomic_write_text(out_dir / CARD_MD, model_card_markdown(card))
    return card
