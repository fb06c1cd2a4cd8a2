"""The package's architecture, as inpaint_utils/__init__.py states it: folders by role, imports that
flow one way, exported names that resolve, and a removal that loads only what filling needs."""

import ast
import subprocess
import sys

import pytest

import inpaint_utils as iu

PACKAGE = iu.ROOT / "inpaint_utils"
# Each folder, and the folders its modules may import from (itself included). Removal stands on the
# fills alone: removing an object must not load training, evaluation or the study.
BELOW = {"core": [], "data": ["core"], "networks": ["core", "data"], "fills": ["core", "data", "networks"]}
BELOW |= {"evaluation": [*BELOW["fills"], "fills"], "removal": [*BELOW["fills"], "fills"]}
BELOW |= {"training": [*BELOW["evaluation"], "evaluation"]}
BELOW |= {"study": [*BELOW["training"], "training"]}
BELOW |= {"report": [*BELOW["study"], "study", "removal"]}
# the top level: thin commands over the folders
COMMANDS = {"remove", "app", "train_release", "train_gate", "train_edges", "corpus"}


def imports_of(path, text=None):
    """The inpaint_utils modules that ``path`` (or ``text`` as if it were there) imports, dotted under the package."""
    tree, here = ast.parse(text or path.read_text()), path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[:-1])[:len(here) - node.level]
            target = base + (node.module.split(".") if node.module else [])
            found |= {".".join(target + [a.name]) if not node.module else ".".join(target) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("inpaint_utils."):
            found.add(node.module.removeprefix("inpaint_utils."))
    return found


def test_every_module_sits_in_a_role_folder_or_is_a_command():
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == COMMANDS
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(BELOW)


@pytest.mark.parametrize("folder", sorted(BELOW))
def test_a_folder_imports_only_the_folders_below_it(folder):
    allowed = {folder, *BELOW[folder]}
    climbing = {f"{path.relative_to(PACKAGE)} imports {target}"
                for path in (PACKAGE / folder).glob("*.py") for target in imports_of(path)
                if target.split(".")[0] not in allowed}
    assert not climbing


def test_the_layer_test_reads_every_form_of_import():
    removal = PACKAGE / "removal" / "remover.py"
    text = ("from ..training.loop import train_gan\nfrom ..fills import detail\nfrom .jobs import Settings\n"
            "from inpaint_utils.study.card import x\nimport numpy\n")
    assert imports_of(removal, text) == {"training.loop", "fills", "removal.jobs", "study.card"}


def test_exported_names_resolve_shadow_no_submodule_and_match_the_type_checking_block():
    assert not set(iu.__all__) & (iu._SUBMODULES | COMMANDS | set(BELOW))
    for name in iu.__all__:
        assert getattr(iu, name) is not None, name
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    eager = {(node.module, a.name) for node in block.body for a in node.names}
    assert eager == {(module, name) for name, module in iu._MODULE_OF.items()}


def test_removing_an_object_with_the_release_model_loads_no_training_evaluation_study_or_pandas():
    code = ("import sys, numpy as np, inpaint_utils as iu\n"
            "image = np.zeros((96, 96, 3), np.uint8); mask = np.zeros((96, 96), bool); mask[40:50, 40:50] = True\n"
            "iu.remove_object(image, mask, iu.make_remover('gan'))\n"
            "print(' '.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=iu.ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    loaded = set(done.stdout.split())
    ours = {m.removeprefix("inpaint_utils.").split(".")[0] for m in loaded if m.startswith("inpaint_utils.")}
    assert "inpaint_utils.fills.release_model" in loaded and ours <= {"core", "data", "networks", "fills", "removal"}
    assert "pandas" not in loaded and "datasets" not in loaded
    # -X importtime's listing: what the package itself costs to import, beside torch (the figure in the README)
    own = [line for line in done.stderr.splitlines() if line.rstrip().endswith(("inpaint_utils", "inpaint_utils.removal"))]
    assert own, done.stderr[-2000:]
