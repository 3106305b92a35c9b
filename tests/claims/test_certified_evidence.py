"""Theorem 3.4's certified away check: refuted by a proof at n = 3, and only where the proof reaches."""

from __future__ import annotations

import json

import pytest

from proofs_check.core.claim import Verdict
from proofs_check.core.jsonfmt import to_json
from proofs_check.evidence.certified import certified_away_checks

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_the_registered_statement_is_refuted_with_ball_arithmetic():
    (check,) = certified_away_checks()
    assert check.verdict is Verdict.REFUTED and check.ok is False
    assert "ball arithmetic" in check.method and "python-flint" in check.method
    instance = check.instance
    assert instance["step"] == 0.01 and instance["n"] == 3 and instance["orientation"] == "away"
    assert instance["hypotheses"] == {"step_rule": True, "min_M0": True, "eps0": True}
    observed = check.observed
    assert observed["mu_1_bounded_below_forever"] and observed["converging_counts_possible"] == [0, 2]
    assert 100 < observed["entry_step"] < 200 and observed["invariance"]["proven"]
    assert "F(R) <= R" in check.detail and "after" in check.detail and "refuted" in check.detail
    json.dumps(to_json(check.observed))  # the report can hold it


def test_an_edited_statement_the_proof_cannot_contradict_is_not_refuted():
    certified_away_checks()  # computed once (or reused): the statement's constants are not part of the key
    (check,) = certified_away_checks(converging=2)  # "exactly n - 1 converge": consistent with what is proven
    assert check.verdict is Verdict.INCONCLUSIVE and check.ok is None
    assert check.observed["reused_from_cache"] and "Reused from the on-disk cache" in check.detail


def test_outside_the_step_rule_the_proof_is_evidence_not_a_verdict():
    (check,) = certified_away_checks(step_constant=0.5)  # the rule becomes eta <= 0.5 / 81 = 0.0062 < 0.01
    assert check.instance["hypotheses"]["step_rule"] is False
    assert check.verdict is Verdict.INCONCLUSIVE and "beyond its hypotheses" in check.detail


def test_a_region_the_horizon_does_not_reach_leaves_the_enclosure_as_evidence():
    (check,) = certified_away_checks(region=("6", "0.25", "1"), steps=150)
    assert check.verdict is Verdict.INCONCLUSIVE and check.observed["entry_step"] is None
    assert "did not enter R" in check.detail and "Certified enclosure after 150" in check.detail
