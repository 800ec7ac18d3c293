"""Process-level settings of the native allocator for the CPU samplers and training.

glibc serves an allocation above its mmap threshold (128 KB to start with) with a fresh
mapping, and returns freed memory at the top of the heap to the kernel once it exceeds the trim
threshold. The networks allocate and free activations and attention matrices of 1-8 MB on every
call, so with the defaults a call can spend most of its time in page faults and zeroing fresh
pages: on our 2-vCPU VM the tiny base decoder took 126 ms at batch 1 instead of 15 ms, and the
demo upsampler 2.2 s an image-step instead of 1.35 s. Fixed thresholds (and a 64 MB top pad)
keep that memory in the process and reuse it; allocations above the largest mmap threshold glibc
accepts (32 MB: the upsampler's activations from 3 images a batch on) are taken from the heap too
(no mmap at all). The worker sets the same values (``NativeAllocator`` in the worker).
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 1024 * 1024 * 1024
TOP_PAD = 64 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Sets the thresholds through ``mallopt``; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return all(mallopt(option, value) == 1 for option, value in
               ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD),
                (M_MMAP_MAX, 0)))
