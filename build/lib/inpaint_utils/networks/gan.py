"""Models: the seed's networks, layer for layer (state_dict keys too, so its .pt files load)."""

import torch
import torch.nn as nn


class Generator(nn.Module):
    """Encoder, dilated middle, decoder; input RGB + mask (4 channels), output RGB in (0, 1).

    4x64x64 -> 64x64x64 -> 128x32x32 -> 256x16x16 -> 256x16x16 -> (dilation 2) 256x14x14
    -> (dilation 4) 256x8x8 -> 256x8x8 -> 128x16x16 -> 128x16x16 -> 64x32x32 -> 64x64x64
    -> 64x64x64 -> 3x64x64. Batch norm follows each ReLU, as in the seed. 3,647,043 parameters.

    ``same=True`` (G_ARCH="same") keeps the same layers but pads the dilated
    convolutions to keep their size, so the middle stays 16x16 and aligned with the image, and the
    third upsampling becomes a 3x3 stride-1 transposed convolution: any input of a side divisible by
    4 maps to the same size, and a hole's features sit where the hole is. 3,618,371 parameters.
    ``skips=True`` (G_ARCH="unet") adds U-Net skips to that: conv9 also reads conv2's output and
    deconv11 conv1's, so the decoder sees the hole's edge at full resolution, where the 16x16
    middle cannot place it to the pixel. 3,802,691 parameters.
    """

    def __init__(self, im_channels: int = 3, same: bool = False, skips: bool = False):
        super().__init__()
        same = same or skips
        self.skips = skips
        self.conv1 = nn.Conv2d(im_channels + 1, 64, 5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(128, 256, 3, stride=2, padding=1)
        self.conv4 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.conv5 = nn.Conv2d(256, 256, 3, stride=1, padding=2 if same else 1, dilation=2)
        self.conv6 = nn.Conv2d(256, 256, 3, stride=1, padding=4 if same else 1, dilation=4)
        self.conv7 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.deconv8 = nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)
        self.conv9 = nn.Conv2d(256 if skips else 128, 128, 3, stride=1, padding=1)
        self.deconv10 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.deconv11 = nn.ConvTranspose2d(128 if skips else 64, 64, 3, stride=1, padding=1) if same else \
            nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1)
        self.conv12 = nn.Conv2d(64, 64, 3, stride=1, padding=1)
        self.conv13 = nn.Conv2d(64, 3, 3, stride=1, padding=1)
        for i, width in enumerate((64, 128, 256, 256, 256, 256, 256, 128, 128, 64, 64, 64), start=1):
            setattr(self, f"bn{i}", nn.BatchNorm2d(width))
        self.relu = nn.ReLU()
        self.sig = nn.Sigmoid()

    def forward(self, x):
        layers = (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5, self.conv6,
                  self.conv7, self.deconv8, self.conv9, self.deconv10, self.deconv11, self.conv12)
        kept, joins = {}, {9: 2, 11: 1}  # U-Net: conv2's output joins conv9's input, conv1's deconv11's
        for i, layer in enumerate(layers, start=1):
            if self.skips and i in joins:
                x = torch.cat((x, kept[joins[i]]), dim=1)
            x = getattr(self, f"bn{i}")(self.relu(layer(x)))
            if self.skips and i <= 2:
                kept[i] = x
        # The head stays fp32 under autocast: a bf16 sigmoid near 1/2 moves in steps of 2^-9, which
        # rounds every correction below about 1/255 to zero. Without autocast this is the seed's line.
        with torch.autocast(x.device.type, enabled=False):
            return self.sig(self.conv13(x.float()))


class Discriminator(nn.Module):
    """A CNN classifier, real (1) or inpainted (0): four conv + avg-pool stages, global
    average pooling, five linear layers, sigmoid. 3x64x64 -> 64x32x32 -> 128x16x16 -> 256x8x8
    -> 512x4x4 -> 512 -> 512 -> 512 -> 256 -> 10 -> 1. 2,212,117 parameters.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1)
        self.conv2 = nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=1)
        self.conv3 = nn.Conv2d(128, 256, kernel_size=3, stride=1, padding=1)
        self.conv4 = nn.Conv2d(256, 512, kernel_size=3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.bn2 = nn.BatchNorm2d(128)
        self.bn3 = nn.BatchNorm2d(256)
        self.bn4 = nn.BatchNorm2d(512)
        self.fc1 = nn.Linear(512, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 256)
        self.fc4 = nn.Linear(256, 10)
        self.fc5 = nn.Linear(10, 1)
        self.down_sample = nn.AvgPool2d(2)
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x, mask=None):
        """D(x), the probability that ``x`` is real. It judges the whole image: ``mask`` is unused."""
        return self.sigmoid(self.fc5(self.relu(self.fc4(self.features(x)))))

    def features(self, x):
        """The 256 features after fc3, which the context discriminator joins with its local ones."""
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2),
                         (self.conv3, self.bn3), (self.conv4, self.bn4)):
            x = bn(self.relu(self.down_sample(conv(x))))
        x = torch.flatten(self.global_pool(x), 1)  # the seed's .view(), which channels_last breaks
        for fc in (self.fc1, self.fc2, self.fc3):
            x = self.relu(fc(x))
        return x


class ContextDiscriminator(nn.Module):
    """GLCIC's context discriminator: a global branch (the seed's D up to fc3) on the whole image
    and a local branch on a ``local_size`` crop around the hole; their features are joined into
    one logit, then a sigmoid, so the seed's BCE applies unchanged. Iizuka et al. use FC-1024
    features per branch; here each gives 256, the width of the seed's fc3.
    """

    def __init__(self, local_size: int = 32):
        super().__init__()
        self.local_size = local_size
        self.global_branch = Discriminator()
        del self.global_branch.fc4, self.global_branch.fc5  # its own head is replaced by ``head``
        stages = []
        for c_in, c_out in ((3, 64), (64, 128), (128, 256)):
            stages += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.AvgPool2d(2), nn.ReLU(), nn.BatchNorm2d(c_out)]
        self.local_branch = nn.Sequential(*stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                          nn.Linear(256, 256), nn.ReLU())
        self.head = nn.Linear(512, 1)

    def forward(self, x, mask):
        local = self.local_branch(hole_crops(x, mask, self.local_size))
        joined = torch.cat((self.global_branch.features(x), local), dim=1)
        return torch.sigmoid(self.head(joined))


class PatchDiscriminator(nn.Module):
    """SN-PatchGAN (DeepFill v2, Yu et al. 2019), scaled to 64 px: five spectrally normalised 5x5
    convolutions, four of stride 2, on the image and its mask; one realism logit per 16 px patch
    (a 4x4 map), so texture is judged everywhere, not one verdict per image. No sigmoid: the
    hinge loss (``losses.HingeLoss``) reads the logits. ``features`` also returns each layer's
    activations, for the generator's feature-matching loss (LaMa)."""

    def __init__(self, width: int = 64):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        channels = (4, width, 2 * width, 4 * width, 4 * width)
        self.layers = nn.ModuleList(
            nn.Sequential(sn(nn.Conv2d(c_in, c_out, 5, stride=2, padding=2)), nn.LeakyReLU(0.2))
            for c_in, c_out in zip(channels, channels[1:]))
        self.head = sn(nn.Conv2d(channels[-1], 1, 3, padding=1))

    def features(self, x, mask) -> tuple[torch.Tensor, list[torch.Tensor]]:
        h, found = torch.cat((x, mask.expand(len(x), 1, *x.shape[-2:]).to(x.dtype)), dim=1), []
        for layer in self.layers:
            h = layer(h)
            found.append(h)
        return self.head(h), found

    def forward(self, x, mask):
        return self.features(x, mask)[0]


def make_generator(g_arch: str = "seed") -> Generator:
    """The generator a run's parameters name: the seed's, its size-preserving variant ("same"), or
    that with U-Net skips ("unet")."""
    return Generator(same=g_arch == "same", skips=g_arch == "unet")


def make_discriminator(d_arch: str = "seed", local_d: bool = False, local_size: int = 32) -> nn.Module:
    """The discriminator a run's parameters name: the seed's (or GLCIC's with ``local_d``), or SN-PatchGAN."""
    if d_arch == "patch":
        return PatchDiscriminator()
    return ContextDiscriminator(local_size) if local_d else Discriminator()


def hole_crops(images: torch.Tensor, masks: torch.Tensor, size: int) -> torch.Tensor:
    """A ``size`` x ``size`` crop of each image centred on its hole's bounding box, shifted to lie
    inside the image. ``masks`` is (1, S, S) for all images or (N, 1, S, S); differentiable."""
    n, _, height, width = images.shape
    holes = masks.expand(n, 1, height, width)[:, 0] > 0
    rows, cols = holes.any(dim=2), holes.any(dim=1)  # (N, S): which rows / columns hold hole pixels

    def start(used, extent):
        index = torch.arange(extent, device=used.device)
        first = torch.where(used, index, extent).amin(dim=1)
        last = torch.where(used, index, -1).amax(dim=1)
        centre = torch.where(used.any(dim=1), (first + last + 1) // 2, extent // 2)
        return (centre - size // 2).clamp(0, extent - size)

    offsets = torch.arange(size, device=images.device)
    r = (start(rows, height)[:, None] + offsets)[:, :, None]  # (N, size, 1)
    c = (start(cols, width)[:, None] + offsets)[:, None, :]  # (N, 1, size)
    batch = torch.arange(n, device=images.device)[:, None, None]
    return images.permute(0, 2, 3, 1)[batch, r, c].permute(0, 3, 1, 2)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
