"""One family of CPU kernels for the report, and the identity of the CPU that ran them.

PyTorch picks its CPU kernels by the processor's vector instructions: ATen's vectorised loops,
oneDNN's convolutions and MKL's matrix products each round differently on AVX-512 and on AVX2.
GAN training amplifies one rounding difference: on the sample profile, an AVX2-only CPU moved a
learned row's hole PSNR by 2.2 dB and reordered the paper's four losses. ``report.py`` starts its
notebook kernels with the variables below, so AVX-512 and AVX2 machines run the same AVX2 kernels,
and CPUs with bf16 instructions don't use them (the report trains in fp32).

Pinning fixes the instruction set, not the result: on an Intel Xeon the same pinned kernels still
moved learned rows by up to 1.5 dB (issue 36), since oneDNN and MKL also choose code paths by the
CPU's maker. So an exact comparison is keyed on ``cpu_identity()`` (maker and family) as well as
torch's version. This module imports no torch: the variables must be set before torch loads.
"""

import os
import platform
from pathlib import Path

PINNED_CPU_KERNELS = {
    "ATEN_CPU_CAPABILITY": "avx2",  # ATen's vectorised loops
    "ONEDNN_MAX_CPU_ISA": "AVX2",   # oneDNN's convolutions
    "MKL_CBWR": "AVX2",             # MKL's conditional numerical reproducibility: one code path
}


def pin_cpu_kernels(environ=os.environ) -> dict:
    """Set the variables for processes started from now on (not this one: its torch has loaded)."""
    environ.update(PINNED_CPU_KERNELS)
    return dict(PINNED_CPU_KERNELS)


def cpu_identity(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict:
    """The CPU's maker, family and model as the kernel reports them (``vendor`` e.g. AuthenticAMD or
    GenuineIntel); only ``platform``'s word where /proc/cpuinfo is missing (not Linux)."""
    fields = {"vendor_id": "vendor", "cpu family": "family", "model": "model", "model name": "model name"}
    identity = {"vendor": platform.processor() or platform.machine()}
    try:
        lines = cpuinfo.read_text().split("\n\n")[0].splitlines()  # the first processor's block
    except OSError:
        return identity
    for line in lines:
        key, _, value = (part.strip() for part in line.partition(":"))
        if key in fields:
            identity[fields[key]] = value
    return identity


def same_maker(a: dict, b: dict) -> bool:
    """Whether two ``cpu_identity`` records name the same maker and family: the key under which
    kernels that are pinned to one instruction set gave the same bits (measured: README, "What
    reproduces where")."""
    return all(a.get(key) == b.get(key) for key in ("vendor", "family"))


def machine_identity() -> dict:
    """What a CPU run's bits depend on: torch's version, the capability it picked, and the CPU's
    maker, family and model. Loads torch: call it after ``pin_cpu_kernels`` where that matters."""
    import torch

    return {"torch": torch.__version__.split("+")[0], "capability": torch.backends.cpu.get_cpu_capability(),
            **cpu_identity()}
