"""Masks: 1 marks a hole pixel, 0 a known one, as float (1, S, S) tensors."""

import torch


def center_mask(image_size: int = 64, hole_size: int = 20) -> torch.Tensor:
    """The seed's mask: float (1, S, S), 1 in a centred square hole, 0 elsewhere.

    For 64 and 20 the hole is rows and columns 22..41, as the seed's ``create_masks``.
    """
    if not 0 < hole_size < image_size:
        raise ValueError(f"HOLE_SIZE must be between 1 and IMAGE_SIZE - 1 ({image_size - 1}), "
                         f"got {hole_size}")
    start = (image_size - hole_size) // 2
    mask = torch.zeros(1, image_size, image_size)
    mask[0, start:start + hole_size, start:start + hole_size] = 1
    return mask


def check_mask(mask: torch.Tensor, image_size: int) -> torch.Tensor:
    """Return ``mask`` as float (1, S, S) or raise ValueError saying what is wrong with it."""
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"mask must be a torch.Tensor, got {type(mask).__name__}")
    if mask.dtype not in (torch.float32, torch.float64, torch.bool, torch.uint8):
        raise ValueError(f"mask must be float32, float64, bool or uint8 (1 = hole), got {mask.dtype}")
    if mask.dim() == 2:
        mask = mask.unsqueeze(0)
    if tuple(mask.shape) != (1, image_size, image_size):
        raise ValueError(f"mask must have shape (1, {image_size}, {image_size}) or "
                         f"({image_size}, {image_size}), got {tuple(mask.shape)}")
    mask = mask.float()
    if not torch.all((mask == 0) | (mask == 1)):
        raise ValueError("mask values must be 0 (known pixel) or 1 (hole)")
    return mask
