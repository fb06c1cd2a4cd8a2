"""The structure stage's networks: a generator that completes a photo's edge map across a hole, and
the patch discriminator that judges its edges, EdgeConnect's first stage (Nazeri et al., 2019) at
a CPU's scale.

PatchMatch copies texture well but, across a large hole, stops a straight edge at the hole and
loses a horizon: nothing in its patch search knows where a line should go. The edge generator sees
the hole's surroundings at reduced resolution (grey levels, their Canny edges, the mask) and draws
the edges inside the hole; exemplar synthesis then fills each region between them from its own side
(``fills/structure.py``). Its job is the layout of lines, not texture, so it is small: an encoder to
a quarter of the size, dilated residual blocks that see across a hole of half the crop, a decoder.
"""

import torch
import torch.nn as nn

CHANNELS = 3  # grey, edges (zero in the hole), mask
WIDTH = 32
DILATIONS = (2, 4, 8, 8, 4, 2)  # at a quarter of 128 px: a view of about 120 px, the whole crop


class Residual(nn.Module):
    def __init__(self, width: int, dilation: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation, padding_mode="reflect"),
            nn.InstanceNorm2d(width, affine=True), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1, padding_mode="reflect"),
            nn.InstanceNorm2d(width, affine=True))

    def forward(self, x):
        return x + self.body(x)


class EdgeGenerator(nn.Module):
    """(N, 3, S, S) inputs (``edge_inputs``) -> (N, 1, S, S) edge logits, S a multiple of 4."""

    def __init__(self, width: int = WIDTH):
        super().__init__()

        def block(c_in, c_out, **conv):
            return [nn.Conv2d(c_in, c_out, **conv), nn.InstanceNorm2d(c_out, affine=True), nn.ReLU()]

        self.net = nn.Sequential(
            *block(CHANNELS, width // 2, kernel_size=5, padding=2, padding_mode="reflect"),
            *block(width // 2, width, kernel_size=4, stride=2, padding=1),
            *block(width, width, kernel_size=4, stride=2, padding=1),
            *(Residual(width, d) for d in DILATIONS),
            nn.Upsample(scale_factor=2, mode="nearest"),
            *block(width, width, kernel_size=3, padding=1, padding_mode="reflect"),
            nn.Upsample(scale_factor=2, mode="nearest"),
            *block(width, width // 2, kernel_size=3, padding=1, padding_mode="reflect"),
            nn.Conv2d(width // 2, 1, 5, padding=2, padding_mode="reflect"))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.net(inputs)


def edge_inputs(grey: torch.Tensor, edges: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The generator's input: grey levels and edges (N, 1, S, S) in [0, 1], blanked in the hole, and
    the mask (1 = hole)."""
    known = 1 - mask
    return torch.cat((grey * known, edges * known, mask), dim=1)


def completed(logits: torch.Tensor, edges: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The edge map with its hole drawn by the generator: known edges outside, probabilities inside."""
    return edges * (1 - mask) + torch.sigmoid(logits) * mask


class EdgeDiscriminator(nn.Module):
    """A spectrally normalised patch discriminator on (grey, edge map, mask): one logit per 16 px
    patch, and its activations for the generator's feature-matching loss (LaMa's, as EdgeConnect's)."""

    def __init__(self, width: int = 32):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        channels = (3, width, 2 * width, 4 * width, 4 * width)
        self.layers = nn.ModuleList(
            nn.Sequential(sn(nn.Conv2d(c_in, c_out, 4, stride=2 if i < 3 else 1, padding=1)), nn.LeakyReLU(0.2))
            for i, (c_in, c_out) in enumerate(zip(channels, channels[1:])))
        self.head = sn(nn.Conv2d(channels[-1], 1, 3, padding=1))

    def features(self, grey, edges, mask) -> tuple[torch.Tensor, list[torch.Tensor]]:
        h, found = torch.cat((grey, edges, mask), dim=1), []
        for layer in self.layers:
            h = layer(h)
            found.append(h)
        return self.head(h), found
