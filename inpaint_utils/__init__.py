"""GAN image inpainting, reproduced from a student report (see README.md).

The notebooks' API: ``import inpaint_utils as iu``. Each concept has its own module, and imports
flow one way, from the bottom of this list to the top:

- ``comparison``   notebook 04's comparison in one step, saved; read back, or made, by notebook 05
- ``summary``      the report's front matter: abstract and results at a glance, from the run's tables
- ``brush``        notebook 07's brush: paint a mask on your photo, remove, save (an anywidget)
- ``remove``       the object-removal command: ``python -m inpaint_utils.remove --help``
- ``batch``        the command's work: photos paired with masks and outputs, all checked before writing
- ``removal``      object removal on a photo of any size, a crop per hole (notebook 07)
- ``detail``       the photo's own fine texture carried into a fill at full resolution (HiFill's CRA)
- ``photos``       users' photos read as a photographer's files, written back with their metadata
- ``corpus``       the photo corpus: Debian's wallpaper photographs, fetched, checked, split once
- ``train_release`` the command that trains and exports the release model
- ``release``      the release model: its recipe, export, model card and checks (models/release/)
- ``card``         the release model's card as Markdown, the command that retrains it, its validation curve
- ``ablation``     the seed's next steps as options, trained and measured row by row (notebook 06)
- ``figures``      every figure of the report, saved as figures/<run>/<name>.png under the caller's name
- ``training``     the seed's GAN loop, resumable and reproducible; the four runs, trained and loaded
- ``step``         one step of the GAN: G and D with their optimisers, the seed's step and SN-PatchGAN's
- ``evaluation``   metrics on a whole split, every method on the same images, results tables; the
                   held-out check that training runs (``Validation``)
- ``describe``     sentences that compare rows of a table, each difference with its interval
- ``stats``        paired bootstrap intervals over images, for sentences that compare rows
- ``realism``      realism without downloaded weights: sharpness, a classifier two-sample test
- ``metrics``      the metric interface; pixel metrics; LPIPS and FID, with PERCEPTUAL's weights
- ``show``         tables rounded to what the data support, and notes, as the notebooks show them
- ``batches``      training crops: fresh random crops, multi-scale photo crops, synthetic dead leaves
- ``checkpoints``  atomic checkpoints, checked against the run's parameters and architecture
- ``losses``       the seed's criteria, the reconstruction loss, G's weighted loss, SN-PatchGAN's hinge
- ``fills``        hole fills: the generator's and the classical methods; the composite
- ``models``       the seed's Generator and Discriminator, GLCIC's context discriminator, SN-PatchGAN's
- ``data``         the cat data sets, the seed's split, the uint8 image cache, the held-out images
- ``params``       parameters and profiles
- ``kernels``      one family of CPU kernels for the report, the same on every x86 CPU
- ``masks``        the seed's centre mask, random boxes, strokes and blobs, mask checks
- ``paths``        the repository, output folders, atomic writes

Where this code departs from the seed notebook, the docstring says what the seed did and why.
This file holds no logic, only a table of names: ``iu.<name>`` imports its module on first use
(PEP 562), so that ``python -m inpaint_utils.remove`` parses, checks and refuses without loading torch.
"""

import importlib
import pkgutil

_EXPORTS = {  # module: the names the notebooks use as iu.<name>
    "checkpoints": "load_checkpoint read_checkpoint",
    "comparison": "compare results",
    "ablation": "ABLATION ablation_params ablation_plan ablation_table describe_ablation test_masks train_ablation",
    "data": "CatDataset SplitImages heldout_corpus_images heldout_images load_cats load_images open_image sample_data_path seed_transform "
            "split_summary to_rgb to_uint8",
    "describe": "describe_realism describe_seed_spread describe_winners difference_between paired_difference",
    "evaluation": "SEED_REPORTED UNTRAINED compare_methods evaluate evaluate_run load_per_image load_results read_spread read_table "
                  "perceptual_metrics results_table save_table seed_comparison untrained_generator",
    "figures": "plot_comparison_grid plot_fill_grid plot_image_sizes plot_inpainted_vs_truth plot_masks plot_removal plot_removal_zoom "
               "plot_losses plot_mask plot_progress plot_psnr_distribution plot_training_pairs save_figure",
    "fills": "BASELINES CLASSICAL generator_fill inpaint",
    "losses": "CRITERIA AdversarialLoss GeneratorLoss HingeLoss diff_augment reconstruction_loss",
    "masks": "MASK_KINDS center_mask check_mask mask_batch",
    "metrics": "FID LPIPS METRICS PERCEPTUAL_MODES PSNR_CAP Metric PixelMetrics image_metrics perceptual_metric_set "
               "perceptual_weights",
    "realism": "C2ST REALISM_COLUMNS Sharpness gradient_magnitude realism_metric_set",
    "models": "ContextDiscriminator Discriminator Generator PatchDiscriminator count_parameters hole_crops layer_table make_discriminator make_generator",
    "kernels": "PINNED_CPU_KERNELS cpu_identity machine_identity pin_cpu_kernels same_maker",
    "params": "HUB_ID PARAM_NAMES Params notebook_params parse_overrides profile_names resolve_device resolve_params "
              "seed_everything",
    "photos": "DEFAULT_MAX_PIXELS Photo PhotoError read_image read_mask read_photo save_photo",
    "corpus": "build_corpus corpus_photos",
    "detail": "residual_aggregation",
    "release": "ReleaseModel check_release choose_release export_release load_release train_release training_photos",
    "removal": "box_mask check_options make_remover remove_object",
    "batch": "Refused Settings find_inputs plan_jobs prepare_output run_job",
    "brush": "Brush brush_wanted strokes_mask",
    "paths": "NOTEBOOKS_DIR ROOT atomic_write atomic_write_text checkpoints_dir display_path figures_dir output_root "
             "reports_dir writable_dir",
    "show": "note show_table",
    "stats": "paired_bootstrap",
    "step": "build_models make_step",
    "training": "RUNS RunResult SeedRun load_trained train_gan train_run train_runs training_summary",
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names.split()}
_SUBMODULES = {info.name for info in pkgutil.iter_modules(__path__)}
__all__ = list(_MODULE_OF)


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
