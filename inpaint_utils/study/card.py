"""The release model's card as people read it: ``MODEL_CARD.md`` from ``model_card.json``, the
command that trains its model again, and its validation curve. What the card holds, and how the
model is chosen, is ``release_recipe``'s."""

import io
from pathlib import Path

import pandas as pd

from ..core.paths import atomic_write
from ..core.settings import OUTPUT_NEUTRAL, resolve_params

CARD_COLUMNS = {"centre: hole PSNR (dB)": "hole PSNR, centre", "random: hole PSNR (dB)": "hole PSNR, random",
                "random: image SSIM": "SSIM, random", "centre: sharpness": "sharpness", "centre: C2ST acc": "C2ST acc"}


def save_validation_curve(rows: list[dict], prefill: pd.Series, path: Path) -> None:
    """Held-out hole PSNR against training steps, beside its harmonic prefill's (the model before
    training): whether the run was still improving, and on which side of its starting point."""
    import matplotlib.pyplot as plt

    curve = pd.DataFrame(rows).set_index("step")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    curve.plot(ax=ax, marker=".")
    for colour, column in zip(("C0", "C1"), curve.columns):
        ax.axhline(prefill[column], color=colour, linestyle="--", linewidth=1, label=f"harmonic prefill, {column.split(':')[0]}")
    ax.legend(fontsize=8)
    ax.set(xlabel="training step", ylabel="held-out hole PSNR (dB)", title="Release model during training (EMA)")
    ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def _metrics_tables(records: list[dict]) -> str:
    metrics = pd.DataFrame(records).set_index(["images", "method"])
    metrics = metrics[[c for c in CARD_COLUMNS if c in metrics]].rename(columns=CARD_COLUMNS)
    return "\n\n".join(f"**{images.capitalize()}**\n\n{metrics.loc[images].to_markdown(floatfmt='.2f')}"
                        for images in metrics.index.unique("images"))


def _differences_table(rows: list[dict]) -> str:
    if not rows:
        return "(no per-image values)"
    table = pd.DataFrame(rows)
    table["release model minus"] = table["against"]
    table["dB (95% interval)"] = [f"{r.difference:+.2f} ({r.low:+.2f} to {r.high:+.2f})" for r in table.itertuples()]
    return table[["images", "masks", "release model minus", "dB (95% interval)"]].to_markdown(index=False)


def reproduce_command(parameters: dict) -> str:
    """The train_release command that trains a card's model again: its profile, and ``--set`` for each
    value that differs from the profile's and changes results, the number of epochs included."""
    profile, ignored = resolve_params(parameters["PROFILE"]), set(OUTPUT_NEUTRAL) - {"release_epochs"} | {"profile"}
    sets = [f" --set {name}={value}" for name, value in parameters.items()
            if name.lower() not in ignored and getattr(profile, name.lower()) != value]
    return f"python -m inpaint_utils.train_release --profile {parameters['PROFILE']}" + "".join(sets)


def model_card_markdown(card: dict) -> str:
    """The card as Markdown: what the model is, its data, how it was trained and chosen, how it scores."""
    training, machine_, data = card["training"], card["machine"], card["data"]
    rows = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in card["parameters"].items())
    packages = "; ".join(f"`{p['package']}` {p['version']} ({p['licence']})" for p in data.get("packages") or [])
    world, batch = training.get("processes", 1), card["parameters"]["BATCH_SIZE"]
    trained_on = " and ".join(training.get("trained on") or  # cards from before it was recorded: the export's
                              [f"an {machine_['processor']} CPU ({machine_['cpu capability']}, {machine_['threads']} threads)"])
    recipes = ""
    if card.get("recipes"):
        recipes = "\n\n## The two recipes, and which ships\n\n" + f"**Rule** (fixed before the comparison). {card['rule']}\n\n" \
            + f"**Choice: the {card['choice']['recipe']} recipe.** " \
            + f"The adversarial recipe: {card['choice']['adversarial recipe']}.\n"
        for name, recipe in card["recipes"].items():
            t = recipe["training"]
            recipes += (f"\n### {name.capitalize()} recipe ({t['steps']:,} steps, {t['hours']} h)\n\n"
                        f"{_metrics_tables(recipe['metrics'])}\n\n"
                        "Differences with their paired bootstrap intervals over images:\n\n"
                        f"{_differences_table(recipe['differences'])}\n")
    return f"""# Model card: the release inpainter

**What it is.** The seed's generator ({card['generator parameters']:,} parameters), trained to
correct a harmonic fill: the hole of a 64x64 RGB image is first filled by solving Laplace's equation
from its border, and the network adds a correction (its last layer started at zero, so before
training it returned the harmonic fill exactly). Larger photos are filled crop by crop
(`python -m inpaint_utils.remove`). File `{card['model']}`: the EMA of the generator's weights in
half precision, sha256 `{card['sha256']}`.

**Data.** `{data['source']}`: {data['training images']} training photos
({', '.join(data['source photos'] or ['see DATA'])}){'; from the Debian packages ' + packages if packages else ''};
{data['crops']}. It never saw {data['never seen']}. The held-out corpus crops (64, 256 and 1,024
photo pixels shrunk to 64) and the held-out photos are the honest measure; the test split is cut
from training photos.

**Training.** {training['steps']:,} steps ({training['epochs']} checkpointed epochs), global batch
{batch * world} ({world} process{'es' if world > 1 else ''} x {batch}), in {training['hours']} h on
{trained_on}; exported and measured on an {machine_['processor']} CPU ({machine_['cpu capability']},
{machine_['threads']} thread(s)), torch {machine_['torch']}, git commit `{card['git commit']}`;
`{reproduce_command(card['parameters'])}` reproduces it.
`validation.png` beside this card shows held-out hole PSNR during training.

**Limits.** Trained offline on a few dozen photos: it fills 64x64 crops, so large holes are filled
at low resolution and scaled up; a research artefact, not a product.

## Metrics

Means over the images, the same images and masks for every row (notebook 06's): hole PSNR in dB
on the seed's centre hole and on seeded random masks, image SSIM, and the realism measures on the
centre hole (sharpness: 1.0 is as sharp as the photo; C2ST: 50% means a classifier cannot tell the
fill from the photo). "Untrained G" is the seed's generator at initialisation, the floor.

{_metrics_tables(card['metrics'])}

Differences with their paired bootstrap intervals over images:

{_differences_table(card.get('differences', []))}
{recipes}
## Parameters

| parameter | value |
|---|---|
{rows}
"""
