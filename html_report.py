"""The one-page HTML report: executed notebooks merged, readable offline in any browser.

nbconvert's lab template hides the code and embeds the figures. On top of it, this module
converts LaTeX to MathML at export (browsers render MathML natively, so no MathJax from a CDN),
puts the run's parameters and manifest once at the top, adds a table of contents, drops every
remote script, and turns remote images (the Colab badges) into plain text links.
"""

import re

import nbformat
from bs4 import BeautifulSoup
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

HIDE_OUTPUT_TAG = "report-hide-output"  # cells whose output the report leaves out (the parameters)
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^\s$](?:[^$]*?[^\s$])?)\$", re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def markdown_with_mathml(source: str) -> str:
    """``$...$`` and ``$$...$$`` in Markdown replaced by MathML; code spans are left alone."""
    def convert(match):
        display, inline = match.groups()
        return latex_to_mathml(display or inline, display="block" if display else "inline")

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
    return f"""# The run

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


def export_html(executed: list, manifest: dict) -> str:
    """The executed notebooks as one offline HTML page, with ``manifest`` at the top."""
    merged = nbformat.v4.new_notebook(metadata=nbformat.read(executed[0], as_version=4).metadata)
    merged.cells.append(nbformat.v4.new_markdown_cell(run_summary(manifest)))
    for path in executed:
        merged.cells += nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(merged.cells):
        cell.id = f"cell-{i}"  # the notebooks' ids repeat across files
        if cell.cell_type == "markdown":
            cell.source = markdown_with_mathml(cell.source)
        elif HIDE_OUTPUT_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(merged)
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
    nav = soup.new_tag("nav", id="contents", style="font-family: system-ui, sans-serif; font-size: 14px; "
                       "max-width: 60em; margin: 1em auto; padding: 0 2em")
    nav.append(soup.new_tag("h2"))
    nav.h2.string = "Contents"
    top = soup.new_tag("ul")
    nav.append(top)
    current = None
    for heading in soup.find_all(["h1", "h2"]):
        if heading.find_parent("nav") or not heading.get("id"):
            continue
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text().rstrip("¶").strip()
        item.append(link)
        if heading.name == "h1":
            top.append(item)
            current = soup.new_tag("ul")
            item.append(current)
        elif current is not None:
            current.append(item)
    main = soup.find("main") or soup.body
    main.insert(0, nav)
    return str(soup)
