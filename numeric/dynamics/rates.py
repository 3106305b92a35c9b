"""Rates of a loss sequence: tail-window log-log slopes and running envelopes of ``L(tau) * tau^p``.

Both work on a trajectory thinned on a log-spaced grid of iterations (``numeric.dynamics.gd``), in the log
domain, so a loss given as an ``mpmath.mpf`` far below the double-precision range is handled too.
Iteration 0 carries no information about a power law and is skipped.

* :func:`tail_slope` fits ``log L = s log tau + b`` by least squares over the tail window
  ``tau >= tau_end * window`` (default: the last decade) and reports, as its spread, half the range of
  the slopes fitted on ``pieces`` consecutive sub-windows of equal log-width.  A clean power law
  has a spread near 0; a drifting local slope shows up as a large one.
* :func:`envelope` gives the running sup and inf of ``L(tau) tau^p`` over ``1 <= sigma <= tau``: a
  claimed bound ``L(tau) <= C tau^(-p)`` makes the sup level off, a claimed lower bound
  ``L(tau) >= c tau^(-p)`` keeps the inf away from 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

__all__ = ["SlopeFit", "Envelope", "log_values", "tail_slope", "envelope"]


@dataclass(frozen=True)
class SlopeFit:
    """Least-squares log-log slope over ``[start, end]`` and the spread of its sub-window slopes."""

    slope: float
    spread: float
    local_slopes: tuple[float, ...]
    start: int
    end: int
    points: int


@dataclass(frozen=True)
class Envelope:
    """Running sup and inf of ``L(tau) tau^p`` on the recorded iterations (``tau >= 1``)."""

    p: float
    iterations: np.ndarray
    log_sup: np.ndarray  # log of sup_{1 <= sigma <= tau} L(sigma) sigma^p
    log_inf: np.ndarray  # log of inf_{1 <= sigma <= tau} L(sigma) sigma^p
    tail_sup: float  # sup and inf over the tail window only (as ordinary numbers)
    tail_inf: float


def log_values(values: Sequence[Any]) -> np.ndarray:
    """Natural logarithms of positive numbers (floats or mpf of any exponent); ``-inf`` for zeros."""
    out = np.empty(len(values))
    for k, value in enumerate(values):
        out[k] = float(mpmath.log(value)) if value > 0 else -math.inf
    return out


def _tail(iterations: Sequence[int], losses: Sequence[Any], window: float) -> tuple[np.ndarray, np.ndarray]:
    if not 0.0 < window < 1.0:
        raise ValueError(f"window must lie in (0, 1), got {window!r}")
    tau = np.asarray(iterations, dtype=float)
    keep = tau >= max(1.0, window * float(tau.max(initial=0.0)))
    return np.log(tau[keep]), log_values([loss for loss, k in zip(losses, keep) if k])


def _fit(x: np.ndarray, y: np.ndarray) -> float:
    x0 = x - x.mean()
    return float(x0 @ (y - y.mean()) / (x0 @ x0))


def tail_slope(
    iterations: Sequence[int], losses: Sequence[Any], window: float = 0.1, pieces: int = 3
) -> SlopeFit | None:
    """Log-log slope of the loss over ``tau >= window * tau_end``; ``None`` without two usable points."""
    x, y = _tail(iterations, losses, window)
    usable = np.isfinite(y)
    x, y = x[usable], y[usable]
    if len(x) < 2 or x[-1] == x[0]:
        return None
    edges = np.linspace(x[0], x[-1], pieces + 1)
    local = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        part = (x >= lo) & (x <= hi)
        if np.count_nonzero(part) >= 2:
            local.append(_fit(x[part], y[part]))
    spread = 0.5 * (max(local) - min(local)) if len(local) >= 2 else math.nan
    return SlopeFit(_fit(x, y), spread, tuple(local), int(round(math.exp(x[0]))), int(round(math.exp(x[-1]))), len(x))


def envelope(iterations: Sequence[int], losses: Sequence[Any], p: float, window: float = 0.1) -> Envelope:
    """Running sup/inf of ``L(tau) tau^p`` for a claimed exponent ``p`` (module docstring)."""
    tau = np.asarray(iterations, dtype=float)
    keep = tau >= 1.0
    logs = log_values([loss for loss, k in zip(losses, keep) if k]) + p * np.log(tau[keep])
    x_tail, y_tail = _tail(iterations, losses, window)
    scaled_tail = y_tail + p * x_tail
    return Envelope(
        p=p,
        iterations=tau[keep].astype(int),
        log_sup=np.maximum.accumulate(logs) if len(logs) else logs,
        log_inf=np.minimum.accumulate(logs) if len(logs) else logs,
        tail_sup=math.exp(float(scaled_tail.max())) if len(scaled_tail) else math.nan,
        tail_inf=math.exp(float(scaled_tail.min())) if len(scaled_tail) else math.nan,
    )
