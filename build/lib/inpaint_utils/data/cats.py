"""Data: the cats of microsoft/cats_vs_dogs, split 80/10/10 as the seed did, decoded once.

Sources are the hub, a parquet file or folder, an image folder, or ``sample``: an embedded
stand-in in the hub's schema, built offline from photos that scikit-image ships.
"""

import hashlib
import io
import math
import os
import re
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torchvision.transforms import v2
from tqdm import tqdm

from ..core.paths import ROOT, atomic_save, atomic_write, output_root, writable_dir
from ..core.settings import HUB_ID, HUB_SIZES, SPLIT_SEED, SPLITS, Params
from ..data.pixels import to_uint8
from .masks import check_mask

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


def _datasets():
    """The ``datasets`` library, imported on first use. Its import loads tqdm.auto, which in Jupyter
    without ipywidgets warns "IProgress not found"; the text progress bars it falls back to work."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import datasets
    return datasets


def _build_sample(path: Path) -> None:
    import skimage.data

    datasets = _datasets()
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
    atomic_write(path, table.to_parquet)


def _open_source(source: str, revision: str | None):
    """The raw data set (all rows, images undecoded) with columns ``image`` and ``labels``."""
    datasets = _datasets()
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
    ds = _open_source(params.data, params.revision)
    cat = _cat_label(ds)
    cats = ds.filter(lambda ys: [y == cat for y in ys], input_columns="labels", batched=True)
    if len(cats) < 10:
        raise ValueError(f"data source {params.data} has {len(cats)} cat rows (labels == {cat}) "
                         f"among {len(ds)}; at least 10 are needed for the 80/10/10 split")
    first = cats.train_test_split(test_size=0.2, seed=SPLIT_SEED)
    second = first["test"].train_test_split(test_size=0.5, seed=SPLIT_SEED)
    splits = _datasets().DatasetDict(train=first["train"], validation=second["train"], test=second["test"])
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


def load_images(params: Params, splits=None, image_size: int | None = None) -> dict[str, SplitImages]:
    """Every split decoded and resized once (to IMAGE_SIZE, or ``image_size``), as uint8 tensors
    cached under ``data/cache``.

    The cache key is the split's content fingerprint (source, revision, file versions, split),
    the image size and ``max_images``; a change to any of them builds a new cache. The seed
    decoded and resized every image again on every access instead.
    """
    splits = splits if splits is not None else load_cats(params)
    size = image_size or params.image_size
    cache_dir = writable_dir(output_root() / "data" / "cache")
    out = {}
    for name in SPLITS:
        split = splits[name]
        if params.max_images is not None:
            split = split.select(range(min(len(split), params.max_images)))
        key = f"{split._fingerprint}|{size}|{CACHE_VERSION}"
        path = cache_dir / f"{name}-{size}px-{hashlib.sha1(key.encode()).hexdigest()[:16]}.pt"
        if path.exists():
            images = SplitImages(**torch.load(path, weights_only=True))
        else:
            images = _decode_split(split, name, size)
            atomic_save(asdict(images), path)
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


class CatDataset(torch.utils.data.Dataset):
    """The seed's CatDataset over cached images: item i is (masked image, ground truth), floats."""

    def __init__(self, images: torch.Tensor, mask: torch.Tensor):
        self.images, self.mask = images, check_mask(mask, images.shape[-1])

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        truth = self.images[index].float() / 255
        return (1 - self.mask) * truth, truth


# Photos that installed packages ship and that no sample image is cropped from: the held-out test.
