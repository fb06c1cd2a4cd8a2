"""The patch statistics rank what a person sees at 100%: the photo's own pixels in a hole are closer
to their surroundings than a blur or a flat fill (patch distance), and less repetitive than a grid
of one block of the same texture, which the patch distance alone cannot tell from the photo."""

import numpy as np
import pytest
import skimage.data

from inpaint_utils.evaluation.patch_stats import laplacian_pyramid, patch_distance, repetition, surroundings, unfamiliar_share


@pytest.fixture(scope="module")
def grass():
    photo = np.repeat(skimage.data.grass()[..., None], 3, axis=2)  # 512x512 of fine natural texture
    hole = np.zeros(photo.shape[:2], bool)
    hole[200:290, 180:290] = True
    return photo, hole, surroundings(hole)


def filled(photo, hole, image):
    return np.where(hole[..., None], image, photo).astype(np.uint8)


def test_blur_flat_fills_and_a_block_grid_score_worse_than_the_photo(grass):
    import cv2

    photo, hole, around = grass
    grid = np.tile(photo[40:64, 40:64], (22, 22, 1))[:photo.shape[0], :photo.shape[1]]  # real grass, one block
    fills = {"blur": cv2.GaussianBlur(photo, (0, 0), 4), "flat": np.full_like(photo, int(photo[around].mean())),
             "grid": grid}
    distance, repeated = patch_distance(photo, hole, around), repetition(photo, hole, around)
    assert 0.5 < repeated < 1.5  # the photo is about as repetitive in the hole as around it
    for name in ("blur", "flat"):
        assert patch_distance(filled(photo, hole, fills[name]), hole, around) > 3 * distance, name
    grid_filled = filled(photo, hole, fills["grid"])
    assert patch_distance(grid_filled, hole, around) < 1.2 * distance  # its patches are real grass...
    assert repetition(grid_filled, hole, around) > 1.4 * repeated  # ...repeated: near-twins in the hole


def test_a_ghost_copy_is_unlike_the_surroundings_and_the_photos_own_grass_is_not(grass):
    """A far-away object pasted into the hole (the astronaut, as PatchMatch pastes a distant building)
    is unlike every patch around the hole; the photo's own grass, or grass from elsewhere, is not."""
    photo, hole, around = grass
    ghost = np.zeros_like(photo)
    ghost[200:290, 180:290] = skimage.data.astronaut()[100:190, 200:310]
    elsewhere = np.roll(photo, 150, axis=1)  # grass from another part of the photo
    own = unfamiliar_share(photo, hole, around)
    assert own < 0.15
    assert unfamiliar_share(filled(photo, hole, elsewhere), hole, around) < 0.15
    assert unfamiliar_share(filled(photo, hole, ghost), hole, around) > 0.6


def test_the_distance_is_seeded_and_refuses_a_hole_too_small_for_its_patches(grass):
    photo, hole, around = grass
    assert patch_distance(photo, hole, around, seed=3) == patch_distance(photo, hole, around, seed=3)
    tiny = np.zeros_like(hole)
    tiny[100, 100] = True
    with pytest.raises(ValueError, match="too small"):
        patch_distance(photo, tiny, around)


def test_the_pyramid_adds_back_up_and_the_surroundings_leave_a_gap_around_the_hole(grass):
    import cv2

    photo, hole, around = grass
    bands = laplacian_pyramid(photo)
    rebuilt = bands[-1]
    for band in reversed(bands[:-1]):
        rebuilt = cv2.pyrUp(rebuilt, dstsize=band.shape[1::-1]) + band
    assert np.abs(rebuilt * 255 - photo).max() < 1e-3
    assert not (around & hole).any() and around.sum() > 3 * hole.sum()
    assert not around[196:294, 180:290].any() and not around[200:290, 176:294].any()  # 4 pixels clear of its edge
