"""The HTML report opened as a reader would, offline, in headless Chromium (Debian's package)."""

import json
import re
import shutil
import subprocess

import pytest
from test_report import smoke_report  # noqa: F401  (the fixture: one smoke report for both files)

import inpaint_utils as iu

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs in the page once it has loaded, and writes what it found into the DOM for --dump-dom.
CHECKS = """<script>
window.addEventListener("load", () => {
  const maths = [...document.querySelectorAll("math")];
  const links = [...document.querySelectorAll("nav#contents a")];
  const out = {
    math: maths.length,
    math_unrendered: maths.filter(m => m.getBoundingClientRect().width === 0).length,
    raw_latex: (document.body.innerText.match(/\\\\(mathbb|frac|lambda)|\\$\\$/g) || []).length,
    toc_links: links.length,
    toc_broken: links.filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1)))).length,
    toc_titles: links.map(a => a.textContent),
    parameter_tables: [...document.querySelectorAll("table")].filter(
      t => (t.querySelector("th") || {}).textContent === "parameter").length,
    images: document.images.length,
    broken_images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length,
    remote: performance.getEntriesByType("resource").map(r => r.name).filter(n => /^https?:/.test(n)),
    colab_text_links: [...document.querySelectorAll("a[href*='colab.research.google.com']")]
      .filter(a => a.textContent.trim() === "Open In Colab").length,
  };
  const pre = document.createElement("pre");
  pre.id = "browser-checks";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def open_in_chromium(html_path, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(html_path.read_text().replace("</body>", CHECKS + "</body>"))
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="browser-checks">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_report_reads_well_offline_in_a_browser(smoke_report, tmp_path):
    checks = open_in_chromium(smoke_report / "reports" / "smoke" / "report.html", tmp_path)
    assert checks["math"] >= 3 and checks["math_unrendered"] == 0 and checks["raw_latex"] == 0
    assert checks["toc_links"] >= 20 and checks["toc_broken"] == 0
    for title in ["Results at a glance", "Appendix: the run", "1. Data", "2.2 Training", "4. Comparison", "6. Beyond the seed"]:
        assert any(t.startswith(title) for t in checks["toc_titles"]), title
    assert checks["parameter_tables"] == 1
    assert checks["images"] >= 10 and checks["broken_images"] == 0
    assert checks["remote"] == [] and checks["colab_text_links"] >= 6


def test_the_readmes_screenshot_command_works_as_written(smoke_report, tmp_path):
    """The README's command, run as CI runs it (as root, where Chromium needs --no-sandbox)."""
    readme = (iu.ROOT / "README.md").read_text()
    command = re.search(r"`(chromium --headless [^`]*?--screenshot[^`]*)`", readme).group(1).split()
    page = smoke_report / "reports" / "smoke" / "report.html"
    command = [CHROMIUM, *command[1:-1], f"--user-data-dir={tmp_path / 'profile'}", page.as_uri()]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and (tmp_path / "screenshot.png").stat().st_size > 10_000, done.stderr[-2000:]
