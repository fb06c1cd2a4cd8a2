import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

import inpaint_utils as iu
from conftest import smooth_images

MASK = iu.center_mask()


def test_identical_images_get_the_capped_psnr_and_perfect_scores():
    truth = smooth_images(2).float() / 255
    m = iu.image_metrics(truth, truth, MASK)
    assert m["hole_l1"].tolist() == [0, 0] and m["hole_l2"].tolist() == [0, 0]
    assert m["hole_psnr"].tolist() == [iu.PSNR_CAP] * 2 and m["full_psnr"].tolist() == [iu.PSNR_CAP] * 2
    torch.testing.assert_close(m["full_ssim"], torch.ones(2))


def test_constant_offset_in_the_hole_gives_the_hand_computed_values():
    truth = torch.full((1, 3, 64, 64), 0.5)
    pred = truth + 0.1 * MASK  # 0.1 too bright in the 400 hole pixels only
    m = iu.image_metrics(pred, truth, MASK)
    assert m["hole_l1"].item() == pytest.approx(0.1, abs=1e-6)
    assert m["hole_l2"].item() == pytest.approx(0.01, abs=1e-6)
    assert m["hole_psnr"].item() == pytest.approx(20.0, abs=1e-4)  # 10 log10(1 / 0.01)
    assert m["full_psnr"].item() == pytest.approx(20 + 10 * math.log10(4096 / 400), abs=1e-4)


def test_psnr_and_ssim_agree_with_scikit_image():
    """SSIM is torchmetrics': the mean of the whole SSIM map, borders computed on reflect-padded
    images. scikit-image drops a 5-pixel border instead; on the interior the two maps agree."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    truth = smooth_images(3, seed=1).float() / 255
    pred = (truth + 0.05 * torch.randn(truth.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    m = iu.image_metrics(pred, truth, MASK)
    _, ssim_map = structural_similarity_index_measure(pred, truth, data_range=1.0, return_full_image=True)
    torch.testing.assert_close(m["full_ssim"], ssim_map.mean(dim=(1, 2, 3)))
    hole = MASK[0].bool().numpy()
    for i in range(3):
        t, p = truth[i].permute(1, 2, 0).double().numpy(), pred[i].permute(1, 2, 0).double().numpy()
        assert m["full_psnr"][i].item() == pytest.approx(peak_signal_noise_ratio(t, p, data_range=1.0), abs=1e-3)
        assert m["hole_psnr"][i].item() == pytest.approx(peak_signal_noise_ratio(t[hole], p[hole], data_range=1.0), abs=1e-3)
        interior = structural_similarity(t, p, data_range=1.0, channel_axis=-1, gaussian_weights=True,
                                         sigma=1.5, use_sample_covariance=False)
        assert ssim_map[i, :, 5:-5, 5:-5].mean().item() == pytest.approx(interior, abs=1e-4)


@pytest.mark.parametrize("name", list(iu.BASELINES))
def test_baselines_fill_only_the_hole_within_range(name):
    truth = smooth_images(3, seed=4).float() / 255
    masked = (1 - MASK) * truth
    out = iu.BASELINES[name](masked, MASK)
    assert out.shape == truth.shape and out.dtype == torch.float32
    assert 0 <= out.min() and out.max() <= 1
    known = (1 - MASK).bool().expand_as(truth)
    assert (out[known] - truth[known]).abs().max() <= 0.5 / 255 + 1e-6  # known pixels kept (8-bit)
    hole = MASK.bool().expand_as(truth)
    assert out[hole].std() > 0 or name == "Mean colour"
    assert (out[hole] - truth[hole]).abs().mean() < 0.5  # some sense in what it fills


def test_mean_colour_fills_the_mean_of_the_known_pixels():
    truth = smooth_images(1, seed=5).float() / 255
    out = iu.BASELINES["Mean colour"]((1 - MASK) * truth, MASK)
    known = iu.to_uint8(truth)[0][:, ~MASK[0].bool()].float().mean(dim=1) / 255
    torch.testing.assert_close(out[0, :, 32, 32], known, atol=1e-6, rtol=0)


def test_evaluate_covers_every_image_in_order_with_the_seeds_losses():
    images = smooth_images(5, seed=6)
    g, d = iu.Generator().eval(), iu.Discriminator().eval()
    table = iu.evaluate(iu.generator_fill(g), images, MASK, d=d, criterion="bce", batch_size=2)
    assert list(table.index) == [0, 1, 2, 3, 4]
    assert set(table.columns) == {*iu.METRICS, "d_loss", "g_loss"}
    with torch.no_grad():
        truth = images.float() / 255
        masked = (1 - MASK) * truth
        out = d(g(torch.cat([masked, MASK.expand(5, 1, 64, 64)], 1)) * MASK + masked).view(-1)
    np.testing.assert_allclose(table["d_loss"], -torch.log(1 - out).numpy(), rtol=1e-5)
    np.testing.assert_allclose(table["g_loss"], -torch.log(out).numpy(), rtol=1e-5)


def test_a_generator_fill_runs_in_eval_mode_and_leaves_the_mode_as_it_found_it():
    g = iu.Generator().train()
    masked = (1 - MASK) * smooth_images(2, seed=3).float() / 255
    out = iu.generator_fill(g)(masked, MASK)
    assert g.training and all(m.training for m in g.modules())
    torch.testing.assert_close(out, iu.generator_fill(copy.deepcopy(g).eval())(masked, MASK), rtol=0, atol=0)


def test_evaluate_refuses_a_wrong_mask():
    with pytest.raises(ValueError, match=r"mask must have shape"):
        iu.evaluate(iu.BASELINES["Telea"], smooth_images(2), torch.ones(1, 32, 32))


def test_results_table_and_winners(params):
    per_image = pd.DataFrame({
        "image": [0, 1] * 3, "method": ["A"] * 2 + ["B"] * 2 + ["Telea"] * 2,
        "kind": ["GAN"] * 4 + ["baseline"] * 2,
        "hole_l1": [0.1, 0.1, 0.2, 0.2, 0.3, 0.3], "hole_l2": [0.02, 0.02, 0.01, 0.01, 0.05, 0.05],
        "hole_psnr": [17.0, 17.0, 20.0, 20.0, 13.0, 13.0], "full_psnr": [27.0, 27.0, 30.0, 30.0, 23.0, 23.0],
        "full_ssim": [0.9, 0.9, 0.8, 0.8, 0.95, 0.95]})
    table = iu.results_table(per_image)
    iu.save_table(table, "results", params, per_image=per_image)
    assert list(table.index) == ["A", "B", "Telea"] and table.loc["B", "images"] == 2
    assert (iu.reports_dir(params) / "results.md").read_text().startswith("| method")
    pd.testing.assert_frame_equal(iu.load_results(params), table, check_dtype=False)
    text = iu.describe_winners(table)
    assert "a trained GAN is best on 4 of the 5 metrics and a classical baseline on 1." in text
    assert "**Hole L1** (lower is better): **A** (GAN), 0.100. Best GAN, A (0.100), minus best baseline, " \
           "Telea (0.300): -0.200." in text
    text = iu.describe_winners(table, iu.load_per_image(params))  # with an interval over the 2 images
    assert "**Image SSIM** (higher is better): **Telea** (baseline), 0.950. Best GAN, A (0.900, ahead of every " \
           "other GAN in this run), minus best baseline, Telea (0.950): -0.050 (95% interval over images -0.050 " \
           "to -0.050)." in text
    assert "On 0 of them the best GAN and the best baseline are level" in text


def test_missing_results_name_the_notebook(params):
    with pytest.raises(FileNotFoundError, match="run notebooks/04_comparison.ipynb first"):
        iu.load_results(params)


def test_lpips_is_computed_where_its_weights_are_on_disk(params, monkeypatch, tmp_path, capsys):
    """Random AlexNet weights stand in for the real ones: this checks the code path, not the values."""
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    (tmp_path / "torch" / "hub" / "checkpoints").mkdir(parents=True)
    torch.save(torchvision.models.alexnet().state_dict(), tmp_path / "torch/hub/checkpoints/alexnet-owt-7be5be79.pth")
    test = iu.SplitImages("test", smooth_images(4, seed=7), [0, 1, 2, 3], ["RGB"] * 4, [(64, 64)] * 4)
    run = iu.RunResult("bce", iu.Generator().eval(), iu.Discriminator().eval(), {}, tmp_path / "bce.pt")
    table = iu.perceptual_metrics({"BCE": run}, test, params)
    assert list(table.index) == ["BCE", *iu.BASELINES] and list(table.columns) == ["LPIPS"]
    assert table["LPIPS"].notna().all()
    assert "FID skipped" in capsys.readouterr().out


def test_perceptual_metrics_are_skipped_offline_with_a_reason(params, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert iu.perceptual_metrics({}, None, params) is None
    out = capsys.readouterr().out
    assert "LPIPS skipped: its AlexNet weights are not on disk" in out
    assert "FID skipped:" in out and "could not be downloaded (no network)" in out
