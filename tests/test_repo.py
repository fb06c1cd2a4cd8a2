import json
import re

import yaml

import inpaint_utils as iu


def test_notebooks_are_stored_without_outputs_and_have_one_parameters_cell():
    notebooks = sorted(iu.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert [p.name[:3] for p in notebooks] == ["01_", "02_", "03_", "04_", "05_", "06_"]
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
