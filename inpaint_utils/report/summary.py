"""The report's front matter: title, credit, abstract and results at a glance, from the run's tables.

Every number here is read from the tables a run wrote (reports/<run>/results.csv, ablation.csv,
ablation_heldout.csv, and the per-image values behind them) and from the shipped model's card,
so the summary can never disagree with the notebooks it sits above. A table the run did not
write is left out, with a sentence saying so.
"""

import json
from pathlib import Path

import pandas as pd

from ..core.settings import HUB_ID
from ..data.cats import SAMPLE_PHOTOS
from ..data.heldout import HELDOUT_PHOTOS
from ..evaluation.describe import (
    describe_realism,
    describe_seed_spread,
    difference_between,
    leader_text,
)
from ..evaluation.realism import REALISM_COLUMNS
from ..evaluation.stats import LEVEL, RESAMPLES
from ..evaluation.tables import read_spread, read_table
from ..fills.release_model import CARD_JSON, RELEASE_DIR
from ..study.ablation import mask_set

TITLE = "Object removal and inpainting with a generative adversarial network, reproduced"
ORIGINAL = "Object Removal and Inpainting using Generative Adversarial Network"  # the seed's own title
AUTHORS = "Anna Wang, Jimmy Yang and Philip Chen (University of Waterloo)"
SEED_SPREAD = "python -m benchmarks.seed_spread --table results"  # writes results_seeds
RELEASE_LABEL = "Release model"  # the row notebook 06 adds for the shipped model starts with this
SAMPLE_TRAINING_PHOTOS = [name for name, (label, _) in SAMPLE_PHOTOS.items() if label == 0]


def read_tables(run_dir: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame | None]]:
    """{name: (table, its per-image values or None)} for each table the run wrote."""
    tables = {name: saved for name in ("results", "ablation", "ablation_heldout")
              if (saved := read_table(run_dir, name)) is not None}
    if (spread := read_spread(run_dir, "results")) is not None:
        tables["results_seeds"] = (spread, None)
    return tables


def read_card(path: Path = RELEASE_DIR / CARD_JSON) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def data_sentence(data: str, held_out: int | None) -> str:
    """What the images are, said plainly: the sample's test split shares photos with training."""
    heldout = (f"{held_out} crops of {len(HELDOUT_PHOTOS)} other photos" if held_out
               else f"crops of {len(HELDOUT_PHOTOS)} other photos")
    if data == "sample":
        return (f"This run uses the offline sample data: crops of {len(SAMPLE_TRAINING_PHOTOS)} photos that "
                f"scikit-image bundles ({', '.join(SAMPLE_TRAINING_PHOTOS)}), not the hub's cats. Its test split "
                "is cut from the same photos as its training split, so test-split numbers flatter the learned "
                f"models; the held-out photos ({heldout}, from which no training image was cut) are the "
                "honest measure offline.")
    source = "the hub's cats (`microsoft/cats_vs_dogs`), as the seed" if data == HUB_ID else f"`DATA = {data}`"
    return (f"This run uses {source}. The held-out photos ({heldout}, from another source) measure "
            "whether what the models learnt carries over.")


def best_versus_classical(table: pd.DataFrame, per_image: pd.DataFrame | None, masks: str | None,
                          learned_kind: str = "learned") -> str:
    """The best learned row against the best classical one, by hole PSNR, with its interval;
    ``masks``: the mask set of an ablation table, None for the results table."""
    if masks:
        table, per_image = mask_set(table, per_image, masks)
    learned, classical = (table[table["kind"] == kind]["hole_psnr"] for kind in (learned_kind, "baseline"))
    a, b = learned.idxmax(), classical.idxmax()
    difference = difference_between(per_image, a, b, "hole_psnr", table["hole_psnr"], " dB")
    peers = leader_text(per_image, a, learned.drop(a).sort_values(ascending=False).index, "hole_psnr", "learned row")
    return (f"best learned **{a}** {learned[a]:.2f} dB{peers}, best classical **{b}** {classical[b]:.2f} dB: "
            f"{difference}")


def glance_table(tables: dict) -> pd.DataFrame:
    """The shipped model, the other learned rows' best, every classical method and the untrained
    generator, on both image sets: hole PSNR for both mask sets, then the realism columns."""
    columns = {"centre: hole PSNR (dB)": "centre PSNR (dB)", "random: hole PSNR (dB)": "random PSNR (dB)",
               "centre: sharpness": "sharpness", "centre: C2ST acc": "C2ST acc"}
    parts = {}
    for name, split in (("ablation", "test split"), ("ablation_heldout", "held-out photos")):
        if name in tables:
            table = tables[name][0]
            parts[split] = table[[c for c in columns if c in table]].rename(columns=columns)
    if not parts:
        return pd.DataFrame()
    first = tables["ablation" if "ablation" in tables else "ablation_heldout"][0]
    learned = first[first["kind"] == "learned"]
    release = [m for m in learned.index if m.startswith(RELEASE_LABEL)]
    others = learned.drop(release)["centre: hole PSNR (dB)"]
    rows = release + ([others.idxmax()] if len(others) else []) + \
        list(first.index[first["kind"] == "baseline"]) + list(first.index[first["kind"] == "untrained"])
    return pd.concat(parts, axis=1).reindex(rows).rename_axis("method")


# The removal benchmark's result (docs/removal.md, `python -m benchmarks.removal_realism`, 45 minutes):
# measured once on the photo corpus, not by the report's notebooks, so it is the same for every profile.
REMOVAL = ("Objects are removed from photos at full resolution (notebook 07, a command and a local web page) by "
           "PatchMatch, chosen by a rule written before the comparison: on 126 holes in 6 held-out photos, a "
           "classifier trained from scratch to spot fills calls its fills filled 34% of the time, the untouched "
           "photo 25% and the shipped model's 90%, and its hole PSNR is level with the best (every paired interval "
           "holds 0) "
           "([the table](../../docs/removal.md#realism-at-100-the-learned-stage-and-the-default)).")


def abstract(data: str, tables: dict) -> str:
    heldout = tables.get("ablation_heldout", (None, None))[1]
    count = heldout["image"].nunique() if heldout is not None else None
    headline = ""
    if "ablation_heldout" in tables:
        headline = (" On the held-out photos, with the seed's centre hole, "
                    + best_versus_classical(*tables["ablation_heldout"], "centre") + ".")
    return (f"We reproduce the student report *{ORIGINAL}* by {AUTHORS}. "
            "A DCGAN-style generator fills a 20x20 hole in the centre of 64x64 cat "
            "photos, trained adversarially with binary cross-entropy, then with L1, L2 and Huber criteria. "
            "Every model is measured on every test image against classical inpainting methods; the seed's "
            "own next steps (a pixel loss, a local discriminator, random masks, a pre-filled hole) are built "
            "and measured in an ablation, and a longer-trained model ships with the repository. "
            f"{data_sentence(data, count)}{headline} {REMOVAL}")


def results_at_a_glance(tables: dict, card: dict | None, run: str) -> str:
    """Markdown: best learned against best classical on each image set and mask set, the seed's four
    GANs, the shipped model and its table, and the realism sentence on the held-out photos."""
    lines = [f"Read from this run's tables (`reports/{run}/`) and the shipped model's card "
             f"(`models/release/{CARD_JSON}`). Intervals are {LEVEL:.0%} paired bootstrap intervals of a "
             f"difference over images ({RESAMPLES:,} resamples); where one holds 0 the two rows are level.", ""]
    for name, what in (("ablation", "Test split"), ("ablation_heldout", "Held-out photos")):
        if name not in tables:
            lines.append(f"- **{what}**: this run wrote no `{name}.csv` (notebook 06).")
            continue
        table, per_image = tables[name]
        images = f" ({per_image['image'].nunique()} images)" if per_image is not None else ""
        for masks, hole in (("centre", "the seed's centre hole"), ("random", "random masks")):
            lines.append(f"- **{what}**{images}, {hole}: {best_versus_classical(table, per_image, masks)}.")
    if "results" in tables:
        lines.append("- **The seed's four GANs** (notebooks 2 to 4; test split, centre hole): "
                     + best_versus_classical(*tables["results"], None, learned_kind="GAN") + ". "
                     + describe_seed_spread(tables.get("results_seeds", (None,))[0], SEED_SPREAD))
    if card:
        training, data = card["training"], card["data"]
        photos = f" of {len(data['source photos'])} photos" if data.get("source photos") else ""
        lines.append(f"- **The shipped model** (`models/release/{card['model']}`, sha256 {card['sha256'][:12]}): "
                     f"{training['steps']:,} steps ({training['hours']} h) on {data['training images']} training "
                     f"images{photos}, {data['crops']}; it never saw {data['never seen']}. Its rows below are "
                     "measured in this run, on this run's images.")
    glance = glance_table(tables)
    if len(glance):
        lines += ["", glance.to_html(float_format="{:.2f}".format, na_rep="–", border=0, index_names=False), ""]
    if "ablation_heldout" in tables:
        centre, per_image = mask_set(*tables["ablation_heldout"], "centre")
        if set(REALISM_COLUMNS) <= set(centre.columns):
            lines.append("**Realism on the held-out photos**, centre hole "
                         + describe_realism(centre[["hole_psnr", *REALISM_COLUMNS]], per_image))
    return "\n".join(lines)


def front_matter(run_dir: Path, params: dict, when: str = "") -> tuple[str, str]:
    """Markdown for the top of the report: (title, credit and abstract; results at a glance)."""
    tables, card = read_tables(run_dir), read_card()
    head = (f"# {TITLE}\n\n*After the report by {AUTHORS}.* Profile `{params['PROFILE']}`"
            f"{', ' + when if when else ''}.\n\n**Abstract.** {abstract(params['DATA'], tables)}\n")
    return head, "# Results at a glance\n\n" + results_at_a_glance(tables, card, run_dir.name) + "\n"
