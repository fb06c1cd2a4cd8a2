"""PatchMatch as a removal method (PyPatchMatch): a textured fill of a real photo that touches no
pixel outside the dilated mask, deterministic, pasted as it is by default; without its native
library, one line naming the package and how to install it, and nothing written."""

import builtins
import ctypes
import logging
import sys

import numpy as np
import pytest
from PIL import Image
from skimage import data

import inpaint_utils as iu
from inpaint_utils.fills import exemplar
from inpaint_utils.fills.detail import detail_sums
from inpaint_utils.removal.remover import dilate_mask
from inpaint_utils.remove import main as remove_main


@pytest.fixture(scope="module")
def scene():
    """Astronaut's flag and the textured wall behind it (120x160) and a 30x36 box over the flag's edge."""
    image = data.astronaut()[20:140, 340:500].copy()
    mask = np.zeros(image.shape[:2], bool)
    mask[45:75, 60:96] = True
    return image, mask


def test_patchmatch_fills_a_photo_with_its_texture_and_touches_nothing_outside(scene):
    image, mask = scene
    out = iu.remove_object(image, mask, iu.make_remover("patchmatch"))
    hole = dilate_mask(mask, 5)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.array_equal(out[~hole], image[~hole])
    error = out[hole].astype(float) - image[hole]
    assert 10 * np.log10(255 ** 2 / np.mean(error ** 2)) > 14  # a fill of the scene, not black or noise
    harmonic = iu.remove_object(image, mask, iu.make_remover("harmonic"), detail="none")
    texture = [np.divide(*detail_sums(result, hole)) for result in (out, harmonic)]  # hole over its ring
    assert texture[0] > 0.5 and texture[0] > 3 * texture[1], texture  # the photo's texture, not a diffusion


def test_patchmatch_is_deterministic_and_never_reads_the_object(scene):
    image, mask = scene
    remover = iu.make_remover("patchmatch")
    first = iu.remove_object(image, mask, remover)
    other = image.copy()
    other[dilate_mask(mask, 5)] = (255, 0, 255)  # another object under the same mask
    assert np.array_equal(iu.remove_object(image, mask, remover), first)
    assert np.array_equal(iu.remove_object(other, mask, remover), first)


def test_patchmatch_pastes_its_fill_by_default_and_the_others_blend_and_transfer_detail(scene):
    image, mask = scene
    remover = iu.make_remover("patchmatch")
    assert (remover.blend, remover.detail) == ("paste", "none")
    assert np.array_equal(iu.remove_object(image, mask, remover),
                          iu.remove_object(image, mask, remover, blend="paste", detail="none"))
    assert not np.array_equal(iu.remove_object(image, mask, remover),
                              iu.remove_object(image, mask, remover, blend="poisson", detail="cra"))
    telea = iu.make_remover("telea")
    assert (telea.blend, telea.detail) == ("poisson", "cra")
    assert np.array_equal(iu.remove_object(image, mask, telea),
                          iu.remove_object(image, mask, telea, blend="poisson", detail="cra"))


def test_the_command_removes_with_patchmatch_and_keeps_size_and_transparency(scene, tmp_path, capsys):
    image, mask = scene
    alpha = np.full(image.shape[:2], 255, np.uint8)
    alpha[:, :20] = 128  # a translucent strip away from the hole
    Image.fromarray(np.dstack([image, alpha])).save(tmp_path / "photo.png")
    code = remove_main(["--image", str(tmp_path / "photo.png"), "--box", "60,45,96,75", "--output",
                        str(tmp_path / "out"), "--method", "patchmatch"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 photo(s) written" in out and out.split(":")[0].endswith("with patchmatch")
    result = Image.open(tmp_path / "out" / "photo.png")
    assert result.mode == "RGBA" and result.size == (160, 120)
    pixels, hole = np.asarray(result), dilate_mask(mask, 5)
    assert np.array_equal(pixels[..., 3], alpha)
    assert np.array_equal(pixels[..., :3][~hole], image[~hole])
    assert np.array_equal(pixels[..., :3], iu.remove_object(image, mask, iu.make_remover("patchmatch")))


def fail_import(exception):
    """A patch of ``__import__`` under which importing patchmatch raises ``exception``."""
    real = builtins.__import__

    def importer(name, *args, **kwargs):
        if name == "patchmatch" or name.startswith("patchmatch."):
            raise exception
        return real(name, *args, **kwargs)
    return importer


@pytest.fixture(params=["not installed", "import raises OSError", "library does not load"])
def broken(request, monkeypatch):
    """PyPatchMatch unusable three ways; the last one is the real package imported afresh with
    its library failing to load (it logs why, and sets patchmatch_available to False)."""
    if request.param == "not installed":
        monkeypatch.setattr(builtins, "__import__", fail_import(ModuleNotFoundError("No module named 'patchmatch'")))
        return "No module named 'patchmatch'"
    if request.param == "import raises OSError":
        monkeypatch.setattr(builtins, "__import__", fail_import(OSError("libpatchmatch.so: cannot open shared object file")))
        return "cannot open shared object file"
    import patchmatch.patch_match  # noqa: F401 (loaded, so that the entries removed here are put back)

    for name in [n for n in sys.modules if n == "patchmatch" or n.startswith("patchmatch.")]:
        monkeypatch.delitem(sys.modules, name)  # restored after the test

    def cdll(path, *args, **kwargs):
        raise OSError(f"{path}: undefined symbol: _ZN2cv3Mat")
    monkeypatch.setattr(ctypes, "CDLL", cdll)
    return "undefined symbol"


def test_a_missing_library_is_one_line_naming_the_package_and_nothing_is_written(broken, tmp_path, capsys):
    with pytest.raises(ImportError, match="PyPatchMatch") as caught:
        iu.make_remover("patchmatch")
    assert broken in str(caught.value) and "\n" not in str(caught.value)
    image = tmp_path / "photo.png"
    Image.fromarray(data.astronaut()[:40, :50]).save(image)
    code = remove_main(["--image", str(image), "--box", "5,5,20,20", "--output", str(tmp_path / "out" / "deep"),
                        "--method", "patchmatch"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err  # the package's own log line is not printed as well
    assert err.startswith("error: --method patchmatch: PatchMatch needs the package PyPatchMatch (") and broken in err
    assert "pip install --force-reinstall --no-deps pypatchmatch==2.2.0" in err and "nothing was written" in err
    assert not (tmp_path / "out").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_the_real_library_loads_without_logging(caplog):
    """The check itself leaves the package's logger as it found it."""
    logger = logging.getLogger("patchmatch")
    handlers, propagate = list(logger.handlers), logger.propagate
    with caplog.at_level(logging.WARNING):
        assert exemplar.patchmatch_inpaint().patchmatch_available
    assert not caplog.records and logger.handlers == handlers and logger.propagate == propagate


def test_auto_is_the_commands_default_and_a_checkpoint_means_the_gan(scene, tmp_path, capsys):
    photo = tmp_path / "photo.png"
    Image.fromarray(scene[0]).save(photo)
    out = tmp_path / "out"
    assert remove_main(["--image", str(photo), "--box", "20,20,40,40", "--output", str(out)]) == 0
    assert capsys.readouterr().out.split(":")[0].endswith("with auto (patchmatch)")  # the fill auto chose
    Image.fromarray(scene[0][:48, :64]).save(photo)
    assert remove_main(["--image", str(photo), "--box", "20,20,40,40", "--output", str(tmp_path / "small")]) == 0
    assert capsys.readouterr().out.split(":")[0].endswith("with auto (patchmatch-gated)")
    assert iu.make_remover().name == "auto"
    assert remove_main(["--image", str(photo), "--box", "20,20,40,40", "--output", str(tmp_path / "out2"),
                        "--checkpoint", str(tmp_path / "missing.pt")]) == 2
    assert "--checkpoint: no checkpoint at" in capsys.readouterr().err  # the GAN's option, not ignored


def test_auto_fills_holes_of_two_percent_and_more_with_7x7_patches_and_smaller_ones_as_before():
    """Round 2 of docs/structure.md: large holes take 7x7 patches (as good, twice as fast), small ones
    keep 11x11, so the small-hole benchmark is unchanged; each part is judged by its own size."""
    from inpaint_utils.removal.remover import LARGE_HOLE_SHARE, Remover

    image = data.astronaut()[:256, :320].copy()  # a photo: over PHOTO_SIDE px
    large, small = np.zeros((256, 320), bool), np.zeros((256, 320), bool)
    large[150:190, 150:190] = True  # 50x50 once dilated: 3% of the image
    small[30:38, 30:38] = True  # 18x18 once dilated: 0.4%
    assert dilate_mask(large, 5).mean() >= LARGE_HOLE_SHARE > dilate_mask(small, 5).mean()
    auto = iu.remove_object(image, large | small, iu.make_remover("auto"))
    seven = iu.remove_object(image, large, Remover("7x7", None, None, exemplar.SMALL_EXEMPLAR.per_image, "paste", "none"))
    eleven = iu.remove_object(image, small, iu.make_remover("patchmatch"))
    assert np.array_equal(auto[150:256], seven[150:256]) and np.array_equal(auto[:100], eleven[:100])
    assert not np.array_equal(seven[150:256], iu.remove_object(image, large, iu.make_remover("patchmatch"))[150:256])


def test_the_parts_of_a_photo_are_filled_at_once_and_come_out_as_one_by_one(monkeypatch):
    """Issue 44, item 6: PatchMatch fills several holes of one photo in threads, two at a time here
    (a barrier makes each pair of fills wait for each other), bit-identical to filling them in turn:
    its random engine is per thread, seeded at every call."""
    import threading

    from inpaint_utils.removal import remover as removal

    image = data.astronaut()[:256, :320].copy()
    mask = np.zeros((256, 320), bool)
    for y, x in ((20, 20), (20, 200), (150, 40), (160, 220)):
        mask[y:y + 30, x:x + 40] = True
    monkeypatch.setattr(removal, "available_cores", lambda: 2)
    pairs = threading.Barrier(2, timeout=20)

    def in_pairs(crop, hole):
        pairs.wait()  # raises BrokenBarrierError unless another fill runs at the same time
        return exemplar._patchmatch(crop, hole)

    together = iu.remove_object(image, mask, removal.Remover("pairs", None, None, in_pairs, "paste", "none", threads=True))
    monkeypatch.setattr(removal, "FILL_THREADS", 1)
    assert np.array_equal(together, iu.remove_object(image, mask, iu.make_remover("patchmatch")))
    assert not np.array_equal(together[mask], image[mask])
