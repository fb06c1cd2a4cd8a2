"""Write this repository's GitHub address everywhere it appears, from one command.

    python tools/set_repository.py https://github.com/<you>/<repo>

The address lives in pyproject.toml ([project.urls] Repository). Copies of it sit where a file
cannot read pyproject.toml: the README's Colab links, and each notebook's badge and setup cell,
which clones the project on Colab before anything is installed. This rewrites them all;
tests/test_repo.py checks that they agree.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"https://github\.com/([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)/?$")


def repository() -> str:
    """``owner/name`` of the address in pyproject.toml."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    return ADDRESS.match(url).group(1)


def files() -> list[Path]:
    """Every file that holds a copy of the address."""
    return [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "docs" / "reproduction.md",
            *sorted((ROOT / "notebooks").glob("*.ipynb"))]


def main(argv: list[str]) -> int:
    match = ADDRESS.match(argv[0]) if len(argv) == 1 else None
    if not match:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    old, new = repository(), match.group(1)
    for path in files():
        text = path.read_text()
        path.write_text(text.replace(f"github.com/{old}", f"github.com/{new}")
                        .replace(f"colab.research.google.com/github/{old}/", f"colab.research.google.com/github/{new}/"))
    print(f"github.com/{old} -> github.com/{new} in {len(files())} files; commit and push them")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
