"""Clustered starts ``mu_i(0) = c + delta_i`` followed against the cluster's reference trajectory.

Theorem 3.2 and Lemma 3.3 (docs/claims.md) follow a reference point ``A(tau)``: for coincident parameters GD
is exactly ``a <- (1 - 2 eta / n) a``, so the natural reference is ``A(tau) = (1 - k eta / n)^tau c`` with
``c`` the cluster's mean and ``k`` a contraction coefficient (2 for the loss ``E|v|^2``).  A direct GD
run at any precision records, at every step, ``|A(tau)|`` and the largest distance ``max_i |mu_i - A|``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np

from numeric.dynamics.gd import GDResult, make_config, run_gd

__all__ = [
    "ClusterRun",
    "hypothesis_log_spread",
    "cluster_offsets",
    "direct_cluster_run",
    "first_below",
    "worst_while_above",
]


def hypothesis_log_spread(n: int, d: int, m0: float, factor: float, exponent: float) -> float:
    """``log`` of Theorem 3.2's spread bound ``(1 / (factor n d)) exp(-exponent n d M0^3)``."""
    return -math.log(factor * n * d) - exponent * n * d * m0**3


def cluster_offsets(n: int, d: int, seed: int) -> np.ndarray:
    """Directions ``u_i`` with ``max_i |u_i| = 1`` (Gaussian draws from ``seed``, rescaled)."""
    z = np.random.default_rng(seed).standard_normal((n, d))
    return z / np.max(np.linalg.norm(z, axis=1))


@dataclass(frozen=True)
class ClusterRun:
    """A direct GD run from ``c + s u_i`` with its reference trajectory, on the recorded grid."""

    n: int
    d: int
    m0: float
    log_spread: float
    eta: str
    coefficient: float
    dps: int
    seed: int
    result: GDResult
    reference: tuple[float, ...]  # |A(tau)| after each update tau = 1..steps
    deviation: tuple[float, ...]  # max_i |mu_i(tau) - A(tau)|, same iterations


def direct_cluster_run(
    n: int, d: int, m0: float, log_spread: float, eta: str, steps: int, coefficient: float, dps: int, seed: int
) -> ClusterRun:
    """GD from ``mu_i = (M0, 0, ..., 0) + e^{log_spread} u_i``, tracking ``A(tau)``.

    The fast tier runs when the spread is far above double rounding (``log_spread > -20``), the
    precise tier at ``dps`` digits otherwise.
    """
    u = cluster_offsets(n, d, seed)
    with mpmath.workdps(dps + 10):
        spread = mpmath.exp(mpmath.mpf(log_spread))
        start = [
            [mpmath.mpf(m0 if k == 0 else 0) + spread * mpmath.mpf(float(u[i, k])) for k in range(d)] for i in range(n)
        ]
        center = [mpmath.fsum(row[k] for row in start) / n for k in range(d)]
        ratio = 1 - mpmath.mpf(coefficient) * mpmath.mpf(eta) / n
        rows = [[mpmath.nstr(x, dps + 8) for x in row] for row in start]
    reference, deviation = [], []

    def track(state) -> None:
        with mpmath.workdps(dps + 10):
            a = [ratio**state.step * ck for ck in center]
            reference.append(float(mpmath.sqrt(mpmath.fsum(x * x for x in a))))
            deviation.append(
                float(
                    max(
                        mpmath.sqrt(mpmath.fsum((mpmath.mpf(x) - ak) ** 2 for x, ak in zip(row, a))) for row in state.mu
                    )
                )
            )

    tier = "fast" if log_spread > -20 else "precise"
    config = make_config(rows, eta, steps, tier=tier, dps=dps, init={"seed": seed, "log_spread": log_spread})
    result = run_gd(config, on_step=track)
    return ClusterRun(n, d, m0, log_spread, eta, coefficient, dps, seed, result, tuple(reference), tuple(deviation))


def first_below(iterations: Sequence[int], values: Sequence[float], threshold: float) -> int | None:
    """First iteration whose value is at most ``threshold``, or None."""
    return next((k for k, value in zip(iterations, values) if value <= threshold), None)


def worst_while_above(reference: Sequence[float], deviation: Sequence[float], threshold: float) -> float:
    """Largest deviation while the reference is above ``threshold`` (0 if it never is)."""
    return max((dev for ref, dev in zip(reference, deviation) if ref > threshold), default=0.0)
