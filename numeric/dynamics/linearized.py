"""First-order dynamics of a tiny spread around a coincident cluster, for spreads as small as ``exp(-1e6)``.

Start ``mu_i(0) = c + delta_i`` with ``delta_i = s z_i`` and ``s = exp(log_scale)`` tiny.  Coincident
parameters keep ``w_i = 1/n``, so the cluster's own trajectory is exact:
``a(tau+1) = q a(tau)``, ``q = 1 - 2 eta / n``, ``a(tau) = q^tau c``.  Linearizing the softmax weights
``w_i = (1/n)(1 + <x - a, e_i>) + O(delta^2)`` with ``e_i = delta_i - mean(delta)`` in the direct-form
gradient ``2 E[w_i v + w_i (x - mu_i)(<mu_i, v> - |v|^2)]`` gives the Jacobian-vector product along
the trajectory (checked against precise-tier finite differences by :func:`check_jvp`)::

    grad_i L(a + delta) = (2/n)(a + mean(delta)) - (4/n) a <a, e_i> + O(|delta|^2).

Hence, to first order, ``mean(delta)`` contracts with the cluster, ``mean(delta)(tau) = q^tau mean(delta)(0)``,
and each ``e_i`` obeys ``e_i(tau+1) = (I + (4 eta / n) a(tau) a(tau)^T) e_i(tau)``: its component along
``c`` is multiplied by ``1 + 4 eta |a(tau)|^2 / n`` per step, the perpendicular part stays put.  With
``alpha_i = <e_i(0), c/|c|>`` and ``beta_i`` the perpendicular part,

    e_i(tau) = alpha_i A(tau) c/|c| + beta_i,    log A(tau) = sum_{sigma < tau} log(1 + 4 eta q^(2 sigma) |c|^2 / n),

and ``log A(infinity) ~ |c|^2`` for small ``eta``.  Everything is kept as logarithms, so neither the
spread (``exp(-1e6)``) nor the amplification (``exp(|c|^2)``) is ever formed as a double; the sum is
taken step by step (numpy in the fast tier, ``dps`` digits with mpmath in the precise tier) until its
terms fall below working precision, and the geometric remainder is added for the limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from numeric.config import InputError, as_decimal_string
from numeric.dynamics.gd import log_grid
from numeric.model import loss_and_gradient_precise

__all__ = ["SpreadRun", "linearized_spread", "predicted_mu", "check_jvp", "jvp_closed_form"]

CHUNK = 1 << 20


@dataclass(frozen=True)
class SpreadRun:
    """The linearized run: cluster norm, amplification and spread on a log grid (all logs natural)."""

    n: int
    d: int
    center: tuple[Any, ...]  # c
    eta: Any
    log_scale: Any  # log s, the spreads are delta_i = s z_i
    directions: tuple[tuple[Any, ...], ...]  # z_i
    steps: int
    tier: str
    iterations: tuple[int, ...]
    center_norm: tuple[Any, ...]  # |a(tau)| = |q|^tau |c|
    log_amplification: tuple[Any, ...]  # log A(tau): growth factor of the spread along c
    log_spread: tuple[Any, ...]  # log max_i |e_i(tau)|
    log_amplification_limit: Any  # log A(infinity)
    reach: dict[str, int | None]  # target log-size (as given) -> first iteration with log_spread >= it

    @property
    def growth(self) -> list[float]:
        """``log(spread(tau) / spread(0))`` on the grid."""
        return [float(x - self.log_spread[0]) for x in self.log_spread]


def _parts(center, directions, work: int | None):
    """``|c|^2``, unit ``c``, ``alpha_i``, ``beta_i``, ``mean(z)`` in floats (``work`` None) or mpf."""
    c: Any
    z: Any
    e: Any
    if work is None:
        c = np.asarray(center, dtype=float)
        z = np.asarray(directions, dtype=float)
        mean = z.mean(axis=0)
        e = z - mean
        norm2 = float(c @ c)
        unit = c / math.sqrt(norm2) if norm2 > 0 else np.zeros_like(c)
        alpha = e @ unit
        beta = np.sqrt(np.maximum(np.sum(e * e, axis=1) - alpha**2, 0.0))
        return norm2, unit, alpha, beta, mean
    with mpmath.workdps(work):
        c = [mpmath.mpf(x) for x in center]
        z = [[mpmath.mpf(x) for x in row] for row in directions]
        n, d = len(z), len(c)
        mean = [mpmath.fsum(z[i][k] for i in range(n)) / n for k in range(d)]
        e = [[z[i][k] - mean[k] for k in range(d)] for i in range(n)]
        norm2 = mpmath.fsum(x * x for x in c)
        unit = [x / mpmath.sqrt(norm2) for x in c] if norm2 > 0 else [mpmath.mpf(0)] * d
        alpha = [mpmath.fsum(a * b for a, b in zip(row, unit)) for row in e]
        beta = [mpmath.sqrt(max(mpmath.fsum(x * x for x in row) - al**2, 0)) for row, al in zip(e, alpha)]
        return norm2, unit, alpha, beta, mean


def _log_abs(x) -> float:
    return float(mpmath.log(abs(x))) if x else -math.inf


def _thresholds(targets: Sequence[Any], log_scale, alpha, beta) -> dict[str, Any]:
    """For each target log-size, the least ``log A`` at which some ``|e_i| = s sqrt(alpha_i^2 A^2 + beta_i^2)``
    reaches it."""
    out = {}
    with mpmath.workdps(30):
        for target in targets:
            gap = mpmath.mpf(target) - mpmath.mpf(log_scale)  # log(T / s)
            best = mpmath.inf
            for al, be in zip(alpha, beta):
                if be and mpmath.log(abs(mpmath.mpf(be))) >= gap:
                    best = mpmath.mpf(-mpmath.inf)  # already there at tau = 0
                elif al:
                    rest = 2 * mpmath.log(abs(mpmath.mpf(be))) - 2 * gap if be else -mpmath.inf
                    need = gap + mpmath.log1p(-mpmath.exp(rest)) / 2 - mpmath.log(abs(mpmath.mpf(al)))
                    best = min(best, need)
            out[str(target)] = best
    return out


def linearized_spread(
    center: Sequence[Any],
    directions: Sequence[Sequence[Any]],
    log_scale: Any,
    eta: Any,
    steps: int,
    *,
    targets: Sequence[Any] = (),
    points_per_decade: int = 20,
    tier: str = "fast",
    dps: int = 40,
) -> SpreadRun:
    """Evolve the cluster and its first-order spread for ``steps`` GD steps (module docstring).

    ``log_scale`` is ``log s`` (e.g. ``-1e6`` for a spread ``exp(-1e6)``); ``targets`` are log-sizes
    whose first crossing by the spread ``max_i |e_i(tau)|`` is reported in ``reach`` (``None`` if the
    linearized spread never gets there within ``steps``).
    """
    if tier not in ("fast", "precise"):
        raise InputError("tier", f"unknown tier {tier!r}; choose fast or precise")
    z = [list(row) for row in directions]
    n, d = len(z), len(center)
    if n < 1 or any(len(row) != d for row in z):
        raise InputError("directions", f"expected n rows of length {d}")
    eta_text = as_decimal_string(eta, "eta")
    if not 0 < float(eta_text) < n:
        raise InputError("eta", f"the linearized cluster needs 0 < eta < n = {n} (|1 - 2 eta/n| < 1), got {eta_text}")
    work = None if tier == "fast" else dps + 10
    norm2, _, alpha, beta, _ = _parts(center, z, work)
    grid = sorted(log_grid(steps, points_per_decade))
    walk = _walk_fast if tier == "fast" else _walk_precise
    log_amp, limit = walk(norm2, eta_text, n, steps, grid, dps)
    with mpmath.workdps(dps + 10):
        q = 1 - 2 * mpmath.mpf(eta_text) / n
        c_norm = [abs(q) ** k * mpmath.sqrt(norm2) for k in grid]
        log_spread = [_log_spread(la, log_scale, alpha, beta) for la in log_amp]
    thresholds = _thresholds(targets, log_scale, alpha, beta)
    reach = {key: _first_crossing(value, norm2, eta_text, n, steps, dps, tier) for key, value in thresholds.items()}
    number = float if tier == "fast" else mpmath.mpf
    return SpreadRun(
        n,
        d,
        tuple(number(x) for x in center),
        number(eta_text),
        number(log_scale),
        tuple(tuple(number(x) for x in row) for row in z),
        steps,
        tier,
        tuple(grid),
        tuple(number(x) for x in c_norm),
        tuple(log_amp),
        tuple(log_spread),
        limit,
        reach,
    )


def _log_spread(log_amp, log_scale, alpha, beta):
    """``log max_i |e_i|`` with ``|e_i|^2 = s^2 (alpha_i^2 A^2 + beta_i^2)``, in logs."""
    best = -mpmath.inf
    for al, be in zip(alpha, beta):
        a_term = 2 * (mpmath.log(abs(al)) + log_amp) if al else -mpmath.inf
        b_term = 2 * mpmath.log(be) if be else -mpmath.inf
        top = max(a_term, b_term)
        if top != -mpmath.inf:
            best = max(best, (top + mpmath.log1p(mpmath.exp(min(a_term, b_term) - top))) / 2)
    value = mpmath.mpf(log_scale) + best
    return float(value) if isinstance(log_amp, float) else value


def _increments_fast(norm2: float, eta: float, n: int, start: int, stop: int) -> np.ndarray:
    tau = np.arange(start, stop, dtype=float)
    q2 = (1.0 - 2.0 * eta / n) ** 2
    return np.log1p(4.0 * eta * norm2 / n * q2**tau)


def _walk_fast(norm2, eta_text, n, steps, grid, dps):
    """``log A`` at the grid iterations and its limit, by chunked cumulative sums in double precision."""
    eta = float(eta_text)
    q2 = (1.0 - 2.0 * eta / n) ** 2
    out, total, start, k = [], 0.0, 0, 0
    while start < steps and k < len(grid):
        stop = min(steps, start + CHUNK)
        cum = total + np.concatenate([[0.0], np.cumsum(_increments_fast(norm2, eta, n, start, stop))])
        while k < len(grid) and grid[k] <= stop:
            out.append(float(cum[grid[k] - start]))
            k += 1
        total, start = float(cum[-1]), stop
    out += [total] * (len(grid) - k)
    term = 4.0 * eta * norm2 / n * q2**steps
    return out, total + term / (1.0 - q2)  # remaining terms: log1p(x) <= x, a geometric series


def _walk_precise(norm2, eta_text, n, steps, grid, dps):
    """The same sum at ``dps`` digits, step by step, stopping once the terms are below working precision."""
    with mpmath.workdps(dps + 10):
        eta = mpmath.mpf(eta_text)
        q2 = (1 - 2 * eta / n) ** 2
        term = 4 * eta * mpmath.mpf(norm2) / n
        tiny = mpmath.mpf(10) ** (-(dps + 10))
        marks, out, total, tau = set(grid), [], mpmath.mpf(0), 0
        if 0 in marks:
            out.append(total)
        while tau < steps and term > tiny * max(total, 1):
            total += mpmath.log1p(term)
            term *= q2
            tau += 1
            if tau in marks:
                out.append(+total)
        out += [+total] * (len(grid) - len(out))
        return out, total + term / (1 - q2)


def _first_crossing(threshold, norm2, eta_text, n, steps, dps, tier) -> int | None:
    """First ``tau <= steps`` with ``log A(tau) >= threshold`` (``log A`` is nondecreasing)."""
    if threshold == -mpmath.inf:
        return 0
    if threshold == mpmath.inf:
        return None
    if tier == "fast":
        total, start = 0.0, 0
        while start < steps:
            stop = min(steps, start + CHUNK)
            cum = total + np.cumsum(_increments_fast(norm2, float(eta_text), n, start, stop))
            hit = np.nonzero(cum >= float(threshold))[0]
            if len(hit):
                return start + int(hit[0]) + 1
            if cum[-1] == total:
                return None  # the sum no longer moves in double precision
            total, start = float(cum[-1]), stop
        return None
    grid = list(range(steps + 1))
    values, _ = _walk_precise(norm2, eta_text, n, steps, grid, dps)
    return next((k for k, v in zip(grid, values) if v >= threshold), None)


def _cluster_and_offsets(run: SpreadRun, position: int, work: int):
    """``a(tau)`` and the unscaled offsets ``o_i = q^tau mean(z) + alpha_i A c/|c| + beta_i`` (``mu_i = a + s o_i``)."""
    tau = run.iterations[position]
    norm2, unit, alpha, _, mean = _parts(run.center, run.directions, work)
    with mpmath.workdps(work):
        shrink = (1 - 2 * mpmath.mpf(run.eta) / run.n) ** tau
        amp = mpmath.exp(mpmath.mpf(run.log_amplification[position]))
        a = [shrink * mpmath.mpf(c) for c in run.center]
        offsets = []
        for i in range(run.n):
            e = [mpmath.mpf(run.directions[i][k]) - mean[k] for k in range(run.d)]
            offsets.append(
                [shrink * mean[k] + alpha[i] * amp * unit[k] + (e[k] - alpha[i] * unit[k]) for k in range(run.d)]
            )
        return a, offsets


def predicted_mu(run: SpreadRun, position: int = -1, dps: int = 40) -> list[list[mpmath.mpf]]:
    """First-order prediction of ``mu_i`` at ``run.iterations[position]``, as mpf rows (any tiny scale)."""
    a, offsets = _cluster_and_offsets(run, position, dps + 10)
    with mpmath.workdps(dps + 10):
        scale = mpmath.exp(mpmath.mpf(run.log_scale))
        return [[ak + scale * o for ak, o in zip(a, row)] for row in offsets]


def jvp_closed_form(a: Sequence[Any], u: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """``J u`` for the gradient at the coincident point ``mu_i = a``: ``(2/n) mean(u) - (4/n) a <a, u_i - mean(u)>``."""
    n, d = len(u), len(a)
    mean = [sum(u[i][k] for i in range(n)) / n for k in range(d)]
    return [
        [2 * mean[k] / n - 4 * a[k] * sum(a[j] * (u[i][j] - mean[j]) for j in range(d)) / n for k in range(d)]
        for i in range(n)
    ]


def check_jvp(run: SpreadRun, dps: int = 40, samples: int = 3) -> list[tuple[int, float]]:
    """Gap between :func:`jvp_closed_form` and precise-tier central differences along ``run``.

    The gap is ``max |FD - J u|`` relative to ``(2 + 4 |a|^2) / n``, the size of ``J`` (``max |u| = 1``).

    At ``samples`` grid iterations ``tau`` (log-spaced), the direction is the run's predicted spread
    (normalized); the step ``h = 10^(-dps/2)`` leaves a truncation error ``O(h^2)`` and a rounding
    error ``O(10^(-dps-10) / h)``, so agreement to about ``dps/2`` digits confirms the closed form.
    """
    picks = sorted({run.iterations[int(j)] for j in np.linspace(0, len(run.iterations) - 1, samples)})
    gaps = []
    with mpmath.workdps(dps + 10):
        h = mpmath.mpf(10) ** (-(dps // 2))
        for tau in picks:
            a, u = _cluster_and_offsets(run, run.iterations.index(tau), dps + 10)
            size = max(abs(x) for row in u for x in row)
            u = [[x / size for x in row] for row in u]
            plus = loss_and_gradient_precise([[ak + h * x for ak, x in zip(a, row)] for row in u], dps)[1]
            minus = loss_and_gradient_precise([[ak - h * x for ak, x in zip(a, row)] for row in u], dps)[1]
            closed = jvp_closed_form(a, u)
            diff = max(
                abs((p - m) / (2 * h) - c) for pr, mr, cr in zip(plus, minus, closed) for p, m, c in zip(pr, mr, cr)
            )
            norm = (2 + 4 * mpmath.fsum(x * x for x in a)) / run.n  # ||J|| >= 2/n: no division by a tiny J u
            gaps.append((tau, float(diff / norm)))
    return gaps
