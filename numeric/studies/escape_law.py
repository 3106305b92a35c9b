"""The escape law ``s L ~ 16 sum_j 1 / M_j^2`` measured on a flow run, extrapolated in ``1 / M^2``.

The law (derived in ``symbolic.escape``) has corrections of order ``1 / M^2 = O(1 / log s)``: measured on far
starts (``n = 2, 3, 5``, ``M0 = 6``), the ratio ``R(s) = s L / (16 sum_j M_j^-2)`` over the escaping parameters is
1.19 at ``s = 3e4`` and still 1.09 at ``s = 1e9``.  No finite horizon reaches 1, so the limit is read off a fit
of ``R`` against ``x = 1 / mean_j M_j^2`` over the last decades, ``R = c0 + c1 x + c2 x^2``: ``c0`` is the limit.
Its error is what the next order and the window could still move: ``|c0(quadratic) - c0(linear)|`` plus
``|c0(last decades) - c0(one decade fewer)|`` plus the records' own relative error.  Measured: quadratic
intercepts 1.004-1.008, linear ones 0.96-0.98, on windows of 2-4 decades.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from numeric.config import InputError

__all__ = ["ESCAPE_NUMERATOR", "EscapeLimit", "escape_ratio", "escape_limit"]

ESCAPE_NUMERATOR = 16.0
MIN_RECORDS = 6  # the quadratic fit needs a few more records than coefficients


@dataclass(frozen=True)
class EscapeLimit:
    """The extrapolated ``lim R(s)``, its error, and what it rests on."""

    limit: float
    error: float
    ratio_at_end: float  # R at the last record (not extrapolated)
    linear_limit: float
    window: tuple[float, float]  # flow times of the fit window
    escaping: int  # the number k of escaping parameters


def _intercept(x: np.ndarray, y: np.ndarray, degree: int) -> float:
    return float(np.polynomial.polynomial.polyfit(x, y, degree)[0])


def escape_ratio(
    times: ArrayLike, loss: ArrayLike, norms: ArrayLike, escaping: ArrayLike, *, numerator: float = ESCAPE_NUMERATOR
) -> np.ndarray:
    """``R(s) = s L / (numerator sum_j M_j^-2)`` at every record, the sum over the ``escaping`` parameters (a mask).

    ``times`` and ``loss`` are ``(K,)`` records, ``norms`` ``(K, n)``; :class:`InputError` names a bad shape or a mask
    with no escaping parameter.
    """
    s, L, M = (np.asarray(a, dtype=float) for a in (times, loss, norms))
    mask = np.asarray(escaping, dtype=bool)
    if M.ndim != 2 or M.shape[0] != len(s) or mask.shape != (M.shape[1],):
        raise InputError("norms", f"norms must be (K, n) with K = {len(s)} records and escaping (n,)")
    if not mask.any():
        raise InputError("escaping", "no escaping parameter: the escape law is about the escaping ones")
    return s * L / (numerator * np.sum(M[:, mask] ** -2.0, axis=1))


def escape_limit(
    times: ArrayLike,
    loss: ArrayLike,
    norms: ArrayLike,
    loss_error: ArrayLike,
    escaping: ArrayLike,
    *,
    numerator: float = ESCAPE_NUMERATOR,
    decades: float = 3.0,
) -> EscapeLimit:
    """``lim R(s)`` for ``R = s L / (numerator sum_j M_j^-2)`` over the ``escaping`` parameters (a boolean mask).

    ``times``, ``loss``, ``loss_error`` are ``(K,)`` records, ``norms`` ``(K, n)``; the fit uses the records of the
    last ``decades`` decades (and of one decade fewer, for the window part of the error).
    """
    ratio = escape_ratio(times, loss, norms, escaping, numerator=numerator)
    s, L, dL = (np.asarray(a, dtype=float) for a in (times, loss, loss_error))
    mask = np.asarray(escaping, dtype=bool)
    x = 1 / np.mean(np.asarray(norms, dtype=float)[:, mask] ** 2, axis=1)
    windows = [s >= s[-1] / 10**span for span in (decades, decades - 1)]
    if min(int(w.sum()) for w in windows) < MIN_RECORDS:
        raise InputError("times", f"fewer than {MIN_RECORDS} records in the last {decades - 1:g} decades")
    quadratic = [_intercept(x[w], ratio[w], 2) for w in windows]
    linear = _intercept(x[windows[0]], ratio[windows[0]], 1)
    relative = float(np.max(dL[windows[0]] / L[windows[0]]))  # NaN (no error run) makes the error infinite
    error = abs(quadratic[0] - linear) + abs(quadratic[0] - quadratic[1]) + abs(quadratic[0]) * relative
    error = error if np.isfinite(error) else float("inf")
    first = float(s[windows[0]][0])
    return EscapeLimit(quadratic[0], error, float(ratio[-1]), linear, (first, float(s[-1])), int(mask.sum()))
