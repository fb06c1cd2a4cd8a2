"""Run notebooks 01-07 with papermill for one profile, then export one HTML report.

    python report.py                                  # the offline `sample` profile
    python report.py --profile full                   # the paper's protocol (internet, GPU)
    python report.py --set BCE_EPOCHS=5 --set SEED=1  # any parameter, as in the notebooks

Executed notebooks, report.html and manifest.json go to reports/<run name>/; figures to
figures/<run name>/, checkpoints to checkpoints/<run name>/. Rerunning after an interruption
resumes training from the last complete epoch.
"""

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import nbformat
import papermill

import inpaint_utils as iu
from html_report import export_html

PACKAGES = ("torch", "torchvision", "datasets", "numpy", "pillow", "scikit-image", "opencv-python-headless",
            "torchmetrics", "matplotlib", "pandas", "papermill", "nbconvert")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="sample", help=f"one of {', '.join(iu.profile_names())}")
    parser.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                        help="override a parameter (VALUE is read as YAML: 5, 1e-3, true, text)")
    parser.add_argument("--retrain", action="store_true", help="train again even if finished checkpoints exist")
    return parser.parse_args(argv)


def parse_overrides(pairs: list[str]) -> dict:
    overrides = iu.parse_overrides(pairs)
    if isinstance(overrides.get("DATA"), str) and Path(overrides["DATA"]).expanduser().exists():
        overrides["DATA"] = str(Path(overrides["DATA"]).expanduser().resolve())  # notebooks run elsewhere
    return overrides


def run_notebooks(parameters: dict, out_dir: Path) -> list[Path]:
    """Execute the numbered notebooks in order; stop at the first failure, naming it."""
    # The notebooks' kernel ("python3") starts whichever `python` comes first on PATH: make it ours.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # Progress bars would fill the report; each epoch still prints a line, logged here as it runs.
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.pop("JPY_SESSION_NAME", None)  # run from a notebook's kernel: no one paints notebook 07's brush here
    iu.pin_cpu_kernels()  # the same numbers on AVX-512 and AVX2 CPUs (inpaint_utils/core/kernels.py)
    executed = []
    for notebook in sorted(iu.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        target = out_dir / notebook.name
        print(f"== {notebook.name}", flush=True)
        try:
            papermill.execute_notebook(notebook, target, parameters=parameters, kernel_name="python3",
                                       cwd=str(iu.NOTEBOOKS_DIR), progress_bar=False,
                                       stdout_file=sys.stdout, stderr_file=sys.stderr)
        except papermill.PapermillExecutionError as e:
            raise SystemExit(f"\n{notebook.name} failed in cell In [{e.exec_count}]: {e.ename}: {e.evalue}\n"
                             f"The executed notebook, with the traceback, is {target}") from None
        executed.append(target)
    return executed


def notebook_cpu_capability() -> str:
    """The CPU capability torch picks in a process started as the notebooks' kernels are."""
    probe = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def make_manifest(params: iu.Params, executed: list[Path], started: float) -> dict:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=iu.ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    import torch

    device = iu.resolve_device(params.device)
    manifest = {
        "params": {k.upper(): v for k, v in dataclasses.asdict(params).items()},
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain")),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda"
        else f"{device.type}: {platform.processor() or platform.machine()}",
        "cpu_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # this machine's own
        "cpu": iu.cpu_identity(),
        "cpu_kernels": iu.PINNED_CPU_KERNELS,  # what the notebooks' kernels were started with
        "notebook_cpu_capability": notebook_cpu_capability(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "notebook_seconds": {p.name: round(nbformat.read(p, as_version=4).metadata.papermill.duration, 1)
                             for p in executed},
    }
    return manifest


def explain_changes(out_dir: Path, machine: dict) -> str:
    """Why committed tables may have changed: they were made on another maker's CPU. machine.json,
    written beside them, makes `git status` show that machine next to the tables it changed."""
    try:
        path = (out_dir / "machine.json").resolve().relative_to(iu.ROOT)
        committed = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=iu.ROOT, capture_output=True, text=True,
                                   check=True).stdout
    except (ValueError, OSError, subprocess.CalledProcessError):
        return ""  # not a run whose tables are committed
    made_on = json.loads(committed)
    if made_on.get("torch") == machine["torch"] and iu.same_maker(made_on, machine):
        return ("This machine has the maker, family and torch of the one the committed tables were made on: "
                "they regenerate exactly (tools/check_sample_results.py checks); on a CPU of another capability "
                "notebook 07's figures may differ by one grey level (README, \"What reproduces where\").")
    return (f"The committed tables were made on {made_on.get('model name')} ({made_on.get('vendor')}, torch "
            f"{made_on.get('torch')}); this is {machine.get('model name')} ({machine.get('vendor')}, torch "
            f"{machine['torch']}). Learned rows move with the CPU's maker (README, \"What reproduces where\"), "
            "so `git status` may show changed tables and figures; tools/check_sample_results.py says whether "
            "they agree within the spread over training runs, with the same conclusions.")


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.time()
    try:
        overrides = parse_overrides(args.set)
        if args.retrain:
            overrides["RETRAIN"] = True
        params = iu.resolve_params(args.profile, overrides)
        out_dir = iu.reports_dir(params)
    except (ValueError, PermissionError) as e:
        raise SystemExit(f"error: {e}") from None
    notebooks_dir = iu.writable_dir(out_dir / "notebooks")
    executed = run_notebooks({"PROFILE": args.profile, **overrides}, notebooks_dir)
    manifest = make_manifest(params, executed, started)
    iu.atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    machine = iu.machine_identity()
    iu.atomic_write_text(out_dir / "machine.json", json.dumps(machine, indent=2) + "\n")
    iu.atomic_write_text(out_dir / "report.html", export_html(executed, manifest, out_dir))
    print(f"\nReport: {out_dir / 'report.html'} ({time.time() - started:.0f} s)")
    if explanation := explain_changes(out_dir, machine):
        print(explanation)


if __name__ == "__main__":
    main()
