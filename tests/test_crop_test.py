"""The crop classifier test: views centred deep in the hole and away from it where the coarse view
cannot touch it, six channels at two scales, and a classifier that learns to call a blurred fill
filled and the photo's own texture not."""

import cv2
import numpy as np
import pytest

from inpaint_utils.evaluation import crop_test


def noise_photo(seed, size=400):
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), (0, 0), 1.2)


def test_views_sit_deep_in_the_hole_and_far_from_it():
    hole = np.zeros((400, 400), bool)
    hole[150:250, 140:260] = True
    inside, away = crop_test.centres(hole, 50, np.random.default_rng(0))
    assert hole[inside[:, 0], inside[:, 1]].all()
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    assert (depth[inside[:, 0], inside[:, 1]] >= crop_test.SIDE / 2 - 0.5).all()
    for y, x in away:  # the coarse view of every away centre misses the hole, and lies in the photo
        assert not hole[y - crop_test.REACH:y + crop_test.REACH, x - crop_test.REACH:x + crop_test.REACH].any()
        assert crop_test.REACH <= y <= 400 - crop_test.REACH and crop_test.REACH <= x <= 400 - crop_test.REACH
    views = crop_test.views(noise_photo(0), inside[:3])
    assert views.shape == (3, 6, crop_test.SIDE, crop_test.SIDE) and views.dtype == np.uint8


def test_a_hole_at_the_edge_of_the_photo_is_refused():
    hole = np.zeros((200, 200), bool)
    hole[:20, :20] = True
    with pytest.raises(ValueError, match="edge"):
        crop_test.centres(hole, 4, np.random.default_rng(0))


def test_the_classifier_calls_a_blur_filled_and_the_photo_not():
    rng = np.random.default_rng(0)
    hole = np.zeros((600, 600), bool)
    hole[230:370, 230:370] = True
    filled, real = [], []
    for seed in range(6):
        photo = noise_photo(seed, 600)
        blurred = np.where(hole[..., None], cv2.GaussianBlur(photo, (0, 0), 3), photo)
        inside, away = crop_test.centres(hole, 40, rng)
        filled.append(crop_test.views(blurred, inside))
        real.append(crop_test.views(photo, away))
    model = crop_test.train_classifier(np.concatenate(filled[:4]), np.concatenate(real[:4]), epochs=3)
    assert crop_test.called_filled(model, np.concatenate(filled[4:])).mean() > 0.9
    assert crop_test.called_filled(model, np.concatenate(real[4:])).mean() < 0.1


def test_a_hole_with_no_room_around_it_still_has_views_deep_inside():
    """The structure benchmark's large holes leave no room for views away from them: their views are
    scored against the photo's own at the same centres, so only the centres inside are drawn."""
    hole = np.zeros((400, 400), bool)
    hole[40:360, 40:360] = True
    with pytest.raises(ValueError, match="edge"):
        crop_test.centres(hole, 8, np.random.default_rng(0))
    inside = crop_test.deep_centres(hole, 8, np.random.default_rng(0))
    assert len(inside) == 8 and hole[inside[:, 0], inside[:, 1]].all()
    assert (inside >= crop_test.REACH).all() and (inside <= 400 - crop_test.REACH).all()
