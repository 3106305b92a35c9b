"""The softmax weights' exponential tails: the Gauss-Hermite orders they ask of each axis (fast and precise tiers).

Where logit ``j`` leads, a weight ``w_i`` is about ``e^(l_i - l_j)``: an exponential ``e^(<D, y> + c)``, entire, so
no pole limits a rule, but no polynomial either.  :func:`numeric.expectation.cubature.tensor.switches` sets the rules
by the switches' poles, which lie on the hyperplanes ``l_i = l_j``, and drops a switch whose hyperplane is so far out
that the density is negligible there; the tail of that switch still reaches the Gaussian's mass.  With three
parameters near ``(7.5, 0), (8.5, 0), (8, 0.3)`` every switch was dropped, each axis took the few Gauss-Hermite nodes
of a polynomial, and the answer erred by ``7.5e-9`` (its error figure, ``3.1e-7``, said so).

The tail times the density, ``e^(<D, y> + c - |y|^2 / 2)``, peaks at ``y = D`` with ``e^(|D|^2 / 2 + c)``, the
tail's expectation.  Where ``j`` leads at ``y = D`` (every ``l_k <= l_j`` there), the tail's Gaussian mass lies where
it is an exponential, and it asks along each axis ``k`` for the Gauss-Hermite order that integrates an exponential of
slope ``D_k`` to the digits left once its size is counted
(:func:`numeric.expectation.quadrature.hermite_exponential_orders`).  Where ``j`` does not lead there, the mass is cut
off where another logit takes over: at a switch, whose poles set the rules (or, if it was dropped, whose density was
negligible); such tails are left out, as counting them as exponentials asked for the top order on axes where a
switch's logistic needs a few nodes.
"""

from __future__ import annotations

import numpy as np

from numeric.expectation.integrand import logit_intercepts
from numeric.expectation.quadrature import hermite_exponential_orders
from numeric.expectation.tiers import LN10

__all__ = ["tail_peaks", "tail_orders"]


def tail_peaks(center: np.ndarray, offsets: np.ndarray, move: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The tails ``e^(l_i - l_j)`` whose leader ``j`` leads at their peak ``y = D``: their slopes ``D`` ``(T, r)`` and
    the log of their expectation ``|D|^2 / 2 + c`` ``(T,)``.

    ``move`` allows the reduced points ``center + offsets_i`` to move that far (a reused rule's box): slopes then move
    by at most ``2 move`` and constants by ``2 move (R + move)``, so the log is raised by ``4 move (|D| + R + move)``,
    and a tail is kept unless its peak misses ``j``'s region by more than such a move can make up.
    """
    n = len(offsets)
    intercepts = logit_intercepts(center, offsets)
    slope = offsets[:, None, :] - offsets[None, :, :]  # [i, j]: the tail of w_i where j leads
    shift = intercepts[:, None] - intercepts[None, :]  # l_i - l_j = <slope[i, j], y> + shift[i, j]
    size = np.sqrt(np.einsum("ijr,ijr->ij", slope, slope))
    lead = np.einsum("kjr,ijr->ijk", slope, slope) + shift.T[None, :, :]  # l_k - l_j at y = slope[i, j]
    peak = 0.5 * size**2 + shift
    if move:
        points = center + offsets
        largest = float(np.sqrt(np.max(np.einsum("ij,ij->i", points, points))))
        lead = lead - 2.0 * move * (size.T[None, :, :] + size[:, :, None] + largest + 2.0 * move)
        peak = peak + 4.0 * move * (size + largest + move)
    kept = ~np.eye(n, dtype=bool) & np.all(lead <= 0.0, axis=2)
    return slope[kept], peak[kept]


def tail_orders(center: np.ndarray, offsets: np.ndarray, digits: float, cap: int, slack: np.ndarray) -> np.ndarray:
    """Per reduced axis, the fewest Gauss-Hermite nodes the weights' tails need for ``digits`` (at most ``cap``),
    for every configuration within ``slack`` (per axis) of this one: each slope ``|D_k|`` may grow by
    ``2 slack_k``."""
    r = offsets.shape[1]
    if len(offsets) < 2:
        return np.ones(r, dtype=int)
    slope, peak = tail_peaks(center, offsets, float(np.linalg.norm(slack)))
    needs = digits + peak / LN10
    live = needs >= 1.0
    if not live.any():
        return np.ones(r, dtype=int)
    slopes = np.abs(slope[live]) + 2.0 * slack[None, :]
    return hermite_exponential_orders(needs[live], slopes.T, cap).max(axis=1)
