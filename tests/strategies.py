"""Hypothesis strategies for configurations (decimal strings, as the command line takes them)."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["coordinate", "configurations", "line_configurations"]

coordinate = st.decimals(min_value=-3, max_value=3, places=3, allow_nan=False, allow_infinity=False).map(str)


@st.composite
def configurations(draw, max_n: int = 4, max_d: int = 3, element=coordinate):
    """``n`` parameters in ``R^d`` as decimal strings."""
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    return [[draw(element) for _ in range(d)] for _ in range(n)]


@st.composite
def line_configurations(draw, max_n: int = 4, element=coordinate):
    """Parameters on one line through the origin, in ``d = 1``."""
    n = draw(st.integers(1, max_n))
    return [[draw(element)] for _ in range(n)]
