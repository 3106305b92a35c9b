"""Theorem 3.4 in the flow limit: u toward the truth is supported; away and perpendicular refute the registered
statement inside every hypothesis (n = 3); the claim's notes name the reading."""

import pytest

from proofs_check.claims.dynamics.thm3_4 import CLAIM
from proofs_check.core.claim import Verdict
from proofs_check.core.runner import Task, run_claim as run_record
from tests.claim_runner import run_claim

FAST = {"n_values": "[3]", "M0_values": "[4]", "gd_n_values": "[]"}

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_each_orientation_is_reported_and_away_perpendicular_refute_inside_every_hypothesis():
    verdict, checks = run_claim("thm3.4", **FAST)
    assert verdict is Verdict.REFUTED
    checks = [check for check in checks if check.instance["step"] == "flow"]
    by_orientation = {check.instance["orientation"]: check for check in checks}
    assert by_orientation["toward"].verdict is Verdict.SUPPORTED
    assert by_orientation["toward"].observed["converged"] == [1]
    assert by_orientation["toward"].observed["diverging"] == [2, 3]
    for orientation in ("away", "perpendicular"):
        check = by_orientation[orientation]
        assert check.verdict is Verdict.REFUTED and check.observed["converged"] == [2, 3]
        assert check.instance["step"] == "flow" and all(check.instance["hypotheses"].values())
    assert all(check.observed["group_2_to_n_max_gap"] == 0 for check in checks)  # one group, exactly equal
    laws = by_orientation["toward"].observed["laws"]
    assert laws["mu_2"]["limit"] == "infinity" and laws["mu_1"]["limit"] == "zero"


def test_toward_the_truth_is_supported_and_a_second_run_reuses_the_cached_flow():
    first_verdict, first = run_claim("thm3.4", **FAST, orientations='["toward"]')
    verdict, checks = run_claim("thm3.4", **FAST, orientations='["toward"]')
    assert first_verdict is verdict is Verdict.SUPPORTED
    assert checks[0].observed["reused_from_cache"] and "reused from the on-disk cache" in checks[0].detail
    assert checks[0].observed == {**first[0].observed, "reused_from_cache": True}


def test_claiming_that_all_converge_is_refuted():
    verdict, _ = run_claim("thm3.4", **FAST, orientations='["toward"]', converging="3")
    assert verdict is Verdict.REFUTED


def test_outside_a_stated_M0_threshold_a_contradiction_is_inconclusive():
    verdict, checks = run_claim("thm3.4", **FAST, orientations='["away"]', min_M0="100")
    assert verdict is Verdict.INCONCLUSIVE
    (check,) = [check for check in checks if check.instance["step"] == "flow"]
    assert check.instance["hypotheses"] == {"M0_threshold": False, "step_rule": True}
    assert check.observed["reading"] == "contradicts beyond the hypotheses"
    (certified,) = [check for check in checks if "ball arithmetic" in check.method]
    assert certified.verdict is Verdict.INCONCLUSIVE and not all(certified.instance["hypotheses"].values())


def test_away_is_refuted_with_ball_arithmetic_inside_the_step_rule():
    verdict, checks = run_claim("thm3.4", **FAST, orientations='["away"]')
    assert verdict is Verdict.REFUTED
    (certified,) = [check for check in checks if "ball arithmetic" in check.method]
    assert certified.verdict is Verdict.REFUTED
    assert certified.instance["n"] == 3 and certified.instance["step"] == 0.01
    assert all(certified.instance["hypotheses"].values())


def test_the_claims_notes_name_the_reading():
    params = CLAIM.resolve("quick", {**FAST, "orientations": '["toward", "away"]'})
    record = run_record(Task(CLAIM, params), "quick", 0)
    reading = next(note for note in record.notes if note.startswith("Reading"))
    assert "refuted for u away from the truth" in reading and "supported for u toward the truth" in reading


def test_gd_at_the_papers_step_inside_the_rule_corroborates_the_flow():
    verdict, (flow, gd) = run_claim(
        "thm3.4", **{**FAST, "gd_n_values": "[3]"}, gd_orientations='["away"]', orientations='["toward"]'
    )
    assert verdict is Verdict.REFUTED  # GD itself, inside every hypothesis, contradicts the statement for u away
    assert flow.verdict is Verdict.SUPPORTED
    assert gd.corroborates and gd.instance["step"] == 0.01 and all(gd.instance["hypotheses"].values())
    assert gd.observed["converged"] == [2, 3] and gd.observed["flow_same_horizon"]["converged"] == [2, 3]
    assert gd.observed["loss_gap_to_flow"] < 0.05  # O(eta)
