"""Gradient-EM bridge (paper, Sec. 2 remark): the linear part of the gradient is the EM gradient.

Claim: ``2 E[w_i v] = factor * grad_{mu_i} KL(N(0, I) || (1/n) sum_j N(mu_j, I))`` with ``factor = 2``.

Checked: *proved* by the symbolic route for each ``(n, d)`` in ``instances`` (differentiate the KL under
the expectation, then integrate by parts with the certificate ``h = -w_i e_k``); *corroborated* at random
configurations (seeded, ``d = 1``): ``2 E[w_i v]`` and ``factor * (-E[w_i (x - mu_i)])`` integrated
separately by mpmath (``numeric.forms``) agree to ``min_digits`` digits.
"""

from __future__ import annotations

from typing import Any

import mpmath

import numeric
import symbolic
from proofs_check.core.claim import Check, Claim, Provenance
from proofs_check.core.params import Real
from proofs_check.evidence.identities import (
    INSTANCE_DOMAINS,
    agreement_check,
    identity_checks,
    proof_check,
    random_line_configuration,
)

__all__ = ["STATEMENT", "PARAMETERS", "PROFILES", "run", "CLAIM"]

STATEMENT = {"factor": 2}
PARAMETERS = {"instances": [[2, 1], [3, 1], [4, 1], [2, 2], [3, 2]], "samples": 4, "min_digits": 30.0}
PROFILES: dict[str, dict[str, Any]] = {"quick": {"instances": [[2, 1], [3, 1]], "samples": 2}, "deep": {"samples": 12}}
DOMAINS = {"factor": Real(-100, 100), **INSTANCE_DOMAINS}


def run(profile: str, params: dict, *, seed: int, progress) -> list[Check]:
    factor = params["factor"]

    def cross_check(rng, sample: int, dps: int) -> Check:
        n = rng.randint(2, 4)
        mu = random_line_configuration(rng, n)
        i = rng.randrange(n)
        (linear, err_linear), (kl, err_kl) = numeric.em_gradients(mu, i, dps)
        with mpmath.workdps(dps + 10):
            first, second = (2 * linear, 2 * err_linear), (factor * kl, abs(factor) * err_kl)
        return agreement_check(
            f"2 E[w_i v] = {factor} grad KL (sample {sample}, i={i + 1})",
            {"n": n, "d": 1, "mu": mu, "i": i + 1, "seed": seed},
            "mpmath.quad of both integrands",
            dps,
            first,
            second,
            params["min_digits"],
        )

    return identity_checks(
        params,
        seed=seed,
        progress=progress,
        cross_check=cross_check,
        prove=lambda n, d: proof_check(symbolic.prove_em_bridge(n, d, factor)),
    )


CLAIM = Claim(
    id="bridge.em",
    label="Sec. 2 remark (gradient-EM bridge)",
    statement="2 E[w_i v] = {factor} * grad_(mu_i) KL(N(0, I) || (1/n) sum_j N(mu_j, I))",
    constants=STATEMENT,
    parameters=PARAMETERS,
    profiles=PROFILES,
    domains=DOMAINS,
    run=run,
    provenance=Provenance(
        reading="the linear term 2 E[w_i v] of grad_i L is the gradient of the KL loss that gradient EM descends, "
        "times the factor",
        constants={"factor": "derived"},
    ),
)
