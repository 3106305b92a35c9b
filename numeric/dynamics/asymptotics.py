"""Asymptotic laws read off a recorded curve: local exponents, the end of a transient, rate and fate decisions.

Pure functions on numpy arrays, for curves recorded on a log grid of (flow) time ``s`` with an absolute error
figure at every record (``numeric.dynamics.flow``: the gap to a run at a hundred times tighter tolerance).
Records at ``s <= 0`` are skipped, and so is every record after the first one whose value is not *resolved*
(not positive and finite, or its error at least half the value): past that point the curve says nothing
about a law.  Errors propagate to first order as worst-case sums, ``delta = error / value`` in ``log value``.

**Local exponent** (:func:`local_exponent`).  ``p(s) = -d log L / d log s``, the least-squares slope of
``log L`` against ``log s`` over the records within a quarter decade either side (one-sided at the ends),
with the error ``sum_j |c_j| delta_j`` of that linear estimate.

**Settled** (:func:`settled_time`).  The transient has ended at the first record ``s*`` with at least
``decades`` decades of records after it over which the exponent stays in one regime:

* *power law*: ``|p(s) - p_end| <= err(s) + err_end + drift * max(1, |p_end|)`` (``p_end`` the exponent at the
  last record, ``drift = 0.05`` by default: a slow log correction such as ``1 + 1/log s`` counts as settled,
  an exponential transient's rise and fall does not);
* *faster than any power*: ``p(s) > 0`` and at least doubling over every decade (beyond the errors), as for
  ``e^(-s/75)`` where ``p = s / 75``.  Its early plateau (``p`` near 0, nearly flat in absolute terms) is the
  same regime seen at small ``s``, not a settled power law with exponent 0, so a plateau cannot make
  ``L s^p`` look as if it were rising.

**Rates** (:func:`decide_upper_rate`, :func:`decide_lower_rate`; issue 12).  Over the last ``decades`` (2)
decades the tail exponent ``p_tail`` (least-squares slope, error ``e`` propagated as above) gives the rise of
``L s^p`` as ``10^(decades (p - p_tail))`` (of ``(L s^p)^-1`` as ``10^(decades (p_tail - p))``).  The drift
of the exponent is the tail exponent of the last decade minus that of the decade before (error: the sum of
both errors); the *projected* exponent continues it for another ``decades`` decades, counting only a drift
beyond its error.  For ``L = O(s^-p)``:

* ``holds`` when ``p_tail >= p - e`` (no net rise beyond the error) and the projected exponent stays at or
  above ``p - e``;
* ``fails`` when the rise is at least 10, ``p_tail < p - e``, and the projected exponent stays below ``p - e``;
* ``undecided`` otherwise, and always when the transient has not settled ``settle_decades`` (3) decades
  before the horizon or the window's loss is not resolved.

Lower bounds ``L >= c s^-p`` mirror this (``holds``: ``p_tail <= p + e`` and the projection stays there).

*A claimed exponent just above a log-corrected one is undecided, never holds.*  For ``L = 1/(s log s)`` the
exponent is ``1 + 1/log s``, above 1.05 up to ``s = e^20 ~ 5e8``: at a horizon of ``1e8`` the data alone show
``L s^1.05`` falling, but the exponent is still drifting down and its projection crosses 1.05, so the upper
rate ``O(s^-1.05)`` is undecided (not holds).  It can never come out ``fails``: ``L s^1.05 = s^0.05 / log s``
rises by a factor that tends to ``10^0.1 = 1.26`` over two decades, far from the factor 10 the rule asks.
That is the honest reading: a false exponent less than ``1/decades`` above the true one is out of reach.

**Fates** (:func:`parameter_fates`).  Over the last ``decades`` decades of resolved records each ``||mu_i||``
is fitted by the laws ``C s^a``, ``A + C log s`` (``C > 0``), ``C e^(-k s)`` and ``R + B s^-c`` (``R > 0``,
``c > 0``: a finite limit); the law with the smallest rms residual of ``log ||mu||`` wins, residuals counted no
smaller than the window's own error (so within the error the simplest law, in that order, wins).  A
parameter is ``diverging`` when its norm grew over the window beyond the error, rising at every record (within
the errors), and the law extrapolates to infinity; ``converged`` when it fell likewise and the law extrapolates
to 0; else ``undecided`` (a bump inside the window is a transient, not a fate).
Rise and fall are the log-log slope of the norm over the window, significant when it exceeds both its
propagated error and three standard errors of the fit (scatter the error figure misses is not a trend).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from numeric.config import InputError

__all__ = [
    "LocalExponent",
    "RateDecision",
    "NormLaw",
    "Fate",
    "local_exponent",
    "settled_time",
    "decide_upper_rate",
    "decide_lower_rate",
    "parameter_fates",
]

HALF_WIDTH = 0.25  # decades either side of a record in the local-exponent fit
FASTER = "faster than any power"  # the regime of an exponent that at least doubles every decade
DRIFT = 0.05  # default allowed wander of a settled power-law exponent, in units of max(1, |p|)
LN10 = math.log(10.0)


# --------------------------------------------------------------------------- curves and linear fits


def _resolved_curve(times, values, errors, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log s``, ``log value`` and ``delta`` on the resolved prefix of the records at ``s > 0``."""
    s, v, e = (np.asarray(a, dtype=float) for a in (times, values, errors))
    if not (s.ndim == 1 and s.shape == v.shape == e.shape):
        raise InputError(
            name, f"times, values and errors must be 1-d of one length, got {s.shape}, {v.shape}, {e.shape}"
        )
    if np.any(np.diff(s) <= 0):
        raise InputError("times", "must be strictly increasing")
    keep = s > 0
    s, v, e = s[keep], v[keep], np.abs(e[keep])
    bad = ~(np.isfinite(v) & (v > 0) & np.isfinite(e) & (e < 0.5 * np.where(np.isfinite(v), v, 0.0)))
    end = int(np.argmax(bad)) if bad.any() else len(s)
    s, v, e = s[:end], v[:end], e[:end]
    return np.log(s), np.log(v), -np.log1p(-e / v)


def _slope(x: np.ndarray, y: np.ndarray, delta: np.ndarray) -> tuple[float, float, float, float]:
    """Least-squares ``y = a + b x``: ``(b, error of b, a, error of a)``, errors ``sum |c_j| delta_j``."""
    x0 = x - x.mean()
    weights = x0 / (x0 @ x0)
    b = float(weights @ y)
    a = float(y.mean() - b * x.mean())
    intercept = 1.0 / len(x) - x.mean() * weights
    return b, float(np.abs(weights) @ delta), a, float(np.abs(intercept) @ delta)


def _exponent_over(x: np.ndarray, y: np.ndarray, delta: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Least-squares exponent ``-d log L / d log s`` over the masked records, and its error."""
    if np.count_nonzero(mask) < 3:
        return math.nan, math.inf
    b, e, _, _ = _slope(x[mask], y[mask], delta[mask])
    return -b, e


def _window(x: np.ndarray, decades: float) -> np.ndarray:
    """Mask of the records in the last ``decades`` decades (``x`` = log s)."""
    return x >= x[-1] - decades * LN10 * (1 + 1e-12)


# --------------------------------------------------------------------------- local exponent and settling


@dataclass(frozen=True)
class LocalExponent:
    """``p(s) = -d log L / d log s`` at the resolved records, with its propagated error."""

    times: np.ndarray
    exponent: np.ndarray
    error: np.ndarray


def _exponent_arrays(x: np.ndarray, y: np.ndarray, delta: np.ndarray) -> LocalExponent:
    exponent, error = np.full(len(x), math.nan), np.full(len(x), math.inf)
    for k in range(len(x)):
        near = np.abs(x - x[k]) <= HALF_WIDTH * LN10 * (1 + 1e-12)
        exponent[k], error[k] = _exponent_over(x, y, delta, near)
    return LocalExponent(np.exp(x), exponent, error)


def local_exponent(times: ArrayLike, values: ArrayLike, errors: ArrayLike) -> LocalExponent:
    """The local exponent of ``values`` (module docstring), on the resolved records at ``s > 0``."""
    return _exponent_arrays(*_resolved_curve(times, values, errors, "values"))


def _settled(exponent: LocalExponent, decades: float, drift: float) -> tuple[int | None, str]:
    """Index of the first settled record and its regime (``"power law"`` / ``"faster than any power"``)."""
    p, e, x = exponent.exponent, exponent.error, np.log10(exponent.times)
    if len(p) == 0 or not math.isfinite(e[-1]):
        return None, ""
    tolerance = drift * max(1.0, abs(p[-1]))
    flat = np.isfinite(e) & (np.abs(p - p[-1]) <= e + e[-1] + tolerance)
    partner = np.searchsorted(x, x + 1.0 - 1e-9)
    has_partner = partner < len(x)
    later = np.where(has_partner, partner, len(x) - 1)
    doubling = np.isfinite(e) & (p > e) & (~has_partner | (p[later] - e[later] >= 2.0 * (p + e)))
    best: tuple[int | None, str] = (None, "")
    for ok, regime in ((flat, "power law"), (doubling, FASTER)):
        first = len(ok) - int(np.argmin(ok[::-1])) if not ok.all() else 0
        if first < len(x) and x[-1] - x[first] >= decades - 1e-9 and (best[0] is None or first < best[0]):
            best = (first, regime)
    return best


def settled_time(exponent: LocalExponent, *, decades: float = 3.0, drift: float = DRIFT) -> float | None:
    """The first recorded time after which the local exponent stays in one regime for ``decades`` decades.

    ``None`` when the transient has not ended within the horizon (module docstring: the two regimes).
    """
    index, _ = _settled(exponent, decades, drift)
    return None if index is None else float(exponent.times[index])


# --------------------------------------------------------------------------- rate decisions


@dataclass(frozen=True)
class RateDecision:
    """The outcome of a rate test with everything it rests on (module docstring)."""

    outcome: str  # "holds" | "fails" | "undecided"
    p: float
    rise: float  # L s^p (upper) or (L s^p)^-1 (lower) over the window, from the fitted tail exponent
    tail_exponent: float
    tail_error: float
    window: tuple[float, float]
    settled: float | None
    reason: str
    drift: float = math.nan  # change of the exponent per decade at the end (last decade minus the one before)
    drift_error: float = math.nan
    regime: str = ""  # "power law" | "faster than any power" | "" (not settled)


def _decide(times, loss, loss_error, p: float, decades: float, settle_decades: float, sign: int) -> RateDecision:
    """Shared body of the two rate tests; ``sign = +1`` for ``O(s^-p)``, ``-1`` for ``>= c s^-p``."""
    if not math.isfinite(p):
        raise InputError("p", f"the exponent must be finite, got {p!r}")
    if not 0 < decades <= settle_decades:
        raise InputError("decades", f"need 0 < decades <= settle_decades, got {decades} and {settle_decades}")
    x, y, delta = _resolved_curve(times, loss, loss_error, "loss")
    nothing: dict[str, Any] = dict(p=p, rise=math.nan, tail_exponent=math.nan, tail_error=math.inf, settled=None)
    if len(x) < 3:
        return RateDecision("undecided", window=(math.nan, math.nan), reason="fewer than 3 resolved records", **nothing)
    window = (float(np.exp(x[_window(x, decades)][0])), float(np.exp(x[-1])))
    horizon = "" if len(x) == np.count_nonzero(np.asarray(times, dtype=float) > 0) else " (the resolved records)"
    index, regime = _settled(_exponent_arrays(x, y, delta), settle_decades, DRIFT)
    if index is None:
        reason = f"the local exponent has not settled {settle_decades:g} decades before s = {window[1]:.3g}{horizon}"
        return RateDecision("undecided", window=window, reason=reason, **nothing)
    settled = float(np.exp(x[index]))
    p_tail, e = _exponent_over(x, y, delta, _window(x, decades))
    last, e_last = _exponent_over(x, y, delta, _window(x, 1.0))
    before, e_before = _exponent_over(x, y, delta, _window(x, 2.0) & ~_window(x, 1.0))
    drift, drift_error = last - before, e_last + e_before
    significant = math.copysign(max(abs(drift) - drift_error, 0.0), drift) if math.isfinite(drift_error) else 0.0
    projected = math.inf if regime == FASTER else last + decades * significant
    rise = 10.0 ** (sign * decades * (p - p_tail))
    common = dict(
        p=p,
        rise=rise,
        tail_exponent=p_tail,
        tail_error=e,
        window=window,
        settled=settled,
        drift=drift,
        drift_error=drift_error,
        regime=regime,
    )
    if not (math.isfinite(e) and math.isfinite(p_tail)) or math.isnan(projected):
        return RateDecision("undecided", reason="the window's loss is not resolved", **common)
    described = (
        f"tail exponent {p_tail:.4g} +- {e:.2g} over s in [{window[0]:.3g}, {window[1]:.3g}]{horizon}, "
        f"settled ({regime}) from s = {settled:.3g}; drift {drift:+.2g} +- {drift_error:.2g} per decade, "
        f"projected exponent {projected:.4g}"
    )
    if sign * (p_tail - p) >= -e:  # no net rise beyond the error
        if sign * (projected - p) >= -e:
            return RateDecision("holds", reason=f"no net rise beyond the error: {described}", **common)
        return RateDecision(
            "undecided", reason=f"no rise yet, but the exponent drifts across {p:g}: {described}", **common
        )
    if rise >= 10.0 and sign * (projected - p) < -e:
        return RateDecision(
            "fails", reason=f"rose by a factor {rise:.3g} over {decades:g} decades: {described}", **common
        )
    return RateDecision("undecided", reason=f"rose by a factor {rise:.3g} (< 10, or drifting): {described}", **common)


def decide_upper_rate(
    times: ArrayLike,
    loss: ArrayLike,
    loss_error: ArrayLike,
    p: float,
    *,
    decades: float = 2.0,
    settle_decades: float = 3.0,
) -> RateDecision:
    """Is ``L = O(s^-p)``?  ``holds`` / ``fails`` / ``undecided`` by the rule of the module docstring."""
    return _decide(times, loss, loss_error, float(p), decades, settle_decades, +1)


def decide_lower_rate(
    times: ArrayLike,
    loss: ArrayLike,
    loss_error: ArrayLike,
    p: float,
    *,
    decades: float = 2.0,
    settle_decades: float = 3.0,
) -> RateDecision:
    """Is ``L >= c s^-p`` for some ``c > 0``?  The mirror of :func:`decide_upper_rate`."""
    return _decide(times, loss, loss_error, float(p), decades, settle_decades, -1)


# --------------------------------------------------------------------------- fates of the parameters


@dataclass(frozen=True)
class NormLaw:
    """A fitted law of ``||mu_i(s)||`` over a window, what it extrapolates to, and how well it fits."""

    law: str
    parameters: dict[str, float]
    errors: dict[str, float]
    residual: float  # rms of log(||mu|| / law) over the window
    limit: str  # "infinity" | "zero" | "finite"


@dataclass(frozen=True)
class Fate:
    """A parameter's status over the window, with the law it rests on."""

    status: str  # "converged" | "diverging" | "undecided"
    law: NormLaw | None
    window: tuple[float, float]
    reason: str
    candidates: tuple[NormLaw, ...] = field(default=(), repr=False)


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2)))


def _exp(value: float) -> float:
    """``e^value``, ``inf`` past the double range (a fitted prefactor may be astronomically large)."""
    return math.exp(value) if value < 709.0 else math.inf


def _power_law(x, y, delta) -> NormLaw:
    a, a_err, c, c_err = _slope(x, y, delta)
    residual = _rms(y - (c + a * x))
    limit = "finite" if abs(a) <= a_err else ("infinity" if a > 0 else "zero")
    law = {"infinity": "||mu|| ~ C s^a (a > 0)", "zero": "||mu|| ~ C s^-a (a > 0)", "finite": "||mu|| ~ C"}[limit]
    return NormLaw(law, {"C": _exp(c), "a": abs(a)}, {"C": _exp(c) * c_err, "a": a_err}, residual, limit)


def _log_law(x, y, delta) -> NormLaw | None:
    r = np.exp(y)
    if x[0] <= 0:  # log s must be positive on the window for a growth law C log s
        return None
    slope, slope_err, intercept, intercept_err = _slope(x, r, r * delta)
    fitted = intercept + slope * x
    if slope <= slope_err or np.any(fitted <= 0):
        return None
    return NormLaw(
        "||mu|| ~ A + C log s (C > 0)",
        {"A": intercept, "C": slope},
        {"A": intercept_err, "C": slope_err},
        _rms(y - np.log(fitted)),
        "infinity",
    )


def _exponential_law(x, y, delta) -> NormLaw | None:
    s = np.exp(x)
    k, k_err, c, c_err = _slope(s, y, delta)
    if abs(k) <= k_err:
        return None
    limit = "zero" if k < 0 else "infinity"
    law = "||mu|| ~ C e^(-k s) (k > 0)" if k < 0 else "||mu|| ~ C e^(k s) (k > 0)"
    return NormLaw(law, {"C": _exp(c), "k": abs(k)}, {"C": _exp(c) * c_err, "k": k_err}, _rms(y - c - k * s), limit)


FINITE_EXPONENTS = np.geomspace(0.05, 4.0, 60)


def _finite_law(x, y, delta) -> NormLaw | None:
    """``R + B s^-c`` with ``R > 0``: a scan over ``c``, linear least squares in ``R, B`` (interior ``c`` only)."""
    r = np.exp(y)
    best = None
    for k, c in enumerate(FINITE_EXPONENTS):
        basis = np.exp(-c * x)
        slope, slope_err, intercept, intercept_err = _slope(basis, r, r * delta)
        fitted = intercept + slope * basis
        if intercept <= intercept_err or np.any(fitted <= 0):
            continue
        residual = _rms(y - np.log(fitted))
        if best is None or residual < best[0]:
            best = (residual, k, c, intercept, intercept_err, slope, slope_err)
    if best is None or best[1] in (0, len(FINITE_EXPONENTS) - 1):
        return None
    residual, _, c, intercept, intercept_err, slope, slope_err = best
    return NormLaw(
        "||mu|| ~ R + B s^-c (c > 0)",
        {"R": intercept, "B": slope, "c": float(c)},
        {"R": intercept_err, "B": slope_err, "c": math.nan},
        residual,
        "finite",
    )


def _best_law(x, y, delta) -> tuple[NormLaw, tuple[NormLaw, ...]]:
    """The law with the smallest residual, residuals counted no smaller than the error (ties: the simplest)."""
    candidates = tuple(
        law
        for law in (
            _power_law(x, y, delta),
            _log_law(x, y, delta),
            _exponential_law(x, y, delta),
            _finite_law(x, y, delta),
        )
        if law
    )
    floor = _rms(delta)
    return min(candidates, key=lambda law: max(law.residual, floor)), candidates


def _fate(times, norms, errors, decades: float) -> Fate:
    x, y, delta = _resolved_curve(times, norms, errors, "norms")
    if len(x) < 5 or x[-1] - x[0] < decades * LN10 * (1 - 1e-12):
        span = (float(np.exp(x[0])), float(np.exp(x[-1]))) if len(x) else (math.nan, math.nan)
        return Fate("undecided", None, span, f"fewer than {decades:g} decades of resolved records")
    window = _window(x, decades)
    x, y, delta = x[window], y[window], delta[window]
    span = (float(np.exp(x[0])), float(np.exp(x[-1])))
    law, candidates = _best_law(x, y, delta)
    trend, trend_error = _trend(x, y, delta)
    moved = (
        f"||mu|| went from {math.exp(y[0]):.4g} to {math.exp(y[-1]):.4g} over s in [{span[0]:.3g}, {span[1]:.3g}] "
        f"(log-log trend {trend:+.3g} +- {trend_error:.2g})"
    )
    fitted = f"best law {law.law} (rms log residual {law.residual:.2g})"
    steps, slack = np.diff(y), delta[1:] + delta[:-1]
    if law.limit == "infinity" and trend > trend_error and np.all(steps >= -slack):
        return Fate(
            "diverging", law, span, f"{moved}, rising throughout; {fitted} extrapolates to infinity", candidates
        )
    if law.limit == "zero" and trend < -trend_error and np.all(steps <= slack):
        return Fate("converged", law, span, f"{moved}, falling throughout; {fitted} extrapolates to 0", candidates)
    if law.limit in ("infinity", "zero") and abs(trend) > trend_error:
        return Fate("undecided", law, span, f"{moved}, not monotone over the window; {fitted}", candidates)
    if abs(trend) <= trend_error:
        return Fate("undecided", law, span, f"{moved}: flat within the error; {fitted}", candidates)
    return Fate("undecided", law, span, f"{moved}; {fitted} extrapolates to a {law.limit} limit", candidates)


def _trend(x: np.ndarray, y: np.ndarray, delta: np.ndarray) -> tuple[float, float]:
    """The log-log slope of the norm over the window, and the larger of its propagated error and three
    standard errors from the fit's residuals (so scatter the error figure does not cover is no trend)."""
    a, a_err, c, _ = _slope(x, y, delta)
    x0 = x - x.mean()
    standard = math.sqrt(float(np.sum((y - c - a * x) ** 2)) / max(len(x) - 2, 1) / float(x0 @ x0))
    return a, max(a_err, 3.0 * standard)


def parameter_fates(
    times: ArrayLike,
    norms: ArrayLike,
    norms_error: ArrayLike,
    *,
    decades: float = 2.0,
) -> tuple[Fate, ...]:
    """Each parameter's fate from ``||mu_i(s)||`` (shape ``(K, n)``) over the last ``decades`` decades."""
    values, errors, records = np.asarray(norms, dtype=float), np.asarray(norms_error, dtype=float), np.asarray(times)
    if values.ndim != 2 or values.shape != errors.shape or values.shape[0] != len(records):
        raise InputError("norms", f"norms and norms_error must be (K, n) with K = {len(records)} records")
    return tuple(_fate(records, values[:, i], errors[:, i], decades) for i in range(values.shape[1]))
