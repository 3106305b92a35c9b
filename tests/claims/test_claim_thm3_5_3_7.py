"""Theorems 3.5 and 3.7 share one cached run set of seeded flows: inconclusive outside the unreachable hypothesis
whatever the runs show; with the hypothesis edited to include the runs, false statements are refuted by the exact
binomial interval and the registered rates are not."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

SMALL = {"n": "3", "seeds": "2", "time": "1e8", "gd_time": "0"}
INSIDE = {"hypothesis_constant": "0"}  # edits the hypothesis so that M0 = 6 lies inside it

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_thm3_5_is_inconclusive_and_says_the_hypothesis_is_out_of_reach():
    verdict, checks = run_claim("thm3.5", **SMALL)
    assert verdict is Verdict.INCONCLUSIVE
    fraction, rate = checks
    assert fraction.observed["show_it"] == 2 and fraction.observed["converged_per_run"] == [[2], [3]]
    assert fraction.observed["survivor_started_nearest"] == 2
    assert fraction.observed["reading"] == "undecided beyond the hypotheses"  # 2 runs: the interval is wide
    assert [r["rate_outcome"] for r in rate.observed["per_run"]] == ["holds", "holds"]
    assert rate.observed["reading"] == "undecided beyond the hypotheses"
    for check in checks:
        assert check.instance["hypotheses"] == {"far_start": False, "step_rule": True}
        assert "out of reach" in check.detail


def test_thm3_7_reuses_the_runs_of_thm3_5():
    run_claim("thm3.5", **SMALL)
    verdict, (check,) = run_claim("thm3.7", **SMALL)
    assert verdict is Verdict.INCONCLUSIVE
    assert check.observed["runs_reused_from_cache"] == 2 and "reused from the on-disk cache" in check.detail
    assert [r["rate_outcome"] for r in check.observed["per_run"]] == ["holds", "holds"]


def test_a_false_rate_exponent_is_refuted_when_the_runs_are_inside_the_hypothesis():
    verdict, (_, rate) = run_claim("thm3.5", **SMALL, **INSIDE, rate_exponent="2")
    assert verdict is Verdict.REFUTED and rate.verdict is Verdict.REFUTED
    assert rate.observed["contradict_it"] == 2 and rate.observed["interval"][1] < 0.9


def test_the_registered_rate_is_not_refuted_inside_the_hypothesis():
    verdict, checks = run_claim("thm3.5", **SMALL, **INSIDE)
    assert verdict is Verdict.INCONCLUSIVE  # 2 runs cannot clear 0.9, but nothing contradicts the statement
    assert all(check.ok is not False for check in checks)


def test_claiming_that_none_converges_is_refuted_inside_the_hypothesis():
    verdict, (fraction, _) = run_claim("thm3.5", **SMALL, **INSIDE, converging="0")
    assert verdict is Verdict.REFUTED and fraction.verdict is Verdict.REFUTED


def test_outside_the_hypothesis_the_same_contradiction_is_only_inconclusive():
    verdict, (_, rate) = run_claim("thm3.5", **SMALL, rate_exponent="2")
    assert verdict is Verdict.INCONCLUSIVE and rate.observed["reading"] == "contradicts beyond the hypotheses"


def test_thm3_7_claiming_a_slower_decay_is_refuted_and_the_registered_bound_is_not():
    verdict, (check,) = run_claim("thm3.7", **SMALL, **INSIDE, eps="-0.5")
    assert verdict is Verdict.REFUTED and check.observed["contradict_it"] == 2
    _, (registered,) = run_claim("thm3.7", **SMALL, **INSIDE)
    assert registered.ok is not False and registered.observed["show_it"] == 2
