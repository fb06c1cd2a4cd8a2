"""The photo-trained release recipe (issue 24): multi-scale photo crops, object-like masks,
SN-PatchGAN with feature matching and DiffAugment, resuming, and the rule that picks what ships."""

import dataclasses
import json

import numpy as np
import pytest
import torch
from PIL import Image

import inpaint_utils as iu
from conftest import smooth_images, whole_and_resumed
from inpaint_utils.data.crops import PhotoCrops
from inpaint_utils.study import release_recipe
from inpaint_utils.study.release_recipe import (
    CORPUS_SET,
    LABEL,
    choose_release,
    realistic_enough,
    training_photos,
)


def test_blob_and_lama_masks_are_seeded_non_empty_and_at_most_half_the_image():
    for kind in ("blob", "lama"):
        a, b = (iu.mask_batch(kind, 64, generator=torch.Generator().manual_seed(5)) for _ in range(2))
        area = a.mean(dim=(1, 2, 3))
        assert torch.equal(a, b) and a.shape == (64, 1, 64, 64) and 0 < area.min() and area.max() <= 0.5
    blob = iu.mask_batch("blob", 1, generator=torch.Generator().manual_seed(1))[0, 0].bool().numpy()
    import cv2
    assert cv2.connectedComponents(blob.astype(np.uint8))[0] - 1 <= 4  # one object, not scattered specks


def checkerboard(side: int, square: int = 4) -> torch.Tensor:
    """uint8 (3, side, side): a checkerboard of ``square`` px, which an 8x area average turns grey."""
    board = (((np.indices((side, side)) // square).sum(axis=0) % 2) * 255).astype(np.uint8)
    return torch.from_numpy(np.repeat(board[None], 3, axis=0))


def test_photo_crops_span_native_texture_to_whole_scenes_without_aliasing():
    stream = PhotoCrops([checkerboard(1024), checkerboard(700)], 64, 0.0, torch.Generator().manual_seed(0))
    crops = stream(200)
    assert crops.shape == (200, 3, 64, 64) and 0 <= crops.min() and crops.max() <= 1
    contrast = crops.std(dim=(1, 2, 3))
    assert (contrast > 0.3).sum() >= 5  # crops near native scale keep the 4 px texture
    assert (contrast < 0.05).sum() >= 50  # downscaled crops are area-filtered to grey, not aliased stripes
    again = PhotoCrops([checkerboard(1024), checkerboard(700)], 64, 0.0, torch.Generator().manual_seed(0))(200)
    assert torch.equal(crops, again)


@pytest.mark.parametrize("arch", ["same", "unet"])
def test_the_size_preserving_generators_have_the_seeds_layers_and_keep_any_size(arch):
    seed, same = iu.make_generator("seed"), iu.make_generator(arch)
    assert list(seed.state_dict()) == list(same.state_dict())
    assert same(torch.rand(2, 4, 64, 64)).shape == (2, 3, 64, 64)
    assert same(torch.rand(1, 4, 96, 128)).shape == (1, 3, 96, 128)
    assert seed(torch.rand(1, 4, 96, 128)).shape == (1, 3, 128, 192)  # the seed's maps 64 px alone to its size


def test_the_patch_discriminator_scores_each_patch_and_is_spectrally_normalised():
    d = iu.PatchDiscriminator()
    out = d(torch.rand(2, 3, 64, 64), torch.ones(2, 1, 64, 64))
    assert out.shape == (2, 1, 4, 4)
    assert all(hasattr(layer[0], "parametrizations") for layer in d.layers)
    logits, features = d.features(torch.rand(2, 3, 64, 64), torch.ones(1, 64, 64))
    assert len(features) == 4 and logits.shape == (2, 1, 4, 4)


def test_hinge_and_feature_matching_losses():
    real, fake = torch.full((4, 1, 4, 4), 2.0), torch.full((4, 1, 4, 4), -2.0)
    assert iu.HingeLoss.discriminator(real, fake) == 0  # both beyond the margin
    assert iu.HingeLoss.discriminator(fake, real) == 6
    assert iu.HingeLoss.generator(fake) == 2
    features = [torch.ones(2, 3, 4, 4), torch.zeros(2, 5)]
    assert iu.HingeLoss.feature_matching(features, [f + 0.5 for f in features]) == pytest.approx(0.5)


def test_the_hinge_loss_calls_a_composites_patches_outside_the_hole_real():
    hole = torch.zeros(1, 1, 64, 64)
    hole[..., 20:30, 36:40] = 1  # inside patch (1, 2) of a 4x4 logit map
    real, fake = torch.ones(1, 1, 4, 4), torch.ones(1, 1, 4, 4)
    fake[..., 1, 2] = -1
    assert iu.HingeLoss.discriminator(real, fake, hole) == 0  # a perfect D: only the hole's patch is fake
    assert iu.HingeLoss.discriminator(real, -torch.ones(1, 1, 4, 4), hole) == 2 * 15 / 16
    assert iu.HingeLoss.discriminator(real, fake) == 2 * 15 / 16  # without the holes: every patch fake


def test_diff_augment_moves_image_and_mask_together_and_passes_gradients():
    image = torch.zeros(3, 3, 64, 64, requires_grad=True)
    mask = torch.zeros(3, 1, 64, 64)
    mask[:, :, 30:34, 30:34] = 1
    moved_image, moved_mask = iu.diff_augment(image + mask, mask, torch.Generator().manual_seed(0))
    assert moved_mask.sum(dim=(1, 2, 3)).le(16).all() and moved_mask.sum() > 0
    moved_image.sum().backward()
    assert image.grad is not None and image.grad.abs().sum() > 0


def photo_params(params, **changes):
    return dataclasses.replace(params, crops="photos", prefill="harmonic", mask="lama", rec_weight=1.0,
                               adv_weight=0.05, d_arch="patch", fm_weight=0.5, diff_augment=True,
                               ema_decay=0.9, batch_size=4, steps_per_epoch=2, **changes)


def test_an_adversarial_photo_run_resumes_to_the_same_weights(params, tmp_path):
    p = photo_params(params)
    photos = [smooth_images(1, size=s, seed=s)[0] for s in (300, 200, 130)]
    whole, resumed = whole_and_resumed(p, photos, smooth_images(2, seed=4), tmp_path)
    assert resumed.history["g_losses"] == whole.history["g_losses"]
    assert resumed.history["d_losses"] == whole.history["d_losses"] and whole.history["d_losses"][-1] > 0
    for a, b in ((resumed.g, whole.g), (resumed.d, whole.d), (resumed.ema, whole.ema)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert isinstance(whole.d, iu.PatchDiscriminator)


def test_photos_come_from_the_corpus_or_a_folder_with_clear_errors(params, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    Image.new("RGB", (200, 100), "red").save(folder / "a.jpg")
    (folder / ".hidden.jpg").write_bytes(b"")
    p = dataclasses.replace(params, photos=str(folder))
    assert list(training_photos(p)) == ["a"]
    with pytest.raises(FileNotFoundError, match="not a folder of photos"):
        training_photos(dataclasses.replace(params, photos=str(tmp_path / "none")))
    with pytest.raises(FileNotFoundError, match="python -m inpaint_utils.corpus"):
        training_photos(dataclasses.replace(params, photos="corpus"))  # the tests' output root has no corpus


@pytest.mark.parametrize("change, message", [
    ({"CROPS": "photos", "STEPS_PER_EPOCH": None}, "set STEPS_PER_EPOCH"),
    ({"D_ARCH": "patch", "LOCAL_D": True}, "takes no LOCAL_D"),
    ({"FM_WEIGHT": 0.1}, "need D_ARCH='patch'"),
    ({"D_ARCH": "vgg"}, "D_ARCH must be one of"),
])
def test_recipe_options_that_cannot_work_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        iu.resolve_params("smoke", change)


def card(psnr_centre, psnr_random, sharpness, c2st, steps=100):
    rows = [{"images": CORPUS_SET, "method": m, "kind": "baseline", "centre: hole PSNR (dB)": 25.0,
             "random: hole PSNR (dB)": 24.0, "centre: sharpness": s, "centre: C2ST acc": c}
            for m, s, c in (("Telea", 0.4, 0.8), ("Navier-Stokes", 0.5, 0.7), ("Biharmonic", 0.45, 0.75),
                            ("Harmonic", 0.3, 0.9))]
    rows.append({"images": CORPUS_SET, "method": LABEL, "kind": "learned", "centre: hole PSNR (dB)": psnr_centre,
                 "random: hole PSNR (dB)": psnr_random, "centre: sharpness": sharpness, "centre: C2ST acc": c2st})
    return {"model": "inpainter.pt", "sha256": "", "metrics": rows, "differences": [], "generator parameters": 1,
            "parameters": {"BATCH_SIZE": 16, "PROFILE": "release"}, "training": {"steps": steps, "epochs": 1, "hours": 0.1},
            "data": {"source": "PHOTOS=corpus", "training images": 2, "source photos": ["a", "b"], "crops": "crops",
                     "never seen": "c"}, "machine": {"processor": "x86_64", "cpu capability": "AVX2", "threads": 1,
                                                     "torch": "2"}, "git commit": None}


@pytest.mark.parametrize("adversarial, ships", [
    (card(24.5, 23.5, 0.8, 0.6), True),  # sharper, harder to tell, within 1 dB of harmonic
    (card(23.5, 23.5, 0.8, 0.6), False),  # 1.5 dB below harmonic on the centre hole
    (card(24.5, 23.5, 0.8, 0.75), False),  # the two-sample test tells it apart as easily as Biharmonic
    (card(24.5, 23.5, 0.5, 0.6), False),  # no sharper than Navier-Stokes
])
def test_the_rule_ships_the_adversarial_recipe_only_where_it_is_more_realistic_and_close(adversarial, ships, tmp_path):
    assert realistic_enough(adversarial)[0] is ships
    folders = {}
    for name, c in (("pixel", card(25.5, 24.5, 0.3, 0.9)), ("adversarial", adversarial)):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "inpainter.pt").write_bytes(name.encode())
        c["sha256"] = release_recipe.sha256(folders[name] / "inpainter.pt")
        (folders[name] / "model_card.json").write_text(json.dumps(c))
    out = tmp_path / "release"
    out.mkdir()
    chosen = choose_release(folders, out)
    assert (out / "inpainter.pt").read_bytes() == (b"adversarial" if ships else b"pixel")
    assert chosen["choice"]["recipe"] == ("adversarial" if ships else "pixel") and set(chosen["recipes"]) == set(folders)
    assert json.loads((out / "model_card.json").read_text()) == chosen
    markdown = (out / "MODEL_CARD.md").read_text()
    assert "Rule** (fixed before the comparison)" in markdown and "### Pixel recipe" in markdown
