"""The sharp laws: s^2 L -> n^2 r / 64 when all converge, s L M^2 -> 16 k while k escape; edits are not proved."""

import pytest
import sympy as sp

from symbolic import (
    attracting_rank,
    effective_quartic,
    prove_converging_law,
    prove_escape_law,
    quartic_gap_certificate,
)
from symbolic.model import reduced_model


@pytest.mark.parametrize("n, d", [(2, 1), (3, 1), (4, 1), (2, 2), (3, 2), (4, 2), (2, 3), (3, 3)])
def test_the_law_is_proved_at_each_instance(n, d):
    proof = prove_converging_law(n, d)
    assert proof.holds, proof.certificate
    assert proof.instance == {"n": n, "d": d}


@pytest.mark.parametrize("denominator, exponent", [(32, 2), (128, 2), (64, 1), (64, 3)])
def test_an_edited_law_is_not_proved(denominator, exponent):
    assert not prove_converging_law(3, 2, denominator, exponent).holds


def test_attracting_rank_is_the_largest_rank_of_mean_zero_deviations():
    assert [attracting_rank(n, d) for n, d in [(2, 3), (3, 1), (3, 2), (4, 3), (5, 3)]] == [1, 1, 2, 3, 3]


def test_the_isotropic_simplex_attains_the_minimum():
    # n = 3, d = 2: an equilateral triangle centred at 0 with |delta|^2 = 1 gives Q = 1 / (n^2 r) = 1/18.
    mu = reduced_model(3, 2).mu
    corners = [(sp.cos(2 * sp.pi * j / 3), sp.sin(2 * sp.pi * j / 3)) for j in range(3)]
    at = {mu[j, k]: corners[j][k] / sp.sqrt(3) for j in range(3) for k in range(2)}
    assert sp.simplify(effective_quartic(3, 2).xreplace(at)) == sp.Rational(1, 18)


def test_the_gap_is_not_a_square_off_the_mean_zero_subspace():
    # The certificate needs sum_i mu_i = 0 (G 1 = 0): without it the identity fails, so the check can fail.
    gap, square = quartic_gap_certificate(2, 3)
    assert sp.expand(gap - square) != 0


def test_the_escape_law_is_proved_and_an_edited_numerator_is_not():
    assert prove_escape_law().holds
    assert not prove_escape_law(8).holds and not prove_escape_law(32).holds
