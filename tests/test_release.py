"""The release recipe's parts (fresh crops, dead leaves, harmonic prefill, residual G, EMA, fp32
head) and the shipped model: it loads, matches its card's sha256 and re-evaluates to its numbers."""

import dataclasses
import json

import numpy as np
import pytest
import torch
import torch.nn as nn

import inpaint_utils as iu
from conftest import smooth_images, whole_and_resumed
from inpaint_utils.core.runtime import device_name
from inpaint_utils.data import crops as batches
from inpaint_utils.data.crops import CropStream, dead_leaves
from inpaint_utils.fills.classical import harmonic_fill
from inpaint_utils.fills.learned import generator_output
from inpaint_utils.fills.release_model import RELEASE_DIR, load_release, sha256
from inpaint_utils.study import release_recipe
from inpaint_utils.study.card import reproduce_command
from inpaint_utils.study.release_recipe import check_release, export_release


def test_harmonic_fill_keeps_known_pixels_and_reproduces_a_linear_ramp():
    ramp = torch.linspace(0.1, 0.9, 64).expand(2, 3, 64, 64).clone()  # harmonic: its own fill
    masks = iu.mask_batch("mixed", 2, generator=torch.Generator().manual_seed(0))
    out = harmonic_fill((1 - masks) * ramp, masks)
    assert torch.equal(out[masks.expand_as(out) == 0], ramp[masks.expand_as(ramp) == 0])
    assert (out - ramp).abs().max() < 2e-3


def test_an_untrained_residual_generator_returns_its_prefill_exactly(params):
    p = dataclasses.replace(params, prefill="harmonic")
    g, *_ = iu.build_models(p, torch.device("cpu"))
    truth, mask = smooth_images(4).float() / 255, iu.center_mask()
    out = iu.generator_fill(g.eval(), prefill="harmonic")((1 - mask) * truth, mask)
    prefill = (1 - mask) * truth + mask * harmonic_fill((1 - mask) * truth, mask)
    assert torch.equal(out, prefill)


def test_the_head_keeps_small_corrections_under_bf16_autocast():
    g = iu.Generator().eval()
    nn.init.zeros_(g.conv13.weight)
    nn.init.constant_(g.conv13.bias, 1e-3)  # a correction of 2 * 1e-3 / 4: far below bf16's step at 1/2
    masked, mask = smooth_images(2).float() / 255, iu.center_mask()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        out = generator_output(g, masked, mask, prefill="harmonic")
    assert out.dtype == torch.float32
    base = masked + mask * harmonic_fill(masked, mask)
    torch.testing.assert_close(out - base, torch.full_like(base, 2 * (torch.sigmoid(torch.tensor(1e-3)) - 0.5)))


def test_crop_stream_is_seeded_in_range_and_whole_image_crops_match_the_test_framing(monkeypatch):
    sources = smooth_images(5, size=128)
    a = CropStream(sources, 64, 0.5, torch.Generator().manual_seed(1))(12)
    b = CropStream(sources, 64, 0.5, torch.Generator().manual_seed(1))(12)
    assert a.shape == (12, 3, 64, 64) and torch.equal(a, b) and 0 <= a.min() and a.max() <= 1
    monkeypatch.setattr(batches, "MIN_CROP", 1.0)  # every crop the whole image: the test split's framing
    crops = CropStream(sources, 64, 0.0, torch.Generator().manual_seed(1))(20)
    halves = torch.nn.functional.avg_pool2d(sources.float() / 255, 2)
    for crop in crops:  # each is one of the images at half size, mirrored or not
        error = torch.stack([(crop - h).abs().max() for h in (*halves, *halves.flip(-1))]).min()
        assert error < 0.02


def test_dead_leaves_are_seeded_images_of_flat_discs():
    a, b = (dead_leaves(3, 64, torch.Generator().manual_seed(2)) for _ in range(2))
    assert a.shape == (3, 3, 64, 64) and torch.equal(a, b) and 0 <= a.min() and a.max() <= 1
    assert len(a[0].reshape(3, -1).unique(dim=1)[0]) > 10  # many discs, each of one colour


def release_params(params, **changes):
    return dataclasses.replace(params, crops="stream", synthetic=0.25, prefill="harmonic", mask="mixed",
                               rec_weight=1.0, adv_weight=0.01, local_d=True, ema_decay=0.9, batch_size=4,
                               steps_per_epoch=2, **changes)


def test_a_stream_run_with_ema_resumes_to_the_same_weights(params, tmp_path):
    p = release_params(params)
    whole, resumed = whole_and_resumed(p, smooth_images(6, size=128, seed=3), smooth_images(2, seed=4), tmp_path)
    assert resumed.history["g_losses"] == whole.history["g_losses"]
    for a, b in ((resumed.g, whole.g), (resumed.ema, whole.ema)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not all(torch.equal(x, y) for x, y in zip(whole.g.parameters(), whole.ema.parameters()))


def test_export_writes_a_half_precision_generator_its_card_and_passes_its_own_check(params, tmp_path):
    p = release_params(params, val_every=2, g_arch="same")  # the seed's G: the committed model's --check
    run = iu.train_gan("release", nn.BCELoss(), p, train_images=smooth_images(6, size=128), val_images=smooth_images(2),
                       checkpoint=tmp_path / "release.pt", epochs=1)
    card = export_release(run.checkpoint, tmp_path / "out")
    model = load_release(tmp_path / "out" / "inpainter.pt")
    assert all(v.dtype == torch.float16 for v in torch.load(model.path)["generator"].values() if v.is_floating_point())
    assert card["sha256"] == sha256(model.path) and card["training"]["steps"] == 2
    assert card["parameters"]["PREFILL"] == "harmonic" and len(card["training"]["validation"]) == 1
    assert card["training"]["trained on"] == [device_name(torch.device("cpu"))]
    assert model.g(torch.rand(1, 4, 96, 128)).shape == (1, 3, 96, 128)  # G_ARCH="same" came back
    methods = {row["method"] for row in card["metrics"]}
    assert {"Release model", "Telea", "Navier-Stokes", "Biharmonic", "Harmonic"} <= methods
    assert (check_release(model.path).abs() == 0).all().all()
    (tmp_path / "out" / "inpainter.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="does not match the sha256"):
        load_release(tmp_path / "out" / "inpainter.pt")


def test_the_card_names_the_command_that_trains_its_model_again():
    run = iu.resolve_params("release", {"BATCH_SIZE": 64, "RELEASE_EPOCHS": 7, "DEVICE": "cuda", "CHECKPOINT_DIR": "/x"})
    parameters = {k.upper(): v for k, v in dataclasses.asdict(run).items()}
    assert reproduce_command(parameters) == \
        "python -m inpaint_utils.train_release --profile release --set BATCH_SIZE=64 --set RELEASE_EPOCHS=7"
    shipped = json.loads((RELEASE_DIR / "model_card.json").read_text())["parameters"]
    assert reproduce_command(shipped) == "python -m inpaint_utils.train_release --profile release"


@pytest.mark.skipif(not (RELEASE_DIR / "inpainter.pt").exists(), reason="no release model committed yet")
def test_the_shipped_model_matches_its_card():
    card = json.loads((RELEASE_DIR / "model_card.json").read_text())
    assert (RELEASE_DIR / "inpainter.pt").stat().st_size < 8_000_000
    assert card["sha256"] == sha256(RELEASE_DIR / "inpainter.pt")
    check_release()  # raises if its metrics moved (exactly on the card's torch and CPU, else 0.05 dB)


def test_the_card_is_compared_exactly_only_on_its_own_maker_family_torch_and_capability():
    card = json.loads((RELEASE_DIR / "model_card.json").read_text())["machine"]
    assert card["vendor"] == "AuthenticAMD" and card["family"] == "25"  # where it was measured
    assert release_recipe.reproduces_exactly({**card, "model": "1", "threads": 2}, card)
    for other in ({"vendor": "GenuineIntel", "family": "6"}, {"cpu capability": "AVX2"}, {"torch": "2.16.0"}):
        assert not release_recipe.reproduces_exactly({**card, **other}, card), other


@pytest.mark.skipif(not (RELEASE_DIR / "inpainter.pt").exists(), reason="no release model committed yet")
def test_the_gan_method_uses_the_release_model():
    remover = iu.make_remover("gan")
    assert remover.name.startswith("gan (release model")
    image = smooth_images(1, size=96)[0].permute(1, 2, 0).numpy()
    mask = np.zeros(image.shape[:2], dtype=bool)
    mask[40:50, 30:45] = True
    out = iu.remove_object(image, mask, remover, dilate=0)
    assert np.array_equal(out[~mask], image[~mask]) and not np.array_equal(out[mask], image[mask])
