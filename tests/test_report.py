import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import inpaint_utils as iu
from inpaint_utils.report.summary import TITLE

FIGURES = ["01_image_sizes", "01_mask", "01_training_pairs", "02_bce_losses", "02_bce_progress",
           "02_bce_test_samples", "03_loss_curves", "04_comparison_grid", "04_hole_psnr", "06_masks",
           "06_ablation_grid", "06_release_heldout", "07_astronaut", "07_coffee", "07_rocket"]


def report(root, *args):
    env = {**os.environ, "INPAINT_OUTPUT_ROOT": str(root)}
    return subprocess.run([sys.executable, str(iu.ROOT / "report.py"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def smoke_report(tmp_path_factory):
    """The whole report on the smoke profile, built once for the tests that read it."""
    root = tmp_path_factory.mktemp("smoke-report")
    done = report(root, "--profile", "smoke")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root


def test_report_end_to_end_on_the_smoke_profile(smoke_report):
    tmp_path = smoke_report
    out = tmp_path / "reports" / "smoke"
    html = (out / "report.html").read_text()
    for title in ["1. Data", "2. Baseline", "3. Experiments", "4. Comparison", "5. Conclusions", "6. Beyond the seed",
                  "7. Object removal"]:
        assert title in html
    assert html.count("data:image/png;base64") >= len(FIGURES)  # figures embedded, one page
    for name in ("results", "ablation", "ablation_heldout"):  # the values behind each table's intervals
        assert (out / f"{name}_per_image.csv").stat().st_size > 1000, name
    assert "Traceback" not in html
    for name in FIGURES:
        assert (tmp_path / "figures" / "smoke" / f"{name}.png").stat().st_size > 1000, name
    assert {p.name for p in (tmp_path / "checkpoints" / "smoke").iterdir()} == \
        {f"{r}.pt" for r in iu.RUNS} | {f"ablation-{r}.pt" for r in iu.ABLATION}
    results = (out / "results.csv").read_text()
    for method in ["BCE", "L1", "L2", "Huber", *iu.BASELINES]:
        assert f"\n{method}," in results
    ablation = (out / "ablation.csv").read_text()
    for method in [row.label for row in iu.ABLATION.values()] + list(iu.BASELINES):
        assert f"\n{method}," in ablation
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"]["PROFILE"] == "smoke" and manifest["packages"]["torch"]
    assert manifest["cpu_kernels"] == iu.PINNED_CPU_KERNELS and manifest["notebook_cpu_capability"] == "AVX2"
    for noise in ("URLError", "Name or service", "Errno"):  # a skipped metric is one plain sentence
        assert noise not in html, noise
    assert "Table 2.1. The generator's layers" in html and "Table 2.2. The discriminator's layers" in html
    assert sorted(manifest["notebook_seconds"]) == sorted(p.name for p in iu.NOTEBOOKS_DIR.glob("0*.ipynb"))


def test_report_reads_like_a_paper(smoke_report):
    """Title, credit, abstract and results at a glance, then the notebooks, then the appendix."""
    from bs4 import BeautifulSoup

    html = (smoke_report / "reports" / "smoke" / "report.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    headings = [h.get_text().rstrip("¶").strip() for h in soup.find_all("h1")]
    assert headings[0] == TITLE and soup.title.get_text() == TITLE
    assert headings[1] == "Results at a glance" and headings[2].startswith("1. Data")
    assert headings[-1] == "Appendix: the run" and headings[-2].startswith("7. Object removal")
    text = soup.get_text()
    front = text[:text.index(headings[2])]
    assert "Anna Wang, Jimmy Yang and Philip Chen (University of Waterloo)" in front
    assert "Abstract." in front and "test split is cut from the same photos as its training split" in front
    assert "best learned" in front and "best classical" in front and "95% interval over images" in front
    assert "The shipped model" in front and "BCE_EPOCHS" not in front
    assert text.index("Appendix: the run") > text.index("7. Object removal")
    assert text.index("Contents") > text.index("Results at a glance")  # the contents follow the summary


def test_report_body_has_no_logs_reprs_or_machine_paths(smoke_report):
    html = (smoke_report / "reports" / "smoke" / "report.html").read_text()
    body = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", html)  # embedded figures may spell anything
    for unwanted in ["Epoch [", "DatasetDict", "Params(", "<IPython.", "Styler object", str(smoke_report),
                     str(iu.ROOT), "/root", "/tmp", str(Path.home())]:
        assert unwanted not in body, unwanted
    assert not re.findall(r">\s*-?\d+\.\d{5,}\s*<", body)  # tables are rounded for display
    assert "level within its interval" in body or "interval over images" in body


def test_failing_notebook_stops_the_report_naming_notebook_and_cell(tmp_path):
    done = report(tmp_path, "--profile", "smoke", "--set", f"DATA={tmp_path / 'missing.parquet'}")
    assert done.returncode != 0
    assert "01_data.ipynb failed in cell" in done.stderr and "does not exist" in done.stderr
    run = tmp_path / "reports" / "smoke-DATA=missing.parquet"  # an override runs under its own name
    assert (run / "notebooks" / "01_data.ipynb").exists() and not (run / "notebooks" / "02_baseline_bce.ipynb").exists()
    assert not (tmp_path / "reports" / "smoke").exists()


@pytest.mark.parametrize("args, message", [
    (["--profile", "fast"], "unknown profile 'fast'; valid profiles: full, long, release, release-adv, sample, smoke"),
    (["--set", "EPOCHS=3"], "unknown parameter name 'EPOCHS'; valid names: DATA,"),
])
def test_report_refuses_unknown_profiles_and_parameters_before_running(tmp_path, args, message):
    done = report(tmp_path, *args)
    assert done.returncode != 0 and message in done.stderr
    assert not (tmp_path / "reports").exists()


def test_latex_becomes_mathml_outside_code_spans():
    from html_report import markdown_with_mathml

    out = markdown_with_mathml("A $x_1$ and $$\\frac{a}{b}$$, not `$INPAINT_PROFILE` nor a price of $5 and $6.")
    assert out.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">') == 1
    assert out.count('display="block"') == 1 and "<mfrac>" in out
    assert "`$INPAINT_PROFILE`" in out
