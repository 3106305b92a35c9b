"""Theorem 2.1: the ball implication is proved exactly, GD from the ball is supported; false edits are refuted."""

from fractions import Fraction

import mpmath
import pytest

from proofs_check.claims.thm2_1 import exp_bounds
from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

SMALL = {"n_values": "[2]", "d_values": "[1, 2]", "starts": "1", "flow_per_n2": "30"}


pytestmark = pytest.mark.usefixtures("shared_module_cache")


@pytest.mark.parametrize("x", [Fraction(2), Fraction(1), Fraction(-3, 2), Fraction(0), Fraction(37, 5)])
def test_exp_bounds_enclose_exp(x):
    lo, hi = exp_bounds(x, int(abs(x)) + 12)
    with mpmath.workdps(50):
        value = mpmath.exp(mpmath.mpf(x.numerator) / x.denominator)
        assert mpmath.mpf(lo.numerator) / lo.denominator <= value <= mpmath.mpf(hi.numerator) / hi.denominator


def test_small_instances_are_supported_with_a_tiny_implied_constant():
    verdict, checks = run_claim("thm2.1", **SMALL)
    assert verdict is Verdict.SUPPORTED
    ball, *runs = checks
    assert ball.verdict is Verdict.PROVED and ball.observed["exp_margin_lower"] >= 3
    assert len(runs) == 2
    for check in runs:
        assert check.observed["implied_constant"] < 1e-3
        assert all(slope < -0.5 for slope in check.observed["tail_slopes"])
    assert set(runs[-1].figures) == {"thm2_1_norms", "thm2_1_loss"}


def test_a_rate_constant_below_the_implied_one_is_refuted():
    verdict, checks = run_claim("thm2.1", **SMALL, rate_constant="1e-9")
    assert verdict is Verdict.REFUTED
    assert all(check.verdict is Verdict.REFUTED for check in checks[1:])


def test_margin_1_does_not_give_the_1_over_3n_ball():
    verdict, checks = run_claim(
        "thm2.1", n_values="[2]", d_values="[1]", starts="1", flow_per_n2="10", noise_margin="1"
    )
    assert verdict is Verdict.REFUTED
    assert checks[0].verdict is Verdict.REFUTED and checks[0].observed["exp_margin_upper"] < 3
