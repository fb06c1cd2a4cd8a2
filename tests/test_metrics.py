"""The metric interface, the realism measures (sharpness, C2ST) and PERCEPTUAL's LPIPS and FID."""

import math

import pytest
import torch
import torch.nn.functional as F

import inpaint_utils as iu
from conftest import smooth_images
from inpaint_utils.evaluation import evaluate, metrics
from inpaint_utils.study import ablation as ablation_code

MASK = iu.center_mask()


def sinusoid(n: int = 2, period: int = 8) -> torch.Tensor:
    """Images in [0.1, 0.9] that vary along x only, as a sine of ``period`` pixels."""
    x = torch.arange(64, dtype=torch.float32)
    return (0.5 + 0.4 * torch.sin(2 * math.pi * x / period)).expand(n, 3, 64, 64).clone()


def gaussian_blur_x(images: torch.Tensor, sigma: float, radius: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``images`` blurred along x with a sampled, normalised Gaussian (circular borders); the kernel."""
    k = torch.arange(-radius, radius + 1, dtype=torch.float32)
    w = torch.exp(-k ** 2 / (2 * sigma ** 2))
    w = w / w.sum()
    padded = F.pad(images.reshape(-1, 1, 64), (radius, radius), mode="circular")
    return F.conv1d(padded, w.view(1, 1, -1)).reshape(images.shape), w


def sharpness(inpainted, truth, mask=MASK) -> float:
    metric = iu.Sharpness()
    metric.update(inpainted, truth, mask)
    return metric.compute()["sharpness"]


def test_sharpness_of_a_known_blur_is_the_blurs_gain_at_that_frequency():
    """A symmetric blur scales a sine by its frequency response sum_k w_k cos(omega k), and with it
    every difference between neighbours: the ratio is that gain, about 0.50 here."""
    truth = sinusoid()
    blurred, w = gaussian_blur_x(truth, sigma=1.5, radius=5)
    omega, k = 2 * math.pi / 8, torch.arange(-5, 6, dtype=torch.float32)
    gain = (w * torch.cos(omega * k)).sum().item()
    assert sharpness(blurred, truth) == pytest.approx(gain, rel=1e-4)
    assert 0.45 < gain < 0.55


def test_sharpness_is_exactly_one_for_the_truth_far_below_for_a_flat_fill_far_above_for_noise():
    truth = smooth_images(4, seed=1).float() / 255
    assert sharpness(truth, truth) == 1.0
    noise = torch.rand(truth.shape, generator=torch.Generator().manual_seed(0))
    assert sharpness(iu.inpaint(lambda masked, mask: noise, truth, MASK), truth) > 5  # the photos are smooth
    flat = iu.inpaint(iu.BASELINES["Mean colour"], truth, MASK)
    assert sharpness(flat, truth) < 0.5  # only the seam at the hole's border has a gradient


def test_sharpness_pools_every_hole_pixel_across_batches():
    """Ramps of slope s have gradient magnitude s. Image 1: fill twice as steep as the truth;
    image 2: the truth. Pooled: (0.01 + 0.015) / (0.005 + 0.015) = 1.25, where a mean of the
    per-image ratios would give 1.5."""
    x = torch.arange(64, dtype=torch.float32).expand(1, 3, 64, 64)
    metric = iu.Sharpness()
    metric.update(0.01 * x, 0.005 * x, MASK)
    metric.update(0.015 * x, 0.015 * x, MASK)
    assert metric.compute()["sharpness"] == pytest.approx(1.25, rel=1e-5)
    assert iu.gradient_magnitude(0.005 * x)[0, 0, 32, 32].item() == pytest.approx(0.005, rel=1e-5)
    metric.reset()
    assert math.isnan(metric.compute()["sharpness"])


def c2st(inpainted, truth, mask=MASK, **options) -> dict:
    metric = iu.C2ST(**options)
    metric.update(inpainted, truth, mask)
    return metric.compute()


def test_c2st_cannot_tell_photos_from_photos():
    identical = smooth_images(8, seed=2).float() / 255
    assert c2st(identical, identical) == {"c2st_acc": 0.5, "c2st_std": 0.0}  # every pair a tie
    a, b = smooth_images(200, seed=3).float() / 255, smooth_images(200, seed=4).float() / 255
    result = c2st(b, a)  # two independent samples of the same kind of image
    assert 0.4 <= result["c2st_acc"] <= 0.6


def test_c2st_tells_noise_and_blur_from_photos():
    truth = smooth_images(40, seed=5).float() / 255
    noise = torch.rand(truth.shape, generator=torch.Generator().manual_seed(1))
    assert c2st(iu.inpaint(lambda masked, mask: noise, truth, MASK), truth)["c2st_acc"] > 0.9
    grain = 0.08 * torch.randn(truth.shape, generator=torch.Generator().manual_seed(2))
    textured = (truth + grain).clamp(0, 1)  # photos with fine texture, and their blurred holes
    blurred = textured * (1 - MASK) + gaussian_blur_x(textured, sigma=2.0, radius=6)[0] * MASK
    assert sharpness(blurred, textured) < 0.5
    assert c2st(blurred, textured)["c2st_acc"] > 0.9


def test_c2st_is_reproducible_and_its_spread_comes_from_its_seeds():
    truth = smooth_images(24, seed=6).float() / 255
    filled = iu.inpaint(iu.BASELINES["Mean colour"], truth, MASK)
    metric = iu.C2ST(seeds=(0, 1, 2))
    metric.update(filled[:10], truth[:10], MASK)
    metric.update(filled[10:], truth[10:], MASK)
    first = metric.compute()
    torch.set_num_threads(2)
    assert metric.compute() == first and torch.get_num_threads() == 2  # runs on one thread, then restores
    alone = [c2st(filled, truth, seeds=(s,))["c2st_acc"] for s in (0, 1, 2)]
    assert first["c2st_acc"] == pytest.approx(sum(alone) / 3)
    assert first["c2st_std"] == pytest.approx(torch.tensor(alone).std().item())


def test_pixel_metrics_keep_image_metrics_per_image_and_average_them():
    truth = smooth_images(5, seed=7).float() / 255
    filled = iu.inpaint(iu.BASELINES["Telea"], truth, MASK)
    metric = iu.PixelMetrics()
    metric.update(filled[:2], truth[:2], MASK)
    metric.update(filled[2:], truth[2:], MASK)
    expected = iu.image_metrics(filled, truth, MASK)
    for column, values in metric.per_image().items():
        torch.testing.assert_close(values, expected[column])
        assert metric.compute()[column] == pytest.approx(expected[column].mean().item())
    metric.reset()
    assert metric.batches == []


def test_evaluate_feeds_the_same_composites_to_extra_metrics():
    images = smooth_images(6, seed=8)
    metric = iu.Sharpness()
    iu.evaluate(iu.BASELINES["Telea"], images, MASK, batch_size=4, metrics=[metric])
    truth = images.float() / 255
    filled = iu.inpaint(iu.BASELINES["Telea"], truth, MASK)
    assert metric.compute()["sharpness"] == pytest.approx(sharpness(filled, truth))


def test_untrained_generator_is_every_runs_starting_point(params):
    g, _, _, _ = iu.build_models(params, torch.device("cpu"))
    state = torch.get_rng_state()
    g0 = iu.untrained_generator(params)
    assert torch.equal(torch.get_rng_state(), state)  # the global random state is left alone
    assert all(torch.equal(a, b) for a, b in zip(g.state_dict().values(), g0.state_dict().values()))
    assert not g0.training


def test_comparison_and_ablation_tables_gain_the_realism_columns_after_the_old_ones(params, monkeypatch):
    def quick(seed):  # the same measures on a budget that checks the wiring only
        return [iu.Sharpness(), iu.C2ST(seeds=(seed, seed + 1), steps=2)]

    monkeypatch.setattr(evaluate, "realism_metric_set", quick)
    monkeypatch.setattr(ablation_code, "realism_metric_set", quick)
    test = iu.SplitImages("test", smooth_images(8, seed=9), list(range(8)), ["RGB"] * 8, [(64, 64)] * 8)
    per_image, realism = iu.compare_methods({}, test, params)
    assert list(realism.index) == [iu.UNTRAINED, *iu.BASELINES] and list(realism.columns) == list(iu.REALISM_COLUMNS)
    table = iu.results_table(per_image, realism)
    assert list(table.columns)[-3:] == list(iu.REALISM_COLUMNS) and table.loc[iu.UNTRAINED, "kind"] == "untrained"
    assert table[list(iu.REALISM_COLUMNS)].notna().all().all()
    assert "- **Realism** (sharpness 1 = as sharp as the photos" in iu.describe_winners(table)
    ablation, _ = iu.ablation_table({}, test.images, params)
    pixel = [f"{m}: {t}" for m in ("centre", "random") for t in ablation_code.COLUMNS.values()]
    assert list(ablation.columns) == ["kind", *pixel, "centre: sharpness", "centre: C2ST acc", "centre: C2ST ±"]
    assert list(ablation.index) == [iu.UNTRAINED, *iu.BASELINES]


# LPIPS and FID under PERCEPTUAL. Random weights of the right architectures stand in for the real
# ones: these tests check the wiring (finding, downloading, skipping, computing), not the values.

def stand_in_weights(folder, monkeypatch, which=("LPIPS", "FID")) -> dict:
    """Random-weight files where torch hub looks for AlexNet's and Inception's, under TORCH_HOME."""
    import torchvision
    from torch_fidelity import feature_extractor_inceptionv3 as inception

    monkeypatch.setenv("TORCH_HOME", str(folder))
    checkpoints = folder / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    paths = {}
    if "LPIPS" in which:
        paths["LPIPS"] = checkpoints / metrics.WEIGHTS["LPIPS"][1]
        torch.save(torchvision.models.alexnet().state_dict(), paths["LPIPS"])
    if "FID" in which:
        with monkeypatch.context() as m:  # build the network without loading (or downloading) weights
            m.setattr(inception, "load_state_dict_from_url", lambda *a, **k: {})
            m.setattr(inception.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
            net = inception.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
        paths["FID"] = checkpoints / metrics.WEIGHTS["FID"][1]
        torch.save(net.state_dict(), paths["FID"])
    return paths


def test_required_runs_lpips_and_fid_from_weight_files(params, monkeypatch, tmp_path, capsys):
    import dataclasses

    stand_in_weights(tmp_path / "torch", monkeypatch)
    monkeypatch.setattr(metrics, "FID_FEATURES", 64)  # 2048 takes seconds a method on a CPU; same code path
    params = dataclasses.replace(params, perceptual="required")
    test = iu.SplitImages("test", smooth_images(3, seed=10), [0, 1, 2], ["RGB"] * 3, [(64, 64)] * 3)
    table = iu.perceptual_metrics({}, test, params, untrained=True)
    assert list(table.index) == [iu.UNTRAINED, *iu.BASELINES] and list(table.columns) == ["LPIPS", "FID"]
    assert table.notna().all().all() and (table["LPIPS"] > 0).all()
    assert "FID: the 3 test images against each method's 3 composites" in capsys.readouterr().out
    lpips, fid = iu.perceptual_metric_set("required")
    truth = test.images.float() / 255
    for metric in (lpips, fid):
        metric.update(truth, truth, MASK)
    assert lpips.compute() == {"lpips": 0.0} and fid.compute()["fid"] == pytest.approx(0.0, abs=1e-3)


def test_auto_skips_each_metric_offline_with_one_line_and_required_refuses(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert iu.perceptual_metric_set("auto") == []
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["LPIPS skipped", "FID skipped"]
    assert all("weights are not on disk and could not be downloaded (no network)" in line
               and "PERCEPTUAL='required' makes this an error" in line and "run online" in line for line in lines)
    assert not any("Error" in line.split("PERCEPTUAL")[0] for line in lines)  # a sentence, not an exception
    with pytest.raises(RuntimeError, match=r"LPIPS cannot run with PERCEPTUAL='required': its AlexNet weights"):
        iu.perceptual_metric_set("required")
    assert iu.perceptual_metric_set("off") == [] and capsys.readouterr().out == ""


def test_auto_uses_weights_on_disk_and_downloads_the_missing_ones(monkeypatch, tmp_path, capsys):
    stand_in = stand_in_weights(tmp_path / "spare", monkeypatch, which=("LPIPS",))["LPIPS"]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    fetched = []

    def download(url, path, hash_prefix):  # the network answers
        fetched.append((url, hash_prefix))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(stand_in.read_bytes())

    monkeypatch.setattr(metrics, "_download", download)
    path = iu.perceptual_weights("LPIPS", "auto")
    assert path == tmp_path / "torch/hub/checkpoints/alexnet-owt-7be5be79.pth" and path.exists()
    assert fetched == [("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", "7be5be79")]
    assert iu.perceptual_weights("LPIPS", "auto") == path and len(fetched) == 1  # on disk now: not fetched again
    assert capsys.readouterr().out == ""


def test_perceptual_parameter_is_checked():
    assert iu.resolve_params("smoke").perceptual == "auto"
    with pytest.raises(ValueError, match="PERCEPTUAL must be one of 'auto', 'off', 'required', got 'sometimes'"):
        iu.resolve_params("smoke", {"PERCEPTUAL": "sometimes"})
