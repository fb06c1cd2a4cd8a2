"""One family of CPU kernels for the report, so that its numbers are the same on every x86 CPU.

PyTorch picks its CPU kernels by the processor's vector instructions: ATen's vectorised loops,
oneDNN's convolutions and MKL's matrix products each round differently on AVX-512 and on AVX2.
GAN training amplifies one rounding difference: on the sample profile, an AVX2-only CPU moved a
learned row's hole PSNR by 2.2 dB and reordered the paper's four losses. ``report.py`` starts its
notebook kernels with the variables below, so AVX-512 and AVX2 machines run the same AVX2 kernels,
and CPUs with bf16 instructions don't use them (the report trains in fp32). This module imports
no torch: the variables must be in a process's environment before torch loads.
"""

import os

PINNED_CPU_KERNELS = {
    "ATEN_CPU_CAPABILITY": "avx2",  # ATen's vectorised loops
    "ONEDNN_MAX_CPU_ISA": "AVX2",   # oneDNN's convolutions
    "MKL_CBWR": "AVX2",             # MKL's conditional numerical reproducibility: one code path
}


def pin_cpu_kernels(environ=os.environ) -> dict:
    """Set the variables for processes started from now on (not this one: its torch has loaded)."""
    environ.update(PINNED_CPU_KERNELS)
    return dict(PINNED_CPU_KERNELS)
