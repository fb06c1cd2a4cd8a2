"""The critic that picks one of several PatchMatch fills of a large hole: what it sees of a fill
(``candidates.agreement``) ranks a fill that carries an edge through the hole above one that smears
it, and colours that keep the layout above colours that do not."""

import cv2
import numpy as np

from benchmarks.probes.candidates import Guide, agreement
from inpaint_utils.data.edges import canny_edges


def split_scene(size=256, seed=0):
    """Light above a diagonal edge, dark below, with grain; a box over the edge's middle."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[:size, :size]
    above = ys < 0.5 * xs + 0.25 * size
    image = np.where(above[..., None], [200, 170, 120], [60, 90, 140]).astype(np.float32)
    image = (image + rng.normal(0, 4, image.shape)).clip(0, 255).astype(np.uint8)
    hole = np.zeros((size, size), bool)
    hole[int(0.35 * size):int(0.75 * size), int(0.3 * size):int(0.65 * size)] = True
    return image, hole


def true_guide(image, hole, side=128):
    """The Guide a perfect structure stage would give: the truth's own edges and coarse colours."""
    small = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.float32), (side, side), interpolation=cv2.INTER_AREA) > 0
    layout = cv2.resize(image.astype(np.float32), None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA)
    layout_hole = cv2.resize(hole.astype(np.float32), None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA) > 0.5
    return Guide(canny_edges(small) & small_hole, small_hole, layout, layout_hole)


def test_a_fill_that_carries_the_edge_agrees_more_than_a_smear():
    image, hole = split_scene()
    guide = true_guide(image, hole)
    smeared = image.copy()
    smeared[hole] = cv2.GaussianBlur(cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_NS), (0, 0), 12)[hole]
    truth, smear = agreement(image.astype(np.float32), guide), agreement(smeared.astype(np.float32), guide)
    assert truth["edge_f1"] > 0.9 and truth["edge_f1"] > smear["edge_f1"] + 0.3
    assert truth["layout_psnr"] > smear["layout_psnr"]


def test_the_wrong_colour_on_one_side_loses_the_layout():
    image, hole = split_scene()
    guide = true_guide(image, hole)
    swapped = image.copy()
    swapped[hole] = 255 - swapped[hole]  # the same edge, the sides' colours wrong
    wrong, right = (agreement(a.astype(np.float32), guide)["layout_psnr"] for a in (swapped, image))
    assert wrong < right - 10
