"""Theorem 2.1: the ball implication is proved exactly; the flow from the noise-condition ball converges with
L ~ s^-2, so the registered rate s^-1/2 holds and a false s^-3 is refuted; GD inside the step rule meets the bound."""

from fractions import Fraction

import mpmath
import pytest

from proofs_check.claims.dynamics.thm2_1 import exp_bounds
from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

SMALL = {"n_values": "[2]", "d_values": "[1]", "starts": "1", "gd_instances": "[]"}

pytestmark = pytest.mark.usefixtures("shared_module_cache")


@pytest.mark.parametrize("x", [Fraction(2), Fraction(1), Fraction(-3, 2), Fraction(0), Fraction(37, 5)])
def test_exp_bounds_enclose_exp(x):
    lo, hi = exp_bounds(x, int(abs(x)) + 12)
    with mpmath.workdps(50):
        value = mpmath.exp(mpmath.mpf(x.numerator) / x.denominator)
        assert mpmath.mpf(lo.numerator) / lo.denominator <= value <= mpmath.mpf(hi.numerator) / hi.denominator


def test_the_flow_from_the_ball_supports_the_registered_statement_inside_every_hypothesis():
    verdict, checks = run_claim("thm2.1", **SMALL)
    assert verdict is Verdict.SUPPORTED
    ball, convergence, rate = checks
    assert ball.verdict is Verdict.PROVED and ball.observed["exp_margin_lower"] >= 3
    for check in (convergence, rate):
        assert check.instance["step"] == "flow" and all(check.instance["hypotheses"].values())
        assert check.verdict is Verdict.SUPPORTED
    assert convergence.observed["converged"] == [[1, 2]] and convergence.observed["implied_constant"] < 1e-3
    (decision,) = rate.observed["per_run"]
    assert decision["rate_outcome"] == "holds" and abs(decision["tail_exponent"] - 2) < 0.05
    assert set(rate.figures) == {"thm2_1_norms", "thm2_1_loss"}


def test_a_false_rate_exponent_is_refuted_by_the_flow():
    verdict, checks = run_claim("thm2.1", **SMALL, rate_exponent="3")
    assert verdict is Verdict.REFUTED
    rate = checks[2]
    assert rate.verdict is Verdict.REFUTED and rate.observed["per_run"][0]["rate_outcome"] == "fails"


def test_a_rate_constant_below_the_implied_one_is_refuted():
    verdict, checks = run_claim("thm2.1", **SMALL, rate_constant="1e-9")
    assert verdict is Verdict.REFUTED
    assert checks[1].verdict is Verdict.REFUTED and checks[2].verdict is Verdict.SUPPORTED  # the rate itself holds


def test_gd_inside_the_step_rule_meets_the_bound_and_follows_the_flow():
    verdict, checks = run_claim("thm2.1", **{**SMALL, "gd_instances": "[[3, 1]]"})
    assert verdict is Verdict.SUPPORTED
    gd = checks[-1]
    assert gd.instance["step"] == 0.01 and gd.instance["hypotheses"]["step_rule"]
    assert gd.observed["loss_gap_to_flow"] < 0.05  # O(eta) at eta = 0.01


def test_a_step_constant_below_the_paper_step_moves_gd_to_the_rule():
    _, checks = run_claim("thm2.1", **{**SMALL, "gd_instances": "[[2, 1]]", "gd_time": "2"}, step_constant="0.08")
    gd = checks[-1]
    assert gd.instance["step"] == 0.005 and gd.instance["hypotheses"]["step_rule"]


def test_margin_1_does_not_give_the_1_over_3n_ball():
    verdict, checks = run_claim("thm2.1", **SMALL, noise_margin="1")
    assert verdict is Verdict.REFUTED
    assert checks[0].verdict is Verdict.REFUTED and checks[0].observed["exp_margin_upper"] < 3
