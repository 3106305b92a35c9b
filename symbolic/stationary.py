"""Exact stationary points of the truncated Taylor polynomial ``P`` of ``L`` (``d = 1``), held against ``L``.

Method, for ``n`` parameters on the line:

1. A lex Groebner basis of ``grad P = 0`` gives the elimination polynomial ``p(z)`` in the last coordinate.
   ``P`` is symmetric under permuting the ``mu_i``, so the elimination polynomial of every coordinate is the
   same ``p``: every stationary point has all coordinates among the real roots of ``p`` (exact ``CRootOf``).
2. Each tuple of real roots (one per permutation orbit) is evaluated in ball arithmetic; tuples whose
   gradient enclosure excludes 0 are rigorously discarded. A survivor is confirmed exactly (rational or
   radical coordinates: SymPy reduces ``grad P`` to 0) or by a Krawczyk test proving a unique zero of
   ``grad P`` in a tiny box around it, whose projections isolate single roots of ``p``.
3. At each point the gradient of the full ``L`` is computed with ``mpmath.quad`` (Gaussian weight on the real
   line). Since ``grad P = 0`` there, ``|grad L|`` is exactly the truncation remainder. A nonzero stationary
   point of ``P`` comes from a balance between terms of different degree, where the omitted degree-8 term is
   of the same order; it is reported as near a stationary point of ``L`` only if ``|grad L|`` is below 1% of
   the gradient of the last kept (degree-6) part, and as an artifact of the truncation otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations_with_replacement

import flint
import mpmath
import sympy as sp

from symbolic.expansion import taylor_expansion
from symbolic.export import to_flint, to_mpmath
from symbolic.model import explicit, gradient_integrand_direct, loss_integrand, reduced_model

__all__ = [
    "BALL_PRECISION",
    "KRAWCZYK_RADIUS",
    "RELIABILITY_RATIO",
    "TruncatedStationaryPoint",
    "elimination_polynomial",
    "truncated_stationary_points",
]

BALL_PRECISION = 256  # bits, for exclusion and the Krawczyk test
KRAWCZYK_RADIUS = "1e-30"
RELIABILITY_RATIO = mpmath.mpf("0.01")


@dataclass(frozen=True)
class TruncatedStationaryPoint:
    """One stationary point of the truncated polynomial (a representative of its permutation orbit)."""

    point: tuple[sp.Expr, ...]  # exact algebraic coordinates
    decimal: tuple[str, ...]
    confirmed_by: str  # 'exact reduction' or 'Krawczyk (unique zero in a box of radius 1e-30)'
    truncated_loss: str
    full_loss: str
    full_gradient_norm: str  # |grad L| at the point = truncation remainder (grad P = 0 there)
    last_term_gradient_norm: str  # |grad of the degree-6 part of P| at the point
    verdict: str  # 'stationary point of L' | 'near a stationary point of L' | 'artifact of the truncation'


@cache
def elimination_polynomial(n: int, degree: int = 6) -> sp.Poly:
    """The generator of the elimination ideal ``<grad P> cap Q[mu_n]`` (``d = 1``)."""
    expansion = taylor_expansion(n, 1, degree)
    mu = list(reduced_model(n, 1).mu)
    basis = sp.groebner(list(expansion.gradient), *mu, order="grevlex")
    if not basis.is_zero_dimensional:
        raise ValueError(f"the stationary set of the degree-{degree} truncation for n={n} is not finite")
    last = basis.fglm("lex").exprs[-1]
    return sp.Poly(last, mu[-1])


def _balls(values: tuple[sp.Expr, ...], radius: str) -> list[flint.arb]:
    return [flint.arb(str(sp.N(v, 80)), radius) for v in values]


def _excluded(gradient, candidate: tuple[sp.Expr, ...]) -> bool:
    with flint.ctx.workprec(BALL_PRECISION):
        return any(not g.contains(0) for g in gradient(*_balls(candidate, "1e-70")))


def _krawczyk(gradient, hessian, candidate: tuple[sp.Expr, ...]) -> bool:
    """True if the Krawczyk operator maps the box of radius ``KRAWCZYK_RADIUS`` into its interior."""
    n = len(candidate)
    with flint.ctx.workprec(BALL_PRECISION):
        center = _balls(candidate, "0")
        box = _balls(candidate, KRAWCZYK_RADIUS)
        jacobian_box = flint.arb_mat(n, n, hessian(*box))
        try:
            preconditioner = flint.arb_mat(n, n, hessian(*center)).mid().inv()
        except ZeroDivisionError:
            return False
        residual = preconditioner * flint.arb_mat(n, 1, gradient(*center))
        spread = (
            flint.arb_mat(n, n, [int(i == j) for i in range(n) for j in range(n)]) - preconditioner * jacobian_box
        ) * flint.arb_mat(n, 1, [b - c for b, c in zip(box, center)])
        return all(box[i].contains_interior(center[i] - residual[i, 0] + spread[i, 0]) for i in range(n))


def _has_only_radicals(values: tuple[sp.Expr, ...]) -> bool:
    return not any(v.has(sp.CRootOf) for v in values)


def _gaussian_mean(f, dps: int) -> mpmath.mpf:
    with mpmath.workdps(dps):
        weight = lambda x: mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        return mpmath.quad(lambda x: f(x) * weight(x), [-mpmath.inf, 0, mpmath.inf])


def truncated_stationary_points(n: int, degree: int = 6, dps: int = 30) -> list[TruncatedStationaryPoint]:
    """All real stationary points of the degree-``degree`` Taylor polynomial of ``L`` for ``n`` parameters, ``d = 1``.

    One representative per permutation orbit (coordinates in decreasing order), each classified against the
    full loss as explained in the module docstring.
    """
    expansion = taylor_expansion(n, 1, degree)
    model = reduced_model(n, 1)
    mu = list(model.mu)
    roots = sorted(set(sp.real_roots(elimination_polynomial(n, degree))), key=lambda r: float(r), reverse=True)
    gaps = [sp.N(a - b, 40) for a, b in zip(roots, roots[1:])]
    if gaps and min(gaps) <= 2 * sp.Float(KRAWCZYK_RADIUS):
        raise ValueError("real roots of the elimination polynomial closer than the Krawczyk box")
    gradient_balls = to_flint(expansion.gradient, mu, BALL_PRECISION)
    hessian_balls = to_flint(sp.hessian(expansion.loss, mu), mu, BALL_PRECISION)
    last_term = [sp.diff(expansion.homogeneous_part(degree).as_expr(), m) for m in mu]
    full_gradient = to_mpmath(
        explicit(sp.Matrix([gradient_integrand_direct(model, i)[0] for i in range(n)]), model), [*mu, *model.x], dps
    )
    full_loss = to_mpmath(explicit(loss_integrand(model), model), [*mu, *model.x], dps)
    found = []
    for candidate in combinations_with_replacement(roots, n):
        if _excluded(gradient_balls, candidate):
            continue
        at = dict(zip(mu, candidate))
        if _has_only_radicals(candidate) and all(sp.simplify(g.xreplace(at)) == 0 for g in expansion.gradient):
            confirmed_by = "exact reduction"
        elif _krawczyk(gradient_balls, hessian_balls, candidate):
            confirmed_by = f"Krawczyk (unique zero in a box of radius {KRAWCZYK_RADIUS})"
        else:
            continue  # a singular non-radical candidate: cannot be confirmed (none occur for n = 2, 3)
        found.append(_classify(candidate, confirmed_by, expansion, last_term, full_gradient, full_loss, dps))
    return found


def _classify(candidate, confirmed_by, expansion, last_term, full_gradient, full_loss, dps) -> TruncatedStationaryPoint:
    mu = list(reduced_model(expansion.n, 1).mu)
    at = dict(zip(mu, candidate))
    with mpmath.workdps(dps):
        point = [mpmath.mpf(str(sp.N(c, dps + 10))) for c in candidate]
        gradient = [_gaussian_mean(lambda x, i=i: full_gradient(*point, x)[i], dps) for i in range(expansion.n)]
        gradient_norm = mpmath.sqrt(mpmath.fsum(g**2 for g in gradient))
        last_norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(str(sp.N(t.xreplace(at), dps))) ** 2 for t in last_term))
        loss = _gaussian_mean(lambda x: full_loss(*point, x), dps)
        if all(c == 0 for c in candidate):
            verdict = "stationary point of L"  # grad L(0) = 0 exactly: the global minimum
        elif gradient_norm <= RELIABILITY_RATIO * last_norm:
            verdict = "near a stationary point of L"
        else:
            verdict = "artifact of the truncation"
        return TruncatedStationaryPoint(
            point=tuple(candidate),
            decimal=tuple(mpmath.nstr(p, 15) for p in point),
            confirmed_by=confirmed_by,
            truncated_loss=str(sp.N(expansion.loss.xreplace(at), 15)),
            full_loss=mpmath.nstr(loss, 15),
            full_gradient_norm=mpmath.nstr(gradient_norm, 5),
            last_term_gradient_norm=mpmath.nstr(last_norm, 5),
            verdict=verdict,
        )
