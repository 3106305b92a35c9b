"""Lemma 3.3: the contraction factor is proved; the tracking is supported at the exact crossing on GD, the
first-order spread and the flow, inside Theorem 3.2's hypotheses; false edits are refuted."""

import math

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def _tracking(checks):
    return [c for c in checks if "max_deviation_while_above" in c.observed]


def test_quick_profile_proves_the_factor_and_supports_the_tracking():
    verdict, checks = run_claim("lemma3.3")
    assert verdict is Verdict.SUPPORTED
    assert any(c.verdict is Verdict.PROVED for c in checks)
    tracking = _tracking(checks)
    assert [c.instance["step"] for c in tracking] == [0.01, 1 / 5625, "flow"]
    assert all(c.ok and all(c.instance["hypotheses"].values()) for c in tracking)
    direct, _, flow = tracking
    assert direct.observed["crossing"] == 329  # first iteration with (1 - 0.02/3)^tau 0.5 <= 1/18
    assert math.isclose(flow.observed["crossing"], 1.5 * math.log(18 * 0.3))  # s* = (n/2) log(6 n M0)


def test_the_crossing_is_exact_so_a_smaller_ball_is_refuted():
    verdict, checks = run_claim("lemma3.3", ball_fraction="7")
    assert verdict is Verdict.REFUTED
    tracking = _tracking(checks)
    assert len(tracking) == 3 and all(c.verdict is Verdict.REFUTED for c in tracking)
    for check in tracking:  # at the crossing ||mu_i|| is |A| ~ 1/(6n), above 1/(7n)
        low, _ = check.observed["max_norm_at_crossing"]
        assert low > check.observed["ball"]


def test_the_reported_coefficient_is_refuted_for_the_loss_without_one_half():
    verdict, checks = run_claim("lemma3.3", contraction_coefficient="1")
    assert verdict is Verdict.REFUTED
    factor = next(c for c in checks if c.name.startswith("contraction factor"))
    assert factor.observed["derived_coefficient"] == 2 and factor.verdict is Verdict.REFUTED
    assert all(c.verdict is Verdict.REFUTED for c in _tracking(checks))  # the parameters leave A(tau) = (1 - eta/n)^tau
