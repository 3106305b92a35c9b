"""Evidence about gradient-descent dynamics, shared by the claims thm2.1, thm3.4, thm3.5 and thm3.7.

* :func:`gd_runs` runs fast-tier GD (``numeric.dynamics.gd``) from given starts, reusing finished runs from the
  on-disk cache of :mod:`proofs_check.core.cache` (keyed by the run's configuration and the code), and says
  how many were reused;
* :class:`Outcome` reads off who converged and who diverged (``numeric.dynamics.gd.classify``);
* :func:`rate_test` judges a claimed power law ``L = O(tau^-p)`` or ``L = Omega(tau^-p)`` on the tail
  of a loss curve (``numeric.dynamics.rates``), and :func:`pooled_losses` pools several runs' curves;
* :func:`hypothesis_verdict` caps what a check may conclude when its instance lies outside the
  theorem's hypotheses;
* :func:`norms_figure` and :func:`loss_figure` draw ``||mu_i||`` against the iterations and the loss
  with the claimed rate, both on log axes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import numeric
from proofs_check.core.cache import cached
from proofs_check.core.claim import Check, Verdict

if TYPE_CHECKING:  # annotations only: `list` must not import them
    from matplotlib.figure import Figure

__all__ = [
    "Outcome",
    "RateTest",
    "gd_runs",
    "reuse_words",
    "hypothesis_verdict",
    "rate_test",
    "pooled_losses",
    "pooled_fit",
    "slope_words",
    "norms_figure",
    "loss_figure",
    "with_figures",
    "FAR_PARAMETERS",
    "FAR_PROFILES",
    "FAR_HYPOTHESIS",
    "far_hypothesis",
    "far_runs",
    "far_instance",
]


# --------------------------------------------------------------------------- runs


def gd_runs(
    starts: Sequence[Sequence[Sequence[float]]],
    eta: float,
    steps: int,
    *,
    points_per_decade: int = 20,
    classification: dict[str, float] | None = None,
    progress: Callable[[str], None] = lambda note: None,
    label: str = "",
) -> tuple[list[numeric.GDResult], int]:
    """Fast-tier GD on the reduced parameters from each start; the results and how many came from the cache.

    ``classification`` overrides thresholds of :func:`numeric.dynamics.gd.classify` (e.g. ``converged_below``).
    """
    results, reused = [], 0
    thresholds = dict(classification or {})
    for k, start in enumerate(starts):
        progress(f"{label} GD run {k + 1}/{len(starts)}".strip())
        config = numeric.make_config(
            [[repr(float(x)) for x in row] for row in start],
            repr(float(eta)),
            steps,
            points_per_decade=points_per_decade,
        )
        result, hit = cached(
            "gd-run",
            {"config": config.to_json(), "classification": thresholds},
            lambda config=config: numeric.run_gd(config, **thresholds),
            __file__,
        )
        results.append(result)
        reused += hit
    return results, reused


def reuse_words(reused: int, total: int) -> str:
    """How many runs came from the cache, in words (empty when none did)."""
    if not reused:
        return ""
    return f" {reused} of {total} runs were reused from the on-disk cache (same configuration and numeric code)."


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """Indices (from 0) of the parameters classified converged, diverging and undecided at the end of a run."""

    converged: tuple[int, ...]
    diverging: tuple[int, ...]
    undecided: tuple[int, ...]

    @classmethod
    def of(cls, result: numeric.GDResult) -> Outcome:
        by = {
            status: tuple(i for i, s in enumerate(result.statuses) if s.status == status)
            for status in ("converged", "diverging", "undecided")
        }
        return cls(by["converged"], by["diverging"], by["undecided"])

    def matches(self, converging: int) -> bool | None:
        """Exactly ``converging`` parameters converge and all others diverge: True, False (already
        contradicted whatever the undecided ones do), or None (undecided parameters could still match)."""
        n = len(self.converged) + len(self.diverging) + len(self.undecided)
        if len(self.converged) == converging and len(self.diverging) == n - converging:
            return True
        if len(self.converged) > converging or len(self.diverging) > n - converging:
            return False
        return None

    def words(self) -> str:
        def names(indices: tuple[int, ...]) -> str:
            return ", ".join(f"mu_{i + 1}" for i in indices) or "none"

        return (
            f"converged: {names(self.converged)}; diverging: {names(self.diverging)}; "
            f"undecided: {names(self.undecided)}"
        )


def hypothesis_verdict(ok: bool | None, within_hypothesis: bool) -> Verdict:
    """Numerical evidence supports at most; outside the hypotheses a failure is not a counterexample."""
    if ok is False and not within_hypothesis:
        return Verdict.INCONCLUSIVE
    return Verdict.from_outcome(ok, Verdict.SUPPORTED)


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class RateTest:
    """A claimed power law judged on a tail fit: ``ok`` and the words that explain it."""

    exponent: float
    kind: str  # "upper": L = O(tau^-p); "lower": L = Omega(tau^-p)
    fit: numeric.SlopeFit | None
    ok: bool | None
    reason: str


def rate_test(fit: numeric.SlopeFit | None, exponent: float, kind: str) -> RateTest:
    """Judge ``L = O(tau^-p)`` (``kind="upper"``) or ``L = Omega(tau^-p)`` (``"lower"``) on a tail fit.

    ``L tau^p`` has local slope ``s + p`` where ``s`` is a local log-log slope of the loss.  With
    ``s_1..s_k`` the slopes on consecutive sub-windows of the tail, ``s_end = s_k`` and ``sigma`` their
    spread (half their range: how much the local slope still drifts), an upper bound passes if
    ``s_end <= -p`` (``L tau^p`` falls at the end of the run) and fails if ``min s_j - sigma > -p``
    (``L tau^p`` grows on every sub-window, by more than the drift could undo: a loss whose slope is
    still steepening towards ``-p`` is left open, not failed).  A lower bound is the mirror image.  The
    only tolerance is the measured drift ``sigma``.
    """
    if kind not in ("upper", "lower"):
        raise ValueError(f"kind must be 'upper' or 'lower', got {kind!r}")
    if fit is None or len(fit.local_slopes) < 2 or not math.isfinite(fit.spread):
        return RateTest(exponent, kind, fit, None, "too few tail points for a slope")
    sigma, s_end, p = fit.spread, fit.local_slopes[-1], exponent
    drift = f"local slopes {', '.join(f'{x:.3f}' for x in fit.local_slopes)}, drift {sigma:.3f}"
    if kind == "upper":
        steepest = min(fit.local_slopes)
        if s_end <= -p:
            return RateTest(p, kind, fit, True, f"L tau^{p:g} falls at the end of the run ({drift})")
        if steepest - sigma > -p:
            return RateTest(p, kind, fit, False, f"L tau^{p:g} grows across the tail beyond the drift ({drift})")
        return RateTest(p, kind, fit, None, f"L tau^{p:g} still rises at the end, within the drift ({drift})")
    shallowest = max(fit.local_slopes)
    if s_end >= -p:
        return RateTest(p, kind, fit, True, f"L tau^{p:g} does not fall at the end of the run ({drift})")
    if shallowest + sigma < -p:
        return RateTest(p, kind, fit, False, f"L tau^{p:g} falls across the tail beyond the drift ({drift})")
    return RateTest(p, kind, fit, None, f"L tau^{p:g} still falls at the end, within the drift ({drift})")


def pooled_losses(results: Sequence[numeric.GDResult]) -> tuple[list[int], list[float]]:
    """The geometric mean of the runs' losses on their common recorded iterations (equal budgets)."""
    common = set.intersection(*(set(r.iterations) for r in results))
    logs = np.array(
        [numeric.log_values([loss for k, loss in zip(r.iterations, r.losses) if k in common]) for r in results]
    )
    return sorted(common), np.exp(logs.mean(axis=0)).tolist()


def slope_words(fit: numeric.SlopeFit | None) -> str:
    """``slope -1.02 +- 0.05 over [100, 1000] (local -0.98, -1.03, -1.06)``."""
    if fit is None:
        return "no tail slope (too few points)"
    local = ", ".join(f"{x:.3f}" for x in fit.local_slopes)
    return f"slope {fit.slope:.3f} +- {fit.spread:.3f} over tau in [{fit.start}, {fit.end}] (local {local})"


def pooled_fit(results: Sequence[numeric.GDResult]) -> numeric.SlopeFit | None:
    """The tail slope of :func:`pooled_losses`."""
    return numeric.tail_slope(*pooled_losses(results))


# --------------------------------------------------------------------------- figures


def norms_figure(runs: Sequence[tuple[str, numeric.GDResult]], title: str) -> Figure:
    """``||mu_i||`` against the iterations, log axes, one colour per run."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.add_subplot()
    colours = [f"C{k % 10}" for k in range(len(runs))]
    for colour, (label, result) in zip(colours, runs):
        records = [r for r in result.records if r.iteration >= 1]
        tau = np.array([r.iteration for r in records], dtype=float)
        norms = np.array([[float(x) for x in r.norms] for r in records])
        for i in range(norms.shape[1]):
            axes.plot(tau, norms[:, i], color=colour, linewidth=1, label=label if i == 0 else None)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("iteration tau (from 1)")
    axes.set_ylabel("||mu_i(tau)||")
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7)
    return figure


def loss_figure(
    curves: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    exponent: float,
    title: str,
    *,
    constant: float | None = None,
    xlabel: str = "iteration tau",
) -> Figure:
    """Log-log loss curves with the claimed rate: ``constant * x^-exponent`` when a constant is given,
    else ``x^-exponent`` drawn through the first curve at the start of its last decade."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.add_subplot()
    for label, x, loss in curves:
        keep = [(k, float(value)) for k, value in zip(x, loss) if k > 0 and float(value) > 0]
        axes.plot([k for k, _ in keep], [v for _, v in keep], linewidth=1, label=label)
    if curves:
        x, loss = np.array(curves[0][1], dtype=float), np.array([float(v) for v in curves[0][2]])
        positive = x[x > 0]
        if constant is not None:
            grid = np.geomspace(positive[0], positive[-1], 50)
            axes.plot(grid, constant * grid ** (-exponent), "k--", label=f"claimed bound {constant:g} x^-{exponent:g}")
        else:
            anchor = int(np.searchsorted(x, max(0.1 * x[-1], positive[0])))
            grid = np.geomspace(x[anchor], x[-1], 50)
            axes.plot(
                grid, loss[anchor] * (grid / x[anchor]) ** (-exponent), "k--", label=f"claimed rate x^-{exponent:g}"
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("L(mu(tau))")
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7)
    return figure


def with_figures(check: Check, figures: dict[str, Figure]) -> Check:
    """``check`` with ``figures`` attached."""
    return Check(**{**check.__dict__, "figures": {**check.figures, **figures}})


# --------------------------------------------------------------------------- random far starts (thm3.5, thm3.7)

#: The run set of Theorems 3.5 and 3.7 (shared, so that the second claim reuses the first one's runs).
#: ``seeds`` runs of ``steps`` decide who converges; the first ``rate_seeds`` are rerun to ``rate_steps`` for rates.
#: A survivor shrinks like ``tau^(-1/2)``: within 250 steps it gets below ``converged_below = 0.03`` (0.5% of
#: ``M0 = 6``; ``numeric.dynamics.gd``'s default 1e-2 would need about twice the steps), while the others are near 7
#: and rising.
FAR_PARAMETERS = {
    "n": 5,
    "d": 1,
    "M0_values": [6.0],
    "seeds": 50,
    "eta": 0.5,
    "steps": 250,
    "rate_seeds": 3,
    "rate_steps": 1200,
    "converged_below": 0.03,
}
FAR_PROFILES = {
    "quick": {"seeds": 2, "steps": 200, "rate_seeds": 1, "rate_steps": 1000},
    "deep": {"M0_values": [6.0, 8.0, 10.0], "seeds": 100, "rate_seeds": 10, "rate_steps": 5000},
}
#: ``M0 > hypothesis_constant sqrt(d) n^hypothesis_n_power`` (as reported: 1e9 sqrt(d) n^10).
FAR_HYPOTHESIS = {"hypothesis_constant": 1e9, "hypothesis_n_power": 10}


def far_hypothesis(M0: float, params: dict) -> tuple[bool, str]:
    """Whether ``M0`` meets the far-start hypothesis, and a sentence saying so."""
    n, d = params["n"], params["d"]
    threshold = params["hypothesis_constant"] * math.sqrt(d) * n ** params["hypothesis_n_power"]
    if M0 > threshold:
        return True, f"M0 = {M0:g} > {threshold:.3g}: inside the hypothesis."
    return False, (
        f"M0 = {M0:g} is far below the hypothesis M0 > {params['hypothesis_constant']:g} sqrt(d) "
        f"n^{params['hypothesis_n_power']} = {threshold:.3g} (unreachable): outside the hypothesis, so a "
        "failure here is not a counterexample."
    )


def far_runs(
    M0: float, params: dict, seed: int, progress: Callable[[str], None], *, long: bool = False
) -> tuple[list[numeric.GDResult], int]:
    """GD from ``mu_i(0) = (M0, 0, ..., 0) + z_i``, ``z_i ~ N(0, I_d)`` for seeds ``seed, seed + 1, ...``:
    ``seeds`` runs of ``steps``, or with ``long`` the first ``rate_seeds`` of them to ``rate_steps``."""
    count, steps = (params["rate_seeds"], params["rate_steps"]) if long else (params["seeds"], params["steps"])
    starts = [
        [[float(x) for x in row] for row in numeric.cluster_start(params["n"], params["d"], M0, 1, seed + k)]
        for k in range(count)
    ]
    return gd_runs(
        starts,
        params["eta"],
        steps,
        classification={"converged_below": params["converged_below"]},
        progress=progress,
        label=f"M0={M0:g}{' (long)' if long else ''}:",
    )


def far_instance(M0: float, params: dict, seed: int, *, long: bool = False) -> dict:
    """The instance of a check on the far-start run set (``long``: the rate runs)."""
    count, steps = (params["rate_seeds"], params["rate_steps"]) if long else (params["seeds"], params["steps"])
    return {
        "n": params["n"],
        "d": params["d"],
        "M0": M0,
        "spread": 1,
        "seeds": f"{seed}..{seed + count - 1}",
        "eta": params["eta"],
        "steps": steps,
        "t": 0,
        "tier": "fast",
    }
