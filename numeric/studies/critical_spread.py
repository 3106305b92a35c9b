"""The critical spread of a cluster: where "all parameters converge" turns into "not all converge".

Start ``mu_i(0) = c + eps u_i`` with ``c = M0 e_1`` and offsets ``u_i`` of largest norm 1:

* ``collinear`` (default): ``u_i = (2i/(n-1) - 1) e_1``, evenly spaced along the cluster's direction.
  The start lies on the line through ``c`` and the truth, GD keeps it there, and the loss restricted to
  that line does not depend on ``d``: the run is done in ``d = 1`` whatever ``d`` is asked for;
* ``random``: Gaussian draws from ``seed`` rescaled to largest norm 1
  (:func:`numeric.dynamics.clusters.cluster_offsets`).

**One trial** (:func:`trial`) decides the outcome at one ``eps``.  While the spread is tiny the
linearized runner (:mod:`numeric.dynamics.linearized`) evolves it exactly to first order, in logarithms:

* if the first-order spread never reaches ``handoff`` (default ``1e-6``) over the whole contraction of
  the cluster, the second-order terms stay ``O(handoff)`` relative and the cluster reaches the truth
  with a spread below ``handoff``: **all-converge** (method ``linearized``, no direct run);
* otherwise the first-order state at the first iteration where the spread reaches ``handoff`` (the
  start itself when ``eps >= handoff``) seeds direct fast-tier GD (:func:`numeric.dynamics.gd.advance`), which
  stops as soon as a rule fires (method ``linearized+direct`` or ``direct``):

  - **all-converge** when every ``||mu_i|| <= r_in`` (default 0.5).  The escape saddles seen along
    these runs have their far parameter at ``||mu|| ~ 2.2-2.7`` (and Theorem 3.1's symmetric stationary
    point sits at ``s* ~ 2.55`` for ``n = 3``, ``2.67`` for ``n = 5``): a configuration inside ``r_in``
    is past them.  This is an empirical rule, not a theorem;
  - **not-all-converge** when some parameter has climbed at least ``climb`` (default 1) above the
    lowest norm it had in the run and is beyond ``r_out`` (default 3), or passed the blow-up limit;
  - **undecided** when the step budget runs out first (near ``eps_c`` the run lingers at a saddle and
    the decision time grows without bound) or the tier fails.

**The bisection** (:func:`critical_spread`) works on ``log10 eps``.  It starts at the first-order guess
``eps * max|alpha_i| * A(infinity) = 1`` (the spread along ``c`` grows by ``A(infinity) ~ exp(M0^2)``),
steps by ``step`` decades until the outcomes at the two ends differ (within ``[lowest, highest]``), then
halves the bracket until it is ``tol`` decades wide or a midpoint is undecided.  The bracket
``[lo, hi]`` has an all-converge trial at ``lo`` and a not-all-converge trial at ``hi``; every trial is
kept with its method.  The search assumes one switch; a trial contradicting that is recorded, not hidden.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from numeric.config import InputError
from numeric.dynamics.clusters import cluster_offsets
from numeric.dynamics.gd import GDState, advance, make_config
from numeric.dynamics.linearized import linearized_spread, predicted_mu

__all__ = [
    "PATTERNS",
    "OUTCOMES",
    "Rules",
    "Trial",
    "CriticalPoint",
    "LawFit",
    "pattern_offsets",
    "solve_dimension",
    "trial",
    "critical_spread",
    "fit_power_laws",
]

PATTERNS = ("collinear", "random")
OUTCOMES = ("all-converge", "not-all-converge", "undecided")


@dataclass(frozen=True)
class Rules:
    """The decision rules and budgets of a trial (module docstring)."""

    r_in: float = 0.5
    r_out: float = 3.0
    climb: float = 1.0
    handoff: float = 1e-6
    budget: int = 4000
    tol: float = 0.15  # final bracket width, decades
    step: float = 1.0  # bracketing step, decades
    lowest: float = -300.0  # search range of log10 eps
    highest: float = 1.0


@dataclass(frozen=True)
class Trial:
    """The outcome at one ``eps`` and how it was reached."""

    log10_eps: float
    outcome: str
    method: str  # "linearized", "linearized+direct" or "direct"
    handoff_step: int  # GD iterations covered by the linearized runner (0: direct from the start)
    direct_steps: int
    seconds: float
    detail: str


@dataclass(frozen=True)
class CriticalPoint:
    """The bracket of ``log10 eps_c`` at one ``(n, d, M0)`` with every trial of the search."""

    n: int
    d: int
    M0: float
    eta: float
    pattern: str
    seed: int
    solved_in_d: int
    log10_amplification: float  # log10 A(infinity): first-order growth of the spread along c
    bracket: tuple[float | None, float | None]  # (lo: all-converge, hi: not-all-converge)
    trials: tuple[Trial, ...] = field(default=())
    seconds: float = 0.0

    @property
    def log10_eps_c(self) -> float | None:
        """Midpoint of the bracket (None unless both ends were established)."""
        lo, hi = self.bracket
        return None if lo is None or hi is None else (lo + hi) / 2


@dataclass(frozen=True)
class LawFit:
    """Least squares ``log10 eps_c = a + b M0^power`` with its residuals."""

    power: int
    intercept: float
    slope: float
    residuals: tuple[float, ...]

    @property
    def rms(self) -> float:
        return math.sqrt(sum(r * r for r in self.residuals) / len(self.residuals))


def pattern_offsets(n: int, d: int, pattern: str, seed: int = 0) -> np.ndarray:
    """Offsets ``u_i`` (rows, largest norm 1) of ``pattern`` (module docstring)."""
    if pattern not in PATTERNS:
        raise InputError("pattern", f"unknown pattern {pattern!r}; choose one of {', '.join(PATTERNS)}")
    if n < 2 or d < 1:
        raise InputError("n/d", f"need n >= 2 and d >= 1, got n={n}, d={d}")
    if pattern == "random":
        return cluster_offsets(n, d, seed)
    u = np.zeros((n, d))
    u[:, 0] = 2.0 * np.arange(n) / (n - 1) - 1.0
    return u


def solve_dimension(d: int, pattern: str) -> int:
    """The dimension the runs use: 1 for collinear starts (exact, module docstring), else ``d``."""
    return 1 if pattern == "collinear" else d


def _center(M0: float, d: int) -> list[float]:
    return [M0] + [0.0] * (d - 1)


def _contraction_steps(n: int, M0: float, eta: float) -> int:
    """Iterations for ``|a(tau)| = |1 - 2 eta/n|^tau M0`` to fall below ``1e-4`` (the growth of the spread is over)."""
    return max(1, math.ceil(math.log(max(M0, 1e-4) / 1e-4) / -math.log(abs(1 - 2 * eta / n))))


def _handoff(M0: float, u: np.ndarray, log10_eps: float, eta: float, rules: Rules) -> tuple[list | None, int, str]:
    """Start of the direct run (rows), the iterations the linearized runner covered, and a note.

    Rows are ``None`` when the first-order spread never reaches ``rules.handoff``.
    """
    n, d = u.shape
    center = _center(M0, d)
    if log10_eps >= math.log10(rules.handoff):
        return [[M0 * (k == 0) + 10.0**log10_eps * float(u[i, k]) for k in range(d)] for i in range(n)], 0, ""
    log_eps, target = log10_eps * math.log(10), math.log(rules.handoff)
    steps = _contraction_steps(n, M0, eta)
    whole = linearized_spread(center, u.tolist(), log_eps, repr(eta), steps, targets=[target])
    reach = whole.reach[str(target)]
    peak = max(whole.log_spread) / math.log(10)
    if reach is None:
        return None, steps, f"first-order spread peaks at 10^{peak:.2f} < handoff {rules.handoff:g}"
    upto = linearized_spread(center, u.tolist(), log_eps, repr(eta), reach, targets=[target])
    rows = [[float(x) for x in row] for row in predicted_mu(upto, -1, dps=30)]
    return rows, reach, f"first-order spread reaches {rules.handoff:g} at iteration {reach}"


class _Referee:
    """``on_step`` hook of the direct run: stops it as soon as a rule of :class:`Rules` fires."""

    def __init__(self, rules: Rules, start: np.ndarray) -> None:
        self.rules = rules
        self.lowest = np.linalg.norm(start, axis=1)
        self.outcome = "undecided"

    def __call__(self, state: GDState) -> None:
        norms = np.linalg.norm(state.mu, axis=1)
        self.lowest = np.minimum(self.lowest, norms)
        escaped = np.nonzero((norms >= self.rules.r_out) & (norms >= self.lowest + self.rules.climb))[0]
        if norms.max() <= self.rules.r_in:
            self.outcome = "all-converge"
            state.stopped, state.reason = "decided", f"every ||mu_i|| <= {self.rules.r_in:g} at iteration {state.step}"
        elif len(escaped):
            i = int(escaped[0])
            self.outcome = "not-all-converge"
            state.stopped, state.reason = (
                "decided",
                (f"||mu_{i + 1}|| = {norms[i]:.3g} climbed from {self.lowest[i]:.3g} at iteration {state.step}"),
            )


def _direct(rows: list, eta: float, rules: Rules) -> tuple[str, int, str]:
    """Fast-tier GD from ``rows`` until a rule fires: outcome, steps, reason."""
    config = make_config([[repr(x) for x in row] for row in rows], repr(eta), rules.budget, points_per_decade=1)
    state = GDState(step=0, mu=np.array(rows, dtype=float))
    referee = _Referee(rules, state.mu)
    advance(config, state, on_step=referee)
    if state.stopped == "blow-up":
        return "not-all-converge", state.step, state.reason
    return referee.outcome, state.step, state.reason


def trial(M0: float, u: np.ndarray, log10_eps: float, eta: float, rules: Rules = Rules()) -> Trial:
    """The outcome from ``mu_i = M0 e_1 + 10^log10_eps u_i`` (module docstring: one trial)."""
    clock = time.perf_counter()
    rows, covered, note = _handoff(M0, u, log10_eps, eta, rules)
    if rows is None:
        return Trial(log10_eps, "all-converge", "linearized", covered, 0, time.perf_counter() - clock, note)
    outcome, steps, reason = _direct(rows, eta, rules)
    method = "linearized+direct" if covered else "direct"
    detail = "; ".join(part for part in (note, reason) if part)
    return Trial(log10_eps, outcome, method, covered, steps, time.perf_counter() - clock, detail)


def _first_order_guess(M0: float, u: np.ndarray, eta: float) -> tuple[float, float]:
    """``log10 A(infinity)`` and the ``log10 eps`` at which the first-order spread along ``c`` reaches 1."""
    n, d = u.shape
    run = linearized_spread(_center(M0, d), u.tolist(), 0.0, repr(eta), _contraction_steps(n, M0, eta))
    log10_amp = float(run.log_amplification_limit) / math.log(10)
    return log10_amp, -log10_amp


def critical_spread(
    n: int, d: int, M0: float, eta: float = 0.01, pattern: str = "collinear", seed: int = 0, rules: Rules = Rules()
) -> CriticalPoint:
    """Bracket ``log10 eps_c`` at one point by bisection on ``log10 eps`` (module docstring)."""
    if not M0 > 0 or not 0 < eta < n / 2:
        raise InputError("M0/eta", f"need M0 > 0 and 0 < eta < n/2, got M0={M0}, eta={eta}")
    clock = time.perf_counter()
    solved_d = solve_dimension(d, pattern)
    u = pattern_offsets(n, solved_d, pattern, seed)
    log10_amp, guess = _first_order_guess(M0, u, eta)
    trials: list[Trial] = []

    def run(x: float) -> str:
        trials.append(trial(M0, u, x, eta, rules))
        return trials[-1].outcome

    lo, hi = _bracket(run, _clip(round(guess, 2), rules), rules)
    while lo is not None and hi is not None and hi - lo > rules.tol:
        mid = round((lo + hi) / 2, 6)
        outcome = run(mid)
        if outcome == "undecided":
            break
        lo, hi = (mid, hi) if outcome == "all-converge" else (lo, mid)
    return CriticalPoint(
        n, d, M0, eta, pattern, seed, solved_d, log10_amp, (lo, hi), tuple(trials), time.perf_counter() - clock
    )


def _bracket(run, start: float, rules: Rules) -> tuple[float | None, float | None]:
    """Step from ``start`` by ``rules.step`` decades (the last step clipped to the search range) until the
    outcomes at the two ends differ."""
    outcome = run(start)
    if outcome == "undecided":
        return None, None
    direction = rules.step if outcome == "all-converge" else -rules.step
    known = start
    x = _clip(start + direction, rules)
    while x != known:
        new = run(x)
        if new == "undecided":
            break
        if new != outcome:
            return (known, x) if outcome == "all-converge" else (x, known)
        known, x = x, _clip(x + direction, rules)
    return (known, None) if outcome == "all-converge" else (None, known)


def _clip(x: float, rules: Rules) -> float:
    return round(min(max(x, rules.lowest), rules.highest), 6)


def fit_power_laws(
    M0: Sequence[float], log10_eps_c: Sequence[float], powers: Sequence[int] = (1, 2, 3)
) -> list[LawFit]:
    """Least-squares fits ``log10 eps_c = a + b M0^p``, one per power, best (smallest rms residual) first."""
    x, y = np.asarray(M0, dtype=float), np.asarray(log10_eps_c, dtype=float)
    if len(x) < 3:
        raise InputError("M0", f"a law fit needs at least 3 bracketed points, got {len(x)}")
    fits = []
    for p in powers:
        design = np.column_stack([np.ones_like(x), x**p])
        (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
        fits.append(LawFit(p, float(a), float(b), tuple((y - design @ np.array([a, b])).tolist())))
    return sorted(fits, key=lambda fit: fit.rms)
