"""Span reduction: a d-dimensional expectation becomes an r-dimensional one, r = rank of the differences.

The weights depend on ``x`` only through ``<x, mu_i - mu_j>``, so only the projection of ``x`` on
``D = span{mu_i - mu_j}`` matters.  With an orthonormal basis ``B`` of ``D`` (``r`` columns), every
parameter is ``mu_i = B b_i + p`` with one common ``p`` orthogonal to ``D``, and for ``y ~ N(0, I_r)``::

    L(mu)      = E|v_b|^2 + |p|^2
    grad_i L   = B E[2 (w_i v_b + w_i (y - b_i) s_i)] + 2 p (E[w_i] - E[w_i s_i])

(the component of ``x`` orthogonal to ``D`` is independent of ``y`` and has mean zero).  Coincident
parameters give ``r = 0``; collinear ones, and clusters spread along one direction, give ``r = 1``.

Three constructions: double precision (numpy SVD), working precision (mpmath SVD, returned as balls),
and exact (rational arithmetic, rank decided exactly; ``r <= 1``), for the certified tier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from numeric.config import InputError
from numeric.expectation.tiers import precision_bits

__all__ = [
    "Reduction",
    "reduce_float",
    "reduce_onto",
    "reduce_precise",
    "reduce_exact",
    "float_parts",
    "negligible_spread",
    "SPREAD_ROUNDING",
]


@dataclass(frozen=True)
class Reduction:
    """``mu_i = basis @ (center + offsets[i]) + orth``; entries are floats (numpy) or balls (lists)."""

    basis: Any  # d x r
    center: Any  # r
    offsets: Any  # n x r
    orth: Any  # d
    rank: int
    radius: float  # upper bound of max_i |b_i|, rounded up: the integrands' growth constant


def float_parts(red: Reduction) -> tuple[np.ndarray, np.ndarray]:
    """``center`` and ``offsets`` of a reduction as float arrays (the midpoints of balls)."""
    if isinstance(red.offsets, np.ndarray):
        return red.center, red.offsets
    mid = lambda x: float(x.mid()) if isinstance(x, flint.arb) else float(x)  # noqa: E731
    return np.array([mid(c) for c in red.center]), np.array([[mid(x) for x in row] for row in red.offsets])


def _radius(rows: Sequence[Sequence[float]] | np.ndarray) -> float:
    if isinstance(rows, np.ndarray):  # a few rows: Python's max and sqrt cost less than numpy's calls, same bits
        largest = math.sqrt(max(np.einsum("ij,ij->i", rows, rows).tolist(), default=0.0))
    else:
        largest = max((sum(x * x for x in row) ** 0.5 for row in rows), default=0.0)
    return largest * (1 + 1e-9) + 1e-300


def reduce_float(mu: np.ndarray) -> Reduction:
    """Reduction in double precision; directions with spread below rounding level are dropped."""
    mean = mu.mean(axis=0)
    centred = mu - mean
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)
    rank = int(np.sum(sing > negligible_spread(mu)))
    basis = vt[:rank].T
    return _in_basis(basis, mean, centred @ basis)


def reduce_onto(mu: np.ndarray, basis: np.ndarray) -> Reduction | None:
    """The reduction of ``mu`` in a given orthonormal ``basis`` (``d x r``), or None when the differences leave its
    span by more than :func:`reduce_float` would drop (then that basis no longer serves)."""
    mean = mu.sum(axis=0) / len(mu)
    centred = mu - mean
    offsets = centred @ basis
    if basis.shape[0] > basis.shape[1]:  # a square basis spans every difference: no check (4 us of a GD step)
        outside = (centred - offsets @ basis.T).ravel()
        if math.sqrt(outside @ outside) > negligible_spread(mu):
            return None
    return _in_basis(basis, mean, offsets)


def negligible_spread(mu: np.ndarray) -> float:
    """The spread below rounding level, which a double-precision reduction drops: ``SPREAD_ROUNDING (1 + max |mu|)``."""
    return SPREAD_ROUNDING * (1.0 + float(np.abs(mu).max()))


#: A spread below this times ``1 + max |mu|`` is rounding (:func:`negligible_spread`); also used by the compiled
#: reduction of :mod:`numeric.expectation.reused` and the flows' reduction, which must drop what this one drops.
SPREAD_ROUNDING = 16 * float(np.finfo(float).eps)


def _in_basis(basis: np.ndarray, mean: np.ndarray, offsets: np.ndarray) -> Reduction:
    """``mu_i = basis @ (center + offsets_i) + orth``, from the parameters' ``mean`` and ``(mu - mean) @ basis``."""
    center = basis.T @ mean
    return Reduction(
        basis=basis,
        center=center,
        offsets=offsets,
        orth=mean - basis @ center,
        rank=basis.shape[1],
        radius=_radius(center + offsets),
    )


def reduce_precise(mu: Sequence[Sequence[mpmath.mpf]], dps: int) -> Reduction:
    """Reduction at ``dps`` digits (mpmath SVD with guard digits), returned as balls at that precision."""
    n, d = len(mu), len(mu[0])
    with mpmath.workdps(dps + 15):
        mean = [mpmath.fsum(mu[i][k] for i in range(n)) / n for k in range(d)]
        centred = mpmath.matrix([[mu[i][k] - mean[k] for k in range(d)] for i in range(n)])
        if n == 1 or all(x == 0 for x in centred):
            sing, rows = [], []
        else:
            _, sv, vt = mpmath.svd_r(centred)
            scale = 1 + max(abs(x) for row in mu for x in row)
            threshold = mpmath.mpf(10) ** (-(dps + 8)) * scale
            sing = [sv[k] for k in range(len(sv)) if sv[k] > threshold]
            rows = [[vt[j, k] for k in range(d)] for j in range(len(sing))]
        rank = len(sing)
        center = [mpmath.fsum(rows[j][k] * mean[k] for k in range(d)) for j in range(rank)]
        offsets = [[mpmath.fsum(rows[j][k] * centred[i, k] for k in range(d)) for j in range(rank)] for i in range(n)]
        orth = [mean[k] - mpmath.fsum(rows[j][k] * center[j] for j in range(rank)) for k in range(d)]
    prec = precision_bits(dps)
    with flint.ctx.workprec(prec):
        ball = flint.arb
        return Reduction(
            basis=[[ball(rows[j][k]) for j in range(rank)] for k in range(d)],
            center=[ball(x) for x in center],
            offsets=[[ball(x) for x in row] for row in offsets],
            orth=[ball(x) for x in orth],
            rank=rank,
            radius=_radius([[float(center[j] + offsets[i][j]) for j in range(rank)] for i in range(n)]),
        )


def reduce_exact(points: Sequence[Sequence[Fraction]], scale: flint.arb, prec: int) -> Reduction:
    """Reduction of ``mu_i = scale * points[i]`` with the rank decided in exact rational arithmetic.

    Raises :class:`InputError` when the differences span two or more directions (the certified tier
    integrates in one dimension only).
    """
    n, d = len(points), len(points[0])
    diffs = [[points[i][k] - points[0][k] for k in range(d)] for i in range(n)]
    pivot = next((row for row in diffs if any(row)), None)
    mean = [sum(points[i][k] for i in range(n)) / n for k in range(d)]
    with flint.ctx.workprec(prec):
        ball = lambda q: flint.arb(flint.fmpq(q.numerator, q.denominator))  # noqa: E731
        if pivot is None:
            return Reduction(
                [[] for _ in range(d)], [], [[] for _ in range(n)], [scale * ball(x) for x in mean], 0, 0.0
            )
        for row in diffs:
            if any(row[a] * pivot[b] != row[b] * pivot[a] for a in range(d) for b in range(a + 1, d)):
                raise InputError(
                    "tier",
                    "the differences mu_i - mu_j span two or more directions; "
                    "the certified tier needs the parameters on one line (use the precise tier)",
                )
        norm2 = sum(x * x for x in pivot)
        norm = ball(norm2).sqrt()
        along = lambda vec: sum(a * b for a, b in zip(pivot, vec))  # noqa: E731  <pivot, vec>, exact
        mean_along = along(mean)
        center = [scale * ball(mean_along) / norm]
        offsets = [[scale * ball(along(points[i]) - mean_along) / norm] for i in range(n)]
        orth = [scale * ball(mean[k] - mean_along * pivot[k] / norm2) for k in range(d)]
        basis = [[ball(pivot[k]) / norm] for k in range(d)]
        radius = max(float(abs(center[0] + off[0]).upper()) for off in offsets) * (1 + 1e-9)
        return Reduction(basis, center, offsets, orth, 1, radius)
