"""Theorems 3.5 and 3.7 share one cached run set: supported outside the hypothesis; false edits refuted."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

SMALL = {"seeds": "2", "steps": "200", "rate_seeds": "1", "rate_steps": "1000"}
INSIDE = {"hypothesis_constant": "0"}  # edits the hypothesis so that M0 = 6 lies inside it


pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_thm3_5_is_supported_and_says_it_is_outside_the_hypothesis():
    verdict, checks = run_claim("thm3.5", **SMALL)
    assert verdict is Verdict.SUPPORTED
    fraction, rate = checks
    assert fraction.observed["claimed_outcome"] == 2 and fraction.observed["converged_counts"] == [1, 1]
    assert -1.3 < rate.observed["pooled_local_slopes"][-1] <= -1.0
    assert all("outside the hypothesis" in check.detail for check in checks)


def test_thm3_7_reuses_the_runs_of_thm3_5_and_is_supported():
    verdict, checks = run_claim("thm3.7", **SMALL)
    assert verdict is Verdict.SUPPORTED
    assert checks[0].observed["runs_reused_from_cache"] == 1
    assert "reused from the on-disk cache" in checks[0].detail


def test_thm3_5_with_rate_exponent_2_is_refuted_when_the_instances_are_in_the_hypothesis():
    verdict, checks = run_claim("thm3.5", **SMALL, **INSIDE, rate_exponent="2")
    assert verdict is Verdict.REFUTED
    assert checks[1].verdict is Verdict.REFUTED and "grows across the tail" in checks[1].detail


def test_thm3_5_with_rate_exponent_2_outside_the_hypothesis_is_only_inconclusive():
    verdict, _ = run_claim("thm3.5", **SMALL, rate_exponent="2")
    assert verdict is Verdict.INCONCLUSIVE


def test_thm3_7_claiming_a_slower_decay_is_refuted():
    verdict, checks = run_claim("thm3.7", **SMALL, **INSIDE, eps="-0.5")
    assert verdict is Verdict.REFUTED
    assert "falls across the tail" in checks[0].detail
