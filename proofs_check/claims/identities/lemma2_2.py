"""Lemma 2.2 (paper, Sec. 2, as reported): the Stein form of the gradient.

Claim: ``grad_i L = 2 E[c1 w_i v + c2 w_i sum_j w_j mu_j mu_j^T mu_i + c3 w_i v v^T mu_i
+ c4 w_i sum_j w_j <v, mu_j> mu_j + c5 w_i |v|^2 v]`` with the reported ``(c1..c5) = (1, 1, -2, -2, 3)``.

Checked: *proved* by the symbolic route for each ``(n, d)`` in ``instances``: the direct integrand minus
the Stein integrand is exhibited as ``-div(h phi)/phi`` (integration by parts against the Gaussian, with
the growth condition that kills the boundary terms); *corroborated* at random configurations (seeded,
``d = 1``): the Stein form integrated by mpmath (``numeric.forms``) against the gradient from the panel
engine (``numeric.model``, precise tier), to ``min_digits`` digits.  Edit ``coefficients`` and both
routes answer: the certificate no longer reduces to 0, and the numbers disagree.
"""

from __future__ import annotations

from typing import Any

import numeric
import symbolic
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.core.params import Integer, Items
from proofs_check.evidence.identities import (
    INSTANCE_DOMAINS,
    agreement_check,
    identity_checks,
    proof_check,
    random_line_configuration,
)

__all__ = ["STATEMENT", "PARAMETERS", "PROFILES", "run", "CLAIM"]

STATEMENT = {"coefficients": [1, 1, -2, -2, 3]}
PARAMETERS = {"instances": [[2, 1], [3, 1], [4, 1], [2, 2], [3, 2]], "samples": 4, "min_digits": 30.0}
PROFILES: dict[str, dict[str, Any]] = {"quick": {"instances": [[2, 1], [3, 1]], "samples": 2}, "deep": {"samples": 12}}
DOMAINS = {"coefficients": Items(Integer(-100, 100), minimum=5, maximum=5), **INSTANCE_DOMAINS}


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    coefficients = tuple(params["coefficients"])

    def cross_check(rng, sample: int, dps: int) -> Check:
        n = rng.randint(2, 4)
        mu = random_line_configuration(rng, n)
        i = rng.randrange(n)
        gradient = numeric.evaluate([[x] for x in mu], tier="precise", dps=dps)
        return agreement_check(
            f"Stein form = gradient of L (sample {sample}, i={i + 1})",
            {"n": n, "d": 1, "mu": mu, "i": i + 1, "seed": seed},
            "mpmath.quad of the Stein integrand vs the direct-form gradient by Gauss-Legendre panels",
            dps,
            numeric.stein_gradient(mu, i, dps, coefficients),
            (gradient.grad[i][0], gradient.error),
            params["min_digits"],
        )

    return identity_checks(
        params,
        seed=seed,
        progress=progress,
        cross_check=cross_check,
        prove=lambda n, d: proof_check(symbolic.prove_stein_gradient(n, d, coefficients)),
    )


CLAIM = Claim(
    id="lemma2.2",
    label="Lemma 2.2",
    statement="grad_i L = 2 E[c1 w_i v + c2 w_i sum_j w_j mu_j mu_j^T mu_i + c3 w_i v v^T mu_i "
    "+ c4 w_i sum_j w_j <v, mu_j> mu_j + c5 w_i |v|^2 v] with (c1..c5) = {coefficients}",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    domains=DOMAINS,
    run=run,
    provenance=Provenance(
        reading="the Stein form equals the gradient of L = E|v|^2 (no factor 1/2) at every configuration",
        constants={"coefficients": "as reported"},
    ),
)
