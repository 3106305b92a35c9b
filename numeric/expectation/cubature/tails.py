"""The softmax weights' exponential tails: the Gauss-Hermite orders they ask of each axis (fast and precise tiers).

Where logit ``j`` leads, a weight ``w_i`` is about ``e^(l_i - l_j)``: an exponential ``e^(<D, y> + c)``, entire, so
no pole limits a rule, but no polynomial either.  :func:`numeric.expectation.cubature.tensor.switches` sets the rules
by the switches' poles, which lie on the hyperplanes ``l_i = l_j``, and drops a switch whose hyperplane is so far out
that the density is negligible there; the tail of that switch still reaches the Gaussian's mass.  With three
parameters near ``(7.5, 0), (8.5, 0), (8, 0.3)`` every switch was dropped, each axis took the few Gauss-Hermite nodes
of a polynomial, and the answer erred by ``7.5e-9`` (its error figure, ``3.1e-7``, said so).

The weights are rational in the tails of the leader (``w_i = t_i / (1 + T)``, ``T`` their sum), so the outputs hold
the tails and their products, monomials ``prod_l t_l^(a_l)``: exponentials ``e^(<Y, y> + C)`` with
``Y = sum_l a_l D_l``.  One times the density peaks at ``y = Y`` with ``e^(|Y|^2 / 2 + C)``, its expectation.  Where
``j`` leads at ``y = Y`` (no ``l_k`` above ``l_j`` by more than :data:`LEAD_MARGIN` there), the monomial's Gaussian
mass lies where it is an exponential, and it asks along each axis ``k`` for the Gauss-Hermite order that integrates
an exponential of slope ``Y_k`` to the digits left once its size (times its multinomial coefficient) is counted
(:func:`numeric.expectation.quadrature.hermite_exponential_orders`).  Where ``j`` does not lead there, the mass is cut
off where another logit takes over: at a switch, whose poles set the rules (or, if it was dropped, whose density was
negligible); such monomials are left out, as counting them as exponentials asked for the top order on axes where a
switch's logistic needs a few nodes.  Degrees 1 and 2 are counted (:data:`TAIL_DEGREES`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from numeric.expectation.integrand import logit_intercepts
from numeric.expectation.quadrature import hermite_exponential_orders
from numeric.expectation.tiers import LN10

__all__ = ["Tails", "tails_of", "tail_peaks"]


#: Degrees of the tails' monomials counted.  Degree 1 alone left 19 of 13,645 random 2-D configurations with estimates
#: up to 24 times the fast tier's target (errors up to 1e-10); degree 2 brought those to 0.04 of it for 15-25% more
#: nodes, and degree 3 asked for 20-40% more again for no better estimate (the bounds of the alternating series'
#: higher terms do not cancel as the terms do).
TAIL_DEGREES = 2


#: A monomial counts for leader ``j`` where no logit leads ``j`` by more than this at its peak: where two logits nearly
#: tie, each leads at the other's tails' peaks, and with no margin such tails counted for neither (three parameters
#: near ``(7.24, 0)`` then took 4 Gauss-Hermite nodes and erred by ``6.5e-10``).  Beyond it the peak lies across a
#: switch, whose poles set the rules.
LEAD_MARGIN = 3.0


def tail_peaks(center: np.ndarray, offsets: np.ndarray, move: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The monomials of degree 1 to :data:`TAIL_DEGREES` in the tails ``t_l = e^(l_l - l_j)`` of each leader ``j``
    that ``j`` leads (within :data:`LEAD_MARGIN`) at their peak ``y = Y = sum_l a_l D_l``: their slopes ``Y``
    ``(P, r)`` and the log of their expectation times their multinomial coefficient,
    ``|Y|^2 / 2 + sum_l a_l c_l + log (k! / prod_l a_l!)`` ``(P,)``.

    ``move`` allows the reduced points ``center + offsets_i`` to move that far (a reused rule's box): slopes then move
    by at most ``2 move`` and constants by ``2 move (R + move)``, so a monomial of degree ``k`` has its log raised by
    ``4 k^2 move (D + R + move)`` (``D`` the largest ``|D|``) and is kept unless its peak misses ``j``'s region by
    more than ``2 k move (2 D + R + 2 move)``.
    """
    n, r = offsets.shape
    intercepts = logit_intercepts(center, offsets)
    slope = offsets[:, None, :] - offsets[None, :, :]  # [i, j]: l_i - l_j = <slope[i, j], y> + shift[i, j]
    shift = intercepts[:, None] - intercepts[None, :]
    powers, log_counts, degrees = _monomials(n)  # powers[j]: the monomials in the tails of leader j, (n, M, n)
    peak_at = np.einsum("jmi,ijr->jmr", powers, slope)  # (n, M, r)
    lead = np.einsum("jmr,kjr->jmk", peak_at, slope) + shift.T[:, None, :]  # l_k - l_j at the peak
    value = 0.5 * np.einsum("jmr,jmr->jm", peak_at, peak_at) + np.einsum("jmi,ij->jm", powers, shift) + log_counts
    if move:
        points = center + offsets
        largest = float(np.sqrt(np.max(np.einsum("ij,ij->i", points, points))))
        widest = float(np.sqrt(np.max(np.einsum("ijr,ijr->ij", slope, slope))))
        lead = lead - (2.0 * move * (2.0 * widest + largest + 2.0 * move) * degrees)[None, :, None]
        value = value + 4.0 * move * (widest + largest + move) * degrees**2
    kept = np.all(lead <= LEAD_MARGIN, axis=2)
    return peak_at[kept], value[kept]


@lru_cache(maxsize=16)
def _monomials(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each leader ``j`` of ``n`` logits, the exponents of every monomial of degree 1 to :data:`TAIL_DEGREES` in
    the tails of the other logits ``(n, M, n)`` (column ``j`` zero), and, per monomial, the log of its multinomial
    coefficient and its degree ``(M,)``."""
    rows = [a for k in range(1, TAIL_DEGREES + 1) for a in _compositions(k, n - 1)]
    log_counts = np.array([math.lgamma(sum(a) + 1) - sum(math.lgamma(x + 1) for x in a) for a in rows])
    degrees = np.array([float(sum(a)) for a in rows])
    powers = np.zeros((n, len(rows), n))
    for j in range(n):
        powers[j][:, np.arange(n) != j] = rows
    for array in (powers, log_counts, degrees):
        array.setflags(write=False)
    return powers, log_counts, degrees


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every way of writing ``total`` as an ordered sum of ``parts`` non-negative integers."""
    if parts == 1:
        return [(total,)]
    return [(first, *rest) for first in range(total + 1) for rest in _compositions(total - first, parts - 1)]


@dataclass(frozen=True)
class Tails:
    """The tails' monomials that set Gauss-Hermite floors (:func:`tails_of`): their peaks ``Y`` ``(P, r)`` (also their
    slopes), the log of their sizes ``(P,)`` (:func:`tail_peaks`), and the slack per axis they were found for (each
    slope ``|Y_k|`` may grow by ``2 slack_k``)."""

    peaks_at: np.ndarray
    sizes: np.ndarray
    slack: np.ndarray

    def orders(self, digits: float, cap: int, slabs: tuple[int, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Per reduced axis, the fewest Gauss-Hermite nodes the tails need for ``digits`` (at most ``cap``), ``(1, r)``.

        With ``slabs = (axis, lows, highs)``, per slab ``lows[g] <= y_axis <= highs[g]``, ``(G, r)``: a monomial times
        the density is ``e^(size - |y - Y|^2 / 2)``, so in a slab whose nearest point along ``axis`` lies ``t`` from
        ``Y_axis`` it weighs ``e^(-t^2 / 2)`` less (as :func:`numeric.expectation.cubature.slabs.slab_needs` counts
        the density for the switches)."""
        r = len(self.slack)
        groups = 1 if slabs is None else len(slabs[1])
        sizes = self.sizes[None, :]
        if slabs is not None:
            axis, lows, highs = slabs
            at = self.peaks_at[None, :, axis]
            apart = np.maximum(np.maximum(lows[:, None] - at, at - highs[:, None]), 0.0)
            sizes = sizes - 0.5 * apart**2  # (G, P)
        needs = digits + sizes / LN10
        live = needs >= 1.0
        if not live.any():
            return np.ones((groups, r), dtype=int)
        slopes = np.abs(self.peaks_at) + 2.0 * self.slack[None, :]  # (P, r)
        orders = hermite_exponential_orders(
            np.where(live, needs, 0.0).ravel(), np.repeat(slopes.T, groups, axis=1), cap
        )
        orders = np.where(live.ravel()[None, :], orders, 1).reshape(r, groups, len(self.sizes))
        return orders.max(axis=2).T


def tails_of(center: np.ndarray, offsets: np.ndarray, slack: np.ndarray) -> Tails:
    """The tails of every configuration within ``slack`` (per axis) of ``center + offsets`` (none for one parameter)."""
    if len(offsets) < 2:
        return Tails(np.zeros((0, offsets.shape[1])), np.zeros(0), slack)
    return Tails(*tail_peaks(center, offsets, float(np.linalg.norm(slack))), slack)
