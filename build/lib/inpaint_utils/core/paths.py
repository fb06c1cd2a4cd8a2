"""Where things live: the repository, the output root, each run's folders; atomic writes.

Everything a run writes goes under ``output_root()`` (the repository, or $INPAINT_OUTPUT_ROOT),
in folders named after the run, and every file is written to a temporary name first and then
renamed, so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import typing
from pathlib import Path

if typing.TYPE_CHECKING:
    from .settings import Params

ROOT = Path(__file__).resolve().parents[2]
PROFILES_DIR = ROOT / "profiles"
NOTEBOOKS_DIR = ROOT / "notebooks"


def output_root() -> Path:
    """Where data caches and outputs go: the repository, or $INPAINT_OUTPUT_ROOT."""
    return Path(os.environ.get("INPAINT_OUTPUT_ROOT", ROOT))


def display_path(path) -> str:
    """``path`` as a reader should see it: relative to the output root or the repository, else
    under ``~``; the machine's absolute paths stay out of notebooks and the report."""
    path = Path(path).expanduser().absolute()
    for base, shown in ((output_root(), ""), (ROOT, ""), (Path.home(), "~/")):
        if path.is_relative_to(base.absolute()):
            return shown + str(path.relative_to(base.absolute())) if path != base.absolute() else shown or "."
    return str(path)


def writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise PermissionError(
            f"cannot write to {path} ({e.strerror or e}); point INPAINT_OUTPUT_ROOT "
            "(or CHECKPOINT_DIR, for checkpoints) at a writable folder") from e
    return path


def figures_dir(params: Params) -> Path:
    return writable_dir(output_root() / "figures" / params.name)


def reports_dir(params: Params, create: bool = True) -> Path:
    """The run's reports folder; ``create=False`` only names it, to read from."""
    path = output_root() / "reports" / params.name
    return writable_dir(path) if create else path


def checkpoints_dir(params: Params) -> Path:
    return writable_dir(Path(params.checkpoint_dir) if params.checkpoint_dir
                        else output_root() / "checkpoints" / params.name)


def atomic_write(path: Path, write, check_folder: bool = True) -> None:
    """``write(binary file)`` into ``.<name>.<pid>.tmp`` beside ``path``, flushed to disk, then
    renamed over ``path``: readers see the old file or the new one, never half of one.
    ``check_folder`` first makes the folder and checks it, with advice meant for the project's
    outputs; the removal command checks its own output folder once instead."""
    path = Path(path)
    if check_folder:
        writable_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_save(obj, path: Path) -> None:
    """torch.save ``obj`` to ``path`` atomically. Torch loads here, not on import: the removal
    command's checks use this module and refuse in a fraction of a second without it."""
    import torch

    atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
