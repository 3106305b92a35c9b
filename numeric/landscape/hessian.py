"""Loss, gradient and Hessian of ``L`` at configurations on a line through the truth (``mu_i = a_i e_1``).

The reflections ``e_k -> -e_k`` (``k >= 2``) fix such a configuration, so its Hessian splits into the
one-dimensional block and ``d - 1`` equal perpendicular blocks::

    H = H_par (+) H_perp (+) ... (+) H_perp,      H_par[i, j] = d^2 L / da_i da_j,
    H_perp = 2 E[ u u^T + (1 - v^2) w w^T ],      u_i = w_i (a_i - v) - v w_i,

with ``w`` the softmax weights and ``v = sum_i w_i a_i`` at ``x ~ N(0, 1)``.  ``H_perp`` is the second
order term of ``E_{x_2} |v|^2`` in perpendicular offsets ``delta`` (expand the softmax to second order
in ``x_2 delta_i - delta_i^2 / 2`` and average over ``x_2``).  Rotations about the truth map
stationary points to stationary points, which gives ``H_perp a = g`` (the one-dimensional gradient):
at a stationary point ``a`` is a null vector of ``H_perp`` (tests check the identity and both blocks
against finite differences of the two-dimensional engine).

Three routes:

* certified (:func:`line_enclosures`): python-flint balls valid for *every* configuration in a ball
  vector; ``H_par`` from first-order power series of the gradient integrand, ``acb.integral`` on
  ``[-c, c]`` and closed-form Gaussian tail bounds, ``H_perp`` likewise;
* double precision (:func:`hessian_blocks_float`): central differences of the fast tier's gradient;
* :func:`inertia`: the signs of a symmetric ball matrix's eigenvalues by ``LDL^T`` elimination in ball
  arithmetic (Sylvester's law of inertia), or ``None`` when a pivot's ball contains 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import flint
import numpy as np

from numeric.expectation.gaussian import gaussian_expectation
from numeric.expectation.integrand import integrand_line, line_weights
from numeric.expectation.quadrature import truncation_radius
from numeric.expectation.reduction import Reduction
from numeric.expectation.tiers import precision_bits
from numeric.model import loss_and_gradient_float

__all__ = [
    "LineEnclosures",
    "line_value_enclosure",
    "gradient_derivative_enclosure",
    "line_enclosures",
    "hessian_float",
    "hessian_blocks_float",
    "inertia",
]


@dataclass(frozen=True)
class LineEnclosures:
    """Balls valid for every configuration in the ball vector ``a``."""

    loss: flint.arb
    gradient: list[flint.arb]
    parallel: list[list[flint.arb]]  # H_par
    perpendicular: list[list[flint.arb]]  # H_perp


def _radius(a: Sequence[flint.arb]) -> float:
    return max(float(abs(x).upper()) for x in a) * (1 + 1e-9)


def line_value_enclosure(a: Sequence[flint.arb], dps: int) -> tuple[flint.arb, list[flint.arb]]:
    """Balls enclosing ``L`` and the one-dimensional gradient for every configuration in ``a`` (certified tier)."""
    with flint.ctx.workprec(precision_bits(dps)):
        red = Reduction(
            basis=[[flint.arb(1)]],
            center=[flint.arb(0)],
            offsets=[[x] for x in a],
            orth=[flint.arb(0)],
            rank=1,
            radius=_radius(a),
        )
        values = gaussian_expectation(red, "certified", dps).values
        return values[0], list(values[1 : 1 + len(a)])


def _gaussian_integral(f: Callable, cut: flint.arb) -> flint.arb:
    """``int_{-cut}^{cut} f(x) phi(x) dx`` rigorously; ``f`` may raise ValueError where its ball is useless."""
    norm = 1 / (2 * flint.arb.pi()).sqrt()

    def integrand(x, analytic):
        try:
            value = f(x)
        except ValueError:  # a softmax denominator's ball contains 0: tell acb.integral to subdivide
            return flint.acb(flint.arb("nan"))
        return value * (-(x * x) / 2).exp() * norm

    return flint.acb.integral(integrand, -cut, cut).real


def _tail(cut: flint.arb, a0: flint.arb, a1: flint.arb, a2: flint.arb) -> flint.arb:
    """A ball ``[-t, t]`` with ``t >= int_{|x| > cut} (a0 + a1 |x| + a2 x^2) phi(x) dx``."""
    q = (cut / flint.arb(2).sqrt()).erfc() / 2
    phi = (-(cut * cut) / 2).exp() / (2 * flint.arb.pi()).sqrt()
    bound = 2 * (a0 * q + a1 * phi + a2 * (cut * phi + q))
    return flint.arb(0, bound.upper())


def _cut(radius: float, dps: int) -> flint.arb:
    return flint.arb(truncation_radius(dps + 6, 100 * (1 + radius) ** 4))


def _reference(x, mids: Sequence[float]) -> int:
    """The parameter nearest to ``x``: its logit is the largest there."""
    return min(range(len(mids)), key=lambda i: abs(float(x.real.mid()) - mids[i]))


def gradient_derivative_enclosure(
    a: Sequence[flint.arb], direction: Sequence[int], outputs: Sequence[int], dps: int
) -> list[flint.arb]:
    """Balls enclosing ``d/dt g_i(a + t q)`` at ``t = 0`` for ``i`` in ``outputs``, every ``a`` in the balls.

    ``q = direction`` has entries in ``{-1, 0, 1}``.  The derivative of the gradient integrand is the
    first coefficient of its evaluation on power series ``a_i + q_i t``.  Tail bound: with
    ``R = max |a_i|`` and ``X = |x| + R``, ``|d/dt G_i| <= 2 (1 + 2R^2 + 8 R X + 10 R^2 X^2)``
    (each ``t``-derivative of a softmax weight brings at most ``2 X w_i``; ``|v| <= R``).
    """
    if any(q not in (-1, 0, 1) for q in direction):
        raise ValueError("direction entries must be -1, 0 or 1 (the tail bound assumes |q_i| <= 1)")
    radius = _radius(a)
    saved_cap = flint.ctx.cap
    try:
        flint.ctx.cap = 2
        with flint.ctx.workprec(precision_bits(dps)):
            series = [flint.acb_series([flint.acb(x), q]) for x, q in zip(a, direction)]
            mids = [float(x.mid()) for x in a]
            cut, r = _cut(radius, dps), flint.arb(radius)
            tail = _tail(cut, 2 * (1 + 10 * r**2 + 10 * r**4), 2 * (8 * r + 20 * r**3), 20 * r**2)

            def derivative(i: int) -> Callable:
                return lambda x: integrand_line(x, flint.acb(0), series, lambda z: z.exp(), _reference(x, mids))[
                    1 + i
                ].coeffs()[1]

            return [_gaussian_integral(derivative(i), cut) + tail for i in outputs]
    finally:
        flint.ctx.cap = saved_cap


def _perpendicular_enclosure(a: Sequence[flint.arb], dps: int) -> list[list[flint.arb]]:
    """``H_perp`` entries as balls; tail bound ``|entry| <= 2 (1 + 10 R^2)`` (``|u_i| <= 3R w_i``)."""
    n, radius = len(a), _radius(a)
    with flint.ctx.workprec(precision_bits(dps)):
        mids = [float(x.mid()) for x in a]
        offsets = [flint.acb(x) for x in a]
        cut, r = _cut(radius, dps), flint.arb(radius)
        tail = _tail(cut, 2 * (1 + 10 * r**2), flint.arb(0), flint.arb(0))

        def entry(i: int, j: int) -> Callable:
            def f(x):
                w, v = line_weights(x, offsets, lambda z: z.exp(), _reference(x, mids))
                u_i, u_j = w[i] * (offsets[i] - 2 * v), w[j] * (offsets[j] - 2 * v)
                return 2 * (u_i * u_j + (1 - v * v) * w[i] * w[j])

            return f

        upper = {(i, j): _gaussian_integral(entry(i, j), cut) + tail for i in range(n) for j in range(i, n)}
        return [[upper[min(i, j), max(i, j)] for j in range(n)] for i in range(n)]


def line_enclosures(a: Sequence[flint.arb], dps: int) -> LineEnclosures:
    """Loss, gradient and both Hessian blocks, each a ball valid for every configuration in ``a``."""
    n = len(a)
    loss, gradient = line_value_enclosure(a, dps)
    columns = [gradient_derivative_enclosure(a, [int(k == m) for k in range(n)], range(m + 1), dps) for m in range(n)]
    parallel = [[columns[max(i, j)][min(i, j)] for j in range(n)] for i in range(n)]
    return LineEnclosures(loss, gradient, parallel, _perpendicular_enclosure(a, dps))


def hessian_float(mu: np.ndarray, step: float = 1e-5) -> tuple[np.ndarray, float]:
    """The ``nd x nd`` Hessian of ``L`` at ``mu`` (shape ``(n, d)``, index ``i d + k``) by central
    differences of the fast tier's gradient, symmetrized, and an error estimate (steps ``h`` vs ``2h``)."""
    n, d = mu.shape
    estimates = []
    for h in (step, 2 * step):
        columns = []
        for index in range(n * d):
            plus, minus = mu.astype(float), mu.astype(float)
            plus.flat[index] += h
            minus.flat[index] -= h
            columns.append(
                (loss_and_gradient_float(plus, False)[1] - loss_and_gradient_float(minus, False)[1]).ravel() / (2 * h)
            )
        estimates.append(np.array(columns).T)
    return 0.5 * (estimates[0] + estimates[0].T), float(np.max(np.abs(estimates[0] - estimates[1])))


def hessian_blocks_float(a: Sequence[float], step: float = 1e-5) -> tuple[np.ndarray, np.ndarray, float]:
    """``H_par`` and ``H_perp`` from :func:`hessian_float` of ``a`` placed on the first axis in ``d = 2``.

    ``H_perp`` perturbs the second coordinate of a two-dimensional configuration, so it exercises the
    general engine rather than the block formula above.
    """
    base = np.zeros((len(a), 2))
    base[:, 0] = a
    full, error = hessian_float(base, step)
    return full[0::2, 0::2], full[1::2, 1::2], error


def inertia(matrix: Sequence[Sequence[flint.arb]]) -> tuple[int, int, int] | None:
    """``(negative, zero, positive)`` eigenvalue counts of every symmetric matrix in the ball matrix.

    ``LDL^T`` elimination without pivoting in ball arithmetic: when no pivot ball contains 0, the pivots
    of each symmetric member have the signs of the balls, and Sylvester's law of inertia turns them
    into eigenvalue signs (so ``zero`` is always 0).  ``None`` when a pivot's ball contains 0.
    """
    rows = [list(row) for row in matrix]
    n = len(rows)
    signs = []
    for k in range(n):
        pivot = rows[k][k]
        if pivot.contains(0):
            return None
        signs.append(1 if pivot > 0 else -1)
        for i in range(k + 1, n):
            factor = rows[i][k] / pivot
            for j in range(k + 1, n):
                rows[i][j] -= factor * rows[k][j]
    return signs.count(-1), 0, signs.count(1)
