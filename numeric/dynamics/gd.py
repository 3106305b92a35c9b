"""Population gradient descent on the reduced parameters ``mu``, in the fast or the precise tier.

``run_gd(config)`` iterates ``mu <- mu - h grad L(mu)`` with exact expectations (``numeric.model``),
``h = eta`` on the reduced parameters, or ``h = eta e^{-2t}`` when ``config.t`` is set: the start is
then the original means ``m_i`` (truth ``m* = 0`` or ``config.truth``), ``mu_i = e^{-t} (m_i - m*)``,
and GD on ``m`` with step ``eta`` is GD on ``mu`` with step ``eta e^{-2t}`` (docs/claims.md, section 1).
Every result names the convention used.

A run records a trajectory thinned on a log-spaced grid of iterations (every iteration below 10, then
``points_per_decade`` per decade, and the last one): the loss, every ``||mu_i||`` and the gradient
norm ``(sum_i ||grad_i L||^2)^(1/2)``.  It stops after ``steps`` updates, or earlier when the loss or
the gradient norm falls below ``stop_loss`` / ``stop_grad``, when a parameter's norm passes the
blow-up limit, or when the tier cannot evaluate the gradient (the reason is recorded, never a NaN).

**Classification** (:func:`classify`), per parameter, from the recorded trajectory.  The *last
stretch* is the recorded iterations in ``[T/2, T]`` (``T`` the last iteration); the *growth* is
``log(||mu_i(T)|| / ||mu_i(T/2)||)``.

* ``diverging`` if ``||mu_i||`` passed the blow-up limit, or if ``||mu_i(T)|| >= diverging_above``
  (default 1: farther from the truth than the data's unit noise scale) and ``||mu_i||`` rose at every
  recorded point of the last stretch, by a total growth of at least ``min_growth`` (default 1e-6,
  far above rounding);
* ``converged`` if ``||mu_i(T)|| <= converged_below`` (default 1e-2) and ``||mu_i||`` did not rise
  over the last stretch;
* ``undecided`` otherwise, e.g. still shrinking but not yet near 0, or too few recorded iterations.

The evidence (distance to 0, growth, trend over the last stretch) is kept with each status.  A finite
run cannot prove either limit: the statuses describe what the trajectory shows, not a theorem.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np

from numeric.config import InputError, as_decimal_string, check_mu
from numeric.dynamics.rates import SlopeFit, tail_slope
from numeric.dynamics.tiers import ARITHMETICS, Arithmetic, arithmetic_for
from numeric.model import MAX_DPS, MIN_DPS

__all__ = [
    "GD_TIERS",
    "GDConfig",
    "Record",
    "GDState",
    "ParameterStatus",
    "GDResult",
    "make_config",
    "cluster_start",
    "log_grid",
    "start_state",
    "advance",
    "run_gd",
    "finish",
    "classify",
    "Status",
    "StopReason",
]

GD_TIERS = tuple(ARITHMETICS)


class StopReason(StrEnum):
    """Why a run stopped (a ``str``: JSON and comparisons with the words keep working)."""

    BUDGET = "budget"
    LOSS = "loss"
    GRADIENT = "gradient"
    BLOWUP = "blow-up"
    TIER = "tier"  # the tier could not evaluate the gradient
    RUNNING = "running"  # not stopped (a result taken from a state still under way)


class Status(StrEnum):
    """A parameter's status from its trajectory (module docstring: classification)."""

    CONVERGED = "converged"
    DIVERGING = "diverging"
    UNDECIDED = "undecided"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class GDConfig:
    """Everything that determines a run's trajectory (its fingerprint identifies checkpoints)."""

    mu: tuple[tuple[str, ...], ...]  # start: reduced mu, or original m_i when t is set
    eta: str
    steps: int
    tier: str = "fast"
    dps: int = 40
    t: str | None = None
    truth: tuple[str, ...] | None = None
    points_per_decade: int = 20
    stop_loss: str | None = None
    stop_grad: str | None = None
    blowup: str | None = None  # None: 100 * max(1, largest initial ||mu_i||)
    init: tuple[tuple[str, Any], ...] = ()  # how the start was built (recorded, e.g. seed)

    def to_json(self) -> dict:
        """A JSON-ready dict (strings and ints only)."""
        data = asdict(self)
        data["mu"] = [list(row) for row in self.mu]
        data["truth"] = list(self.truth) if self.truth is not None else None
        data["init"] = dict(self.init)
        return data

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()

    @cached_property
    def arithmetic(self) -> Arithmetic:
        """The run's arithmetic, built once (kept out of equality, hashing and the fingerprint)."""
        return arithmetic_for(self.tier, self.eta, self.t, self.truth, self.dps)

    @property
    def convention(self) -> str:
        """Which parameters GD moves, in words."""
        if self.t is None:
            return f"GD on the reduced parameters mu with step eta = {self.eta}"
        return (
            f"GD on the original means m with step eta = {self.eta} at noise time t = {self.t}, "
            f"i.e. GD on mu = e^(-t) (m - m*) with step eta e^(-2t)"
        )


def _positive(text: Any, name: str) -> str:
    value = as_decimal_string(text, name)
    if Decimal(value) <= 0:
        raise InputError(name, f"must be positive, got {value}")
    return value


def _count(value: Any, name: str, minimum: int) -> int:
    text = str(value).strip()
    digits = text.lstrip("+")
    if isinstance(value, bool) or not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        raise InputError(name, f"expected an integer >= {minimum} of at most 18 digits, got {text[:40]!r}")
    if int(digits) < minimum:
        raise InputError(name, f"expected an integer >= {minimum}, got {text!r}")
    return int(digits)


def make_config(
    mu: Sequence[Sequence[Any]],
    eta: Any,
    steps: Any,
    *,
    tier: str = "fast",
    dps: Any = 40,
    t: Any = None,
    truth: Sequence[Any] | None = None,
    points_per_decade: Any = 20,
    stop_loss: Any = None,
    stop_grad: Any = None,
    blowup: Any = None,
    init: dict | None = None,
) -> GDConfig:
    """Validate a run's inputs (raising :class:`InputError` naming the bad one) into a :class:`GDConfig`."""
    rows = check_mu(mu)
    if tier not in GD_TIERS:
        raise InputError("tier", f"unknown tier {tier!r} for gd; choose one of {', '.join(GD_TIERS)}")
    dps = _count(dps, "dps", MIN_DPS)
    if dps > MAX_DPS:
        raise InputError("dps", f"{dps} is out of range; use an integer from {MIN_DPS} to {MAX_DPS}")
    if truth is not None:
        if t is None:
            raise InputError("truth", "only meaningful with a noise time t (original coordinates)")
        truth = tuple(as_decimal_string(v, f"truth[{k}]") for k, v in enumerate(truth))
        if len(truth) != len(rows[0]):
            raise InputError("truth", f"has {len(truth)} entries, the parameters have dimension {len(rows[0])}")
    config = GDConfig(
        mu=tuple(tuple(row) for row in rows),
        eta=_positive(eta, "eta"),
        steps=_count(steps, "steps", 0),
        tier=tier,
        dps=dps,
        t=None if t is None else as_decimal_string(t, "t"),
        truth=truth,
        points_per_decade=_count(points_per_decade, "points_per_decade", 1),
        stop_loss=None if stop_loss is None else _positive(stop_loss, "stop_loss"),
        stop_grad=None if stop_grad is None else _positive(stop_grad, "stop_grad"),
        blowup=None if blowup is None else _positive(blowup, "blowup"),
        init=tuple(sorted((init or {}).items())),
    )
    if tier == "fast":
        _check_double(config)
    return config


def _check_double(config: GDConfig) -> None:
    """The fast tier's run must exist in double precision: a finite start below 1e150 (as ``evaluate`` asks) and a
    positive finite step ``eta e^(-2t)``."""
    try:
        arithmetic = config.arithmetic
        start = arithmetic.start(config.mu)
    except OverflowError:
        raise InputError("t", "too negative for double precision (use the precise tier)") from None
    if not np.all(np.isfinite(start)) or np.max(np.abs(start), initial=0.0) > 1e150:
        raise InputError("mu", "values too large for double precision (use the precise tier)")
    if not 0 < arithmetic.step < math.inf:
        name = "eta" if config.t is None else "eta/t"
        raise InputError(name, f"the step {arithmetic.step:g} is not a positive double (use the precise tier)")


def cluster_start(n: int, d: int, center: Any, spread: Any, seed: int) -> list[list[str]]:
    """The paper's clustered start ``mu_i = (M, 0, ..., 0) + S z_i``, ``z_i ~ N(0, I_d)`` from ``seed``.

    Entries are exact decimal strings (``z_i`` are doubles, ``M`` and ``S`` decimals), so every tier
    reads the same start at its own precision.
    """
    n, d, seed = _count(n, "n", 1), _count(d, "d", 1), _count(seed, "seed", 0)
    center = Decimal(as_decimal_string(center, "M"))
    spread = Decimal(as_decimal_string(spread, "spread"))
    z = np.random.default_rng(seed).standard_normal((n, d))
    return [
        [str((center if k == 0 else Decimal(0)) + spread * Decimal(float(z[i, k]))) for k in range(d)] for i in range(n)
    ]


def log_grid(steps: int, points_per_decade: int) -> frozenset[int]:
    """Iterations recorded: ``0..9``, then ``round(10^(j / points_per_decade))``, and ``steps``."""
    top = math.log10(max(steps, 1))
    marks = {round(10 ** (j / points_per_decade)) for j in range(int(top * points_per_decade) + 1)}
    return frozenset(k for k in marks | set(range(10)) | {steps} if k <= steps)


# --------------------------------------------------------------------------- state and stepping


@dataclass(frozen=True)
class Record:
    """One recorded iteration: loss, every ``||mu_i||`` and the gradient norm at ``mu(iteration)``."""

    iteration: int
    loss: Any
    norms: tuple[Any, ...]
    grad_norm: Any


@dataclass
class GDState:
    """Where a run stands: ``mu`` after ``step`` updates, the records so far, and why it stopped."""

    step: int
    mu: Any
    records: list[Record] = field(default_factory=list)
    stopped: str | None = None  # None while running; then a StopReason (studies may add their own words)
    reason: str = ""
    blown: tuple[int, ...] = ()  # parameters past the blow-up limit
    seconds: float = 0.0
    anchor: Any = None  # where the arithmetic's reusable work was last done (see numeric.dynamics.tiers)


def _blowup_limit(config: GDConfig, tier: Arithmetic) -> float:
    if config.blowup is not None:
        return float(config.blowup)
    start = tier.norms(tier.start(config.mu))
    return 100.0 * max(1.0, max(float(x) for x in start))


def start_state(config: GDConfig) -> GDState:
    """A fresh run at iteration 0."""
    return GDState(step=0, mu=config.arithmetic.start(config.mu))


def _evaluate(tier, state: GDState) -> tuple[Any, Any, str]:
    """Loss and gradient at ``state.mu`` (moving ``state.anchor``), or ``(None, None, reason)`` when the tier fails
    or returns non-finite values."""
    iteration = state.step
    try:
        loss, grad, state.anchor = tier.loss_grad(state.mu, state.anchor)
    except (ArithmeticError, MemoryError, ValueError) as error:
        return (
            None,
            None,
            f"the {tier.name} tier could not evaluate the gradient at iteration {iteration} "
            f"({type(error).__name__}: {error})",
        )
    if not (tier.finite(loss) and tier.finite(grad)):
        return None, None, f"the {tier.name} tier returned a non-finite loss or gradient at iteration {iteration}"
    return loss, grad, ""


def advance(config: GDConfig, state: GDState, *, on_step: Callable[[GDState], None] | None = None) -> GDState:
    """Run from ``state`` to the end of the budget or a stopping criterion; ``state`` is updated in place.

    ``on_step(state)`` is called after every update, at a clean boundary (``state`` then holds ``mu``
    after ``state.step`` updates and every record before it): the place to save checkpoints.
    """
    tier = config.arithmetic
    grid = log_grid(config.steps, config.points_per_decade)
    limit = _blowup_limit(config, tier)
    stop_loss = None if config.stop_loss is None else tier.number(config.stop_loss)
    stop_grad = None if config.stop_grad is None else tier.number(config.stop_grad)
    clock = time.perf_counter()
    while state.stopped is None:
        k = state.step
        loss, grad, failure = _evaluate(tier, state)
        if failure:
            state.stopped, state.reason = StopReason.TIER, failure
            break
        grad_norm = tier.total_norm(grad)
        done = _stop_reason(k, config.steps, loss, grad_norm, stop_loss, stop_grad)
        if k in grid or done:
            state.records.append(Record(k, loss, tier.norms(state.mu), grad_norm))
        if done:
            state.stopped, state.reason = done
            break
        new = tier.update(state.mu, grad)
        norms = tier.norms(new)
        blown = tuple(i for i, x in enumerate(norms) if not (tier.finite(x) and x <= limit))
        if blown:
            state.stopped, state.blown = StopReason.BLOWUP, blown
            state.reason = _blowup_reason(tier, norms, blown, limit, k + 1)
            if all(tier.finite(x) for x in norms):
                state.mu, state.step = new, k + 1
            break
        state.mu, state.step = new, k + 1
        if on_step is not None:
            state.seconds += time.perf_counter() - clock
            clock = time.perf_counter()
            on_step(state)
    state.seconds += time.perf_counter() - clock
    return state


def _stop_reason(k, steps, loss, grad_norm, stop_loss, stop_grad) -> tuple[str, str] | None:
    if stop_loss is not None and loss <= stop_loss:
        return StopReason.LOSS, f"the loss fell below the stopping threshold at iteration {k}"
    if stop_grad is not None and grad_norm <= stop_grad:
        return StopReason.GRADIENT, f"the gradient norm fell below the stopping threshold at iteration {k}"
    if k >= steps:
        return StopReason.BUDGET, f"step budget of {steps} reached"
    return None


def _blowup_reason(tier, norms, blown, limit, step) -> str:
    worst = blown[0]
    size = norms[worst]
    shown = f"{float(size):.3g}" if tier.finite(size) else "not finite"
    return (
        f"blew up at step {step}: ||mu_{worst + 1}|| = {shown} passed the limit {limit:.3g} "
        f"({len(blown)} parameter(s); the step is too large for this configuration)"
    )


# --------------------------------------------------------------------------- classification and results


@dataclass(frozen=True)
class ParameterStatus:
    """A parameter's status with its evidence (module docstring: classification)."""

    status: str
    distance: float  # ||mu_i(T)||
    growth: float  # log(||mu_i(T)|| / ||mu_i(T/2)||), nan without a last stretch
    trend: str  # "shrinking", "growing", "mixed", "flat" or "unknown"
    window: tuple[int, int]
    reason: str


def _trend(series: np.ndarray) -> str:
    if len(series) < 2:
        return "unknown"
    steps = np.diff(series)
    if np.all(steps == 0):
        return "flat"
    if np.all(steps <= 0):
        return "shrinking"
    return "growing" if np.all(steps >= 0) else "mixed"


def classify(
    records: Sequence[Record],
    blown: Sequence[int] = (),
    *,
    converged_below: float = 1e-2,
    diverging_above: float = 1.0,
    min_growth: float = 1e-6,
) -> tuple[ParameterStatus, ...]:
    """Each parameter's status from the recorded trajectory (the rule is in the module docstring)."""
    if not records:
        return ()
    last = records[-1].iteration
    stretch = [r for r in records if r.iteration >= last // 2]
    window = (stretch[0].iteration, last)
    statuses = []
    for i in range(len(records[-1].norms)):
        series = np.array([float(r.norms[i]) for r in stretch])
        distance = series[-1]
        growth = math.log(series[-1] / series[0]) if len(series) > 1 and series[0] > 0 and distance > 0 else math.nan
        trend = _trend(series)
        if i in blown:
            status, reason = Status.DIVERGING, "passed the blow-up limit"
        elif distance >= diverging_above and trend == "growing" and growth >= min_growth:
            status, reason = Status.DIVERGING, f"||mu|| >= {diverging_above:g} and rising over the whole last stretch"
        elif distance <= converged_below and trend in ("shrinking", "flat"):
            status, reason = Status.CONVERGED, f"||mu|| <= {converged_below:g} and not rising over the last stretch"
        elif len(series) < 2:
            status, reason = Status.UNDECIDED, "too few recorded iterations for a trend"
        else:
            status, reason = Status.UNDECIDED, f"{trend} over the last stretch, ||mu|| = {distance:.3g}"
        statuses.append(ParameterStatus(status, float(distance), growth, trend, window, reason))
    return tuple(statuses)


@dataclass(frozen=True)
class GDResult:
    """A finished (or stopped) run."""

    config: GDConfig
    mu: Any  # final reduced parameters (array or mpf rows)
    m: Any  # final original means when config.t is set, else None
    loss: Any  # loss at the last evaluated iteration (loss_iteration)
    loss_iteration: int
    steps: int  # updates performed
    stopped: str
    reason: str
    records: tuple[Record, ...]
    statuses: tuple[ParameterStatus, ...]
    slope: SlopeFit | None
    seconds: float

    @property
    def iterations(self) -> list[int]:
        return [r.iteration for r in self.records]

    @property
    def losses(self) -> list[Any]:
        return [r.loss for r in self.records]


def finish(config: GDConfig, state: GDState, **classification: float) -> GDResult:
    """Classify the parameters and fit the tail slope of a stopped run."""
    tier = config.arithmetic
    last = state.records[-1] if state.records else None
    return GDResult(
        config=config,
        mu=state.mu,
        m=tier.original(state.mu) if config.t is not None else None,
        loss=last.loss if last else None,
        loss_iteration=last.iteration if last else 0,
        steps=state.step,
        stopped=state.stopped or StopReason.RUNNING,
        reason=state.reason,
        records=tuple(state.records),
        statuses=classify(state.records, state.blown, **classification),
        slope=tail_slope([r.iteration for r in state.records], [r.loss for r in state.records]),
        seconds=state.seconds,
    )


def run_gd(
    config: GDConfig,
    *,
    state: GDState | None = None,
    on_step: Callable[[GDState], None] | None = None,
    **classification: float,
) -> GDResult:
    """Run (or continue ``state``) to completion and return the classified result."""
    state = start_state(config) if state is None else state
    return finish(config, advance(config, state, on_step=on_step), **classification)
