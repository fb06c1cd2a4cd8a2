"""A classifier two-sample test for removal at a photo's resolution: can a small CNN, trained from
scratch, tell a crop centred in a filled hole from a crop of the same photo away from it?

Each sample is one point seen at two scales, 32 px at 100% and the 128 px around it shrunk to
32 px (six channels), since a block grid, a ghost copy or a seam is larger than a 32 px view.
The classifier trains on many holes in the training photos filled by several methods, and is
tested on held-out photos: for each method, the share of its hole crops called "filled". The
untouched photo's hole crops give what content alone gives away (the holes fall where objects
would); a fill no more often called "filled" than that is, to this test, as real as the photo.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from ..core.paths import atomic_save

SIDE = 32  # the fine view, at 100%
COARSE = 4  # the coarse view spans COARSE x SIDE pixels, shrunk to SIDE
REACH = COARSE * SIDE // 2  # a centre's distance to the photo's edge, at least


def centres(hole: np.ndarray, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(inside, away): ``count`` centres each, deep in ``hole`` (at least half a fine view from its
    edge where the hole allows) and in the photo beside it, far enough that the coarse view
    does not touch the hole, within three hole sizes of it."""
    import cv2

    usable = _usable(hole.shape)
    outside = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 5)
    size = max(np.ptp(np.nonzero(hole)[0]), np.ptp(np.nonzero(hole)[1]))
    near = (outside > REACH * 1.42 + 2) & (outside < REACH * 1.42 + 3 * size) & usable
    return deep_centres(hole, count, rng), _pick(near, count, rng)


def deep_centres(hole: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` centres deep in ``hole`` alone: for a large hole, whose views are scored against the
    photo's own views at the same centres rather than against views away from it."""
    import cv2

    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    return _pick((depth >= min(SIDE / 2, depth.max())) & _usable(hole.shape), count, rng)


def _usable(shape) -> np.ndarray:
    height, width = shape
    usable = np.zeros(shape, bool)
    usable[REACH:height - REACH, REACH:width - REACH] = True
    return usable


def _pick(where: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    points = np.argwhere(where)
    if not len(points):
        raise ValueError("the hole is too close to the photo's edge for the crop test")
    return points[rng.choice(len(points), count, replace=len(points) < count)]


def views(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """uint8 (N, 6, SIDE, SIDE): the fine and the coarse view around each point of ``image``."""
    import cv2

    out = []
    for y, x in points:
        fine = image[y - SIDE // 2:y + SIDE // 2, x - SIDE // 2:x + SIDE // 2]
        coarse = cv2.resize(image[y - REACH:y + REACH, x - REACH:x + REACH], (SIDE, SIDE), interpolation=cv2.INTER_AREA)
        out.append(np.concatenate((fine, coarse), axis=2).transpose(2, 0, 1))
    return np.stack(out)


class CropClassifier(nn.Module):
    """Four strided convolutions and a linear read-out of their mean: 32 px in, one logit out. Group
    norm, not batch norm: no running statistics, so a view scores the same in training and testing."""

    def __init__(self, width: int = 32):
        super().__init__()
        layers, channels = [], 6
        for out in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1), nn.GroupNorm(8, out), nn.LeakyReLU(0.2)]
            channels = out
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 1))

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        """Each view less its own mean colour: a fill is told by its texture, not by what it shows."""
        x = crops.float() / 127.5
        return self.net(x - x.mean(dim=(2, 3), keepdim=True))[:, 0]


def train_classifier(filled: np.ndarray, real: np.ndarray, epochs: int = 8, seed: int = 0) -> CropClassifier:
    """A CropClassifier trained to tell ``filled`` views (label 1) from ``real`` ones, each
    mirrored and rotated at random; balanced by drawing as many of each per batch."""
    torch.manual_seed(seed)
    model = CropClassifier()
    optimiser = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.from_numpy(np.concatenate((filled, real)))
    y = torch.cat((torch.ones(len(filled)), torch.zeros(len(real))))
    weight = torch.cat((torch.full((len(filled),), 1 / len(filled)), torch.full((len(real),), 1 / len(real))))
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        picks = torch.multinomial(weight, len(x), replacement=True, generator=g)
        for batch in picks.split(128):
            crops = x[batch]
            if torch.rand(1, generator=g) < 0.5:
                crops = crops.flip(-1)
            crops = crops.rot90(int(torch.randint(4, (1,), generator=g)), dims=(-2, -1))
            loss = nn.functional.binary_cross_entropy_with_logits(model(crops), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model.eval()


def cached_classifier(saved: Path, training_views, seed: int = 0) -> CropClassifier:
    """The classifier saved at ``saved``, or one trained on ``training_views()`` (filled, real views;
    called only when there is none) and saved there atomically."""
    if saved.is_file():
        model = CropClassifier()
        model.load_state_dict(torch.load(saved, weights_only=True))
        return model.eval()
    model = train_classifier(*training_views(), seed=seed)
    atomic_save(model.state_dict(), saved)
    return model


def called_filled(model: CropClassifier, crops: np.ndarray) -> np.ndarray:
    """bool per crop: whether the classifier calls it a fill."""
    with torch.no_grad():
        chunks = np.array_split(crops, max(1, len(crops) // 256))
        return np.concatenate([(model(torch.from_numpy(c)) > 0).numpy() for c in chunks])
