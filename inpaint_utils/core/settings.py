"""Parameters and profiles: the settings of one run, as notebooks and ``report.py`` spell them."""

import dataclasses
import os
import re
import sys
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from .paths import PROFILES_DIR

MASK_KINDS = ("center", "box", "stroke", "mixed", "blob", "lama")  # the MASK parameter
HUB_ID = "microsoft/cats_vs_dogs"
HUB_SIZES = {"cats": 11741, "train": 9392, "validation": 1174, "test": 1175}  # the seed's printout
SPLIT_SEED = 42  # the seed's train_test_split seed: fixes which images are train/validation/test
SPLITS = ("train", "validation", "test")
# What the hole holds in G's input. After "zero" (the seed's) and "mean" (GLCIC's), a classical fill
# that G learns to correct: its output is added to the fill, and an untrained G returns the fill.
RESIDUAL_PREFILLS = ("telea", "navier-stokes", "harmonic")
PREFILLS = ("zero", "mean", *RESIDUAL_PREFILLS)
G_ARCHS = ("seed", "same", "unet")  # the seed's G, its size-preserving variant, that with skips (models.make_generator)
D_ARCHS = ("seed", "patch")  # the seed's discriminator (or GLCIC's), or SN-PatchGAN (models.make_discriminator)


def _trains(default):
    """A parameter that changes what a checkpoint holds: resuming a run with another value is refused."""
    return field(default=default, metadata={"trains": True})


def _neutral(default):
    """A parameter whose override leaves a run's results as they are, so the run keeps its name."""
    return field(default=default, metadata={"neutral": True})


@dataclass(frozen=True)
class Params:
    """The settings of one run. Notebooks, profiles and ``report.py`` spell them in UPPER CASE.

    The defaults are the seed's protocol (the ``full`` profile). ``_trains`` and ``_neutral`` mark
    the parameters of TRAINING_IDENTITY and OUTPUT_NEUTRAL.
    """

    profile: str = "full"
    data: str = _trains(HUB_ID)  # hub id, a parquet file or folder, an image folder, or "sample"
    revision: str | None = _trains(None)  # hub revision (commit or tag) to pin the data to
    max_images: int | None = _trains(None)  # keep at most this many images per split (smoke runs)
    image_size: int = _trains(64)
    hole_size: int = _trains(20)
    batch_size: int = _trains(8)
    lr: float = _trains(1e-4)
    bce_epochs: int = 50  # notebook 02, the BCE baseline
    loss_epochs: int = 10  # notebook 03, each of L1, L2 and Huber
    # Beyond the seed (its own next steps, notebook 06). The defaults are the seed's choices.
    mask: str = _trains("center")  # training masks: "center" (the seed's hole), "box", "stroke" or "mixed"
    rec_weight: float = _trains(0.0)  # weight of the reconstruction loss in G's loss (Context Encoders: 0.999)
    adv_weight: float = _trains(1.0)  # weight of the adversarial loss in G's loss (0: a pixel-only model)
    rec_loss: str = _trains("l1")  # reconstruction loss over the hole, by its area: "l1", "l2" or "psnr" (-hole PSNR)
    known_weight: float = _trains(0.0)  # reconstruction weight on the known pixels, relative to the hole's
    local_d: bool = _trains(False)  # add GLCIC's local discriminator, on a crop around the hole
    local_size: int = _trains(32)  # side of the local discriminator's crop
    g_arch: str = _trains("seed")  # "seed" (the seed's G), "same" (its layers, size-preserving padding) or "unet" (and skips)
    d_arch: str = _trains("seed")  # "seed" (the seed's D, or GLCIC's with LOCAL_D) or "patch" (SN-PatchGAN, hinge loss)
    fm_weight: float = _trains(0.0)  # D_ARCH="patch": weight of the feature-matching loss in G's loss (LaMa)
    diff_augment: bool = _trains(False)  # D_ARCH="patch": DiffAugment D's inputs (few-photo GAN training)
    prefill: str = _trains("zero")  # the hole in G's input: "zero" (the seed's), "mean" (training-set mean colour),
    # or a classical fill that G learns to correct: "telea", "navier-stokes" or "harmonic" (see fills/classical.py)
    g_only_epochs: int = _trains(0)  # first epochs train G alone on the reconstruction loss (GLCIC's phase 1)
    crops: str = _trains("fixed")  # training images: "fixed" (each row's one 64 px image, the seed's) or "stream"
    # (a fresh random crop, scale and flip of a training image each step; see data/crops.py)
    # or "photos" (multi-scale crops of full-resolution photos, PHOTOS; see batches.PhotoCrops)
    photos: str = _trains("corpus")  # CROPS="photos": "corpus" (the Debian photo corpus's training photos) or a folder
    synthetic: float = _trains(0.0)  # share of each batch replaced by synthetic dead-leaves images (CROPS="stream"/"photos")
    steps_per_epoch: int | None = _trains(None)  # CROPS="stream": steps between checkpoints; None: one pass's worth
    ema_decay: float = _trains(0.0)  # EMA of G's weights, used for evaluation and export (0: off; e.g. 0.999)
    val_every: int = _neutral(0)  # steps between hole-PSNR checks on the held-out photos, saved beside the checkpoint
    release_epochs: int = _neutral(0)  # the release recipe's epochs (python -m inpaint_utils.train_release)
    ablation_epochs: int = 10  # notebook 06: epochs of each row of the ablation
    eval_masks: str = "mixed"  # notebook 06: kind of the fixed, seeded random masks it also tests on
    perceptual: str = _neutral("auto")  # LPIPS and FID: "auto" (weights on disk, else download, else skip), "off", "required"
    seed: int = _trains(42)  # seeds Python, NumPy, torch and the batch order
    device: str = _neutral("auto")  # "auto" (CUDA if present, else CPU), "cpu", "cuda", "cuda:1", "mps"
    amp: bool = _trains(False)  # bf16 autocast: faster on GPUs, changes the numbers slightly
    channels_last: bool = False  # NHWC memory format: same maths, different rounding
    compile: bool = False  # torch.compile the two networks
    fused_adam: bool = False  # Adam(fused=True): same maths, different rounding
    retrain: bool = _neutral(False)  # train again even where a finished checkpoint exists
    run_name: str | None = _neutral(None)  # output folder name; default: the profile's name
    checkpoint_dir: str | None = _neutral(None)  # default checkpoints/<run name>; e.g. a Drive folder on Colab

    @property
    def name(self) -> str:
        """The folder name of this run's outputs."""
        return self.run_name or self.profile

    def _repr_markdown_(self) -> str:
        rows = "\n".join(f"| `{k.upper()}` | `{v!r}` |" for k, v in asdict(self).items())
        return f"| parameter | value |\n|---|---|\n{rows}"


PARAM_NAMES = tuple(f.name.upper() for f in fields(Params))
# Parameters that change what a checkpoint holds; resuming with other values is refused.
TRAINING_IDENTITY = tuple(f.name for f in fields(Params) if f.metadata.get("trains"))
# Overrides that leave a run's results as they are; any other override gives the run its own name
# (RUN_NAME), e.g. sample-BCE_EPOCHS=5, so it never overwrites the profile's figures and checkpoints.
OUTPUT_NEUTRAL = tuple(f.name for f in fields(Params) if f.metadata.get("neutral"))
CHOICES = {"mask": MASK_KINDS, "eval_masks": MASK_KINDS[1:], "rec_loss": ("l1", "l2", "psnr"), "prefill": PREFILLS,
           "crops": ("fixed", "stream", "photos"), "perceptual": ("auto", "off", "required"), "d_arch": D_ARCHS,
           "g_arch": G_ARCHS}


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def in_colab() -> bool:
    return "google.colab" in sys.modules


def resolve_params(profile: str = "auto", overrides: dict | None = None) -> Params:
    """Params of a named profile (``profiles/<name>.yaml``) with ``overrides`` applied.

    ``profile="auto"`` means $INPAINT_PROFILE if set, else ``full`` on Colab, else ``sample``.
    Unknown names or wrongly typed values raise ValueError listing what is valid.
    """
    if profile in (None, "auto"):
        profile = os.environ.get("INPAINT_PROFILE") or ("full" if in_colab() else "sample")
    path = PROFILES_DIR / f"{profile}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(profile_names())}")
    values = _checked_values(yaml.safe_load(path.read_text()) or {}, f"profile {path.name}")
    given = _checked_values(overrides or {}, "parameter")
    params = Params(profile=profile, **values | given)
    changed = {k: v for k, v in given.items() if k not in OUTPUT_NEUTRAL and v != getattr(Params(**values), k)}
    if changed and params.run_name is None:  # the profile's own outputs change only under its own values
        suffix = ",".join(f"{k.upper()}={_safe(v)}" for k, v in sorted(changed.items()))
        params = dataclasses.replace(params, run_name=f"{profile}-{suffix}")
    if params.image_size != 64:
        raise ValueError(f"IMAGE_SIZE must be 64, got {params.image_size}: the seed's generator maps "
                         "64x64 to 64x64 only (its dilated layers shrink 16x16 to 8x8 before three 2x "
                         "upsamplings, so other sizes come out another size)")
    if not 0 < params.hole_size < params.image_size:
        raise ValueError(f"HOLE_SIZE must be between 1 and IMAGE_SIZE - 1 ({params.image_size - 1}), "
                         f"got {params.hole_size}")
    for name, valid in CHOICES.items():
        if getattr(params, name) not in valid:
            raise ValueError(f"{name.upper()} must be one of {', '.join(map(repr, valid))}, "
                             f"got {getattr(params, name)!r}")
    if min(params.rec_weight, params.adv_weight, params.known_weight) < 0 or \
            params.rec_weight == params.adv_weight == 0:
        raise ValueError(f"REC_WEIGHT ({params.rec_weight}) and ADV_WEIGHT ({params.adv_weight}) must "
                         "be at least 0, and not both 0; KNOWN_WEIGHT too must be at least 0")
    if params.g_only_epochs and not params.rec_weight:
        raise ValueError("G_ONLY_EPOCHS trains G on the reconstruction loss alone: set REC_WEIGHT > 0")
    if not 0 <= params.synthetic <= 1 or (params.synthetic and params.crops == "fixed"):
        raise ValueError(f"SYNTHETIC is a share between 0 and 1 of each batch, and needs CROPS='stream' or 'photos'; "
                         f"got {params.synthetic} with CROPS={params.crops!r}")
    if params.crops == "photos" and not params.steps_per_epoch:
        raise ValueError("CROPS='photos' draws crops without end: set STEPS_PER_EPOCH (steps between checkpoints)")
    if params.d_arch == "patch" and (params.local_d or not params.adv_weight):
        raise ValueError("D_ARCH='patch' judges every patch itself: it takes no LOCAL_D, and needs ADV_WEIGHT > 0")
    if params.fm_weight < 0 or ((params.fm_weight or params.diff_augment) and params.d_arch != "patch"):
        raise ValueError(f"FM_WEIGHT (at least 0) and DIFF_AUGMENT need D_ARCH='patch'; got FM_WEIGHT="
                         f"{params.fm_weight}, DIFF_AUGMENT={params.diff_augment}, D_ARCH={params.d_arch!r}")
    if not 0 <= params.ema_decay < 1:
        raise ValueError(f"EMA_DECAY must be in [0, 1) (0: no EMA), got {params.ema_decay}")
    if min(params.steps_per_epoch or 1, params.val_every + 1, params.release_epochs + 1) < 1:
        raise ValueError("STEPS_PER_EPOCH must be at least 1; VAL_EVERY and RELEASE_EPOCHS at least 0")
    if not 8 <= params.local_size <= params.image_size:
        raise ValueError(f"LOCAL_SIZE must be between 8 and IMAGE_SIZE ({params.image_size}), got {params.local_size}")
    return params


def parse_overrides(pairs: list[str]) -> dict:
    """``["BCE_EPOCHS=5", ...]`` (the commands' ``--set``) as overrides for ``resolve_params``;
    each VALUE is read as YAML (5, 1e-3, true, text)."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set takes NAME=VALUE, got {pair!r}")
        overrides[name.strip().upper()] = yaml.safe_load(value)
    return overrides


def _safe(value) -> str:
    """``value`` as part of a folder name: a path keeps its last part, other characters become _."""
    text = Path(value).name if isinstance(value, str) and os.sep in value else str(value)
    return re.sub(r"[^\w.+-]+", "_", text)


def notebook_params(namespace: dict) -> Params:
    """Params for a notebook from its globals: PROFILE plus any UPPER_CASE name set to a value.

    Papermill injects ``-p NAME VALUE`` as a global, so a misspelt parameter name reaches this
    function and is refused here, instead of being ignored with a log line as papermill does.
    """
    given = {k: v for k, v in namespace.items() if re.fullmatch(r"[A-Z][A-Z0-9_]*", k)}
    profile = given.pop("PROFILE", "auto")
    return resolve_params(profile, {k: v for k, v in given.items() if v is not None})


def _checked_values(raw: dict, where: str) -> dict:
    hints = typing.get_type_hints(Params)
    values = {}
    for key, value in raw.items():
        name = str(key).lower()
        if str(key).upper() not in PARAM_NAMES or name == "profile":
            valid = ", ".join(n for n in PARAM_NAMES if n != "PROFILE")
            raise ValueError(f"unknown {where} name {key!r}; valid names: {valid}")
        values[name] = _checked_type(str(key).upper(), value, hints[name])
    return values


def _checked_type(name: str, value, hint):
    allowed = typing.get_args(hint) or (hint,)
    if value is None:
        ok = type(None) in allowed
    elif isinstance(value, bool):
        ok = bool in allowed
    elif isinstance(value, int) and float in allowed:
        return float(value)
    else:
        ok = isinstance(value, tuple(t for t in allowed if t not in (bool, type(None))))
    if not ok:
        kinds = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
        raise ValueError(f"parameter {name} must be {kinds}, got {value!r}")
    return value
