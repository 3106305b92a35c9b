"""Loss and gradient of the score-matching model at one configuration, in three tiers.

``evaluate(mu, tier=..., dps=...)`` computes ``L(mu)`` and ``grad_i L(mu)`` (docs/claims.md, section 1), or with
``t`` the original-coordinate loss ``L_t(m)`` and its gradient in the ``m_i``
(``mu_i = e^{-t} (m_i - m*)``, so ``grad_{m_i} L_t = e^{-t} grad_{mu_i} L``).

* ``fast``: double precision, numpy; error is an honest estimate.
* ``precise``: ``dps`` digits (python-flint balls used as fast multiprecision numbers); error estimate.
* ``certified``: python-flint balls with proven quadrature and tail bounds; configurations whose
  differences span one direction (collinear parameters, clusters spread along a line) or none.

The tier is one object (:func:`numeric.expectation.tiers.tier_of`), built once and shared with the
expectations.  Error figures are doubles in the fast tier and mpmath numbers in the others, so that they
do not underflow at the top of the precision range (``dps`` up to 5000).  In the fast tier, four or more
reduced dimensions (or a tensor rule beyond the memory cap) are integrated by randomized quasi-Monte-Carlo,
whose error is a statistical error bar (``method`` says so).
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from numeric.config import InputError, as_decimal_string, check_mu, parse_number
from numeric.expectation.cubature.tensor import ReusableRule, reusable_rule
from numeric.expectation.gaussian import Expectation, gaussian_expectation
from numeric.expectation.reduction import Reduction, reduce_exact, reduce_float, reduce_onto, reduce_precise
from numeric.expectation.tiers import TIER_NAMES, CertifiedTier, FastTier, PreciseTier, Tier, precision_bits, tier_of

__all__ = [
    "TIERS",
    "MIN_DPS",
    "MAX_DPS",
    "Evaluation",
    "evaluate",
    "loss_and_gradient_float",
    "loss_and_gradient_reusing",
    "loss_and_gradient_precise",
]

TIERS = TIER_NAMES
MIN_DPS = 10
MAX_DPS = 5000


@dataclass(frozen=True)
class Evaluation:
    """Loss and gradient with an error figure (a proof when ``rigorous``)."""

    mu: list[list[str]]
    t: str
    tier: str
    dps: int
    loss: Any  # float | mpf | arb ball
    grad: list[list[Any]]
    error: Any  # max |computed - true| over the loss and every gradient entry: float (fast) or mpf
    rigorous: bool
    method: str

    def to_json(self) -> dict:
        """The ``eval --json`` object of the interface: decimal strings, ``[lo, hi]`` for enclosures."""
        tier = tier_of(self.tier, self.dps)
        fmt = _FORMATTERS[type(tier)](tier.dps)
        return {
            "mu": self.mu,
            "t": self.t,
            "tier": self.tier,
            "dps": tier.reported_dps,
            "loss": fmt(self.loss),
            "grad": [[fmt(g) for g in row] for row in self.grad],
            "error": _error_text(self.error),
            "rigorous": self.rigorous,
            "method": self.method,
        }


def _error_text(x: Any) -> str:
    """An error figure as a decimal string: a double's repr, or 17 digits of an mpf (which may be 1e-5000)."""
    return mpmath.nstr(x, 17) if isinstance(x, mpmath.mpf) else repr(float(x))


_FORMATTERS = {
    FastTier: lambda dps: lambda x: repr(float(x)),
    PreciseTier: lambda dps: lambda x: mpmath.nstr(x, dps, strip_zeros=False) if isinstance(x, mpmath.mpf) else str(x),
    CertifiedTier: lambda dps: lambda x: enclosure_strings(x, dps),
}


def enclosure_strings(x: flint.arb, dps: int) -> list[str]:
    """``[lo, hi]`` decimal strings that provably enclose the ball ``x``.

    The ball's endpoints are printed with ``dps + 5`` digits and then moved outward by one unit in the
    last printed place, in exact decimal arithmetic, so printing cannot cut into the enclosure.
    """
    digits = dps + 5
    with flint.ctx.workprec(precision_bits(dps) + 64):  # endpoints exact, not rounded to the context
        lo = Decimal(x.lower().str(digits, radius=False))
        hi = Decimal(x.upper().str(digits, radius=False))
    with localcontext() as ctx:
        ctx.prec = digits + 10
        unit = lambda d: Decimal(1).scaleb(d.adjusted() - digits + 1) if d else Decimal("1e-100000")  # noqa: E731
        return [str(lo - unit(lo)), str(hi + unit(hi))]


def evaluate(
    mu: Sequence[Sequence[Any]],
    *,
    tier: str = "fast",
    dps: int = 40,
    t: Any = None,
    truth: Sequence[Any] | None = None,
) -> Evaluation:
    """Loss and gradient at ``mu`` (reduced parameters), or at original means ``m = mu`` when ``t`` is set.

    In the fast tier, numbers given as numbers (floats, numpy arrays) are used as they are: no detour
    through decimal strings.
    """
    if not isinstance(dps, int) or isinstance(dps, bool) or not MIN_DPS <= dps <= MAX_DPS:
        raise InputError("dps", f"{dps!r} is out of range; use an integer from {MIN_DPS} to {MAX_DPS}")
    context = tier_of(tier if isinstance(tier, str) else repr(tier), dps)
    floats = _as_floats(mu) if isinstance(context, FastTier) else None
    rows = check_mu(mu) if floats is None else [[repr(x) for x in row] for row in floats.tolist()]
    d = len(rows[0])
    t_text = "0" if t is None else parse_number(str(t), "t")
    if truth is not None:
        if t is None:
            raise InputError("truth", "only meaningful with a noise time t (original coordinates)")
        truth = [as_decimal_string(v, f"truth[{k}]") for k, v in enumerate(truth)]
        if len(truth) != d:
            raise InputError("truth", f"has {len(truth)} entries, the parameters have dimension {d}")
    truth = truth or ["0"] * d
    source = floats if floats is not None else rows
    loss, grad, error, method = _EVALUATORS[type(context)](source, truth, t_text, context)
    return Evaluation(rows, t_text, context.name, dps, loss, grad, error, context.rigorous, method)


def _as_floats(mu: Any) -> np.ndarray | None:
    """``mu`` as a float array when it is given as finite real numbers (not strings), else None."""
    if isinstance(mu, np.ndarray):
        values = mu
    elif isinstance(mu, (list, tuple)) and mu and all(isinstance(row, (list, tuple, np.ndarray)) for row in mu):
        if any(isinstance(x, (str, bool)) or not isinstance(x, numbers.Real) for row in mu for x in row):
            return None
        if len({len(row) for row in mu}) != 1:
            return None
        values = np.array(mu, dtype=float)
    else:
        return None
    if values.ndim != 2 or values.size == 0 or values.dtype.kind not in "fiu" or not np.all(np.isfinite(values)):
        return None  # check_mu names what is wrong
    return values.astype(float)


# --------------------------------------------------------------------------- assembly


def _assemble(red: Reduction, expectation: Expectation | None, n: int, d: int):
    """Loss and gradient from the reduced expectations (module docstring of numeric.expectation.reduction)."""
    p = red.orth
    p_norm2 = sum((pk * pk for pk in p[1:]), p[0] * p[0])
    if expectation is None:  # coincident parameters: w_i = 1/n, closed form
        return p_norm2, [[2 * pk / n for pk in p] for _ in range(n)], [0.0] * (1 + n * d)
    r = red.rank
    values, errors = expectation.values, expectation.errors
    grad, grad_err = [], []
    for i in range(n):
        eg = values[1 + i * r : 1 + (i + 1) * r]
        eg_err = errors[1 + i * r : 1 + (i + 1) * r]
        k_w, k_ws = 1 + n * r + i, 1 + n * r + n + i
        factor = 2 * (values[k_w] - values[k_ws])
        factor_err = 2 * (errors[k_w] + errors[k_ws])
        row, row_err = [], []
        for k in range(d):
            row.append(sum((red.basis[k][j] * eg[j] for j in range(1, r)), red.basis[k][0] * eg[0]) + factor * p[k])
            row_err.append(
                sum(abs(float(_mid(red.basis[k][j]))) * eg_err[j] for j in range(r))
                + factor_err * abs(float(_mid(p[k])))
            )
        grad.append(row)
        grad_err.extend(row_err)
    return values[0] + p_norm2, grad, [errors[0]] + grad_err


def _mid(x):
    return x.mid() if isinstance(x, flint.arb) else x


def _evaluate_fast(rows, truth, t_text, tier: Tier):
    try:
        m = rows if isinstance(rows, np.ndarray) else np.array([[float(x) for x in row] for row in rows])
        shift = np.array([float(x) for x in truth])
        scale = math.exp(-float(t_text))
    except OverflowError:
        raise InputError("t", "too negative for double precision (use the precise tier)") from None
    mu = scale * (m - shift)
    if not np.all(np.isfinite(mu)) or np.max(np.abs(mu), initial=0.0) > 1e150:
        raise InputError("mu", "values too large for double precision (use the precise tier)")
    loss, grad, errors, method = loss_and_gradient_float(mu)
    grad = (scale * grad).tolist()
    return float(loss), grad, max(errors[:1] + [scale * e for e in errors[1:]]), method


def loss_and_gradient_float(mu: np.ndarray, estimate_error: bool = True) -> tuple[float, np.ndarray, list[float], str]:
    """Fast tier on a float array ``(n, d)``: loss, gradient ``(n, d)``, per-entry errors, method.

    ``estimate_error=False`` skips the work that only serves the error figure (errors may be NaN).
    """
    return _evaluate_reduced(mu, reduce_float(mu), estimate_error)


def _evaluate_reduced(mu: np.ndarray, red: Reduction, estimate: bool) -> tuple[float, np.ndarray, list[float], str]:
    """:func:`loss_and_gradient_float` once ``mu`` is reduced (rank 0: the closed form)."""
    return _assemble_float(mu, red, gaussian_expectation(red, FAST, estimate=estimate) if red.rank else None)


def loss_and_gradient_reusing(mu: np.ndarray, anchor: np.ndarray | None) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Loss and gradient as ``loss_and_gradient_float(mu, False)`` for a loop of small moves (gradient descent).

    ``anchor`` is where the loop last built a tensor rule (None at first): while ``mu`` stays within
    :data:`~numeric.expectation.cubature.tensor.RULE_SLACK` of it, that rule, chosen for every configuration so close
    (:class:`~numeric.expectation.cubature.tensor.ReusableRule`), is summed again; otherwise one is built at ``mu``.
    Returns the anchor to pass next time (None where the fast tier integrates otherwise).  The rule is a function
    of the anchor alone, so a run resumed with its anchor repeats an uninterrupted one bit for bit.
    """
    kept = _rule_at(anchor) if anchor is not None else None
    found = _reused(kept, mu) if kept is not None else None
    if found is not None:
        return (*found, anchor)
    red = reduce_float(mu)
    kept = reusable_rule(red)
    if kept is None:
        loss, grad, _, _ = _evaluate_reduced(mu, red, False)
        return loss, grad, None
    anchor = np.array(mu, dtype=float)
    _keep_rule(anchor, kept)
    found = _reused(kept, mu)  # None only where rounding puts the anchor a hair outside its own box or span
    return (*(found or _loss_and_gradient(mu, red, kept.sums(red))), anchor)


def _reused(kept: ReusableRule, mu: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Loss and gradient at ``mu`` from ``kept`` if it covers ``mu`` (in compiled calls for a small rule), else None."""
    if kept.compiled:
        return kept.loss_and_gradient(mu)
    red = reduce_onto(mu, kept.basis)
    return _loss_and_gradient(mu, red, kept.sums(red)) if red is not None and kept.covers(red) else None


#: Reusable rules by anchor (a few: gradient descent needs its current one; resumed runs rebuild theirs), shared by
#: the threads of a process (a sweep's workers), hence the lock.
_RULES: dict[bytes, ReusableRule] = {}
_RULES_LOCK = threading.Lock()


def _rule_key(anchor: np.ndarray) -> bytes:
    return anchor.tobytes() + repr(anchor.shape).encode()


def _keep_rule(anchor: np.ndarray, rule: ReusableRule) -> None:
    with _RULES_LOCK:
        while len(_RULES) >= 16:
            del _RULES[next(iter(_RULES))]
        _RULES[_rule_key(anchor)] = rule


def _rule_at(anchor: np.ndarray) -> ReusableRule | None:
    """The rule built at ``anchor``: kept, or built again (the same rule: it depends on the anchor alone)."""
    with _RULES_LOCK:
        kept = _RULES.get(_rule_key(anchor))
    if kept is None:
        kept = reusable_rule(reduce_float(anchor))
        if kept is not None:
            _keep_rule(anchor, kept)
    return kept


def _assemble_float(
    mu: np.ndarray, red: Reduction, expectation: Expectation | None
) -> tuple[float, np.ndarray, list[float], str]:
    """Loss, gradient, errors and method from the reduced expectations (None: coincident parameters)."""
    n, d = mu.shape
    rounding = 16 * np.finfo(float).eps * (1.0 + red.radius + float(np.linalg.norm(red.orth))) ** 3
    if expectation is None:
        grad = np.repeat(2.0 * red.orth[None, :] / n, n, axis=0)
        return (
            float(red.orth @ red.orth),
            grad,
            [rounding] * (1 + n * d),
            "closed form (coincident parameters: w_i = 1/n)",
        )
    values, errors = np.asarray(expectation.values), np.asarray(expectation.errors)
    r = red.rank
    loss, grad = _loss_and_gradient(mu, red, values)
    method = f"span reduction to r={r}; {expectation.method}"
    if np.isnan(errors[0]):  # no estimate was asked for
        return loss, grad, [math.nan] * (1 + n * d), method
    factor_err = 2.0 * (errors[1 + n * r : 1 + n * r + n] + errors[1 + n * r + n :])
    grad_err = (
        errors[1 : 1 + n * r].reshape(n, r) @ np.abs(red.basis.T) + factor_err[:, None] * np.abs(red.orth)[None, :]
    )
    errors = [errors[0] + rounding] + (grad_err.ravel() + rounding).tolist()
    return loss, grad, errors, method


def _loss_and_gradient(mu: np.ndarray, red: Reduction, values: np.ndarray) -> tuple[float, np.ndarray]:
    """Loss and gradient ``(n, d)`` from the reduced expectations ``values`` (module docstring of
    numeric.expectation.reduction)."""
    n, r = len(mu), red.rank
    reduced_grad = values[1 : 1 + n * r].reshape(n, r)
    factor = 2.0 * (values[1 + n * r : 1 + n * r + n] - values[1 + n * r + n :])
    grad = _equal_rows_equal(mu, reduced_grad @ red.basis.T + factor[:, None] * red.orth[None, :])
    return float(values[0] + red.orth @ red.orth), grad


def _equal_rows_equal(mu: Any, grad: Any) -> Any:
    """Give exactly equal parameters exactly equal gradients (the mean over each group).

    Mathematically they are equal; in floating point, matrix products may round identical columns
    differently, and gradient descent would then split parameters that must stay together.
    """
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(mu.tolist() if isinstance(mu, np.ndarray) else mu):
        groups.setdefault(tuple(row), []).append(i)
    for members in groups.values():
        if len(members) > 1:
            d = len(grad[members[0]])
            mean = [sum(grad[i][k] for i in members) / len(members) for k in range(d)]
            for i in members:
                grad[i] = np.array(mean) if isinstance(grad, np.ndarray) else list(mean)
    return grad


def _evaluate_precise(rows, truth, t_text, tier: Tier):
    dps = tier.dps
    with mpmath.workdps(dps + 15):
        scale = mpmath.exp(-mpmath.mpf(t_text))
        mu = [[scale * (mpmath.mpf(x) - mpmath.mpf(s)) for x, s in zip(row, truth)] for row in rows]
    loss, grad, errors, method = loss_and_gradient_precise(mu, dps)
    with mpmath.workdps(dps + 15):
        grad = [[scale * g for g in row] for row in grad]
        error = max(errors[:1] + [scale * e for e in errors[1:]])
    return loss, grad, +error, method


def loss_and_gradient_precise(mu: Sequence[Sequence[mpmath.mpf]], dps: int) -> tuple[Any, list, list, str]:
    """Precise tier on mpmath numbers ``(n, d)``: loss, gradient (mpf), per-entry error estimates, method.

    Values carry the balls' precision (``dps`` plus guard digits); the errors (mpmath numbers, which do
    not underflow at high ``dps``) include the balls' radii.
    """
    tier = tier_of("precise", dps)
    red = reduce_precise(mu, dps)
    n, d = len(mu), len(mu[0])
    expectation = gaussian_expectation(red, tier) if red.rank else None
    with flint.ctx.workprec(tier.bits):
        loss, grad, errors = _assemble(red, expectation, n, d)
        loss = loss if isinstance(loss, flint.arb) else flint.arb(loss)
        radii = [mpmath.mpf(loss.rad())] + [mpmath.mpf(g.rad()) for row in grad for g in row]
    with mpmath.workprec(precision_bits(dps)):  # the balls' own precision: the conversion is exact
        loss_mp = mpmath.mpf(loss.mid())
        grad_mp = _equal_rows_equal(mu, [[mpmath.mpf(g.mid()) for g in row] for row in grad])
    # the reduction (an SVD at dps + 15 digits) rounds like the fast tier's does in double precision
    size = 1 + red.radius + max((abs(float(_mid(x))) for x in red.orth), default=0.0) * len(red.orth) ** 0.5
    reduction = 16 * mpmath.mpf(10) ** -(dps + 14) * mpmath.mpf(size) ** 3
    method = expectation.method if expectation else "closed form (coincident parameters: w_i = 1/n)"
    errors = [e + r + reduction for e, r in zip(errors, radii)]
    return loss_mp, grad_mp, errors, f"span reduction to r={red.rank}; {method}"


def _evaluate_certified(rows, truth, t_text, tier: Tier):
    exact = lambda s: Fraction(Decimal(s))  # noqa: E731  decimal strings are exact rationals
    points = [[exact(x) - exact(s) for x, s in zip(row, truth)] for row in rows]
    prec = tier.bits
    with flint.ctx.workprec(prec):
        q = exact(t_text)
        scale = (-flint.arb(flint.fmpq(q.numerator, q.denominator))).exp()
    red = reduce_exact(points, scale, prec)
    n, d = len(rows), len(rows[0])
    expectation = gaussian_expectation(red, tier) if red.rank else None
    with flint.ctx.workprec(prec):
        loss, grad, _ = _assemble(red, expectation, n, d)
        grad = [[scale * g for g in row] for row in grad]
        loss = loss if isinstance(loss, flint.arb) else flint.arb(loss)
    error = max([mpmath.mpf(loss.rad())] + [mpmath.mpf(g.rad()) for row in grad for g in row]) * (1 + 1e-9)
    method = expectation.method if expectation else "closed form (coincident parameters: w_i = 1/n), exact balls"
    return loss, grad, error, f"exact span reduction to r={red.rank}; {method}"


FAST = tier_of("fast")
_EVALUATORS = {FastTier: _evaluate_fast, PreciseTier: _evaluate_precise, CertifiedTier: _evaluate_certified}
