"""Stationary points along the symmetric family ``mu = (s, -s, 0, ..., 0)`` and Hessians.

On the family (docs/claims.md, Theorem 3.1) stationarity reduces to one scalar equation ``g(s) = 0`` with
``g(s)`` the first parameter's gradient (the symbolic route proves the other components vanish).  Here
``g`` is computed in one reduced dimension:

* a root is bracketed on a coarse grid (fast tier), polished by the secant method (precise tier), and
  *certified* by a sign change of ball enclosures of ``g`` at the ends of a tiny interval
  (intermediate value theorem: ``g`` is continuous);
* the loss is enclosed over that whole interval at once (the certified integrator accepts ball
  parameters), so ``L(s*) > 0`` is proven for the unknown root inside it;
* the Hessian at a configuration comes from central differences of the precise gradient, with an
  error estimate from two step sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import flint
import mpmath
import numpy as np

from numeric.expectation.tiers import precision_bits
from numeric.landscape.hessian import gradient_derivative_enclosure, line_value_enclosure
from numeric.model import loss_and_gradient_float, loss_and_gradient_precise

__all__ = [
    "family",
    "family_gradient_float",
    "family_gradient_precise",
    "family_enclosure",
    "SymmetricRoot",
    "certify_family_root",
    "hessian_precise",
]


def family(s, n: int) -> list[list]:
    """The configuration ``(s, -s, 0, ..., 0)`` in one dimension (any number type)."""
    return [[s], [-s]] + [[0 * s] for _ in range(n - 2)]


def family_gradient_float(s: float, n: int) -> float:
    """``g(s)``: the first parameter's gradient on the family, fast tier."""
    _, grad, _, _ = loss_and_gradient_float(np.array(family(float(s), n), dtype=float))
    return float(grad[0, 0])


def family_gradient_precise(s: mpmath.mpf, n: int, dps: int) -> tuple[mpmath.mpf, float]:
    """``g(s)`` at ``dps`` digits, with its error estimate."""
    _, grad, errors, _ = loss_and_gradient_precise(family(mpmath.mpf(s), n), dps)
    return grad[0][0], errors[1]


def family_enclosure(s: flint.arb, n: int, dps: int) -> tuple[flint.arb, flint.arb]:
    """Ball enclosures of ``L`` and ``g`` valid for *every* ``s`` in the ball ``s`` (certified tier)."""
    loss, gradient = line_value_enclosure([row[0] for row in family(s, n)], dps)
    return loss, gradient[0]


@dataclass(frozen=True)
class SymmetricRoot:
    """A certified root of ``g`` on the family, with the loss enclosed over its interval."""

    n: int
    dps: int
    interval: tuple[str, str]  # decimal endpoints [lo, hi]: g(lo), g(hi) have opposite signs
    g_at_ends: tuple[flint.arb, flint.arb]
    loss: flint.arb  # encloses L(s) for every s in the interval
    g_over_interval: flint.arb  # encloses g(s) for every s in the enclosure (contains 0)
    estimate: mpmath.mpf  # the polished root
    newton: flint.arb | None  # interval-Newton enclosure of the unique root in the interval, if proven
    slope: flint.arb  # encloses g' over the interval

    @property
    def sign_change(self) -> bool:
        lo, hi = self.g_at_ends
        return bool((lo < 0 and hi > 0) or (lo > 0 and hi < 0))

    @property
    def certified(self) -> bool:
        """Interval Newton proved a unique root, and the sign change agrees."""
        return self.newton is not None and self.sign_change


def bracket_family_root(n: int, grid: Sequence[float]) -> tuple[float, float] | None:
    """First sign change of ``g`` on the grid (fast tier), or None."""
    values = [family_gradient_float(s, n) for s in grid]
    for (a, ga), (b, gb) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if ga == 0.0 or ga * gb < 0:
            return a, b
    return None


def polish_family_root(n: int, lo: float, hi: float, dps: int, steps: int = 60) -> mpmath.mpf:
    """Secant iteration at ``dps`` digits (Illinois safeguard keeps the bracket)."""
    with mpmath.workdps(dps + 10):
        a, b = mpmath.mpf(lo), mpmath.mpf(hi)
        ga, gb = family_gradient_precise(a, n, dps)[0], family_gradient_precise(b, n, dps)[0]
        tolerance = mpmath.mpf(10) ** (-(dps - 5))
        for _ in range(steps):
            c = b - gb * (b - a) / (gb - ga)
            gc = family_gradient_precise(c, n, dps)[0]
            if gc * gb < 0:
                a, ga = b, gb
            else:
                ga = ga / 2
            b, gb = c, gc
            if abs(b - a) < tolerance:
                break
        return b


def family_slope_enclosure(s: flint.arb, n: int, dps: int) -> flint.arb:
    """Ball enclosing ``g'(s')`` for every ``s'`` in the ball ``s`` (power series in the direction
    ``(1, -1, 0, ..., 0)``, rigorous integration and a tail bound: :mod:`numeric.landscape.hessian`)."""
    direction = [1, -1] + [0] * (n - 2)
    with flint.ctx.workprec(precision_bits(dps)):
        return gradient_derivative_enclosure([row[0] for row in family(s, n)], direction, [0], dps)[0]


def certify_family_root(n: int, dps: int = 40, grid: Sequence[float] | None = None) -> SymmetricRoot | None:
    """Bracket, polish and certify the first positive root of ``g`` for ``n`` parameters.

    Certification is an interval-Newton step on ``S = [lo, hi]``: ``N = m - g(m) / g'(S)``; when ``N``
    lies inside ``S``, ``S`` holds exactly one root, and it lies in ``N``.  The sign change of ``g`` at
    the ends of ``S`` is recorded as a second, independent existence argument.
    """
    grid = list(grid) if grid is not None else [0.05 * k for k in range(1, 161)]
    bracket = bracket_family_root(n, grid)
    if bracket is None:
        return None
    root = polish_family_root(n, *bracket, dps=dps)
    half_width = Fraction(1, 10 ** (dps - 8))
    centre = Fraction(Decimal(mpmath.nstr(root, dps + 5, min_fixed=-1, max_fixed=1)))
    lo, hi = centre - half_width, centre + half_width
    with flint.ctx.workprec(precision_bits(dps)):
        ball = lambda q: flint.arb(flint.fmpq(q.numerator, q.denominator))  # noqa: E731
        g_lo = family_enclosure(ball(lo), n, dps)[1]
        g_hi = family_enclosure(ball(hi), n, dps)[1]
        interval = ball(lo).union(ball(hi))
        g_mid = family_enclosure(ball(centre), n, dps)[1]
        slope = family_slope_enclosure(interval, n, dps)
        newton = ball(centre) - g_mid / slope if not slope.contains(0) else interval
        unique = bool(not slope.contains(0) and newton.lower() > ball(lo) and newton.upper() < ball(hi))
        loss, g_all = family_enclosure(newton if unique else interval, n, dps)
    return SymmetricRoot(
        n, dps, (_decimal(lo), _decimal(hi)), (g_lo, g_hi), loss, g_all, root, newton if unique else None, slope
    )


def _decimal(q: Fraction) -> str:
    return str(Decimal(q.numerator) / Decimal(q.denominator))


def hessian_precise(mu: Sequence[Sequence], dps: int, step: str = "1e-12") -> tuple[np.ndarray, float]:
    """Hessian of ``L`` (``nd x nd``, float) by central differences of the precise gradient.

    Truncation error is ``O(h^2)``; the estimate compares steps ``h`` and ``2h`` (Richardson) and adds
    the gradient's own error divided by ``h``.
    """
    n, d = len(mu), len(mu[0])
    size = n * d
    with mpmath.workdps(dps + 10):
        base = [[mpmath.mpf(x) for x in row] for row in mu]
        h = mpmath.mpf(step)
        columns, worst = [], 0.0
        for index in range(size):
            i, k = divmod(index, d)
            derivative = {}
            for scale in (1, 2):
                plus = [row[:] for row in base]
                minus = [row[:] for row in base]
                plus[i][k] += scale * h
                minus[i][k] -= scale * h
                gp, ep = _flat_gradient(plus, dps)
                gm, em = _flat_gradient(minus, dps)
                derivative[scale] = [(a - b) / (2 * scale * h) for a, b in zip(gp, gm)]
                noise = (ep + em) / float(2 * scale * h)
            columns.append(derivative[1])
            worst = max(worst, max(float(abs(a - b)) for a, b in zip(derivative[1], derivative[2])) + noise)
        matrix = np.array([[float(columns[j][i]) for j in range(size)] for i in range(size)])
    return 0.5 * (matrix + matrix.T), worst


def _flat_gradient(mu, dps: int) -> tuple[list, float]:
    _, grad, errors, _ = loss_and_gradient_precise(mu, dps)
    return [g for row in grad for g in row], max(errors[1:])
