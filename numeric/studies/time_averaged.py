"""The score-matching loss averaged over noise times, and gradient descent on it (docs/claims.md §1, §5).

With the truth at ``m* = 0`` the fixed-``t`` loss of the original means is ``L_t(m) = L(e^{-t} m)``
(``L`` the reduced loss of :mod:`numeric.model`).  Diffusion training averages it over ``t``:

    Lbar(m) = int w(t) L(e^{-t} m) dt,     grad_m Lbar(m) = int w(t) e^{-t} (grad L)(e^{-t} m) dt,

with ``w`` a probability density on ``[t0, t1]`` (:class:`Weight`: uniform, ``exp:RATE`` with
``w ∝ e^{-RATE t}``, or ``variance`` with ``w ∝ 1 - e^{-2t}``, the usual ``lambda(t) = sigma_t^2``).

**Quadrature.** Gauss-Legendre with ``K`` nodes ``t_k`` on ``[t0, t1]`` and combined weights
``W_k = g_k w(t_k)`` (``g_k`` the Legendre weights), each node evaluated in the fast tier
(:func:`numeric.model.loss_and_gradient_float`).  The integrand is analytic in ``t``, so the rule
converges geometrically; its error is estimated by ``|Q_K - Q_2K|``.  :func:`choose_nodes` doubles
``K`` from 4 until that estimate is below ``1e-10`` relative to the largest output (or ``K`` reaches
64) at the start point; the inner errors enter as ``sum_k |W_k| e^{-t_k} err_k``.

**Gradient descent** on ``m`` with step ``eta``: ``m <- m - eta grad Lbar(m)`` (:func:`run_averaged`),
recorded on :func:`numeric.dynamics.gd.log_grid` and classified by :func:`numeric.dynamics.gd.classify` on ``||m_i||``.
The comparison at a fixed ``t`` (:func:`run_fixed`) is :mod:`numeric.dynamics.gd`'s own loop with ``config.t``
set (GD on ``m`` with step ``eta``, i.e. on ``mu = e^{-t} m`` with step ``eta e^{-2t}``), re-expressed
in ``m`` so that both runs are classified with the same thresholds in the same coordinates.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from numeric.config import InputError, as_decimal_string
from numeric.dynamics.gd import (
    ParameterStatus,
    Record,
    advance,
    classify,
    log_grid,
    make_config,
    start_state,
)
from numeric.expectation.quadrature import legendre_float
from numeric.model import loss_and_gradient_float, loss_and_gradient_precise

__all__ = [
    "WEIGHT_KINDS",
    "Weight",
    "parse_weight",
    "nodes",
    "Averaged",
    "averaged_float",
    "choose_nodes",
    "Trajectory",
    "averaged_by_mpquad",
    "run_averaged",
    "run_fixed",
    "blowup_limit",
    "first_order_log10_amplification",
]

WEIGHT_KINDS = ("uniform", "exp:RATE", "variance")
MIN_NODES, MAX_NODES = 4, 64
NODES_RTOL = 1e-10
MAX_EXPONENT = 50.0  # |RATE| (t1 - t0) above this puts 99% of the weight within 10% of one end: a fixed t


# --------------------------------------------------------------------------- the weight


@dataclass(frozen=True)
class Weight:
    """A probability density on ``[t0, t1]``: ``kind`` "uniform", "exp" (``∝ e^{-rate t}``) or "variance"."""

    kind: str
    t0: float
    t1: float
    rate: float = 0.0

    def density(self, t: np.ndarray) -> np.ndarray:
        """``w(t)``, normalized on ``[t0, t1]`` (closed forms, written to avoid overflow)."""
        t = np.asarray(t, dtype=float)
        length = self.t1 - self.t0
        if self.kind == "uniform" or (self.kind == "exp" and self.rate == 0):
            return np.full_like(t, 1.0 / length)
        if self.kind == "exp":
            a = abs(self.rate)
            edge = self.t0 if self.rate > 0 else self.t1  # the end where the density peaks
            return a * np.exp(-a * np.abs(t - edge)) / -math.expm1(-a * length)
        # variance: int (1 - e^{-2t}) dt = length - e^{-2 t0} (1 - e^{-2 length}) / 2
        mass = length + math.exp(-2 * self.t0) * math.expm1(-2 * length) / 2
        return -np.expm1(-2 * t) / mass

    @property
    def label(self) -> str:
        """E.g. ``uniform on [0, 1]``, ``exp:2 on [0, 1]``."""
        kind = f"exp:{self.rate:g}" if self.kind == "exp" else self.kind
        return f"{kind} on [{self.t0:g}, {self.t1:g}]"

    def expect(self, f) -> float:
        """``int f(t) w(t) dt`` for smooth ``f`` (Gauss-Legendre, 64 nodes: exact to rounding here)."""
        t, weights = nodes(self, MAX_NODES)
        return float(weights @ f(t))

    def mean_time(self) -> float:
        """``E_w[t]``."""
        return self.expect(lambda t: t)

    def effective_time(self) -> float:
        """``t_eff`` with ``e^{-2 t_eff} = E_w[e^{-4t}] / E_w[e^{-2t}]``: the first-order spread growth matches.

        Around a coincident cluster ``a`` (in ``m``) the averaged gradient contracts ``a`` at the rate
        ``(2/n) E_w[e^{-2t}]`` and grows the spread along ``a`` at ``(4/n) E_w[e^{-4t}] |a|^2``; the total
        growth ``~ exp(|a(0)|^2 E_w[e^{-4t}] / E_w[e^{-2t}])`` (gradient flow) is that of fixed ``t_eff``.
        """
        return -0.5 * math.log(self.expect(lambda t: np.exp(-4 * t)) / self.expect(lambda t: np.exp(-2 * t)))


def parse_weight(kind: str, t0: Any, t1: Any) -> Weight:
    """``--weight`` (uniform | exp:RATE | variance) on ``[--t0, --t1]``; InputError names the bad input."""
    start, end = float(as_decimal_string(t0, "t0")), float(as_decimal_string(t1, "t1"))
    if start < 0:
        raise InputError("t0", f"noise times are non-negative, got {t0}")
    if not end > start:
        raise InputError("t1", f"must exceed t0 = {start:g}, got {t1}")
    text = str(kind).strip()
    if text in ("uniform", "variance"):
        return Weight(text, start, end)
    if not text.startswith("exp:"):
        raise InputError("weight", f"unknown weight {text!r}; choose one of {', '.join(WEIGHT_KINDS)}")
    try:
        rate = float(as_decimal_string(text[4:], "weight"))
    except InputError:
        raise InputError("weight", f"exp:RATE needs a finite number RATE, got {text!r}") from None
    if abs(rate) * (end - start) > MAX_EXPONENT:
        raise InputError(
            "weight",
            f"|RATE| (t1 - t0) must be at most {MAX_EXPONENT:g} (otherwise the weight "
            f"sits at one end: use a fixed t), got {text!r} on [{start:g}, {end:g}]",
        )
    return Weight("exp", start, end, rate)


# --------------------------------------------------------------------------- quadrature over t


def nodes(weight: Weight, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Times ``t_k`` and combined weights ``W_k = g_k w(t_k)`` of the ``k``-node rule on ``[t0, t1]``."""
    x, g = legendre_float(k)  # cached
    half, mid = (weight.t1 - weight.t0) / 2, (weight.t1 + weight.t0) / 2
    t = mid + half * x
    return t, half * g * weight.density(t)


def _loss_grad(m: np.ndarray, t: np.ndarray, weights: np.ndarray, estimate_error: bool):
    """``sum_k W_k (L, e^{-t_k} grad L)(e^{-t_k} m)`` and the propagated inner errors (loss, max entry)."""
    loss, grad, loss_err, grad_err, methods = 0.0, np.zeros_like(m), 0.0, 0.0, []
    for tk, wk in zip(t, weights):  # one call per node: the fast tier adapts its rule to each configuration
        scale = math.exp(-tk)
        value, gradient, errors, method = loss_and_gradient_float(scale * m, estimate_error)
        loss += wk * value
        grad += (wk * scale) * gradient
        if estimate_error:
            loss_err += abs(wk) * errors[0]
            grad_err += abs(wk) * scale * max(errors[1:])
        methods.append((tk, method))
    return loss, grad, loss_err, grad_err, methods


@dataclass(frozen=True)
class Averaged:
    """``Lbar(m)`` and ``grad_m Lbar(m)`` with their error figure (max over the loss and every entry)."""

    loss: float
    grad: np.ndarray
    error: float  # quadrature_error + inner_error
    quadrature_error: float  # |Q_K - Q_2K|
    inner_error: float  # fast-tier errors at the nodes, propagated with the weights
    nodes: int
    method: str


def averaged_float(m: np.ndarray, weight: Weight, k: int) -> Averaged:
    """The ``k``-node averaged loss and gradient at the original means ``m`` ``(n, d)``, with error."""
    coarse = _loss_grad(m, *nodes(weight, k), True)
    fine = _loss_grad(m, *nodes(weight, 2 * k), False)
    return _averaged(coarse, fine, weight, k)


def _averaged(coarse, fine, weight: Weight, k: int) -> Averaged:
    loss, grad, loss_err, grad_err, methods = coarse
    quadrature = max(abs(loss - fine[0]), float(np.max(np.abs(grad - fine[1]))))
    inner_error = max(loss_err, grad_err)
    (t_first, first), (t_last, last) = methods[0], methods[-1]
    inner = f"at each node: {first}" if first == last else f"at t = {t_first:.3g}: {first}; at t = {t_last:.3g}: {last}"
    method = f"Gauss-Legendre over t, K = {k} nodes, weight {weight.label}; t-quadrature error |Q_K - Q_2K|; {inner}"
    return Averaged(float(loss), grad, quadrature + inner_error, quadrature, inner_error, k, method)


def choose_nodes(m: np.ndarray, weight: Weight, *, rtol: float = NODES_RTOL) -> Averaged:
    """Double ``K`` from 4 until ``|Q_K - Q_2K| <= rtol max(|Lbar|, |grad|)`` or ``K = 64`` (at ``m``)."""
    k = MIN_NODES
    coarse = _loss_grad(m, *nodes(weight, k), True)
    while True:
        fine = _loss_grad(m, *nodes(weight, 2 * k), True)
        result = _averaged(coarse, fine, weight, k)
        scale = max(abs(result.loss), float(np.max(np.abs(result.grad))))
        if result.quadrature_error <= rtol * scale or 2 * k > MAX_NODES:
            return result
        k, coarse = 2 * k, fine


def averaged_by_mpquad(
    m: Sequence[Sequence[str]], shape: Callable[[Any], Any], t0: float, t1: float, dps: int = 15
) -> list[float]:
    """An independent route to ``Lbar`` and its gradient (one dimension): ``mpmath.quad`` (tanh-sinh) over
    ``t`` of the precise tier at ``dps`` digits, weighted by ``shape`` (an unnormalized density, an mpmath
    callable) and divided by its own integral.  It shares nothing with :func:`averaged_float` but the
    formula for ``Lbar``.  Returns ``[Lbar, dLbar/dm_1, ..., dLbar/dm_n]``.
    """
    with mpmath.workdps(dps):

        @functools.cache
        def integrand(t):
            scale = mpmath.exp(-t)
            loss, grad, _, _ = loss_and_gradient_precise([[scale * mpmath.mpf(x) for x in row] for row in m], dps)
            return [shape(t) * value for value in [loss] + [scale * g[0] for g in grad]]

        mass = mpmath.quad(shape, [t0, t1])
        return [float(mpmath.quad(lambda t, j=j: integrand(t)[j], [t0, t1]) / mass) for j in range(1 + len(m))]


def first_order_log10_amplification(schedule: Weight | float, n: int, M0: float, eta: float) -> float:
    """``log10 A(infinity)``: first-order growth of a tiny cluster spread along ``c`` (``|c| = M0``, in ``m``).

    ``schedule`` is a fixed ``t`` or a :class:`Weight`.  With ``E_p = E_w[e^{-p t}]`` (``e^{-p t}`` at a
    fixed ``t``) the linearized averaged dynamics (:meth:`Weight.effective_time`) are those of
    :func:`numeric.dynamics.linearized.linearized_spread` for the step ``eta E_2`` and the centre
    ``M0 (E_4 / E_2)^(1/2)``: ``log A = sum_tau log(1 + 4 eta E_4 M0^2 q^(2 tau) / n)``, ``q = 1 - 2 eta E_2 / n``.
    """
    from numeric.dynamics.linearized import linearized_spread

    moment = (
        (lambda p: math.exp(-p * schedule))
        if isinstance(schedule, (int, float))
        else (lambda p: schedule.expect(lambda t: np.exp(-p * t)))
    )
    e2, e4 = moment(2), moment(4)
    step, centre = eta * e2, M0 * math.sqrt(e4 / e2)
    steps = max(1, math.ceil(math.log(max(centre, 1e-4) / 1e-4) / -math.log(abs(1 - 2 * step / n))))
    run = linearized_spread([centre], [[0.0]] * n, 0.0, repr(step), steps, points_per_decade=1)
    return float(run.log_amplification_limit) / math.log(10)


# --------------------------------------------------------------------------- gradient descent on m


@dataclass(frozen=True)
class Trajectory:
    """A GD run on the original means ``m``: records of ``||m_i||`` (thinned) and each parameter's status."""

    schedule: str
    convention: str
    records: tuple[Record, ...]
    statuses: tuple[ParameterStatus, ...]
    m: np.ndarray  # final original means
    steps: int  # updates performed
    stopped: str  # "budget", "blow-up" (or numeric.dynamics.gd's "tier" at a fixed t)
    reason: str
    seconds: float
    quadrature_error: float | None = None  # averaged runs: max relative |Q_K - Q_2K| over the records
    quadrature_error_at: int | None = None  # ... and the iteration where it occurred


def blowup_limit(m0: np.ndarray) -> float:
    """``100 max(1, max_i ||m_i(0)||)``: :mod:`numeric.dynamics.gd`'s default limit, taken in ``m``."""
    return 100.0 * max(1.0, float(np.max(np.linalg.norm(m0, axis=1))))


def run_averaged(
    m0: Sequence[Sequence[Any]],
    weight: Weight,
    eta: float,
    steps: int,
    k: int,
    *,
    points_per_decade: int = 20,
    converged_below: float = 1e-2,
    diverging_above: float = 1.0,
) -> Trajectory:
    """GD ``m <- m - eta grad Lbar(m)`` with the ``k``-node rule, for ``steps`` updates or until blow-up."""
    m = np.array([[float(x) for x in row] for row in m0])
    t, weights = nodes(weight, k)
    grid, limit = log_grid(steps, points_per_decade), blowup_limit(m)
    records, step, stopped, reason = [], 0, "budget", f"step budget of {steps} reached"
    blown: tuple[int, ...] = ()
    worst = (0.0, 0)  # largest relative |Q_K - Q_2K| seen at the recorded iterations, and where
    clock = time.perf_counter()
    while True:
        loss, grad, *_ = _loss_grad(m, t, weights, False)
        if step in grid:
            records.append(Record(step, loss, _norms(m), float(np.linalg.norm(grad))))
            worst = max(worst, (_relative_quadrature_error(m, weight, k, loss, grad), step))
        if step >= steps:
            break
        new = m - eta * grad
        norms = np.linalg.norm(new, axis=1)
        blown = tuple(int(i) for i in np.flatnonzero(~(norms <= limit)))
        if blown:
            stopped, reason = "blow-up", f"||m_{blown[0] + 1}|| passed the limit {limit:.3g} at step {step + 1}"
            if np.all(np.isfinite(new)):
                m, step = new, step + 1
            break
        m, step = new, step + 1
    return Trajectory(
        schedule=f"averaged: {weight.label}, K = {k}",
        convention=f"GD on the original means m with step eta = {eta:g} on the t-averaged loss",
        records=tuple(records),
        statuses=classify(records, blown, converged_below=converged_below, diverging_above=diverging_above),
        m=m,
        steps=step,
        stopped=stopped,
        reason=reason,
        seconds=time.perf_counter() - clock,
        quadrature_error=worst[0],
        quadrature_error_at=worst[1],
    )


def _relative_quadrature_error(m: np.ndarray, weight: Weight, k: int, loss: float, grad: np.ndarray) -> float:
    """``|Q_K - Q_2K| / max(|Lbar|, |grad|)`` at ``m``, given the ``K``-node values."""
    fine_loss, fine_grad, *_ = _loss_grad(m, *nodes(weight, 2 * k), False)
    scale = max(abs(loss), float(np.max(np.abs(grad))))
    gap = max(abs(loss - fine_loss), float(np.max(np.abs(grad - fine_grad))))
    return gap / scale if scale else gap


def _norms(m: np.ndarray) -> tuple[float, ...]:
    return tuple(np.linalg.norm(m, axis=1).tolist())


def run_fixed(
    m0: Sequence[Sequence[Any]],
    t: float,
    eta: float,
    steps: int,
    *,
    limit: float,
    points_per_decade: int = 20,
    converged_below: float = 1e-2,
    diverging_above: float = 1.0,
) -> Trajectory:
    """:mod:`numeric.dynamics.gd` at fixed ``t`` from the original means ``m0``, re-expressed and classified in ``m``.

    ``limit`` is the blow-up limit on ``||m_i||`` (passed to the loop as ``e^{-t} limit`` on ``mu``).
    """
    scale = math.exp(-t)
    config = make_config(
        m0, repr(eta), steps, t=repr(t), blowup=repr(scale * limit), points_per_decade=points_per_decade
    )
    state = advance(config, start_state(config))
    # ||m_i|| = ||mu_i|| / e^{-t};  grad_m L_t = e^{-t} grad_mu L
    records = tuple(
        Record(r.iteration, r.loss, tuple(x / scale for x in r.norms), r.grad_norm * scale) for r in state.records
    )
    return Trajectory(
        schedule=f"fixed t = {t:.4g}",
        convention=config.convention,
        records=records,
        statuses=classify(records, state.blown, converged_below=converged_below, diverging_above=diverging_above),
        m=np.asarray(state.mu) / scale,
        steps=state.step,
        stopped=state.stopped or "budget",
        reason=state.reason,
        seconds=state.seconds,
    )
