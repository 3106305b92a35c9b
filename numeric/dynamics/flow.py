"""The gradient flow ``d mu / ds = -grad L(mu)``: the small-step limit of GD, in flow time ``s = eta tau``.

:func:`run_flow` integrates it with an error-controlled stiff integrator on the fast tier
(``numeric.model.loss_and_gradient_float``) and records the state on a log grid of ``s`` (``0``, then
``first_time * 10^(j / points_per_decade)``, and the horizon).  The problem is stiff: the mean of the
parameters contracts at rate ``~2/n`` while the spread creeps along a slow manifold for decades of ``s``.

* **Integrator.**  SciPy's LSODA (``scipy.integrate.LSODA``: Adams while the problem is not stiff, BDF once it
  is), stepped by hand so that the records come from its dense output and every failure is seen.  Measured
  on ``n = 4, d = 1`` from the large-noise ball to ``s = 1e8`` (rtol ``1e-8``, one run): LSODA in log time
  3.4 s, in flow time 3.6 s; BDF 3.9 s / 7.8 s; Radau 16.5 s / 17.4 s, with LSODA the most accurate of the
  three at equal tolerance (``benchmarks/bench.py``).
* **Log time.**  On ``s >= first_time`` the flow is integrated in ``u = log s`` (``dmu/du = -s grad L``):
  power laws in ``s`` are smooth in ``u`` and the steps stay even in ``u``, which roughly halves the
  gradient calls at ``rtol = 1e-10`` (measured).  The stretch ``[0, first_time]`` is integrated in ``s``.
* **Jacobian.**  One-sided differences of the fast-tier gradient (``n d`` extra gradient calls, against
  ``4 n d`` for :func:`numeric.landscape.hessian.hessian_float`), symmetrized as a Hessian is.  The
  Jacobian only drives the Newton iterations of the implicit steps; the local error is estimated from
  the corrector, so an inexact Jacobian costs iterations, never accuracy.
* **Tolerances.**  ``rtol`` as given, ``atol = max(rtol * 1e-6, 1e-15 (1 + max ||mu_i(0)||))``.  The fast-tier
  gradient carries an absolute rounding of about ``4e-17 max ||mu||`` (measured at Theorem 3.4's away start:
  the gradient of the converging pair, ``2e-11``, moves in quanta of ``4.4e-16``); a strongly contracting
  parameter holds it as a position error of the same size, and an ``atol`` below that makes the integrator
  chase rounding (measured: at ``rtol = 1e-10``, ``atol = 1e-16`` the steps fell from ``0.01`` to ``1e-5`` in
  ``log s`` by ``s = 1e5``).
* **Exact invariants.**  Equal parameters stay equal and every parameter stays in the span of the start
  (the gradient lies in ``span{mu_j}``, and ``L`` only sees inner products), so the state integrated is one
  representative per group of equal parameters, in coordinates of an orthonormal basis of that span.
  Groups can therefore never split by rounding, and a collinear start is integrated as a line.
* **Error figure.**  A second run at ``rtol / 100`` (``error_run=True``) records at the same times;
  ``loss_error`` and ``norms_error`` are twice the largest gap between the two runs within two records either
  side.  The bare gap at one record is too small where the integration error changes sign (measured: up to
  4x, and 40x for a norm, below the gap to an ``rtol = 1e-11`` reference); the widened figure stayed above
  the reference gap on every record of the configurations tested (``tests/numeric/test_flow.py``).  The
  fast tier's own error estimate of each recorded loss is kept apart, in ``loss_evaluation_error``: it is
  an absolute rounding bound (about ``3.6e-15``), far above the relative accuracy of a loss that is a sum of
  positive terms, so folding it in would hide every loss below ``1e-14``.
* **Stops.**  The horizon; a parameter norm past ``blowup`` (default ``100 max(1, max ||mu_i(0)||)``) at the
  end of a step (recorded there); the loss at or below ``stop_loss`` at a record.  The error run follows the
  main run to its last record and does not stop early.
* **Failures** raise :class:`FlowFailure` (the integrator's status, a step size underflow, a step budget
  exhausted, a gradient the fast tier cannot evaluate): there is never a silent result.
"""

from __future__ import annotations

import math
import time as clock
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import LSODA

from numeric.config import InputError, check_mu, positive_real
from numeric.expectation.reduction import negligible_spread
from numeric.model import loss_and_gradient_float

__all__ = ["FlowFailure", "FlowRun", "Reduced", "run_flow", "flow_grid", "reduce_start", "widened"]

MAX_STEPS = 200_000
ATOL_FACTOR = 1e-6  # atol = max(rtol * ATOL_FACTOR, ATOL_FLOOR * (1 + max ||mu_i(0)||)) on the coordinates
ATOL_FLOOR = 1e-15  # the fast-tier gradient's absolute rounding is ~4e-17 max ||mu|| (module docstring)
JACOBIAN_STEP = 1e-7  # relative step of the one-sided differences
ERROR_REACH = 2  # records either side over which the gap between the two runs is maximized


class FlowFailure(RuntimeError):
    """The integrator could not meet its tolerance (or finish): the run has no result."""


@dataclass(frozen=True)
class FlowRun:
    """A recorded gradient-flow run (module docstring); arrays are indexed by record first."""

    mu0: np.ndarray  # (n, d)
    times: np.ndarray  # (K,)
    mu: np.ndarray  # (K, n, d)
    loss: np.ndarray  # (K,)
    norms: np.ndarray  # (K, n)
    loss_error: np.ndarray  # (K,) |run(rtol) - run(rtol/100)|; NaN without the error run
    norms_error: np.ndarray  # (K, n)
    method: str
    rtol: float
    stopped: str  # "horizon" | "blow-up" | "loss"
    reason: str
    seconds: float
    gradient_calls: int
    loss_evaluation_error: np.ndarray = field(default_factory=lambda: np.empty(0))  # (K,) the fast tier's own
    jacobian_calls: int = 0
    steps: int = 0  # integrator steps, both runs

    def to_json(self) -> dict:
        """A JSON-ready dict: every number a decimal string (shortest round-trip form of the double)."""
        text = _strings
        return {
            "mu0": text(self.mu0),
            "times": text(self.times),
            "mu": text(self.mu),
            "loss": text(self.loss),
            "norms": text(self.norms),
            "loss_error": text(self.loss_error),
            "norms_error": text(self.norms_error),
            "loss_evaluation_error": text(self.loss_evaluation_error),
            "method": self.method,
            "rtol": repr(self.rtol),
            "stopped": self.stopped,
            "reason": self.reason,
            "seconds": repr(self.seconds),
            "gradient_calls": self.gradient_calls,
            "jacobian_calls": self.jacobian_calls,
            "steps": self.steps,
        }


def _strings(array: np.ndarray) -> Any:
    return [_strings(row) for row in array] if np.ndim(array) else repr(float(array))


# --------------------------------------------------------------------------- inputs and the reduced system


def _start(mu0: Any) -> np.ndarray:
    rows = mu0.tolist() if isinstance(mu0, np.ndarray) else mu0
    if isinstance(mu0, np.ndarray) and mu0.ndim != 2:
        raise InputError("mu", f"expected an (n, d) array, got shape {mu0.shape}")
    start = np.array([[float(x) for x in row] for row in check_mu(rows)])
    if not np.all(np.isfinite(start)) or np.max(np.abs(start)) > 1e150:
        raise InputError("mu", "values too large for double precision")
    return start


@dataclass(frozen=True)
class Reduced:
    """One representative per group of equal parameters, in coordinates of an orthonormal basis of the span."""

    basis: np.ndarray  # (d, r), r >= 1
    members: np.ndarray  # (n,) group of each parameter
    start: np.ndarray  # (g, r)

    def expand(self, state: np.ndarray) -> np.ndarray:
        """``(n, r)`` coordinates of every parameter from the ``g r`` state vector."""
        return state.reshape(-1, self.basis.shape[1])[self.members]

    @property
    def description(self) -> str:
        groups, n = len(self.start), len(self.members)
        return (
            f"{groups} group(s) of equal parameters among {n}, integrated in a span of rank {self.basis.shape[1]} "
            f"(d = {self.basis.shape[0]})"
        )


def reduce_start(mu0: np.ndarray) -> Reduced:
    """Group exactly equal rows and take an orthonormal basis of their span (rank >= 1; any axis if all are 0).

    Directions whose singular value is below rounding (``16 eps (1 + max |mu|)``,
    :func:`numeric.expectation.reduction.negligible_spread`) are dropped, as the fast tier's own span reduction drops
    them."""
    _, first, members = np.unique(mu0, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # groups numbered in the order their first member appears
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(len(order))
    members = rank_of[members.ravel()]
    representatives = mu0[np.sort(first)]
    _, singular, vt = np.linalg.svd(representatives, full_matrices=False)
    rank = int(np.count_nonzero(singular > negligible_spread(mu0)))  # as reduce_float drops
    basis = vt[: max(rank, 1)].T if rank else np.eye(mu0.shape[1])[:, :1]
    return Reduced(basis, members, representatives @ basis)


class _System:
    """The reduced right-hand side and Jacobian in flow time (``log_time=False``) or ``u = log s``."""

    def __init__(self, reduced: Reduced, log_time: bool, counter: dict) -> None:
        self.reduced, self.log_time, self.counter = reduced, log_time, counter
        _, self.representative = np.unique(reduced.members, return_index=True)
        self.cache: tuple[bytes, np.ndarray] | None = None

    def gradient(self, state: np.ndarray) -> np.ndarray:
        key = state.tobytes()
        if self.cache is not None and self.cache[0] == key:
            return self.cache[1]
        self.counter["gradient"] += 1
        try:
            loss, grad, _, _ = loss_and_gradient_float(self.reduced.expand(state), False)
        except (ArithmeticError, ValueError, MemoryError) as error:
            raise FlowFailure(
                f"the fast tier could not evaluate the gradient ({type(error).__name__}: {error})"
            ) from None
        if not (math.isfinite(loss) and np.all(np.isfinite(grad))):
            raise FlowFailure("the fast tier returned a non-finite loss or gradient")
        value = grad[self.representative].ravel()
        self.cache = (key, value)
        return value

    def scale(self, t: float) -> float:
        return math.exp(t) if self.log_time else 1.0

    def rhs(self, t: float, state: np.ndarray) -> np.ndarray:
        return -self.scale(t) * self.gradient(state)

    def jacobian(self, t: float, state: np.ndarray) -> np.ndarray:
        """``-scale * H`` by one-sided differences of the reduced gradient (module docstring)."""
        self.counter["jacobian"] += 1
        base = self.gradient(state)
        size = np.max(np.abs(state), initial=0.0)
        columns = []
        for k in range(len(state)):
            h = JACOBIAN_STEP * max(abs(state[k]), 1e-3 * size, 1e-12)
            moved = state.copy()
            moved[k] += h
            columns.append((self.gradient(moved) - base) / (moved[k] - state[k]))
        hessian = np.array(columns).T
        return -self.scale(t) * 0.5 * (hessian + hessian.T)


# --------------------------------------------------------------------------- one integration


def absolute_tolerance(reduced: Reduced, rtol: float) -> float:
    """``max(rtol * 1e-6, 1e-15 (1 + max ||mu_i(0)||))``: no tighter than the gradient's rounding allows."""
    size = float(np.max(np.linalg.norm(reduced.start, axis=1), initial=0.0))
    return max(rtol * ATOL_FACTOR, ATOL_FLOOR * (1.0 + size))


def flow_grid(horizon: float, first_time: float, points_per_decade: int) -> np.ndarray:
    """Recorded times: ``0``, ``first_time * 10^(j / points_per_decade)`` below the horizon, and the horizon."""
    if horizon <= first_time:
        return np.array([0.0, horizon])
    count = math.floor(points_per_decade * math.log10(horizon / first_time) + 1e-9)
    inner = first_time * 10.0 ** (np.arange(count + 1) / points_per_decade)
    inner = inner[inner < horizon * (1 - 1e-12)]
    return np.concatenate([[0.0], inner, [horizon]])


@dataclass
class _Trace:
    """What one integration recorded."""

    times: list[float] = field(default_factory=list)
    states: list[np.ndarray] = field(default_factory=list)
    stopped: str = "horizon"
    reason: str = ""
    steps: int = 0


def _integrate(
    reduced: Reduced,
    grid: np.ndarray,
    first_time: float,
    rtol: float,
    counter: dict,
    *,
    limit: float = math.inf,
    stop_loss: float | None = None,
    max_steps: int = MAX_STEPS,
) -> _Trace:
    """Integrate over ``grid`` (records from the dense output); stop rules only where ``limit``/``stop_loss`` say."""
    atol = absolute_tolerance(reduced, rtol)
    trace = _Trace(times=[0.0], states=[reduced.start.ravel().copy()])
    state = reduced.start.ravel().astype(float)
    horizon = float(grid[-1])
    if horizon <= 0:  # only the start is asked for (an error run after a stop at s = 0)
        return trace
    phases = [(False, 0.0, min(first_time, horizon))]
    if horizon > first_time:
        phases.append((True, math.log(first_time), math.log(horizon)))
    pending = list(grid[1:])
    if stop_loss is not None and _loss(reduced, state, counter) <= stop_loss:
        trace.stopped, trace.reason = "loss", f"the loss is {stop_loss:g} or below at the start"
        return trace
    for log_time, start, end in phases:
        system = _System(reduced, log_time, counter)
        solver = LSODA(system.rhs, start, state, end, rtol=rtol, atol=atol, jac=system.jacobian)
        while solver.status == "running":
            if trace.steps >= max_steps:
                raise FlowFailure(
                    f"step budget of {max_steps} integrator steps exhausted at s = {_s(solver.t, log_time):.4g}"
                )
            message = solver.step()
            trace.steps += 1
            if solver.status == "failed":
                raise FlowFailure(f"LSODA failed at s = {_s(solver.t, log_time):.4g}: {message}")
            if solver.t_old is not None and solver.t - solver.t_old == 0:
                raise FlowFailure(f"step size underflow at s = {_s(solver.t, log_time):.4g}")
            dense = solver.dense_output()
            reached = solver.t + 1e-13 * max(1.0, abs(solver.t))
            while pending and _u(pending[0], log_time) <= reached:
                target = pending.pop(0)
                value = solver.y if _u(target, log_time) >= solver.t else dense(_u(target, log_time))
                trace.times.append(float(target))
                trace.states.append(np.array(value, dtype=float))
                if stop_loss is not None and _loss(reduced, trace.states[-1], counter) <= stop_loss:
                    trace.stopped, trace.reason = "loss", f"the loss fell to {stop_loss:g} or below at s = {target:.4g}"
                    return trace
            norms = np.linalg.norm(reduced.expand(solver.y), axis=1)
            if np.max(norms) > limit:
                s = _s(solver.t, log_time)
                if trace.times[-1] < s:
                    trace.times.append(s)
                    trace.states.append(solver.y.copy())
                worst = int(np.argmax(norms))
                trace.stopped = "blow-up"
                trace.reason = (
                    f"||mu_{worst + 1}|| = {norms[worst]:.4g} passed the blow-up limit {limit:.4g} at s = {s:.4g}"
                )
                return trace
        state = solver.y.copy()
    trace.reason = f"flow time {horizon:g} reached"
    return trace


def _u(s: float, log_time: bool) -> float:
    return math.log(s) if log_time else s


def _s(t: float, log_time: bool) -> float:
    return math.exp(t) if log_time else t


def _loss(reduced: Reduced, state: np.ndarray, counter: dict) -> float:
    counter["gradient"] += 1
    return loss_and_gradient_float(reduced.expand(state), False)[0]


def widened(gaps: np.ndarray, reach: int = ERROR_REACH) -> np.ndarray:
    """``2 max |gap|`` over the records within ``reach`` either side, per column (module docstring: error figure)."""
    padded = np.pad(gaps, [(reach, reach)] + [(0, 0)] * (gaps.ndim - 1), mode="edge")
    return 2.0 * np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1, axis=0).max(axis=-1)


# --------------------------------------------------------------------------- the run


def run_flow(
    mu0: Any,
    time: Any,
    *,
    rtol: float = 1e-8,
    points_per_decade: int = 20,
    first_time: float = 1e-2,
    blowup: float | None = None,
    stop_loss: float | None = None,
    error_run: bool = True,
    max_steps: int = MAX_STEPS,
) -> FlowRun:
    """Integrate the gradient flow from ``mu0`` (``(n, d)``, reduced parameters) to flow time ``time``.

    Raises :class:`InputError` naming a bad input (``"mu"``, ``"time"``, ``"rtol"``, ...) and
    :class:`FlowFailure` when an integration fails; see the module docstring for the rest.
    """
    start = _start(mu0)
    horizon = positive_real(time, "time")
    rtol = positive_real(rtol, "rtol")
    if not 1e-12 <= rtol <= 1e-3:
        raise InputError("rtol", f"must lie in [1e-12, 1e-3] (the error run uses rtol / 100), got {rtol:g}")
    if isinstance(points_per_decade, bool) or not isinstance(points_per_decade, int) or points_per_decade < 1:
        raise InputError("points_per_decade", f"expected an integer >= 1, got {points_per_decade!r}")
    first_time = positive_real(first_time, "first_time")
    limit = (
        100.0 * max(1.0, float(np.max(np.linalg.norm(start, axis=1))))
        if blowup is None
        else positive_real(blowup, "blowup")
    )
    stop = None if stop_loss is None else positive_real(stop_loss, "stop_loss")
    reduced = reduce_start(start)
    counter = {"gradient": 0, "jacobian": 0}
    began = clock.perf_counter()
    grid = flow_grid(horizon, first_time, points_per_decade)
    main = _integrate(reduced, grid, first_time, rtol, counter, limit=limit, stop_loss=stop, max_steps=max_steps)
    times = np.array(main.times)
    coords = np.array([reduced.expand(state) for state in main.states])  # (K, n, r)
    evaluations = [loss_and_gradient_float(c, True) for c in coords]
    counter["gradient"] += len(coords)
    loss = np.array([e[0] for e in evaluations])
    norms = np.linalg.norm(coords, axis=2)
    steps = main.steps
    if error_run:
        fine = _integrate(reduced, times, first_time, rtol / 100, counter, max_steps=max_steps)
        fine_coords = np.array([reduced.expand(state) for state in fine.states])
        loss_error = widened(np.abs(loss - np.array([_loss(reduced, state, counter) for state in fine.states])))
        norms_error = widened(np.abs(norms - np.linalg.norm(fine_coords, axis=2)))
        steps += fine.steps
    else:
        loss_error, norms_error = np.full_like(loss, math.nan), np.full_like(norms, math.nan)
    return FlowRun(
        mu0=start,
        times=times,
        mu=coords @ reduced.basis.T,
        loss=loss,
        norms=norms,
        loss_error=loss_error,
        norms_error=norms_error,
        method=_method(reduced, rtol, first_time, error_run, evaluations[-1][3]),
        rtol=rtol,
        stopped=main.stopped,
        reason=main.reason,
        seconds=clock.perf_counter() - began,
        gradient_calls=counter["gradient"],
        loss_evaluation_error=np.array([e[2][0] for e in evaluations]),
        jacobian_calls=counter["jacobian"],
        steps=steps,
    )


def _method(reduced: Reduced, rtol: float, first_time: float, error_run: bool, tier_method: str) -> str:
    error = (
        f"error: |run(rtol) - run(rtol / 100 = {rtol / 100:g})| at every record"
        if error_run
        else "no error run (errors NaN)"
    )
    return (
        f"gradient flow d mu/ds = -grad L(mu): scipy LSODA (Adams/BDF switching), rtol = {rtol:g}, "
        f"atol = {absolute_tolerance(reduced, rtol):.3g}, in flow time s on [0, {first_time:g}] and in log time "
        "u = log s after; "
        f"Jacobian: one-sided differences of the gradient (relative step {JACOBIAN_STEP:g}), symmetrized; "
        f"{reduced.description}; gradients: fast tier (double precision; last record: {tier_method}); {error}"
    )
