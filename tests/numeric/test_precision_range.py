"""The documented precision range (issue 13, item 2): every tier at dps 10, 300, 320, 1000 and 5000.

Budgets and node orders are logarithms and error figures are mpmath numbers, so below 1e-308 nothing
underflows to 0.0 (which used to turn a correct value into a false refutation).  Each result is compared
with a reference at more digits.
"""

from __future__ import annotations

import flint
import mpmath
import pytest

from numeric.model import evaluate

COINCIDENT = [["0.7", "0.4"], ["0.7", "0.4"]]  # closed form in every tier: L = |a|^2, grad_i = 2 a / n = a
COINCIDENT_EXACT = ["0.65", "0.7", "0.4", "0.7", "0.4"]
CLOSE = [["0.5"], ["0.5000001"]]  # one reduced dimension, a cluster: a few Gauss-Hermite nodes (precise)


def _entries(result) -> list:
    return [result.loss] + [g for row in result.grad for g in row]


def _assert_within(result, reference, dps: int) -> None:
    error = result.error
    assert isinstance(error, mpmath.mpf) and 0 < error < mpmath.mpf(10) ** (-dps + 2)
    with mpmath.workdps(dps + 40):
        if result.rigorous:
            with flint.ctx.workprec(4 * dps + 200):
                assert all(ball.contains(flint.arb(value)) for ball, value in zip(_entries(result), reference))
        else:
            assert max(abs(a - b) for a, b in zip(_entries(result), reference)) <= error


@pytest.mark.parametrize("dps", [10, 300, 320, 1000, 5000])
@pytest.mark.parametrize("tier", ["fast", "precise", "certified"])
def test_coincident_parameters_in_every_tier_across_the_range(tier, dps):
    result = evaluate(COINCIDENT, tier=tier, dps=dps)
    if tier == "fast":
        assert result.error < 1e-13 and result.to_json()["dps"] == 16
        return
    with mpmath.workdps(dps + 30):
        reference = [mpmath.mpf(x) for x in COINCIDENT_EXACT]
    _assert_within(result, reference, dps)
    assert 0 < mpmath.mpf(result.to_json()["error"]) <= result.error * (1 + mpmath.mpf(10) ** -15)  # never 0.0


@pytest.mark.parametrize("dps", [10, 300, 320])
@pytest.mark.parametrize("tier", ["precise", "certified"])
def test_a_cluster_on_a_line_across_the_range(tier, dps):
    result = evaluate(CLOSE, tier=tier, dps=dps)
    _assert_within(result, _entries(evaluate(CLOSE, tier="precise", dps=dps + 20)), dps)


@pytest.mark.slow
def test_a_cluster_on_a_line_at_1000_digits():
    result = evaluate(CLOSE, tier="precise", dps=1000)
    _assert_within(result, _entries(evaluate(CLOSE, tier="precise", dps=1020)), 1000)


@pytest.mark.slow
def test_a_cluster_on_a_line_at_5000_digits():
    result = evaluate(CLOSE, tier="precise", dps=5000)
    assert 0 < result.error < mpmath.mpf(10) ** -4990


def test_the_fast_tier_and_a_line_at_300_digits_agree():
    line = [["0.5"], ["-0.25"], ["1.25"]]
    fast, precise = evaluate(line), evaluate(line, tier="precise", dps=300)
    assert precise.error < mpmath.mpf(10) ** -298
    assert max(abs(float(a) - float(b)) for a, b in zip(_entries(fast), _entries(precise))) <= fast.error
