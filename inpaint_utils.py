"""GAN image inpainting, reproduced from a student report (see README.md).

Everything the notebooks in ``notebooks/`` do lives here: parameters and profiles, the cat
data and its cache, the centre mask, the seed's Generator and Discriminator, resumable
training, evaluation against classical baselines, and the figures. Where this code departs
from the seed notebook, the docstring says what the seed did and why we differ.
"""

import hashlib
import io
import math
import os
import random
import re
import sys
import time
import typing
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import yaml
from PIL import Image
from torchvision.transforms import v2
from tqdm import tqdm

# Libraries import tqdm.auto, which warns in Jupyter without ipywidgets; the text bars work fine.
warnings.filterwarnings("ignore", message="IProgress not found")

ROOT = Path(__file__).resolve().parent
PROFILES_DIR = ROOT / "profiles"
NOTEBOOKS_DIR = ROOT / "notebooks"

HUB_ID = "microsoft/cats_vs_dogs"
HUB_SIZES = {"cats": 11741, "train": 9392, "validation": 1174, "test": 1175}  # the seed's printout
SPLIT_SEED = 42  # the seed's train_test_split seed: fixes which images are train/validation/test
SPLITS = ("train", "validation", "test")


# ----------------------------------------------------------------------------------------
# Parameters and profiles
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Params:
    """The settings of one run. Notebooks, profiles and ``report.py`` spell them in UPPER CASE.

    The defaults are the seed's protocol (the ``full`` profile).
    """

    profile: str = "full"
    data: str = HUB_ID  # hub id, a parquet file or folder, an image folder, or "sample"
    revision: str | None = None  # hub revision (commit or tag) to pin the data to
    max_images: int | None = None  # keep at most this many images per split (smoke runs)
    image_size: int = 64
    hole_size: int = 20
    batch_size: int = 8
    lr: float = 1e-4
    bce_epochs: int = 50  # notebook 02, the BCE baseline
    loss_epochs: int = 10  # notebook 03, each of L1, L2 and Huber
    seed: int = 42  # seeds Python, NumPy, torch and the batch order
    device: str = "auto"  # "auto" (CUDA if present, else CPU), "cpu", "cuda", "cuda:1", "mps"
    amp: bool = False  # bf16 autocast: faster on GPUs, changes the numbers slightly
    channels_last: bool = False  # NHWC memory format: same maths, different rounding
    compile: bool = False  # torch.compile the two networks
    fused_adam: bool = False  # Adam(fused=True): same maths, different rounding
    retrain: bool = False  # train again even where a finished checkpoint exists
    run_name: str | None = None  # output folder name; default: the profile's name
    checkpoint_dir: str | None = None  # default checkpoints/<run name>; e.g. a Drive folder on Colab

    @property
    def name(self) -> str:
        """The folder name of this run's outputs."""
        return self.run_name or self.profile

    def _repr_markdown_(self) -> str:
        rows = "\n".join(f"| `{k.upper()}` | `{v!r}` |" for k, v in asdict(self).items())
        return f"| parameter | value |\n|---|---|\n{rows}"


PARAM_NAMES = tuple(f.name.upper() for f in fields(Params))
# Parameters that change what a checkpoint holds; resuming with other values is refused.
TRAINING_IDENTITY = ("data", "revision", "max_images", "image_size", "hole_size", "batch_size", "lr", "seed")


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
    values.update(_checked_values(overrides or {}, "parameter"))
    params = Params(profile=profile, **values)
    if params.image_size != 64:
        raise ValueError(f"IMAGE_SIZE must be 64, got {params.image_size}: the seed's generator maps "
                         "64x64 to 64x64 only (its dilated layers shrink 16x16 to 8x8 before three 2x "
                         "upsamplings, so other sizes come out another size)")
    center_mask(params.image_size, params.hole_size)  # checks HOLE_SIZE
    return params


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


def output_root() -> Path:
    """Where data caches and outputs go: the repository, or $INPAINT_OUTPUT_ROOT."""
    return Path(os.environ.get("INPAINT_OUTPUT_ROOT", ROOT))


def writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise PermissionError(
            f"cannot write to {path} ({e.strerror or e}); point INPAINT_OUTPUT_ROOT "
            "(or CHECKPOINT_DIR, for checkpoints) at a writable folder") from e
    return path


def figures_dir(params: Params) -> Path:
    return writable_dir(output_root() / "figures" / params.name)


def reports_dir(params: Params) -> Path:
    return writable_dir(output_root() / "reports" / params.name)


def checkpoints_dir(params: Params) -> Path:
    return writable_dir(Path(params.checkpoint_dir) if params.checkpoint_dir
                        else output_root() / "checkpoints" / params.name)


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and every GPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ----------------------------------------------------------------------------------------
# Data: the cats of microsoft/cats_vs_dogs, split 80/10/10 as the seed did
# ----------------------------------------------------------------------------------------

SAMPLE_VERSION = 1
# skimage.data photos -> (label, crops). Label 0 ("cat") rows are what the project trains on:
# random crops of real photos, the cat Chelsea most of all; label 1 rows exercise the filter.
SAMPLE_PHOTOS = {
    "chelsea": (0, 110), "coffee": (0, 55), "astronaut": (0, 55), "rocket": (0, 45),
    "camera": (0, 35),  # grayscale, as some cats_vs_dogs photos are
    "hubble_deep_field": (1, 40), "coins": (1, 30), "moon": (1, 30),
}


def sample_data_path() -> Path:
    """The embedded sample data set, built on first use from photos scikit-image ships."""
    path = output_root() / "data" / "sample" / f"cats_sample_v{SAMPLE_VERSION}.parquet"
    if not path.exists():
        _build_sample(path)
    return path


def _build_sample(path: Path) -> None:
    import datasets
    import skimage.data

    rng = np.random.default_rng(SAMPLE_VERSION)
    rows = []
    for name, (label, count) in SAMPLE_PHOTOS.items():
        photo = getattr(skimage.data, name)()
        h, w = photo.shape[:2]
        for _ in range(count):
            side = rng.uniform(0.45, 1.0) * min(h, w)
            aspect = rng.uniform(0.75, 4 / 3)
            ch, cw = int(min(h, side / math.sqrt(aspect))), int(min(w, side * math.sqrt(aspect)))
            y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
            crop = photo[y:y + ch, x:x + cw]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            buf = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(crop)).save(buf, format="JPEG", quality=90)
            rows.append({"image": {"bytes": buf.getvalue(), "path": None}, "labels": label})
    rows = [rows[i] for i in rng.permutation(len(rows))]
    features = datasets.Features({"image": datasets.Image(),
                                  "labels": datasets.ClassLabel(names=["cat", "dog"])})
    table = datasets.Dataset.from_list(rows, features=features)
    writable_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    table.to_parquet(str(tmp))
    os.replace(tmp, path)


def _open_source(source: str, revision: str | None):
    """The raw data set (all rows, images undecoded) with columns ``image`` and ``labels``."""
    import datasets

    if source == "sample":
        source = str(sample_data_path())
    path = Path(source).expanduser()
    if not path.exists() and not path.is_absolute() and (ROOT / path).exists():
        path = ROOT / path
    if path.is_file() and path.suffix == ".parquet":
        ds = datasets.load_dataset("parquet", data_files=str(path), split="train")
    elif path.is_dir() and any(path.glob("*.parquet")):
        ds = datasets.load_dataset("parquet", data_files=sorted(map(str, path.glob("*.parquet"))), split="train")
    elif path.is_dir():
        parts = datasets.load_dataset("imagefolder", data_dir=str(path))
        ds = datasets.concatenate_datasets(list(parts.values()))
    elif path.exists():
        raise ValueError(f"data source {source} is neither a parquet file nor a folder")
    elif re.fullmatch(r"[\w.-]+/[\w.-]+", source):
        try:
            ds = datasets.load_dataset(source, split="train", revision=revision)
        except Exception as e:
            raise RuntimeError(
                f"could not load {source!r} from the Hugging Face hub ({type(e).__name__}: {e}), "
                "and no local file or folder has that name. The hub needs the internet; offline, "
                "set DATA to 'sample' or to a local copy "
                "(a parquet file or an image folder with cat/ and dog/ subfolders).") from e
    else:
        raise FileNotFoundError(
            f"data source {source!r} does not exist: give a hub id like {HUB_ID!r}, "
            "a parquet file or folder, an image folder, or 'sample'")
    if "labels" not in ds.column_names and "label" in ds.column_names:
        ds = ds.rename_column("label", "labels")  # imagefolder says "label"; the hub set "labels"
    missing = {"image", "labels"} - set(ds.column_names)
    if missing:
        raise ValueError(f"data source {source} lacks the column(s) {sorted(missing)}; "
                         f"it has {ds.column_names}")
    return ds.cast_column("image", datasets.Image(decode=False))


def _cat_label(ds) -> int:
    names = getattr(ds.features["labels"], "names", None) or []
    lowered = [str(n).lower() for n in names]
    return lowered.index("cat") if "cat" in lowered else 0


def load_cats(params: Params):
    """The seed's cat subset and split: a DatasetDict train/validation/test of undecoded rows.

    Like the seed: keep label "cat" (0), ``train_test_split(test_size=0.2, seed=42)``, then the
    test part halved with seed 42 (its first half is validation). Unlike the seed, the filter
    reads only the label column; the seed decoded all 23,410 images to filter them.
    """
    from datasets import DatasetDict

    ds = _open_source(params.data, params.revision)
    cat = _cat_label(ds)
    cats = ds.filter(lambda ys: [y == cat for y in ys], input_columns="labels", batched=True)
    if len(cats) < 10:
        raise ValueError(f"data source {params.data} has {len(cats)} cat rows (labels == {cat}) "
                         f"among {len(ds)}; at least 10 are needed for the 80/10/10 split")
    first = cats.train_test_split(test_size=0.2, seed=SPLIT_SEED)
    second = first["test"].train_test_split(test_size=0.5, seed=SPLIT_SEED)
    splits = DatasetDict(train=first["train"], validation=second["train"], test=second["test"])
    found = {"cats": len(cats), **{name: len(split) for name, split in splits.items()}}
    if params.data == HUB_ID and found != HUB_SIZES:
        warnings.warn(f"{HUB_ID} gives {found}; the seed had {HUB_SIZES}. The hub data set may have "
                      "changed: set REVISION to pin the version you want.", stacklevel=2)
    return splits


def open_image(cell: dict) -> Image.Image:
    """Decode one ``image`` cell (``{"bytes", "path"}``) fully, in its own mode."""
    data = cell.get("bytes") or Path(cell["path"]).read_bytes()
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode to RGB; transparent pixels become white, 16-bit grey is scaled to 8 bits.

    The seed assumed RGB or L: an RGBA or CMYK photo gave a 4-channel tensor and crashed.
    """
    if img.mode.startswith("I;16"):
        img = Image.fromarray((np.asarray(img, dtype=np.float32) / 257).round().astype(np.uint8))
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img.convert("RGBA")).convert("RGB")
    return img.convert("RGB")


def seed_transform(image_size: int = 64) -> v2.Compose:
    """The seed's transform: PIL -> float tensor in [0, 1] -> bilinear antialiased resize."""
    return v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                       v2.Resize(size=(image_size, image_size))])


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(0, 1).mul(255).round().to(torch.uint8)


@dataclass
class SplitImages:
    """One split decoded once: ``images`` is uint8 (N, 3, S, S); ``rows`` maps to split rows."""

    name: str
    images: torch.Tensor
    rows: list[int]
    modes: list[str]  # each image's PIL mode before conversion to RGB
    sizes: list[tuple[int, int]]  # each image's (width, height) before resizing
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, error) of unreadable rows

    def __len__(self) -> int:
        return len(self.images)


class _DecodeSplit(torch.utils.data.Dataset):
    def __init__(self, split, image_size: int):
        self.split, self.transform = split, seed_transform(image_size)

    def __len__(self):
        return len(self.split)

    def __getitem__(self, row):
        try:
            img = open_image(self.split[row]["image"])
            pixels = to_uint8(self.transform(to_rgb(img)))
        except Exception as e:  # one unreadable image must not stop the whole data set
            return row, None, None, None, f"{type(e).__name__}: {e}"
        return row, pixels, img.mode, img.size, None


def _decode_split(split, name: str, image_size: int, workers: int | None = None) -> SplitImages:
    """Decode ``split`` with the seed's transform; worker processes for large splits."""
    if workers is None:
        workers = min(8, os.cpu_count() or 1) if len(split) >= 512 else 0
    loader = torch.utils.data.DataLoader(_DecodeSplit(split, image_size), batch_size=64,
                                         num_workers=workers, collate_fn=list)
    out = SplitImages(name, torch.empty(0, 3, image_size, image_size, dtype=torch.uint8), [], [], [])
    chunks = []
    for batch in tqdm(loader, desc=f"decoding {name}", unit="batch", mininterval=2):
        for row, pixels, mode, size, error in batch:
            if error:
                out.skipped.append((row, error))
                continue
            chunks.append(pixels)
            out.rows.append(row)
            out.modes.append(mode)
            out.sizes.append(tuple(size))
    if chunks:
        out.images = torch.stack(chunks)
    return out


CACHE_VERSION = 1


def load_images(params: Params, splits=None) -> dict[str, SplitImages]:
    """Every split decoded and resized once, as uint8 tensors cached under ``data/cache``.

    The cache key is the split's content fingerprint (source, revision, file versions, split),
    the image size and ``max_images``; a change to any of them builds a new cache. The seed
    decoded and resized every image again on every access instead.
    """
    splits = splits if splits is not None else load_cats(params)
    cache_dir = writable_dir(output_root() / "data" / "cache")
    out = {}
    for name in SPLITS:
        split = splits[name]
        if params.max_images is not None:
            split = split.select(range(min(len(split), params.max_images)))
        key = f"{split._fingerprint}|{params.image_size}|{CACHE_VERSION}"
        path = cache_dir / f"{name}-{params.image_size}px-{hashlib.sha1(key.encode()).hexdigest()[:16]}.pt"
        if path.exists():
            images = SplitImages(**torch.load(path, weights_only=True))
        else:
            images = _decode_split(split, name, params.image_size)
            _atomic_save(asdict(images), path)
        if images.skipped:
            shown = "; ".join(f"row {r}: {e}" for r, e in images.skipped[:5])
            warnings.warn(f"{name}: skipped {len(images.skipped)} of {len(split)} images that "
                          f"could not be read ({shown}{'; ...' if len(images.skipped) > 5 else ''})",
                          stacklevel=2)
        if len(images) == 0:
            raise ValueError(f"{name}: none of the {len(split)} images of {params.data} could be read")
        out[name] = images
    return out


def split_summary(images: dict[str, SplitImages]) -> pd.DataFrame:
    """Sizes of the splits, with unreadable images and the image modes met."""
    return pd.DataFrame({
        name: {"images": len(s), "unreadable (skipped)": len(s.skipped),
               "modes": ", ".join(f"{m}: {n}" for m, n in pd.Series(s.modes).value_counts().items())}
        for name, s in images.items()}).T


# ----------------------------------------------------------------------------------------
# Masks and the seed's data set
# ----------------------------------------------------------------------------------------

def center_mask(image_size: int = 64, hole_size: int = 20) -> torch.Tensor:
    """The seed's mask: float (1, S, S), 1 in a centred square hole, 0 elsewhere.

    For 64 and 20 the hole is rows and columns 22..41, as the seed's ``create_masks``.
    """
    if not 0 < hole_size < image_size:
        raise ValueError(f"HOLE_SIZE must be between 1 and IMAGE_SIZE - 1 ({image_size - 1}), "
                         f"got {hole_size}")
    start = (image_size - hole_size) // 2
    mask = torch.zeros(1, image_size, image_size)
    mask[0, start:start + hole_size, start:start + hole_size] = 1
    return mask


def check_mask(mask: torch.Tensor, image_size: int) -> torch.Tensor:
    """Return ``mask`` as float (1, S, S) or raise ValueError saying what is wrong with it."""
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"mask must be a torch.Tensor, got {type(mask).__name__}")
    if mask.dtype not in (torch.float32, torch.float64, torch.bool, torch.uint8):
        raise ValueError(f"mask must be float32, float64, bool or uint8 (1 = hole), got {mask.dtype}")
    if mask.dim() == 2:
        mask = mask.unsqueeze(0)
    if tuple(mask.shape) != (1, image_size, image_size):
        raise ValueError(f"mask must have shape (1, {image_size}, {image_size}) or "
                         f"({image_size}, {image_size}), got {tuple(mask.shape)}")
    mask = mask.float()
    if not torch.all((mask == 0) | (mask == 1)):
        raise ValueError("mask values must be 0 (known pixel) or 1 (hole)")
    return mask


class CatDataset(torch.utils.data.Dataset):
    """The seed's CatDataset over cached images: item i is (masked image, ground truth), floats."""

    def __init__(self, images: torch.Tensor, mask: torch.Tensor):
        self.images, self.mask = images, check_mask(mask, images.shape[-1])

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        truth = self.images[index].float() / 255
        return (1 - self.mask) * truth, truth


# ----------------------------------------------------------------------------------------
# Models: the seed's networks, layer for layer (state_dict keys too, so its .pt files load)
# ----------------------------------------------------------------------------------------

class Generator(nn.Module):
    """Encoder, dilated middle, decoder; input RGB + mask (4 channels), output RGB in (0, 1).

    4x64x64 -> 64x64x64 -> 128x32x32 -> 256x16x16 -> 256x16x16 -> (dilation 2) 256x14x14
    -> (dilation 4) 256x8x8 -> 256x8x8 -> 128x16x16 -> 128x16x16 -> 64x32x32 -> 64x64x64
    -> 64x64x64 -> 3x64x64. Batch norm follows each ReLU, as in the seed. 3,647,043 parameters.
    """

    def __init__(self, im_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(im_channels + 1, 64, 5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(128, 256, 3, stride=2, padding=1)
        self.conv4 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.conv5 = nn.Conv2d(256, 256, 3, stride=1, padding=1, dilation=2)
        self.conv6 = nn.Conv2d(256, 256, 3, stride=1, padding=1, dilation=4)
        self.conv7 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.deconv8 = nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)
        self.conv9 = nn.Conv2d(128, 128, 3, stride=1, padding=1)
        self.deconv10 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.deconv11 = nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1)
        self.conv12 = nn.Conv2d(64, 64, 3, stride=1, padding=1)
        self.conv13 = nn.Conv2d(64, 3, 3, stride=1, padding=1)
        for i, width in enumerate((64, 128, 256, 256, 256, 256, 256, 128, 128, 64, 64, 64), start=1):
            setattr(self, f"bn{i}", nn.BatchNorm2d(width))
        self.relu = nn.ReLU()
        self.sig = nn.Sigmoid()

    def forward(self, x):
        layers = (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5, self.conv6,
                  self.conv7, self.deconv8, self.conv9, self.deconv10, self.deconv11, self.conv12)
        for i, layer in enumerate(layers, start=1):
            x = getattr(self, f"bn{i}")(self.relu(layer(x)))
        return self.sig(self.conv13(x))


class Discriminator(nn.Module):
    """A CNN classifier, real (1) or inpainted (0): four conv + avg-pool stages, global
    average pooling, five linear layers, sigmoid. 3x64x64 -> 64x32x32 -> 128x16x16 -> 256x8x8
    -> 512x4x4 -> 512 -> 512 -> 512 -> 256 -> 10 -> 1. 2,212,117 parameters.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1)
        self.conv2 = nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=1)
        self.conv3 = nn.Conv2d(128, 256, kernel_size=3, stride=1, padding=1)
        self.conv4 = nn.Conv2d(256, 512, kernel_size=3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.bn2 = nn.BatchNorm2d(128)
        self.bn3 = nn.BatchNorm2d(256)
        self.bn4 = nn.BatchNorm2d(512)
        self.fc1 = nn.Linear(512, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 256)
        self.fc4 = nn.Linear(256, 10)
        self.fc5 = nn.Linear(10, 1)
        self.down_sample = nn.AvgPool2d(2)
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2),
                         (self.conv3, self.bn3), (self.conv4, self.bn4)):
            x = bn(self.relu(self.down_sample(conv(x))))
        x = torch.flatten(self.global_pool(x), 1)  # the seed's .view(), which channels_last breaks
        for fc in (self.fc1, self.fc2, self.fc3, self.fc4):
            x = self.relu(fc(x))
        return self.sigmoid(self.fc5(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(model: nn.Module, input_shape: tuple) -> pd.DataFrame:
    """Each layer's output shape and parameter count for one input of ``input_shape``."""
    rows, hooks = [], []
    for name, module in model.named_children():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            hooks.append(module.register_forward_hook(
                lambda m, i, o, name=name: rows.append((name, "x".join(map(str, o.shape[1:])), count_parameters(m)))))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    table = pd.DataFrame(rows, columns=["layer", "output", "parameters"]).set_index("layer")
    table.loc["all (with batch norms)"] = ["", count_parameters(model)]
    return table


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------

# The seed trains one model per criterion; each is applied to D's sigmoid output vs labels 1/0.
CRITERIA = {"bce": nn.BCELoss, "l1": nn.L1Loss, "l2": nn.MSELoss, "huber": nn.HuberLoss}
RUNS = {  # run -> (label in tables, notebook that trains it, epochs parameter)
    "bce": ("BCE", "02_baseline_bce.ipynb", "bce_epochs"),
    "l1": ("L1", "03_loss_experiments.ipynb", "loss_epochs"),
    "l2": ("L2", "03_loss_experiments.ipynb", "loss_epochs"),
    "huber": ("Huber", "03_loss_experiments.ipynb", "loss_epochs"),
}
VAL_SAMPLES = 4  # validation images inpainted after every epoch (the seed showed 4)
LOG_EVERY = 50  # steps between progress-bar loss readouts (each one waits for the GPU)
# The seed ran G twice per step; in train mode the second run gives the same output but moves
# the BatchNorm running statistics a second time. One update with momentum 1 - (1 - 0.1)^2
# lands on the same statistics, so evaluation (which uses them) matches the seed too.
SEED_BN_MOMENTUM = 1 - (1 - 0.1) ** 2
CHECKPOINT_FORMAT = 1


@dataclass
class RunResult:
    """A trained (or loaded) run: networks, per-iteration and per-epoch history, checkpoint."""

    run: str  # a key of RUNS; also its criterion's key in CRITERIA
    g: Generator
    d: Discriminator
    history: dict
    checkpoint: Path
    trained_epochs: int = 0  # epochs trained in this call (0: loaded a finished run)

    @property
    def label(self) -> str:
        return RUNS.get(self.run, (self.run,))[0]


def train_run(run: str, params: Params, images: dict[str, SplitImages]) -> RunResult:
    """Train (or resume, or load if finished) one of the seed's four runs: bce, l1, l2, huber."""
    if run not in RUNS:
        raise ValueError(f"unknown run {run!r}; valid runs: {', '.join(RUNS)}")
    epochs = getattr(params, RUNS[run][2])
    return train_gan(run, CRITERIA[run](), images["train"].images, images["validation"].images,
                     params, checkpoints_dir(params) / f"{run}.pt", epochs)


def train_gan(run: str, criterion: nn.Module, train_images: torch.Tensor, val_images: torch.Tensor,
              params: Params, checkpoint: Path, epochs: int) -> RunResult:
    """The seed's training loop, made resumable, reproducible and faster with the same maths.

    Per step, as the seed: D on real images (target 1) and on detached composites
    ``G(x) * mask + masked`` (target 0), one Adam step; then G so that D calls the composites
    real, one Adam step. Differences: G runs once per step (the seed ran it twice with the
    same weights and input); D's weight gradients are not computed in the G step (the seed
    computed and then discarded them); images come from the uint8 cache; batch order and
    initial weights follow ``params.seed``. A checkpoint is written after every epoch, and a
    rerun continues from the last complete one.
    """
    device = resolve_device(params.device)
    g, d, opt_g, opt_d = build_models(params, device)
    batch_order = torch.Generator().manual_seed(params.seed)
    history = {"g_losses": [], "d_losses": [], "epoch_g": [], "epoch_d": [], "epoch_seconds": [],
               "val_samples": torch.empty(0, min(VAL_SAMPLES, len(val_images)), 3,
                                          params.image_size, params.image_size, dtype=torch.uint8)}
    done = 0
    state = None if params.retrain else read_checkpoint(checkpoint, run, params)
    if state is not None:
        g.load_state_dict(state["generator"])
        d.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        history, done = state["history"], state["epoch"]
        _set_rng_state(state["rng"], batch_order)
        if done > epochs:
            raise ValueError(f"{checkpoint} holds {done} epochs of {run}, more than the {epochs} asked "
                             "for; ask for at least as many, or set RETRAIN=True to start over")
    if done == epochs:
        print(f"{run}: loaded the finished run ({done} epochs) from {checkpoint}")
        return RunResult(run, g.eval(), d.eval(), history, checkpoint, 0)
    if done:
        print(f"{run}: resuming from epoch {done} of {epochs} ({checkpoint})")

    step = make_step(g, d, opt_g, opt_d, criterion, params, device)
    mask = center_mask(params.image_size, params.hole_size).to(device)
    images = train_images.to(device)
    val_truth = val_images[:VAL_SAMPLES].to(device).float() / 255
    steps = math.ceil(len(images) / params.batch_size)
    bar = tqdm(total=(epochs - done) * steps, desc=run, unit="step", mininterval=2)  # off: TQDM_DISABLE=1
    try:
        for epoch in range(done, epochs):
            g.train()
            d.train()
            start = time.perf_counter()
            losses = torch.zeros(steps, 2, device=device)
            order = torch.randperm(len(images), generator=batch_order).to(device)
            for i, batch in enumerate(order.split(params.batch_size)):
                losses[i] = torch.stack(step(images[batch].float().div_(255), mask))
                bar.update()
                if (i + 1) % LOG_EVERY == 0:
                    d_now, g_now = losses[i].tolist()
                    _check_finite(losses[: i + 1], run, epoch, checkpoint)
                    bar.set_postfix(D=f"{d_now:.4f}", G=f"{g_now:.4f}", refresh=False)
            _check_finite(losses, run, epoch, checkpoint)
            losses = losses.cpu()
            history["d_losses"] += losses[:, 0].tolist()
            history["g_losses"] += losses[:, 1].tolist()
            history["epoch_d"].append(losses[:, 0].mean().item())
            history["epoch_g"].append(losses[:, 1].mean().item())
            history["epoch_seconds"].append(time.perf_counter() - start)
            history["val_samples"] = torch.cat([history["val_samples"], _inpaint_samples(g, val_truth, mask)[None]])
            tqdm.write(f"Epoch [{epoch + 1}/{epochs}], Step [{steps}/{steps}], "
                       f"Discriminator Loss: {history['epoch_d'][-1]:.4f}, "
                       f"Generator Loss: {history['epoch_g'][-1]:.4f} ({history['epoch_seconds'][-1]:.1f} s)")
            _atomic_save({
                "format": CHECKPOINT_FORMAT, "run": run, "criterion": type(criterion).__name__,
                "epoch": epoch + 1, "epochs": epochs, "params": asdict(params),
                "generator": _cpu_state(g), "discriminator": _cpu_state(d),
                "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                "history": history, "rng": _rng_state(batch_order)}, checkpoint)
    except KeyboardInterrupt:
        tqdm.write(f"{run}: interrupted; {len(history['epoch_d'])} complete epoch(s) are saved in "
                   f"{checkpoint}. Run again to resume.")
        raise
    finally:
        bar.close()
    return RunResult(run, g.eval(), d.eval(), history, checkpoint, epochs - done)


def build_models(params: Params, device: torch.device):
    """The seed's G and D, initialised from ``params.seed``, and their Adam optimisers, with
    the memory-format and fused-Adam options applied. G's batch norms get SEED_BN_MOMENTUM."""
    if params.amp and device.type == "cpu":
        warnings.warn("AMP=True on a CPU: bf16 autocast is emulated on most CPUs and can be many times "
                      "slower than float32 (16 s a step against 0.6 s on the 2-core CI machine)", stacklevel=3)
    seed_everything(params.seed)
    g, d = Generator().to(device), Discriminator().to(device)
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = SEED_BN_MOMENTUM
    if params.channels_last:
        g, d = g.to(memory_format=torch.channels_last), d.to(memory_format=torch.channels_last)
    # foreach gives the same numbers as the seed's default (the default itself on CUDA), faster on CPU
    how = {"fused": True} if params.fused_adam else {"foreach": True}
    opt_g = torch.optim.Adam(g.parameters(), lr=params.lr, **how)
    opt_d = torch.optim.Adam(d.parameters(), lr=params.lr, **how)
    return g, d, opt_g, opt_d


def make_step(g, d, opt_g, opt_d, criterion, params: Params, device: torch.device):
    """``step(truth, mask) -> (D loss, G loss)``: one training step with the speed options applied."""
    g_run, d_run = (torch.compile(g), torch.compile(d)) if params.compile else (g, d)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=params.amp)

    def step(truth, mask):
        if params.channels_last:
            truth = truth.contiguous(memory_format=torch.channels_last)
        return _train_step(g_run, d_run, opt_g, opt_d, criterion, truth, mask, autocast)

    return step


def _train_step(g, d, opt_g, opt_d, criterion, truth, mask, autocast):
    """One step of the seed's loop; returns the detached (D loss, G loss), NaN if D diverged."""
    n = truth.shape[0]
    real, fake = truth.new_ones(n), truth.new_zeros(n)
    masked = (1 - mask) * truth
    with autocast():
        generated = g(torch.cat((masked, mask.expand(n, 1, -1, -1)), dim=1))
    inpainted = generated.float() * mask + masked
    with autocast():  # losses stay outside autocast: BCELoss is not autocast-safe
        d_real, d_fake = d(truth), d(inpainted.detach())
    d_loss = criterion(_scores(d_real), real) + criterion(_scores(d_fake), fake)
    _optimizer_step(opt_d, d_loss)
    with autocast():
        d_inpainted = d(inpainted)
    g_loss = criterion(_scores(d_inpainted), real)
    _optimizer_step(opt_g, g_loss)
    finite = torch.isfinite(torch.cat([d_real.view(-1), d_fake.view(-1), d_inpainted.view(-1)])).all()
    nan = torch.full((), float("nan"), device=truth.device)
    return torch.where(finite, d_loss.detach(), nan), torch.where(finite, g_loss.detach(), nan)


def _scores(out: torch.Tensor) -> torch.Tensor:
    """D's outputs as a float vector. A NaN (a diverged D) becomes 0 so that BCELoss's range check,
    a crash on CPU and a device-side assert on CUDA, does not fire; the step reports NaN losses
    instead. Finite outputs pass unchanged, gradients included."""
    return out.float().view(-1).nan_to_num(0.0)


def _optimizer_step(optimizer, loss):
    """Step ``optimizer`` on the gradient of ``loss`` with respect to its own parameters only."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for p, grad in zip(params, torch.autograd.grad(loss, params)):
        p.grad = grad
    optimizer.step()


def _check_finite(losses, run, epoch, checkpoint):
    bad = (~torch.isfinite(losses)).any(dim=1).nonzero()
    if len(bad):
        step = int(bad[0])
        d_loss, g_loss = losses[step].tolist()
        kept = f"the last good checkpoint (epoch {epoch}) is kept at {checkpoint}" if epoch \
            else "no epoch had finished, so no checkpoint was written"
        raise FloatingPointError(
            f"{run}: non-finite loss at epoch {epoch + 1}, step {step + 1} (D {d_loss}, G {g_loss}). "
            f"Training stopped; {kept}. A lower LR, or AMP=False, may help.")


@torch.no_grad()
def _inpaint_samples(g, truth, mask) -> torch.Tensor:
    was_training = g.training
    out = inpaint(generator_fill(g), truth, mask)
    g.train(was_training)
    return to_uint8(out).cpu()


def _cpu_state(model: nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _rng_state(batch_order: torch.Generator) -> dict:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"batch_order": batch_order.get_state(), "torch": torch.get_rng_state(),
             "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
             "python": list(random.getstate())}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict, batch_order: torch.Generator) -> None:
    batch_order.set_state(state["batch_order"])
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file, flushed to disk, then renamed over ``path``."""
    path = Path(path)
    writable_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(path: Path) -> dict:
    """Read a checkpoint (tensors and plain data only), with a clear error if it can't be."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise RuntimeError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e}); "
                           "delete it, or set RETRAIN=True to train again") from e
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise RuntimeError(f"{path} is not a checkpoint of this project (format {CHECKPOINT_FORMAT})")
    return state


def read_checkpoint(path: Path, run: str, params: Params) -> dict | None:
    """The checkpoint of ``run`` at ``path`` if there is one, checked against ``params``."""
    if not Path(path).exists():
        return None
    state = load_checkpoint(path)
    saved = state["params"]
    mismatches = [f"{k.upper()}={saved.get(k)!r} (now {getattr(params, k)!r})"
                  for k in TRAINING_IDENTITY if saved.get(k) != getattr(params, k)]
    if state["run"] != run:
        mismatches.insert(0, f"run {state['run']!r} (now {run!r})")
    if mismatches:
        raise ValueError(f"{path} was made with {', '.join(mismatches)}. Set RETRAIN=True to train "
                         "again, or RUN_NAME (or CHECKPOINT_DIR) to keep both runs")
    for key, model in (("generator", Generator()), ("discriminator", Discriminator())):
        _check_architecture(model, state[key], path, key)
    return state


def _check_architecture(model: nn.Module, state_dict: dict, path, what: str) -> None:
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state_dict.items()}
    problems = [f"{k}: expected {expected[k]}, found {found[k]}"
                for k in expected if k in found and expected[k] != found[k]]
    problems += [f"{k} missing" for k in expected if k not in found]
    problems += [f"unexpected {k}" for k in found if k not in expected]
    if problems:
        raise ValueError(f"{path} holds a {what} of another architecture than the seed's "
                         f"{type(model).__name__}: {'; '.join(problems[:4])}")


def training_summary(results: dict[str, RunResult]) -> pd.DataFrame:
    """Epochs, final-epoch mean losses (the seed's printed figures) and time per epoch."""
    return pd.DataFrame({label: {
        "epochs": len(r.history["epoch_d"]),
        "final-epoch D loss": r.history["epoch_d"][-1],
        "final-epoch G loss": r.history["epoch_g"][-1],
        "seconds per epoch": float(np.mean(r.history["epoch_seconds"]))} for label, r in results.items()}).T


def load_trained(params: Params, device=None) -> dict[str, RunResult]:
    """The four finished runs of notebooks 02 and 03, by label; errors name the notebook to run."""
    device = device or resolve_device(params.device)
    models = {}
    for run, (label, notebook, _) in RUNS.items():
        path = checkpoints_dir(params) / f"{run}.pt"
        if not path.exists():
            raise FileNotFoundError(f"no checkpoint for the {label} run at {path}: run "
                                    f"notebooks/{notebook} first (or `python report.py`)")
        state = read_checkpoint(path, run, params)
        if state["epoch"] < state["epochs"]:
            raise RuntimeError(f"the {label} run in {path} stopped after epoch {state['epoch']} of "
                               f"{state['epochs']}: rerun notebooks/{notebook} to finish it")
        g, d = Generator(), Discriminator()
        g.load_state_dict(state["generator"])
        d.load_state_dict(state["discriminator"])
        models[label] = RunResult(run, g.to(device).eval(), d.to(device).eval(), state["history"], path)
    return models


# ----------------------------------------------------------------------------------------
# Evaluation: metrics on a whole split, classical baselines, results table
# ----------------------------------------------------------------------------------------

PSNR_CAP = 100.0  # dB, reported for a perfect reconstruction (where the MSE is 0)
# column -> (title, higher is better)
METRICS = {
    "hole_l1": ("Hole L1", False), "hole_l2": ("Hole L2 (MSE)", False),
    "hole_psnr": ("Hole PSNR (dB)", True), "full_psnr": ("Image PSNR (dB)", True),
    "full_ssim": ("Image SSIM", True),
}


def image_metrics(inpainted: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor) -> dict:
    """Per-image metrics of composites against ground truth, images in [0, 1].

    Hole metrics use only the hole's pixels; image metrics the whole composite (known pixels
    pasted back). PSNR is computed per image and capped at PSNR_CAP; SSIM uses an 11x11
    Gaussian window. PSNR and SSIM are torchmetrics' implementations.
    """
    from torchmetrics.functional.image import peak_signal_noise_ratio as psnr
    from torchmetrics.functional.image import structural_similarity_index_measure as ssim

    hole = check_mask(mask, truth.shape[-1])[0].bool().to(truth.device)
    pred, target = inpainted[:, :, hole], truth[:, :, hole]  # (N, 3, hole pixels)
    error = pred - target
    return {
        "hole_l1": error.abs().mean(dim=(1, 2)),
        "hole_l2": error.pow(2).mean(dim=(1, 2)),
        "hole_psnr": psnr(pred, target, data_range=1.0, reduction="none", dim=(1, 2)).clamp(max=PSNR_CAP),
        "full_psnr": psnr(inpainted, truth, data_range=1.0, reduction="none", dim=(1, 2, 3)).clamp(max=PSNR_CAP),
        "full_ssim": ssim(inpainted, truth, data_range=1.0, reduction="none"),
    }


def inpaint(fill, truth: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The composite the seed trained on: ``fill``'s output in the hole, ``truth`` elsewhere.

    ``fill(masked images, mask) -> images`` sees only the known pixels (the hole is zero).
    """
    masked = (1 - mask) * truth
    return fill(masked, mask).clamp(0, 1) * mask + masked


def generator_fill(g: Generator):
    """A fill function (masked images, mask) -> images, from a generator in eval mode."""
    def fill(masked, mask):
        g.eval()
        device = next(g.parameters()).device
        x = torch.cat((masked, mask.expand(len(masked), 1, -1, -1)), dim=1).to(device)
        return g(x).float().to(masked.device)
    return fill


def _per_image_fill(fill_one):
    """Lift ``fill_one(uint8 HxWx3, uint8 hole mask HxW) -> HxWx3`` to a batch fill function."""
    def fill(masked, mask):
        hole = (mask[0].cpu().numpy() > 0).astype(np.uint8)
        images = to_uint8(masked).permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([np.asarray(fill_one(img, hole), dtype=np.float32) for img in images])
        return torch.from_numpy(out / 255).permute(0, 3, 1, 2).to(masked.device)
    return fill


def _telea(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_TELEA)


def _navier_stokes(img, hole):
    import cv2
    return cv2.inpaint(img, hole, 3, cv2.INPAINT_NS)


def _biharmonic(img, hole):
    from skimage.restoration import inpaint_biharmonic
    return inpaint_biharmonic(img, hole.astype(bool), channel_axis=-1) * 255


def _mean_fill(img, hole):
    out = img.astype(np.float32)
    out[hole > 0] = out[hole == 0].mean(axis=0)
    return out


BASELINES = {  # label -> batch fill function; every one sees only the known pixels
    "Telea": _per_image_fill(_telea),  # OpenCV fast marching, radius 3
    "Navier-Stokes": _per_image_fill(_navier_stokes),  # OpenCV, radius 3
    "Biharmonic": _per_image_fill(_biharmonic),  # scikit-image
    "Mean colour": _per_image_fill(_mean_fill),  # mean colour of the image's known pixels
}


@torch.no_grad()
def evaluate(fill, images: torch.Tensor, mask: torch.Tensor, *, d: nn.Module | None = None,
             criterion: str | None = None, device=None, batch_size: int = 256) -> pd.DataFrame:
    """Metrics of ``fill`` on every image of ``images`` (uint8, fixed order): one row per image.

    With a discriminator ``d`` and a ``criterion`` name, also the seed's figures per image:
    D loss = criterion(D(composite), 0) and G loss = criterion(D(composite), 1).
    """
    device = torch.device(device or "cpu")
    mask = check_mask(mask, images.shape[-1]).to(device)
    loss = CRITERIA[criterion](reduction="none") if d is not None else None
    parts = []
    for start in range(0, len(images), batch_size):
        truth = images[start:start + batch_size].to(device).float() / 255
        inpainted = inpaint(fill, truth, mask)
        metrics = image_metrics(inpainted, truth, mask)
        if d is not None:
            d.eval()
            out = d(inpainted).float().view(-1)
            metrics["d_loss"] = loss(out, torch.zeros_like(out))
            metrics["g_loss"] = loss(out, torch.ones_like(out))
        parts.append(pd.DataFrame({k: v.cpu().numpy() for k, v in metrics.items()}))
    table = pd.concat(parts, ignore_index=True)
    table.index.name = "image"
    return table


def evaluate_run(result: RunResult, test: SplitImages, params: Params) -> pd.DataFrame:
    """``evaluate`` for a trained run, with the seed's D and G losses under its own criterion."""
    mask = center_mask(params.image_size, params.hole_size)
    return evaluate(generator_fill(result.g), test.images, mask, d=result.d, criterion=result.run,
                    device=resolve_device(params.device))


def compare_methods(models: dict[str, RunResult], test: SplitImages, params: Params) -> pd.DataFrame:
    """Per-image metrics of every trained model and every baseline on the whole test split."""
    mask = center_mask(params.image_size, params.hole_size)
    parts = [evaluate_run(m, test, params).assign(method=label, kind="GAN") for label, m in models.items()]
    for label, fill in tqdm(BASELINES.items(), desc="baselines", mininterval=2):
        parts.append(evaluate(fill, test.images, mask).assign(method=label, kind="baseline"))
    return pd.concat(parts).reset_index()


def results_table(per_image: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Mean of each metric per method; saved as results.csv and results.md in the reports folder."""
    columns = [c for c in [*METRICS, "d_loss", "g_loss"] if c in per_image]
    table = per_image.groupby("method", sort=False).agg(
        kind=("kind", "first"), images=("image", "count"), **{c: (c, "mean") for c in columns})
    out = reports_dir(params)
    table.to_csv(out / "results.csv")
    (out / "results.md").write_text(table.to_markdown(floatfmt=".4f") + "\n")
    per_image.to_csv(out / "per_image.csv", index=False)
    return table


def load_results(params: Params) -> pd.DataFrame:
    """The results table written by notebook 04."""
    path = output_root() / "reports" / params.name / "results.csv"
    if not path.exists():
        raise FileNotFoundError(f"no results table at {path}: run notebooks/04_comparison.ipynb first "
                                "(or `python report.py`)")
    return pd.read_csv(path, index_col="method")


def describe_winners(table: pd.DataFrame) -> str:
    """Markdown: which kind of method wins how many metrics; then per metric the best overall,
    the best GAN and the best baseline, with their values from ``table``."""
    wins = {kind: sum(table.sort_values(c, ascending=not higher)["kind"].iloc[0] == kind
                      for c, (_, higher) in METRICS.items()) for kind in ("GAN", "baseline")}
    lines = [f"Over {int(table['images'].max())} test images, a trained GAN is best on "
             f"{wins['GAN']} of the {len(METRICS)} metrics and a classical baseline on {wins['baseline']}.", ""]
    for column, (title, higher) in METRICS.items():
        ranked = table.sort_values(column, ascending=not higher)
        best = ranked.index[0]
        by_kind = {kind: ranked[ranked["kind"] == kind].index[0] for kind in ("GAN", "baseline")
                   if (ranked["kind"] == kind).any()}
        others = ", ".join(f"best {kind}: {name} {ranked.loc[name, column]:.4g}"
                           for kind, name in by_kind.items() if name != best)
        lines.append(f"- **{title}** ({'higher' if higher else 'lower'} is better): **{best}** "
                     f"({table.loc[best, 'kind']}), {table.loc[best, column]:.4g}; {others}")
    return "\n".join(lines)


SEED_REPORTED = pd.DataFrame(  # the seed's printed figures on the hub data, 9,392 training images
    {"final-epoch D loss": [0.4898, 0.9916, 0.2931, 0.1336],
     "final-epoch G loss": [3.7318, 0.1979, 0.5730, 0.3115],
     "'test' D loss": [0.0366, None, None, None],  # BCE only, on 80 validation images (it said 88)
     "'test' G loss": [3.7808, None, None, None]},
    index=pd.Index(["BCE", "L1", "L2", "Huber"], name="method"))


def seed_comparison(models: dict[str, RunResult], table: pd.DataFrame, params: Params) -> pd.DataFrame | None:
    """The seed's reported losses beside ours (final training epoch; test split), for hub data."""
    if params.data != HUB_ID:
        print(f"The seed's reported losses are on {HUB_ID}; this run's data ({params.data}) differ, "
              "so they are not compared here. The full profile compares them.")
        return None
    ours = pd.DataFrame({
        "final-epoch D loss": {k: m.history["epoch_d"][-1] for k, m in models.items()},
        "final-epoch G loss": {k: m.history["epoch_g"][-1] for k, m in models.items()},
        "'test' D loss": table["d_loss"].reindex(list(models)),
        "'test' G loss": table["g_loss"].reindex(list(models))})
    return pd.concat({"seed report": SEED_REPORTED, "this run": ours}, axis=1)


def perceptual_metrics(models: dict[str, RunResult], test: SplitImages, params: Params) -> pd.DataFrame | None:
    """LPIPS (AlexNet) and FID per method, only where their weights are already on disk.

    Nothing is downloaded: without the weights this prints which metric was skipped and why.
    """
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    alexnet = checkpoints / "alexnet-owt-7be5be79.pth"
    inception = checkpoints / "weights-inception-2015-12-05-6726825d.pth"
    try:
        import torch_fidelity  # noqa: F401  (FID's feature extractor)
        has_fidelity = True
    except ImportError:
        has_fidelity = False
    use_lpips, use_fid = alexnet.exists(), inception.exists() and has_fidelity
    if not use_lpips:
        print(f"LPIPS skipped: its AlexNet weights are not on disk ({alexnet}); nothing is downloaded.")
    if not use_fid:
        why = f"the Inception weights are not on disk ({inception})" if has_fidelity else "torch-fidelity is not installed"
        print(f"FID skipped: {why}; nothing is downloaded.")
    if not (use_lpips or use_fid):
        return None
    device = resolve_device(params.device)
    mask = center_mask(params.image_size, params.hole_size).to(device)
    truth = test.images.to(device).float() / 255
    if use_lpips:
        from torchmetrics.image.lpip import LearnedPerceptualImagePatchSimilarity

        lpips = LearnedPerceptualImagePatchSimilarity(net_type="alex", normalize=True).to(device)
    if use_fid:
        from torchmetrics.image.fid import FrechetInceptionDistance

        fid = FrechetInceptionDistance(normalize=True, reset_real_features=False,
                                       feature_extractor_weights_path=str(inception)).to(device)
        fid.update(truth, real=True)
    rows = {}
    with torch.no_grad():
        for label, fill in ({label: generator_fill(m.g) for label, m in models.items()} | BASELINES).items():
            inpainted = inpaint(fill, truth, mask)
            rows[label] = {}
            if use_lpips:
                rows[label]["LPIPS"] = lpips(inpainted, truth).item()
                lpips.reset()
            if use_fid:
                fid.update(inpainted, real=False)
                rows[label]["FID"] = fid.compute().item()
                fid.reset()
    return pd.DataFrame(rows).T


# ----------------------------------------------------------------------------------------
# Figures: each is saved under figures/<run name>/ with a stable name, then shown
# ----------------------------------------------------------------------------------------

def save_figure(fig, name: str, params: Params):
    """Save ``fig`` as figures/<run name>/<name>.png, close it, and return that PNG for display:
    what a notebook shows is the file, whatever matplotlib backend is active."""
    from IPython.display import Image as PNG

    path = figures_dir(params) / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return PNG(filename=str(path))


def _show(ax, image: torch.Tensor, title: str | None = None):
    """Draw one CHW image (uint8, or float in [0, 1]) without axes."""
    if image.dtype != torch.uint8:
        image = to_uint8(image)  # clamps: the seed's plots warned "Clipping input data" at 1.0000002
    ax.imshow(image.permute(1, 2, 0).cpu().numpy())
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def plot_mask(params: Params):
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(center_mask(params.image_size, params.hole_size)[0], cmap="gray")
    ax.set_title(f"{params.hole_size}x{params.hole_size} hole in {params.image_size}x{params.image_size}")
    return save_figure(fig, "01_mask", params)


def plot_training_pairs(dataset: CatDataset, indices, params: Params):
    """The seed's figure 3.4: masked training images beside their ground truth."""
    fig, axes = plt.subplots(len(indices), 2, figsize=(6, 3 * len(indices)), squeeze=False)
    for row, index in enumerate(indices):
        masked, truth = dataset[index]
        _show(axes[row, 0], masked, "Training image" if row == 0 else None)
        _show(axes[row, 1], truth, "Ground truth" if row == 0 else None)
    return save_figure(fig, "01_training_pairs", params)


def plot_image_sizes(images: dict[str, SplitImages], params: Params):
    """Original widths and heights of the images, before the resize to IMAGE_SIZE."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, split in images.items():
        w, h = zip(*split.sizes)
        ax.scatter(w, h, s=6, alpha=0.4, label=f"{name} ({len(split)})")
    ax.set(xlabel="width (px)", ylabel="height (px)", title="Image sizes before resizing")
    ax.legend()
    return save_figure(fig, "01_image_sizes", params)


def plot_losses(results: dict[str, RunResult], name: str, params: Params):
    """The seed's loss figures (4.4 and 6.4): per-iteration G and D losses, one panel per run,
    with each epoch's mean on top."""
    fig, axes = plt.subplots(1, len(results), figsize=(max(10, 6 * len(results)), 5), squeeze=False)
    for ax, (label, result) in zip(axes[0], results.items()):
        history = result.history
        steps = len(history["g_losses"]) // max(1, len(history["epoch_g"]))
        ends = [steps * (e + 1) for e in range(len(history["epoch_g"]))]
        for key, who, color in (("g", "Generator", "C0"), ("d", "Discriminator", "C1")):
            ax.plot(history[f"{key}_losses"], color=color, alpha=0.6, linewidth=0.8, label=who)
            ax.plot(ends, history[f"epoch_{key}"], "o-", color=color, label=f"{who}, epoch mean")
        ax.set(title=f"Training Losses - {label}", xlabel="Iteration", ylabel="Loss")
        ax.legend()
        ax.grid(True)
    fig.tight_layout()
    return save_figure(fig, name, params)


def plot_progress(history: dict, name: str, params: Params, max_rows: int = 10):
    """Inpainted validation images after each epoch (at most ``max_rows`` epochs, evenly spread)."""
    samples = history["val_samples"]
    epochs = np.unique(np.linspace(0, len(samples) - 1, min(max_rows, len(samples))).round().astype(int))
    fig, axes = plt.subplots(len(epochs), samples.shape[1], squeeze=False,
                             figsize=(2 * samples.shape[1], 2 * len(epochs)))
    for row, epoch in enumerate(epochs):
        for col in range(samples.shape[1]):
            _show(axes[row, col], samples[epoch, col])
        axes[row, 0].text(-4, params.image_size / 2, f"epoch {epoch + 1}", ha="right", va="center")
    fig.suptitle("Validation images inpainted after each epoch")
    return save_figure(fig, name, params)


@torch.no_grad()
def plot_inpainted_vs_truth(g: Generator, test: SplitImages, indices, params: Params):
    """The seed's figure 5: inpainted test images beside the ground truth."""
    mask = center_mask(params.image_size, params.hole_size)
    truth = test.images[list(indices)].float() / 255
    inpainted = inpaint(generator_fill(g), truth, mask)
    fig, axes = plt.subplots(len(indices), 2, figsize=(6, 3 * len(indices)), squeeze=False)
    for row in range(len(indices)):
        _show(axes[row, 0], inpainted[row], "Inpainted (fake)" if row == 0 else None)
        _show(axes[row, 1], truth[row], "Ground truth" if row == 0 else None)
    return save_figure(fig, "02_bce_test_samples", params)


@torch.no_grad()
def plot_comparison_grid(models: dict[str, RunResult], test: SplitImages, indices, params: Params):
    """The seed's figure 7.1 on fixed test images, with the baselines as extra columns."""
    mask = center_mask(params.image_size, params.hole_size)
    truth = test.images[list(indices)].float() / 255
    fills = {label: generator_fill(m.g) for label, m in models.items()} | BASELINES
    columns = {"Input masked": (1 - mask) * truth}
    columns |= {label: inpaint(fill, truth, mask) for label, fill in fills.items()}
    columns["Ground Truth"] = truth
    fig, axes = plt.subplots(len(indices), len(columns), squeeze=False,
                             figsize=(2 * len(columns), 2 * len(indices)))
    for col, (title, images) in enumerate(columns.items()):
        for row in range(len(indices)):
            _show(axes[row, col], images[row], title if row == 0 else None)
    fig.tight_layout()
    return save_figure(fig, "04_comparison_grid", params)


def plot_psnr_distribution(per_image: pd.DataFrame, params: Params):
    """Box plot of per-image hole PSNR for each method."""
    methods = list(dict.fromkeys(per_image["method"]))
    fig, ax = plt.subplots(figsize=(1.3 * len(methods) + 2, 4.5))
    ax.boxplot([per_image.loc[per_image["method"] == m, "hole_psnr"] for m in methods])
    ax.set_xticks(range(1, len(methods) + 1), methods, rotation=30, ha="right")
    ax.set(ylabel="hole PSNR (dB), per image", title=f"Hole PSNR on {per_image['image'].nunique()} test images")
    ax.grid(True, axis="y")
    return save_figure(fig, "04_hole_psnr", params)
