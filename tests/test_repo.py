import json
import re

import pytest
import yaml

import inpaint_utils as iu


def test_notebooks_are_stored_without_outputs_and_have_one_parameters_cell():
    notebooks = sorted(iu.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert [p.name[:3] for p in notebooks] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_"]
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name
        tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, path.name
        names = re.findall(r"^([A-Z][A-Z0-9_]*) =", "".join(tagged[0]["source"]), flags=re.M)
        assert names[0] == "PROFILE" and set(names) <= set(iu.PARAM_NAMES), path.name


def test_environment_yml_installs_the_pip_requirements():
    env = yaml.safe_load((iu.ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-r requirements-dev.txt"] and "pip" in env["dependencies"]
    dev = (iu.ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev


def test_every_profile_resolves():
    for name in iu.profile_names():
        assert iu.resolve_params(name).profile == name


def read_requirements(name: str) -> list[str]:
    lines = (iu.ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip() and not line.startswith("-r")]


def test_the_lock_pins_exactly_what_the_ranges_allow():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in read_requirements("requirements.lock"):
        name, sep, version = line.partition("==")
        assert sep and version and " " not in version, f"not an exact pin: {line!r}"
        pins[canonicalize_name(name)] = version
    for ranges in ("requirements.txt", "requirements-dev.txt"):
        for line in read_requirements(ranges):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} ({ranges}) is missing from requirements.lock: run make lock"
            assert requirement.specifier.contains(pins[name], prereleases=True), \
                f"requirements.lock pins {name}=={pins[name]}, outside {ranges}'s {requirement.specifier}: run make lock"


def test_ci_and_make_install_from_the_lock():
    makefile = (iu.ROOT / "Makefile").read_text()
    assert "-r requirements.lock" in makefile and "$(VENV)/.installed: requirements.lock" in makefile
    assert "make test" in (iu.ROOT / ".ci" / "run").read_text()


def test_every_notebook_hides_its_parameter_table_from_the_report():
    for path in sorted(iu.NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        shown = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).startswith("params = iu.notebook_params")]
        assert len(shown) == 1 and "report-hide-output" in shown[0]["metadata"].get("tags", []), path.name


def setup_cell(path) -> str:
    return "".join(json.loads(path.read_text())["cells"][1]["source"])


def test_the_repository_address_is_the_same_everywhere():
    import tomllib

    url = tomllib.loads((iu.ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    owner_name = url.removeprefix("https://github.com/")
    for page in ("README.md", "docs/reproduction.md"):
        text = (iu.ROOT / page).read_text()
        assert set(re.findall(r"colab\.research\.google\.com/github/([^/]+/[^/]+)/", text)) == {owner_name}, page
    for path in sorted(iu.NOTEBOOKS_DIR.glob("*.ipynb")):
        text = path.read_text()
        assert set(re.findall(r"colab\.research\.google\.com/github/([^/]+/[^/]+)/", text)) == {owner_name}, path.name
        assert f'repository = "{url}"' in setup_cell(path), path.name


def test_set_repository_rewrites_every_copy(tmp_path, monkeypatch):
    import shutil
    import subprocess
    import sys

    for name in ("pyproject.toml", "README.md", "docs/reproduction.md", "tools/set_repository.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(iu.ROOT / name, tmp_path / name)
    shutil.copytree(iu.NOTEBOOKS_DIR, tmp_path / "notebooks")
    run = [sys.executable, str(tmp_path / "tools" / "set_repository.py")]
    assert subprocess.run([*run, "github.com/me"], capture_output=True).returncode == 2
    done = subprocess.run([*run, "https://github.com/me/my-fork"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for path in [tmp_path / "pyproject.toml", tmp_path / "README.md", tmp_path / "docs" / "reproduction.md",
                 *(tmp_path / "notebooks").glob("*.ipynb")]:
        assert "OWNER/gan-inpainting" not in path.read_text() and "me/my-fork" in path.read_text(), path.name
    assert 'repository = "https://github.com/me/my-fork"' in setup_cell(tmp_path / "notebooks" / "01_data.ipynb")


def run_setup_cell(monkeypatch, source: str):
    """The setup cell in IPython as if on Colab, its shell commands and %pip recorded, not run."""
    import sys
    import types

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(shell, "system", lambda command: calls.append(shell.var_expand(command)))
    monkeypatch.setattr(shell, "run_line_magic", lambda name, line, *a, **k: calls.append(f"%{name} {line}"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return shell.run_cell(source), calls


@pytest.mark.filterwarnings("ignore:To exit")
def test_setup_cell_on_colab_without_an_address_stops_with_one_sentence(monkeypatch):
    result, calls = run_setup_cell(monkeypatch, setup_cell(iu.NOTEBOOKS_DIR / "01_data.ipynb"))
    assert isinstance(result.error_in_exec, SystemExit) and calls == []
    assert str(result.error_in_exec) == "Set repository in this cell to the project's GitHub address, then run it again."


def test_setup_cell_on_colab_clones_and_installs_the_address(monkeypatch):
    source = setup_cell(iu.NOTEBOOKS_DIR / "01_data.ipynb").replace("OWNER/gan-inpainting", "me/my-fork")
    result, calls = run_setup_cell(monkeypatch, source)
    assert result.success
    assert calls == ["test -d /content/gan-inpainting || git clone -q --depth 1 https://github.com/me/my-fork "
                     "/content/gan-inpainting", "%pip install -q -e /content/gan-inpainting"]


def test_every_relative_link_of_the_readme_and_docs_resolves():
    pages = [iu.ROOT / "README.md", *sorted((iu.ROOT / "docs").glob("*.md"))]
    assert len(pages) >= 8 and len((iu.ROOT / "README.md").read_text().splitlines()) <= 200  # a front page
    broken = [f"{page.name}: {url}" for page in pages
              for url in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", page.read_text())
              if not url.startswith(("http", "mailto")) and not (page.parent / url).exists()]
    assert not broken
