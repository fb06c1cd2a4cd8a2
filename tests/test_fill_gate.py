"""The fill gate, the learned stage of exemplar removal: a convex per-pixel choice between PatchMatch
and the harmonic fill that keeps the known pixels, the same on one crop as on a batch, a shipped
file that loads or says why not, and training that resumes to the same weights as an uninterrupted run."""

import numpy as np
import pytest
import torch
from skimage import data

import inpaint_utils as iu
from inpaint_utils.fills import gated
from inpaint_utils.fills.exemplar import EXEMPLAR, SMALL_EXEMPLAR
from inpaint_utils.fills.gated import ShippedGate, gated_fill, load_gate
from inpaint_utils.networks.gate import FillGate, hole_depth
from inpaint_utils.removal.remover import SMALL_IMAGE, dilate_mask
from inpaint_utils.training import gate as training


def candidates(n=2, size=64):
    g = torch.Generator().manual_seed(0)
    images = torch.rand(n, 3, size, size, generator=g)
    mask = iu.mask_batch("box", n, size, generator=g)
    return images, mask, torch.rand(n, 3, size, size, generator=g), torch.rand(n, 3, size, size, generator=g)


def sure_gate(logit: float) -> FillGate:
    gate = FillGate()
    torch.nn.init.constant_(gate.net[-1].bias, logit)
    return gate


def test_an_untrained_gate_gives_the_mean_and_a_sure_one_its_candidate_and_known_pixels_stay():
    images, mask, exemplar, harmonic = candidates()
    masked = images * (1 - mask)
    for gate, expected in ((FillGate(), (exemplar + harmonic) / 2), (sure_gate(30.0), exemplar), (sure_gate(-30.0), harmonic)):
        with torch.no_grad():
            fill, w = gated_fill(gate, masked, mask, exemplar, harmonic)
        assert torch.allclose(fill * mask, expected * mask, atol=1e-5)
        assert torch.equal(fill * (1 - mask), masked * (1 - mask))
        assert torch.all((w >= 0) & (w <= 1)) and torch.all(w[mask.expand_as(w) == 0] == 0)


def test_hole_depth_is_the_distance_to_the_nearest_known_pixel():
    mask = torch.zeros(1, 1, 9, 9)
    mask[..., 2:7, 2:7] = 1
    depth = hole_depth(mask)[0, 0]
    assert depth[4, 4] == pytest.approx(3, abs=0.05) and depth[2, 4] == pytest.approx(1, abs=0.05)
    assert depth[0, 0] == 0


def test_on_one_crop_the_gate_mixes_harmonic_with_7x7_patchmatch_as_on_a_batch():
    gate = ShippedGate(sure_gate(2.0), {})  # w = 0.88: both candidates show
    photo = data.astronaut()[100:164, 100:164]
    hole = np.zeros((64, 64), np.uint8)
    hole[20:44, 16:40] = 1
    masked = photo * (1 - hole[..., None])
    image = torch.from_numpy(masked).permute(2, 0, 1)[None].float() / 255
    mask = torch.from_numpy(hole).float()[None, None]
    with torch.no_grad():
        expected = gated_fill(gate.gate, image, mask, SMALL_EXEMPLAR.fill(image, mask))[0]
    filled = gate.fill_one(masked, hole)
    assert np.allclose(filled, expected[0].permute(1, 2, 0).numpy() * 255, atol=1e-3)
    assert not np.allclose(filled, EXEMPLAR["patchmatch"].per_image(masked, hole), atol=1)


def test_the_shipped_gate_removes_an_object_touching_nothing_outside_the_mask():
    image = data.astronaut()[20:140, 340:500].copy()
    mask = np.zeros(image.shape[:2], bool)
    mask[45:75, 60:96] = True
    remover = iu.make_remover("patchmatch-gated")
    out = iu.remove_object(image, mask, remover)
    grown = dilate_mask(mask, 5)
    assert np.array_equal(out[~grown], image[~grown]) and not np.array_equal(out[grown], image[grown])
    assert np.array_equal(out, iu.remove_object(image, mask, remover))
    assert remover.blend == "paste" and remover.detail == "none"


def test_the_default_gives_images_up_to_small_image_px_to_the_gate_and_larger_ones_to_patchmatch():
    """Rounds 4 and 5 (removal/remover.py): the gate where PatchMatch has fewest patches to copy; the
    longer side decides."""
    auto = iu.make_remover()
    assert auto.name == "auto" and auto.blend == "paste" and auto.detail == "none"
    for side, chosen in ((SMALL_IMAGE, "patchmatch-gated"), (SMALL_IMAGE + 1, "patchmatch")):
        image = data.astronaut()[100:100 + side * 3 // 4, 100:100 + side].copy()
        mask = np.zeros(image.shape[:2], bool)
        mask[image.shape[0] // 4:image.shape[0] // 2, side // 4:side // 2] = True
        fills = {method: iu.remove_object(image, mask, iu.make_remover(method)) for method in ("patchmatch", "patchmatch-gated")}
        assert not np.array_equal(*fills.values())
        assert np.array_equal(iu.remove_object(image, mask, auto), fills[chosen]), side


def test_a_missing_or_foreign_gate_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_gate"):
        load_gate(tmp_path / "none.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not this project.s fill gate"):
        load_gate(tmp_path / "other.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a readable fill gate"):
        load_gate(tmp_path / "text.pt")


def test_training_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch):
    photo = tmp_path / "photo.png"
    __import__("PIL.Image").Image.fromarray(data.astronaut()).save(photo)
    monkeypatch.setattr(training, "corpus_photos", lambda split: [photo])
    monkeypatch.setattr(training, "CROPS", 48)
    monkeypatch.setattr(training, "CHUNK", 24)
    monkeypatch.setattr(training, "VALIDATION", 16)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    whole.mkdir(), parts.mkdir()
    card = training.train_gate(whole, epochs=2)
    training.train_gate(parts, epochs=1)
    resumed = training.train_gate(parts, epochs=2)
    assert [h["loss"] for h in resumed["history"]] == [h["loss"] for h in card["history"]]
    a, b = (torch.load(folder / "gate.pt", weights_only=True)["gate"] for folder in (whole, parts))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)  # bit-equal but for thread scheduling
    training.export_gate(parts, tmp_path / "gate.pt", resumed)
    assert load_gate(tmp_path / "gate.pt").card["epochs"] == 2
    assert gated.GATE_FORMAT == torch.load(tmp_path / "gate.pt", weights_only=True)["format"]
