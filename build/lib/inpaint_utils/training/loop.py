"""Training: the seed's GAN loop, made resumable, reproducible and faster with the same maths
(one step is in ``step``, the losses in ``networks/losses``); a finished run loaded back."""

import math
import time
from dataclasses import KW_ONLY, asdict, dataclass
from pathlib import Path

import torch
import torch.nn as nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from ..core.paths import atomic_save
from ..core.runtime import device_name, resolve_device
from ..core.settings import Params
from ..data.crops import CropStream, PhotoCrops
from ..data.masks import center_mask, mask_batch
from ..data.pixels import to_uint8
from ..evaluation.evaluate import Validation
from ..fills.composite import inpaint
from ..fills.learned import generator_fill
from ..networks.checkpoints import (
    CHECKPOINT_FORMAT,
    build_networks,
    cpu_state,
    ema_generator,
    load_weights,
    read_checkpoint,
    rng_state,
    set_rng_state,
)
from ..networks.gan import Generator
from ..networks.losses import CRITERION_LABELS, criterion_key
from . import distributed
from .step import build_models, make_step

VAL_SAMPLES = 4  # validation images inpainted after every epoch (the seed showed 4)
LOG_EVERY = 50  # steps between progress-bar loss readouts (each one waits for the GPU)


@dataclass
class RunResult:
    """A trained (or loaded) run: networks, per-iteration and per-epoch history, checkpoint."""

    run: str  # a key of RUNS, or another run's name (an ablation row, the release recipe)
    g: Generator
    d: nn.Module  # the run's discriminator (models.make_discriminator)
    history: dict
    checkpoint: Path
    _: KW_ONLY
    trained_epochs: int = 0  # epochs trained in this call (0: loaded a finished run)
    fill_colour: torch.Tensor | None = None  # the hole's value in G's input (PREFILL="mean"); None: 0
    prefill: str = "zero"  # the run's PREFILL
    ema: Generator | None = None  # the EMA of G's weights (EMA_DECAY > 0), which evaluation uses
    criterion: str | None = None  # D's criterion, a key of CRITERIA; None: another one

    @property
    def label(self) -> str:
        return run_label(self.run)

    def fill(self):
        """The run's fill function: its EMA generator if it has one, else G, with its input convention."""
        return generator_fill(self.ema or self.g, self.fill_colour, self.prefill)


def train_gan(run: str, criterion: nn.Module, params: Params, *, train_images: torch.Tensor | list[torch.Tensor],
              val_images: torch.Tensor, checkpoint: Path, epochs: int) -> RunResult:
    """The seed's training loop, made resumable, reproducible and faster with the same maths.

    Per step, as the seed: D on real images (target 1) and on detached composites
    ``G(x) * mask + masked`` (target 0), one Adam step; then G so that D calls the composites
    real, one Adam step. Differences: G runs once per step (the seed ran it twice with the
    same weights and input); D's weight gradients are not computed in the G step (the seed
    computed and then discarded them); images come from the uint8 cache; batch order and
    initial weights follow ``params.seed``. A checkpoint is written after every epoch, and a
    rerun continues from the last complete one.

    Beyond the seed, ``params`` can add a reconstruction loss, a local discriminator, random
    masks (drawn per batch on the device from ``params.seed``), a pre-filled hole and a first
    phase in which G trains alone; see GeneratorLoss and ContextDiscriminator. With
    CROPS="photos", ``train_images`` is a list of full-resolution photos (uint8 3 x H x W) that
    ``batches.PhotoCrops`` cuts; with D_ARCH="patch" the step is SN-PatchGAN's (``_patch_step``).

    Under torchrun (``distributed``) every rank trains the same weights on its own crops, masks and
    augmentations, DDP averaging the gradients; rank 0 alone keeps the EMA, validates, logs and
    writes the checkpoint, which holds every rank's random streams, and every rank resumes from it.
    """
    world = distributed.world()
    if world.size > 1 and params.crops == "fixed":
        raise ValueError(f"CROPS='fixed' is one pass over the images per epoch, which {world.size} processes would "
                         "not share out: data-parallel training takes CROPS='stream' or 'photos'")
    device = distributed.rank_device(resolve_device(params.device))
    g, d, opt_g, opt_d = build_models(params, device)  # the same initial weights on every rank
    ema = AveragedModel(g, multi_avg_fn=get_ema_multi_avg_fn(params.ema_decay), use_buffers=True) \
        if params.ema_decay and world.main else None
    seed = distributed.rank_seed(params.seed, world.rank)  # params.seed on rank 0 and in one process
    batch_order = torch.Generator().manual_seed(params.seed)
    mask_rng = torch.Generator(device).manual_seed(seed)
    crop_rng = torch.Generator(device).manual_seed(seed + 2)
    augment_rng = torch.Generator(device).manual_seed(seed + 3)  # DIFF_AUGMENT
    fill_colour = None
    if params.prefill == "mean":  # photos (CROPS="photos") differ in size: per photo, then over photos
        fill_colour = (train_images.float().mean(dim=(0, 2, 3)) if torch.is_tensor(train_images) else
                       torch.stack([p.float().mean(dim=(1, 2)) for p in train_images]).mean(dim=0)) / 255
    history = {"g_losses": [], "d_losses": [], "epoch_g": [], "epoch_d": [], "epoch_seconds": [],
               "val_samples": torch.empty(0, min(VAL_SAMPLES, len(val_images)), 3,
                                          params.image_size, params.image_size, dtype=torch.uint8),
               "validation": [], "world_size": world.size, "global_batch": world.size * params.batch_size}
    done = 0
    state = None if params.retrain else distributed.on_main(lambda: read_checkpoint(checkpoint, run, params))
    if state is not None:
        ranks = state["history"].get("world_size", 1)
        if ranks != world.size:
            raise ValueError(f"{checkpoint} was trained by {ranks} process(es) (a global batch of "
                             f"{state['history'].get('global_batch', params.batch_size)}), not {world.size}: resume it "
                             f"with as many (torchrun --nproc_per_node), or set RETRAIN=True to start over")
        load_weights(g, state["generator"], checkpoint, "generator")
        load_weights(d, state["discriminator"], checkpoint, "discriminator")
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        history, done = state["history"], state["epoch"]
        set_rng_state(state["rng"], batch_order)
        if "mask_rng" in state:  # checkpoints from before random masks have none
            mask_rng.set_state(state["mask_rng"])
        if "augment_rng" in state:
            augment_rng.set_state(state["augment_rng"])
        if "crop_rng" in state:
            crop_rng.set_state(state["crop_rng"])
        if world.size > 1:  # each rank's own streams, which the checkpoint gathered
            for key, rng in (("mask_rng", mask_rng), ("crop_rng", crop_rng), ("augment_rng", augment_rng)):
                rng.set_state(state["rank_rng"][world.rank][key])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        fill_colour = state.get("fill_colour")
        if done > epochs:
            raise ValueError(f"{checkpoint} holds {done} epochs of {run}, more than the {epochs} asked "
                             "for; ask for at least as many, or set RETRAIN=True to start over")
    history.setdefault("validation", [])
    history.setdefault("world_size", 1)
    history.setdefault("global_batch", params.batch_size)
    if device_name(device) not in history.setdefault("devices", []):  # a resumed run may change machines
        history["devices"].append(device_name(device))

    def finished(trained: int) -> RunResult:
        return RunResult(run, g.eval(), d.eval(), history, checkpoint, trained_epochs=trained, fill_colour=fill_colour,
                         prefill=params.prefill, ema=ema.module.eval() if ema is not None else None,
                         criterion=criterion_key(type(criterion).__name__))

    if done == epochs:
        if world.main:
            print(f"{run}: loaded the finished run ({done} epochs) from {checkpoint}")
        return finished(0)
    if done and world.main:
        print(f"{run}: resuming from epoch {done} of {epochs} ({checkpoint})")

    step = make_step(distributed.data_parallel(g, device), distributed.data_parallel(d, device), opt_g, opt_d,
                     criterion=criterion, params=params, device=device, fill_colour=fill_colour,
                     augment_rng=augment_rng)
    mask = center_mask(params.image_size, params.hole_size).to(device)
    if params.crops == "photos":
        images, stream = None, PhotoCrops(train_images, params.image_size, params.synthetic, crop_rng)
    else:
        images = train_images.to(device)
        stream = CropStream(images, params.image_size, params.synthetic, crop_rng) if params.crops == "stream" else None
    val_truth = val_images[:VAL_SAMPLES].to(device).float() / 255
    validate = Validation(params, device) if params.val_every and world.main else None
    sample_fill = generator_fill(ema.module if ema is not None else g, fill_colour, params.prefill)  # as evaluated
    steps = math.ceil(len(train_images) / params.batch_size)
    if stream is not None and params.steps_per_epoch:
        steps = params.steps_per_epoch
    bar = tqdm(total=(epochs - done) * steps, desc=run, unit="step", mininterval=2,  # off: TQDM_DISABLE=1
               **({} if world.main else {"disable": True}))
    try:
        for epoch in range(done, epochs):
            g.train()
            d.train()
            start = time.perf_counter()
            losses = torch.zeros(steps, 2, device=device)
            batches = [params.batch_size] * steps if stream else \
                torch.randperm(len(images), generator=batch_order).to(device).split(params.batch_size)
            for i, batch in enumerate(batches):
                truth = stream(batch) if stream else images[batch].float().div_(255)
                masks = mask if params.mask == "center" else mask_batch(
                    params.mask, len(truth), params.image_size, params.hole_size, generator=mask_rng, device=device)
                losses[i] = torch.stack(step(truth, masks, adversarial=epoch >= params.g_only_epochs))
                if ema is not None:
                    ema.update_parameters(g)
                bar.update()
                if validate and (epoch * steps + i + 1) % params.val_every == 0:
                    history["validation"].append(validate(epoch * steps + i + 1, sample_fill))
                if (i + 1) % LOG_EVERY == 0:
                    d_now, g_now = losses[i].tolist()
                    _check_finite(losses[: i + 1], run, epoch, checkpoint)
                    bar.set_postfix(D=f"{d_now:.4f}", G=f"{g_now:.4f}", refresh=False)
            losses = distributed.mean_over_ranks(losses)  # the global batch's: the mean of the ranks' losses
            _check_finite(losses, run, epoch, checkpoint)
            losses = losses.cpu()
            history["d_losses"] += losses[:, 0].tolist()
            history["g_losses"] += losses[:, 1].tolist()
            history["epoch_d"].append(losses[:, 0].mean().item())
            history["epoch_g"].append(losses[:, 1].mean().item())
            history["epoch_seconds"].append(time.perf_counter() - start)
            streams = distributed.gather_on_main({"mask_rng": mask_rng.get_state(), "crop_rng": crop_rng.get_state(),
                                                  "augment_rng": augment_rng.get_state()})
            if not world.main:
                continue
            history["val_samples"] = torch.cat([history["val_samples"], _inpaint_samples(
                sample_fill, val_truth, mask)[None]])
            tqdm.write(f"Epoch [{epoch + 1}/{epochs}], Step [{steps}/{steps}], "
                       f"Discriminator Loss: {history['epoch_d'][-1]:.4f}, "
                       f"Generator Loss: {history['epoch_g'][-1]:.4f} ({history['epoch_seconds'][-1]:.1f} s)")
            atomic_save({
                "format": CHECKPOINT_FORMAT, "run": run, "criterion": type(criterion).__name__,
                "epoch": epoch + 1, "epochs": epochs, "params": asdict(params),
                "generator": cpu_state(g), "discriminator": cpu_state(d),
                "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                "history": history, "rng": rng_state(batch_order), "mask_rng": mask_rng.get_state(),
                "crop_rng": crop_rng.get_state(), "augment_rng": augment_rng.get_state(), "fill_colour": fill_colour,
                **({"ema": cpu_state(ema)} if ema is not None else {}),
                **({"rank_rng": streams} if world.size > 1 else {})}, checkpoint)
    except KeyboardInterrupt:
        if world.main:
            tqdm.write(f"{run}: interrupted; {len(history['epoch_d'])} complete epoch(s) are saved in "
                       f"{checkpoint}. Run again to resume.")
        raise
    finally:
        bar.close()
    return finished(epochs - done)


def _check_finite(losses, run, epoch, checkpoint):
    bad = (~torch.isfinite(losses)).any(dim=1).nonzero()
    if len(bad):
        step = int(bad[0])
        d_loss, g_loss = losses[step].tolist()
        kept = f"the last good checkpoint (epoch {epoch}) is kept at {checkpoint}" if epoch \
            else "no epoch had finished, so no checkpoint was written"
        raise FloatingPointError(
            f"{run}: non-finite loss at epoch {epoch + 1}, step {step + 1} (D {d_loss}, G {g_loss}). "
            f"Training stopped; {kept}. A lower LR, or AMP=False, may help.")


@torch.no_grad()
def _inpaint_samples(fill, truth, mask) -> torch.Tensor:
    return to_uint8(inpaint(fill, truth, mask)).cpu()


def run_label(run: str) -> str:
    """A run's label in tables: a seed run's is its criterion's (the runs bce, l1, l2, huber), else its own name."""
    return CRITERION_LABELS.get(run, run)


def load_run(run: str, path: Path, params: Params, *, maker: str, device=None) -> RunResult:
    """A finished run from its checkpoint; if it is missing or unfinished, the error names
    ``maker``, the notebook or command that trains it."""
    label = run_label(run)
    if not Path(path).exists():
        raise FileNotFoundError(f"no checkpoint for the {label} run at {path}: run {maker} first "
                                "(or `python report.py`)")
    state = read_checkpoint(path, run, params)
    if state["epoch"] < state["epochs"]:
        raise RuntimeError(f"the {label} run in {path} stopped after epoch {state['epoch']} of "
                           f"{state['epochs']}: rerun {maker} to finish it")
    device = device or resolve_device(params.device)
    g, d = build_networks(state, path)
    ema = ema_generator(state)
    return RunResult(run, g.to(device), d.to(device), state["history"], Path(path),
                     fill_colour=state.get("fill_colour"), prefill=state["params"].get("prefill", "zero"),
                     ema=ema.to(device) if ema is not None else None, criterion=criterion_key(state["criterion"]))
