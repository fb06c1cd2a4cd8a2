import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

import inpaint_utils as iu
from conftest import encode, photo, write_parquet
from inpaint_utils.data import cats as data


@pytest.fixture
def full_scale_parquet(tmp_path):
    """The hub set's row counts (11,741 cats, 11,669 dogs) with undecodable image bytes: the
    split arithmetic is checked at full scale, and any attempt to decode an image would fail."""
    labels = np.array([0] * 11741 + [1] * 11669)
    np.random.default_rng(0).shuffle(labels)
    return write_parquet(tmp_path / "cats_vs_dogs.parquet", [b"not an image"] * len(labels), labels.tolist())


def test_split_sizes_match_the_seed_without_decoding_images(full_scale_parquet, params):
    splits = iu.load_cats(dataclasses.replace(params, data=str(full_scale_parquet)))
    assert {name: len(split) for name, split in splits.items()} == {"train": 9392, "validation": 1174, "test": 1175}
    assert set(splits["train"]["labels"]) == {0}


def test_split_is_the_seeds(tmp_path, params):
    """Same rows as the seed's `cats.train_test_split(test_size=0.2, seed=42)` and its halving."""
    cells = [encode(photo(seed=i)) for i in range(60)]
    path = write_parquet(tmp_path / "d.parquet", cells, [i % 3 // 2 for i in range(60)])
    splits = iu.load_cats(dataclasses.replace(params, data=str(path)))
    import datasets

    cats = datasets.load_dataset("parquet", data_files=str(path), split="train").filter(lambda x: x["labels"] == 0)
    first = cats.train_test_split(test_size=0.2, seed=42)
    second = first["test"].train_test_split(test_size=0.5, seed=42)
    for ours, seeds in [(splits["train"], first["train"]), (splits["validation"], second["train"]),
                        (splits["test"], second["test"])]:
        assert [np.asarray(iu.open_image(c)).tobytes() for c in ours["image"]] == \
               [np.asarray(im).tobytes() for im in seeds["image"]]


def test_image_folder_source_maps_cat_folder_to_label_zero(tmp_path, params):
    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        for i in range(12):
            photo(seed=i).save(tmp_path / label / f"{i}.png")
    splits = iu.load_cats(dataclasses.replace(params, data=str(tmp_path)))
    assert sum(len(s) for s in splits.values()) == 12
    assert set(splits["train"]["labels"]) == {0}


def test_hub_source_calls_the_hub_with_id_and_revision(monkeypatch, tmp_path, params):
    import datasets

    local = write_parquet(tmp_path / "hub.parquet", [encode(photo(seed=i)) for i in range(20)], [0] * 20)
    real_load_dataset, calls = datasets.load_dataset, []

    def fake_load_dataset(path, *args, **kwargs):  # the hub, served from a local file in its schema
        calls.append((path, kwargs))
        return real_load_dataset(path="parquet", data_files=str(local), split="train")

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    with pytest.warns(UserWarning, match="the seed had .* may have changed"):  # 20 rows, not 23,410
        splits = iu.load_cats(dataclasses.replace(params, data=iu.HUB_ID, revision="abc123"))
    assert calls[0] == (iu.HUB_ID, {"split": "train", "revision": "abc123"})
    assert len(splits["train"]) == 16


def test_unreachable_hub_says_how_to_work_offline(monkeypatch, params):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(RuntimeError, match="needs the internet.*DATA to 'sample'"):
        iu.load_cats(dataclasses.replace(params, data=iu.HUB_ID))


def test_missing_source_and_source_without_cats_are_clear_errors(tmp_path, params):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        iu.load_cats(dataclasses.replace(params, data=str(tmp_path / "nothing.parquet")))
    dogs = write_parquet(tmp_path / "dogs.parquet", [encode(photo())] * 20, [1] * 20)
    with pytest.raises(ValueError, match="0 cat rows"):
        iu.load_cats(dataclasses.replace(params, data=str(dogs)))


def rgba_half_transparent():
    img = Image.new("RGBA", (40, 30), (255, 0, 0, 255))
    img.paste((0, 0, 255, 0), (0, 0, 20, 30))
    return img


@pytest.mark.parametrize("make, corner", [
    (lambda: Image.new("L", (40, 30), 77), (77, 77, 77)),
    (lambda: Image.new("1", (40, 30), 1), (255, 255, 255)),
    (lambda: Image.new("LA", (40, 30), (77, 255)), (77, 77, 77)),
    (lambda: Image.new("RGB", (40, 30), (10, 20, 30)).convert("P", palette=Image.Palette.ADAPTIVE), (10, 20, 30)),
    (lambda: Image.new("CMYK", (40, 30), (0, 0, 0, 0)), (255, 255, 255)),
    (lambda: Image.fromarray(np.full((30, 40), 257 * 77, dtype=np.uint16)), (77, 77, 77)),
    (rgba_half_transparent, (255, 255, 255)),  # transparent -> white
])
def test_every_mode_becomes_rgb(make, corner):
    img = make()
    rgb = iu.to_rgb(iu.open_image({"bytes": encode(img, "TIFF" if img.mode in ("CMYK", "I;16") else "PNG")}))
    assert rgb.mode == "RGB" and rgb.size == (40, 30)
    assert rgb.getpixel((0, 0)) == corner


def test_rgba_opaque_pixels_keep_their_colour():
    assert iu.to_rgb(rgba_half_transparent()).getpixel((39, 29)) == (255, 0, 0)


def test_unreadable_images_are_skipped_and_counted(tmp_path, params):
    good = [encode(photo(seed=i), "JPEG") for i in range(30)]
    truncated = good[0][: len(good[0]) // 2]
    cells = good[:15] + [truncated, b"garbage"] + good[15:]
    path = write_parquet(tmp_path / "d.parquet", cells, [0] * len(cells))
    p = dataclasses.replace(params, data=str(path), max_images=None)
    with pytest.warns(UserWarning, match=r"skipped \d of \d+ images that could not be read"):
        images = iu.load_images(p)
    assert sum(len(s) for s in images.values()) == 30
    assert sum(len(s.skipped) for s in images.values()) == 2
    for split in images.values():
        assert split.images.dtype == torch.uint8 and split.images.shape[1:] == (3, 64, 64)


def test_cache_matches_the_seed_transform_and_is_reused(tmp_path, params, monkeypatch):
    cells = [encode(photo(120, 90, seed=i), "JPEG") for i in range(20)]
    path = write_parquet(tmp_path / "d.parquet", cells, [0] * 20)
    p = dataclasses.replace(params, data=str(path), max_images=None)
    images = iu.load_images(p)
    row = images["train"].rows[0]
    cell = iu.load_cats(p)["train"][row]["image"]
    seed_pixels = iu.seed_transform(64)(iu.open_image(cell))
    assert (images["train"].images[0].float() / 255 - seed_pixels).abs().max() <= 0.5 / 255 + 1e-6

    decoded = []
    real_decode = data._decode_split
    monkeypatch.setattr(data, "_decode_split", lambda *a: decoded.append(a[1]) or real_decode(*a))
    again = iu.load_images(p)
    assert decoded == [] and torch.equal(again["train"].images, images["train"].images)
    assert iu.load_images(dataclasses.replace(p, image_size=32))["test"].images.shape[-1] == 32
    assert decoded == ["train", "validation", "test"]  # another image size is another cache


def test_decoding_in_worker_processes_gives_the_same_cache(tmp_path, params):
    cells = [encode(photo(seed=i), "JPEG") for i in range(12)] + [b"garbage"]
    split = iu.load_cats(dataclasses.replace(params, data=str(write_parquet(tmp_path / "d.parquet", cells, [0] * 13))))["train"]
    alone, workers = data._decode_split(split, "train", 64, workers=0), data._decode_split(split, "train", 64, workers=2)
    assert torch.equal(alone.images, workers.images)
    assert (alone.rows, alone.modes, alone.sizes, alone.skipped) == (workers.rows, workers.modes, workers.sizes, workers.skipped)


def test_sample_data_set_has_the_hub_schema(params):
    import datasets

    ds = datasets.load_dataset("parquet", data_files=str(iu.sample_data_path()), split="train")
    assert ds.features["labels"].names == ["cat", "dog"]
    assert {"image", "labels"} <= set(ds.column_names)
    images = iu.load_images(params)
    assert {s: len(x) for s, x in images.items()} == {"train": 16, "validation": 16, "test": 16}
