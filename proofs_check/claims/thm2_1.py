"""Theorem 2.1 (paper, Sec. 2): at enough noise, gradient descent converges globally.

Claim (reconstructed, docs/claims.md §3): if ``t > log n + log M + 2`` (``M = max_i ||m_i(0) - m*||``) then every
``||mu_i(0)|| <= 1/(3n)``, and GD with a small step ``eta <= O(1/(n^4 d^2))`` drives every ``mu_i`` to 0 with
``L(tau) <= C n^3 d^2 / sqrt(eta tau)``.  The margin 2, the ball ``1/(3n)``, the step rule and the rate
(constant ``C``, powers of ``n`` and ``d``, exponent 1/2) are the editable constants in ``STATEMENT``;
``C`` hides in an ``O()`` in the paper, so its default 1 is our reading, not the paper's.

Hypotheses: ``n >= 2``, any ``d``, a start in the ball; the step rule's constant is unknown.

What is checked, and how strongly:

1. *proved* (exact rational arithmetic): the noise condition implies the ball.  ``||mu_i(0)|| =
   e^{-t} ||m_i(0) - m*|| <= e^{-t} M < e^{-margin} / n``, so the ball ``1/(k n)`` follows iff
   ``e^{margin} >= k``; Taylor partial sums give rational bounds ``lo <= e^{margin} <= hi``, and
   ``lo >= k`` proves it (for the reported ``e^2 > 3``: ``e^2 >= 7.38...``).  If ``hi < k`` the check
   is refuted: every ``t`` between ``log n + log M + margin`` and ``log n + log M + log k`` violates the ball.
2. *supported* at most (fast tier, double precision): for each ``(n, d)``, GD from ``starts`` random starts,
   each ``mu_i(0)`` uniform in the ball.  Per run we report the implied constant
   ``max_tau L(tau) (eta tau)^(1/2) / (n^3 d^2)`` over the run, the loss's tail slope and every parameter's
   trend.  A finite run cannot show a limit; the check passes when the implied constant is at most ``C``
   and every ``||mu_i||`` and the loss shrink over the last half of every run; it fails when the implied
   constant exceeds ``C``, a parameter diverges or the loss grows.  Runs where ``L tau^(1/2)`` still rises
   at the end (starts with nearly equal parameters, whose differences contract slowly) are counted: there
   the implied constant is a lower bound for the run's supremum.

The step.  GD needs about ``n^2 / (eta |mu|^2)`` steps to show the slow (cubic-order) contraction of the
parameters' differences; with ``eta = c/(n^4 d^2)`` at a modest ``c`` that is 10^5 - 10^7 steps, beyond the
budget.  We use ``eta = min(eta_cap, step_constant / (n^4 d^2))``; the defaults give ``eta = 1`` on the
whole grid (``1 <= n/2``: the mean's contraction factor ``1 - 2 eta/n`` stays in ``[0, 1)``), which meets
the step rule only if its unknown constant is at least ``eta n^4 d^2`` (reported per instance).  The
claimed bound is written in the flow time ``eta tau``, which is what the budget fixes (``flow_per_n2 n^2``).
Lower ``step_constant`` to run at smaller steps (the step count grows as ``1/eta``).  At ``n = 2`` the
default step annihilates the mean in one step (``1 - 2 eta/n = 0``); the slow part, the differences, is
unaffected by that.

Finding (standard profile, 27 runs): the implied constant is 1e-7 to 1e-5 (against ``C = 1``), and the
loss falls much faster than the bound: tail slopes -0.6 to -1.45 and steepening (-1.9 at n = 2, d = 1 over
3000 steps), towards the ``tau^-2`` expected once the mean has contracted (the differences then decay like
``tau^(-1/2)`` under a cubic gradient and ``L`` is quartic in them).  The exponent 1/2 is far from tight.
In 2 of 27 runs (n = 2, nearly equal starting parameters) ``L tau^(1/2)`` still rises at the end.

Edit ``rate_constant`` below the implied constant, or ``noise_margin`` to 1 (``e < 3``), and it is refuted.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import numeric
from proofs_check.core.claim import Check, Claim, Provenance, Verdict
from proofs_check.evidence.dynamics import (
    Outcome,
    gd_runs,
    loss_figure,
    norms_figure,
    rate_test,
    reuse_words,
    slope_words,
    with_figures,
)

STATEMENT = {
    "noise_margin": Fraction(2),  # t > log n + log M + noise_margin
    "ball_denominator": Fraction(3),  # ||mu_i(0)|| <= 1 / (ball_denominator n)
    "step_n_power": 4,
    "step_d_power": 2,  # eta <= O(1 / (n^4 d^2))
    "rate_constant": 1.0,
    "rate_exponent": 0.5,  # L <= C n^3 d^2 / (eta tau)^(1/2)
    "rate_n_power": 3,
    "rate_d_power": 2,
}
PARAMETERS = {
    "n_values": [2, 3, 5],
    "d_values": [1, 2, 3],
    "starts": 3,
    "step_constant": 5625.0,
    "eta_cap": 1.0,
    "flow_per_n2": 40.0,
}
PROFILES = {
    "quick": {"n_values": [2, 3], "d_values": [1, 2], "starts": 1},
    "deep": {"starts": 20, "flow_per_n2": 160.0},
}

MAX_TAYLOR_TERMS = 400


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    checks = [_ball_check(params["noise_margin"], params["ball_denominator"])]
    shown = []
    for n in params["n_values"]:
        for d in params["d_values"]:
            check, results = _convergence_check(n, d, params, seed, progress)
            checks.append(check)
            shown.append((n, d, results[0]))
    return checks[:-1] + [with_figures(checks[-1], _figures(shown, params))]


# --------------------------------------------------------------------------- the ball, exactly


def exp_bounds(x: Fraction, terms: int) -> tuple[Fraction, Fraction]:
    """Rational ``lo <= e^x <= hi`` from ``terms`` Taylor terms (geometric tail bound; ``terms > |x|``)."""
    a = abs(x)
    partial, term = Fraction(0), Fraction(1)
    for j in range(terms):
        partial += term
        term *= a / (j + 1)
    upper = partial + term * (terms + 1) / (terms + 1 - a)  # sum_{j >= terms} a^j/j! <= term / (1 - a/(terms+1))
    return (partial, upper) if x >= 0 else (1 / upper, 1 / partial)


def _ball_check(margin: Fraction, denominator: Fraction) -> Check:
    margin, denominator = Fraction(margin), Fraction(denominator)
    instance = {"noise_margin": margin, "ball_denominator": denominator}
    claimed = (
        f"t > log n + log M + {margin} implies ||mu_i(0)|| <= 1/({denominator} n), i.e. e^{margin} >= {denominator}"
    )
    terms = int(abs(margin)) + 2
    while terms <= MAX_TAYLOR_TERMS:
        lo, hi = exp_bounds(margin, terms)
        if lo >= denominator or hi < denominator:
            break
        terms *= 2
    holds = True if lo >= denominator else False if hi < denominator else None
    observed = {"exp_margin_lower": lo, "exp_margin_upper": hi, "taylor_terms": terms, "implication_holds": holds}
    if holds:
        detail = (
            f"||mu_i(0)|| = e^-t ||m_i(0) - m*|| <= e^-t M < e^-{margin}/n <= 1/({denominator} n) because "
            f"e^{margin} >= {float(lo):.6g} >= {denominator} (Taylor partial sum, exact rationals). "
            "The reported chain goes through 1/(n e^2) < 1/(3n): it needs e^2 > 3, which holds with room."
        )
    elif holds is False:
        detail = (
            f"e^{margin} <= {float(hi):.6g} < {denominator} (exact rational upper bound): every t in "
            f"(log n + log M + {margin}, log n + log M + log {denominator}) meets the noise condition, yet a "
            f"parameter at distance M has ||mu(0)|| = e^-t M > 1/({denominator} n). Counterexample: n = 2, "
            f"M = 1, t = log 2 + ({margin} + log {denominator})/2."
        )
    else:
        detail = f"e^{margin} vs {denominator} not separated with {MAX_TAYLOR_TERMS} Taylor terms"
    return Check(
        name=f"noise condition t > log n + log M + {margin} implies the 1/({denominator} n) ball",
        instance=instance,
        method="exact rational bounds on e^margin from Taylor partial sums",
        dps=None,
        claimed=claimed,
        observed=observed,
        ok=holds,
        verdict=Verdict.from_outcome(holds, Verdict.PROVED),
        detail=detail,
    )


# --------------------------------------------------------------------------- GD from the ball


def step_size(n: int, d: int, params: dict) -> float:
    """``eta = min(eta_cap, step_constant / (n^a d^b))`` with the statement's step powers ``a, b``."""
    rule = params["step_constant"] / (n ** params["step_n_power"] * d ** params["step_d_power"])
    return min(params["eta_cap"], rule)


def ball_starts(n: int, d: int, radius: float, count: int, seed: int) -> list[np.ndarray]:
    """``count`` starts with every ``mu_i`` uniform in the ball of ``radius`` (seeded by ``seed, n, d``)."""
    rng = np.random.default_rng([seed, n, d])
    starts = []
    for _ in range(count):
        direction = rng.standard_normal((n, d))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        starts.append(direction * radius * rng.random((n, 1)) ** (1.0 / d))
    return starts


def implied_constant(result: numeric.GDResult, eta: float, scale: float, exponent: float) -> tuple[float, int]:
    """``max_{tau >= 1} L(tau) (eta tau)^p / scale`` over the recorded iterations, and where it is attained."""
    values = [
        (float(r.loss) * (eta * r.iteration) ** exponent / scale, r.iteration)
        for r in result.records
        if r.iteration >= 1
    ]
    return max(values)


def _convergence_check(n: int, d: int, params: dict, seed: int, progress) -> tuple[Check, list[numeric.GDResult]]:
    radius = 1.0 / float(params["ball_denominator"] * n)
    eta = step_size(n, d, params)
    steps = math.ceil(params["flow_per_n2"] * n * n / eta)
    starts = ball_starts(n, d, radius, params["starts"], seed)
    results, reused = gd_runs(starts, eta, steps, progress=progress, label=f"n={n}, d={d}:")
    scale = n ** params["rate_n_power"] * d ** params["rate_d_power"]
    p, bound = params["rate_exponent"], params["rate_constant"]
    constants = [implied_constant(r, eta, scale, p) for r in results]
    still_rising = sum(rate_test(r.slope, p, "upper").ok is not True for r in results)
    shrinking = all(s.trend in ("shrinking", "flat") for r in results for s in r.statuses)
    change = [_last_half_change(r) for r in results]
    diverging = any(Outcome.of(r).diverging for r in results)
    worst = max(c for c, _ in constants)
    if worst > bound or diverging or max(change) > 0:
        ok = False
    elif shrinking and max(change) < 0:
        ok = True
    else:
        ok = None
    observed = {
        "implied_constant": worst,
        "implied_constant_per_run": [c for c, _ in constants],
        "attained_at_tau": [k for _, k in constants],
        "tail_slopes": [r.slope.slope if r.slope else None for r in results],
        "tail_slope_spreads": [r.slope.spread if r.slope else None for r in results],
        "runs_with_L_tau_p_still_rising": still_rising,
        "loss_log_change_last_half": change,
        "final_max_norm_over_radius": [max(float(x) for x in r.records[-1].norms) / radius for r in results],
        "parameter_trends": [[s.trend for s in r.statuses] for r in results],
        "stopped": [r.stopped for r in results],
        "runs_reused_from_cache": reused,
    }
    instance = {
        "n": n,
        "d": d,
        "eta": eta,
        "eta_times_n4d2": eta * n**4 * d**2,
        "steps": steps,
        "ball_radius": radius,
        "starts": len(starts),
        "seed": seed,
        "tier": "fast",
    }
    detail = (
        f"{len(results)} runs, eta = {eta:g} (= {eta * n**4 * d**2:g} / (n^4 d^2): inside the step rule "
        f"only if its unknown constant is at least that), {steps} steps (flow time {eta * steps:g}). Implied "
        f"constant max L (eta tau)^{p:g} / (n^{params['rate_n_power']} d^{params['rate_d_power']}) = {worst:.3g} "
        f"vs claimed {bound:g}; L (eta tau)^{p:g} still rising at the end of {still_rising} of {len(results)} "
        "runs (there the implied constant is a lower bound for the run's supremum). Loss tails: "
        + "; ".join(slope_words(r.slope) for r in results)
        + f". Every ||mu_i|| shrinking over the last half of every run: {shrinking}; loss falling over it: "
        f"{max(change) < 0}." + reuse_words(reused, len(results))
    )
    check = Check(
        name=f"GD from the ball converges with L <= {bound:g} n^{params['rate_n_power']} d^{params['rate_d_power']} "
        f"/ (eta tau)^{p:g} (n={n}, d={d})",
        instance=instance,
        method="fast-tier population GD (double precision, span-reduced quadrature); "
        "classification of numeric.dynamics.gd; tail slopes of numeric.dynamics.rates",
        dps=None,
        claimed=f"all mu_i -> 0 and L(tau) <= {bound:g} n^{params['rate_n_power']} d^{params['rate_d_power']} "
        f"/ (eta tau)^{p:g}",
        observed=observed,
        ok=ok,
        verdict=Verdict.from_outcome(ok, Verdict.SUPPORTED),
        detail=detail,
    )
    return check, results


def _last_half_change(result: numeric.GDResult) -> float:
    """``log(L(T) / L(T/2))`` on the recorded iterations (negative: the loss fell over the last half)."""
    last = result.records[-1]
    half = next(r for r in result.records if r.iteration >= last.iteration // 2)
    if float(last.loss) == 0.0:
        return -math.inf  # fell below the double range
    return math.log(float(last.loss) / float(half.loss))


def _figures(shown: list[tuple[int, int, numeric.GDResult]], params: dict) -> dict:
    widest = max(d for _, d, _ in shown)
    norms = norms_figure(
        [(f"n={n}, d={d}", r) for n, d, r in shown if d == widest],
        f"Theorem 2.1: ||mu_i|| from a random start in the ball (first start, d = {widest})",
    )
    curves = []
    for n, d, result in shown:
        eta = float(result.config.eta)
        scale = n ** params["rate_n_power"] * d ** params["rate_d_power"]
        curves.append(
            (f"n={n}, d={d}", [eta * k for k in result.iterations], [float(x) / scale for x in result.losses])
        )
    loss = loss_figure(
        curves,
        params["rate_exponent"],
        "Theorem 2.1: L / (n^3 d^2) against the flow time eta tau, with the claimed bound",
        constant=params["rate_constant"],
        xlabel="eta tau",
    )
    return {"thm2_1_norms": norms, "thm2_1_loss": loss}


CLAIM = Claim(
    id="thm2.1",
    label="Theorem 2.1",
    statement="If t > log n + log M + {noise_margin} then every ||mu_i(0)|| <= 1/({ball_denominator} n), and GD with "
    "eta <= O(1/(n^{step_n_power} d^{step_d_power})) drives every mu_i to 0 with "
    "L(tau) <= {rate_constant} n^{rate_n_power} d^{rate_d_power} / (eta tau)^{rate_exponent}",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    run=run,
    provenance=Provenance(
        reading="GD on mu at one fixed noise time t (the step on mu, not on m), started in the 1/(3n) ball; the O() "
        "of the rate read as rate_constant, the bound written in flow time eta tau",
        constants={
            "noise_margin": "as reported",
            "ball_denominator": "as reported",
            "step_n_power": "as reported",
            "step_d_power": "as reported",
            "rate_constant": "our reading",
            "rate_exponent": "as reported",
            "rate_n_power": "as reported",
            "rate_d_power": "as reported",
        },
    ),
    notes=(
        "The step rule's constant is unknown: the GD runs use eta = min(eta_cap, step_constant / (n^4 d^2)), "
        "eta = 1 by default, which is inside the rule only if its constant is at least eta n^4 d^2 (per check).",
        "The rate constant C = rate_constant stands for the paper's O(); the default 1 is our reading.",
        "A finite run cannot prove mu_i -> 0: the GD checks report shrinking norms and a falling loss.",
    ),
)
