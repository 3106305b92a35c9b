"""The sharp law of the loss when every parameter converges: ``L(s) s^2 -> n^2 r / 64`` under gradient flow.

Derivation (each step is checked exactly by :func:`prove_converging_law` at a concrete ``(n, d)``):

1. **Parity and the fast mode.**  ``L`` is even in ``mu`` (``x -> -x`` maps ``v(x; mu)`` to ``-v(-x; -mu)``) and
   its quadratic part is ``|m|^2`` with ``m`` the mean of the ``mu_i`` (Taylor polynomial of
   :mod:`symbolic.expansion`).  So the mean contracts at rate ``2/n`` while the deviations
   ``delta_i = mu_i - m`` feel no quadratic force: they live on a slow manifold.  With no cubic term, the
   slaved mean is ``O(|delta|^3)`` and changes ``L`` only at order 6.
2. **The effective quartic.**  On ``m = 0`` the quartic part of ``L`` is ``Q(delta) = tr(S^2) / n^2`` with
   ``S = sum_i delta_i delta_i^T`` (``d x d``): to first order ``w_i = 1/n + <x, delta_i>/n``, so
   ``v = S x / n`` and ``E|S x|^2 = tr(S^2)``.
3. **Its minimum on the sphere.**  With ``r = min(d, n - 1)`` (the largest rank ``S`` can have, since
   ``sum_i delta_i = 0``), ``tr(S^2) - (tr S)^2 / r`` is a square norm: ``|S - (tr S / d) I|^2`` when
   ``d <= n - 1``; ``|G - (tr G / (n - 1)) P|^2`` with the Gram matrix ``G = (<delta_i, delta_j>)`` and
   ``P = I - 1 1^T / n`` when ``d >= n - 1`` (``G P = G`` because ``G 1 = 0``, and ``tr S^2 = tr G^2``).  So on
   ``|delta| = 1`` the minimum of ``Q`` is ``q = 1 / (n^2 r)``, attained by the isotropic configurations
   (``S`` a multiple of a rank-``r`` projection: a regular simplex when ``d >= n - 1``).
4. **Only the minimum attracts** (argued here, measured by the numeric route, not checked exactly): on the
   sphere ``Q`` is descended in ``log |delta|`` (``d theta / d log|delta| = grad_T Q / (4 Q)``); its critical
   points are the ``S = c P_k`` of rank ``k``, and for ``k < r`` moving weight into a new direction lowers
   ``tr S^2``, so they are saddles.  A generic start (deviations of rank ``r``) ends at the minimum.
5. **The radial law.**  By Euler's identity ``<delta, grad Q> = 4 Q``, so ``d|delta|^2/ds = -8 Q`` and on the
   attracting direction ``d|delta|^2/ds = -8 q |delta|^4``: ``|delta|^2 = 1 / (8 q s + c)`` and
   ``L = q |delta|^4``, hence ``s^2 L -> 1 / (64 q) = n^2 r / 64`` whatever the start.

A start whose deviations span fewer dimensions keeps that rank (the flow stays in the span of the start), so
``r`` is the rank of the start's deviations, at most ``min(d, n - 1)``.
"""

from __future__ import annotations

import time

import sympy as sp

from symbolic.expansion import taylor_expansion
from symbolic.identities import Proof
from symbolic.model import reduced_model

__all__ = ["attracting_rank", "effective_quartic", "quartic_gap_certificate", "prove_converging_law"]


def attracting_rank(n: int, d: int) -> int:
    """``r = min(d, n - 1)``: the largest rank of ``S = sum_i delta_i delta_i^T`` with ``sum_i delta_i = 0``."""
    return min(d, n - 1)


def _mean_zero(n: int, d: int) -> dict:
    """The substitution ``mu_n = -(mu_1 + ... + mu_(n-1))`` that puts the parameters on ``m = 0``."""
    mu = reduced_model(n, d).mu
    return {mu[n - 1, k]: -sum(mu[i, k] for i in range(n - 1)) for k in range(d)}


def _scatter(n: int, d: int) -> sp.Matrix:
    """``S = sum_i mu_i mu_i^T`` (``d x d``) in the symbols ``mu_i``."""
    mu = reduced_model(n, d).mu
    return sp.Matrix(d, d, lambda a, b: sum(mu[i, a] * mu[i, b] for i in range(n)))


def effective_quartic(n: int, d: int) -> sp.Expr:
    """``tr(S^2) / n^2`` in the symbols ``mu_i`` (to be read on ``sum_i mu_i = 0``)."""
    S = _scatter(n, d)
    return (S * S).trace() / n**2


def quartic_gap_certificate(n: int, d: int) -> tuple[sp.Expr, sp.Expr]:
    """``(gap, square)`` with ``gap = tr(S^2) - (tr S)^2 / r`` and ``square`` a squared Frobenius norm.

    They agree identically on ``sum_i mu_i = 0`` (step 3 of the module docstring), which proves
    ``Q >= (tr S)^2 / (n^2 r) = |delta|^4 / (n^2 r)``.
    """
    mu = reduced_model(n, d).mu
    r = attracting_rank(n, d)
    if d <= n - 1:
        X = _scatter(n, d)
        identity = sp.eye(d)
    else:
        X = sp.Matrix(n, n, lambda i, j: sum(mu[i, k] * mu[j, k] for k in range(d)))
        identity = sp.eye(n) - sp.ones(n, n) / n
    trace = X.trace()
    gap = (X * X).trace() - trace**2 / r
    centred = X - trace / r * identity
    return gap, sum(entry**2 for entry in centred)


def _radial_limit(q: sp.Expr, exponent: sp.Expr) -> tuple[sp.Expr, str]:
    """``lim s^p L(s)`` for ``L = q rho^2``, ``d rho / ds = -8 q rho^2`` (``rho = |delta|^2``), from ``rho(0) > 0``."""
    s, c = sp.symbols("s c", positive=True)
    rho = sp.Function("rho")
    solution = sp.dsolve(sp.Eq(rho(s).diff(s), -8 * q * rho(s) ** 2), rho(s), ics={rho(0): 1 / c})
    loss = q * solution.rhs**2
    return sp.limit(s**exponent * loss, s, sp.oo), f"rho(s) = {sp.simplify(solution.rhs)}, L = q rho^2"


def prove_converging_law(n: int, d: int, denominator: int = 64, exponent: int = 2) -> Proof:
    """Steps 1-3 and 5 of the module docstring, exactly at ``(n, d)``, for ``s^exponent L -> n^2 r / denominator``.

    ``holds`` is True only if every step reduces exactly and the radial limit equals the stated constant,
    so an edited ``denominator`` or ``exponent`` makes it False.
    """
    start = time.perf_counter()
    expansion = taylor_expansion(n, d, 4)
    mu = reduced_model(n, d).mu
    odd_free = all(expansion.homogeneous_part(k).is_zero for k in (1, 3))
    mean = [sum(mu[i, k] for i in range(n)) / n for k in range(d)]
    quadratic = sp.expand(expansion.homogeneous_part(2).as_expr() - sum(m**2 for m in mean)) == 0
    on_mean_zero = _mean_zero(n, d)
    quartic = sp.expand((expansion.homogeneous_part(4).as_expr() - effective_quartic(n, d)).xreplace(on_mean_zero))
    gap, square = quartic_gap_certificate(n, d)
    minimum = sp.expand((gap - square).xreplace(on_mean_zero)) == 0
    r = attracting_rank(n, d)
    q = sp.Rational(1, n**2 * r)
    limit, radial = _radial_limit(q, sp.sympify(exponent))
    stated = sp.Rational(n**2 * r, denominator)
    law = sp.simplify(limit - stated) == 0
    holds = odd_free and quadratic and quartic == 0 and minimum and law
    others = " + ".join(f"mu_{i + 1}" for i in range(n - 1))
    certificate = (
        f"Taylor polynomial of L to degree 4: no odd part: {odd_free}; quadratic part = |mean|^2: {quadratic}; "
        f"on mu_{n} = -({others}) the quartic part minus tr(S^2)/n^2 expands to {quartic}; "
        f"tr(S^2) - (tr S)^2/{r} equals a squared Frobenius norm there: {minimum}, so q = 1/(n^2 r) = {q}; "
        f"radial law {radial}: lim s^{exponent} L = {limit}, stated {stated}: {law}"
    )
    return Proof(
        "sharp.converging",
        f"s^{exponent} L(s) -> n^2 r / {denominator} = {stated} (n = {n}, d = {d}, r = {r})",
        {"n": n, "d": d},
        "exact Taylor polynomial (python-flint, Gaussian moments), substitution on the mean-zero subspace, "
        "expansion to 0; sympy.dsolve and sympy.limit for the radial law",
        certificate,
        holds,
        time.perf_counter() - start,
    )
