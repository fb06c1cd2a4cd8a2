import pytest
import torch

import inpaint_utils as iu
from benchmarks import seed_reference as seed


def test_center_mask_equals_the_seeds():
    mask = iu.center_mask(64, 20)
    assert torch.equal(mask, seed.create_masks(1)[0])
    rows, cols = mask[0].nonzero(as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (22, 41, 22, 41)
    assert mask.sum() == 400


def test_center_mask_takes_other_sizes_and_refuses_impossible_holes():
    assert iu.center_mask(32, 10)[0, 11:21, 11:21].all() and iu.center_mask(32, 10).sum() == 100
    with pytest.raises(ValueError, match="HOLE_SIZE must be between 1 and IMAGE_SIZE - 1"):
        iu.center_mask(64, 64)


@pytest.mark.parametrize("mask, message", [
    (torch.ones(1, 32, 32), r"shape \(1, 64, 64\) or \(64, 64\), got \(1, 32, 32\)"),
    (torch.ones(3, 64, 64), r"got \(3, 64, 64\)"),
    (torch.ones(64, 64, dtype=torch.int64), "must be float32, float64, bool or uint8"),
    (torch.full((64, 64), 0.5), "values must be 0 .* or 1"),
    ([[0, 1]], "must be a torch.Tensor"),
])
def test_wrong_masks_are_refused_with_the_reason(mask, message):
    with pytest.raises(ValueError, match=message):
        iu.check_mask(mask, 64)


def test_check_mask_accepts_2d_and_bool():
    mask = iu.check_mask(iu.center_mask()[0].bool(), 64)
    assert mask.dtype == torch.float32 and torch.equal(mask, iu.center_mask())


def test_cat_dataset_returns_masked_image_and_ground_truth_like_the_seeds():
    images = iu.to_uint8(torch.rand(3, 3, 64, 64))
    masked, truth = iu.CatDataset(images, iu.center_mask())[1]
    assert torch.equal(truth, images[1].float() / 255)
    assert torch.equal(masked, (1 - seed.create_masks(1)[0]) * truth)


def test_networks_have_the_seeds_parameter_counts_and_shapes():
    g, d = iu.Generator(), iu.Discriminator()
    assert iu.count_parameters(g) == 3_647_043
    assert iu.count_parameters(d) == 2_212_117
    out = g(torch.rand(2, 4, 64, 64))
    assert out.shape == (2, 3, 64, 64) and 0 <= out.min() and out.max() <= 1
    assert d(out).shape == (2, 1)
    table = iu.layer_table(g, (4, 64, 64))
    assert table.loc["conv6", "output"] == "256x8x8" and table.loc["conv13", "output"] == "3x64x64"


def test_generator_keeps_the_seeds_layer_names():
    names = {k.split(".")[0] for k in iu.Generator().state_dict()}
    assert names == {f"conv{i}" for i in (1, 2, 3, 4, 5, 6, 7, 9, 12, 13)} | \
        {"deconv8", "deconv10", "deconv11"} | {f"bn{i}" for i in range(1, 13)}
