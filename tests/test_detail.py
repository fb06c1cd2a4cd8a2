"""Detail transfer (contextual residual aggregation) and the measures of detail and seams."""

import warnings

import cv2
import numpy as np
import pytest
import torch

import inpaint_utils as iu
from inpaint_utils.fills import detail
from inpaint_utils.fills.detail import (
    attention,
    detail_sums,
    residual_aggregation,
    seam_sums,
)
from inpaint_utils.removal import remover
from inpaint_utils.removal.remover import dilate_mask
from inpaint_utils.report import figures


def texture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """uint8 (H, W, 3): slanted stripes 6 pixels apart under fine noise, on a slow colour gradient."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:height, :width].astype(np.float32)
    stripes = 30 * np.sin(2 * np.pi * (x + 0.5 * y) / 6)
    gradient = np.stack([60 + 80 * x / width, 90 + 60 * y / height, np.full_like(x, 120)], axis=-1)
    return np.clip(gradient + stripes[..., None] + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)


def box_hole(height: int, width: int, top: int, left: int, side: int) -> np.ndarray:
    hole = np.zeros((height, width), bool)
    hole[top:top + side, left:left + side] = True
    return hole


def upscaled_fill(image: np.ndarray, hole: np.ndarray, size: int = 64) -> np.ndarray:
    """A coarse fill the way the 64-px model gives one: the hole filled at ``size`` px, scaled back."""
    small = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA) > 0
    filled = iu.CLASSICAL["telea"].per_image(small * ~small_hole[..., None], small_hole.astype(np.uint8))
    return cv2.resize(filled.astype(np.float32), image.shape[1::-1], interpolation=cv2.INTER_CUBIC)


def ratio(sums) -> float:
    return sums[0] / sums[1]


def test_cra_changes_only_the_hole_and_gives_a_texture_as_detailed_as_its_context():
    image = texture(320, 320)
    hole = box_hole(320, 320, 100, 110, 120)
    coarse = upscaled_fill(image, hole)
    out = residual_aggregation(image, coarse, hole)
    assert out.dtype == np.float32 and np.array_equal(out[~hole], image[~hole].astype(np.float32))
    assert out.min() >= 0 and out.max() <= 255
    plain = np.where(hole[..., None], coarse, image)
    before, after = ratio(detail_sums(plain, hole)), ratio(detail_sums(out, hole))
    assert before < 0.2  # the upscaled fill is flat: the case CRA exists for
    assert after > 0.35 and abs(np.log(after)) < abs(np.log(before)) / 3  # far closer to 1.0
    assert ratio(detail_sums(image, hole)) == pytest.approx(1, abs=0.1)  # the measure: 1 on a uniform texture


def test_attention_rows_are_a_softmax_that_prefers_the_most_similar_key():
    torch.manual_seed(0)
    keys, queries = torch.randn(50, 12), torch.randn(7, 12)
    queries[0] = 3 * keys[17] + 5  # the same pattern, brighter and stronger: centred cosine 1
    for scale in (1.0, 30.0, detail.SCALE):
        weights = attention(queries, keys, scale)
        assert weights.shape == (7, 50) and (weights >= 0).all()
        assert torch.allclose(weights.sum(dim=1), torch.ones(7))
        assert weights[0].argmax() == 17
    assert attention(queries, keys, 300.0)[0, 17] > attention(queries, keys, 10.0)[0, 17]  # the scale sharpens


@pytest.mark.parametrize("shape, hole_at", [((131, 257), (40, 101, 37)), ((257, 131), (101, 40, 37)),
                                            ((201, 173), (100, 90, 1)), ((150, 400), (0, 0, 30))])
def test_odd_sizes_tiny_holes_and_holes_at_the_border(shape, hole_at):
    image = texture(*shape, seed=1)
    hole = box_hole(*shape, *hole_at)
    out = residual_aggregation(image, upscaled_fill(image, hole), hole)
    assert out.shape == image.shape and np.isfinite(out).all() and 0 <= out.min() and out.max() <= 255
    assert np.array_equal(out[~hole], image[~hole].astype(np.float32))


def test_a_crop_too_small_to_have_been_upscaled_is_left_to_its_fill():
    image = texture(100, 120)
    hole = box_hole(100, 120, 40, 50, 20)
    coarse = upscaled_fill(image, hole)
    assert np.array_equal(residual_aggregation(image, coarse, hole), np.where(hole[..., None], coarse, image))


def test_the_attention_matrix_is_bounded_by_the_grid_whatever_the_crop(monkeypatch):
    seen = []
    original = detail.attention
    monkeypatch.setattr(detail, "attention", lambda q, k, *a: seen.append((len(q), len(k))) or original(q, k, *a))
    image = texture(1500, 1300, seed=2)
    hole = box_hole(1500, 1300, 300, 200, 900)
    residual_aggregation(image, upscaled_fill(image, hole), hole)
    (queries, keys), = seen
    assert queries + keys <= (detail.GRID + 1) ** 2


def test_the_seam_measure_sees_a_step_and_not_a_seamless_fill():
    image = texture(200, 200)
    hole = box_hole(200, 200, 60, 60, 80)
    assert ratio(seam_sums(image, image, hole)) == 1
    stepped = image.copy()
    stepped[hole] = np.clip(stepped[hole].astype(int) + 40, 0, 255)
    assert ratio(seam_sums(stepped, image, hole)) > 1.5


@pytest.mark.parametrize("method", ["telea", "gan"])
def test_remove_object_with_detail_keeps_every_pixel_outside_the_dilated_mask(method):
    image = texture(300, 360, seed=3)
    mask = box_hole(300, 360, 110, 150, 70)
    remover = iu.make_remover(method)  # gan: the shipped release model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = iu.remove_object(image, mask, remover, blend="poisson", detail="none")
        out = iu.remove_object(image, mask, remover, blend="poisson", detail="cra")
    outside = ~dilate_mask(mask, 5)
    assert np.array_equal(out[outside], image[outside])
    inside = dilate_mask(mask, 5)
    assert ratio(detail_sums(out, inside)) > 1.5 * ratio(detail_sums(plain, inside))


def test_remove_object_refuses_an_unknown_detail_or_blend():
    image, mask = texture(40, 40), box_hole(40, 40, 10, 10, 5)
    with pytest.raises(ValueError, match="detail='sharp'"):
        iu.remove_object(image, mask, iu.make_remover("telea"), detail="sharp")
    with pytest.raises(ValueError, match="blend='smooth'"):
        iu.remove_object(image, mask, iu.make_remover("telea"), blend="smooth")


def exact_poisson(fill: np.ndarray, photo: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The discrete Poisson blend, solved exactly: fill + h, h harmonic in the hole (4 neighbours)
    and equal to photo - fill on the pixels around it."""
    import scipy.sparse
    import scipy.sparse.linalg

    index = np.full(hole.shape, -1)
    index[hole] = np.arange(hole.sum())
    rows, cols, values, rhs = [], [], [], np.zeros((hole.sum(), 3))
    difference = photo.astype(float) - fill
    for k, (y, x) in enumerate(np.argwhere(hole)):
        rows.append(k), cols.append(k), values.append(4.0)
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            if index[y + dy, x + dx] >= 0:
                rows.append(k), cols.append(index[y + dy, x + dx]), values.append(-1.0)
            else:
                rhs[k] += difference[y + dy, x + dx]
    matrix = scipy.sparse.csr_matrix((values, (rows, cols)), shape=(hole.sum(),) * 2)
    out = fill.astype(float)
    out[hole] += scipy.sparse.linalg.spsolve(matrix, rhs)
    return out


def test_poisson_blending_is_the_poisson_blend_and_never_sees_the_object():
    rng = np.random.default_rng(0)
    smooth = lambda offset: np.clip(cv2.GaussianBlur(rng.uniform(0, 255, (90, 110, 3)).astype(np.float32), (0, 0), 3)
                                    + offset, 0, 255)  # noqa: E731
    fill, photo = np.rint(smooth(60)), smooth(20).astype(np.uint8)
    y, x = np.mgrid[:90, :110]
    hole = ((y - 45) / 25) ** 2 + ((x - 55) / 30) ** 2 < 1
    exact = exact_poisson(fill, photo, hole)
    blended = remover._poisson(fill, photo, hole)
    assert np.abs(blended - exact)[hole].mean() < 2 < 40 < np.abs(fill - exact)[hole].mean()
    photo[hole] = (250, 10, 10)  # an object in the hole changes nothing
    assert np.array_equal(remover._poisson(fill, photo, hole), blended)


@pytest.mark.parametrize("method", ["telea", "gan"])
def test_poisson_blending_brings_no_object_back_at_its_edge_or_the_photos(method):
    rng = np.random.default_rng(0)
    image = np.clip(120 + rng.normal(0, 5, (120, 150, 3)), 0, 255).astype(np.uint8)
    image[:30, :40] = (250, 10, 10)  # a red object in the corner, masked exactly: no dilation
    mask = np.zeros((120, 150), bool)
    mask[:30, :40] = True
    out = iu.remove_object(image, mask, iu.make_remover(method), dilate=0, blend="poisson")
    assert np.abs(out[:35, :45].astype(int) - 120).max() < 30  # seamlessClone as it was: up to 129 off, red


def test_poisson_blending_takes_specks_a_pixel_wide():
    image = texture(120, 160, seed=4)
    specks = np.random.default_rng(0).random((120, 160)) < 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # seamlessClone once refused masks under 3 pixels across: "pasting instead"
        out = iu.remove_object(image, specks, iu.make_remover("telea"), dilate=0, blend="poisson")
    assert np.array_equal(out[~specks], image[~specks])


def test_the_zoom_figure_shows_each_result_at_100_percent(params):
    from PIL import Image

    image = texture(400, 500)
    mask = box_hole(400, 500, 150, 200, 60)
    telea = iu.make_remover("telea")
    results = {f"Telea, {level}": iu.remove_object(image, mask, telea, detail=level) for level in ("none", "cra")}
    figures.plot_removal_zoom(image, mask, results, "zoom", params, size=200, columns=3)
    saved = Image.open(iu.figures_dir(params) / "zoom.png")
    assert 3 * 200 <= saved.width <= 3 * 200 + 40 and 200 <= saved.height <= 200 + 40  # one panel pixel a photo pixel


def test_the_command_blends_and_transfers_detail_by_default():
    from inpaint_utils.removal.jobs import Settings
    from inpaint_utils.removal.remover import Remover
    from inpaint_utils.remove import parse_args

    args = parse_args(["--image", "a.jpg", "--box", "0,0,1,1", "--output", "out"])
    assert (args.blend, args.detail, args.feather) == (None, None, 0)  # unless told, the method's own
    assert (Settings().blend, Settings().detail) == (None, None)
    model, telea = Remover("gan", None, 64), iu.make_remover("telea")  # the model's, and a classical method's
    assert (model.blend, model.detail) == (telea.blend, telea.detail) == ("poisson", "cra")
    args = parse_args(["--image", "a.jpg", "--box", "0,0,1,1", "--output", "out", "--blend", "paste", "--detail", "none"])
    assert (args.blend, args.detail) == ("paste", "none")
