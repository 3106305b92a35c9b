"""Switching the fast tier's choice of rule, for tests that compare one kind of rule with another."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from numeric.expectation.cubature import lines, slabs

#: A size no rule reaches: the kind of rule it gates is never taken.
NEVER = math.inf


@contextmanager
def rule_choice(slab_from: float | None = None, line_from: float | None = None) -> Iterator[None]:
    """Within the block, slab rules for tensor rules above ``slab_from`` nodes, and line rules for rivals above
    ``line_from`` nodes whatever they cost (``None`` keeps a setting, :data:`NEVER` forbids the kind)."""
    original = slabs.SLAB_FROM_NODES, lines.LINE_FROM_NODES, lines.LINE_GAIN
    try:
        if slab_from is not None:
            slabs.SLAB_FROM_NODES = slab_from
        if line_from is not None:
            lines.LINE_FROM_NODES, lines.LINE_GAIN = line_from, (math.inf if line_from < NEVER else lines.LINE_GAIN)
        yield
    finally:
        slabs.SLAB_FROM_NODES, lines.LINE_FROM_NODES, lines.LINE_GAIN = original
