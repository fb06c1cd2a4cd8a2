import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import inpaint_utils as iu  # importable (as benchmarks is) because pytest puts the root conftest.py's folder on sys.path
from inpaint_utils.evaluation import metrics


@pytest.fixture
def output_root(tmp_path, monkeypatch):
    """A fresh output root for one test: data caches, checkpoints, figures, reports."""
    monkeypatch.setenv("INPAINT_OUTPUT_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def params(output_root):
    """Smoke-sized parameters on CPU."""
    return dataclasses.replace(iu.resolve_params("smoke"), device="cpu")


def smooth_images(n: int, size: int = 64, seed: int = 0) -> torch.Tensor:
    """uint8 (n, 3, size, size) images: random low-frequency colour fields, like blurred photos."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 8, 8, generator=g)
    return iu.to_uint8(torch.nn.functional.interpolate(coarse, size=size, mode="bilinear"))


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def photo(width: int = 80, height: int = 60, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def write_parquet(path: Path, cells: list, labels: list[int]) -> Path:
    """A parquet file in the hub data set's schema: image {bytes, path}, labels (cat=0, dog=1)."""
    import datasets

    features = datasets.Features({"image": datasets.Image(), "labels": datasets.ClassLabel(names=["cat", "dog"])})
    rows = {"image": [{"bytes": b, "path": None} for b in cells], "labels": labels}
    datasets.Dataset.from_dict(rows, features=features).to_parquet(str(path))
    return path


@pytest.fixture(autouse=True)
def no_weight_downloads(monkeypatch):
    """No test downloads LPIPS or FID weights: under PERCEPTUAL="auto" the network never answers."""
    def refuse(url, path, hash_prefix):
        raise OSError("downloads are off in the tests")

    monkeypatch.setattr(metrics, "_download", refuse)


def whole_and_resumed(params, train_images, val_images, folder: Path):
    """The release-style run trained for 2 epochs at once, and again cut after epoch 1 and resumed."""
    import torch.nn as nn

    def train(checkpoint, epochs):
        return iu.train_gan("release", nn.BCELoss(), params, train_images=train_images, val_images=val_images,
                            checkpoint=folder / checkpoint, epochs=epochs)

    whole = train("whole.pt", 2)
    train("cut.pt", 1)
    return whole, train("cut.pt", 2)
