"""Theorem 3.4 (paper, Sec. 3): without an exponentially small start, convergence can fail.

Claim (reconstructed, docs/claims.md §3): at ``t = 0``, start ``mu_1(0) = c + eps0 u`` and ``mu_i(0) = c`` for
``i >= 2``, with ``|c| = M0``, ``eps0 = exp(-M0/100)`` and ``u`` a unit vector.  Then exactly one parameter
converges to 0 and the others diverge (``||mu_i|| -> infinity``).  The scale 100 and the number of
converging parameters are the editable constants in ``STATEMENT``; ``min_M0`` is a hypothesis threshold
on ``M0`` (none in the registered statement: 0).

The orientation of ``u`` is not known to us.  ``orientations`` chooses among ``toward`` (``u = -c/|c|``,
the truth side), ``away`` (``u = c/|c|``) and ``perpendicular``; each ``(orientation, M0)`` is a check.

Reductions (exact): parameters 2..n start equal and stay equal under GD, so there are two groups; the
toward/away starts are collinear (``d = 1``) and the perpendicular start spans one difference direction
(``d = 2``, one reduced dimension): every gradient is a one-dimensional integral (fast tier).

What is checked, and how strongly: *supported* at most (double-precision GD over a finite horizon).  The
parameters are classified by :func:`numeric.dynamics.gd.classify` (converged: ``||mu_i|| <= 1e-2`` and not rising
over the last half of the run; diverging: ``||mu_i|| >= 1`` and rising at every recorded point of the last
half).  A check passes when exactly ``converging`` parameters converge and all others diverge, fails
when more converge or more diverge than that (``refuted`` when ``M0 >= min_M0``), and is inconclusive
when undecided parameters leave both possible.  Each check reports the divergers' growth
``log(||mu(T)|| / ||mu(T/2)||)`` as evidence that divergence goes on; ``steps`` sets the horizon.

The step ``eta = 0.5`` (the paper's experiment used 0.01) keeps the budget: the outcome is decided within
tens of steps; spot checks at ``eta = 0.05`` (M0 = 6, toward and away) and ``eta = 0.2`` (M0 = 10, all three
orientations) give the same outcomes, and at M0 = 6 the loss at equal flow time ``eta tau`` agrees to ~10%.

Finding (standard profile, M0 = 4..10, n = 5): ``toward``: mu_1 converges, the other four diverge, as
claimed.  ``away`` and ``perpendicular``: mu_1 diverges and the group of four converges together, so the
registered statement (any unit ``u``) is refuted; with ``orientations=["toward"]`` it is supported.
"""

from __future__ import annotations

import math

import numpy as np

import numeric
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.evidence.dynamics import (
    Outcome,
    gd_runs,
    hypothesis_verdict,
    norms_figure,
    reuse_words,
    slope_words,
    with_figures,
)

STATEMENT = {"eps_scale": 100.0, "converging": 1, "min_M0": 0.0}
PARAMETERS = {
    "orientations": ["toward", "away", "perpendicular"],
    "M0_values": [4.0, 6.0, 8.0, 10.0],
    "n": 5,
    "eta": 0.5,
    "steps": 400,
}
PROFILES = {
    "quick": {"M0_values": [10.0], "steps": 100},
    "deep": {"M0_values": [2.0, 4.0, 6.0, 8.0, 10.0, 12.0], "steps": 4000},
}

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


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    checks, shown = [], []
    for orientation in params["orientations"]:
        for M0 in params["M0_values"]:
            mu = start(params["n"], M0, orientation, params["eps_scale"])
            (result,), reused = gd_runs(
                [mu], params["eta"], params["steps"], progress=progress, label=f"{orientation}, M0={M0:g}:"
            )
            checks.append(_outcome_check(orientation, M0, mu, result, reused, params))
        shown.append((f"{orientation}, M0={M0:g}", result))
    if not checks:
        return checks
    figure = norms_figure(shown, f"Theorem 3.4: ||mu_i|| by orientation of u (n = {params['n']}, largest M0)")
    return checks[:-1] + [with_figures(checks[-1], {"thm3_4_norms": figure})]


def _outcome_check(
    orientation: str, M0: float, mu: np.ndarray, result: numeric.GDResult, reused: int, params: dict
) -> Check:
    k, n = params["converging"], params["n"]
    outcome = Outcome.of(result)
    ok = outcome.matches(k)
    within = M0 >= params["min_M0"]
    final = np.asarray(result.mu, dtype=float)
    statuses = result.statuses
    growth = {f"mu_{i + 1}": statuses[i].growth for i in outcome.diverging}
    observed = {
        "converged": [i + 1 for i in outcome.converged],
        "diverging": [i + 1 for i in outcome.diverging],
        "undecided": [i + 1 for i in outcome.undecided],
        "final_norms": [s.distance for s in statuses],
        "diverger_growth_last_half": growth,
        "last_half": list(statuses[0].window),
        "group_2_to_n_max_gap": float(np.max(np.abs(final[1:] - final[1]))),
        "loss_final": result.loss,
        "loss_tail_slope": result.slope.slope if result.slope else None,
        "stopped": result.stopped,
        "reused_from_cache": bool(reused),
    }
    hypothesis = "" if within else f" M0 = {M0:g} < min_M0 = {params['min_M0']:g}: outside the hypothesis."
    first, last = statuses[0].window
    divergers = "; ".join(
        f"{', '.join(names)}: log(||mu(T)|| / ||mu(T/2)||) = {g:.3g}" for g, names in _grouped(growth).items()
    )
    gap = observed["group_2_to_n_max_gap"]
    detail = (
        f"{outcome.words()}. Growth over iterations {first}..{last}, rising at every recorded point: "
        f"{divergers or 'no diverging parameter'}. Parameters 2..{n} stay equal (exactly, under exact GD; "
        f"computed max gap {gap:.1e}: quadrature and rounding). "
        f"Loss {slope_words(result.slope)}; stopped: {result.reason}.{hypothesis}" + reuse_words(reused, 1)
    )
    return Check(
        name=f"u {orientation}, M0 = {M0:g}: exactly {k} converges, the others diverge",
        instance={
            "n": n,
            "d": mu.shape[1],
            "M0": M0,
            "eps0": math.exp(-M0 / params["eps_scale"]),
            "orientation": orientation,
            "eta": params["eta"],
            "steps": params["steps"],
            "t": 0,
            "tier": "fast",
            "mu0": mu.tolist(),
        },
        method="fast-tier population GD (double precision, one reduced dimension); "
        "classification of numeric.dynamics.gd",
        dps=None,
        claimed=f"{k} converged, {n - k} diverging",
        observed=observed,
        ok=ok,
        verdict=hypothesis_verdict(ok, within),
        detail=detail,
    )


def _grouped(growth: dict[str, float]) -> dict[float, list[str]]:
    """Parameter names by equal growth (the group 2..n moves as one)."""
    groups: dict[float, list[str]] = {}
    for name, value in growth.items():
        groups.setdefault(value, []).append(name)
    return groups


CLAIM = Claim(
    id="thm3.4",
    label="Theorem 3.4",
    statement="At t = 0, mu_1(0) = c + exp(-M0/{eps_scale}) u, mu_i(0) = c (i >= 2), |c| = M0 >= {min_M0}: exactly "
    "{converging} {converging:parameter converges|parameters converge} to 0 and the others diverge (u: {orientations})",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    run=run,
    provenance=Provenance(
        reading="the orientation of u is not known: u toward the truth, away from it and perpendicular are each "
        "checked, and one orientation that contradicts the statement refutes it (any unit u)",
        constants={"eps_scale": "as reported", "converging": "as reported", "min_M0": "our reading"},
    ),
    notes=(
        "The orientation of u is not known: each orientation is reported separately, and the registered statement "
        "(any unit u) is refuted by a single orientation that contradicts it.",
        "GD runs a finite horizon: 'diverging' means ||mu_i|| >= 1 and rising throughout the last half of the run.",
        "eta = 0.5 instead of the paper's 0.01 (budget); spot checks at eta = 0.05 and 0.2 give the same outcomes.",
    ),
)
