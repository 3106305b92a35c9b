"""The memory cap of the expectation rules, and the node budgets derived from it.

Every rule evaluates its nodes in chunks, so a chunk's working set (nodes, weights and the integrand's
intermediate arrays or balls) is what occupies memory.  The cap (default 1 GB; ``PROOFS_CHECK_MAX_MEMORY``
in bytes, or with a suffix ``K``, ``M``, ``G``) bounds the whole rule: a rule needing more nodes than
``cap / bytes per node`` is refused before anything is allocated (or, in the fast tier, replaced by
randomized quasi-Monte-Carlo, which fits any cap), so the outcome is one line, never an allocation failure.
"""

from __future__ import annotations

import os
import re

from numeric.config import InputError

__all__ = ["DEFAULT_MAX_MEMORY", "max_memory", "node_bytes", "node_budget", "chunk_nodes", "describe_bytes"]

DEFAULT_MAX_MEMORY = 1 << 30
_SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"(?P<number>\d+(\.\d*)?)\s*(?P<unit>[KMGT]?)I?B?")
#: Nodes per chunk never exceed this (large chunks stop paying once they leave the CPU caches).
MAX_CHUNK = 1 << 14


def max_memory() -> int:
    """The cap in bytes, read from ``PROOFS_CHECK_MAX_MEMORY`` each time (so tests and users can change it)."""
    text = os.environ.get("PROOFS_CHECK_MAX_MEMORY", "").strip()
    if not text:
        return DEFAULT_MAX_MEMORY
    match = _SIZE.fullmatch(text.upper())
    if match is None:
        raise InputError("PROOFS_CHECK_MAX_MEMORY", f"{text!r} is not a size in bytes (e.g. 1073741824, 512M, 2G)")
    value = int(float(match["number"]) * _SUFFIXES[match["unit"]])
    if value < 1 << 20:
        raise InputError("PROOFS_CHECK_MAX_MEMORY", f"{text!r} is below the 1 MiB minimum")
    return value


def node_bytes(outputs: int, rank: int, bits: int | None) -> int:
    """Bytes one node occupies while its chunk is evaluated: doubles (``bits=None``) or balls of ``bits`` bits.

    A node carries its coordinates and weight, the logits, weights and products of the integrand (about
    four numbers per output), so ``(rank + 1 + 4 * outputs)`` numbers; a ball costs its two words of
    Python object plus its limbs.
    """
    numbers = rank + 1 + 4 * outputs
    per_number = 8 if bits is None else 64 + 2 * ((bits + 63) // 64) * 8
    return numbers * per_number


def node_budget(outputs: int, rank: int, bits: int | None) -> int:
    """Most nodes one rule may use under the cap."""
    return max_memory() // node_bytes(outputs, rank, bits)


def chunk_nodes(outputs: int, rank: int, bits: int | None) -> int:
    """Nodes per chunk: at most a sixteenth of the budget, at most :data:`MAX_CHUNK`, at least one."""
    return max(1, min(MAX_CHUNK, node_budget(outputs, rank, bits) // 16))


def describe_bytes(count: float) -> str:
    """``1.5 GiB``-style text."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count:.1f} TiB"
