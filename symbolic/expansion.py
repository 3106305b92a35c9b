"""Closed-form Taylor expansion of ``L(mu)`` at ``mu = 0`` (its stationary points: :mod:`symbolic.stationary`).

The integrand ``|v|^2`` is expanded as a truncated power series in ``mu`` (exact multivariate polynomials
over QQ from python-flint, graded by ``mu``-degree: the series of ``exp(a_i)``, then of
``1 / sum_j exp(a_j)``, then ``v`` and ``|v|^2``), keeping every power of ``x``.
Taking ``E`` replaces each monomial ``x^alpha`` by the standard normal moments
``prod_k (alpha_k - 1)!!`` (0 if some ``alpha_k`` is odd), so every coefficient is an exact rational.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import prod

import flint
import sympy as sp
from sympy.polys.rings import ring

from symbolic.model import reduced_model

__all__ = ["gaussian_moment", "TaylorExpansion", "taylor_expansion"]


def gaussian_moment(k: int) -> int:
    """``E[z^k]`` for ``z ~ N(0, 1)``: ``(k - 1)!!`` for even ``k``, 0 for odd ``k``."""
    return 0 if k % 2 else int(sp.factorial2(k - 1))


@dataclass(frozen=True)
class TaylorExpansion:
    """Taylor polynomial of ``L`` at 0 to total degree ``degree`` in the symbols ``reduced_model(n, d).mu``."""

    n: int
    d: int
    degree: int
    polynomial: sp.Poly  # the Taylor polynomial, generators mu_1_1, .., mu_n_d
    gradient: sp.ImmutableMatrix  # entry (i, k) is d polynomial / d mu_ik, as an expression

    @property
    def loss(self) -> sp.Expr:
        """The Taylor polynomial as an expression."""
        return self.polynomial.as_expr()

    def homogeneous_part(self, k: int) -> sp.Poly:
        """The degree-``k`` part of the Taylor polynomial."""
        terms = {m: c for m, c in self.polynomial.terms() if sum(m) == k}
        return sp.Poly.from_dict(terms, *self.polynomial.gens, domain=sp.QQ)


Series = list  # a truncated power series in mu: entry k is its homogeneous part of mu-degree k (fmpq_mpoly)


def _product(a: Series, b: Series, degree: int) -> Series:
    """Product of two truncated series, keeping ``mu``-degrees up to ``degree``."""
    out = [a[0] * 0 for _ in range(degree + 1)]
    for i, a_i in enumerate(a[: degree + 1]):
        for j, b_j in enumerate(b[: degree + 1 - i]):
            if not (a_i.is_zero() or b_j.is_zero()):
                out[i + j] += a_i * b_j
    return out


def _exp(a: Series, degree: int) -> Series:
    """``exp(a)`` to ``degree``, for a series ``a`` without degree-0 part."""
    total = [a[0] * 0 + 1] + [a[0] * 0 for _ in range(degree)]
    term = list(total)
    for m in range(1, degree + 1):
        term = [t / m for t in _product(term, a, degree)]
        total = [t + u for t, u in zip(total, term)]
    return total


def _reciprocal(a: Series, degree: int) -> Series:
    """``1 / a`` to ``degree``, for ``a`` with a nonzero constant degree-0 part."""
    constant = a[0].leading_coefficient()
    out = [a[0] * 0 + 1 / constant]
    for k in range(1, degree + 1):
        out.append(-sum((a[j] * out[k - j] for j in range(1, min(k, len(a) - 1) + 1)), a[0] * 0) / constant)
    return out


@cache
def taylor_expansion(n: int, d: int, degree: int = 6) -> TaylorExpansion:
    """Exact Taylor polynomial of ``L(mu) = E|v|^2`` at ``mu = 0`` to total degree ``degree``, and its gradient."""
    model = reduced_model(n, d)
    mu_symbols = list(model.mu)
    ctx = flint.fmpq_mpoly_ctx.get([str(s) for s in mu_symbols + list(model.x)])
    gens = ctx.gens()
    mu = [gens[i * d : (i + 1) * d] for i in range(n)]
    x = gens[n * d :]
    zero = ctx.from_dict({})
    weight_degree = degree - 2  # |v|^2 = |N|^2 / S^2 with N = sum_i exp(a_i) mu_i of mu-degree >= 1
    exps = []
    for i in range(n):
        a_i = [zero, sum((x[k] * mu[i][k] for k in range(d)), zero), -sum((m * m for m in mu[i]), zero) / 2]
        exps.append(_exp(a_i, weight_degree))
    inverse = _reciprocal([sum(parts, zero) for parts in zip(*exps)], weight_degree)
    v = []
    for k in range(d):
        numerator = [zero] + [sum((exps[i][j] * mu[i][k] for i in range(n)), zero) for j in range(weight_degree + 1)]
        v.append(_product(numerator, inverse, degree - 1))
    integrand = sum((part for v_k in v for part in _product(v_k, v_k, degree)), zero)
    expectation: dict[tuple, flint.fmpq] = {}
    for monomial, coefficient in integrand.to_dict().items():
        moment = prod(gaussian_moment(e) for e in monomial[n * d :])
        if moment:
            key = monomial[: n * d]
            expectation[key] = expectation.get(key, 0) + coefficient * moment
    R_mu = ring(mu_symbols, sp.QQ)[0]
    loss = R_mu.from_dict({m: sp.QQ(int(c.p), int(c.q)) for m, c in expectation.items() if c != 0})
    gradient = sp.ImmutableMatrix(n, d, lambda i, k: loss.diff(R_mu.gens[i * d + k]).as_expr())
    polynomial = sp.Poly.from_dict(dict(loss), *mu_symbols, domain=sp.QQ)
    return TaylorExpansion(n, d, degree, polynomial, gradient)
    return TaylorExpansion(n, d, degree, loss, gradient)
