"""The reduced model and the original-coordinate loss as SymPy expressions.

Reduced model (truth at 0), for ``x ~ N(0, I_d)`` and parameters ``mu_1..mu_n`` in ``R^d``::

    a_i(x) = <x, mu_i> - |mu_i|^2 / 2,   w = softmax(a),   v(x) = sum_i w_i mu_i,   L(mu) = E |v|^2.

Every expression is built for a concrete ``(n, d)``. The exponentials ``exp(a_i)`` are kept as plain
symbols ``E_i`` (see :class:`ReducedModel`), so that the weights, the score and all integrands are
*rational functions* of ``(E, x, mu)``; differentiation in ``x`` uses the chain rule
``d E_i / d x_k = E_i mu_ik`` (:func:`d_dx`). Rational functions reduce to a canonical form, which is
what makes the identities in :mod:`symbolic.identities` exact and fast. :func:`explicit` puts the
exponentials back when a closed form in ``(x, mu)`` is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = [
    "DEFAULT_STEIN_COEFFICIENTS",
    "ReducedModel",
    "reduced_model",
    "parameter",
    "logits",
    "weights",
    "mean_field",
    "loss_integrand",
    "gradient_integrand_direct",
    "gradient_integrand_stein",
    "d_dx",
    "d_dmu",
    "explicit",
    "OriginalModel",
    "original_model",
    "original_logits",
    "original_loss_integrand",
]

DEFAULT_STEIN_COEFFICIENTS = (1, 1, -2, -2, 3)


@dataclass(frozen=True)
class ReducedModel:
    """Symbols of the reduced model for a concrete ``(n, d)``.

    ``mu`` is the ``n x d`` matrix of parameter symbols ``mu_i_k`` (1-based names), ``x`` the column of
    coordinates ``x_k``, and ``E[i]`` stands for ``exp(a_i(x))``.
    """

    n: int
    d: int
    mu: sp.ImmutableMatrix
    x: sp.ImmutableMatrix
    E: tuple[sp.Symbol, ...]


@cache
def reduced_model(n: int, d: int) -> ReducedModel:
    """Symbols ``mu_i_k``, ``x_k`` and ``E_i`` for ``n`` parameters in ``R^d``."""
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and d >= 1, got n={n}, d={d}")
    mu = sp.ImmutableMatrix(n, d, lambda i, k: sp.Symbol(f"mu_{i + 1}_{k + 1}", real=True))
    x = sp.ImmutableMatrix(d, 1, lambda k, _: sp.Symbol(f"x_{k + 1}", real=True))
    E = tuple(sp.Symbol(f"E_{i + 1}", positive=True) for i in range(n))
    return ReducedModel(n, d, mu, x, E)


def parameter(model: ReducedModel, i: int) -> sp.ImmutableMatrix:
    """The column vector ``mu_i`` (0-based ``i``)."""
    return model.mu.row(i).T


def logits(model: ReducedModel) -> list[sp.Expr]:
    """``a_i = <x, mu_i> - |mu_i|^2 / 2`` for each ``i``."""
    return [
        sp.expand(model.x.dot(parameter(model, i)) - parameter(model, i).dot(parameter(model, i)) / 2)
        for i in range(model.n)
    ]


def weights(model: ReducedModel) -> list[sp.Expr]:
    """Softmax weights ``w_i = E_i / sum_j E_j``."""
    total = sp.Add(*model.E)
    return [E_i / total for E_i in model.E]


def mean_field(model: ReducedModel) -> sp.ImmutableMatrix:
    """``v = sum_i w_i mu_i`` (a ``d``-vector); the student-minus-target score in reduced coordinates."""
    w = weights(model)
    return sp.ImmutableMatrix(sum((w[i] * parameter(model, i) for i in range(model.n)), sp.zeros(model.d, 1)))


def loss_integrand(model: ReducedModel) -> sp.Expr:
    """``|v(x)|^2``; its ``N(0, I)`` expectation is ``L(mu)``."""
    v = mean_field(model)
    return v.dot(v)


def gradient_integrand_direct(model: ReducedModel, i: int) -> sp.ImmutableMatrix:
    """Direct form of the ``grad_{mu_i} L`` integrand: ``2 [w_i v + w_i (x - mu_i)(<mu_i, v> - |v|^2)]``."""
    w_i = weights(model)[i]
    v = mean_field(model)
    mu_i = parameter(model, i)
    return 2 * (w_i * v + w_i * (model.x - mu_i) * (mu_i.dot(v) - v.dot(v)))


def gradient_integrand_stein(
    model: ReducedModel, i: int, coefficients: tuple = DEFAULT_STEIN_COEFFICIENTS
) -> sp.ImmutableMatrix:
    """Stein form of the ``grad_{mu_i} L`` integrand with coefficients ``(c1, .., c5)``::

        2 w_i [c1 v + c2 sum_j w_j mu_j <mu_j, mu_i> + c3 v <v, mu_i>
               + c4 sum_j w_j <v, mu_j> mu_j + c5 |v|^2 v]

    Lemma 2.2 (as reported) has ``(1, 1, -2, -2, 3)``; other values state a different (false) claim.
    """
    c1, c2, c3, c4, c5 = (sp.sympify(c) for c in coefficients)
    w = weights(model)
    v = mean_field(model)
    mu = [parameter(model, j) for j in range(model.n)]
    second_moment = sum((w[j] * mu[j] * mu[j].dot(mu[i]) for j in range(model.n)), sp.zeros(model.d, 1))
    projected = sum((w[j] * v.dot(mu[j]) * mu[j] for j in range(model.n)), sp.zeros(model.d, 1))
    bracket = c1 * v + c2 * second_moment + c3 * v * v.dot(mu[i]) + c4 * projected + c5 * v.dot(v) * v
    return 2 * w[i] * bracket


def d_dx(expr: sp.Expr, model: ReducedModel, k: int) -> sp.Expr:
    """Total derivative in ``x_k`` (0-based) of an expression in ``(E, x, mu)``, using ``dE_i/dx_k = E_i mu_ik``."""
    chain = sum(sp.diff(expr, E_i) * E_i * model.mu[i, k] for i, E_i in enumerate(model.E))
    return sp.diff(expr, model.x[k]) + chain


def d_dmu(expr: sp.Expr, model: ReducedModel, i: int, k: int) -> sp.Expr:
    """Total derivative in ``mu_ik`` of an expression in ``(E, x, mu)``, using ``dE_i/dmu_ik = E_i (x_k - mu_ik)``."""
    E_i = model.E[i]
    return sp.diff(expr, model.mu[i, k]) + sp.diff(expr, E_i) * E_i * (model.x[k] - model.mu[i, k])


def explicit(expr, model: ReducedModel):
    """Replace each ``E_i`` by ``exp(a_i)`` (works on expressions and matrices)."""
    return expr.subs(dict(zip(model.E, (sp.exp(a) for a in logits(model)))))


@dataclass(frozen=True)
class OriginalModel:
    """Symbols of the original-coordinate loss ``L_t``: time ``t``, truth ``m_star``, means ``m``, point ``y``."""

    n: int
    d: int
    t: sp.Symbol
    m_star: sp.ImmutableMatrix
    m: sp.ImmutableMatrix
    y: sp.ImmutableMatrix


@cache
def original_model(n: int, d: int) -> OriginalModel:
    """Symbols ``t``, ``mstar_k``, ``m_i_k`` and ``y_k`` for ``n`` means in ``R^d``."""
    t = sp.Symbol("t", nonnegative=True)
    m_star = sp.ImmutableMatrix(d, 1, lambda k, _: sp.Symbol(f"mstar_{k + 1}", real=True))
    m = sp.ImmutableMatrix(n, d, lambda i, k: sp.Symbol(f"m_{i + 1}_{k + 1}", real=True))
    y = sp.ImmutableMatrix(d, 1, lambda k, _: sp.Symbol(f"y_{k + 1}", real=True))
    return OriginalModel(n, d, t, m_star, m, y)


def original_logits(model: OriginalModel) -> list[sp.Expr]:
    """``-|y - e^{-t} m_i|^2 / 2``: the student's log-weights at time ``t`` (before normalisation)."""
    decay = sp.exp(-model.t)
    out = []
    for i in range(model.n):
        r = model.y - decay * model.m.row(i).T
        out.append(-r.dot(r) / 2)
    return out


def original_loss_integrand(model: OriginalModel, exp_symbols: tuple[sp.Symbol, ...]) -> sp.Expr:
    """``|s_t(y) - (e^{-t} m* - y)|^2`` with ``exp_symbols[i]`` standing for ``exp(original_logits[i])``.

    ``s_t(y) = sum_i w_i e^{-t} m_i - y`` is the student score; ``e^{-t} m* - y`` the true score of
    ``N(e^{-t} m*, I)``; ``L_t(m)`` is the expectation of this integrand over ``y ~ N(e^{-t} m*, I)``.
    """
    decay = sp.exp(-model.t)
    total = sp.Add(*exp_symbols)
    student = sum((exp_symbols[i] / total * decay * model.m.row(i).T for i in range(model.n)), sp.zeros(model.d, 1))
    student = student - model.y
    residual = student - (decay * model.m_star - model.y)
    return residual.dot(residual)
