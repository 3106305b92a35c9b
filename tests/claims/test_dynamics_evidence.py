"""The shared dynamics machinery: hypotheses as data (a symmetric rule), exact binomial intervals, the notes a run
adds to its claim, GD against the flow, and fates read off a curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from proofs_check.core.claim import Check, Claim, Verdict
from proofs_check.core.runner import Task, run_claim
from proofs_check.evidence.dynamics import (
    Curve,
    Outcome,
    binomial_interval,
    flow_gap,
    norms_figure,
    probability_outcome,
)
from proofs_check.evidence.hypotheses import (
    FLOW,
    STEP_RULE,
    Hypothesis,
    dynamics_check,
    judged,
    merged,
    reach_notes,
    rule_step,
    step_rule,
)

INSIDE = [Hypothesis("a", True, "a holds"), Hypothesis("b", True, "b holds")]
OUTSIDE = [Hypothesis("a", True, "a holds"), Hypothesis("b", False, "b fails")]


@pytest.mark.parametrize(("ok", "verdict"), [(True, Verdict.SUPPORTED), (False, Verdict.REFUTED), (None, None)])
def test_inside_every_hypothesis_a_check_may_support_or_refute(ok, verdict):
    assert judged(ok, INSIDE)[0] is (verdict or Verdict.INCONCLUSIVE)


@pytest.mark.parametrize(
    ("ok", "words"),
    [
        (True, "Consistent beyond the hypotheses"),
        (False, "Contradicts beyond the hypotheses"),
        (None, "Undecided beyond the hypotheses"),
    ],
)
def test_outside_a_hypothesis_pass_and_failure_are_both_inconclusive(ok, words):
    verdict, detail = judged(ok, OUTSIDE)
    assert verdict is Verdict.INCONCLUSIVE
    assert detail.startswith(words) and "b: b fails" in detail


def test_a_dynamics_check_records_its_hypotheses_step_and_reading():
    check = dynamics_check(
        name="x",
        instance={"n": 3},
        step=0.01,
        hypotheses=OUTSIDE,
        method="m",
        claimed="c",
        observed={"v": 1},
        ok=True,
        detail="passed.",
    )
    assert check.instance == {"n": 3, "step": 0.01, "hypotheses": {"a": True, "b": False}}
    assert check.observed["reading"] == "consistent beyond the hypotheses"
    assert check.verdict is Verdict.INCONCLUSIVE
    with pytest.raises(ValueError, match="repeat"):
        dynamics_check(**{**_fields(), "hypotheses": [INSIDE[0], INSIDE[0]]})


def _fields() -> dict:
    return dict(name="x", instance={}, step=FLOW, method="m", claimed="c", observed={}, ok=True, detail="")


@pytest.mark.parametrize(
    ("n", "d", "eta", "inside"),
    [(3, 1, 0.01, True), (3, 1, 0.0124, False), (5, 1, 1 / 625, True), (5, 1, 0.01, False), (3, 1, FLOW, True)],
)
def test_the_step_rule(n, d, eta, inside):
    assert step_rule(eta, n, d, STEP_RULE).holds is inside


def test_the_claims_step_is_the_papers_where_the_rule_allows_it():
    assert rule_step(3, 1, STEP_RULE) == 0.01  # 1/81 = 0.0123 allows the paper's 0.01
    assert rule_step(5, 1, STEP_RULE) == 1 / 625
    assert rule_step(3, 2, {**STEP_RULE, "step_constant": 0.5}) == 0.5 / 324


def test_hypotheses_over_several_runs_hold_only_if_they_hold_at_every_run():
    (a, b) = merged([INSIDE, OUTSIDE, INSIDE])
    assert (a.name, a.holds) == ("a", True) and (b.name, b.holds) == ("b", False)
    assert b.words == "b fails (fails at 1 of 3 runs)"


def test_reach_notes_name_each_hypothesis_out_of_reach():
    inside = dynamics_check(**{**_fields(), "name": "in", "hypotheses": INSIDE})
    outside = dynamics_check(**{**_fields(), "name": "out", "hypotheses": OUTSIDE})
    plain = Check(name="p", instance={}, method="m", dps=None, claimed=1, observed={}, ok=True, verdict=Verdict.PROVED)
    assert reach_notes([plain]) == []
    assert reach_notes([inside, plain]) == ["Every hypothesis holds at all 1 dynamics checks."]
    (note,) = reach_notes([inside, outside])
    assert note.startswith("Hypothesis b out of reach at 1 of 2 dynamics checks") and note.endswith("out.")


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 5), (5, 5), (19, 20), (40, 40)])
def test_the_binomial_interval_is_clopper_pearson(k, n):
    low, high = binomial_interval(k, n, 0.95)
    expected = binomtest(k, n).proportion_ci(0.95, method="exact")
    assert math.isclose(low, expected.low, abs_tol=1e-12) and math.isclose(high, expected.high, abs_tol=1e-12)


def test_a_probability_is_decided_only_by_the_ends_of_the_interval():
    assert probability_outcome(40, 0, 40, 0.9, 0.95)[0] is True  # lower end 0.912
    ok, (low, _), words = probability_outcome(20, 0, 20, 0.9, 0.95)
    assert ok is None and low < 0.9 and "even 20 of 20" in words  # 20 runs can never clear 0.9
    assert probability_outcome(0, 3, 3, 0.9, 0.95)[0] is False  # upper end 0.71
    # undecided runs count against the event for the lower end and for it for the upper end
    assert probability_outcome(36, 0, 40, 0.9, 0.95)[0] is None
    assert probability_outcome(0, 1, 40, 0.9, 0.95)[0] is None


def _summarize(checks: list[Check]) -> list[str]:
    return [f"{len(checks)} checks ran"]


def _run(profile, params, *, seed, progress):
    return [dynamics_check(**{**_fields(), "hypotheses": OUTSIDE})]


def test_the_runner_adds_the_notes_a_claim_draws_from_its_run():
    claim = Claim(id="fake.dyn", label="Fake", statement="s", run=_run, notes=("static",), summarize=_summarize)
    record = run_claim(Task(claim, {}), "quick", 0)
    assert record.notes == ["static", "1 checks ran"]
    assert record.verdict is Verdict.INCONCLUSIVE


def _curve(times, norms, mu_end, loss) -> Curve:
    times, norms = np.asarray(times, dtype=float), np.asarray(norms, dtype=float)
    loss = np.asarray(loss, dtype=float)
    return Curve(FLOW, times, loss, 1e-12 * loss, norms, 1e-12 * norms, np.asarray(mu_end), "m", "horizon", "")


def test_fates_come_from_fitted_laws_and_are_reported():
    s = np.concatenate([[0.0], np.geomspace(1e-2, 1e6, 161)])
    norms = np.stack([1 / np.sqrt(1 + s), 3 + np.log1p(s), 3 + np.log1p(s)], axis=1)
    outcome = Outcome.of(_curve(s, norms, [[0.0], [1.0], [1.0]], 1 / (1 + s) ** 2))
    assert (outcome.converged, outcome.diverging, outcome.undecided) == ((0,), (1, 2), ())
    assert outcome.matches(1) is True and outcome.matches(2) is False and outcome.all_converge() is False
    observed = outcome.observed()
    assert observed["converged"] == [1] and observed["diverging"] == [2, 3]
    assert observed["laws"]["mu_2"]["limit"] == "infinity" and observed["laws"]["mu_1"]["limit"] == "zero"
    assert "mu_2, mu_3: diverging" in outcome.law_words()  # one group, one law


def test_the_gap_to_the_flow_is_relative():
    flow = _curve([0.0, 1.0], [[1.0], [0.5]], [[0.5]], [1.0, 0.25])
    gd = _curve([0.0, 1.0], [[1.0], [0.51]], [[0.51]], [1.0, 0.26])
    gap = flow_gap(gd, flow)
    assert math.isclose(gap.loss_gap, 0.04) and math.isclose(gap.mu_gap, 0.01)
    with pytest.raises(ValueError, match="ends at"):
        flow_gap(_curve([0.0, 2.0], [[1.0], [0.5]], [[0.5]], [1.0, 0.25]), flow)


def test_the_norms_figure_has_a_legend_entry_for_every_drawn_line():
    s = np.geomspace(1e-2, 1e2, 20)
    norms = np.stack([1 / (1 + s), 2 + 0 * s, 2 + 0 * s], axis=1)
    figure = norms_figure([("run", _curve(s, norms, [[0.0], [2.0], [2.0]], 1 / (1 + s)))], "title")
    (axes,) = figure.axes
    labels = [line.get_label() for line in axes.get_lines()]
    assert labels == ["run: mu_1", "run: mu_2..mu_3 (equal)"]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == labels
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title() == "title"
