"""Sharp decay laws of the loss along the gradient flow, and their constants (issue 17, ``explore sharp-rates``).

Under ``d mu / ds = -grad L`` from a start where every parameter converges, the lead's derivation gives the
sharp law ``L(s) s^2 -> C* = n^2 r / 64`` with ``r = min(d, n - 1)`` (the rank of the start's deviations from
their mean): the mean contracts at rate ``2/n`` and on the slow manifold ``L ~ tr(S^2) / n^2``,
``S = sum_i delta_i delta_i^T``.  From a far start one parameter converges and the others escape like
``sqrt(8 log s)``, with ``s L / (16 sum_j M_j^-2) -> 1`` over the escaping parameters, ``L ~ 2 k / (s log s)`` for
``k`` escaping (``symbolic.escape``; extrapolated in ``1 / M^2`` by :mod:`numeric.studies.escape_law`).  This module
measures those laws on :func:`numeric.dynamics.flow.run_flow` (LSODA in log time, with its error run at
``rtol / 100``), so that a prediction can be held against a number with an error bar:

* :func:`regime_start` -- the seeded starts of the three regimes (:data:`REGIMES`);
* :func:`power_law_constant` -- ``C = L s^p`` at the last record, with the integrator's error and a tail estimate
  of the convergence still to come;
* :func:`measure_rate` -- one flow, its local exponent, two fitted laws (``C s^-p`` with free ``p`` and
  ``C / (s log s)``) and the constant of the better one (:class:`SharpRate`).

Starts, measured (rtol ``1e-7``, 10 records per decade, to ``s = 1e8``, seeds 0-1):

* ``large-noise``: ``||mu_i|| <= 1/(3n)`` (Theorem 2.1's ball); ``L s^2 / C*`` = 0.999993-0.999998 for
  ``(n, d) = (2, 1), (3, 1), (3, 2), (4, 2)``, 4-8 s a run.
* ``clustered``: ``mu_i = e_1 + 0.1 z_i`` (Theorem 3.2's side of the critical spread, at a reachable spread):
  every parameter converged for ``(n, d) = (2, 1), (3, 2), (5, 1), (5, 3)`` (norms ``<= 2e-4`` at ``s = 1e8``),
  ``L s^2 / C*`` = 0.99998-1.0000004, 5-12 s a run.
* ``far``: Theorem 3.5's registered start ``mu_i = 6 e_1 + z_i`` (``numeric.dynamics.gd.cluster_start`` with
  spread 1, the same starts as ``thm3.5``'s seeds): one parameter converges, the others escape to
  ``||mu|| ~ 13.4`` at ``s = 1e8``, all ``n - 1`` together; the escape law's ratio ``s L / (16 sum_j M_j^-2)`` is
  1.10 at ``s = 1e8`` and extrapolates to 1.00 within its error (about 0.03).  The slowest regime:
  18-36 s a run in ``d = 1``, 50 s and more in ``d >= 2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from numeric.config import InputError, positive_real
from numeric.dynamics.asymptotics import local_exponent, parameter_fates
from numeric.dynamics.flow import FlowRun, run_flow
from numeric.dynamics.gd import cluster_start
from numeric.studies.escape_law import escape_limit, escape_ratio

__all__ = [
    "REGIMES",
    "BALL_INNER",
    "CLUSTER_CENTER",
    "CLUSTER_SPREAD",
    "FAR_CENTER",
    "FAR_SPREAD",
    "LawFit",
    "SharpRate",
    "regime_start",
    "power_law_constant",
    "measure_rate",
]

REGIMES = ("large-noise", "clustered", "far")
#: The large-noise radius is drawn uniformly in the ball of radius ``1/(3n)`` but not below this fraction of it:
#: a parameter at the truth would make the start non-generic (a deviation of lower rank).
BALL_INNER = 0.3
CLUSTER_CENTER, CLUSTER_SPREAD = 1.0, 0.1  # measured: every parameter converges (module docstring)
FAR_CENTER, FAR_SPREAD = 6.0, 1.0  # thm3.5's registered far start (proofs_check.evidence.far_starts)
FIRST_TIME = 1e-2  # run_flow's first record after s = 0
ROUNDING = 64 * np.finfo(float).eps  # relative noise floor of a constant read off interpolated records
MAX_DECADES = 8.0


# --------------------------------------------------------------------------- starts


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(name, f"expected an integer >= {minimum}, got {value!r}")
    return int(value)


def regime_start(regime: str, n: int, d: int, seed: int) -> np.ndarray:
    """The ``(n, d)`` start of ``regime`` (one of :data:`REGIMES`), drawn with ``np.random.default_rng(seed)``.

    * ``large-noise``: each ``mu_i`` uniform in the ball ``||mu_i|| <= 1/(3n)`` with its radius at least
      :data:`BALL_INNER` of the bound (radius ``U^(1/d) / (3n)``, ``U`` uniform on ``[BALL_INNER^d, 1]``);
    * ``clustered``: ``mu_i = CLUSTER_CENTER e_1 + CLUSTER_SPREAD z_i`` (``1 e_1 + 0.1 z_i``, every parameter
      converges: module docstring);
    * ``far``: ``mu_i = FAR_CENTER e_1 + FAR_SPREAD z_i`` (``6 e_1 + z_i``, Theorem 3.5's start).

    The clustered and far starts are :func:`numeric.dynamics.gd.cluster_start`'s (``z_i`` from the same seed).
    """
    if regime not in REGIMES:
        raise InputError("regime", f"expected one of {', '.join(REGIMES)}, got {regime!r}")
    n, d, seed = _count(n, "n", 2), _count(d, "d", 1), _count(seed, "seed", 0)
    if regime == "large-noise":
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, d))
        directions = z / np.linalg.norm(z, axis=1, keepdims=True)
        radii = rng.uniform(BALL_INNER**d, 1.0, n) ** (1.0 / d) / (3 * n)
        return directions * radii[:, None]
    center, spread = (CLUSTER_CENTER, CLUSTER_SPREAD) if regime == "clustered" else (FAR_CENTER, FAR_SPREAD)
    return np.array(cluster_start(n, d, repr(center), repr(spread), seed), dtype=float)


# --------------------------------------------------------------------------- the constant of a power law


def power_law_constant(times: ArrayLike, values: ArrayLike, errors: ArrayLike, exponent: float) -> tuple[float, float]:
    """``C = values[-1] times[-1]^exponent`` and its error: the integrator's part plus a tail estimate.

    The integrator's part is ``C errors[-1] / values[-1]``.  The tail is what ``C_k = L s^p`` still has to move
    after the last record: with ``C_K`` at the last record and ``C_K-1``, ``C_K-2`` one and two decades earlier
    (interpolated in log-log), ``D1 = C_K - C_K-1``, ``D0 = C_K-1 - C_K-2`` and ``rho = |D1 / D0|``, the tail is
    ``|D1| max(1, rho / (1 - rho))`` when ``rho < 1`` and ``inf`` otherwise.  Why: an approach ``C (1 + a s^-q)``
    moves by a geometric sequence of ratio ``rho = 10^-q`` per decade, whose remaining sum is
    ``|D1| rho / (1 - rho)``; at least one more decade's change ``|D1|`` is counted because two differences only
    estimate ``rho``; ``rho >= 1`` says ``C_k`` is not converging (or not yet visibly), so no finite error is
    honest.  A logarithmic approach (``C_k ~ 1 / log s``, ``rho -> 1`` from below) defeats the rule: its tail is
    then underestimated, and only the fitted law's residual shows it.  A difference within the records' own
    errors (integrator errors, and rounding ``64 eps C``) is noise, not a trend: ``D1`` within them means
    ``C_k`` has settled to the errors' size (tail ``|D1|``), ``D0`` within them while ``D1`` is not means the
    change is growing (``inf``).  Fewer than two decades of positive records also give ``inf``.
    """
    s, v, e = (np.asarray(a, dtype=float) for a in (times, values, errors))
    if not (s.ndim == 1 and s.shape == v.shape == e.shape and len(s) >= 1):
        raise InputError(
            "values", f"times, values and errors must be 1-d of one length, got {s.shape}, {v.shape}, {e.shape}"
        )
    if np.any(np.diff(s) <= 0):
        raise InputError("times", "must be strictly increasing")
    if not math.isfinite(float(exponent)):
        raise InputError("exponent", f"must be finite, got {exponent!r}")
    p = float(exponent)
    if not (s[-1] > 0 and v[-1] > 0 and math.isfinite(v[-1]) and math.isfinite(e[-1])):
        raise InputError("values", f"the last record must be positive and finite, got s = {s[-1]!r}, {v[-1]!r}")
    constant = float(v[-1] * s[-1] ** p)
    integrator = constant * abs(float(e[-1])) / float(v[-1])
    return constant, integrator + _tail(s, v, np.abs(e), p)


def _tail(s: np.ndarray, v: np.ndarray, e: np.ndarray, p: float) -> float:
    """The tail estimate of :func:`power_law_constant` (its docstring)."""
    keep = (s > 0) & (v > 0) & np.isfinite(v) & np.isfinite(e)
    x = np.log10(s[keep])
    if len(x) < 2 or x[-1] - x[0] < 2 - 1e-9 or not keep[-1]:
        return math.inf
    log_c = np.log(v[keep]) + p * np.log(s[keep])
    relative = e[keep] / v[keep]
    at = np.array([x[-1] - 2, x[-1] - 1, x[-1]])
    c = np.exp(np.interp(at, x, log_c))
    noise = c * (np.interp(at, x, relative) + ROUNDING)
    d1, d0 = c[2] - c[1], c[1] - c[0]
    if abs(d1) <= noise[2] + noise[1]:
        return abs(d1)
    if abs(d0) <= noise[1] + noise[0]:
        return math.inf
    rho = abs(d1 / d0)
    return abs(d1) * max(1.0, rho / (1.0 - rho)) if rho < 1 else math.inf


# --------------------------------------------------------------------------- fitted laws and the measurement


@dataclass(frozen=True)
class LawFit:
    """One law fitted to ``log L`` over the window, with what the records' errors allow.

    ``residual`` is the rms of ``log(L / law)``; ``floor`` the rms of the records' relative errors over the window:
    the law fits within the error when ``residual <= floor`` (``fits``).  ``exponent_error`` and
    ``constant_error`` propagate the records' errors (worst case, first order); the fit's own scatter is in
    ``residual``.
    """

    law: str  # "power": L = C s^-p, free p | "power-log": L = C / (s log s)
    exponent: float
    exponent_error: float
    constant: float
    constant_error: float
    residual: float
    floor: float

    @property
    def fits(self) -> bool:
        return self.residual <= self.floor


@dataclass(frozen=True)
class SharpRate:
    """What :func:`measure_rate` measured on one flow (its docstring); arrays are indexed by record."""

    n: int
    d: int
    horizon: float  # the last record's flow time
    stopped: str  # run_flow's stop: "horizon" | "blow-up" | "loss"
    window: tuple[float, float]  # the fits' s range
    exponent: float  # local exponent -dlogL/dlogs at the last record (a quarter decade, one-sided)
    exponent_error: float
    power: LawFit
    power_log: LawFit
    law: str  # the better of the two
    nominal_exponent: int  # p at which the constant is read: the power fit's p rounded, or 1 (with log s)
    constant: float  # L s^p (power) or L s log s (power-log) at the last record
    error: float  # power_law_constant's error: integrator + tail (inf: not converging)
    max_norm: float  # the largest ||mu_i|| at the end (the far parameter)
    far_ratio: float  # s L / (16 sum_j M_j^-2) over the escaping parameters at the end (NaN: none escapes)
    escape_limit: float  # its limit extrapolated in 1/M^2 (numeric.studies.escape_law; NaN: none escapes)
    escape_error: float
    seconds: float
    method: str
    times: np.ndarray
    loss: np.ndarray
    loss_error: np.ndarray
    exponent_times: np.ndarray  # where the local exponent is resolved
    exponents: np.ndarray
    exponents_error: np.ndarray


def _line(x: np.ndarray, y: np.ndarray, delta: np.ndarray) -> tuple[float, float, float, float, float]:
    """Least squares ``y = a + b x``: ``(a, error of a, b, error of b, rms residual)``, errors ``sum |c_j| delta_j``."""
    x0 = x - x.mean()
    weights = x0 / (x0 @ x0)
    b = float(weights @ y)
    a = float(y.mean() - b * x.mean())
    intercept = 1.0 / len(x) - x.mean() * weights
    residual = float(np.sqrt(np.mean((y - a - b * x) ** 2)))
    return a, float(np.abs(intercept) @ delta), b, float(np.abs(weights) @ delta), residual


def _fits(s: np.ndarray, loss: np.ndarray, delta: np.ndarray) -> tuple[LawFit, LawFit]:
    """The two laws over the window (``s > 1``, resolved records)."""
    x, y = np.log(s), np.log(loss)
    floor = float(np.sqrt(np.mean(delta**2)))
    a, a_err, b, b_err, residual = _line(x, y, delta)
    power = LawFit("power", -b, b_err, math.exp(a), math.exp(a) * a_err, residual, floor)
    log_c = y + x + np.log(x)  # log(L s log s)
    mean = float(log_c.mean())
    c = math.exp(mean)
    residual_log = float(np.sqrt(np.mean((log_c - mean) ** 2)))
    power_log = LawFit("power-log", 1.0, 0.0, c, c * float(delta.mean()), residual_log, floor)
    return power, power_log


def _escape(run: FlowRun, last: int) -> tuple[float, float, float]:
    """The escape law's ratio at record ``last``, its extrapolated limit and error; NaN when nothing escapes."""
    fates = parameter_fates(run.times, run.norms, run.norms_error)
    escaping = np.array([fate.status == "diverging" for fate in fates])
    if not escaping.any():
        return math.nan, math.nan, math.nan
    times, loss, norms = run.times[: last + 1], run.loss[: last + 1], run.norms[: last + 1]
    try:
        limit = escape_limit(times, loss, norms, run.loss_error[: last + 1], escaping)
    except InputError:  # too few records for the extrapolation: the ratio alone
        return float(escape_ratio(times, loss, norms, escaping)[-1]), math.nan, math.inf
    return limit.ratio_at_end, limit.limit, limit.error


def measure_rate(
    mu0: ArrayLike, horizon: float, *, rtol: float = 1e-7, points_per_decade: int = 10, decades: float = 2
) -> SharpRate:
    """Run the flow from ``mu0`` to ``horizon`` (with its error run) and read its decay law off the last ``decades``.

    Over the window (the last ``decades`` decades of resolved records) two laws are fitted to ``log L``: ``power``
    (``C s^-p``, free ``p``) and ``power-log`` (``C / (s log s)``); the better is the one with the smaller rms
    residual counted no smaller than the window's error (within the error the simpler, ``power-log``, wins).
    The constant is :func:`power_law_constant` at the last record for that law: ``L s^k`` with ``k`` the power
    fit's exponent rounded to an integer (the sharp laws here have integer exponents: 2 when every parameter
    converges), or ``L s log s``.  ``horizon`` must leave at least ``max(decades, 2) + 1`` decades above
    ``s = 1`` (so that ``log s`` is positive on the window and the tail estimate has its two decades).
    Raises :class:`InputError` naming ``mu``, ``horizon``, ``decades``, ... and lets
    :class:`numeric.dynamics.flow.FlowFailure` through.
    """
    horizon = positive_real(horizon, "horizon")
    window_decades = positive_real(decades, "decades")
    if window_decades > MAX_DECADES:
        raise InputError("decades", f"at most {MAX_DECADES:g}, got {decades!r}")
    needed = 10.0 ** (max(window_decades, 2.0) + 1.0)
    if horizon < needed:
        raise InputError(
            "horizon", f"must be at least {needed:g} for a {window_decades:g}-decade window, got {horizon:g}"
        )
    run = run_flow(mu0, horizon, rtol=rtol, points_per_decade=points_per_decade, first_time=FIRST_TIME)
    times, loss, loss_error = run.times, run.loss, run.loss_error
    local = local_exponent(times, loss, loss_error)
    resolved = len(local.times)  # local_exponent keeps the resolved prefix of the records at s > 0
    s, v, e = times[times > 0][:resolved], loss[times > 0][:resolved], loss_error[times > 0][:resolved]
    if resolved < 3 or s[-1] < needed / 10:
        raise InputError("mu", f"the loss is resolved only up to s = {s[-1] if resolved else 0:g}: no law to fit")
    in_window = s >= s[-1] * 10.0 ** (-window_decades) * (1 - 1e-12)
    power, power_log = _fits(s[in_window], v[in_window], -np.log1p(-e[in_window] / v[in_window]))
    better = min((power_log, power), key=lambda law: max(law.residual, law.floor))
    if better.law == "power":
        nominal = round(power.exponent)
        constant, error = power_law_constant(s, v, e, nominal)
    else:
        nominal = 1
        constant, error = power_law_constant(s[s > 1], (v * np.log(s))[s > 1], (e * np.log(s))[s > 1], 1)
    last = np.flatnonzero(times > 0)[resolved - 1]  # the last resolved record
    max_norm = float(np.max(run.norms[last]))
    escape = _escape(run, last)
    n, d = run.mu0.shape
    return SharpRate(
        n=n,
        d=d,
        horizon=float(s[-1]),
        stopped=run.stopped,
        window=(float(s[in_window][0]), float(s[-1])),
        exponent=float(local.exponent[-1]),
        exponent_error=float(local.error[-1]),
        power=power,
        power_log=power_log,
        law=better.law,
        nominal_exponent=int(nominal),
        constant=constant,
        error=error,
        max_norm=max_norm,
        far_ratio=escape[0],
        escape_limit=escape[1],
        escape_error=escape[2],
        seconds=run.seconds,
        method=run.method,
        times=times,
        loss=loss,
        loss_error=loss_error,
        exponent_times=local.times,
        exponents=local.exponent,
        exponents_error=local.error,
    )
