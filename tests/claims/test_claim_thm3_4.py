"""Theorem 3.4: the toward orientation is supported; away and perpendicular refute the registered statement."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

FAST = {"M0_values": "[10]", "steps": "100"}


pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_each_orientation_is_reported_and_away_perpendicular_refute():
    verdict, checks = run_claim("thm3.4", **FAST)
    assert verdict is Verdict.REFUTED
    by_orientation = {check.instance["orientation"]: check for check in checks}
    assert by_orientation["toward"].verdict is Verdict.SUPPORTED
    assert by_orientation["toward"].observed["converged"] == [1]
    for orientation in ("away", "perpendicular"):
        assert by_orientation[orientation].verdict is Verdict.REFUTED
        assert by_orientation[orientation].observed["converged"] == [2, 3, 4, 5]
        assert by_orientation[orientation].observed["diverging"] == [1]
    assert all(check.observed["group_2_to_n_max_gap"] < 1e-6 for check in checks)  # exactly 0 without rounding


def test_toward_the_truth_is_supported_and_reuses_cached_runs():
    verdict, checks = run_claim("thm3.4", **FAST, orientations='["toward"]')
    assert verdict is Verdict.SUPPORTED
    assert checks[0].observed["reused_from_cache"]


def test_claiming_that_all_converge_is_refuted():
    verdict, _ = run_claim("thm3.4", **FAST, orientations='["toward"]', converging="5")
    assert verdict is Verdict.REFUTED


def test_outside_a_stated_M0_threshold_a_contradiction_is_inconclusive():
    verdict, _ = run_claim("thm3.4", **FAST, orientations='["away"]', min_M0="100")
    assert verdict is Verdict.INCONCLUSIVE
