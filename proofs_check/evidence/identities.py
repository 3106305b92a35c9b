"""Turning results of the two routes into checks: symbolic proofs, numeric agreements, random draws.

Shared by the claim modules so that each of them states only its own claim.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import mpmath

from proofs_check.core.claim import Check, Verdict
from proofs_check.core.params import Integer, Items, Real

__all__ = [
    "INSTANCE_DOMAINS",
    "proof_check",
    "agreement_check",
    "random_line_configuration",
    "digits_needed",
    "identity_checks",
]

#: What the instance parameters of an identity claim accept: shapes (n, d) to prove, seeded samples to integrate
#: numerically (at least one), the digits they must agree to.
INSTANCE_DOMAINS = {
    "instances": Items(Items(Integer(1, 8), minimum=2, maximum=2), maximum=20),
    "samples": Integer(1, 1000),
    "min_digits": Real(1, 1000),
}


def proof_check(proof: Any) -> Check:
    """A :class:`symbolic.identities.Proof` as a check: ``proved`` when it holds.

    A proof that does not go through is *not* a disproof (the integrands may differ pointwise and
    still have equal expectations), so it is ``inconclusive``; the numeric checks decide.
    """
    return Check(
        name=f"{proof.statement} (n={proof.instance.get('n')}, d={proof.instance.get('d')})",
        instance=dict(proof.instance),
        method=proof.method,
        dps=None,
        claimed=proof.statement,
        observed={"holds": proof.holds, "seconds": proof.seconds},
        ok=proof.holds,
        verdict=Verdict.PROVED if proof.holds else Verdict.INCONCLUSIVE,
        detail=proof.certificate[:600],
    )


def agreement_check(
    name: str, instance: dict, method: str, dps: int, first: tuple, second: tuple, min_digits: float
) -> Check:
    """Two independently computed values that the claim says are equal, each ``(value, error)``.

    Agreement within the sum of the error estimates and to at least ``min_digits`` digits supports
    (corroborates) the claim; a difference a hundred times beyond the errors refutes it; anything
    between is inconclusive.  Tolerances come only from the two error estimates.
    """
    (a, err_a), (b, err_b) = first, second
    with mpmath.workdps(dps + 10):
        difference = abs(mpmath.mpf(a) - mpmath.mpf(b))
        budget = mpmath.mpf(err_a) + mpmath.mpf(err_b)
        scale = max(abs(mpmath.mpf(a)), abs(mpmath.mpf(b)), mpmath.mpf(10) ** (-dps))
        digits = float(-mpmath.log10(difference / scale)) if difference else float(dps)
        if difference <= budget and digits >= min_digits:
            ok, verdict = True, Verdict.SUPPORTED
        elif difference > 100 * budget + mpmath.mpf(10) ** (-(dps - 5)) * scale:
            ok, verdict = False, Verdict.REFUTED
        else:
            ok, verdict = None, Verdict.INCONCLUSIVE
    return Check(
        name=name,
        instance=instance,
        method=method,
        dps=dps,
        claimed="equal",
        observed={
            "first": a,
            "second": b,
            "difference": difference,
            "error_budget": budget,
            "agreeing_digits": round(digits, 1),
        },
        ok=ok,
        verdict=verdict,
        corroborates=True,
        detail=f"|difference| = {mpmath.nstr(difference, 3)} vs error budget {mpmath.nstr(budget, 3)}",
    )


def random_line_configuration(rng: random.Random, n: int, spread: float = 2.5) -> list[str]:
    """``n`` distinct parameters in one dimension, 3-decimal strings in ``[-spread, spread]``."""
    values: set[str] = set()
    while len(values) < n:
        values.add(f"{rng.uniform(-spread, spread):.3f}")
    return sorted(values, key=float)


def digits_needed(min_digits: float) -> int:
    """A working precision comfortably above ``min_digits``."""
    return int(math.ceil(min_digits)) + 10


def identity_checks(
    params: dict,
    *,
    seed: int,
    progress,
    prove: Callable[[int, int], Check],
    cross_check: Callable[[random.Random, int, int], Check],
) -> list[Check]:
    """The checks of an identity claim: ``prove(n, d)`` for each of ``params["instances"]``, then
    ``cross_check(rng, sample, dps)`` at ``params["samples"]`` seeded random configurations."""
    checks = []
    for n, d in params["instances"]:
        progress(f"symbolic proof n={n}, d={d}")
        checks.append(prove(n, d))
    rng = random.Random(seed)
    dps = digits_needed(params["min_digits"])
    for sample in range(1, params["samples"] + 1):
        progress(f"numeric sample {sample}/{params['samples']}")
        checks.append(cross_check(rng, sample, dps))
    return checks
