"""numeric.studies.critical_spread: start patterns, single trials, the bisection's bracket, the law fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import numeric.studies.critical_spread as critical
from numeric.config import InputError
from numeric.studies.critical_spread import Rules, Trial, critical_spread, fit_power_laws, pattern_offsets, trial


def test_collinear_offsets_are_evenly_spaced_along_the_cluster_direction():
    u = pattern_offsets(5, 3, "collinear")
    assert np.allclose(u[:, 0], [-1, -0.5, 0, 0.5, 1]) and np.all(u[:, 1:] == 0)


def test_random_offsets_are_reproducible_with_largest_norm_one():
    u = pattern_offsets(4, 3, "random", seed=7)
    assert np.allclose(u, pattern_offsets(4, 3, "random", seed=7))
    assert not np.allclose(u, pattern_offsets(4, 3, "random", seed=8))
    assert math.isclose(np.max(np.linalg.norm(u, axis=1)), 1.0)


@pytest.mark.parametrize("args", [(1, 1, "collinear"), (3, 0, "collinear"), (3, 1, "zigzag")])
def test_bad_pattern_arguments_raise(args):
    with pytest.raises(InputError):
        pattern_offsets(*args)


def test_a_spread_that_never_resolves_is_decided_by_the_linearized_runner():
    result = trial(3.0, pattern_offsets(3, 1, "collinear"), -40.0, 0.01)
    assert (result.outcome, result.method, result.direct_steps) == ("all-converge", "linearized", 0)
    assert "peaks at 10^" in result.detail


def test_direct_trials_on_both_sides_of_the_switch():
    u = pattern_offsets(2, 1, "collinear")
    small, large = trial(2.0, u, -2.0, 0.01), trial(2.0, u, 0.0, 0.01)
    assert (small.outcome, small.method) == ("all-converge", "direct")
    assert large.outcome == "not-all-converge" and "climbed" in large.detail


def _fake_trial(switch: float, undecided: float = 0.0):
    def fake(M0, u, log10_eps, eta, rules):
        if abs(log10_eps - switch) < undecided:
            outcome = "undecided"
        else:
            outcome = "all-converge" if log10_eps < switch else "not-all-converge"
        return Trial(log10_eps, outcome, "fake", 0, 0, 0.0, "")

    return fake


@pytest.mark.parametrize("switch", [-2.345, -13.9, 0.7])
def test_bisection_bracket_is_consistent(monkeypatch, switch):
    monkeypatch.setattr(critical, "trial", _fake_trial(switch))
    point = critical_spread(3, 1, 3.0, rules=Rules(tol=0.05))
    lo, hi = point.bracket
    assert lo < switch <= hi and hi - lo <= 0.05
    outcomes = {t.log10_eps: t.outcome for t in point.trials}
    assert outcomes[lo] == "all-converge" and outcomes[hi] == "not-all-converge"
    assert point.log10_eps_c == pytest.approx((lo + hi) / 2)


def test_an_undecided_midpoint_stops_the_bisection_with_an_honest_bracket(monkeypatch):
    monkeypatch.setattr(critical, "trial", _fake_trial(-2.5, undecided=0.2))
    point = critical_spread(3, 1, 3.0, rules=Rules(tol=0.01))
    lo, hi = point.bracket
    assert lo < -2.5 < hi and point.trials[-1].outcome == "undecided"


def test_no_switch_in_the_search_range_leaves_one_end_open(monkeypatch):
    monkeypatch.setattr(critical, "trial", _fake_trial(50.0))
    point = critical_spread(3, 1, 3.0, rules=Rules(highest=1.0))
    assert point.bracket[1] is None and point.log10_eps_c is None


def test_first_order_amplification_is_the_product_over_the_contraction():
    """``A = prod (1 + 4 eta |a(tau)|^2 / n)``: ``exp(M0^2)`` for small eta, less at eta = 0.01, n = 3."""
    n, m0, eta = 3, 4.0, 0.01
    log10_amp, guess = critical._first_order_guess(m0, pattern_offsets(n, 1, "collinear"), eta)
    q2 = (1 - 2 * eta / n) ** 2
    exact = sum(math.log1p(4 * eta * m0**2 / n * q2**k) for k in range(20000))
    assert log10_amp * math.log(10) == pytest.approx(exact, rel=1e-6) and guess == -log10_amp
    assert 0.9 * m0**2 < exact < m0**2


def test_law_fit_picks_the_true_power():
    m0 = np.array([2.0, 3, 4, 5, 6, 7])
    fits = fit_power_laws(m0, 1.2 - 0.43 * m0**2)
    assert fits[0].power == 2 and fits[0].rms < 1e-12 and fits[0].slope == pytest.approx(-0.43)
    assert {fit.power for fit in fits} == {1, 2, 3} and fits[-1].rms > fits[0].rms
    with pytest.raises(InputError):
        fit_power_laws([1.0, 2.0], [0.0, 1.0])


@pytest.mark.slow
def test_linearized_handoff_agrees_with_direct_runs_from_the_start():
    """At M0 = 4 (eps_c ~ 1e-6.7) both routes are feasible in double precision: they must agree."""
    u = pattern_offsets(5, 1, "collinear")
    for log10_eps in (-7.6, -6.0):
        via_linearized = trial(4.0, u, log10_eps, 0.01, Rules(handoff=1e-4))
        direct = trial(4.0, u, log10_eps, 0.01, Rules(handoff=1e-300))
        assert via_linearized.method == "linearized+direct" and direct.method == "direct"
        assert via_linearized.outcome == direct.outcome != "undecided"


@pytest.mark.slow
def test_real_bisection_brackets_the_switch():
    point = critical_spread(2, 1, 2.0, rules=Rules(tol=0.5))
    lo, hi = point.bracket
    outcomes = {t.log10_eps: t.outcome for t in point.trials}
    assert lo < hi and outcomes[lo] == "all-converge" and outcomes[hi] == "not-all-converge"
