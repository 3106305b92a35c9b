"""Every symbolic proof holds on the standard instances, and edited (false) statements fail to prove."""

import itertools
import time

import pytest
import sympy as sp

from symbolic.export import to_mpmath
from symbolic.identities import (
    STANDARD_INSTANCES,
    prove_all,
    prove_coincident,
    prove_em_bridge,
    prove_reduction_eq1,
    prove_stein_gradient,
    prove_thm31_symmetry,
    symmetric_family,
)
from symbolic.model import explicit, gradient_integrand_direct, loss_integrand, reduced_model

PROVERS = (prove_reduction_eq1, prove_stein_gradient, prove_em_bridge, prove_coincident, prove_thm31_symmetry)


@pytest.mark.parametrize("prove, instance", list(itertools.product(PROVERS, STANDARD_INSTANCES)))
def test_proof_holds(prove, instance):
    proof = prove(*instance)
    assert proof.holds, proof.certificate
    assert (proof.instance["n"], proof.instance["d"]) == instance
    assert proof.certificate and proof.statement and proof.method and proof.seconds > 0


@pytest.mark.parametrize("instance", [(2, 1), (3, 1), (2, 2)])
def test_wrong_stein_coefficient_fails(instance):
    proof = prove_stein_gradient(*instance, coefficients=(1, 1, -2, -2, 2))
    assert not proof.holds
    assert "2 w_i |v|^2 v" in proof.statement


@pytest.mark.parametrize("coefficients", [(1, 1, -2, -2, 3), (1, 2, -2, -2, 3), (2, 1, -2, -2, 3), (1, 1, -2, -1, 3)])
def test_stein_coefficients_are_the_statement(coefficients):
    assert prove_stein_gradient(2, 1, coefficients=coefficients).holds == (coefficients == (1, 1, -2, -2, 3))


@pytest.mark.parametrize("factor", [1, 4, sp.Rational(1, 2)])
def test_wrong_em_factor_fails(factor):
    assert not prove_em_bridge(2, 1, factor=factor).holds


@pytest.mark.slow
def test_all_proofs_within_budget():
    start = time.perf_counter()
    proofs = prove_all()
    assert all(p.holds for p in proofs)
    assert len(proofs) == 5 * len(STANDARD_INSTANCES)
    assert time.perf_counter() - start < 60


def test_family_integrand_matches_model():
    """G(s, x) and the family loss integrand equal the model's integrands at mu = (s, -s, 0, ..)."""
    n = 4
    family = symmetric_family(n)
    model = reduced_model(n, 1)
    args = [*model.mu, *model.x]
    direct = to_mpmath(explicit(gradient_integrand_direct(model, 0)[0], model), args, dps=40)
    loss = to_mpmath(explicit(loss_integrand(model), model), args, dps=40)
    G = to_mpmath(family.gradient, [family.s, family.x], dps=40)
    family_loss = to_mpmath(family.loss, [family.s, family.x], dps=40)
    for s, x in [("0.3", "-1.1"), ("2", "0.7"), ("1/3", "3")]:
        config = [s, "-" + s, 0, 0]
        assert abs(G(s, x) - direct(*config, x)) < 1e-35
        assert abs(family_loss(s, x) - loss(*config, x)) < 1e-35
    assert family.gradient.free_symbols == {family.s, family.x}
