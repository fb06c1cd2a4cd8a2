"""The fill gate: a small network that chooses, pixel by pixel, between two candidate fills.

PatchMatch copies the photo's texture but sometimes the wrong content; the harmonic fill is never
wrong by much but has no texture. The gate sees the masked image, the mask, both candidates, where
they disagree and how deep each pixel lies in the hole, and gives each hole pixel a weight ``w`` in
[0, 1]: the fill is ``w * exemplar + (1 - w) * harmonic``. A convex choice cannot invent colours,
so a gate that learns nothing still gives their mean (its last bias starts at 0), and one that
learns well approaches the per-pixel oracle. Dilated convolutions give it a 67-pixel view at 50k
weights: a small learning problem, trained on two cores in minutes (``training/gate.py``).
"""

import torch
import torch.nn as nn

FEATURES = 12  # masked image 3, mask 1, exemplar 3, harmonic 3, disagreement 1, depth 1
DEPTH_SCALE = 16.0  # pixels: depth into the hole, divided by this and clipped at 1
DILATIONS = (1, 2, 4, 8, 16, 1)


class FillGate(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        layers, channels = [], FEATURES
        for dilation in DILATIONS:
            layers += [nn.Conv2d(channels, width, 3, padding=dilation, dilation=dilation, padding_mode="replicate"),
                       nn.LeakyReLU(0.2)]
            channels = width
        layers.append(nn.Conv2d(width, 1, 3, padding=1, padding_mode="replicate"))
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.net = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(N, FEATURES, H, W) -> the exemplar's weight, (N, 1, H, W) in [0, 1]."""
        return torch.sigmoid(self.net(features))


def gate_features(masked: torch.Tensor, mask: torch.Tensor, exemplar: torch.Tensor, harmonic: torch.Tensor,
                  depth: torch.Tensor) -> torch.Tensor:
    """The gate's input: every tensor (N, C, H, W) in [0, 1]; ``depth`` in pixels (``hole_depth``)."""
    disagreement = (exemplar - harmonic).abs().mean(dim=1, keepdim=True) * mask
    return torch.cat((masked, mask, exemplar * mask, harmonic * mask, disagreement,
                      (depth / DEPTH_SCALE).clamp(max=1)), dim=1)


def hole_depth(mask: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W): each hole pixel's Euclidean distance to the nearest known pixel (0 outside)."""
    import cv2
    import numpy as np

    holes = mask.detach().cpu().numpy()[:, 0] > 0.5
    depth = [cv2.distanceTransform(h.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) for h in holes]
    return torch.from_numpy(np.stack(depth))[:, None].to(mask.device)
