"""Theorem 3.2: supported at the quick profile; spreads far above the bound (an edited statement) are refuted."""

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim


def test_quick_profile_supports_convergence_from_the_hypothesis_spread():
    verdict, checks = run_claim("thm3.2")
    assert verdict is Verdict.SUPPORTED
    direct, linear = checks
    assert direct.observed["status"] == ["converged"] * 3
    assert linear.observed["log_spread_peak"] < -1e5


def test_a_bound_allowing_spreads_of_one_third_is_refuted():
    verdict, _ = run_claim("thm3.2", M0="3", spread_exponent="0", spread_factor="1", eta="0.1", steps="2500")
    assert verdict is Verdict.REFUTED
