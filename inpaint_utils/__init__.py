"""GAN image inpainting, reproduced from a student report (see README.md).

The notebooks' API: ``import inpaint_utils as iu``. The package is laid out by role, and imports
flow one way: a folder imports only the folders above it in this list (tests/test_layout.py checks).

- ``core/``        settings and profiles, the device and seeds, paths and atomic writes, pinned CPU
                   kernels, how tables are shown
- ``data/``        masks, pixels, users' photos, the photo corpus, the cats and their split cache, the
                   held-out images, training crops
- ``networks/``    the seed's generator and discriminator (and GLCIC's, SN-PatchGAN's), the losses,
                   training checkpoints
- ``fills/``       hole fills: classical, the generator's, the composite, detail transfer, and the
                   shipped release model loaded for inference
- ``evaluation/``  metrics, realism, bootstrap intervals, the sentences that compare rows, the
                   evaluation of runs and the tables they write
- ``training/``    the GAN loop (resumable, reproducible), one step, data-parallel training
- ``study/``       the paper's four runs, the ablation, the comparison, the release recipe and its card
- ``removal/``     object removal on photos of any size, the command's jobs, and notebook 07's brush
                   (an anywidget); fills and below only
- ``report/``      the report's figures and front matter

The modules at the top level are the commands, thin: ``python -m inpaint_utils.remove``,
``python -m inpaint_utils.train_release`` and ``python -m inpaint_utils.corpus``.

Where this code departs from the seed notebook, the docstring says what the seed did and why.
This file holds no logic, only a table of names: ``iu.<name>`` imports its module on first use
(PEP 562), so that ``python -m inpaint_utils.remove`` parses, checks and refuses without loading
torch. The ``TYPE_CHECKING`` block names the same for IDEs and type checkers.
"""

import importlib
import pkgutil
from typing import TYPE_CHECKING

_EXPORTS = {  # module: the names the notebooks use as iu.<name>
    "core.settings": "HUB_ID MASK_KINDS notebook_params PARAM_NAMES Params parse_overrides profile_names "
                     "resolve_params",
    "core.runtime": "resolve_device seed_everything",
    "core.paths": "atomic_write atomic_write_text checkpoints_dir display_path figures_dir NOTEBOOKS_DIR output_root "
                  "reports_dir ROOT writable_dir",
    "core.kernels": "cpu_identity machine_identity pin_cpu_kernels PINNED_CPU_KERNELS same_maker",
    "core.show": "note show_table",
    "data.masks": "center_mask check_mask mask_batch",
    "data.pixels": "to_uint8",
    "data.photos": "DEFAULT_MAX_PIXELS Photo PhotoError read_image read_mask read_photo save_photo",
    "data.photo_corpus": "build_corpus corpus_photos",
    "data.cats": "CatDataset load_cats load_images open_image sample_data_path seed_transform split_summary "
                 "SplitImages to_rgb",
    "data.heldout": "heldout_corpus_images heldout_images",
    "networks.gan": "ContextDiscriminator count_parameters Discriminator Generator hole_crops "
                    "make_discriminator make_generator PatchDiscriminator",
    "networks.losses": "AdversarialLoss CRITERIA diff_augment GeneratorLoss HingeLoss PSNR_CAP reconstruction_loss",
    "networks.checkpoints": "load_checkpoint read_checkpoint",
    "fills.classical": "BASELINES CLASSICAL",
    "fills.learned": "generator_fill",
    "fills.composite": "inpaint",
    "fills.detail": "residual_aggregation",
    "fills.release_model": "load_release ReleaseModel",
    "evaluation.metrics": "FID image_metrics LPIPS Metric METRICS perceptual_metric_set PERCEPTUAL_MODES "
                          "perceptual_weights PixelMetrics",
    "evaluation.realism": "C2ST gradient_magnitude REALISM_COLUMNS realism_metric_set Sharpness",
    "evaluation.stats": "paired_bootstrap",
    "evaluation.describe": "describe_realism describe_seed_spread describe_winners difference_between "
                           "paired_difference",
    "evaluation.evaluate": "compare_methods evaluate evaluate_run perceptual_metrics results_table seed_comparison "
                           "SEED_REPORTED UNTRAINED untrained_generator",
    "evaluation.tables": "load_per_image load_results read_spread read_table save_table",
    "training.step": "build_models make_step",
    "training.loop": "RunResult train_gan",
    "study.seed_runs": "load_trained RUNS SeedRun train_run train_runs training_summary",
    "study.ablation": "ABLATION ablation_params ablation_plan ablation_table describe_ablation evaluation_masks "
                      "train_ablation",
    "study.comparison": "compare results",
    "study.release_recipe": "check_release choose_release export_release train_release_model training_photos",
    "removal.remover": "box_mask check_options make_remover remove_object",
    "removal.brush": "Brush brush_wanted",
    "removal.strokes": "strokes_mask",
    "removal.jobs": "find_inputs plan_jobs prepare_output Refused run_job Settings",
    "report.layers": "layer_table",
    "report.figures": "plot_comparison_grid plot_fill_grid plot_image_sizes plot_inpainted_vs_truth plot_losses "
                      "plot_mask plot_masks plot_progress plot_psnr_distribution plot_removal plot_removal_zoom "
                      "plot_training_pairs save_figure",
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names.split()}
_SUBMODULES = {info.name for info in pkgutil.iter_modules(__path__)}
__all__ = list(_MODULE_OF)

if TYPE_CHECKING:  # for IDEs: the same names, imported eagerly
    from .core.kernels import PINNED_CPU_KERNELS, cpu_identity, machine_identity, pin_cpu_kernels, same_maker
    from .core.paths import (
        NOTEBOOKS_DIR,
        ROOT,
        atomic_write,
        atomic_write_text,
        checkpoints_dir,
        display_path,
        figures_dir,
        output_root,
        reports_dir,
        writable_dir,
    )
    from .core.runtime import resolve_device, seed_everything
    from .core.settings import (
        HUB_ID,
        MASK_KINDS,
        PARAM_NAMES,
        Params,
        notebook_params,
        parse_overrides,
        profile_names,
        resolve_params,
    )
    from .core.show import note, show_table
    from .data.cats import (
        CatDataset,
        SplitImages,
        load_cats,
        load_images,
        open_image,
        sample_data_path,
        seed_transform,
        split_summary,
        to_rgb,
    )
    from .data.heldout import heldout_corpus_images, heldout_images
    from .data.masks import center_mask, check_mask, mask_batch
    from .data.photo_corpus import build_corpus, corpus_photos
    from .data.photos import DEFAULT_MAX_PIXELS, Photo, PhotoError, read_image, read_mask, read_photo, save_photo
    from .data.pixels import to_uint8
    from .evaluation.describe import (
        describe_realism,
        describe_seed_spread,
        describe_winners,
        difference_between,
        paired_difference,
    )
    from .evaluation.evaluate import (
        SEED_REPORTED,
        UNTRAINED,
        compare_methods,
        evaluate,
        evaluate_run,
        perceptual_metrics,
        results_table,
        seed_comparison,
        untrained_generator,
    )
    from .evaluation.metrics import (
        FID,
        LPIPS,
        METRICS,
        PERCEPTUAL_MODES,
        Metric,
        PixelMetrics,
        image_metrics,
        perceptual_metric_set,
        perceptual_weights,
    )
    from .evaluation.realism import C2ST, REALISM_COLUMNS, Sharpness, gradient_magnitude, realism_metric_set
    from .evaluation.stats import paired_bootstrap
    from .evaluation.tables import load_per_image, load_results, read_spread, read_table, save_table
    from .fills.classical import BASELINES, CLASSICAL
    from .fills.composite import inpaint
    from .fills.detail import residual_aggregation
    from .fills.learned import generator_fill
    from .fills.release_model import ReleaseModel, load_release
    from .networks.checkpoints import load_checkpoint, read_checkpoint
    from .networks.gan import (
        ContextDiscriminator,
        Discriminator,
        Generator,
        PatchDiscriminator,
        count_parameters,
        hole_crops,
        make_discriminator,
        make_generator,
    )
    from .networks.losses import CRITERIA, PSNR_CAP, AdversarialLoss, GeneratorLoss, HingeLoss, diff_augment, reconstruction_loss
    from .removal.brush import Brush, brush_wanted
    from .removal.jobs import Refused, Settings, find_inputs, plan_jobs, prepare_output, run_job
    from .removal.remover import box_mask, check_options, make_remover, remove_object
    from .removal.strokes import strokes_mask
    from .report.figures import (
        plot_comparison_grid,
        plot_fill_grid,
        plot_image_sizes,
        plot_inpainted_vs_truth,
        plot_losses,
        plot_mask,
        plot_masks,
        plot_progress,
        plot_psnr_distribution,
        plot_removal,
        plot_removal_zoom,
        plot_training_pairs,
        save_figure,
    )
    from .report.layers import layer_table
    from .study.ablation import (
        ABLATION,
        ablation_params,
        ablation_plan,
        ablation_table,
        describe_ablation,
        evaluation_masks,
        train_ablation,
    )
    from .study.comparison import compare, results
    from .study.release_recipe import check_release, choose_release, export_release, train_release_model, training_photos
    from .study.seed_runs import RUNS, SeedRun, load_trained, train_run, train_runs, training_summary
    from .training.loop import RunResult, train_gan
    from .training.step import build_models, make_step


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found once
    return value


def __dir__():
    return sorted({*globals(), *__all__, *_SUBMODULES})
