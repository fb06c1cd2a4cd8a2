"""Pixels as the cache, the fills and the figures store them."""

import torch


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(0, 1).mul(255).round().to(torch.uint8)
