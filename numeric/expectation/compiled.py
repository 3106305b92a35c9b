"""Compiled loops (numba): one way to compile a kernel, cached on disk where a cache can be written.

Kernels here are plain Python functions over float and integer arrays, compiled for one signature each (so they
are compiled once, on first use) and runnable uncompiled, which their tests do to check the compiled code repeats
them.  numba is imported only when a kernel is first needed: compiling takes seconds, loading a kernel from the
cache half a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile_kernel"]


def compile_kernel(function: Callable, signature: Callable[[Any], Any]) -> Callable:
    """``function`` compiled (nopython, releasing the GIL) for the signature ``signature(numba)`` returns.

    Cached on disk; where numba finds nowhere to write its cache (a read-only install without a home) it raises at
    decoration, and the kernel is compiled in each process instead."""
    import numba

    types = signature(numba)
    try:
        return numba.njit(types, cache=True, nogil=True)(function)
    except RuntimeError:
        return numba.njit(types, nogil=True)(function)
