"""Beyond the paper: the sharp law of the loss when every parameter converges (issue 17, a conjecture of ours).

Conjecture (found by ``explore sharp-rates``, derived in :mod:`symbolic.slow_manifold`): under the gradient flow
``d mu / ds = -grad L`` from a generic start whose parameters all converge to the truth,

    s^2 L(s) -> n^2 r / 64,   r = min(d, n - 1),

whatever the start: the mean contracts exponentially, the deviations ``delta_i = mu_i - mean`` creep along the
slow manifold where ``L = tr(S^2) / n^2`` (``S = sum_i delta_i delta_i^T``), turn towards its minimum on the sphere
(the isotropic configurations, ``q = 1 / (n^2 r)``) and shrink like ``|delta|^2 ~ 1 / (8 q s)``.  Theorem 2.1
bounds the same loss by ``O(n^3 d^2 / sqrt(s))`` and Theorem 3.2 by ``O(1/s^2)`` without the constant.  The
denominator 64 and the exponent 2 are the editable statement constants.

Hypotheses, recorded per flow (:mod:`proofs_check.evidence.hypotheses`): every parameter converges (fitted laws
of ``||mu_i(s)||``, :func:`numeric.parameter_fates`), and the start is generic: its deviations have rank ``r``
(a start of lower rank keeps it, and its law has that rank in place of ``r``).

What is checked, and how strongly:

1. *proved* (the symbolic route), per ``(n, d)`` in ``instances``: :func:`symbolic.prove_converging_law` -- the
   Taylor polynomial of ``L`` has no odd part, its quadratic part is ``|mean|^2``, its quartic part on the
   mean-zero subspace is ``tr(S^2)/n^2`` with minimum ``1/(n^2 r)`` on the sphere (a sum-of-squares
   certificate), and the radial law gives the stated limit.  That the minimum is what the flow reaches is
   argued, not proved (the saddles are the lower-rank configurations), so check 2 decides.
2. *the asymptotic match* (the numeric route), per ``(n, d)`` in ``flows``, regime in ``regimes`` and seed:
   the flow to ``flow_time`` from :func:`numeric.regime_start` (``large-noise``: the ``1/(3n)`` ball;
   ``clustered``: Theorem 3.2's side, all converge); ``C = s^p L`` at the last record and its error
   (:func:`numeric.power_law_constant`: the integrator's error figure plus the geometric tail of the last two
   decades' changes).  ``supported`` when ``|C - n^2 r / 64| <= error``, ``refuted`` beyond it; when ``s^p L``
   has not settled (an infinite tail) the rate decisions of the dynamics claims decide: ``refuted`` if
   ``L = O(s^-p)`` or ``L >= c s^-p`` fails after the transient (the exponent is wrong), else ``inconclusive``.

Finding (standard profile): see the README's table.  Edit ``denominator`` to 32 or ``exponent`` to 3 and it is
refuted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numeric
import symbolic
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.core.params import Choice, Domain, Integer, Items, Real
from proofs_check.evidence.dynamics import (
    Curve,
    flow_curve,
    flow_run,
    rate,
    rate_observed,
    ratio_figure,
    reuse_words,
    with_figures,
)
from proofs_check.evidence.hypotheses import FLOW, Hypothesis, dynamics_check, reach_notes
from proofs_check.evidence.identities import proof_check

__all__ = ["STATEMENT", "PARAMETERS", "PROFILES", "DOMAINS", "run", "CLAIM"]

STATEMENT = {"denominator": 64, "exponent": 2}
PARAMETERS = {
    "instances": [[2, 1], [3, 1], [4, 1], [2, 2], [3, 2], [4, 2]],
    "flows": [[2, 1], [3, 1], [4, 1], [2, 2], [3, 2], [4, 2]],
    "regimes": ["large-noise", "clustered"],
    "seeds": 2,
    "flow_time": 1e8,
    "rtol": 1e-7,
}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"instances": [[2, 1], [3, 2]], "flows": [[2, 1], [3, 2]], "seeds": 1},
    "deep": {
        "instances": [[2, 1], [3, 1], [4, 1], [2, 2], [3, 2], [4, 2], [3, 3], [4, 3]],
        "seeds": 4,
        "flows": [[2, 1], [3, 1], [4, 1], [5, 1], [2, 2], [3, 2], [4, 2], [3, 3], [4, 3]],
        "flow_time": 1e10,
    },
}
PAIRS = Items(Items(Integer(1, 6), minimum=2, maximum=2), maximum=20)
DOMAINS: dict[str, Domain] = {
    "denominator": Integer(1, 10**6),
    "exponent": Integer(0, 10),
    "instances": PAIRS,
    "flows": PAIRS,
    "regimes": Items(Choice(("large-noise", "clustered")), maximum=2),
    "seeds": Integer(1, 50),
    "flow_time": Real(1e4, 1e12),
    "rtol": Real(1e-12, 1e-3),
}


def predicted_constant(n: int, d: int, params: dict) -> float:
    """``n^2 r / denominator`` with ``r = min(d, n - 1)``."""
    return n * n * symbolic.attracting_rank(n, d) / params["denominator"]


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    checks = []
    for n, d in params["instances"]:
        progress(f"the law, exactly, n={n}, d={d}")
        checks.append(proof_check(symbolic.prove_converging_law(n, d, params["denominator"], params["exponent"])))
    shown = []
    for n, d in params["flows"]:
        for regime in params["regimes"]:
            for start_seed in range(seed, seed + params["seeds"]):
                progress(f"flow, {regime}, n={n}, d={d}, seed {start_seed}")
                check, curve = _flow_check(regime, n, d, start_seed, params)
                checks.append(check)
                shown.append(curve)
    if shown:
        figure = ratio_figure(
            shown,
            f"s^{params['exponent']} L / (n^2 r / {params['denominator']})",
            "the converging law: s^2 L against its predicted constant",
            ylim=(0, 1.5),
        )
        checks[-1] = with_figures(checks[-1], {"sharp-converging": figure})
    return checks


def _hypotheses(n: int, d: int, mu0: np.ndarray, fates: tuple) -> list[Hypothesis]:
    converge = [fate.status == "converged" for fate in fates]
    deviations = mu0 - mu0.mean(axis=0)
    rank = int(np.linalg.matrix_rank(deviations, tol=1e-9 * float(np.abs(deviations).max())))
    r = symbolic.attracting_rank(n, d)
    return [
        Hypothesis(
            "every_parameter_converges",
            all(converge),
            f"{sum(converge)} of {n} parameters converge by fitted laws of ||mu_i(s)||",
        ),
        Hypothesis("generic_start", rank == r, f"the start's deviations have rank {rank} (r = min(d, n - 1) = {r})"),
    ]


def _flow_check(regime: str, n: int, d: int, start_seed: int, params: dict) -> tuple[Check, tuple]:
    mu0 = numeric.regime_start(regime, n, d, start_seed)
    run_, reused = flow_run(mu0, params["flow_time"], rtol=params["rtol"])
    fates = numeric.parameter_fates(run_.times, run_.norms, run_.norms_error)
    p = params["exponent"]
    target = predicted_constant(n, d, params)
    constant, error = numeric.power_law_constant(run_.times, run_.loss, run_.loss_error, p)
    observed: dict[str, Any] = {"constant": constant, "constant_error": error, "ratio": constant / target}
    if math.isfinite(error):
        ok: bool | None = bool(abs(constant - target) <= error)
        outcome = f"s^{p} L = {constant:.6g} +- {error:.2g} at s = {run_.times[-1]:.3g}, predicted {target:.6g}"
    else:  # s^p L has not settled: the rate decisions of the dynamics claims say whether p is the exponent
        ok, outcome, observed["rates"] = _exponent_outcome(flow_curve(run_), p)
    check = dynamics_check(
        name=f"s^{p} L -> {target:.6g} ({regime}, n={n}, d={d}, seed {start_seed})",
        instance={"regime": regime, "n": n, "d": d, "seed": start_seed, "mu0": mu0.tolist()},
        step=FLOW,
        hypotheses=_hypotheses(n, d, mu0, fates),
        method=run_.method,
        claimed=f"s^{p} L(s) -> n^2 r / {params['denominator']} = {target:.6g}",
        observed={**observed, "horizon": float(run_.times[-1]), "fates": [fate.status for fate in fates]},
        ok=ok,
        detail=f"{outcome}.{reuse_words(int(reused))}",
    )
    return check, (
        f"{regime}, n={n}, d={d}, seed {start_seed}",
        run_.times,
        run_.loss * run_.times ** float(p) / target,
    )


def _exponent_outcome(curve: Curve, p: int) -> tuple[bool | None, str, dict[str, Any]]:
    """``L = O(s^-p)`` and ``L >= c s^-p`` decided on the flow's tail (``numeric.decide_upper_rate`` / ``_lower_``):
    if either fails (``s^p L`` rises, or falls, tenfold beyond its error after the transient), ``p`` is not the
    exponent; otherwise undecided."""
    decisions = {kind: rate(curve, p, kind) for kind in ("upper", "lower")}
    failed = [f"{kind}: {d.reason}" for kind, d in decisions.items() if d.outcome == "fails"]
    words = "; ".join(failed or [f"{kind}: {d.outcome}: {d.reason}" for kind, d in decisions.items()])
    outcome = f"s^{p} L has not settled (its last decades' changes do not contract): " + (
        f"the exponent is not {p} ({words})" if failed else f"undecided ({words})"
    )
    return (False if failed else None), outcome, {kind: rate_observed(d) for kind, d in decisions.items()}


CLAIM = Claim(
    id="sharp.converging",
    label="Beyond the paper: the sharp law when every parameter converges",
    statement="s^{exponent} L -> n^2 min(d, n - 1) / {denominator} as the flow time s grows, from a generic start "
    "whose parameters all converge",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    domains=DOMAINS,
    run=run,
    summarize=reach_notes,
    provenance=Provenance(
        reading="a conjecture of this toolkit (not the paper's): the constant of the s^-2 decay that Theorems 2.1 "
        "and 3.2 bound, derived on the slow manifold (symbolic.slow_manifold)",
        constants={"denominator": "derived", "exponent": "derived"},
    ),
)
