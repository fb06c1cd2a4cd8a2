"""Figures: each is saved as figures/<run name>/<name>.png, under the name its caller gives, then shown."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from ..core.paths import figures_dir
from ..core.settings import MASK_KINDS, Params
from ..data.cats import CatDataset, SplitImages
from ..data.masks import center_mask, mask_batch
from ..data.pixels import to_uint8
from ..fills.classical import BASELINES
from ..fills.composite import inpaint
from ..training.loop import RunResult


def save_figure(fig, name: str, params: Params):
    """Save ``fig`` as figures/<run name>/<name>.png, close it, and return that PNG for display:
    what a notebook shows is the file, whatever matplotlib backend is active."""
    from IPython.display import Image as PNG

    path = figures_dir(params) / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return PNG(filename=str(path))


def _show(ax, image: torch.Tensor, title: str | None = None):
    """Draw one CHW image (uint8, or float in [0, 1]) without axes."""
    if image.dtype != torch.uint8:
        image = to_uint8(image)  # clamps: the seed's plots warned "Clipping input data" at 1.0000002
    ax.imshow(image.permute(1, 2, 0).cpu().numpy())
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def plot_mask(name: str, params: Params):
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(center_mask(params.image_size, params.hole_size)[0], cmap="gray")
    ax.set_title(f"{params.hole_size}x{params.hole_size} hole in {params.image_size}x{params.image_size}")
    return save_figure(fig, name, params)


def plot_training_pairs(dataset: CatDataset, indices, name: str, params: Params):
    """The seed's figure 3.4: masked training images beside their ground truth."""
    fig, axes = plt.subplots(len(indices), 2, figsize=(6, 3 * len(indices)), squeeze=False)
    for row, index in enumerate(indices):
        masked, truth = dataset[index]
        _show(axes[row, 0], masked, "Training image" if row == 0 else None)
        _show(axes[row, 1], truth, "Ground truth" if row == 0 else None)
    return save_figure(fig, name, params)


def plot_image_sizes(images: dict[str, SplitImages], name: str, params: Params):
    """Original widths and heights of the images, before the resize to IMAGE_SIZE."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for split_name, split in images.items():
        w, h = zip(*split.sizes)
        ax.scatter(w, h, s=6, alpha=0.4, label=f"{split_name} ({len(split)})")
    ax.set(xlabel="width (px)", ylabel="height (px)", title="Image sizes before resizing")
    ax.legend()
    return save_figure(fig, name, params)


def plot_losses(results: dict[str, RunResult], name: str, params: Params):
    """The seed's loss figures (4.4 and 6.4): per-iteration G and D losses, one panel per run,
    with each epoch's mean on top."""
    fig, axes = plt.subplots(1, len(results), figsize=(max(10, 6 * len(results)), 5), squeeze=False)
    for ax, (label, result) in zip(axes[0], results.items()):
        history = result.history
        steps = len(history["g_losses"]) // max(1, len(history["epoch_g"]))
        ends = [steps * (e + 1) for e in range(len(history["epoch_g"]))]
        for key, who, color in (("g", "Generator", "C0"), ("d", "Discriminator", "C1")):
            ax.plot(history[f"{key}_losses"], color=color, alpha=0.6, linewidth=0.8, label=who)
            ax.plot(ends, history[f"epoch_{key}"], "o-", color=color, label=f"{who}, epoch mean")
        ax.set(title=f"Training Losses - {label}", xlabel="Iteration", ylabel="Loss")
        ax.legend()
        ax.grid(True)
    fig.tight_layout()
    return save_figure(fig, name, params)


def plot_progress(history: dict, name: str, params: Params, max_rows: int = 10):
    """Inpainted validation images after each epoch (at most ``max_rows`` epochs, evenly spread)."""
    samples = history["val_samples"]
    epochs = np.unique(np.linspace(0, len(samples) - 1, min(max_rows, len(samples))).round().astype(int))
    fig, axes = plt.subplots(len(epochs), samples.shape[1], squeeze=False,
                             figsize=(2 * samples.shape[1], 2 * len(epochs)))
    for row, epoch in enumerate(epochs):
        for col in range(samples.shape[1]):
            _show(axes[row, col], samples[epoch, col])
        axes[row, 0].text(-4, params.image_size / 2, f"epoch {epoch + 1}", ha="right", va="center")
    fig.suptitle("Validation images inpainted after each epoch")
    return save_figure(fig, name, params)


@torch.no_grad()
def plot_inpainted_vs_truth(fill, test: SplitImages, indices, name: str, params: Params):
    """The seed's figure 5: test images inpainted by ``fill`` (e.g. a run's ``fill()``) beside the ground truth."""
    mask = center_mask(params.image_size, params.hole_size)
    truth = test.images[list(indices)].float() / 255
    inpainted = inpaint(fill, truth, mask)
    fig, axes = plt.subplots(len(indices), 2, figsize=(6, 3 * len(indices)), squeeze=False)
    for row in range(len(indices)):
        _show(axes[row, 0], inpainted[row], "Inpainted (fake)" if row == 0 else None)
        _show(axes[row, 1], truth[row], "Ground truth" if row == 0 else None)
    return save_figure(fig, name, params)


def plot_comparison_grid(models: dict[str, RunResult], test: SplitImages, indices, name: str, params: Params):
    """The seed's figure 7.1 on fixed test images, with the baselines as extra columns."""
    truth = test.images[list(indices)]
    return plot_fill_grid(models, truth, center_mask(params.image_size, params.hole_size), name, params)


@torch.no_grad()
def plot_fill_grid(models: dict[str, RunResult], images: torch.Tensor, masks: torch.Tensor, name: str,
                   params: Params, *, baselines=("Telea", "Biharmonic", "Navier-Stokes", "Mean colour")):
    """One row per image (uint8): the masked input, each model's and baseline's composite, the truth.
    ``masks`` is one mask for all, (1, S, S), or one per image, (N, 1, S, S)."""
    truth = images.float() / 255
    fills = {label: m.fill() for label, m in models.items()}
    fills |= {label: BASELINES[label] for label in baselines}
    columns = {"Input masked": (1 - masks) * truth + masks * 0.5}  # the hole in grey
    columns |= {label: inpaint(fill, truth, masks) for label, fill in fills.items()}
    columns["Ground Truth"] = truth
    fig, axes = plt.subplots(len(truth), len(columns), squeeze=False,
                             figsize=(2 * len(columns), 2 * len(truth)))
    for col, (title, shown) in enumerate(columns.items()):
        for row in range(len(truth)):
            _show(axes[row, col], shown[row], title if row == 0 else None)
    fig.tight_layout()
    return save_figure(fig, name, params)


def plot_masks(name: str, params: Params, per_kind: int = 6):
    """Examples of every kind of mask, drawn as training draws them (white: hole)."""
    fig, axes = plt.subplots(len(MASK_KINDS), per_kind, figsize=(1.6 * per_kind, 1.7 * len(MASK_KINDS)))
    for row, kind in enumerate(MASK_KINDS):
        masks = mask_batch(kind, per_kind, params.image_size, params.hole_size,
                           generator=torch.Generator().manual_seed(params.seed))
        for col in range(per_kind):
            axes[row, col].imshow(masks[col, 0], cmap="gray", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(kind)
    fig.suptitle("Training masks (white: hole)")
    fig.tight_layout()
    return save_figure(fig, name, params)


def plot_psnr_distribution(per_image: pd.DataFrame, name: str, params: Params):
    """Box plot of per-image hole PSNR for each method."""
    methods = list(dict.fromkeys(per_image["method"]))
    fig, ax = plt.subplots(figsize=(1.3 * len(methods) + 2, 4.5))
    ax.boxplot([per_image.loc[per_image["method"] == m, "hole_psnr"] for m in methods])
    ax.set_xticks(range(1, len(methods) + 1), methods, rotation=30, ha="right")
    ax.set(ylabel="hole PSNR (dB), per image", title=f"Hole PSNR on {per_image['image'].nunique()} test images")
    ax.grid(True, axis="y")
    return save_figure(fig, name, params)


def plot_removal(image: np.ndarray, mask: np.ndarray, results: dict, name: str, params: Params, *, zoom=None,
                 columns: int | None = None):
    """The photo, its mask (red) and each method's result; ``zoom`` = (top, bottom, left, right)
    shows that region only, at full resolution, and ``zoom="hole"`` the mask's surroundings. Panels
    sit side by side, or one above the other when the region is a wide strip, which side by side
    would shrink to an unreadable line; ``columns`` sets a grid instead, for panels large enough
    to judge a fill."""
    overlay = image.copy()
    overlay[mask] = (0.5 * overlay[mask] + (127, 0, 0)).astype(np.uint8)
    panels = {"Photo": image, "Mask (red)": overlay, **results}
    if isinstance(zoom, str) and zoom == "hole":
        zoom = _around(mask)
    top, bottom, left, right = zoom or (0, image.shape[0], 0, image.shape[1])
    aspect = (bottom - top) / (right - left)
    if columns:
        rows, cols = -(-len(panels) // columns), columns
    else:
        rows, cols = (1, len(panels)) if aspect >= 0.5 else (len(panels), 1)
    width = 10.0 if cols == 1 else min(3.2 if not columns else 5.0, 10.0 / cols)  # 10 inches: the page's width
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, (width * aspect + 0.4) * rows), squeeze=False)
    for ax, (title, pixels) in zip(axes.flat, panels.items()):
        ax.imshow(pixels[top:bottom, left:right])
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    return save_figure(fig, name, params)


def _around(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right): the mask's bounding box widened by half its size on each side."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    pad = max(rows[-1] - rows[0], cols[-1] - cols[0], 16) // 2 + 1
    return (max(rows[0] - pad, 0), min(rows[-1] + 1 + pad, mask.shape[0]),
            max(cols[0] - pad, 0), min(cols[-1] + 1 + pad, mask.shape[1]))


def plot_removal_zoom(photo: np.ndarray, hole: np.ndarray, results: dict, name: str, params: Params, *,
                      size: int = 320, columns: int = 3, centre=None):
    """The photo and each result (label -> H x W x 3 uint8) cropped to one ``size``-pixel window
    around ``hole`` (its centre, or ``centre`` = (row, column)), drawn at 100%: one photo pixel per
    figure pixel, so the reader judges the fill's texture and seam as a viewer does, not through
    a downscale that hides the blur. The hole's outline is drawn on the photo."""
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    cy, cx = centre or ((rows[0] + rows[-1]) // 2, (cols[0] + cols[-1]) // 2)
    height, width = min(size, photo.shape[0]), min(size, photo.shape[1])
    top = int(np.clip(cy - height // 2, 0, photo.shape[0] - height))
    left = int(np.clip(cx - width // 2, 0, photo.shape[1] - width))
    window = slice(top, top + height), slice(left, left + width)
    panels = {"Photo": photo, **results}
    gap, title = 8, 22  # pixels between panels, above each for its title
    grid_rows = -(-len(panels) // columns)
    fig_w, fig_h = columns * (width + gap) + gap, grid_rows * (height + title + gap) + gap
    fig = plt.figure(figsize=(fig_w / 100, fig_h / 100), dpi=100)  # save_figure's dpi: 100% scale
    for i, (label, pixels) in enumerate(panels.items()):
        r, c = divmod(i, columns)
        x0, y0 = gap + c * (width + gap), fig_h - (r + 1) * (height + title + gap)
        ax = fig.add_axes((x0 / fig_w, y0 / fig_h, width / fig_w, height / fig_h))
        ax.imshow(pixels[window], interpolation="nearest")
        if i == 0:
            ax.contour(hole[window], levels=[0.5], colors="red", linewidths=0.8)
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    return save_figure(fig, name, params)
