"""The held-out images: crops of photos no training image was cut from, the honest measure offline."""

import numpy as np
import torch
from PIL import Image

from ..data.cats import seed_transform, to_rgb
from ..data.pixels import to_uint8

HELDOUT_PHOTOS = ("grace_hopper", "immunohistochemistry", "retina", "clock", "grass", "gravel", "brick")


def heldout_images(per_photo: int = 10, image_size: int = 64, seed: int = 0) -> torch.Tensor:
    """uint8 (N, 3, S, S) random crops of HELDOUT_PHOTOS (matplotlib's Grace Hopper, scikit-image's
    others), resized with the seed's transform: photos from another source than any training image."""
    import skimage.data
    from matplotlib.cbook import get_sample_data

    rng, transform, crops = np.random.default_rng(seed), seed_transform(image_size), []
    for name in HELDOUT_PHOTOS:
        photo = (np.asarray(Image.open(get_sample_data("grace_hopper.jpg"))) if name == "grace_hopper"
                 else getattr(skimage.data, name)())
        h, w = photo.shape[:2]
        for _ in range(per_photo):
            side = int(rng.uniform(0.2, 0.5) * min(h, w))
            y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
            crop = Image.fromarray(np.ascontiguousarray(photo[y:y + side, x:x + side]))
            crops.append(to_uint8(transform(to_rgb(crop))))
    return torch.stack(crops)


CORPUS_SCALES = (1, 4, 16)  # crop sides of 64, 256 and 1,024 photo pixels: texture, objects, scenes


def heldout_corpus_images(per_scale: int = 4, image_size: int = 64, seed: int = 0) -> torch.Tensor:
    """uint8 (N, 3, S, S) crops of the photo corpus's held-out photos (``python -m inpaint_utils.corpus``),
    never trained on: ``per_scale`` random crops at each of CORPUS_SCALES x S photo pixels, shrunk
    to S with an area filter, as removal shrinks its crops. FileNotFoundError without the corpus."""
    from .photo_corpus import corpus_photos
    from .photos import read_image

    rng, crops = np.random.default_rng(seed), []
    for path in corpus_photos("heldout"):
        photo = read_image(path)
        h, w = photo.shape[:2]
        for scale in CORPUS_SCALES:
            side = min(scale * image_size, h, w)
            for _ in range(per_scale):
                y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
                crop = Image.fromarray(np.ascontiguousarray(photo[y:y + side, x:x + side]))
                crops.append(torch.from_numpy(np.array(crop.resize((image_size, image_size), Image.BOX))).permute(2, 0, 1))
    return torch.stack(crops)
