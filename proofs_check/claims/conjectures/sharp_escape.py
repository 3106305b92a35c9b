"""Beyond the paper: the sharp law of the loss while parameters escape (issue 17, a conjecture of ours).

Conjecture (found by ``explore sharp-rates``, derived in :mod:`symbolic.escape`): under the gradient flow from a
random far start where one parameter converges and the others escape,

    s L(s) / (16 sum_j 1 / ||mu_j(s)||^2) -> 1   (the sum over the escaping parameters),

and since ``||mu_j||^2 ~ 8 log s``, ``L ~ 2 k / (s log s)`` with ``k`` escaping parameters: Theorem 3.5's
``O(1/s)`` holds with a logarithm to spare, and Theorem 3.7's ``L >= c s^-(1 + eps)`` for every ``eps > 0``.  The
numerator 16 is the editable statement constant.

Hypotheses, recorded per flow (:mod:`proofs_check.evidence.hypotheses`): the run is in the escape regime -- one
parameter converges and every other one diverges, by fitted laws of ``||mu_i(s)||``
(:func:`numeric.parameter_fates`).

What is checked, and how strongly:

1. *proved* (the symbolic route): :func:`symbolic.prove_escape_law` -- for the tail form ``L = c M e^(-M^2/8)``
   of ``k`` parameters escaping together, ``-L'`` is equivalent to ``(M^2/4) L / M``, the flow time to reach ``M``
   is an ``erfi`` integral, and ``lim L s M^2 / (16 k) = 1`` whatever ``c``.  The tail form itself is a Laplace
   argument (docstring of :mod:`symbolic.escape`), not proved, so check 2 decides.
2. *the asymptotic match* (the numeric route), per ``(n, d)`` in ``flows`` and seed: the flow from Theorem 3.5's
   far start (:func:`numeric.regime_start`, ``6 e_1 + z_i``) to ``flow_time``; the ratio's limit extrapolated in
   ``1 / M^2`` (:func:`numeric.escape_limit`: a quadratic fit over the last three decades, its error from the
   linear fit, the window one decade shorter and the records' errors).  ``supported`` when ``|limit - 1| <=
   error``, ``refuted`` beyond it.  The ratio at the horizon (1.09 at ``s = 1e9``) is reported beside it: the
   corrections are ``O(1 / log s)``, so no horizon reaches 1 without the extrapolation.

Edit ``numerator`` to 8 or 32 and it is refuted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numeric
import symbolic
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.core.params import Domain, Integer, Items, Real
from proofs_check.evidence.dynamics import flow_run, ratio_figure, reuse_words, with_figures
from proofs_check.evidence.hypotheses import FLOW, Hypothesis, dynamics_check, reach_notes
from proofs_check.evidence.identities import proof_check

__all__ = ["STATEMENT", "PARAMETERS", "PROFILES", "DOMAINS", "run", "CLAIM"]

STATEMENT = {"numerator": 16}
PARAMETERS = {"flows": [[2, 1], [3, 1], [5, 1]], "seeds": 1, "flow_time": 1e9}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"flows": [[2, 1]]},
    "deep": {"flows": [[2, 1], [3, 1], [5, 1], [2, 2], [3, 2]], "seeds": 3, "flow_time": 1e11},
}
DOMAINS: dict[str, Domain] = {
    "numerator": Real(0, 1e6, above=True),
    "flows": Items(Items(Integer(1, 6), minimum=2, maximum=2), maximum=20),
    "seeds": Integer(1, 50),
    "flow_time": Real(1e5, 1e14),
}


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    progress("the law, exactly")
    numerator = params["numerator"]
    checks = [proof_check(symbolic.prove_escape_law(numerator))]
    shown = []
    for n, d in params["flows"]:
        for start_seed in range(seed, seed + params["seeds"]):
            progress(f"flow from a far start, n={n}, d={d}, seed {start_seed}")
            check, curve = _flow_check(n, d, start_seed, params)
            checks.append(check)
            shown += [curve] if curve else []
    if shown:
        figure = ratio_figure(
            shown,
            f"s L / ({numerator:g} sum_j ||mu_j||^-2)",
            "the escape law: the ratio creeps to 1 like 1 + O(1 / log s)",
            from_time=10.0,
        )
        checks[-1] = with_figures(checks[-1], {"sharp-escape": figure})
    return checks


def _escape_regime(n: int, fates: tuple) -> Hypothesis:
    converged = sum(fate.status == "converged" for fate in fates)
    diverging = sum(fate.status == "diverging" for fate in fates)
    return Hypothesis(
        "escape_regime",
        converged == 1 and diverging == n - 1,
        f"{converged} of {n} parameters converge and {diverging} diverge by fitted laws of ||mu_i(s)||",
    )


def _flow_check(n: int, d: int, start_seed: int, params: dict) -> tuple[Check, tuple | None]:
    mu0 = numeric.regime_start("far", n, d, start_seed)
    flow, reused = flow_run(mu0, params["flow_time"])
    fates = numeric.parameter_fates(flow.times, flow.norms, flow.norms_error)
    hypothesis = _escape_regime(n, fates)
    escaping = np.array([fate.status == "diverging" for fate in fates])
    instance = {"n": n, "d": d, "seed": start_seed, "mu0": mu0.tolist()}
    claimed = f"s L / ({params['numerator']:g} sum_j ||mu_j||^-2) -> 1 over the escaping parameters"
    name = f"{claimed} (n={n}, d={d}, seed {start_seed})"
    if not escaping.any():
        check = dynamics_check(
            name=name,
            instance=instance,
            step=FLOW,
            hypotheses=[hypothesis],
            method=flow.method,
            claimed=claimed,
            observed={"fates": [fate.status for fate in fates]},
            ok=None,
            detail=f"no parameter escapes, so there is no ratio to read.{reuse_words(int(reused))}",
        )
        return check, None
    numerator = params["numerator"]
    limit = numeric.escape_limit(flow.times, flow.loss, flow.norms, flow.loss_error, escaping, numerator=numerator)
    ok = bool(abs(limit.limit - 1) <= limit.error)
    check = dynamics_check(
        name=name,
        instance=instance,
        step=FLOW,
        hypotheses=[hypothesis],
        method=f"{flow.method}; the limit extrapolated in 1/M^2 (numeric.escape_limit)",
        claimed=claimed,
        observed={
            "limit": limit.limit,
            "limit_error": limit.error,
            "ratio_at_horizon": limit.ratio_at_end,
            "linear_limit": limit.linear_limit,
            "window": list(limit.window),
            "escaping": limit.escaping,
            "fates": [fate.status for fate in fates],
        },
        ok=ok,
        detail=(
            f"the ratio is {limit.ratio_at_end:.4f} at s = {flow.times[-1]:.3g} and extrapolates to "
            f"{limit.limit:.4f} +- {limit.error:.2g} over s in [{limit.window[0]:.3g}, {limit.window[1]:.3g}] "
            f"({limit.escaping} escaping).{reuse_words(int(reused))}"
        ),
    )
    ratio = numeric.escape_ratio(flow.times, flow.loss, flow.norms, escaping, numerator=numerator)
    return check, (f"n={n}, d={d}, seed {start_seed}", flow.times, ratio)


CLAIM = Claim(
    id="sharp.escape",
    label="Beyond the paper: the sharp law while parameters escape",
    statement="after a far start, s L / ({numerator} sum_j ||mu_j||^-2) -> 1, summed over the k escaping parameters, "
    "as the flow time s grows; so L ~ 2 k / (s log s)",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    domains=DOMAINS,
    run=run,
    summarize=reach_notes,
    provenance=Provenance(
        reading="a conjecture of this toolkit (not the paper's): the law behind the O(1/s) of Theorem 3.5 and the "
        "lower bound of Theorem 3.7, derived from the tail of the escaping group's switch (symbolic.escape)",
        constants={"numerator": "derived"},
    ),
)
