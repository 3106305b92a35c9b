"""Theorem 3.2: supported at the quick profile inside every hypothesis; the rate is decided on the flow after the
plateau (a false s^-3 is refuted, the registered s^-1/2 is not); spreads far above the bound are refuted."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_quick_profile_supports_convergence_from_the_hypothesis_spread():
    verdict, checks = run_claim("thm3.2")
    assert verdict is Verdict.SUPPORTED
    direct, flow, linear = checks
    assert direct.observed["converged"] == [1, 2, 3] and direct.instance["step"] == 0.01
    assert flow.observed["rate_outcome"] == "holds" and abs(flow.observed["tail_exponent"] - 2) < 0.05
    assert flow.observed["settled_from"] > 1e5  # after the plateau at the spread's fourth power
    assert linear.observed["log_spread_peak"] < -1e5 and linear.instance["step"] == 1 / 5625
    assert all(all(c.instance["hypotheses"].values()) for c in checks)


def test_a_false_rate_exponent_is_refuted_on_the_flow():
    verdict, checks = run_claim("thm3.2", rate_exponent="3")
    assert verdict is Verdict.REFUTED
    assert checks[1].verdict is Verdict.REFUTED and checks[1].observed["rate_outcome"] == "fails"


@pytest.mark.slow
def test_a_bound_allowing_spreads_of_one_third_is_refuted():
    verdict, checks = run_claim("thm3.2", M0="3", spread_exponent="0", spread_factor="1", steps="6000")
    assert verdict is Verdict.REFUTED
    assert checks[0].observed["diverging"]
