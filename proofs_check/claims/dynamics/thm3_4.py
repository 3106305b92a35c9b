"""Theorem 3.4 (paper, Sec. 3): without an exponentially small start, convergence can fail.

Claim (reconstructed, docs/claims.md §3): at ``t = 0``, start ``mu_1(0) = c + eps0 u`` and ``mu_i(0) = c`` for
``i >= 2``, with ``|c| = M0``, ``eps0 = exp(-M0/100)`` and ``u`` a unit vector.  Then exactly one parameter
converges to 0 and the others diverge (``||mu_i|| -> infinity``).  The scale 100 and the number of converging
parameters are the editable constants in ``STATEMENT``; ``min_M0`` is a hypothesis threshold on ``M0`` (none in the
registered statement: 0), and the step rule ``eta <= step_constant / (n^4 d^2)`` (its constant unknown, default 1).

The orientation of ``u`` is not known to us.  ``orientations`` chooses among ``toward`` (``u = -c/|c|``, the truth
side), ``away`` (``u = c/|c|``) and ``perpendicular``; each ``(n, orientation, M0)`` is a check, and the claim's
notes name the reading each orientation supports.

Reductions (exact): parameters 2..n start equal and stay equal (the flow integrates one representative per group),
the toward/away starts are collinear (``d = 1``) and the perpendicular start spans two dimensions (``d = 2``).

What is checked, and how strongly (hypotheses per check: ``M0 >= min_M0`` and the step rule):

1. *the flow limit, decisive* (``numeric.run_flow`` to ``flow_time``, default ``1e6``, inside every step rule): each
   parameter's fate read off a fitted asymptotic law of ``||mu_i(s)||`` over the last two decades
   (``numeric.parameter_fates``: ``diverging`` when the norm grows and the law extrapolates to infinity, ``converged``
   when it decays and the law extrapolates to 0; the laws are reported).  A check passes when exactly
   ``converging`` parameters converge and all others diverge, fails when more converge or more diverge than that,
   and is inconclusive when undecided parameters leave both possible.
2. *GD inside the step rule* (``eta = min(0.01, step_constant / (n^4 d^2))``: the paper's 0.01 at ``n = 3, d = 1``)
   for ``gd_n_values`` and ``gd_orientations`` at ``gd_M0`` to flow time ``gd_time``, read the same way and
   compared with the flow at equal flow time.  It corroborates the flow: it refutes when it contradicts the
   statement, and is otherwise not needed for the verdict (a short horizon may leave it undecided).
3. *certified, for u away* (``proofs_check.evidence.certified``, python-flint balls): at ``n = 3, d = 1, M0 = 4``,
   ``eta = 0.01`` (inside the step rule), a set ``R = {mu_1 >= 4, -0.25 <= mu_2 = mu_3 <= 1}`` is proven invariant
   under GD and a validated GD enclosure enters it, so ``mu_1`` never converges and 0 or 2 parameters converge,
   never exactly 1: ``refuted``, proven for that instance and step (``inconclusive`` when not proven or outside the
   hypotheses).

Finding (standard profile, n = 3 and 5, M0 = 4 and 10): ``toward``: mu_1 converges, the others diverge (like
``log s``), as claimed.  ``away`` and ``perpendicular``: mu_1 diverges and the group 2..n converges together, so the
registered statement (any unit ``u``) is refuted -- inside every hypothesis, in the flow limit; with
``orientations=["toward"]`` it is supported.
"""

from __future__ import annotations

import math

import numpy as np

import numeric
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.core.params import Domain, Integer, Items
from proofs_check.evidence.certified import certified_away_checks
from proofs_check.evidence.dynamics import (
    Curve,
    Outcome,
    failed_check,
    flow_curve,
    flow_run,
    gd_outcome_check,
    norms_figure,
    reuse_words,
    with_figures,
)
from proofs_check.evidence.hypotheses import (
    FLOW,
    STEP_RULE,
    Hypothesis,
    dynamics_check,
    reach_notes,
    rule_step,
    step_rule,
)

STATEMENT = {"eps_scale": 100.0, "converging": 1, "min_M0": 0.0, **STEP_RULE}
PARAMETERS = {
    "orientations": ["toward", "away", "perpendicular"],
    "n_values": [3, 5],
    "M0_values": [4.0, 10.0],
    "flow_time": 1e6,
    "gd_n_values": [3],
    "gd_orientations": ["toward", "away"],
    "gd_M0": 4.0,
    "gd_time": 10.0,
}
PROFILES = {
    "quick": {"n_values": [3], "M0_values": [4.0], "gd_orientations": ["away"]},
    "deep": {
        "n_values": [3, 4, 5],
        "M0_values": [2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
        "flow_time": 1e7,
        "gd_n_values": [3, 5],
        "gd_orientations": ["toward", "away", "perpendicular"],
        "gd_time": 40.0,
    },
}

#: ``gd_n_values`` may be empty (no GD run); the other names are read by their defaults' types.
DOMAINS: dict[str, Domain] = {"gd_n_values": Items(Integer(2, 12), minimum=0)}

DIRECTIONS = {"toward": (-1.0,), "away": (1.0,), "perpendicular": (0.0, 1.0)}


def start(n: int, M0: float, orientation: str, eps_scale: float) -> np.ndarray:
    """``mu_1 = c + eps0 u``, ``mu_i = c`` (``i >= 2``), ``c = M0 e_1``, ``eps0 = exp(-M0/eps_scale)``."""
    if orientation not in DIRECTIONS:
        raise ValueError(f"unknown orientation {orientation!r} (choose from {', '.join(DIRECTIONS)})")
    u = np.array(DIRECTIONS[orientation])
    mu = np.zeros((n, len(u)))
    mu[:, 0] = M0
    mu[0] += math.exp(-M0 / eps_scale) * u
    return mu


def hypotheses(n: int, d: int, M0: float, step: float | str, params: dict) -> list[Hypothesis]:
    """``M0 >= min_M0`` and the step rule (the start's form is the construction, not a hypothesis)."""
    relation = ">=" if M0 >= params["min_M0"] else "<"
    return [
        Hypothesis("M0_threshold", M0 >= params["min_M0"], f"M0 = {M0:g} {relation} min_M0 = {params['min_M0']:g}"),
        step_rule(step, n, d, params),
    ]


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    checks: list[Check] = []
    shown: dict[int, list[tuple[str, Curve]]] = {}
    largest = max(params["M0_values"], default=None)
    for n in params["n_values"]:
        for orientation in params["orientations"]:
            for M0 in params["M0_values"]:
                progress(f"flow, n={n}, u {orientation}, M0={M0:g}")
                check, curve = flow_check(n, orientation, M0, params)
                checks.append(check)
                if curve is not None and M0 == largest:
                    shown.setdefault(n, []).append((f"u {orientation}", curve))
    for n in params["gd_n_values"]:
        for orientation in params["gd_orientations"]:
            progress(f"GD inside the step rule, n={n}, u {orientation}")
            checks.append(gd_check(n, orientation, float(params["gd_M0"]), params))
    if "away" in params["orientations"]:
        # A counterexample proven with ball arithmetic: validated GD into a certified trapping region.
        checks += certified_away_checks(
            eps_scale=params["eps_scale"],
            converging=params["converging"],
            min_M0=params["min_M0"],
            step_constant=params["step_constant"],
            progress=progress,
        )
    figures = {
        f"thm3_4_norms_n{n}": norms_figure(
            curves,
            f"Theorem 3.4: ||mu_i(s)|| on the gradient flow, n = {n}, M0 = {largest:g} (eps0 = "
            f"exp(-M0/{params['eps_scale']:g})), by orientation of u",
        )
        for n, curves in shown.items()
    }
    if checks and figures:
        checks[-1] = with_figures(checks[-1], figures)
    return checks


def _instance(n: int, M0: float, orientation: str, mu: np.ndarray, params: dict) -> dict:
    return {
        "n": n,
        "d": mu.shape[1],
        "M0": M0,
        "eps0": math.exp(-M0 / params["eps_scale"]),
        "orientation": orientation,
        "t": 0,
        "tier": "fast",
        "mu0": mu.tolist(),
    }


def _outcome_observed(outcome: Outcome, curve: Curve) -> dict:
    final = curve.mu_end
    return {
        **outcome.observed(),
        "final_norms": curve.norms[-1].tolist(),
        "group_2_to_n_max_gap": float(np.max(np.abs(final[1:] - final[1]))) if len(final) > 1 else 0.0,
        "horizon": curve.horizon,
        "stopped": curve.stopped,
    }


def _claimed(k: int, n: int) -> str:
    return f"{k} converged, {n - k} diverging"


def flow_check(n: int, orientation: str, M0: float, params: dict) -> tuple[Check, Curve | None]:
    """The decisive check at one instance: the flow to ``flow_time``, fates by asymptotic laws."""
    k = params["converging"]
    mu = start(n, M0, orientation, params["eps_scale"])
    instance = {**_instance(n, M0, orientation, mu, params), "flow_time": params["flow_time"]}
    assumed = hypotheses(n, mu.shape[1], M0, FLOW, params)
    name = f"flow, n = {n}, u {orientation}, M0 = {M0:g}: exactly {k} converges, the others diverge"
    try:
        run_, reused = flow_run(mu, params["flow_time"])
    except numeric.FlowFailure as error:
        return failed_check(name, instance, FLOW, assumed, error), None
    curve = flow_curve(run_)
    outcome = Outcome.of(curve)
    check = dynamics_check(
        name=name,
        instance=instance,
        step=FLOW,
        hypotheses=assumed,
        method=curve.method + "; fates of numeric.parameter_fates",
        claimed=_claimed(k, n),
        observed={**_outcome_observed(outcome, curve), "reused_from_cache": bool(reused)},
        ok=outcome.matches(k),
        detail=f"{outcome.words()}. Fitted laws: {outcome.law_words()}. Parameters 2..{n} start equal and are "
        f"integrated as one group (exactly equal throughout); stopped: {curve.reason}." + reuse_words(int(reused)),
    )
    return check, curve


def gd_check(n: int, orientation: str, M0: float, params: dict) -> Check:
    """GD inside the step rule at one instance, read like the flow and compared with it (corroborating)."""
    k = params["converging"]
    mu = start(n, M0, orientation, params["eps_scale"])
    eta = rule_step(n, mu.shape[1], params)
    return gd_outcome_check(
        name=f"GD at eta = {eta:.4g}, n = {n}, u {orientation}, M0 = {M0:g}: exactly {k} converges",
        mu0=mu,
        eta=eta,
        time=params["gd_time"],
        converging=k,
        hypotheses=hypotheses(n, mu.shape[1], M0, eta, params),
        instance={**_instance(n, M0, orientation, mu, params), "gd_time": params["gd_time"]},
    )


def summary(checks: list[Check]) -> list[str]:
    """The reading each orientation supports, from the checks inside every hypothesis (for the claim's notes)."""
    by: dict[str, set[str]] = {}
    for check in checks:
        orientation = check.instance.get("orientation")
        if orientation and check.instance.get("step") == FLOW:
            by.setdefault(orientation, set()).add(check.verdict.value)
    place = {"toward": "u toward the truth", "away": "u away from the truth", "perpendicular": "u perpendicular"}
    parts = [f"{' / '.join(sorted(v))} for {place[o]}" for o, v in by.items()]
    return ([f"Reading (flow limit): {'; '.join(parts)}."] if parts else []) + reach_notes(checks)


CLAIM = Claim(
    id="thm3.4",
    label="Theorem 3.4",
    statement="At t = 0, mu_1(0) = c + exp(-M0/{eps_scale}) u, mu_i(0) = c (i >= 2), |c| = M0 >= {min_M0}, GD with "
    "eta <= {step_constant}/(n^{step_n_power} d^{step_d_power}): exactly {converging} "
    "{converging:parameter converges|parameters converge} to 0 and the others diverge (u: {orientations})",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    run=run,
    summarize=summary,
    domains=DOMAINS,
    provenance=Provenance(
        reading="the orientation of u is not known: u toward the truth, away from it and perpendicular are each "
        "checked, and one orientation that contradicts the statement refutes it (any unit u); the gradient flow is "
        "the small-step limit of GD",
        constants={
            "eps_scale": "as reported",
            "converging": "as reported",
            "min_M0": "our reading",
            "step_constant": "our reading",
            "step_n_power": "as reported",
            "step_d_power": "as reported",
        },
    ),
    notes=(
        "The orientation of u is not known: each orientation is reported separately, and the registered statement "
        "(any unit u) is refuted by a single orientation that contradicts it; the reading each orientation supports "
        "is the note below.",
        "Decisive runs: the gradient flow (the limit eta -> 0, inside every step rule) to flow time 1e6; "
        "'diverging' and 'converged' are fitted asymptotic laws of ||mu_i(s)|| over the last two decades.",
        "GD runs at the paper's eta = 0.01 where it meets the step rule (n = 3, d = 1), else at 1/(n^4 d^2), over a "
        "shorter horizon, and corroborates the flow.",
    ),
)
