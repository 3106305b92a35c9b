"""Asymptotic laws on synthetic curves whose truth is known (numeric.dynamics.asymptotics)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numeric.config import InputError
from numeric.dynamics.asymptotics import (
    decide_lower_rate,
    decide_upper_rate,
    local_exponent,
    parameter_fates,
    settled_time,
)


def record_times(low: float, high: float, per_decade: int = 20) -> np.ndarray:
    """``0`` and then a log grid from ``10^low`` to ``10^high``, as a flow run records."""
    return np.concatenate([[0.0], np.logspace(low, high, round((high - low) * per_decade) + 1)])


def noisy(values: np.ndarray, level: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Values with relative uniform noise of ``level`` and the matching error figure."""
    noise = np.random.default_rng(seed).uniform(-level, level, len(values))
    return values * (1 + noise), level * values * (1 + level)


def power_law(high: float = 8.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = record_times(-2, high)
    loss, error = noisy(3.0 / (1 + s) ** 2, 1e-3)
    return s, loss, error


# --------------------------------------------------------------------------- local exponent and settling


def test_local_exponent_of_a_power_law_and_its_error_band():
    s, loss, error = power_law()
    exponent = local_exponent(s, loss, error)
    tail = exponent.times > 1e3
    assert exponent.times[0] == pytest.approx(1e-2) and len(exponent.times) == len(s) - 1
    assert np.all(np.abs(exponent.exponent[tail] - 2) <= exponent.error[tail])
    assert np.all(exponent.error[tail] < 0.02)


def test_unresolved_records_end_the_curve():
    s = record_times(0, 6)
    loss = 1 / (1 + s) ** 2
    error = np.full_like(s, 1e-9)  # the loss falls below its error at s ~ 3e4
    exponent = local_exponent(s, loss, error)
    assert exponent.times[-1] < 2e4 and np.all(np.isfinite(exponent.error))


def test_an_exponential_transient_settles_after_it_ends():
    s = record_times(-2, 8)
    loss = np.exp(-s / 2) + 1e-6 / (1 + s) ** 2
    exponent = local_exponent(s, loss, 1e-9 * loss)
    settled = settled_time(exponent)
    assert settled is not None and 30 < settled < 1e3  # e^(-s/2) is below the power law from s ~ 40
    late = exponent.times > settled
    assert np.all(np.abs(exponent.exponent[late] - 2) < 0.1)


def test_a_transient_that_has_not_ended_is_not_settled():
    s = record_times(-2, 3)  # the horizon sits inside the exponential phase
    loss = np.exp(-s / 2) + 1e-6 / (1 + s) ** 2
    assert settled_time(local_exponent(s, loss, 1e-9 * loss)) is None
    assert decide_upper_rate(s, loss, 1e-9 * loss, 2.0).outcome == "undecided"


def test_an_exponential_settles_as_faster_than_any_power_not_as_a_plateau():
    s = record_times(-2, 4)
    loss = np.exp(-s / 75)
    exponent = local_exponent(s, loss, 1e-12 * loss)
    assert settled_time(exponent) == pytest.approx(1e-2)
    decision = decide_upper_rate(s, loss, 1e-12 * loss, 2.0)
    assert decision.outcome == "holds" and decision.regime == "faster than any power"
    assert decide_lower_rate(s, loss, 1e-12 * loss, 2.0).outcome == "fails"


def test_an_exponential_seen_only_on_its_plateau_decides_nothing():
    """On ``s <= 10`` the exponent of ``e^(-s/75)`` is below 0.14 and flat in absolute terms: ``L s^2`` rises
    by a factor 10^4, yet the exponent multiplies by 10 per decade, so nothing there is a settled power law."""
    s = record_times(-2, 1)
    loss = np.exp(-s / 75)
    assert decide_upper_rate(s, loss, 1e-12 * loss, 2.0).outcome == "undecided"
    assert decide_lower_rate(s, loss, 1e-12 * loss, 2.0).outcome == "undecided"


# --------------------------------------------------------------------------- rates


@pytest.mark.parametrize("p, outcome", [(2.0, "holds"), (1.5, "holds"), (3.0, "fails")])
def test_upper_rates_of_a_noisy_power_law(p, outcome):
    decision = decide_upper_rate(*power_law(), p)
    assert decision.outcome == outcome, decision.reason
    assert decision.tail_exponent == pytest.approx(2.0, abs=decision.tail_error + 1e-3)
    assert decision.window == (pytest.approx(1e6), pytest.approx(1e8)) and 1 < decision.settled < 1e2
    assert decision.rise == pytest.approx(10 ** (2 * (p - decision.tail_exponent)))


@pytest.mark.parametrize("p, outcome", [(2.0, "holds"), (3.0, "holds"), (1.0, "fails")])
def test_lower_rates_mirror_the_upper(p, outcome):
    assert decide_lower_rate(*power_law(), p).outcome == outcome


def test_a_claimed_exponent_a_little_above_the_true_one_is_undecided():
    """``L s^2.2`` rises by a factor 10^0.4 over two decades: not the factor 10 a failure needs."""
    assert decide_upper_rate(*power_law(), 2.2).outcome == "undecided"


def one_over_s_log_s(s: np.ndarray) -> np.ndarray:
    """``1 / (s log s)`` at the records ``s > 1`` (the value at ``s = 0`` is never read)."""
    return 1 / (np.where(s > 1, s, 2.0) * np.log(np.where(s > 1, s, 2.0)))


@pytest.mark.parametrize(
    "high, p, upper, lower",
    [
        (8, 1.0, "holds", "undecided"),
        (8, 1.05, "undecided", "undecided"),  # the exponent 1 + 1/log s is still 1.06, drifting down
        (12, 1.0, "holds", "undecided"),
        (12, 1.05, "undecided", "holds"),  # past s = e^20 the exponent is below 1.05
    ],
)
def test_one_over_s_log_s(high, p, upper, lower):
    s = record_times(0.5, high)
    loss = one_over_s_log_s(s)
    error = 1e-10 * loss
    up, down = decide_upper_rate(s, loss, error, p), decide_lower_rate(s, loss, error, p)
    assert (up.outcome, down.outcome) == (upper, lower), (up.reason, down.reason)
    assert up.drift < 0 and up.drift_error < 1e-6


def test_a_false_exponent_above_a_log_corrected_one_never_holds():
    """At every horizon from 1e6 to 1e14, O(s^-1.05) for 1/(s log s) is never 'holds' (module docstring)."""
    for high in range(6, 15):
        s = record_times(0.5, high)
        loss = one_over_s_log_s(s)
        assert decide_upper_rate(s, loss, 1e-10 * loss, 1.05).outcome == "undecided"


def test_an_unresolved_window_is_undecided_and_says_so():
    s, loss, _ = power_law()
    decision = decide_upper_rate(s, loss, np.full_like(loss, 1e-13), 2.0)  # the loss sinks below 1e-13 at s ~ 5e6
    assert decision.window[1] < 1e7 and "resolved" in decision.reason


def test_bad_inputs_are_named():
    s, loss, error = power_law()
    with pytest.raises(InputError, match="^p:"):
        decide_upper_rate(s, loss, error, math.nan)
    with pytest.raises(InputError, match="^loss:"):
        decide_upper_rate(s, loss[:-1], error, 2.0)
    with pytest.raises(InputError, match="^times:"):
        decide_lower_rate(s[::-1], loss, error, 2.0)
    with pytest.raises(InputError, match="^decades:"):
        decide_lower_rate(s, loss, error, 2.0, decades=4.0)


# --------------------------------------------------------------------------- fates


def test_fates_of_growing_decaying_and_flat_norms():
    s = record_times(-2, 8)
    with np.errstate(over="ignore", under="ignore"):
        norms = np.stack(
            [
                1 + np.log1p(s),
                np.sqrt(1 + s),
                1 / np.sqrt(1 + s),
                np.full_like(s, 0.7),
                2 + 1 / (1 + s),
                np.exp(-s / 100),
            ],
            axis=1,
        )
    values, errors = noisy(norms.ravel(), 1e-6)
    fates = parameter_fates(s, values.reshape(norms.shape), errors.reshape(norms.shape))
    assert [f.status for f in fates] == ["diverging", "diverging", "converged", "undecided", "undecided", "converged"]
    laws = [f.law.law for f in fates]
    assert laws[0] == "||mu|| ~ A + C log s (C > 0)" and fates[0].law.parameters["C"] == pytest.approx(1, rel=1e-3)
    assert laws[1] == "||mu|| ~ C s^a (a > 0)" and fates[1].law.parameters["a"] == pytest.approx(0.5, rel=1e-3)
    assert laws[2] == "||mu|| ~ C s^-a (a > 0)" and fates[2].law.parameters["a"] == pytest.approx(0.5, rel=1e-3)
    assert fates[3].law.limit == "finite" and "flat" in fates[3].reason
    assert fates[4].law.limit == "finite"
    assert laws[5] == "||mu|| ~ C e^(-k s) (k > 0)" and fates[5].law.parameters["k"] == pytest.approx(0.01, rel=1e-6)
    assert fates[5].window[1] < 1e5  # the decay leaves the double range: the resolved records end there
    assert fates[1].window == (pytest.approx(1e6), pytest.approx(1e8))


def test_scatter_beyond_the_error_figure_is_no_trend():
    s = record_times(-2, 8)
    flat, _ = noisy(np.full_like(s, 0.7), 1e-4, seed=3)
    fate = parameter_fates(s, flat[:, None], np.full((len(s), 1), 1e-12))[0]
    assert fate.status == "undecided"


def test_a_bump_inside_the_window_is_no_fate():
    s = record_times(-2, 8)
    bump = (1 + s) ** 0.5 * (1 + 4 * np.exp(-((np.log10(1 + s) - 7.5) ** 2) * 8))  # rises, falls back near 3e7
    fate = parameter_fates(s, bump[:, None], 1e-9 * bump[:, None])[0]
    assert fate.status == "undecided" and "not monotone" in fate.reason


def test_a_short_record_is_undecided():
    s = record_times(-2, -0.5)
    fate = parameter_fates(s, np.sqrt(1 + s)[:, None], 1e-9 * np.ones((len(s), 1)))[0]
    assert fate.status == "undecided" and fate.law is None and "decades" in fate.reason
