"""Data-parallel training under torchrun: the process group, each rank's device and seeds, DDP.

``torchrun --nproc_per_node=N -m inpaint_utils.train_release`` starts N processes (ranks). Each
draws its own crops, masks and augmentations from its own seeded streams (``rank_seed``), and
DistributedDataParallel averages the gradients, so every rank holds the same weights and one step
learns from N x BATCH_SIZE images: the global batch. A plain ``python -m`` run, or torchrun with
one process, has no process group and trains exactly as before.

Batch norm stays per rank (``nn.BatchNorm2d``, not ``SyncBatchNorm``). Each rank normalises over
its own BATCH_SIZE images, exactly as a one-process run of the recipe does, so the recipe behaves
the same on 1 or N GPUs apart from the larger global batch; SyncBatchNorm would add two collectives
per batch-norm layer per step (G has 12) across machines, and it runs on GPUs only, so the CPU
(gloo) runs that test this could not check it. The price: N ranks at BATCH_SIZE are not one
process at N x BATCH_SIZE (that one normalises over all N x BATCH_SIZE images); they are the mean
of N one-process gradients at BATCH_SIZE, which is what tests/test_distributed.py checks.
"""

import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from ..core.runtime import resolve_device

# Longest a rank waits in a collective before the run fails: longer than any work that rank 0
# does alone meanwhile (a checkpoint, a validation pass), short enough that a lost machine fails
# the run instead of hanging it. torchrun stops the other ranks at once when one exits with an error.
TIMEOUT = timedelta(minutes=10)
# Rank r's streams are seeded with seed + r x RANK_SEED_STRIDE (+ 0 to 3, training's offsets), so no
# two ranks share a stream and rank 0 draws what a one-process run draws.
RANK_SEED_STRIDE = 1000


@dataclass(frozen=True)
class World:
    """This process's place in the run: rank ``rank`` of ``size``, on its machine's GPU ``local_rank``."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this is rank 0, the one that logs, validates, checkpoints and exports."""
        return self.rank == 0


def world() -> World:
    """This process's World: from the process group if one is up, else a single process."""
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))


def launched() -> bool:
    """Whether torchrun started this process as one of several (WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


@contextmanager
def process_group(device: str = "auto"):
    """The process group torchrun's environment describes (RANK, WORLD_SIZE, LOCAL_RANK, its store),
    for the block; yields this process's World. NCCL on CUDA, each rank on cuda:LOCAL_RANK; gloo on
    the CPU. Without torchrun (or with one process) there is no group and the World is one process."""
    if not launched():
        yield World()
        return
    kind = resolve_device(device).type
    if kind not in ("cuda", "cpu"):
        raise ValueError(f"DEVICE={device!r}: data-parallel training runs on CUDA (nccl) or the CPU (gloo), not {kind}")
    local_rank = int(os.environ["LOCAL_RANK"])
    gpu = None
    if kind == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f"LOCAL_RANK {local_rank} but this machine has {torch.cuda.device_count()} GPU(s): "
                             "start at most one process per GPU (--nproc_per_node)")
        gpu = torch.device("cuda", local_rank)
        torch.cuda.set_device(gpu)
    dist.init_process_group("nccl" if gpu else "gloo", timeout=TIMEOUT, device_id=gpu)
    yield world()
    dist.destroy_process_group()  # not after an error: other ranks may be mid-collective; exiting ends this one


def rank_device(device: torch.device) -> torch.device:
    """``device`` for this rank: cuda:LOCAL_RANK where CUDA is used by several ranks."""
    here = world()
    if here.size == 1 or device.type != "cuda":
        return device
    if device.index is not None and device.index != here.local_rank:
        raise ValueError(f"DEVICE={str(device)!r} names one GPU, but torchrun started {here.size} processes, each on "
                         "its own GPU (cuda:LOCAL_RANK): set DEVICE=cuda or auto")
    return torch.device("cuda", here.local_rank)


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s crop, mask and augmentation streams: its own, ``seed`` on rank 0."""
    return seed + RANK_SEED_STRIDE * rank


def data_parallel(module: nn.Module, device: torch.device) -> nn.Module:
    """``module`` in DistributedDataParallel where several ranks train, else ``module`` itself.

    DDP broadcasts rank 0's weights and buffers at the start, and averages the gradients that
    ``backward`` writes. ``broadcast_buffers`` (DDP's default) sends rank 0's buffers before each
    forward: the spectral-norm power-iteration vectors of the patch discriminator then stay the
    same on every rank even where hardware rounds differently, and batch norm's running statistics
    (which only evaluation uses) are rank 0's, as in the checkpoint; its batch statistics stay per rank.
    """
    if world().size == 1:
        return module
    return DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)


def on_main(read: Callable):
    """``read()`` on rank 0, its result (or its exception, raised) on every rank: all ranks resume
    from rank 0's checkpoint, and a refused checkpoint stops every rank with the same error."""
    here = world()
    if here.size == 1:
        return read()
    box = [None]
    if here.main:
        try:
            box[0] = (read(), None)
        except Exception as e:  # noqa: BLE001 - sent to every rank, raised there
            box[0] = (None, e)
    dist.broadcast_object_list(box, src=0)
    result, error = box[0]
    if error is not None:
        raise error
    return result


def gather_on_main(value) -> list | None:
    """Every rank's ``value`` in rank order, on rank 0 (None on the others); ``[value]`` alone."""
    here = world()
    if here.size == 1:
        return [value]
    found = [None] * here.size if here.main else None
    dist.gather_object(value, found, dst=0)
    return found


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """The mean of ``values`` over the ranks (the global batch's mean of per-rank means); itself alone."""
    here = world()
    if here.size == 1:
        return values
    total = values.clone()
    dist.all_reduce(total)  # SUM: gloo has no AVG
    return total / here.size


def barrier() -> None:
    """Wait for every rank (nothing to wait for alone)."""
    if world().size > 1:
        dist.barrier()
