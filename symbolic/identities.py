"""Exact identities of the model, each returned as a :class:`Proof` carrying its certificate.

All reductions are exact: expressions are rational functions of ``(E, x, mu)`` (``E_i`` standing for
``exp(a_i)``, see :mod:`symbolic.model`), brought over a common denominator with :func:`sympy.together`,
and a claim ``holds`` only when the expanded numerator is the zero polynomial.

The expectation-level steps use integration by parts against the Gaussian density ``phi``: for a field
``h`` of at most polynomial growth, ``E[div(h phi) / phi] = 0``, because ``h phi`` decays like
``exp(-|x|^2/2)`` and the boundary flux through the sphere of radius ``r`` tends to 0. So two integrands
with ``f - f' = -div(h phi)/phi = x.h - div h`` have the same expectation; the certificate is ``h``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symbolic.model import (
    DEFAULT_STEIN_COEFFICIENTS,
    ReducedModel,
    d_dmu,
    d_dx,
    gradient_integrand_direct,
    gradient_integrand_stein,
    logits,
    loss_integrand,
    mean_field,
    original_logits,
    original_loss_integrand,
    original_model,
    parameter,
    reduced_model,
    weights,
)

__all__ = [
    "STANDARD_INSTANCES",
    "GROWTH_CONDITION",
    "Proof",
    "is_identically_zero",
    "readable",
    "gaussian_divergence",
    "prove_reduction_eq1",
    "prove_stein_gradient",
    "prove_em_bridge",
    "prove_coincident",
    "SymmetricFamily",
    "symmetric_family",
    "prove_thm31_symmetry",
    "prove_all",
]

STANDARD_INSTANCES = ((2, 1), (3, 1), (4, 1), (2, 2), (3, 2))
GROWTH_CONDITION = (
    "|g| <= |<mu_i, v>| + |v|^2 <= 2 R^2 with R = max_j |mu_j| (w_i in [0, 1], v a convex combination of "
    "the mu_j), so |h phi| <= 4 R^2 phi and the boundary flux of h phi through |x| = r is "
    "O(r^(d-1) exp(-r^2/2)) -> 0; x.h and div h grow at most polynomially, hence are integrable."
)


@dataclass(frozen=True)
class Proof:
    """An exactly checked statement for one instance, with its certificate.

    ``holds`` is True only if every reduction in ``certificate`` came out as exactly 0.
    """

    claim: str
    statement: str
    instance: dict
    method: str
    certificate: str
    holds: bool
    seconds: float


def is_identically_zero(expr: sp.Expr) -> bool:
    """True iff a rational expression is the zero function (numerator over a common denominator is 0)."""
    numerator, _ = sp.fraction(sp.together(expr))
    return sp.expand(numerator) == 0


def readable(expr, max_chars: int = 600) -> str:
    """A compact rendering via common-subexpression elimination, cut at ``max_chars``."""
    replacements, reduced = sp.cse(expr)
    lines = [f"{name} = {value}" for name, value in replacements] + [str(r) for r in reduced]
    text = "; ".join(lines)
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def _timed(build: Callable[[], tuple[str, bool]], claim: str, statement: str, instance: dict, method: str) -> Proof:
    start = time.perf_counter()
    certificate, holds = build()
    return Proof(claim, statement, instance, method, certificate, holds, time.perf_counter() - start)


def gaussian_divergence(field: list[sp.Expr], model: ReducedModel) -> sp.Expr:
    """``-div(h phi) / phi = x.h - div h`` for a field ``h`` in ``(E, x, mu)``, ``phi`` the N(0, I) density."""
    return sum(model.x[k] * h_k - d_dx(h_k, model, k) for k, h_k in enumerate(field))


def prove_reduction_eq1(n: int, d: int) -> Proof:
    """Eq. (1): ``L_t(m) = L(mu)`` with ``mu_i = e^{-t}(m_i - m*)``, ``x = y - e^{-t} m*``, symbolic ``t, m*``."""
    original = original_model(n, d)
    reduced = reduced_model(n, d)

    def build() -> tuple[str, bool]:
        q = sp.Symbol("q", positive=True)  # q = exp(-t)
        shift = sp.Symbol("C", positive=True)  # C = exp(-|x|^2 / 2)
        change = {original.y[k]: reduced.x[k] + sp.exp(-original.t) * original.m_star[k] for k in range(d)}
        change |= {
            original.m[i, k]: original.m_star[k] + sp.exp(original.t) * reduced.mu[i, k]
            for i in range(n)
            for k in range(d)
        }
        common = -reduced.x.dot(reduced.x) / 2
        logit_gaps = [
            sp.expand(logit.xreplace(change) - a - common)
            for logit, a in zip(original_logits(original), logits(reduced))
        ]
        F = tuple(sp.Symbol(f"F_{i + 1}", positive=True) for i in range(n))
        integrand = original_loss_integrand(original, F).xreplace(change)
        integrand = integrand.subs(sp.exp(-original.t), q).xreplace({F[i]: shift * reduced.E[i] for i in range(n)})
        difference_is_zero = is_identically_zero(integrand - loss_integrand(reduced))
        holds = all(g == 0 for g in logit_gaps) and difference_is_zero
        certificate = (
            "y -> x + e^{-t} m*, m_i -> m* + e^{t} mu_i; N(e^{-t} m*, I) becomes N(0, I) (translation). "
            f"Each student logit equals a_i + c with the common shift c = -|x|^2/2 (gaps {logit_gaps}), "
            "so w_i is unchanged (softmax is shift-invariant: F_i = exp(c) E_i). "
            f"|s_t - target|^2 - |v|^2 reduces to 0: {difference_is_zero}."
        )
        return certificate, holds

    return _timed(
        build,
        "eq1",
        "L_t(m) = L(mu) with mu_i = e^{-t}(m_i - m*) and x <- x - e^{-t} m* (symbolic t, m*)",
        {"n": n, "d": d},
        "exact change of variables; rational-function reduction to 0",
    )


def _stein_statement(coefficients: tuple) -> str:
    terms = ("w_i v", "w_i sum_j w_j mu_j mu_j^T mu_i", "w_i v v^T mu_i", "w_i sum_j w_j <v, mu_j> mu_j", "w_i |v|^2 v")
    body = " + ".join(f"{c} {t}" for c, t in zip(coefficients, terms)).replace("+ -", "- ")
    return f"grad_i L = 2 E[ {body} ]"


def prove_stein_gradient(n: int, d: int, coefficients: tuple = DEFAULT_STEIN_COEFFICIENTS) -> Proof:
    """Lemma 2.2: the Stein form with ``coefficients`` equals the gradient of ``L``.

    Two exact steps for every ``i, k``: (a) ``d|v|^2/dmu_ik`` equals the direct integrand (differentiation
    under ``E`` is licensed by the polynomial bound on the derivative); (b) direct minus Stein equals
    ``-div(h phi)/phi`` with ``h = 2 g e_k``, ``g = w_i (<mu_i, v> - |v|^2)``.
    """
    model = reduced_model(n, d)

    def build() -> tuple[str, bool]:
        loss = loss_integrand(model)
        v = mean_field(model)
        derivative_ok, stein_ok = True, True
        g_first = weights(model)[0] * (parameter(model, 0).dot(v) - v.dot(v))
        for i in range(n):
            direct = gradient_integrand_direct(model, i)
            stein = gradient_integrand_stein(model, i, coefficients)
            g = weights(model)[i] * (parameter(model, i).dot(v) - v.dot(v))
            for k in range(d):
                derivative_ok &= is_identically_zero(d_dmu(loss, model, i, k) - direct[k])
                field = [2 * g if j == k else sp.S.Zero for j in range(d)]
                stein_ok &= is_identically_zero(direct[k] - stein[k] - gaussian_divergence(field, model))
        certificate = (
            f"(a) d|v|^2/dmu_i = 2[w_i v + w_i (x - mu_i)(<mu_i, v> - |v|^2)] for all i: {derivative_ok}. "
            f"(b) for each i, k: direct_k - stein_k + div(h phi)/phi reduces to 0 with h = 2 g e_k, "
            f"g = w_i (<mu_i, v> - |v|^2): {stein_ok}; e.g. g for i = 1: {readable(g_first, 300)}. "
            f"Boundary terms: {GROWTH_CONDITION}"
        )
        return certificate, derivative_ok and stein_ok

    return _timed(
        build,
        "lemma2.2",
        _stein_statement(tuple(coefficients)),
        {"n": n, "d": d, "coefficients": tuple(coefficients)},
        "integration by parts against the Gaussian (divergence certificate); rational reduction to 0",
    )


def prove_em_bridge(n: int, d: int, factor=2) -> Proof:
    """The linear term ``2 E[w_i v]`` equals ``factor`` times the gradient of ``KL(N(0,I) || (1/n) sum_j N(mu_j, I))``.

    Steps: (a) ``log phi(x - mu_j) - log phi(x) = a_j``, so the KL integrand is ``log n - log sum_j E_j``;
    (b) its ``mu_ik``-derivative is ``-w_i (x_k - mu_ik)``; (c) ``(2/factor) w_i v_k`` differs from that by
    ``-div(h phi)/phi`` with ``h = -w_i e_k``. The true statement has ``factor = 2``.
    """
    model = reduced_model(n, d)

    def build() -> tuple[str, bool]:
        log_phi = lambda z: -z.dot(z) / 2  # noqa: E731 (log density up to the constant -d/2 log 2 pi)
        log_ratio_ok = all(
            sp.expand(log_phi(model.x - parameter(model, j)) - log_phi(model.x) - a) == 0
            for j, a in enumerate(logits(model))
        )
        kl_integrand = sp.log(n) - sp.log(sp.Add(*model.E))
        v = mean_field(model)
        gradient_ok, divergence_ok = True, True
        for i in range(n):
            w_i = weights(model)[i]
            for k in range(d):
                kl_gradient = -w_i * (model.x[k] - model.mu[i, k])
                gradient_ok &= is_identically_zero(d_dmu(kl_integrand, model, i, k) - kl_gradient)
                field = [-w_i if j == k else sp.S.Zero for j in range(d)]
                linear_term = sp.Rational(2) / sp.sympify(factor) * w_i * v[k]
                divergence_ok &= is_identically_zero(kl_gradient - linear_term - gaussian_divergence(field, model))
        certificate = (
            f"(a) log phi(x - mu_j) - log phi(x) = a_j: {log_ratio_ok}; KL integrand = log n - log sum_j E_j. "
            f"(b) d/dmu_ik of it = -w_i (x_k - mu_ik): {gradient_ok} (|derivative| <= |x| + |mu_i|, so it may be "
            f"taken under E). (c) -w_i (x_k - mu_ik) - (2/{factor}) w_i v_k + div(h phi)/phi = 0 with h = -w_i e_k: "
            f"{divergence_ok}; |h| <= 1, so boundary terms vanish."
        )
        return certificate, log_ratio_ok and gradient_ok and divergence_ok

    return _timed(
        build,
        "bridge.em",
        f"2 E[w_i v] = {factor} * grad_(mu_i) KL(N(0, I) || (1/n) sum_j N(mu_j, I))",
        {"n": n, "d": d, "factor": factor},
        "differentiation under E, then integration by parts (divergence certificate); rational reduction to 0",
    )


def prove_coincident(n: int, d: int) -> Proof:
    """All ``mu_i = a``: ``w_i = 1/n``, ``grad_i L = (2/n) a``, ``L = |a|^2``, GD gives ``a <- (1 - 2 eta/n) a``."""
    model = reduced_model(n, d)

    def build() -> tuple[str, bool]:
        a = sp.ImmutableMatrix(d, 1, lambda k, _: sp.Symbol(f"a_{k + 1}", real=True))
        eta = sp.Symbol("eta", positive=True)
        at_a = {model.mu[i, k]: a[k] for i in range(n) for k in range(d)}
        equal_logits = all(sp.expand((logit - logits(model)[0]).xreplace(at_a)) == 0 for logit in logits(model))
        collapse = at_a | {E_i: model.E[0] for E_i in model.E}
        weights_ok = all(is_identically_zero(w.xreplace(collapse) - sp.Rational(1, n)) for w in weights(model))
        gradients = [gradient_integrand_direct(model, i).xreplace(collapse) for i in range(n)]
        gradient_ok = all(is_identically_zero(g[k] - sp.Rational(2, n) * a[k]) for g in gradients for k in range(d))
        loss_ok = is_identically_zero(loss_integrand(model).xreplace(collapse) - a.dot(a))
        step = [sp.expand(a[k] - eta * sp.Rational(2, n) * a[k] - (1 - 2 * eta / n) * a[k]) for k in range(d)]
        holds = equal_logits and weights_ok and gradient_ok and loss_ok and all(s == 0 for s in step)
        certificate = (
            f"equal logits: {equal_logits}; w_i = 1/n identically: {weights_ok}; gradient integrand of every "
            f"mu_i is the constant (2/n) a (no x left, so no expectation needed): {gradient_ok}; loss integrand "
            f"= |a|^2: {loss_ok}; GD step a - eta (2/n) a = (1 - 2 eta/n) a for every i, so parameters stay "
            "equal and contract."
        )
        return certificate, holds

    return _timed(
        build,
        "coincident",
        "mu_i = a for all i  =>  grad_i L = (2/n) a, L = |a|^2, GD: a <- (1 - 2 eta/n) a",
        {"n": n, "d": d},
        "exact substitution; rational reduction to 0",
    )


@dataclass(frozen=True)
class SymmetricFamily:
    """The thm3.1 family ``mu_1 = s e_1, mu_2 = -s e_1, mu_i = 0 (i >= 3)`` reduced to one dimension.

    ``gradient`` is ``G(s, x)``, the ``e_1`` component of the ``grad_{mu_1}`` integrand (direct form), so
    stationarity of the family is ``E_{x ~ N(0,1)} G(s, x) = 0``; ``loss`` is the loss integrand ``|v|^2``.
    """

    n: int
    s: sp.Symbol
    x: sp.Symbol
    gradient: sp.Expr
    loss: sp.Expr


def _family_substitution(model: ReducedModel, s: sp.Symbol) -> dict:
    values = {model.mu[i, k]: sp.S.Zero for i in range(model.n) for k in range(model.d)}
    values |= {model.mu[0, 0]: s, model.mu[1, 0]: -s}
    return values | {E_i: sp.S.One for E_i in model.E[2:]}  # a_i = 0 for i >= 3


def symmetric_family(n: int) -> SymmetricFamily:
    """``G(s, x)`` and the loss integrand along the thm3.1 family, as explicit expressions in ``s`` and ``x``."""
    model = reduced_model(n, 1)
    s, x = sp.Symbol("s", positive=True), sp.Symbol("x", real=True)
    on_family = _family_substitution(model, s)
    exponentials = {model.E[0]: sp.exp(s * x - s**2 / 2), model.E[1]: sp.exp(-s * x - s**2 / 2)}

    def restrict(expr: sp.Expr) -> sp.Expr:
        return sp.factor(expr.xreplace(on_family)).xreplace({model.x[0]: x}).xreplace(exponentials)

    return SymmetricFamily(n, s, x, restrict(gradient_integrand_direct(model, 0)[0]), restrict(loss_integrand(model)))


def _reflection_permutation(model: ReducedModel, on_family: dict, reflect: dict) -> dict | None:
    """The map ``E_i -> E_pi(i)`` induced by ``x -> Rx`` on the family's logits, or None if R permutes none."""
    a = [sp.expand(logit.xreplace(on_family)) for logit in logits(model)]
    image = {}
    for i, a_i in enumerate(a):
        reflected = sp.expand(a_i.xreplace(reflect))
        matches = [j for j in [i, *range(model.n)] if sp.expand(reflected - a[j]) == 0]
        if not matches:
            return None
        image[model.E[i]] = model.E[matches[0]]
    return image


def prove_thm31_symmetry(n: int, d: int) -> Proof:
    """Stationarity of the thm3.1 family reduces to one scalar equation ``E G(s, x_1) = 0``.

    Checked exactly: under ``x_k -> -x_k`` (``k >= 2``) every ``e_k`` gradient component is odd; under
    ``x_1 -> -x_1`` (which swaps ``mu_1`` and ``mu_2``) the ``e_1`` components of ``grad_3..grad_n`` are odd
    and ``grad_1`` maps to ``-grad_2``; and ``G`` depends on ``x_1`` only. The theorem assumes ``n >= 3``;
    the symmetry argument also holds for ``n = 2``.
    """
    model = reduced_model(n, d)
    s = sp.Symbol("s", positive=True)
    on_family = _family_substitution(model, s)

    def build() -> tuple[str, bool]:
        grads = [gradient_integrand_direct(model, i).xreplace(on_family) for i in range(n)]
        checks: dict[str, bool] = {}
        for k in range(d):
            reflect = {model.x[k]: -model.x[k]}
            permutation = _reflection_permutation(model, on_family, reflect)
            if permutation is None:
                checks[f"x_{k + 1} -> -x_{k + 1} permutes the logits"] = False
                continue
            image = reflect | permutation
            if k > 0:
                checks[f"e_{k + 1} components odd under x_{k + 1} -> -x_{k + 1}"] = all(
                    is_identically_zero(g[k].xreplace(image) + g[k]) for g in grads
                )
            else:
                checks["e_1 components of grad_3..grad_n odd under x_1 -> -x_1"] = all(
                    is_identically_zero(g[0].xreplace(image) + g[0]) for g in grads[2:]
                )
                checks["grad_1 e_1 component (x_1 -> -x_1) = -grad_2 e_1 component"] = is_identically_zero(
                    grads[0][0].xreplace(image) + grads[1][0]
                )
        others = set(model.x[1:])
        checks["G and the loss integrand depend on x_1 only"] = (
            not (grads[0][0].free_symbols | loss_integrand(model).xreplace(on_family).free_symbols) & others
        )
        family = symmetric_family(n)
        lines = [f"{name}: {ok}" for name, ok in checks.items()]
        lines.append(f"G(s, x) = {readable(family.gradient)}")
        return "; ".join(lines), all(checks.values())

    return _timed(
        build,
        "thm3.1",
        "on mu_1 = s e_1, mu_2 = -s e_1, mu_i = 0 (i >= 3): grad L = 0 iff E_{x ~ N(0,1)} G(s, x) = 0",
        {"n": n, "d": d},
        "exact reflection symmetries (odd integrands have zero Gaussian mean); rational reduction to 0",
    )


def prove_all(instances: tuple = STANDARD_INSTANCES) -> list[Proof]:
    """Every proof of this module for every ``(n, d)`` in ``instances``."""
    provers = (prove_reduction_eq1, prove_stein_gradient, prove_em_bridge, prove_coincident, prove_thm31_symmetry)
    return [prove(n, d) for n, d in instances for prove in provers]
