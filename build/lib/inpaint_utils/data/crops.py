"""Training batches beyond the seed's: fresh random crops every step, and synthetic dead leaves.

The seed trained on one fixed 64 px image per training row, the same pixels every epoch. With
CROPS="stream" each step instead cuts a random square (side 50-100% of the image, anywhere in it,
mirrored half the time) from each picked training image, kept at twice the model's size, and
resizes it to the model's size; at scale 1 the crop is the test images' framing. With only a few
photos offline, SYNTHETIC replaces a share of each batch with dead-leaves images (discs of random
colours with power-law radii, the scale statistics of natural images): Achddou et al. found such
images come close to natural photos for training restoration networks. Everything is drawn from
one seeded ``torch.Generator`` on the training device, so a run is reproducible and resumable.
"""

import math

import torch
from torchvision.ops import roi_align

SOURCE_SCALE = 2  # CROPS="stream" cuts its crops from the training images at this multiple of IMAGE_SIZE
MIN_CROP = 0.5  # the smallest crop side, as a share of the image's side


class CropStream:
    """``stream(n) -> float (n, 3, S, S)`` in [0, 1]: random crops of ``sources`` (uint8, N x 3 x H x W,
    on the training device), a ``synthetic`` share of them replaced by dead leaves."""

    def __init__(self, sources: torch.Tensor, image_size: int, synthetic: float, generator: torch.Generator):
        self.sources, self.size, self.synthetic, self.generator = sources, image_size, synthetic, generator

    def __call__(self, n: int) -> torch.Tensor:
        g, device = self.generator, self.sources.device
        height, width = self.sources.shape[-2:]
        pick = torch.randint(len(self.sources), (n,), generator=g, device=device)
        side = min(height, width) * (MIN_CROP + (1 - MIN_CROP) * torch.rand(n, generator=g, device=device))
        left = (width - side) * torch.rand(n, generator=g, device=device)
        top = (height - side) * torch.rand(n, generator=g, device=device)
        boxes = torch.stack((torch.arange(n, device=device, dtype=side.dtype), left, top, left + side, top + side), 1)
        # Each output pixel averages 2x2 bilinear samples of its bin: an area filter for these scales.
        crops = roi_align(self.sources[pick].float() / 255, boxes, self.size, sampling_ratio=2, aligned=True)
        mirror = torch.rand(n, generator=g, device=device) < 0.5
        crops = torch.where(mirror[:, None, None, None], crops.flip(-1), crops)
        fake = (torch.rand(n, generator=g, device=device) < self.synthetic).nonzero()[:, 0]
        if len(fake):
            crops[fake] = dead_leaves(len(fake), self.size, g, device)
        return crops.clamp_(0, 1)


def dead_leaves(n: int, size: int, generator: torch.Generator, device=None, *, discs: int = 160,
                smallest: float = 1.0) -> torch.Tensor:
    """``n`` dead-leaves images, float (n, 3, size, size) in [0, 1]: ``discs`` discs of uniform random
    colour dropped one over another on a random background, radii drawn with density r^-3 between
    ``smallest`` pixels and half the image (the scale invariance of natural images)."""
    device = torch.device(device or generator.device)

    def uniform(*shape):
        return torch.rand(*shape, generator=generator, device=device)

    r_min, r_max = smallest, size / 2
    radius = (r_min ** -2 - uniform(n, discs) * (r_min ** -2 - r_max ** -2)) ** -0.5
    centre = uniform(n, discs, 2) * size
    colour = uniform(n, discs + 1, 3)  # index 0: the background
    grid = torch.arange(size, device=device, dtype=torch.float32) + 0.5
    dy = grid[None, None, :, None] - centre[..., 0, None, None]
    dx = grid[None, None, None, :] - centre[..., 1, None, None]
    covered = dy.square() + dx.square() <= radius[..., None, None].square()  # (n, discs, size, size)
    order = torch.arange(1, discs + 1, device=device, dtype=torch.int16)[None, :, None, None]
    top = torch.where(covered, order, 0).amax(dim=1)  # the last disc dropped on each pixel; 0: none
    image = torch.gather(colour, 1, top.long().view(n, -1, 1).expand(-1, -1, 3))
    return image.view(n, size, size, 3).permute(0, 3, 1, 2)


class PhotoCrops:
    """``stream(n) -> float (n, 3, S, S)`` in [0, 1]: multi-scale crops of full-resolution photos.

    Each crop spans a random side between S photo pixels (native texture) and the photo's
    shorter side (the whole scene), log-uniformly, so a 64 px input sees every scale a removal
    crop can have; its aspect varies by up to 25% (a mild geometric jitter), it is mirrored half
    the time, and its brightness, contrast and saturation vary by up to 10% (LaMa's augmentations,
    smaller). Large downscales read an area-filtered pyramid level, so they do not alias. With few
    photos this is what gives variety: a 2,560 x 1,600 photo holds tens of thousands of distinct
    crops. ``photos`` are uint8 (3, H, W) tensors of any sizes; draws come from ``generator``.
    """

    def __init__(self, photos: list[torch.Tensor], image_size: int, synthetic: float, generator: torch.Generator):
        self.size, self.synthetic, self.generator = image_size, synthetic, generator
        device = generator.device
        self.pyramids = [_pyramid(p.to(device), image_size) for p in photos]
        if not self.pyramids:
            raise ValueError("no photos to crop from")

    def __call__(self, n: int) -> torch.Tensor:
        g, device = self.generator, self.generator.device

        def uniform(low, high, count=n):
            return low + (high - low) * torch.rand(count, generator=g, device=device)

        pick = torch.randint(len(self.pyramids), (n,), generator=g, device=device).tolist()
        # as Python floats at once: one copy from a GPU each, not one per crop
        span, aspect, x, y = (t.tolist() for t in (uniform(0, 1), uniform(-0.11, 0.11).exp(), uniform(0, 1),
                                                   uniform(0, 1)))
        jitter = uniform(0.9, 1.1, 3 * n).view(n, 3)
        mirror = (torch.rand(n, generator=g, device=device) < 0.5).tolist()
        crops = []
        for i, which in enumerate(pick):
            levels = self.pyramids[which]
            height, width = levels[0].shape[-2:]
            side = self.size * (min(height, width) / self.size) ** span[i]  # in full-resolution pixels
            h, w = min(side * aspect[i], height), min(side / aspect[i], width)
            level = min(max(int(math.log2(min(h, w) / self.size)), 0), len(levels) - 1)
            source, scale = levels[level], 2.0 ** -level
            top, left = y[i] * (height - h) * scale, x[i] * (width - w) * scale
            bottom, right = top + h * scale, left + w * scale
            # only the region (and a pixel around it) becomes float: not the whole photo per crop
            r0, c0 = max(int(top) - 1, 0), max(int(left) - 1, 0)
            region = source[:, r0:int(bottom) + 2, c0:int(right) + 2][None].float() / 255
            box = torch.tensor([[0, left - c0, top - r0, right - c0, bottom - r0]], device=device)
            crop = roi_align(region, box, self.size, sampling_ratio=2, aligned=True)[0]
            crops.append(crop.flip(-1) if mirror[i] else crop)
        crops = torch.stack(crops)
        crops = _jitter_colour(crops, *jitter.T)
        fake = (torch.rand(n, generator=g, device=device) < self.synthetic).nonzero()[:, 0]
        if len(fake):
            crops[fake] = dead_leaves(len(fake), self.size, g, device)
        return crops.clamp_(0, 1)


def _pyramid(photo: torch.Tensor, size: int) -> list[torch.Tensor]:
    """``photo`` (uint8 3 x H x W) and its 2x area-downscaled copies, down to about 2x ``size``."""
    levels = [photo]
    while min(levels[-1].shape[-2:]) >= 4 * size:
        smaller = torch.nn.functional.avg_pool2d(levels[-1][None].float(), 2)[0]
        levels.append(smaller.round().to(torch.uint8))
    return levels


def _jitter_colour(images: torch.Tensor, brightness, contrast, saturation) -> torch.Tensor:
    """Per-image brightness, contrast and saturation factors (torchvision's definitions, batched)."""
    from torchvision.transforms.v2.functional import rgb_to_grayscale

    images = images * brightness[:, None, None, None]
    mean = rgb_to_grayscale(images).mean(dim=(1, 2, 3), keepdim=True)
    images = mean + (images - mean) * contrast[:, None, None, None]
    grey = rgb_to_grayscale(images)
    return grey + (images - grey) * saturation[:, None, None, None]
