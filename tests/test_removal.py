"""Object removal on users' photos: any size, mask conventions, errors, the command end to end."""

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
import torch.nn as nn
from PIL import Image

import inpaint_utils as iu
from conftest import smooth_images
from inpaint_utils.fills import release_model
from inpaint_utils.removal.remover import Remover
from inpaint_utils.remove import main as remove_main

TELEA = iu.make_remover("telea")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A checkpoint of this project: one short epoch with random masks and a mean pre-fill."""
    root = tmp_path_factory.mktemp("ckpt")
    params = dataclasses.replace(iu.resolve_params("smoke"), device="cpu", mask="mixed", rec_weight=1.0,
                                 adv_weight=0.001, prefill="mean")
    iu.train_gan("x", nn.BCELoss(), params, train_images=smooth_images(8, seed=1), val_images=smooth_images(4, seed=2),
                 checkpoint=root / "g.pt", epochs=1)
    return root / "g.pt"


def photo(height, width, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def dilated(mask, pixels=5):
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


@pytest.mark.parametrize("shape", [(37, 101), (1000, 3), (3000, 4000)])
def test_any_size_keeps_its_size_and_every_pixel_outside_the_dilated_mask(shape, checkpoint):
    image = photo(*shape)
    mask = np.zeros(shape, dtype=bool)
    mask[shape[0] // 3: shape[0] // 3 + max(1, shape[0] // 10), shape[1] // 2: shape[1] // 2 + max(1, shape[1] // 8)] = True
    mask[-2:, :2] = True  # a second part, in a corner
    gan = iu.make_remover("gan", checkpoint)
    out = iu.remove_object(image, mask, gan)
    assert out.shape == image.shape and out.dtype == np.uint8
    outside = ~dilated(mask)
    assert np.array_equal(out[outside], image[outside])
    assert not np.array_equal(out[mask], image[mask])


def test_white_means_remove_in_grayscale_rgb_and_alpha_masks(tmp_path):
    hole = np.zeros((20, 30), dtype=bool)
    hole[5:10, 10:20] = True
    Image.fromarray(np.where(hole, 255, 0).astype(np.uint8)).save(tmp_path / "gray.png")
    Image.fromarray(np.repeat(np.where(hole, 200, 30)[..., None], 3, axis=2).astype(np.uint8)).save(tmp_path / "rgb.png")
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(hole, 255, 0)  # black everywhere; the alpha channel marks the hole
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    for name in ("gray", "rgb", "alpha"):
        assert np.array_equal(iu.read_mask(tmp_path / f"{name}.png", (30, 20)), hole), name


def test_exif_rotated_image_and_mask_stay_aligned(tmp_path):
    image = photo(20, 40)
    mask = np.zeros((20, 40), dtype=np.uint8)
    mask[2:6, 30:38] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    Image.fromarray(image).save(tmp_path / "photo.jpg", exif=exif, quality=100)
    Image.fromarray(mask).save(tmp_path / "mask.png", exif=exif)
    upright = iu.read_image(tmp_path / "photo.jpg")
    read = iu.read_mask(tmp_path / "mask.png", (upright.shape[1], upright.shape[0]))
    assert upright.shape[:2] == (40, 20) and read.shape == (40, 20)
    assert np.array_equal(read, np.rot90(mask > 0, k=-1))


def test_empty_mask_warns_and_changes_nothing_and_a_full_mask_is_refused():
    image = photo(30, 30)
    with pytest.warns(UserWarning, match="the mask is empty"):
        assert np.array_equal(iu.remove_object(image, np.zeros((30, 30), bool), TELEA), image)
    with pytest.raises(ValueError, match="covers the whole image"):
        iu.remove_object(image, np.ones((30, 30), bool), TELEA)


def test_a_hole_too_large_for_the_model_is_warned_about(checkpoint):
    image, mask = photo(64, 64), np.zeros((64, 64), bool)
    mask[4:60, 4:60] = True
    with pytest.warns(UserWarning, match="more than the 64x64 model saw in training"):
        iu.remove_object(image, mask, iu.make_remover("gan", checkpoint), dilate=0)


@pytest.mark.parametrize("options", [dict(feather=4), dict(blend="poisson")])
def test_blending_changes_only_hole_pixels(options):
    image = np.full((80, 90, 3), 120, np.uint8)
    image[30:50, 40:60] = (250, 10, 10)  # the object
    mask = np.zeros((80, 90), bool)
    mask[30:50, 40:60] = True
    out = iu.remove_object(image, mask, TELEA, **options)
    outside = ~dilated(mask)
    assert np.array_equal(out[outside], image[outside])
    assert np.abs(out[mask].astype(int) - 120).max() < 40  # the red square is gone


@pytest.mark.parametrize("method", ["telea", "navier-stokes"])
def test_a_classical_removal_in_numpy_gives_the_numbers_of_its_batch_fill(method):
    in_numpy = iu.make_remover(method)
    batched = Remover(method, in_numpy.fill, None)  # the same method through torch, as the tables run it
    image, mask = photo(60, 80), np.zeros((60, 80), bool)
    mask[20:35, 30:50] = True
    for options in ({}, {"feather": 3}):
        assert np.array_equal(iu.remove_object(image, mask, in_numpy, **options),
                              iu.remove_object(image, mask, batched, **options))


def test_the_crop_is_square_with_context_and_inside_the_image():
    seen = []
    spy = Remover("spy", lambda masked, mask: seen.append(masked.shape) or masked, None)
    mask = np.zeros((200, 300), bool)
    mask[0:10, 290:300] = True  # a corner: the crop is shifted inside
    iu.remove_object(photo(200, 300), mask, spy, dilate=0, margin=1.0)
    assert seen == [(1, 3, 30, 30)]



def test_a_full_size_fill_sees_at_most_max_crop_pixels(monkeypatch):
    """A large hole in a large photo must not hand PatchMatch a crop of tens of megapixels."""
    from inpaint_utils.removal import remover

    monkeypatch.setattr(remover, "MAX_CROP_PIXELS", 100 * 100)
    seen = []
    spy = Remover("spy", lambda masked, mask: seen.append(masked.shape) or masked, None)
    mask = np.zeros((300, 400), bool)
    mask[100:160, 150:210] = True  # 60 px: the margin would make the crop 180 px
    iu.remove_object(photo(300, 400), mask, spy, dilate=0, margin=1.0)
    assert seen == [(1, 3, 100, 100)]
    mask[:] = False
    mask[50:250, 100:300] = True  # 200 px: the crop keeps MIN_MARGIN of it around the hole
    iu.remove_object(photo(300, 400), mask, spy, dilate=0, margin=1.0)
    assert seen[-1] == (1, 3, 300, 300)

def write(path, pixels):
    Image.fromarray(pixels).save(path)
    return path


def test_command_on_a_folder_pairs_by_name_and_lists_the_unmatched(tmp_path, capsys):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir(), masks.mkdir()
    hole = np.zeros((40, 50), np.uint8)
    hole[10:20, 10:30] = 255
    for name in ("a", "b", "c"):
        write(photos / f"{name}.png", photo(40, 50, seed=ord(name)))
    write(masks / "a.png", hole)
    write(masks / "b_mask.png", hole)
    code = remove_main(["--image", str(photos), "--mask", str(masks), "--output", str(tmp_path / "out"),
                        "--method", "telea"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png"]
    assert "skipped c.png: no mask" in capsys.readouterr().err


def test_command_one_mask_for_many_images_box_and_concat(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a", "b"):
        write(photos / f"{name}.jpg", photo(40, 50, seed=ord(name)))
    hole = np.zeros((40, 50), np.uint8)
    hole[5:15, 5:15] = 255
    mask = write(tmp_path / "mask.png", hole)
    assert remove_main(["--image", str(photos), "--mask", str(mask), "--output", str(tmp_path / "one"),
                        "--method", "biharmonic"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["a.png", "b.png"]
    assert remove_main(["--image", str(photos / "a.jpg"), "--box", "5,5,20,20", "--output", str(tmp_path / "box"),
                        "--method", "navier-stokes", "--concat"]) == 0
    result = np.asarray(Image.open(tmp_path / "box" / "a.png"))
    strip = np.asarray(Image.open(tmp_path / "box" / "a_compare.png"))  # the photo | its mask | the result
    assert result.shape == (40, 50, 3) and strip.shape == (40, 150, 3)
    assert np.array_equal(strip[:, 100:], result) and np.array_equal(strip[:, :50], iu.read_image(photos / "a.jpg"))
    assert np.array_equal(strip[:, 50:100, 0] > 0, iu.box_mask((5, 5, 20, 20), (50, 40)))


@pytest.mark.parametrize("case, message", [
    ("wrong size", "mask .* is 10x10 but its image is 50x40"),
    ("missing", "no mask or folder at"),
    ("unreadable", "is not a readable image"),
])
def test_command_errors_are_clear_and_write_nothing(tmp_path, capsys, case, message):
    image = write(tmp_path / "a.png", photo(40, 50))
    mask = tmp_path / "mask.png"
    if case == "wrong size":
        write(mask, np.zeros((10, 10), np.uint8))
    elif case == "unreadable":
        mask.write_bytes(b"not a png")
    code = remove_main(["--image", str(image), "--mask", str(mask), "--output", str(tmp_path / "out"), "--method", "telea"])
    assert code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_gan_without_a_trained_model_names_what_makes_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(release_model, "RELEASE_DIR", tmp_path / "no-release")  # as if it were deleted
    image = write(tmp_path / "a.png", photo(40, 50))
    assert remove_main(["--image", str(image), "--box", "1,1,9,9", "--output", str(tmp_path / "out"),
                        "--method", "gan"]) == 2
    assert "python -m inpaint_utils.train_release" in capsys.readouterr().err
    assert remove_main(["--image", str(image), "--box", "1,1,9,9", "--output", str(tmp_path / "out"),
                        "--checkpoint", str(tmp_path / "missing.pt")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err


def test_command_end_to_end_with_a_gan_checkpoint(tmp_path, checkpoint):
    photos = tmp_path / "photos"
    photos.mkdir()
    write(photos / "a.png", photo(120, 90))
    hole = np.zeros((120, 90), np.uint8)
    hole[40:60, 30:50] = 255
    write(photos / "a_mask.png", hole)
    done = subprocess.run([sys.executable, "-m", "inpaint_utils.remove", "--image", str(photos), "--mask", str(photos),
                           "--output", str(tmp_path / "out"), "--checkpoint", str(checkpoint)],
                          cwd=iu.ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 photo(s) written" in done.stdout
    out = np.asarray(Image.open(tmp_path / "out" / "a.png"))
    assert out.shape == (120, 90, 3)


def test_a_wide_strip_is_drawn_as_rows(params):
    image = np.zeros((400, 640, 3), dtype=np.uint8)
    mask = np.zeros((400, 640), dtype=bool)
    mask[350:360, 10:20] = True
    results = {"A": image, "B": image, "C": image}
    iu.plot_removal(image, mask, results, "strip", params, zoom=(340, 427, 0, 640))
    width, height = Image.open(iu.figures_dir(params) / "strip.png").size
    assert width > 900 and height > width / 2, (width, height)  # rows as wide as the page, not a strip
    iu.plot_removal(image[:300, :320], mask[:300, :320], results, "side", params)
    width, height = Image.open(iu.figures_dir(params) / "side.png").size
    assert 900 < width <= 1000 and height < width / 2, (width, height)  # side by side, within the page


def test_a_users_photo_is_shown_large_enough_to_judge_the_fill(params):
    image = np.zeros((1200, 1600, 3), dtype=np.uint8)
    mask = np.zeros((1200, 1600), dtype=bool)
    mask[500:560, 700:780] = True
    results = {"A": image, "B": image, "C": image}
    iu.plot_removal(image, mask, results, "yours", params, zoom="hole", columns=2)
    width, height = Image.open(iu.figures_dir(params) / "yours.png").size
    assert width >= 900 and height >= 1000, (width, height)  # five panels of ~500 px, in three rows
