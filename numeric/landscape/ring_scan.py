"""Stationary points off the line: planar rings about the truth (double precision, not certified).

A *ring* puts ``m >= 3`` parameters on a regular ``m``-gon of radius ``r`` about the truth, in the
plane of ``e_1, e_2``, and the other ``k = n - m`` at the truth.  The dihedral group of the polygon
(with the matching permutations) fixes the configuration, so the gradient is fixed too: it vanishes on
the centre parameters and is radial on the ring.  Stationarity is the scalar equation ``g(r) = 0``, with
``g`` the radial gradient of the first ring parameter (the same argument as
:mod:`numeric.landscape.symmetric_scan`).

The configurations span two dimensions, beyond the certified tier (one reduced dimension), so here a
root is bracketed on a grid and bisected in the fast tier, and the ``2n x 2n`` Hessian in ``d = 2`` is
a central-difference estimate (:func:`numeric.landscape.hessian.hessian_float`).  Eigenvalues within
``ZERO_FACTOR`` times the estimate's error of 0 count as zero (rotations in the plane give one exactly).
These results are evidence, not proofs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric.landscape.hessian import hessian_float
from numeric.model import loss_and_gradient_float

__all__ = ["GRID", "ring", "radial_gradient", "ring_roots", "PlanarPoint", "classify_planar"]

ZERO_FACTOR = 10.0
GRID = np.linspace(0.25, 8, 32)  # radii where the sign of g is sampled


def ring(r: float, m: int, k: int) -> np.ndarray:
    """``(m + k, 2)``: ``m`` parameters on the regular ``m``-gon of radius ``r``, ``k`` at the truth."""
    angles = 2 * np.pi * np.arange(m) / m
    return np.vstack([r * np.stack([np.cos(angles), np.sin(angles)], axis=1), np.zeros((k, 2))])


def radial_gradient(r: float, m: int, k: int) -> tuple[float, float]:
    """``g(r)`` (the first ring parameter's gradient along ``e_1``) and its error estimate."""
    _, gradient, errors, _ = loss_and_gradient_float(ring(r, m, k))
    return float(gradient[0, 0]), float(max(errors[1:]))


def ring_roots(m: int, k: int, grid: np.ndarray | None = None, tolerance: float = 1e-12) -> list[float]:
    """Radii where ``g`` changes sign on ``grid`` (default :data:`GRID`), each bisected to ``tolerance``.

    A sign change counts only when both values exceed their error estimates.
    """
    grid = GRID if grid is None else np.asarray(grid, dtype=float)
    values = [radial_gradient(r, m, k) for r in grid]
    roots = []
    for (lo, (g_lo, e_lo)), (hi, (g_hi, e_hi)) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if g_lo * g_hi < 0 and abs(g_lo) > e_lo and abs(g_hi) > e_hi:
            while hi - lo > tolerance * (1 + hi):
                middle = 0.5 * (lo + hi)
                g_middle = radial_gradient(middle, m, k)[0]
                if g_middle == 0:
                    lo = hi = middle
                elif (g_middle < 0) == (g_lo < 0):
                    lo, g_lo = middle, g_middle
                else:
                    hi = middle
            roots.append(0.5 * (lo + hi))
    return roots


@dataclass(frozen=True)
class PlanarPoint:
    """A ring root and its ``d = 2`` Hessian estimate."""

    m: int
    k: int
    radius: float
    loss: float
    loss_error: float
    gradient_norm: float  # of the full gradient at the root: a consistency check
    eigenvalues: tuple[float, ...]
    error: float  # central-difference error estimate of the Hessian entries
    signs: tuple[int, int, int]  # (negative, zero, positive) with |lambda| <= ZERO_FACTOR * error as zero

    @property
    def kind(self) -> str:
        negative, zero, _ = self.signs
        if negative:
            return f"saddle (index {negative})"
        return "local minimum" if zero == 0 else "no descent direction to second order"


def classify_planar(m: int, k: int, radius: float) -> PlanarPoint:
    """Loss, gradient norm and Hessian signs of the ring at ``radius`` (double precision)."""
    mu = ring(radius, m, k)
    loss, gradient, errors, _ = loss_and_gradient_float(mu)
    hessian, error = hessian_float(mu)
    eigenvalues = np.linalg.eigvalsh(hessian)
    zero = ZERO_FACTOR * error
    signs = (
        int(np.sum(eigenvalues < -zero)),
        int(np.sum(np.abs(eigenvalues) <= zero)),
        int(np.sum(eigenvalues > zero)),
    )
    return PlanarPoint(
        m,
        k,
        radius,
        float(loss),
        float(errors[0]),
        float(np.linalg.norm(gradient)),
        tuple(float(x) for x in eigenvalues),
        error,
        signs,
    )
