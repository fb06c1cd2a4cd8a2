import json
import re

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
