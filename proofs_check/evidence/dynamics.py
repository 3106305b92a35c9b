"""Evidence about where gradient descent goes, shared by the dynamics claims (thm2.1, thm3.2, lemma3.3, thm3.4,
thm3.5, thm3.7).

The theorems hold for every small enough step, so the decisive run is the gradient flow ``d mu/ds = -grad L``
(``numeric.run_flow``), the small-step limit, in flow time ``s = eta tau``; discrete GD inside the step rule
(``numeric.run_gd``) cross-checks it.  Both are read the same way:

* :func:`flow_run` and :func:`gd_run` run (or reuse from the on-disk cache of :mod:`proofs_check.core.cache`,
  keyed by the run's configuration and the code) and say whether the result was reused;
* :class:`Curve` is a run in flow time with an error figure at every record: for the flow the gap to a run at a
  hundred times tighter tolerance, for GD the error estimate of its arithmetic (the tier's own estimate at the
  start and the end, accumulated over the steps to first order);
* :class:`Outcome` reads who converges and who diverges off fitted asymptotic laws of ``||mu_i(s)||``
  (``numeric.parameter_fates``: at least two decades of flow time, the laws reported);
* :func:`rate` decides ``L = O(s^-p)`` or ``L >= c s^-p`` over the tail after the transient
  (``numeric.decide_upper_rate`` / ``decide_lower_rate``: at least three decades after the local exponent settles);
* :func:`flow_gap` compares GD with the flow at GD's horizon (``L_GD(tau)`` against ``L_flow(eta tau)``: O(eta));
* :func:`binomial_interval` is the exact (Clopper-Pearson) interval for a probability estimated from seeded runs,
  and :func:`probability_outcome` the verdict it allows on "probability >= q";
* :func:`norms_figure` and :func:`loss_figure` draw curves against the flow time, every line in the legend.

Verdicts come from :mod:`proofs_check.evidence.hypotheses` (inside every hypothesis or not at all).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

import numeric
from proofs_check.core.cache import cached, dataclass_codec, register
from proofs_check.core.claim import Check
from proofs_check.evidence.hypotheses import FLOW, Hypothesis, dynamics_check

if TYPE_CHECKING:  # annotations only: `list` must not import them
    from matplotlib.figure import Figure

__all__ = [
    "Curve",
    "Outcome",
    "FlowGap",
    "FLOW_METHOD",
    "FLOW_RTOL",
    "FLOW_POINTS",
    "flow_run",
    "gd_run",
    "flow_curve",
    "gd_curve",
    "rate",
    "rate_ok",
    "rate_observed",
    "flow_gap",
    "StepRun",
    "gd_against_flow",
    "gd_outcome_check",
    "all_hold",
    "failed_check",
    "reuse_words",
    "binomial_interval",
    "probability_outcome",
    "parameter_names",
    "norms_figure",
    "loss_figure",
    "ratio_figure",
    "with_figures",
]

register(dataclass_codec("flow-run", "FlowRun"))

FLOW_METHOD = "gradient flow (numeric.run_flow: stiff integrator, fast tier, error from a run at rtol / 100)"
#: The claims' integrator tolerance and records per decade of flow time.  The error figure of every record comes
#: from the run at ``FLOW_RTOL / 100``, and every decision uses it.  Measured on a far start (n = 5, M0 = 6, s to
#: 1e8): rtol 1e-5 with 10 records per decade gives the same fates and rate decisions as rtol 1e-8 with 20 (tail
#: exponent 1.063 either way, its error 5e-7 against 6e-9) at a third of the CPU time (12 s against 38 s).
FLOW_RTOL = 1e-5
FLOW_POINTS = 10
GD_METHOD = "population GD (numeric.run_gd, exact expectations)"


# --------------------------------------------------------------------------- runs


def flow_run(
    mu0: Any,
    time: float,
    *,
    rtol: float = FLOW_RTOL,
    blowup: float | None = None,
    points_per_decade: int = FLOW_POINTS,
) -> tuple[numeric.FlowRun, bool]:
    """The gradient flow from ``mu0`` to flow time ``time`` (with its error run), and whether it came from the cache.

    ``numeric.FlowFailure`` (the integrator could not meet its tolerance) propagates: never a verdict from it.
    """
    start = np.asarray(mu0, dtype=float)
    key = {
        "mu0": [[repr(float(x)) for x in row] for row in start],
        "time": repr(float(time)),
        "rtol": repr(float(rtol)),
        "blowup": None if blowup is None else repr(float(blowup)),
        "points_per_decade": points_per_decade,
    }
    return cached(
        "flow-run",
        key,
        lambda: numeric.run_flow(start, time, rtol=rtol, blowup=blowup, points_per_decade=points_per_decade),
        __file__,
    )


def gd_run(mu0: Any, eta: Any, steps: int, *, points_per_decade: int = FLOW_POINTS) -> tuple[numeric.GDResult, bool]:
    """Fast-tier GD from ``mu0`` with step ``eta`` for ``steps`` updates, and whether it came from the cache."""
    config = numeric.make_config(
        [[repr(float(x)) for x in row] for row in np.asarray(mu0, dtype=float)],
        repr(float(eta)),
        steps,
        points_per_decade=points_per_decade,
    )
    key = {"config": config.to_json(), "classification": {}}
    return cached("gd-run", key, lambda: numeric.run_gd(config), __file__)


def reuse_words(reused: int, total: int = 1) -> str:
    """How many runs came from the cache, in words (empty when none did)."""
    if not reused:
        return ""
    return f" {reused} of {total} runs were reused from the on-disk cache (same configuration and numeric code)."


# --------------------------------------------------------------------------- curves in flow time


@dataclass(frozen=True)
class Curve:
    """A run in flow time ``s``: the loss and every ``||mu_i||`` at the records, each with an absolute error figure."""

    step: float | str  # "flow", or GD's eta
    times: np.ndarray  # (K,)
    loss: np.ndarray  # (K,)
    loss_error: np.ndarray  # (K,)
    norms: np.ndarray  # (K, n)
    norms_error: np.ndarray  # (K, n)
    mu_end: np.ndarray  # (n, d) at the last record
    method: str
    stopped: str
    reason: str

    @property
    def horizon(self) -> float:
        return float(self.times[-1])

    def loss_at(self, s: float) -> float:
        """The loss at flow time ``s``, interpolated linearly in ``log s`` and ``log L`` between records."""
        keep = (self.times > 0) & (self.loss > 0)
        return float(np.exp(np.interp(math.log(s), np.log(self.times[keep]), np.log(self.loss[keep]))))


def flow_curve(run: numeric.FlowRun) -> Curve:
    """The curve of a flow run (its error figure: the gap to the run at ``rtol / 100``)."""
    return Curve(
        FLOW,
        np.asarray(run.times, dtype=float),
        np.asarray(run.loss, dtype=float),
        np.asarray(run.loss_error, dtype=float),
        np.asarray(run.norms, dtype=float),
        np.asarray(run.norms_error, dtype=float),
        np.asarray(run.mu[-1], dtype=float),
        run.method,
        str(run.stopped),
        run.reason,
    )


def gd_curve(result: numeric.GDResult) -> Curve:
    """The curve of a GD run at ``s = eta tau``, with the error of its arithmetic propagated along the run.

    ``e`` is the tier's error estimate of a loss and gradient evaluation (the larger of the start's and the
    end's); after ``tau`` steps every coordinate carries at most ``eta tau e`` of accumulated gradient error (to
    first order), so ``||mu_i||`` carries ``sqrt(d) eta tau e`` and the loss ``e + |grad L| sqrt(n) sqrt(d) eta tau e``.
    """
    config = result.config
    eta = float(config.eta)
    start = [list(row) for row in config.mu]
    errors = [
        float(numeric.evaluate(mu, tier=config.tier, dps=config.dps).error)
        for mu in (start, [[str(x) for x in row] for row in _rows(result.mu)])
    ]
    e = max(errors)
    tau = np.array(result.iterations, dtype=float)
    norms = np.array([[float(x) for x in r.norms] for r in result.records])
    n, d = norms.shape[1], len(start[0])
    norms_error = np.repeat((math.sqrt(d) * eta * e * tau)[:, None], n, axis=1)
    grad = np.array([float(r.grad_norm) for r in result.records])
    loss_error = e + grad * math.sqrt(n) * norms_error[:, 0]
    return Curve(
        eta,
        eta * tau,
        np.array([float(x) for x in result.losses]),
        loss_error,
        norms,
        norms_error,
        np.array(_rows(result.mu), dtype=float),
        f"{GD_METHOD}, {config.tier} tier, eta = {config.eta}; error: the tier's estimate {e:.2g} per evaluation, "
        "accumulated over the steps",
        str(result.stopped),
        result.reason,
    )


def _rows(mu: Any) -> list[list[Any]]:
    return [list(row) for row in (mu.tolist() if isinstance(mu, np.ndarray) else mu)]


# --------------------------------------------------------------------------- fates and rates


def parameter_names(indices: Sequence[int]) -> str:
    """``mu_1, mu_3`` for 0-based indices (``none`` when empty)."""
    return ", ".join(f"mu_{i + 1}" for i in indices) or "none"


@dataclass(frozen=True)
class Outcome:
    """Who converged and who diverged (0-based indices), read off fitted asymptotic laws of ``||mu_i(s)||``."""

    converged: tuple[int, ...]
    diverging: tuple[int, ...]
    undecided: tuple[int, ...]
    fates: tuple[numeric.Fate, ...]

    @classmethod
    def of(cls, curve: Curve) -> Outcome:
        fates = numeric.parameter_fates(curve.times, curve.norms, curve.norms_error)
        by = {
            status: tuple(i for i, fate in enumerate(fates) if fate.status == status)
            for status in ("converged", "diverging", "undecided")
        }
        return cls(by["converged"], by["diverging"], by["undecided"], fates)

    def matches(self, converging: int) -> bool | None:
        """Exactly ``converging`` parameters converge and all others diverge: True, False (already contradicted
        whatever the undecided ones do), or None (undecided parameters could still go either way)."""
        n = len(self.fates)
        if len(self.converged) == converging and len(self.diverging) == n - converging:
            return True
        if len(self.converged) > converging or len(self.diverging) > n - converging:
            return False
        return None

    def all_converge(self) -> bool | None:
        """Every parameter converges: True, False (one diverges), None (undecided)."""
        return self.matches(len(self.fates)) if not self.diverging else False

    def words(self) -> str:
        return (
            f"converged: {parameter_names(self.converged)}; diverging: {parameter_names(self.diverging)}; "
            f"undecided: {parameter_names(self.undecided)}"
        )

    def observed(self) -> dict[str, Any]:
        """``converged`` / ``diverging`` / ``undecided`` (1-based) and each parameter's fitted law."""
        return {
            "converged": [i + 1 for i in self.converged],
            "diverging": [i + 1 for i in self.diverging],
            "undecided": [i + 1 for i in self.undecided],
            "laws": {f"mu_{i + 1}": _law_json(fate) for i, fate in enumerate(self.fates)},
        }

    def law_words(self) -> str:
        """The fitted law of each group of parameters with the same law (parameters 2..n often move as one)."""
        groups: dict[str, list[int]] = {}
        for i, fate in enumerate(self.fates):
            groups.setdefault(_law_text(fate), []).append(i)
        return "; ".join(f"{parameter_names(indices)}: {text}" for text, indices in groups.items())


def _law_json(fate: numeric.Fate) -> dict[str, Any]:
    law = fate.law
    return {
        "status": str(fate.status),
        "law": law.law if law else None,
        "parameters": dict(law.parameters) if law else {},
        "errors": dict(law.errors) if law else {},
        "residual": law.residual if law else None,
        "limit": law.limit if law else None,
        "window": list(fate.window),
    }


def _law_text(fate: numeric.Fate) -> str:
    if fate.law is None:
        return f"{fate.status} ({fate.reason})"
    values = ", ".join(f"{k} = {v:.3g}" for k, v in fate.law.parameters.items())
    return f"{fate.status}, {fate.law.law} ({values}) over s in [{fate.window[0]:.3g}, {fate.window[1]:.3g}]"


def rate(curve: Curve, p: float, kind: str) -> numeric.RateDecision:
    """``L = O(s^-p)`` (``kind="upper"``) or ``L >= c s^-p`` (``"lower"``) decided on the curve's tail."""
    if kind not in ("upper", "lower"):
        raise ValueError(f"kind must be 'upper' or 'lower', got {kind!r}")
    decide = numeric.decide_upper_rate if kind == "upper" else numeric.decide_lower_rate
    return decide(curve.times, curve.loss, curve.loss_error, float(p))


def rate_ok(decision: numeric.RateDecision) -> bool | None:
    """``holds`` / ``fails`` / ``undecided`` as True / False / None."""
    return {"holds": True, "fails": False}.get(decision.outcome)


def rate_observed(decision: numeric.RateDecision) -> dict[str, Any]:
    """What a rate decision rests on, for a check's ``observed``."""
    return {
        "rate_outcome": decision.outcome,
        "tail_exponent": decision.tail_exponent,
        "tail_exponent_error": decision.tail_error,
        "rise_over_window": decision.rise,
        "window": list(decision.window),
        "settled_from": decision.settled,
        "exponent_drift_per_decade": decision.drift,
        "regime": decision.regime,
    }


# --------------------------------------------------------------------------- GD against the flow


@dataclass(frozen=True)
class FlowGap:
    """GD against the flow at GD's horizon ``s = eta tau``: relative gaps of the loss and of the parameters."""

    time: float
    loss_gap: float  # |L_GD - L_flow| / L_flow
    mu_gap: float  # max_i ||mu_i,GD - mu_i,flow|| / max(1, max_i ||mu_i,flow||)

    def words(self, eta: float) -> str:
        return (
            f"at flow time {self.time:.4g}, GD and the flow differ by {self.loss_gap:.2g} in L (relative) and "
            f"{self.mu_gap:.2g} in mu, i.e. {self.loss_gap / eta:.3g} eta and {self.mu_gap / eta:.3g} eta "
            "(the O(eta) gap of a first-order method)"
        )


def flow_gap(gd: Curve, flow: Curve) -> FlowGap:
    """The gap between a GD curve and the flow run to the same horizon (``flow.horizon == gd.horizon``)."""
    if not math.isclose(flow.horizon, gd.horizon, rel_tol=1e-9):
        raise ValueError(f"the flow ends at s = {flow.horizon}, GD at {gd.horizon}")
    loss_gap = abs(gd.loss[-1] - flow.loss[-1]) / flow.loss[-1] if flow.loss[-1] > 0 else math.inf
    scale = max(1.0, float(np.max(np.linalg.norm(flow.mu_end, axis=1))))
    mu_gap = float(np.max(np.linalg.norm(gd.mu_end - flow.mu_end, axis=1))) / scale
    return FlowGap(gd.horizon, float(loss_gap), mu_gap)


@dataclass(frozen=True)
class StepRun:
    """GD inside the step rule and the flow to the same flow time, with the gap between them."""

    gd: Curve
    flow: Curve
    gap: FlowGap
    reused: int  # how many of the two runs came from the cache


def gd_against_flow(mu0: Any, eta: float, time: float) -> StepRun:
    """GD with step ``eta`` for ``ceil(time / eta)`` steps and the flow to the same flow time ``eta tau``."""
    steps = max(1, math.ceil(time / eta - 1e-9))
    result, gd_reused = gd_run(mu0, eta, steps)
    gd = gd_curve(result)
    run, flow_reused = flow_run(mu0, gd.horizon)
    flow = flow_curve(run)
    return StepRun(gd, flow, flow_gap(gd, flow), int(gd_reused) + int(flow_reused))


def gd_outcome_check(
    *,
    name: str,
    mu0: Any,
    eta: float,
    time: float,
    converging: int,
    hypotheses: Sequence[Hypothesis],
    instance: dict[str, Any],
) -> Check:
    """GD inside the step rule to flow time ``time``, its fates read like the flow's and compared with the flow over
    the same time: a check that *corroborates* the flow checks (it refutes when GD contradicts "exactly
    ``converging`` converge, the others diverge"; a horizon this short may leave it undecided)."""
    try:
        pair = gd_against_flow(mu0, eta, time)
    except numeric.FlowFailure as error:
        return failed_check(name, instance, eta, hypotheses, error)
    outcome, along = Outcome.of(pair.gd), Outcome.of(pair.flow)
    steps = round(pair.gd.horizon / eta)
    n = len(outcome.fates)
    return dynamics_check(
        name=name,
        instance={**instance, "eta": eta, "steps": steps},
        step=eta,
        hypotheses=hypotheses,
        method=pair.gd.method + "; fates of numeric.parameter_fates",
        claimed=f"{converging} converged, {n - converging} diverging",
        observed={
            **outcome.observed(),
            "final_norms": pair.gd.norms[-1].tolist(),
            "flow_same_horizon": along.observed(),
            "loss_gap_to_flow": pair.gap.loss_gap,
            "mu_gap_to_flow": pair.gap.mu_gap,
            "runs_reused_from_cache": pair.reused,
        },
        ok=outcome.matches(converging),
        detail=f"{steps} GD steps (flow time {pair.gd.horizon:.4g}): {outcome.words()}. Fitted laws: "
        f"{outcome.law_words()}. The flow over the same time: {along.words()}; {pair.gap.words(eta)}. "
        "Corroborates the flow checks (a contradiction here refutes; a short horizon may leave it undecided)."
        + reuse_words(pair.reused, 2),
        corroborates=True,
    )


def all_hold(oks: Sequence[bool | None]) -> bool | None:
    """``False`` if any part fails, ``True`` if every part holds, else ``None``."""
    return False if False in oks else True if all(oks) else None


def failed_check(
    name: str, instance: dict[str, Any], step: float | str, hypotheses: Sequence[Hypothesis], error: Exception
) -> Check:
    """The inconclusive check of a run whose integrator failed: the failure is reported, never a verdict."""
    return dynamics_check(
        name=name,
        instance=instance,
        step=step,
        hypotheses=hypotheses,
        method=FLOW_METHOD,
        claimed="a run to decide on",
        observed={"failure": f"{type(error).__name__}: {error}"},
        ok=None,
        detail=f"The run failed ({type(error).__name__}: {error}); no verdict rests on a failed integration.",
    )


# --------------------------------------------------------------------------- probabilities over seeded runs


def binomial_interval(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval for a binomial probability at level ``confidence``."""
    from scipy.stats import beta

    if trials <= 0:
        return 0.0, 1.0
    alpha = 1.0 - confidence
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return low, high


def probability_outcome(
    agree: int, contradict: int, trials: int, probability: float, confidence: float
) -> tuple[bool | None, tuple[float, float], str]:
    """Decide "P(event) >= probability" from ``agree`` runs showing the event and ``contradict`` runs refuting it.

    Undecided runs count against the event for the interval's lower end and for it for the upper end, so neither
    end leans on them: ``True`` when the lower end (``agree`` successes) clears ``probability``, ``False`` when the
    upper end (``trials - contradict`` successes) is below it, else ``None``.
    """
    low, _ = binomial_interval(agree, trials, confidence)
    _, high = binomial_interval(trials - contradict, trials, confidence)
    if low >= probability:
        return True, (low, high), f"the {confidence:g} interval [{low:.3f}, {high:.3f}] lies above {probability:g}"
    if high < probability:
        return False, (low, high), f"the {confidence:g} interval [{low:.3f}, {high:.3f}] lies below {probability:g}"
    best = binomial_interval(trials, trials, confidence)[0]
    return (
        None,
        (low, high),
        f"the {confidence:g} interval [{low:.3f}, {high:.3f}] contains {probability:g} (with {trials} runs even "
        f"{trials} of {trials} would give a lower end of {best:.3f})",
    )


# --------------------------------------------------------------------------- figures


def _groups(norms: np.ndarray) -> list[list[int]]:
    """Parameters whose recorded norms coincide (to 1e-9 relative): drawn as one line."""
    groups: list[list[int]] = []
    for i in range(norms.shape[1]):
        for group in groups:
            if np.allclose(norms[:, i], norms[:, group[0]], rtol=1e-9, atol=0.0):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def _group_label(group: list[int]) -> str:
    if len(group) == 1:
        return f"mu_{group[0] + 1}"
    if group == list(range(group[0], group[-1] + 1)):
        return f"mu_{group[0] + 1}..mu_{group[-1] + 1} (equal)"
    return f"{parameter_names(group)} (equal)"


def norms_figure(curves: Sequence[tuple[str, Curve]], title: str) -> Figure:
    """``||mu_i(s)||`` against the flow time on log axes: one colour per curve, one line style per parameter
    group, and a legend entry for every drawn line (parameters that move as one are one line)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 4.6), layout="constrained")
    axes = figure.add_subplot()
    styles = ["-", "--", ":", "-."]
    for k, (label, curve) in enumerate(curves):
        keep = curve.times > 0
        for j, group in enumerate(_groups(curve.norms[keep])):
            values = curve.norms[keep][:, group[0]]
            shown = values > 0
            axes.plot(
                curve.times[keep][shown],
                values[shown],
                color=f"C{k % 10}",
                linestyle=styles[j % len(styles)],
                linewidth=1.2,
                label=f"{label}: {_group_label(group)}",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("flow time s = eta tau")
    axes.set_ylabel("||mu_i(s)||")
    axes.set_title(title, fontsize=9, wrap=True)
    axes.legend(fontsize=6, loc="best")
    return figure


def loss_figure(
    curves: Sequence[tuple[str, Curve]],
    exponent: float,
    title: str,
    *,
    constant: float | None = None,
    scale: float = 1.0,
    ylabel: str = "L(mu(s))",
) -> Figure:
    """Log-log loss curves (divided by ``scale``) against the flow time with the claimed rate: ``constant s^-p``
    when a constant is given, else ``s^-p`` through the first curve at the start of its last two decades."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 4.6), layout="constrained")
    axes = figure.add_subplot()
    for k, (label, curve) in enumerate(curves):
        keep = (curve.times > 0) & (curve.loss > 0)
        axes.plot(curve.times[keep], curve.loss[keep] / scale, color=f"C{k % 10}", linewidth=1.2, label=label)
    if curves:
        first = curves[0][1]
        keep = (first.times > 0) & (first.loss > 0)
        times, loss = first.times[keep], first.loss[keep] / scale
        if constant is not None:
            grid = np.geomspace(times[0], times[-1], 60)
            axes.plot(grid, constant * grid ** (-exponent), "k--", label=f"claimed bound {constant:g} s^-{exponent:g}")
        else:
            anchor = int(np.searchsorted(times, times[-1] / 100))
            anchor = min(anchor, len(times) - 1)
            grid = np.geomspace(times[anchor], times[-1], 60)
            axes.plot(
                grid,
                loss[anchor] * (grid / times[anchor]) ** (-exponent),
                "k--",
                label=f"claimed rate s^-{exponent:g} (through the first curve)",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("flow time s = eta tau")
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=9, wrap=True)
    axes.legend(fontsize=6, loc="best")
    return figure


def ratio_figure(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    ylabel: str,
    title: str,
    *,
    from_time: float = 0.0,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """A law's ratio to its prediction against the flow time, one line per ``(label, times, ratio)`` (records after
    ``from_time``), with the predicted 1 dotted: the sharp-law claims' picture of convergence to their constant."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 4.6), layout="constrained")
    axes = figure.add_subplot()
    for label, times, ratio in curves:
        keep = times > from_time
        axes.semilogx(times[keep], ratio[keep], linewidth=1, label=label)
    axes.axhline(1, color="k", linewidth=0.6, linestyle=":")
    if ylim is not None:
        axes.set_ylim(*ylim)
    axes.set_xlabel("flow time s")
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=9, wrap=True)
    axes.legend(fontsize=6, ncol=2, loc="best")
    return figure


def with_figures(check: Check, figures: dict[str, Figure]) -> Check:
    """``check`` with ``figures`` attached."""
    return Check(**{**check.__dict__, "figures": {**check.figures, **figures}})
