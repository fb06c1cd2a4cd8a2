"""The removal command never destroys a user's files and refuses bad input before it writes:
one test per case of issue 16, each asserting the message, that nothing was written (inputs'
md5 unchanged, no output folder), or that pixels outside the dilated mask are bit-identical."""

import errno
import hashlib
import io
import pickle
import re
import struct
import subprocess
import sys
import warnings
import weakref
import zlib

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

import inpaint_utils as iu
import inpaint_utils.removal.jobs as batch
from inpaint_utils.core.paths import atomic_write
from inpaint_utils.data.photos import jpeg_damage
from inpaint_utils.removal.remover import Remover
from inpaint_utils.remove import main as remove_main


def photo(height=40, width=50, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def hole(height=40, width=50):
    mask = np.zeros((height, width), np.uint8)
    mask[10:20, 15:30] = 255
    return mask


def save(path, pixels, **options):
    Image.fromarray(pixels).save(path, **options)
    return path


def opened(path):
    """The image at ``path``, decoded: loading closes the file of a still image."""
    image = Image.open(path)
    image.load()
    return image


def listing(folder):
    """Every file under ``folder`` with its md5: equal before and after means nothing was touched."""
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys, *args):
    code = remove_main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def outside_equal(result, original, mask, dilate=5):
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
    outside = ~cv2.dilate((mask > 0).astype(np.uint8), kernel).astype(bool)
    return np.array_equal(result[outside], original[outside])


@pytest.fixture
def same(tmp_path):
    """A folder holding photos and their masks: cat.png, dog.jpg, cat_mask.png, dog_mask.png."""
    folder = tmp_path / "same"
    folder.mkdir()
    save(folder / "cat.png", photo(seed=1))
    save(folder / "dog.jpg", photo(seed=2), quality=95)
    save(folder / "cat_mask.png", hole())
    save(folder / "dog_mask.png", hole())
    return folder


# Data loss

@pytest.mark.parametrize("extra", [[], ["--concat"], ["--overwrite"]])
def test_output_folder_that_is_the_input_folder_is_refused(same, capsys, extra):
    before = listing(same)
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", same, "--method", "telea", *extra)
    assert code == 2 and "nothing was written" in err and "is a folder of inputs" in err
    assert listing(same) == before


def test_output_folder_that_is_the_mask_folder_or_links_to_it_is_refused(tmp_path, capsys):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir(), masks.mkdir()
    save(photos / "cat.png", photo())
    save(masks / "cat.png", hole())
    (tmp_path / "link").symlink_to(masks)
    before = listing(tmp_path)
    for output in (masks, tmp_path / "link"):
        code, _, err = run(capsys, "--image", photos, "--mask", masks, "--output", output, "--method", "telea")
        assert code == 2 and "is a folder of inputs" in err
    assert listing(tmp_path) == before


@pytest.mark.parametrize("folder", ["photos", "masks"])
def test_a_single_photos_folder_or_its_masks_is_no_output_folder(tmp_path, capsys, folder):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir(), masks.mkdir()
    cat, mask = save(photos / "cat.jpg", photo(), quality=95), save(masks / "cat_mask.png", hole())
    before = listing(tmp_path)
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / folder, "--method", "telea")
    assert code == 2 and f"--output {tmp_path / folder} is a folder of inputs" in err  # cat.png: no input's name
    assert listing(tmp_path) == before
    named = tmp_path / folder / "cat_clean.png"  # a file named beside them is the user's own choice
    assert run(capsys, "--image", cat, "--mask", mask, "--output", named, "--method", "telea")[0] == 0
    assert named.is_file()


def test_an_output_that_resolves_to_an_input_is_refused_even_with_overwrite(tmp_path, capsys):
    cat = save(tmp_path / "cat.png", photo())
    mask = save(tmp_path / "mask.png", hole())
    (tmp_path / "link.png").symlink_to(cat)
    before = listing(tmp_path)
    for output in (tmp_path, tmp_path / "cat.png", tmp_path / "link.png", tmp_path / "mask.png"):
        code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", output, "--method", "telea", "--overwrite")
        assert code == 2 and "would overwrite the input" in err, output
    assert listing(tmp_path) == before


def test_photos_that_differ_only_by_extension_get_two_outputs(same, tmp_path, capsys):
    code, out, _ = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and "2 photo(s) written" in out
    save(same / "dog.png", photo(seed=3))  # now dog.jpg and dog.png would both be dog.png
    code, out, _ = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out2", "--method", "telea")
    assert code == 0 and "3 photo(s) written" in out
    assert sorted(p.name for p in (tmp_path / "out2").iterdir()) == ["cat.png", "dog.jpg.png", "dog.png.png"]


def test_a_mask_file_among_the_photos_is_not_a_photo(same, tmp_path, capsys):
    code, out, _ = run(capsys, "--image", same, "--mask", same / "cat_mask.png", "--output", tmp_path / "out",
                       "--method", "telea")
    assert code == 0 and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cat.png", "dog.png", "dog_mask.png"]


def test_an_earlier_result_is_replaced_only_with_overwrite(tmp_path, capsys):
    cat, mask = save(tmp_path / "cat.png", photo()), save(tmp_path / "mask.png", hole())
    args = ["--image", cat, "--mask", mask, "--output", tmp_path / "out", "--method", "telea"]
    assert run(capsys, *args)[0] == 0
    before = listing(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2 and "exists (--overwrite replaces earlier results)" in err and listing(tmp_path) == before
    assert run(capsys, *args, "--overwrite")[0] == 0


def test_a_16_bit_mask_is_scaled_not_clipped(tmp_path):
    mask = np.full((40, 50), 300, np.uint16)  # black to the eye
    mask[10:20, 15:30] = 65535
    save(tmp_path / "mask.png", mask)
    assert opened(tmp_path / "mask.png").mode.startswith("I;16")
    assert np.array_equal(iu.read_mask(tmp_path / "mask.png", (50, 40)), hole() > 0)


def test_a_float_tiff_photo_is_scaled_by_its_range(tmp_path, capsys):
    values = np.random.default_rng(0).random((40, 50)).astype(np.float32)
    save(tmp_path / "a.tif", values)
    read = iu.read_photo(tmp_path / "a.tif")
    assert np.array_equal(read.pixels[..., 0], np.rint(values * 255).astype(np.uint8))
    assert "float (0-1) image scaled to 8 bits" in read.notes[0]
    mask = save(tmp_path / "mask.png", hole())
    code, _, err = run(capsys, "--image", tmp_path / "a.tif", "--mask", mask, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and "scaled to 8 bits" in err
    out = np.asarray(opened(tmp_path / "out" / "a.tif"))
    assert out.mean() > 60 and outside_equal(out, read.pixels, hole())


# Nothing is written when a check fails

@pytest.mark.parametrize("case", ["full mask", "tiny photo", "whole box"])
def test_a_mask_that_leaves_nothing_to_fill_refuses_the_whole_folder(tmp_path, capsys, case):
    photos = tmp_path / "photos"
    photos.mkdir()
    save(photos / "a.png", photo())
    if case == "tiny photo":
        save(photos / "b.png", photo(2, 2))
        save(photos / "c.png", photo(1, 1))
        args = ["--box", "0,0,1,1"]
    elif case == "whole box":
        args = ["--box", "0,0,50,40"]
    else:
        save(photos / "b.png", photo())
        masks = tmp_path / "masks"
        masks.mkdir()
        save(masks / "a.png", hole())
        save(masks / "b.png", np.full((40, 50), 255, np.uint8))
        args = ["--mask", masks]
    code, _, err = run(capsys, "--image", photos, *args, "--output", tmp_path / "out", "--method", "telea")
    assert code == 2 and "the mask covers the whole" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag, value, message", [
    ("--dilate", "-1", "--dilate -1: give whole pixels from 0 to 100"),
    ("--dilate", "1000000", "--dilate 1000000: give whole pixels"),
    ("--dilate", "3000", "--dilate 3000: give whole pixels"),
    ("--margin", "nan", "--margin nan: give a number from 0 to 10"),
    ("--margin", "inf", "--margin inf: give a number"),
    ("--margin", "-1", "--margin -1.0: give a number"),
    ("--feather", "-5", "--feather -5: give whole pixels, 0 or more"),
    ("--feather", "1000", "--feather 1000 is wider than --dilate 5"),
])
def test_out_of_range_settings_are_refused_before_anything_is_written(same, tmp_path, capsys, flag, value, message):
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea",
                       f"{flag}={value}")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_feather_no_wider_than_the_dilation_replaces_every_pixel_of_the_object():
    image = np.full((80, 90, 3), 120, np.uint8)
    image[30:50, 40:60] = (250, 10, 10)
    mask = np.zeros((80, 90), bool)
    mask[30:50, 40:60] = True
    pasted = iu.remove_object(image, mask, iu.make_remover("telea"), dilate=5)
    feathered = iu.remove_object(image, mask, iu.make_remover("telea"), dilate=np.int64(5), feather=5)
    assert np.array_equal(feathered[mask], pasted[mask])


@pytest.mark.parametrize("where", ["file", "/proc/x", "/dev/null", "under a file"])
def test_an_output_that_cannot_be_a_folder_gives_one_line(same, tmp_path, capsys, where):
    (tmp_path / "file.txt").write_text("mine")
    output = {"file": tmp_path / "file.txt", "under a file": tmp_path / "file.txt" / "out"}.get(where, where)
    before = listing(tmp_path)
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", output, "--method", "telea")
    assert code == 2 and "Traceback" not in err and "INPAINT_OUTPUT_ROOT" not in err
    assert re.search(r"is not a folder|cannot write to /proc/x", err), err
    assert listing(tmp_path) == before


def test_a_comparison_strip_is_checked_like_a_result(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    save(photos / "a.png", photo(seed=1))
    save(photos / "a_compare.png", photo(seed=2))
    mask = save(tmp_path / "mask.png", hole())
    before = listing(tmp_path)
    code, _, err = run(capsys, "--image", photos, "--mask", mask, "--output", tmp_path / "out", "--method", "telea",
                       "--concat")
    assert code == 2 and "a.png: another output would also be written as a_compare.png" in err
    strip_is_mask = save(tmp_path / "result_compare.png", hole())
    code, _, err = run(capsys, "--image", photos / "a.png", "--mask", strip_is_mask, "--output",
                       tmp_path / "result.png", "--method", "telea", "--concat", "--overwrite")
    assert code == 2 and f"its comparison strip would overwrite the input {strip_is_mask}" in err
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a_compare.png").write_text("mine")
    before = listing(tmp_path)
    args = ["--image", photos / "a.png", "--mask", mask, "--output", tmp_path / "out", "--method", "telea"]
    code, _, err = run(capsys, *args, "--concat")
    assert code == 2 and "a_compare.png exists (--overwrite replaces earlier results)" in err
    assert listing(tmp_path) == before
    assert run(capsys, *args)[0] == 0 and (tmp_path / "out" / "a_compare.png").read_text() == "mine"
    assert run(capsys, *args, "--concat", "--overwrite")[0] == 0
    assert opened(tmp_path / "out" / "a_compare.png").size == (150, 40)


def test_a_strip_that_cannot_be_written_is_named_after_its_result(same, tmp_path, capsys, monkeypatch):
    real = batch.save_photo

    def strips_fill_the_disk(path, *args, **kwargs):
        if path.name.endswith("_compare.png"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch, "save_photo", strips_fill_the_disk)
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea",
                       "--concat")
    assert code == 1 and err.strip().endswith("cat_compare.png could not be written (No space left on device); "
                                             "written: cat.png; not written: cat_compare.png, dog.png, dog_compare.png")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["cat.png"]


def test_a_full_disk_ends_with_one_line_listing_what_was_written(same, tmp_path, capsys, monkeypatch):
    real = batch.save_photo

    def half_then_full(f):
        f.write(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    def fill_up(path, *args, **kwargs):
        if path.name.startswith("dog"):
            return atomic_write(path, half_then_full, check_folder=False)  # the disk fills during the write
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch, "save_photo", fill_up)
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea")
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1
    assert "dog.png could not be written (No space left on device); written: cat.png; not written: dog.png" in lines[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cat.png"]


def test_a_header_claiming_a_huge_image_is_refused_before_decoding(tmp_path, capsys):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    code, _, err = run(capsys, "--image", bomb, "--box", "1,1,9,9", "--output", tmp_path / "out", "--method", "telea")
    assert code == 2 and "is 50000x50000 (2500 MP), more than the limit of 120 MP" in err
    assert "--max-pixels 2500000000" in err and "Traceback" not in err and not (tmp_path / "out").exists()


def test_the_pixel_limit_is_a_flag_and_replaces_pillows_warning(tmp_path, capsys, monkeypatch):
    cat = save(tmp_path / "cat.png", photo())
    code, _, err = run(capsys, "--image", cat, "--box", "1,1,9,9", "--output", tmp_path / "out", "--method", "telea",
                       "--max-pixels", "1000")
    assert code == 2 and "is 50x40 (0 MP), more than the limit of 0.001 MP" in err
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow would warn about this 2000-pixel photo
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert run(capsys, "--image", cat, "--box", "1,1,9,9", "--output", tmp_path / "out", "--method", "telea")[0] == 0
    assert Image.MAX_IMAGE_PIXELS == 1000


@pytest.mark.parametrize("content", [b"hello, I am text\n", pickle.dumps({"a": 1}), b"PK\x03\x04truncated"])
def test_a_checkpoint_that_is_not_one_gives_one_line_naming_the_flag(tmp_path, capsys, content):
    (tmp_path / "bad.pt").write_bytes(content)
    cat, mask = save(tmp_path / "cat.png", photo()), save(tmp_path / "mask.png", hole())
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "out",
                       "--checkpoint", tmp_path / "bad.pt")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: --checkpoint: ") and "is not a checkpoint of this project" in err
    assert "RETRAIN" not in err and not (tmp_path / "out").exists()


# Accepted, but silently wrong

def inverted(height=200, width=300):
    """A mask drawn the wrong way round: white everywhere but the object, 87% of the photo."""
    mask = np.full((height, width), 255, np.uint8)
    mask[60:140, 100:200] = 0
    return mask


def test_an_inverted_mask_is_named_once_per_photo_before_the_fill(tmp_path, capsys):
    cat, mask = save(tmp_path / "cat.png", photo(200, 300)), save(tmp_path / "mask.png", inverted())
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and err.count("inverted") == 1
    assert "note: cat.png: its mask marks 87% of the photo for removal" in err and "invert it (Colors > Invert" in err
    code, _, err = run(capsys, "--image", cat, "--box", "0,0,290,190", "--output", tmp_path / "box",
                       "--method", "telea")
    assert code == 0 and "inverted" not in err  # a box that large is meant


def test_a_large_hole_gets_margin_advice_only_where_a_margin_helps():
    spy = Remover("spy", lambda masked, mask: masked, 64)
    with pytest.warns(UserWarning) as caught:
        iu.remove_object(photo(200, 300), inverted() > 0, spy, dilate=0)
    assert [str(w.message) for w in caught] == [
        "a hole covers 87% of the photo (300x200): more than the 64x64 model saw in training, expect a poor fill; "
        "white means remove: is the mask inverted?"]
    square = np.zeros((200, 300), bool)
    square[60:140, 100:180] = True
    with pytest.warns(UserWarning, match=r"covers 69% of its crop \(96x96\).* a larger --margin gives it more context"):
        iu.remove_object(photo(200, 300), square, spy, dilate=0, margin=0.1)


def test_a_palette_mask_with_a_transparent_background_marks_its_strokes(tmp_path):
    marks = Image.new("P", (50, 40))
    marks.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    marks.putdata((hole().ravel() > 0).astype(np.uint8).tolist())
    marks.save(tmp_path / "mask.png", transparency=0)
    assert np.array_equal(iu.read_mask(tmp_path / "mask.png", (50, 40)), hole() > 0)


def test_transparency_is_kept_or_flattened_and_said(tmp_path, capsys):
    rgba = np.dstack([photo(), np.tile(np.linspace(0, 255, 50, dtype=np.uint8), (40, 1))])
    cat, mask = save(tmp_path / "cat.png", rgba), save(tmp_path / "mask.png", hole())
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "keep", "--method", "telea")
    kept = np.asarray(opened(tmp_path / "keep" / "cat.png"))
    assert code == 0 and "its transparency is kept" in err
    assert kept.shape == (40, 50, 4) and np.array_equal(kept[..., 3], rgba[..., 3])
    assert outside_equal(kept[..., :3], rgba[..., :3], hole())
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "flat", "--method", "telea",
                       "--alpha", "flatten")
    assert code == 0 and "put on white" in err and opened(tmp_path / "flat" / "cat.png").mode == "RGB"


def test_palette_transparency_of_a_photo_is_kept(tmp_path, capsys):
    image = Image.fromarray(photo()).quantize(16)
    image.save(tmp_path / "cat.png", transparency=0)
    code, _, err = run(capsys, "--image", tmp_path / "cat.png", "--box", "10,10,20,20", "--output", tmp_path / "out",
                       "--method", "telea")
    out = opened(tmp_path / "out" / "cat.png")
    assert code == 0 and out.mode == "RGBA" and "transparency is kept" in err
    assert np.array_equal(np.asarray(out)[..., 3], np.asarray(opened(tmp_path / "cat.png").convert("RGBA"))[..., 3])


def test_icc_profile_and_exif_are_kept_less_the_orientation(tmp_path, capsys):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "Canon"
    exif.get_ifd(0x8769)[0x9003] = "2024:01:01 10:00:00"
    cat = save(tmp_path / "cat.png", photo(), icc_profile=icc, exif=exif)
    code, _, _ = run(capsys, "--image", cat, "--box", "5,5,15,15", "--output", tmp_path / "out", "--method", "telea")
    out = opened(tmp_path / "out" / "cat.png")
    assert code == 0 and out.size == (40, 50) and out.info["icc_profile"] == icc
    assert 0x0112 not in out.getexif() and out.getexif()[0x010F] == "Canon"
    assert out.getexif().get_ifd(0x8769)[0x9003] == "2024:01:01 10:00:00"


@pytest.mark.parametrize("fmt, name, mode", [("auto", "a.tif", "RGB"), ("png", "a.png", "RGB"), ("same", "a.tif", "RGB")])
def test_outputs_keep_a_lossless_format_or_are_png(tmp_path, capsys, fmt, name, mode):
    image = photo()
    save(tmp_path / "a.tif", image)
    code, _, _ = run(capsys, "--image", tmp_path / "a.tif", "--box", "5,5,15,15", "--output", tmp_path / "out",
                     "--method", "telea", "--format", fmt)
    assert code == 0 and [p.name for p in (tmp_path / "out").iterdir()] == [name]
    assert outside_equal(np.asarray(opened(tmp_path / "out" / name)), image, box_hole(5, 5, 15, 15))


def box_hole(x0, y0, x1, y1, height=40, width=50):
    mask = np.zeros((height, width), np.uint8)
    mask[y0:y1, x0:x1] = 255
    return mask


def test_a_jpeg_stays_jpeg_only_when_asked_and_says_so(tmp_path, capsys):
    save(tmp_path / "a.jpg", photo(), quality=90)
    code, _, err = run(capsys, "--image", tmp_path / "a.jpg", "--box", "5,5,15,15", "--output", tmp_path / "out",
                       "--method", "telea", "--format", "same")
    assert code == 0 and "written as JPEG" in err
    assert opened(tmp_path / "out" / "a.jpg").format == "JPEG"


def test_an_output_named_like_a_file_is_that_file(tmp_path, same, capsys):
    cat = same / "cat.png"
    code, out, _ = run(capsys, "--image", cat, "--box", "5,5,15,15", "--output", tmp_path / "result.png",
                       "--method", "telea")
    assert code == 0 and (tmp_path / "result.png").is_file() and f"written to {tmp_path / 'result.png'}" in out
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "all.png", "--method", "telea")
    assert code == 2 and "names a file, but --image is a folder" in err and not (tmp_path / "all.png").exists()


def test_a_box_with_negative_numbers_parses_and_is_clipped(tmp_path, capsys):
    image = photo()
    cat = save(tmp_path / "cat.png", image)
    code, _, err = run(capsys, "--image", cat, "--box", "-10,0,20,20", "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and "box -10,0,20,20 reaches past the 50x40 image: clipped to 0,0,20,20" in err
    assert outside_equal(np.asarray(opened(tmp_path / "out" / "cat.png")), image, box_hole(0, 0, 20, 20))
    code, _, err = run(capsys, "--image", cat, "--box", "-30,-30,-20,-20", "--output", tmp_path / "o2", "--method", "telea")
    assert code == 2 and "is outside the 50x40 image" in err


def test_macos_sidecars_are_ignored_and_animated_images_refused_by_name(same, tmp_path, capsys):
    (same / "._cat.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    code, out, _ = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and "2 photo(s) written" in out
    frames = [Image.fromarray(photo(seed=s)).convert("P") for s in range(3)]
    frames[0].save(same / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(same / "still.gif")
    save(same / "anim_mask.png", hole())
    save(same / "still_mask.png", hole())
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "o2", "--method", "telea")
    assert code == 2 and "anim.gif is animated (3 frames)" in err and not (tmp_path / "o2").exists()
    (same / "anim.gif").unlink()
    code, out, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "o3", "--method", "telea")
    assert code == 0 and (tmp_path / "o3" / "still.png").exists() and "unclosed file" not in err


def test_classical_methods_raise_no_torch_warning(same, tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _, err = run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and "not writable" not in err
    image = np.asarray(Image.fromarray(photo()))  # read-only, as np.asarray of a PIL image is
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iu.remove_object(image, hole() > 0, iu.make_remover("navier-stokes"))


# Speed and memory

def test_the_model_sees_all_specks_of_a_photo_in_few_windows_and_one_pass():
    calls = []

    def fill(masked, mask):
        calls.append(len(masked))
        return torch.rand(masked.shape)

    image = photo(240, 320)
    specks = np.random.default_rng(0).random((240, 320)) < 0.01
    parts = cv2.connectedComponents(specks.astype(np.uint8), connectivity=8)[0] - 1
    out = iu.remove_object(image, specks, Remover("spy", fill, 64), dilate=0)
    assert parts > 600 and len(calls) == 1 and calls[0] < 40  # 5x4 windows would tile the photo exactly
    assert np.array_equal(out[~specks], image[~specks]) and not np.array_equal(out[specks], image[specks])


@pytest.mark.parametrize("case", ["--help", "no photo", "mask of the wrong size", "unwritable output", "patchmatch"])
def test_help_and_refusals_load_no_torch_nor_patchmatch(tmp_path, case):
    cat, small = save(tmp_path / "cat.png", photo()), save(tmp_path / "small.png", np.zeros((10, 10), np.uint8))
    args, message = {
        "--help": (["--help"], "--concat"),
        "no photo": (["--image", tmp_path / "no.jpg", "--box", "1,1,9,9", "--output", tmp_path / "out"], "no image"),
        "patchmatch": (["--image", cat, "--mask", small, "--output", tmp_path / "out", "--method", "patchmatch"],
                       "is 10x10 but"),
        "mask of the wrong size": (["--image", cat, "--mask", small, "--output", tmp_path / "out"], "is 10x10 but"),
        "unwritable output": (["--image", cat, "--box", "1,1,9,9", "--output", "/proc/x"], "cannot write to /proc/x"),
    }[case]
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inpaint_utils.remove", *map(str, args)],
                          cwd=iu.ROOT, capture_output=True, text=True, timeout=120)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert done.returncode == (0 if case == "--help" else 2) and message in done.stdout + done.stderr
    assert "inpaint_utils.removal.jobs" in imported and "cv2" in imported  # the listing is complete
    assert not {name for name in imported if name.split(".")[0] in ("torch", "torchvision", "patchmatch")}


def test_patchmatch_removes_a_photo_without_loading_torch(tmp_path):
    """The default's path on a photo, as the removal-only install runs it (no torch there)."""
    cat = save(tmp_path / "cat.png", photo(120, 160))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inpaint_utils.remove", "--image", str(cat),
                           "--box", "40,40,80,80", "--output", str(tmp_path / "out"), "--method", "patchmatch"],
                          cwd=iu.ROOT, capture_output=True, text=True, timeout=120)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert done.returncode == 0 and "with patchmatch" in done.stdout and "patchmatch" in imported
    assert not {name for name in imported if name.split(".")[0] in ("torch", "torchvision")}


def test_folder_mode_holds_one_photo_at_a_time(same, tmp_path, capsys, monkeypatch):
    alive, real = [], batch.read_photo

    def read(*args, **kwargs):
        assert all(ref() is None for ref in alive), "an earlier photo is still in memory"
        result = real(*args, **kwargs)
        alive.append(weakref.ref(result.pixels))
        return result

    monkeypatch.setattr(batch, "read_photo", read)
    assert run(capsys, "--image", same, "--mask", same, "--output", tmp_path / "out", "--method", "telea")[0] == 0
    assert len(alive) == 4  # each photo checked, then processed


def test_leftovers_of_a_killed_run_are_removed_on_the_next(same, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".cat.png.999999999.tmp").write_bytes(b"half a png")
    (out / ".notes.txt.999999999.tmp").write_text("another program's")
    (out / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "--image", same, "--mask", same, "--output", out, "--method", "telea")
    assert code == 0 and "deleted 1 temporary file(s)" in err
    assert sorted(p.name for p in out.iterdir()) == [".notes.txt.999999999.tmp", "cat.png", "dog.png", "notes.txt"]


def test_photo_errors_are_errors_not_tracebacks(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(iu.PhotoError, match="is not a readable image"):
        iu.read_photo(tmp_path / "bad.png")
    buffer = io.BytesIO()
    Image.fromarray(photo(400, 400)).save(buffer, format="PNG")
    (tmp_path / "cut.png").write_bytes(buffer.getvalue()[:2000])
    with pytest.raises(iu.PhotoError, match="is not a readable image"):
        iu.read_photo(tmp_path / "cut.png")


def smooth_photo(height=120, width=160):
    """A photo's kind of levels: smooth gradients and shapes, most of them mid-grey."""
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([(60 + 120 * x / width), (50 + 100 * y / height), 90 + 40 * np.sin(x / 9)]).astype(np.uint8)


def test_a_picture_given_as_a_mask_is_refused_before_anything_is_written_with_a_hint(tmp_path, capsys):
    """Issue 34: the photo with its object painted white (a third of it white) is no mask."""
    pixels = smooth_photo()
    painted = pixels.copy()
    painted[30:90, 40:120] = 255
    cat, mask = save(tmp_path / "cat.png", pixels), save(tmp_path / "cat_mask.png", painted)
    before = listing(tmp_path)
    code, _, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "out", "--method", "telea")
    assert code == 2 and "looks like a picture, not a mask" in err and "are grey" in err
    assert "paint the object white" in err and "--box" in err
    assert listing(tmp_path) == before and not (tmp_path / "out").exists()
    with pytest.raises(iu.PhotoError, match="looks like a picture"):
        iu.read_mask(mask, (160, 120))


def test_a_soft_edged_mask_is_still_a_mask(tmp_path, capsys):
    """A mask feathered by a Gaussian of 8 px (grey across its edge) is read, at 127, and used."""
    sharp = np.zeros((120, 160), np.uint8)
    cv2.circle(sharp, (80, 60), 30, 255, -1)
    soft = cv2.GaussianBlur(sharp, (0, 0), 8)
    assert 0.05 < ((soft >= 32) & (soft < 224)).mean() < 0.5
    cat, mask = save(tmp_path / "cat.png", smooth_photo()), save(tmp_path / "cat_mask.png", soft)
    assert np.array_equal(iu.read_mask(mask, (160, 120)), soft >= 127)
    code, out, err = run(capsys, "--image", cat, "--mask", mask, "--output", tmp_path / "out", "--method", "telea")
    assert code == 0 and (tmp_path / "out" / "cat.png").exists(), err


def test_the_photo_as_its_own_mask_says_so(tmp_path, capsys):
    cat = save(tmp_path / "cat.jpg", smooth_photo(), quality=95)
    code, _, err = run(capsys, "--image", cat, "--mask", cat, "--output", tmp_path / "out")
    assert code == 2 and "is the photo itself" in err and "no photo to process" not in err
    folder = tmp_path / "only"
    folder.mkdir()
    lone = save(folder / "cat.png", smooth_photo())
    code, _, err = run(capsys, "--image", folder, "--mask", lone, "--output", tmp_path / "out")
    assert code == 2 and "its only photo is the mask cat.png" in err
    assert not (tmp_path / "out").exists()


def test_the_command_says_how_large_its_outputs_are_and_keeps_the_strip_screen_sized(tmp_path, capsys):
    """Issue 34: a 6 MB JPEG gave a 54 MB strip. The strip's longest side is at most 2000 px."""
    pixels = cv2.resize(smooth_photo(), (1500, 1000))
    mask = np.zeros((1000, 1500), np.uint8)
    mask[400:500, 600:700] = 255
    cat, hole_file = save(tmp_path / "cat.png", pixels), save(tmp_path / "mask.png", mask)
    code, out, err = run(capsys, "--image", cat, "--mask", hole_file, "--output", tmp_path / "out",
                         "--method", "telea", "--concat")
    assert code == 0, err
    result, strip = tmp_path / "out" / "cat.png", tmp_path / "out" / "cat_compare.png"
    assert opened(result).size == (1500, 1000) and opened(strip).size == (1998, 444)
    size = lambda p: f"{p.stat().st_size / 1e6:.1f} MB" if p.stat().st_size >= 1e5 else f"{p.stat().st_size / 1e3:.0f} kB"  # noqa: E731
    assert f"cat.png ({size(result)}), cat_compare.png ({size(strip)})" in out


def damaged_jpeg(path):
    """A JPEG with part of its compressed data zeroed: Pillow decodes it, silently, as garbage."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(Image.fromarray(photo(240, 320)).resize((640, 480)))).save(buffer, "JPEG", quality=90)
    data = bytearray(buffer.getvalue())
    start = data.find(b"\xff\xda") + 400
    data[start:start + 5000] = bytes(5000)
    path.write_bytes(bytes(data))
    opened(path)  # Pillow raises nothing
    return path


def test_a_damaged_jpeg_is_refused_or_accepted_with_a_note(tmp_path, capsys):
    bad = damaged_jpeg(tmp_path / "bad.jpg")
    assert jpeg_damage(bad).startswith("Corrupt JPEG data")
    assert jpeg_damage(save(tmp_path / "good.jpg", photo(), quality=90)) is None
    code, _, err = run(capsys, "--image", bad, "--box", "10,10,60,60", "--output", tmp_path / "out")
    assert code == 2 and "bad.jpg is a damaged JPEG" in err and "--accept-damaged" in err
    assert not (tmp_path / "out").exists()
    code, out, err = run(capsys, "--image", bad, "--box", "10,10,60,60", "--output", tmp_path / "out",
                         "--accept-damaged")
    assert code == 0 and "its JPEG data is damaged" in err and (tmp_path / "out" / "bad.png").exists()


def test_an_empty_mask_refuses_a_single_photo_and_is_noted_in_a_folder(same, tmp_path, capsys):
    save(tmp_path / "empty.png", np.zeros((40, 50), np.uint8))
    code, _, err = run(capsys, "--image", same / "cat.png", "--mask", tmp_path / "empty.png", "--output", tmp_path / "out")
    assert code == 2 and "marks nothing to remove" in err and not (tmp_path / "out").exists()
    masks = tmp_path / "masks"
    masks.mkdir()
    save(masks / "cat.png", np.zeros((40, 50), np.uint8))
    save(masks / "dog.png", hole())
    code, out, err = run(capsys, "--image", same, "--mask", masks, "--output", tmp_path / "folder")
    assert code == 0 and "cat.png: its mask marks nothing" in err and "written unchanged" in err
    assert np.array_equal(np.asarray(opened(tmp_path / "folder" / "cat.png")), photo(seed=1))


def test_the_last_line_names_the_fill_auto_chose_for_each_photo():
    assert batch.describe_methods("telea", ["telea", "telea"]) == "telea"
    assert batch.describe_methods("auto", ["patchmatch"]) == "auto (patchmatch)"
    assert batch.describe_methods("auto", ["patchmatch", "patchmatch-gated", "patchmatch"]) == \
        "auto (patchmatch: 2 photos, patchmatch-gated: 1 photo)"


def test_help_says_in_one_line_when_each_method_is_the_right_choice(capsys):
    from inpaint_utils.removal.remover import METHODS

    with pytest.raises(SystemExit):
        remove_main(["--help"])
    epilog = capsys.readouterr().out.split("methods, and when each is the right choice:")[1].strip().splitlines()
    assert sorted(line.split()[0] for line in epilog) == sorted(METHODS)
