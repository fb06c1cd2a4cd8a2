"""One step of the GAN: the seed's G and D built with their optimisers, and the step that trains
both on a batch (the seed's, or SN-PatchGAN's), with the loss and speed options of ``params``.
The loop around it is in ``loop``, the seed's runs in ``study/seed_runs``."""

import warnings

import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from ..core.runtime import seed_everything
from ..core.settings import RESIDUAL_PREFILLS, Params
from ..fills.learned import generator_output
from ..networks.gan import make_discriminator, make_generator
from ..networks.losses import AdversarialLoss, GeneratorLoss, HingeLoss, diff_augment

# The seed ran G twice per step; in train mode the second run gives the same output but moves
# the BatchNorm running statistics a second time. One update with momentum 1 - (1 - 0.1)^2
# lands on the same statistics, so evaluation (which uses them) matches the seed too.
SEED_BN_MOMENTUM = 1 - (1 - 0.1) ** 2


def build_models(params: Params, device: torch.device):
    """The seed's G and D, initialised from ``params.seed``, and their Adam optimisers, with
    the memory-format and fused-Adam options applied. G's batch norms get SEED_BN_MOMENTUM."""
    if params.amp and device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        warnings.warn("AMP=True on a CPU without bf16 instructions (AVX512_BF16 or AMX): bf16 autocast is "
                      "emulated there and can be many times slower than float32", stacklevel=3)
    seed_everything(params.seed)
    g = make_generator(params.g_arch).to(device)
    if params.prefill in RESIDUAL_PREFILLS:  # G starts as the identity on its prefill: no correction
        nn.init.zeros_(g.conv13.weight)
        nn.init.zeros_(g.conv13.bias)
    d = make_discriminator(params.d_arch, params.local_d, params.local_size).to(device)
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = SEED_BN_MOMENTUM
    if params.channels_last:
        g, d = g.to(memory_format=torch.channels_last), d.to(memory_format=torch.channels_last)
    # foreach gives the same numbers as the seed's default (the default itself on CUDA), faster on CPU
    how = {"fused": True} if params.fused_adam else {"foreach": True}
    opt_g = torch.optim.Adam(g.parameters(), lr=params.lr, **how)
    opt_d = torch.optim.Adam(d.parameters(), lr=params.lr, **how)
    return g, d, opt_g, opt_d


def make_step(g, d, opt_g, opt_d, *, criterion: nn.Module, params: Params, device: torch.device,
              fill_colour: torch.Tensor | None = None, augment_rng: torch.Generator | None = None):
    """``step(truth, mask, adversarial=True) -> (D loss, G loss)``: one step of the seed's loop, with
    the loss options of ``params`` and the speed options applied; the losses come back detached, NaN
    if D diverged. ``adversarial=False`` trains G alone on the reconstruction loss (GLCIC's first
    phase): D is not trained and its loss is reported as 0.

    ``g`` and ``d`` may be DistributedDataParallel (``distributed.data_parallel``): each loss then
    reaches its own network's weights through ``backward``, where DDP averages the gradients over
    the ranks, and G's step runs D's bare module (``d_local``): a forward through DDP would make
    DDP wait for D gradients that G's step does not compute."""
    synced = isinstance(g, DistributedDataParallel)
    d_local = d.module if isinstance(d, DistributedDataParallel) else d
    g_run, d_run = (torch.compile(g), torch.compile(d)) if params.compile else (g, d)
    d_local = d_run if d_local is d else torch.compile(d_local) if params.compile else d_local
    colour = None if fill_colour is None else fill_colour.to(device).view(1, 3, 1, 1)
    adversarial_loss, generator_loss = AdversarialLoss(criterion), GeneratorLoss.from_params(params)

    def autocast():  # the losses stay outside it: BCELoss is not autocast-safe
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=params.amp)

    if params.d_arch == "patch":
        augment_rng = augment_rng or torch.Generator(device).manual_seed(params.seed + 3)
        return _patch_step(g_run, d_run, d_local, opt_g, opt_d, params=params, autocast=autocast, colour=colour,
                           generator_loss=generator_loss, augment_rng=augment_rng, synced=synced)

    def step(truth, mask, adversarial=True):
        if params.channels_last:
            truth = truth.contiguous(memory_format=torch.channels_last)
        loss = generator_loss if adversarial else generator_loss.without_adversarial()
        masked = (1 - mask) * truth
        with autocast():
            generated = generator_output(g_run, masked, mask, prefill=params.prefill, fill_colour=colour)
        inpainted = generated.float() * mask + masked
        finite, d_loss, adversarial_term = torch.isfinite(generated).all(), truth.new_zeros(()), None
        if loss.adv_weight:
            with autocast():
                d_real, d_fake = d_run(truth, mask), d_run(inpainted.detach(), mask)
            d_loss = adversarial_loss.discriminator(d_real, d_fake)
            _optimizer_step(opt_d, d_loss, synced)
            with autocast():
                d_inpainted = d_local(inpainted, mask)
            adversarial_term = adversarial_loss(d_inpainted)
            finite = torch.isfinite(torch.cat([d_real.view(-1), d_fake.view(-1), d_inpainted.view(-1)])).all()
        g_loss = loss(generated.float(), truth, mask, adversarial_term)
        _optimizer_step(opt_g, g_loss, synced)
        nan = torch.full((), float("nan"), device=truth.device)
        return torch.where(finite, d_loss.detach(), nan), torch.where(finite, g_loss.detach(), nan)

    return step


def _patch_step(g_run, d_run, d_local, opt_g, opt_d, *, params: Params, autocast, colour,
                generator_loss: GeneratorLoss, augment_rng: torch.Generator, synced: bool = False):
    """``make_step`` with SN-PatchGAN: D's hinge loss on photos and on blended composites (known
    pixels pasted back, as LaMa feeds its D), optionally DiffAugmented; G's adversarial term is
    the hinge term plus FM_WEIGHT / ADV_WEIGHT x feature matching, so ADV_WEIGHT x it adds both."""
    fm_ratio = params.fm_weight / params.adv_weight

    def judged(images, mask, features=False):  # features: G's step, through D's bare module (make_step)
        if params.diff_augment:
            images, mask = diff_augment(images, mask, augment_rng)
        with autocast():
            return (d_local.features(images, mask) if features else d_run(images, mask)), mask

    def step(truth, mask, adversarial=True):
        masked = (1 - mask) * truth
        with autocast():
            generated = generator_output(g_run, masked, mask, prefill=params.prefill, fill_colour=colour)
        inpainted = generated.float() * mask + masked
        d_loss, term = truth.new_zeros(()), None
        if adversarial:
            d_real, _ = judged(truth, mask)
            d_fake, seen = judged(inpainted.detach(), mask)  # seen: the holes where D saw them
            d_loss = HingeLoss.discriminator(d_real, d_fake, seen)
            _optimizer_step(opt_d, d_loss, synced)
            drawn = augment_rng.get_state()  # the photo's features under the composite's augmentation
            (logits, fake), _ = judged(inpainted, mask, features=True)
            term = HingeLoss.generator(logits)
            if fm_ratio:
                augment_rng.set_state(drawn)
                with torch.no_grad():
                    (_, real), _ = judged(truth, mask, features=True)
                term = term + fm_ratio * HingeLoss.feature_matching(fake, real)
        loss = generator_loss if adversarial else generator_loss.without_adversarial()
        g_loss = loss(generated.float(), truth, mask, term)
        _optimizer_step(opt_g, g_loss, synced)
        finite = torch.isfinite(g_loss) & torch.isfinite(d_loss)
        nan = torch.full((), float("nan"), device=truth.device)
        return torch.where(finite, d_loss.detach(), nan), torch.where(finite, g_loss.detach(), nan)

    return step


def _optimizer_step(optimizer, loss, synced: bool = False):
    """Step ``optimizer`` on the gradient of ``loss`` with respect to its own parameters only.
    ``synced`` (DDP): through ``backward``, whose gradient hooks DDP averages over the ranks;
    ``torch.autograd.grad`` would bypass them."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if synced:
        optimizer.zero_grad(set_to_none=True)
        loss.backward(inputs=params)
    else:
        for p, grad in zip(params, torch.autograd.grad(loss, params)):
            p.grad = grad
    optimizer.step()
