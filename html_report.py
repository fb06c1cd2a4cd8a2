"""The one-page HTML report: executed notebooks merged, readable offline in any browser, shaped
like a paper: title, credit and abstract, results at a glance, the notebooks, then an appendix
with the run's parameters and manifest.

nbconvert's lab template hides the code and embeds the figures. On top of it, this module
converts LaTeX to MathML at export (browsers render MathML natively, so no MathJax from a CDN),
adds a table of contents, drops every remote script, and turns remote images (the Colab badges)
into plain text links. What a notebook printed (training logs, progress) stays on the console
that ran it: the report keeps displayed results only, with the machine's paths made relative.
"""

import re
from pathlib import Path
from urllib.parse import quote

import nbformat
from bs4 import BeautifulSoup
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

from inpaint_utils.core.paths import ROOT, output_root
from inpaint_utils.report.summary import TITLE, front_matter

HIDE_OUTPUT_TAG = "report-hide-output"  # cells whose output the report leaves out (the parameters)
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^\s$](?:[^$]*?[^\s$])?)\$", re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
# latex2mathml sets "\log D" as <mi>log</mi><mi>D</mi>, which browsers draw as "logD": add TeX's thin space.
FUNCTION_NAME = re.compile(r"(<mi>(?:log|ln|exp|sin|cos|tan)</mi>)(?=<mi|<mn|<msub|<mrow><mi)")
CONTENTS_HERE = '<div id="contents-here"></div>'  # where the table of contents goes: after the summary
STYLE = """
main { max-width: 80em; margin-left: auto; margin-right: auto; }
.jp-MarkdownCell .jp-InputPrompt { display: none; }  /* no code is shown: text and results share one margin */
math { font-size: 1.2em; }
math[display="block"] { font-size: 1.3em; margin: 0.8em 0; }
.jp-RenderedHTMLCommon table { font-variant-numeric: tabular-nums; font-size: 0.92em; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.3em 0.45em; }
"""


def markdown_with_mathml(source: str) -> str:
    """``$...$`` and ``$$...$$`` in Markdown replaced by MathML; code spans are left alone."""
    def convert(match):
        display, inline = match.groups()
        mathml = latex_to_mathml(display or inline, display="block" if display else "inline")
        return FUNCTION_NAME.sub(r'\1<mspace width="0.167em" />', mathml)

    parts, last = [], 0
    for code in CODE_SPAN.finditer(source):
        parts += [MATH.sub(convert, source[last:code.start()]), code.group(0)]
        last = code.end()
    return "".join(parts + [MATH.sub(convert, source[last:])])


def run_summary(manifest: dict) -> str:
    """Markdown: the run's parameters once, and what the manifest recorded."""
    params = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in manifest["params"].items())
    times = "\n".join(f"| {name} | {seconds} s |" for name, seconds in manifest["notebook_seconds"].items())
    packages = ", ".join(f"{k} {v}" for k, v in manifest["packages"].items())
    commit = (manifest["git_commit"] or "unknown")[:12] + (" (with uncommitted changes)" if manifest["git_dirty"] else "")
    return f"""# Appendix: the run

Profile `{manifest['params']['PROFILE']}`, git commit `{commit}`, on {manifest['device']}
({manifest['cpu_threads']} CPU threads), Python {manifest['python']}. Started {manifest['started']},
ended {manifest['ended']}: {manifest['seconds']} s in all.

Packages: {packages}.

| notebook | time |
|---|---|
{times}

| parameter | value |
|---|---|
{params}
"""


def relative_paths(text: str) -> str:
    """``text`` without the machine's absolute paths: the output root and the repository become
    relative, the home folder ``~``. A safety net; the notebooks show relative paths already."""
    roots = {str(output_root()): "", str(ROOT): "", str(Path.home()): "~"}
    for root in sorted(roots, key=len, reverse=True):
        if len(root) > 1:
            text = text.replace(root + "/", roots[root] and roots[root] + "/")
            text = re.sub(re.escape(root) + r"(?![\w-]|\.\w)", roots[root] or ".", text)
    return text


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def report_outputs(cell) -> list:
    """The outputs a reader needs: displayed results and warnings, without what the cell printed
    (training logs, shown on the console as it ran), and with relative paths."""
    kept = [out for out in cell.outputs if (out.output_type != "stream" or out.name == "stderr")
            and WIDGET_VIEW not in out.get("data", {})]  # a widget (a progress bar, the brush) is dead on a page
    for out in kept:
        if out.output_type == "stream":
            out.text = relative_paths(out.text)
        for kind, value in out.get("data", {}).items():
            if kind.startswith("text/") and isinstance(value, str):
                out.data[kind] = relative_paths(value)
    return kept


def export_html(executed: list, manifest: dict, run_dir: Path | None = None) -> str:
    """The executed notebooks as one offline HTML page: the front matter from the tables in
    ``run_dir`` (by default the folder above the executed notebooks), the notebooks, ``manifest``
    in an appendix."""
    run_dir = Path(run_dir or Path(executed[0]).parent.parent)
    head, summary = front_matter(run_dir, manifest["params"], f"run ended {manifest['ended']}")
    merged = nbformat.v4.new_notebook(metadata=nbformat.read(executed[0], as_version=4).metadata)
    merged.metadata.pop("widgets", None)  # else the page fetches a widget manager from the network
    merged.cells += [nbformat.v4.new_markdown_cell(head), nbformat.v4.new_markdown_cell(summary + "\n" + CONTENTS_HERE)]
    for path in executed:
        merged.cells += nbformat.read(path, as_version=4).cells
    merged.cells.append(nbformat.v4.new_markdown_cell(run_summary(manifest)))
    for cell in merged.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_with_mathml(relative_paths(cell.source))
        elif cell.cell_type == "code":
            hidden = HIDE_OUTPUT_TAG in cell.metadata.get("tags", [])
            cell.outputs = [] if hidden else report_outputs(cell)
    merged.cells = [cell for cell in merged.cells if cell.cell_type != "code" or cell.outputs]  # no empty gaps
    for i, cell in enumerate(merged.cells):
        cell.id = f"cell-{i}"  # the notebooks' ids repeat across files
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": TITLE}})
    return offline(html)


def offline(html: str) -> str:
    """No remote scripts or stylesheets; remote images become their alt text; a table of contents."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "link"]):
        if re.match(r"https?://", tag.get("src") or tag.get("href") or ""):
            tag.decompose()
    for img in soup.find_all("img"):
        if re.match(r"https?://", img.get("src", "")):
            img.replace_with(img.get("alt") or "(image)")
    style = soup.new_tag("style")
    style.string = STYLE
    soup.head.append(style)
    nav = soup.new_tag("nav", id="contents", style="font-family: system-ui, sans-serif; font-size: 14px; "
                       "margin: 1em 0; padding: 0 1em")
    nav.append(soup.new_tag("h2"))
    nav.h2.string = "Contents"
    top = soup.new_tag("ul")
    nav.append(top)
    current, title = None, soup.find("h1")
    for heading in soup.find_all(["h1", "h2"]):
        if heading.find_parent("nav") or not heading.get("id") or heading is title:
            continue
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{quote(heading['id'], safe='')}")  # a heading may hold "%" or "#"
        link.string = heading.get_text().rstrip("¶").strip()
        item.append(link)
        if heading.name == "h1":
            top.append(item)
            current = soup.new_tag("ul")
            item.append(current)
        elif current is not None:
            current.append(item)
    place = soup.find(id="contents-here")
    if place:
        place.replace_with(nav)
    else:
        (soup.find("main") or soup.body).insert(0, nav)
    return str(soup)
