"""The learned structure stage: its training data, its resumable training, the shipped file's
checks, and the fill it steers (regions between drawn edges filled from their own sides)."""

import numpy as np
import pytest
import torch
from PIL import Image

from inpaint_utils.data.edges import canny_edges
from inpaint_utils.evaluation.structure import edge_scores
from inpaint_utils.fills.guided import patchmatch
from inpaint_utils.fills.structure import edge_guided_fill, load_structure
from inpaint_utils.training.edges import SIZE, EdgeBatches, export_edges, straight_edge_scene, train_edges, training_hole


def two_regions(size=240, seed=0):
    """Dark ground below a diagonal edge, light sky above, with grain: the edge crosses the middle."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[:size, :size]
    above = ys < 0.6 * xs + 40
    image = np.where(above[..., None], [200, 210, 230], [70, 60, 40]).astype(np.float32)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), above


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    paths = []
    for seed in range(2):
        image, _ = two_regions(300, seed)
        paths.append(folder / f"p{seed}.png")
        Image.fromarray(image).save(paths[-1])
    return paths


def test_training_holes_are_object_sized_and_near_the_middle():
    rng = np.random.default_rng(0)
    holes = [training_hole(rng) for _ in range(50)]
    shares = np.array([h.mean() for h in holes])
    assert shares.min() > 0.02 and shares.max() < 0.35
    centres = np.array([np.argwhere(h).mean(axis=0) for h in holes])
    assert np.abs(centres - SIZE / 2).max() < SIZE / 3


def test_drawn_scenes_have_straight_edges_to_learn():
    rng = np.random.default_rng(1)
    scenes = [straight_edge_scene(rng) for _ in range(8)]
    assert all(s.shape == (SIZE, SIZE, 3) and s.dtype == np.uint8 for s in scenes)
    assert all(0.005 < canny_edges(s).mean() < 0.3 for s in scenes)


def test_batches_depend_on_the_seed_and_step_only(photos):
    first, again = EdgeBatches(photos)(3), EdgeBatches(photos)(3)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], EdgeBatches(photos)(4)[0])
    grey, edges, mask = first
    assert grey.shape == edges.shape == mask.shape == (8, 1, SIZE, SIZE) and edges.sum() > 0


def test_a_batch_of_drawn_scenes_alone_is_a_batch(photos, monkeypatch):
    import inpaint_utils.training.edges as training

    monkeypatch.setattr(training, "SYNTHETIC", 1.0)  # every crop drawn: none cut from a photo
    grey, edges, mask = EdgeBatches(photos, batch=3)(0)
    assert grey.shape == (3, 1, SIZE, SIZE) and edges.sum() > 0


def test_an_interrupted_training_resumes_to_the_same_weights_and_ships(photos, tmp_path):
    torch.set_num_threads(1)
    whole, parts = tmp_path / "whole.pt", tmp_path / "parts.pt"
    train_edges(photos, whole, steps=2, log_every=1)
    train_edges(photos, parts, steps=1, log_every=1)
    train_edges(photos, parts, steps=2, log_every=1)
    a, b = (torch.load(p, weights_only=True)["g"] for p in (whole, parts))
    assert all(torch.equal(a[k], b[k]) for k in a)
    shipped = tmp_path / "edges.pt"
    export_edges(whole, shipped, {"steps": 2})
    stage = load_structure(shipped)
    image, _ = two_regions()
    hole = np.zeros(image.shape[:2], bool)
    hole[80:160, 90:170] = True
    assert stage.card == {"steps": 2} and not stage.edges(image, hole)[~hole].any()
    out = stage.fill(image, hole)
    assert out.shape == image.shape and np.array_equal(out[~hole], image[~hole].astype(np.float32))


def test_a_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_edges"):
        load_structure(tmp_path / "none.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not this project.s edge generator"):
        load_structure(tmp_path / "other.pt")


def test_the_right_edges_carry_a_boundary_through_the_hole():
    """Given the true edge through the hole, each side is filled from its own side: the boundary
    continues where plain PatchMatch is free to smear it."""
    image, above = two_regions()
    hole = np.zeros(above.shape, bool)
    hole[60:190, 70:200] = True
    ys, xs = np.mgrid[:240, :240]
    line = np.abs(ys - (0.6 * xs + 40)) <= 1.5
    guided = np.rint(edge_guided_fill(image, hole, line & hole)).astype(np.uint8)
    plain = patchmatch(image, hole)
    wrong_side = lambda out: np.mean((out.mean(axis=2) > 135) != above)  # noqa: E731
    inside = hole & ~line
    assert np.mean((guided.mean(axis=2) > 135)[inside] != above[inside]) < 0.02
    assert edge_scores(guided, image, hole)["f1"] >= edge_scores(plain, image, hole)["f1"]
    assert wrong_side(guided) <= wrong_side(plain)
