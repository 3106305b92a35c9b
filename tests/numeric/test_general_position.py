"""Expectations in general position (issue 15): the switch-aware tensor rules in two and three reduced
dimensions, the randomized QMC tier, and the benchmark's Monte-Carlo baseline.

The rules are checked against the precise tier (a reference with more digits, computed by the same
switch-aware rules in balls, whose own error is far below the fast tier's) on random configurations,
within the fast tier's stated error estimate.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.expectation.gaussian import gaussian_expectation, qmc_expectation, switches
from numeric.expectation.qmc import QMCRule
from numeric.expectation.reduction import reduce_float
from numeric.model import evaluate


def _entries(result) -> list:
    return [result.loss] + [g for row in result.grad for g in row]


def _check_against_precise(mu, dps: int = 10) -> None:
    fast, precise = evaluate(mu), evaluate(mu, tier="precise", dps=dps)
    assert precise.error < mpmath.mpf(10) ** (-dps + 4)
    scale = 1 + max(sum(float(x) ** 2 for x in row) for row in mu)
    worst = max(abs(float(a) - float(b)) for a, b in zip(_entries(fast), _entries(precise)))
    assert worst <= fast.error, (fast.method, worst, fast.error)
    assert fast.error <= 1e-11 * scale


def _configuration(n, d, coordinate):
    return st.lists(st.lists(coordinate, min_size=d, max_size=d), min_size=n, max_size=n)


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: _configuration(n, 2, st.decimals(-1.2, 1.2, places=1).map(str))))
def test_two_dimensions_agree_with_a_precise_reference_within_the_estimate(mu):
    _check_against_precise(mu)


@settings(max_examples=6, deadline=None)
@given(
    st.integers(3, 5).flatmap(lambda n: _configuration(n, 3, st.decimals(-0.3, 0.3, places=2).map(str))),
    st.sampled_from([0.0, 2.0]),
)
def test_three_dimensions_agree_with_a_precise_reference_within_the_estimate(mu, shift):
    mu = [[str(float(row[0]) + shift)] + row[1:] for row in mu]
    _check_against_precise(mu)


@pytest.mark.parametrize(
    "mu",
    [
        [["30", "0"], ["0", "30"], ["0", "0"]],
        [["-25", "3"], ["25", "-2"], ["0.5", "0.2"]],
        [["40", "0", "0"], ["0", "40", "0"], ["0", "0", "40"], ["0.3", "-0.2", "0.1"]],
    ],
)
def test_far_apart_parameters_need_no_fine_rule_and_stay_accurate(mu):
    """Switches far out in the tails (or under a dominating third logit) are not resolved, and need not be."""
    assert evaluate(mu).to_json()["method"].count("Gauss-Hermite") == len(mu[0])
    _check_against_precise(mu)


def test_a_switch_outweighed_by_a_third_logit_everywhere_is_dropped():
    # the switch between (30, 0) and (0, 30) crosses the origin, but there (0, 0) wins by 450 and more
    center, offsets = np.zeros(2), np.array([[30.0, 0.0], [0.0, 30.0], [0.0, 0.0]])
    assert switches(center, offsets, cut=9.0, digits=16.0) == []
    kept = switches(center, np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), cut=9.0, digits=16.0)
    assert len(kept) == 3


def test_the_paper_run_state_is_integrated_by_a_few_thousand_nodes():
    mu = np.array([[7.45, 0.0, 0.0], [7.4501, 1e-8, 0.0], [7.4503, 0.0, 2e-8], [7.4499, -1e-8, 1e-8], [0.0066, 0, 0]])
    result = gaussian_expectation(reduce_float(mu), "fast")
    assert result.nodes < 5000 and max(result.errors) < 1e-10


@pytest.mark.parametrize("seed", [0, 1])
def test_qmc_agrees_with_the_tensor_rule_at_rank_3_within_its_error_bar(seed):
    mu = np.round(np.random.default_rng(seed).standard_normal((4, 3)) * 0.8, 2)
    red = reduce_float(mu)
    tensor = gaussian_expectation(red, "fast")
    statistical = qmc_expectation(red, QMCRule(log2_points=12, seed=seed))
    assert statistical.statistical and not statistical.rigorous
    assert "randomized QMC (statistical)" in statistical.method
    gap = np.abs(np.array(statistical.values) - np.array(tensor.values))
    assert np.all(gap <= np.array(statistical.errors) + np.array(tensor.errors))
    assert max(statistical.errors) < 1e-2


def test_rank_4_is_answered_by_qmc_labelled_statistical_and_reproducible():
    mu = np.round(np.random.default_rng(3).standard_normal((5, 4)), 3).tolist()
    first, again = evaluate(mu), evaluate(mu)
    assert "randomized QMC (statistical)" in first.method and not first.rigorous
    assert first.to_json()["rigorous"] is False
    assert first.loss == again.loss  # seeded scramblings


def test_the_strongest_monte_carlo_baseline_is_the_same_estimator():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    mu = np.array(bench.general_configuration())
    naive = bench.monte_carlo_gradient(mu, np.random.default_rng(11))
    strong = bench.MonteCarlo(*mu.shape, np.random.default_rng(11))(mu)
    assert np.max(np.abs(strong - naive)) <= 1e-12 * np.max(np.abs(naive))
