"""The seed's next steps as options: random masks, the reconstruction loss, the local D, pre-fill."""

import copy
import dataclasses

import pandas as pd
import pytest
import torch
import torch.nn as nn

import inpaint_utils as iu
from conftest import smooth_images
from inpaint_utils.data.masks import MAX_HOLE_AREA
from inpaint_utils.networks.losses import reconstruction_loss
from inpaint_utils.training import loop

TRAIN, VAL = smooth_images(16, seed=1), smooth_images(4, seed=2)


@pytest.mark.parametrize("kind", ["box", "stroke", "mixed"])
def test_random_masks_have_the_shape_cap_and_seed(kind):
    masks = iu.mask_batch(kind, 64, generator=torch.Generator().manual_seed(3))
    assert masks.shape == (64, 1, 64, 64) and masks.dtype == torch.float32
    assert set(masks.unique().tolist()) <= {0.0, 1.0}
    area = masks.mean(dim=(1, 2, 3))
    assert area.min() > 0 and area.max() <= MAX_HOLE_AREA
    assert len(set(map(tuple, masks.flatten(1).tolist()))) == 64  # every image gets its own mask
    again = iu.mask_batch(kind, 64, generator=torch.Generator().manual_seed(3))
    other = iu.mask_batch(kind, 64, generator=torch.Generator().manual_seed(4))
    assert torch.equal(masks, again) and not torch.equal(masks, other)


def test_boxes_keep_their_margin_inside_the_image_and_strokes_reach_the_edges():
    boxes = iu.mask_batch("box", 256, generator=torch.Generator().manual_seed(0))
    assert boxes[..., :2, :].sum() == boxes[..., -2:, :].sum() == boxes[..., :2].sum() == boxes[..., -2:].sum() == 0
    strokes = iu.mask_batch("stroke", 256, generator=torch.Generator().manual_seed(0))
    assert strokes[..., 0, :].sum() > 0  # strokes are clipped at the border, not kept away from it


def test_center_masks_and_unknown_kinds():
    assert torch.equal(iu.mask_batch("center", 3), iu.center_mask().expand(3, 1, 64, 64))
    with pytest.raises(ValueError, match="unknown mask kind 'circle'; valid kinds: center, box, stroke, mixed"):
        iu.mask_batch("circle", 2)


def test_local_crop_centres_on_the_hole_and_stays_inside():
    images = torch.arange(2 * 3 * 64 * 64, dtype=torch.float32).view(2, 3, 64, 64)
    assert torch.equal(iu.hole_crops(images, iu.center_mask(), 32), images[:, :, 16:48, 16:48])
    masks = torch.zeros(2, 1, 64, 64)
    masks[0, :, 0:4, 60:64] = 1  # top-right corner: the crop is shifted inside
    masks[1, :, 30:40, 10:20] = 1  # centre (35, 15): rows 19..50, columns clamped to 0..31
    crops = iu.hole_crops(images, masks, 32)
    assert torch.equal(crops[0], images[0, :, 0:32, 32:64])
    assert torch.equal(crops[1], images[1, :, 19:51, 0:32])


def test_context_discriminator_judges_the_hole_region():
    d = iu.ContextDiscriminator(32).eval()
    x = torch.rand(2, 3, 64, 64)
    changed = x.clone()
    changed[:, :, 24:40, 24:40] = 0  # inside the crop and the whole image
    assert d(x, iu.center_mask()).shape == (2, 1)
    assert not torch.equal(d(x, iu.center_mask()), d(changed, iu.center_mask()))


def models_and_step(params, **options):
    p = dataclasses.replace(params, **options)
    g, d, og, od = iu.build_models(p, torch.device("cpu"))
    return p, g, d, iu.make_step(g, d, og, od, criterion=nn.BCELoss(), params=p, device=torch.device("cpu"))


def test_pixel_only_model_takes_its_gradients_from_the_pixel_loss_alone(params):
    p, g, d, step = models_and_step(params, rec_weight=2.0, adv_weight=0.0)
    g0, d0 = copy.deepcopy(g), copy.deepcopy(d)
    truth, mask = TRAIN[:8].float() / 255, iu.center_mask()
    d_loss, g_loss = step(truth, mask)
    expected_loss = 2.0 * reconstruction_loss(g0(torch.cat(((1 - mask) * truth, mask.expand(8, 1, -1, -1)), 1)),
                                              truth, mask)
    expected = torch.autograd.grad(expected_loss, list(g0.parameters()))
    assert all(torch.allclose(p.grad, e, atol=1e-6) for p, e in zip(g.parameters(), expected))
    assert g_loss.item() == pytest.approx(expected_loss.item(), rel=1e-6) and d_loss.item() == 0
    assert all(torch.equal(a, b) for a, b in zip(d.state_dict().values(), d0.state_dict().values()))


def test_reconstruction_loss_is_the_mean_error_over_each_hole():
    truth = torch.zeros(2, 3, 64, 64)
    generated = torch.full_like(truth, 0.5)
    masks = torch.zeros(2, 1, 64, 64)
    masks[0, :, :10, :10] = 1  # a small hole and a large one weigh the same
    masks[1, :, :40, :40] = 1
    assert reconstruction_loss(generated, truth, masks, kind="l1").item() == pytest.approx(0.5)
    assert reconstruction_loss(generated, truth, masks, kind="l2").item() == pytest.approx(0.25)
    assert reconstruction_loss(generated, truth, masks, kind="l1", known_weight=1.0).item() == pytest.approx(1.0)


def test_the_psnr_loss_is_minus_the_mean_hole_psnr_of_evaluation():
    pixels = torch.randint(20, 230, (2, 3, 64, 64), dtype=torch.uint8)
    truth = pixels.float() / 255
    generated = truth.clone()
    masks = torch.zeros(2, 1, 64, 64)
    masks[:, :, 20:40, 20:40] = 1
    generated[0] += 0.1 * masks[0]  # 20 dB
    generated[1] += 0.01 * masks[1]  # 40 dB: L2 would weigh it 100 times less than the first
    assert reconstruction_loss(generated, truth, masks, kind="psnr").item() == pytest.approx(-30, abs=1e-3)
    measured = iu.evaluate(lambda masked, mask: generated, pixels, masks)["hole_psnr"]
    assert -measured.mean() == pytest.approx(-30, abs=1e-3)


def test_g_only_phase_leaves_the_discriminator_untouched(params):
    p, g, d, step = models_and_step(params, rec_weight=1.0, adv_weight=0.5, g_only_epochs=1)
    d0 = copy.deepcopy(d)
    step(TRAIN[:8].float() / 255, iu.center_mask(), adversarial=False)
    assert all(torch.equal(a, b) for a, b in zip(d.state_dict().values(), d0.state_dict().values()))
    step(TRAIN[:8].float() / 255, iu.center_mask())
    assert not all(torch.equal(a, b) for a, b in zip(d.state_dict().values(), d0.state_dict().values()))


def test_prefill_puts_the_mean_colour_in_the_hole_of_gs_input():
    seen = []
    g = iu.Generator().eval()
    g.conv1.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    colour = torch.tensor([0.2, 0.4, 0.6])
    iu.generator_fill(g, colour)(torch.zeros(1, 3, 64, 64), iu.center_mask())
    assert torch.allclose(seen[0][0, :3, 30, 30], colour) and torch.equal(seen[0][0, :3, 0, 0], torch.zeros(3))
    assert seen[0][0, 3, 30, 30] == 1  # the mask channel


def train(params, checkpoint, epochs=2, **options):
    p = dataclasses.replace(params, **options)
    return iu.train_gan("x", nn.BCELoss(), p, train_images=TRAIN, val_images=VAL, checkpoint=checkpoint, epochs=epochs)


def test_random_mask_training_is_reproducible_and_resumes_exactly(params, tmp_path):
    options = dict(mask="mixed", rec_weight=0.999, adv_weight=0.001, local_d=True, prefill="mean")
    a = train(params, tmp_path / "a.pt", **options)
    b = train(params, tmp_path / "b.pt", epochs=1, **options)
    b = train(params, tmp_path / "b.pt", epochs=2, **options)  # resumed: same masks from the saved generator
    assert b.trained_epochs == 1 and a.history["g_losses"] == b.history["g_losses"]
    assert all(torch.equal(x, y) for x, y in zip(a.g.state_dict().values(), b.g.state_dict().values()))
    assert torch.allclose(a.fill_colour, TRAIN.float().mean(dim=(0, 2, 3)) / 255)
    loaded = loop.load_run("x", tmp_path / "a.pt", dataclasses.replace(params, **options), maker="notebook 06")
    assert isinstance(loaded.d, iu.ContextDiscriminator) and torch.equal(loaded.fill_colour, a.fill_colour)


def test_evaluate_run_measures_an_ablation_row_with_the_seeds_losses_under_its_criterion(params, tmp_path):
    p = iu.ablation_params(params)["local_d"]
    trained = iu.train_gan("local_d", nn.BCELoss(), p, train_images=TRAIN, val_images=VAL,
                           checkpoint=tmp_path / "ablation-local_d.pt", epochs=1)
    loaded = loop.load_run("local_d", tmp_path / "ablation-local_d.pt", p, maker="notebook 06")
    test = iu.SplitImages("test", smooth_images(4, seed=5), list(range(4)), ["RGB"] * 4, [(64, 64)] * 4)
    tables = [iu.evaluate_run(run, test, p) for run in (trained, loaded)]
    assert trained.criterion == loaded.criterion == "bce"
    assert list(tables[0].columns) == [*iu.METRICS, "d_loss", "g_loss"] and len(tables[0]) == 4
    assert tables[0]["d_loss"].notna().all()
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_resuming_with_another_adv_weight_is_refused_naming_it(params, tmp_path):
    train(params, tmp_path / "a.pt", epochs=1, rec_weight=0.999, adv_weight=0.001)
    with pytest.raises(ValueError, match=r"ADV_WEIGHT=0.001 \(now 0.5\).*RETRAIN=True"):
        train(params, tmp_path / "a.pt", epochs=1, rec_weight=0.999, adv_weight=0.5)


def test_checkpoints_from_before_these_options_still_load_as_the_seeds(params, tmp_path):
    train(params, tmp_path / "old.pt", epochs=1)
    state = iu.load_checkpoint(tmp_path / "old.pt")
    for key in ("mask", "rec_weight", "adv_weight", "local_d", "prefill"):
        del state["params"][key]
    torch.save(state, tmp_path / "old.pt")
    assert train(params, tmp_path / "old.pt", epochs=1).trained_epochs == 0


@pytest.mark.parametrize("override, message", [
    ({"MASK": "circle"}, "MASK must be one of 'center', 'box', 'stroke', 'mixed', 'blob', 'lama', got 'circle'"),
    ({"REC_WEIGHT": 0.0, "ADV_WEIGHT": 0.0}, "not both 0"),
    ({"G_ONLY_EPOCHS": 2}, "set REC_WEIGHT > 0"),
    ({"REC_LOSS": "huber"}, "REC_LOSS must be one of 'l1', 'l2'"),
])
def test_wrong_options_are_refused(override, message):
    with pytest.raises(ValueError, match=message):
        iu.resolve_params("smoke", override)


def test_evaluation_with_one_mask_per_image_measures_each_image_on_its_own_hole():
    images = smooth_images(4, seed=5)
    masks = iu.mask_batch("mixed", 4, generator=torch.Generator().manual_seed(0))
    together = iu.evaluate(iu.BASELINES["Telea"], images, masks)
    for i in range(4):
        alone = iu.evaluate(iu.BASELINES["Telea"], images[i:i + 1], masks[i])
        assert together.iloc[i].to_dict() == pytest.approx(alone.iloc[0].to_dict(), rel=1e-5)
    with pytest.raises(ValueError, match="3 masks for 4 images"):
        iu.evaluate(iu.BASELINES["Telea"], images, masks[:3])


def test_ablation_rows_add_one_change_each(params):
    rows = iu.ablation_params(params)
    assert list(rows) == list(iu.ABLATION)
    seed, pixel, local = rows["seed"], rows["pixel"], rows["local_d"]
    assert (seed.rec_weight, seed.adv_weight, seed.mask, seed.local_d) == (0.0, 1.0, "center", False)
    assert (pixel.rec_weight, pixel.adv_weight, pixel.local_d) == (0.999, 0.001, False)
    assert local.local_d and local.rec_weight == 0.999
    assert rows["prefill"].mask == "mixed" and rows["prefill"].prefill == "mean"
