"""The far-start run set of Theorems 3.5 and 3.7: seeded random starts ``mu_i(0) = c + z_i`` far from the truth.

Both claims read the same runs (the cache computes them once): ``seeds`` gradient flows from
``c = (M0, 0, ..., 0)``, ``z_i ~ N(0, I_d)`` drawn from seeds ``seed, seed + 1, ...``, each to flow time ``time``
(default ``1e8``).  The long horizon serves the fates as much as the rates: the non-survivors drift outwards like
``log s``, which over the two decades ``[1e3, 1e5]`` a finite limit ``R + B s^-c`` fits as well (measured: the
fates of most of them are then undecided), while over ``[1e6, 1e8]`` the growth law wins.

A probability claimed over the starts ("with probability at least q") is decided by an exact binomial
(Clopper-Pearson) interval over the seeds (:func:`proofs_check.evidence.dynamics.probability_outcome`):
``supported`` only when its lower end clears ``q``, ``refuted`` only when its upper end is below ``q``.

The hypothesis ``M0 > hypothesis_constant sqrt(d) n^hypothesis_n_power`` (as reported: ``1e9 sqrt(d) n^10``, about
``2e16`` at ``n = 5``) is far beyond reach: every check records it as false, so the checks are evidence beyond the
hypotheses and inconclusive whatever they show, unless the hypothesis is edited to include the instances.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import numeric
from proofs_check.core.claim import Check
from proofs_check.core.params import Domain, Integer, Items, Real
from proofs_check.evidence.dynamics import (
    FLOW_METHOD,
    Curve,
    Outcome,
    flow_curve,
    flow_run,
    gd_outcome_check,
    probability_outcome,
    rate,
    rate_observed,
    rate_ok,
    reuse_words,
)
from proofs_check.evidence.hypotheses import (
    FLOW,
    STEP_RULE,
    STEP_RULE_DOMAINS,
    Hypothesis,
    dynamics_check,
    rule_step,
    step_rule,
)

__all__ = [
    "FAR_PARAMETERS",
    "FAR_PROFILES",
    "FAR_HYPOTHESIS",
    "FAR_DOMAINS",
    "FarRuns",
    "far_start",
    "far_hypotheses",
    "far_runs",
    "far_instance",
    "probability_check",
    "far_gd_check",
    "rate_probability_check",
]

#: The run set (shared by thm3.5 and thm3.7, so that the second claim reuses the first one's runs).
FAR_PARAMETERS = {
    "n": 5,
    "d": 1,
    "M0_values": [6.0],
    "seeds": 20,
    "time": 1e8,
    "gd_time": 1.0,
    "confidence": 0.95,
}
FAR_PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"n": 3, "seeds": 2, "time": 1e6, "gd_time": 0.0},
    "deep": {"M0_values": [6.0, 8.0], "seeds": 40, "time": 1e9, "gd_time": 10.0},
}
#: ``M0 > hypothesis_constant sqrt(d) n^hypothesis_n_power`` (as reported: 1e9 sqrt(d) n^10), and the step rule.
FAR_HYPOTHESIS = {"hypothesis_constant": 1e9, "hypothesis_n_power": 10, **STEP_RULE}
#: What the run set and the hypothesis accept (at least one seed: "supported on 0 of 0 runs" is no verdict).
FAR_DOMAINS: dict[str, Domain] = {
    "n": Integer(2, 12),
    "d": Integer(1, 10),
    "M0_values": Items(Real(0, 1000, above=True), maximum=10),
    "seeds": Integer(1, 1000),
    "time": Real(0, 1e14, above=True),
    "gd_time": Real(0, 1000),
    "confidence": Real(0, 1, above=True, below=True),
    "hypothesis_constant": Real(0),  # 0 is a fair edit: every M0 then meets the hypothesis (the tests use it)
    "hypothesis_n_power": Integer(0, 100),
    **STEP_RULE_DOMAINS,
}


def far_start(n: int, d: int, M0: float, seed: int) -> np.ndarray:
    """``mu_i(0) = (M0, 0, ..., 0) + z_i``, ``z_i ~ N(0, I_d)`` from ``seed`` (``numeric.cluster_start``)."""
    return np.array(numeric.cluster_start(n, d, M0, 1, seed), dtype=float)


def far_hypotheses(M0: float, step: float | str, params: dict) -> list[Hypothesis]:
    """The far-start hypothesis on ``M0`` and the step rule."""
    n, d = params["n"], params["d"]
    threshold = params["hypothesis_constant"] * math.sqrt(d) * n ** params["hypothesis_n_power"]
    relation = ">" if M0 > threshold else "<="
    words = (
        f"M0 = {M0:g} {relation} {params['hypothesis_constant']:g} sqrt(d) n^{params['hypothesis_n_power']} = "
        f"{threshold:.3g}" + ("" if M0 > threshold else " (out of reach)")
    )
    return [Hypothesis("far_start", M0 > threshold, words), step_rule(step, n, d, params)]


@dataclass(frozen=True)
class FarRuns:
    """The flows of one ``M0``: a curve per seed (``None`` where the integrator failed) and how many were cached."""

    M0: float
    seeds: tuple[int, ...]
    curves: tuple[Curve | None, ...]
    failures: tuple[str, ...]
    reused: int

    @property
    def finished(self) -> list[Curve]:
        """The runs whose integration succeeded."""
        return [curve for curve in self.curves if curve is not None]

    def labelled(self) -> list[tuple[str, Curve]]:
        """``("seed k", curve)`` for the finished runs."""
        return [(f"seed {seed}", curve) for seed, curve in zip(self.seeds, self.curves) if curve is not None]

    def outcomes(self) -> list[Outcome | None]:
        return [None if c is None else Outcome.of(c) for c in self.curves]


def far_runs(M0: float, params: dict, seed: int, progress: Callable[[str], None]) -> FarRuns:
    """The flows of the run set at ``M0`` (module docstring); a failed integration is kept as its reason."""
    n, d, count = params["n"], params["d"], params["seeds"]
    curves: list[Curve | None] = []
    failures: list[str] = []
    reused = 0
    for k in range(count):
        progress(f"M0={M0:g}: flow {k + 1}/{count} to s = {params['time']:g}")
        try:
            run, hit = flow_run(far_start(n, d, M0, seed + k), params["time"])
        except numeric.FlowFailure as error:
            curves.append(None)
            failures.append(f"seed {seed + k}: {error}")
            continue
        curves.append(flow_curve(run))
        reused += hit
    return FarRuns(M0, tuple(range(seed, seed + count)), tuple(curves), tuple(failures), reused)


def far_instance(runs: FarRuns, params: dict) -> dict:
    """The instance of a check on the run set at one ``M0``."""
    return {
        "n": params["n"],
        "d": params["d"],
        "M0": runs.M0,
        "spread": 1,
        "seeds": f"{runs.seeds[0]}..{runs.seeds[-1]}" if runs.seeds else "none",
        "flow_time": params["time"],
        "t": 0,
        "tier": "fast",
    }


def probability_check(
    *,
    name: str,
    runs: FarRuns,
    events: list[bool | None],
    event: str,
    params: dict,
    probability: float,
    observed: dict,
    detail: str,
    method: str,
) -> Check:
    """ "P(event) >= probability" over seeded runs (``events``: True / False / None per run), by the exact interval."""
    agree, contradict, trials = events.count(True), events.count(False), len(events)
    ok, (low, high), words = probability_outcome(agree, contradict, trials, probability, params["confidence"])
    return dynamics_check(
        name=name,
        instance=far_instance(runs, params),
        step=FLOW,
        hypotheses=far_hypotheses(runs.M0, FLOW, params),
        method=method,
        claimed=f"P({event}) >= {probability:g}",
        observed={
            **observed,
            "runs": trials,
            "show_it": agree,
            "contradict_it": contradict,
            "undecided": trials - agree - contradict,
            "interval": [low, high],
            "confidence": params["confidence"],
            "failed_runs": list(runs.failures),
            "runs_reused_from_cache": runs.reused,
        },
        ok=ok,
        detail=f"{agree} of {trials} runs show {event}, {contradict} contradict it, {trials - agree - contradict} "
        f"undecided; {words}. {detail}" + reuse_words(runs.reused, trials),
    )


def far_gd_check(M0: float, params: dict, seed: int, converging: int) -> Check | None:
    """GD inside the step rule from the first seed's start to ``gd_time`` (``None`` when ``gd_time`` is 0),
    read like the flows and compared with the flow at equal flow time; it corroborates the flow checks."""
    if params["gd_time"] <= 0:
        return None
    n, d = params["n"], params["d"]
    eta = rule_step(n, d, params)
    return gd_outcome_check(
        name=f"M0 = {M0:g}: GD inside the step rule (eta = {eta:.4g}, seed {seed}) follows the flow",
        mu0=far_start(n, d, M0, seed),
        eta=eta,
        time=params["gd_time"],
        converging=converging,
        hypotheses=far_hypotheses(M0, eta, params),
        instance={"n": n, "d": d, "M0": M0, "seed": seed, "gd_time": params["gd_time"], "t": 0},
    )


def rate_probability_check(runs: FarRuns, params: dict, p: float, kind: str) -> Check:
    """``L = O(s^-p)`` (``kind="upper"``) or ``L >= c s^-p`` (``"lower"``) decided on each run after the transient,
    and "it holds with probability >= probability" by the exact interval over the runs."""
    decisions = [rate(curve, p, kind) for curve in runs.finished]
    claim = f"L = O(s^-{p:g})" if kind == "upper" else f"L >= c s^-{p:g}"
    return probability_check(
        name=f"M0 = {runs.M0:g}: {claim} after the transient with probability >= {params['probability']:g}",
        runs=runs,
        events=[rate_ok(x) for x in decisions],
        event=f"L s^{p:g} bounded" if kind == "upper" else f"L s^{p:g} bounded away from 0",
        params=params,
        probability=params["probability"],
        observed={"per_run": [rate_observed(x) for x in decisions]},
        detail=" | ".join(f"run {j + 1}: {x.outcome}: {x.reason}" for j, x in enumerate(decisions)) + ".",
        method=f"{FLOW_METHOD}; rates of numeric.decide_{kind}_rate; exact binomial interval over the seeds",
    )
