"""Certified dynamics evidence for Theorem 3.4: a computer-assisted refutation with ball arithmetic.

:func:`certified_away_checks` builds the check of Theorem 3.4's away orientation at one instance (default
``n = 3, d = 1, M0 = 4, eta = 0.01``) from :func:`numeric.trapped_run`:

1. a set ``R = {mu_1 >= A, -L <= mu_2 = ... = mu_n <= U}`` is proven invariant under exact GD, ``F(R) <= R``
   (branch and bound with interval Riemann sums, Lemma R, and Lemma T for large ``mu_1``:
   :mod:`numeric.dynamics.trapping`);
2. the validated trajectory from ``mu_1 = M0 + exp(-M0 / eps_scale)``, ``mu_2 = ... = mu_n = M0`` is enclosed
   step by step in python-flint balls (:mod:`numeric.dynamics.validated`) until its enclosure lies in ``R``.

Then ``mu_1(tau) >= A > 0`` for every later ``tau`` and ``mu_2 = ... = mu_n`` forever, so the number of
parameters converging to 0 is ``0`` or ``n - 1``: a statement claiming any other number is refuted
(``certified``: a proof, not a run), provided the instance meets the theorem's hypotheses (step rule
``eta <= step_constant / (n^4 d^2)``, ``M0 >= min_M0``).  Otherwise the check is ``inconclusive`` and reports
the certified enclosure at the horizon (or says which hypothesis fails).  The computation (about 10 s:
2-3 s for the region, the rest for some 140 enclosed steps) is cached (:mod:`proofs_check.core.cache`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numeric
from proofs_check.core.cache import cached, dataclass_codec, register
from proofs_check.core.claim import Check, Verdict

__all__ = ["DEFAULT_REGION", "certified_away_checks"]

#: ``(A, L, U)`` of the default trapping region ``{mu_1 >= A, -L <= mu_2 = ... = mu_n <= U}``.
DEFAULT_REGION = ("4", "0.25", "1")
#: Bits of the start's balls (``exp(-M0 / eps_scale)`` is irrational).
START_BITS = 128

register(dataclass_codec("certified-away"))


def certified_away_checks(
    *,
    n: int = 3,
    M0: float = 4.0,
    eta: str = "0.01",
    steps: int = 2000,
    region: Sequence[str] = DEFAULT_REGION,
    eps_scale: float = 100.0,
    converging: int = 1,
    min_M0: float = 0.0,
    step_constant: float = 1.0,
    dps: int = 10,
    progress: Callable[[str], None] = lambda note: None,
) -> list[Check]:
    """The certified check of Theorem 3.4's away orientation at ``(n, M0, eta)``: ``refuted`` when proven.

    ``steps`` is the horizon of the validated trajectory (it stops as soon as its enclosure lies in the region);
    ``converging``, ``eps_scale``, ``min_M0`` and ``step_constant`` are the statement's constants.
    """
    key = {
        "n": n,
        "M0": repr(float(M0)),
        "eps_scale": repr(float(eps_scale)),
        "eta": str(eta),
        "steps": steps,
        "region": list(region),
        "dps": dps,
    }
    progress(f"certified: trapping region and validated GD (n={n}, M0={M0:g}, eta={eta})")
    summary, reused = cached("certified-away", key, lambda: _compute(key), __file__)
    return [_check(summary, reused, n, M0, eta, converging, min_M0, step_constant, eps_scale, dps)]


def _compute(key: dict) -> dict[str, Any]:
    """Run :func:`numeric.trapped_run` and keep what the check reports, as JSON data (decimal strings)."""
    n, dps = key["n"], key["dps"]
    start = numeric.away_start(n, key["M0"], key["eps_scale"], START_BITS)
    region = numeric.Region(n, *key["region"])
    run = numeric.trapped_run(start, region, key["eta"], key["steps"], dps=dps)
    final = run.trajectory.to_json()
    proof, trajectory = run.proof, run.trajectory
    tail = proof.tail
    return {
        "refutes": run.refutes,
        "entry": run.entry,
        "steps_run": trajectory.steps,
        "stopped": trajectory.reason,
        "region": region.words(),
        "group": region.group,
        "A": region.A,
        "enclosure": {"mu_1": final["mu"][0][0], region.group: final["mu"][1][0]},
        "start": [row[0] for row in final["mu0"]],
        "radius": final["radius"],
        "max_growth": final["max_growth"],
        "trajectory_method": trajectory.method,
        "trajectory_seconds": repr(trajectory.seconds),
        "invariance": {
            "proven": proof.proven,
            "boxes": proof.boxes,
            "a_max": proof.a_max,
            "failure": proof.failure,
            "witness": proof.witness,
            "lemma_T": None if tail is None else {"gradient_bound": tail.gradient, "remainder_bound": tail.remainder},
            "method": proof.method,
            "seconds": repr(proof.seconds),
        },
    }


def _check(
    summary: dict,
    reused: bool,
    n: int,
    M0: float,
    eta: str,
    converging: int,
    min_M0: float,
    step_constant: float,
    eps_scale: float,
    dps: int,
) -> Check:
    bound = step_constant / n**4
    hypotheses = {"step_rule": float(eta) <= bound, "min_M0": M0 >= min_M0, "eps0": True}
    possible = [0, n - 1]
    contradicts = summary["refutes"] and converging not in possible
    inside = all(hypotheses.values())
    verdict = Verdict.REFUTED if contradicts and inside else Verdict.INCONCLUSIVE
    invariance = summary["invariance"]
    where = (
        f"n = {n}, d = 1, M0 = {M0:g}, eps0 = exp(-M0/{eps_scale:g}) = {math.exp(-M0 / eps_scale):.6g}, u away, "
        f"exact GD with eta = {eta} (step rule: eta <= {step_constant:g}/(n^4 d^2) = {bound:.4g}: "
        f"{'inside' if hypotheses['step_rule'] else 'outside'})"
    )
    group, low = summary["group"], summary["A"]
    where_now = (
        f"mu_1 in [{summary['enclosure']['mu_1'][0]}, {summary['enclosure']['mu_1'][1]}], {group} in "
        f"[{summary['enclosure'][group][0]}, {summary['enclosure'][group][1]}]"
    )
    if summary["refutes"]:
        tail = invariance["lemma_T"]
        proven = (
            f"Proven with python-flint ball arithmetic at {where}: (1) {summary['region']} is invariant, F(R) <= R "
            f"(branch and bound over {invariance['boxes']} boxes of mu_1 in [{low}, {invariance['a_max']}]; "
            f"Lemma T for mu_1 >= {invariance['a_max']}: |g_1| <= {tail['gradient_bound']}, "
            f"|r| <= {tail['remainder_bound']}); (2) after {summary['entry']} exact GD steps the trajectory lies in "
            f"R: {where_now}. Hence mu_1 >= {low} at every later step (mu_1 does not converge to 0) and {group} "
            f"at every step (exact symmetry), so the number of parameters converging to 0 is {possible[0]} or "
            f"{possible[1]}."
        )
        if contradicts and inside:
            detail = f"{proven} The claimed 'exactly {converging} converges, the others diverge' is refuted."
        elif contradicts:
            detail = f"{proven} This contradicts the claim beyond its hypotheses: the instance is outside them."
        else:
            detail = f"{proven} That does not contradict 'exactly {converging} converge(s)'."
    else:
        why = invariance["failure"] if not invariance["proven"] else "the enclosure did not enter R within the horizon"
        witness = f" {invariance['witness']}." if invariance["witness"] else ""
        detail = (
            f"No certified verdict at {where}: {why}.{witness} Certified enclosure after {summary['steps_run']} exact "
            f"GD steps: {where_now} (radius {float(summary['radius']):.2g})."
        )
    if reused:
        detail += " Reused from the on-disk cache (same parameters and numeric code)."
    return Check(
        name=f"u away, M0 = {M0:g}, n = {n}, eta = {eta}: certified (ball arithmetic) trapping of mu_1",
        instance={
            "n": n,
            "d": 1,
            "M0": M0,
            "eps0": math.exp(-M0 / eps_scale),
            "orientation": "away",
            "eta": eta,
            "step": float(eta),  # the numeric step, as every dynamics check records it ("eta" keeps the exact text)
            "steps": summary["steps_run"],
            "t": 0,
            "tier": "certified",
            "mu0": summary["start"],
            "region": summary["region"],
            "hypotheses": hypotheses,
        },
        method="ball arithmetic (python-flint arb): trapping region by branch and bound with interval Riemann sums "
        "and Lemma T; trajectory by validated GD (Lohner QR mean-value steps, proven Gauss-Legendre quadrature)",
        dps=dps,
        claimed=f"exactly {converging} converge(s) to 0, the other {n - converging} diverge",
        observed={
            "mu_1_bounded_below_forever": summary["refutes"],
            "converging_counts_possible": possible if summary["refutes"] else None,
            "entry_step": summary["entry"],
            "enclosure": summary["enclosure"],
            "radius": summary["radius"],
            "invariance": invariance,
            "trajectory_method": summary["trajectory_method"],
            "reused_from_cache": reused,
        },
        ok=False if verdict is Verdict.REFUTED else None,
        verdict=verdict,
        detail=detail,
    )
