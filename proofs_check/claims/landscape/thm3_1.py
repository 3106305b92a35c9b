"""Theorem 3.1 (paper, Sec. 3): a stationary point with positive loss at low noise.

Claim (reconstructed, docs/claims.md §3): at ``t = 0`` and for ``n >= 3``, the configuration
``mu_1 = s e_1, mu_2 = -s e_1, mu_i = 0 (i >= 3)`` is a stationary point of ``L`` with ``L > 0`` for some
``s* > 0``: gradient descent can stall away from the truth.

Hypotheses: ``n >= 3`` (``n_values``), any ``d`` (the family lies on one line; ``d = 2`` is used for the
symmetry proof and the Hessian, which then sees perpendicular directions too).

What is checked, and how strongly:

1. *proved* (symbolic route): reflection symmetries make every gradient component but one an
   expectation of an odd function, so stationarity is the scalar equation ``g(s) = 0``.
2. *certified* (numeric route, python-flint balls): an interval-Newton step on an interval ``S`` of
   width ``2e-(dps-8)`` around the polished root maps ``S`` into itself, so ``S`` holds exactly one root
   ``s*``, enclosed by the Newton image; ``g`` also changes sign across ``S``; and the loss enclosure
   over the Newton image lies above (or below) ``loss_threshold`` as the statement says.
3. Reported, not judged: what the Hessian makes of the point (minimum, maximum or saddle), *proven*
   for every certified ``s*`` (inertia of both Hessian blocks enclosed over the Newton image,
   :func:`numeric.landscape.symmetric_scan.classify_region`), and, up to ``hessian_up_to_n``, the eigenvalues from
   central differences of the precise gradient as an independent estimate.

Edit ``loss_sign`` to ``negative`` (or raise ``loss_threshold``) and the certified check refutes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np

import numeric
import symbolic
from proofs_check.core.claim import Check, Claim, Provenance, Verdict
from proofs_check.core.params import Choice, Integer, Items, Real

if TYPE_CHECKING:  # annotations only: `list` must not import them
    import flint

__all__ = ["STATEMENT", "PARAMETERS", "PROFILES", "run", "CLAIM"]

STATEMENT = {"loss_sign": "positive", "loss_threshold": 0.0}
PARAMETERS = {"n_values": [3, 4, 5, 6, 7, 8], "dps": 40, "hessian_dps": 30, "hessian_up_to_n": 5}
PROFILES = {
    "quick": {"n_values": [3, 4], "dps": 30, "hessian_up_to_n": 3},
    "deep": {"n_values": [3, 4, 5, 6, 7, 8, 9, 10], "dps": 60, "hessian_up_to_n": 8},
}
DOMAINS = {
    "loss_sign": Choice(("positive", "negative")),
    "loss_threshold": Real(),
    "n_values": Items(Integer(3, 12), maximum=10),
    "dps": Integer(20, 500),
    "hessian_dps": Integer(20, 500),
    "hessian_up_to_n": Integer(0, 12),
}


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    checks, curves = [], {}
    for n in params["n_values"]:
        progress(f"n = {n}: symmetry proof")
        checks.append(_symmetry_check(n))
        progress(f"n = {n}: certifying s*")
        checks.append(_root_check(n, params, progress))
        curves[n] = _loss_curve(n)
    if checks:
        checks[-1] = _with_figure(checks[-1], curves, checks)
    return checks


def _symmetry_check(n: int) -> Check:
    proof = symbolic.prove_thm31_symmetry(n, 2)
    return Check(
        name=f"stationarity reduces to g(s) = 0 (n={n})",
        instance={"n": n, "d": 2},
        method=proof.method,
        dps=None,
        claimed="all other gradient components vanish",
        observed={"holds": proof.holds, "seconds": proof.seconds},
        ok=proof.holds,
        verdict=Verdict.from_outcome(proof.holds, Verdict.PROVED),
        detail=proof.certificate[:400],
    )


def _root_check(n: int, params: dict, progress) -> Check:
    dps = params["dps"]
    root = numeric.certify_family_root(n, dps)
    instance = {"n": n, "d": 1, "t": 0}
    if root is None:
        return Check(
            name=f"certified stationary point (n={n})",
            instance=instance,
            method="sign change on a grid",
            dps=dps,
            claimed="some s* > 0",
            observed={},
            ok=None,
            verdict=Verdict.INCONCLUSIVE,
            detail="g has no sign change on (0, 8]",
        )
    threshold = params["loss_threshold"]
    above, below = root.loss > threshold, root.loss < threshold
    wants_positive = params["loss_sign"] == "positive"
    satisfied, violated = (above, below) if wants_positive else (below, above)
    ok = None if not root.certified else True if satisfied else False if violated else None
    observed: dict[str, Any] = {
        "s_star": root.newton if root.newton is not None else list(root.interval),
        "search_interval": list(root.interval),
        "loss": root.loss,
        "g_slope_over_interval": root.slope,
        "g_at_interval_ends": list(root.g_at_ends),
        "g_over_enclosure": root.g_over_interval,
    }
    detail = ""
    if root.certified:
        progress(f"n = {n}: Hessian inertia")
        assert root.newton is not None  # a certified root has its Newton image
        proven = _proven_kind(root.newton, n, params["hessian_dps"])
        observed |= proven
        detail = (
            f"Hessian (proven inertia): d=1 {proven['hessian_kind_proven']['1']}, d>=2 per extra dimension "
            f"{proven['hessian_inertia_perpendicular']} (negative, zero, positive); "
            f"d=2 {proven['hessian_kind_proven']['2']}. "
        )
    if n <= params["hessian_up_to_n"]:
        progress(f"n = {n}: Hessian")
        eigenvalues, error, kind = _hessian(root.estimate, n, params["hessian_dps"])
        observed |= {"hessian_eigenvalues": eigenvalues, "hessian_error_estimate": error, "hessian_kind": kind}
        detail += f"Hessian (d=2, central differences, estimate): {kind}. "
    relation = ">" if wants_positive else "<"
    return Check(
        name=f"certified stationary point with L {relation} {threshold} (n={n})",
        instance=instance,
        method="fast-tier bracketing, precise secant; interval-Newton step N = m - g(m)/g'(S) on python-flint "
        "balls (g' by power series + acb.integral, N inside S: a unique root), sign change of g at the "
        "ends of S as a second existence argument; loss enclosed over N (ball parameters)",
        dps=dps,
        claimed=f"L(s*) {relation} {threshold}",
        observed=observed,
        ok=ok,
        verdict=Verdict.from_outcome(ok, Verdict.CERTIFIED),
        detail=detail + f"s* ~ {mpmath.nstr(root.estimate, 20)}",
    )


def _proven_kind(s_star: flint.arb, n: int, dps: int) -> dict:
    """Inertia of both Hessian blocks over the configuration with ``s`` in the Newton image (proven)."""
    import flint

    region = [s_star, -s_star] + [flint.arb(0)] * (n - 2)
    parallel, perpendicular = numeric.classify_region(region, numeric.tied([float(x.mid()) for x in region]), dps)[1:]
    return {
        "hessian_inertia_parallel": parallel,
        "hessian_inertia_perpendicular": perpendicular,
        "hessian_kind_proven": {str(d): numeric.kind_of(parallel, perpendicular, d) for d in (1, 2)},
    }


def _hessian(s: mpmath.mpf, n: int, dps: int) -> tuple[list[float], float, str]:
    mu = [[x[0], mpmath.mpf(0)] for x in numeric.family(s, n)]
    matrix, error = numeric.hessian_precise(mu, dps)
    eigenvalues = np.linalg.eigvalsh(matrix)
    tolerance = 10 * error + 1e-12
    negative, positive = int(np.sum(eigenvalues < -tolerance)), int(np.sum(eigenvalues > tolerance))
    kind = "saddle" if negative and positive else "local minimum" if positive else "local maximum"
    kind += f" ({negative} negative, {positive} positive, {len(eigenvalues) - negative - positive} ~ 0 eigenvalues)"
    return [float(v) for v in eigenvalues], error, kind


def _loss_curve(n: int) -> tuple[np.ndarray, np.ndarray]:
    grid = np.linspace(0.02, 6.0, 150)
    return grid, np.array(
        [numeric.loss_and_gradient_float(np.array(numeric.family(s, n), dtype=float))[0] for s in grid]
    )


def _with_figure(check: Check, curves: dict, checks: list[Check]) -> Check:
    import flint
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.add_subplot()
    for n, (grid, loss) in curves.items():
        axes.plot(grid, loss, label=f"n = {n}")
    for item in checks:
        if isinstance(item.observed.get("s_star"), flint.arb):
            axes.plot([float(item.observed["s_star"].mid())], [float(item.observed["loss"].mid())], "k.", markersize=8)
    axes.set_xlabel("s   (mu = (s, -s, 0, ..., 0))")
    axes.set_ylabel("L(s)")
    axes.set_title("Loss along the Theorem 3.1 family; dots: certified s*")
    axes.legend()
    return Check(**{**check.__dict__, "figures": {"thm3_1_family_loss": figure}})


CLAIM = Claim(
    id="thm3.1",
    label="Theorem 3.1",
    statement="At t = 0, for n >= 3, mu = (s e_1, -s e_1, 0, ..., 0) is a stationary point for some s* > 0, "
    "with L(s*) - {loss_threshold} {loss_sign}",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    domains=DOMAINS,
    run=run,
    provenance=Provenance(
        reading="a root s* > 0 of the reduced stationarity equation g(s) = 0 of the symmetric family, with "
        "L(s*) compared with the threshold; what the Hessian makes of it is reported, not judged",
        constants={"loss_sign": "as reported", "loss_threshold": "as reported"},
    ),
    notes=(
        "The Hessian's inertia (so saddle or not) is proven; its eigenvalues are central-difference "
        "estimates from the precise tier.",
    ),
)
