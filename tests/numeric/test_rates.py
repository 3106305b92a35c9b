"""Rates (numeric.dynamics.rates): tail slopes and envelopes of L(tau) tau^p."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.dynamics.gd import log_grid
from numeric.dynamics.rates import envelope, tail_slope


@settings(deadline=None, max_examples=30)
@given(p=st.floats(0.1, 3.0), c=st.floats(1e-3, 1e3))
def test_exact_power_law_has_its_exponent_and_no_spread(p, c):
    taus = sorted(log_grid(20_000, 20))
    fit = tail_slope(taus, [c * max(k, 1) ** (-p) for k in taus])
    assert fit.slope == pytest.approx(-p, abs=1e-9) and fit.spread < 1e-9
    assert fit.start >= 2000 and fit.end == 20_000


def test_drifting_slope_shows_in_the_spread():
    taus = sorted(log_grid(100_000, 20))
    losses = [1.0 / (k * math.log(k + 2) ** 3) if k else 1.0 for k in taus]
    fit = tail_slope(taus, losses)
    assert -1.5 < fit.slope < -1.0 and fit.spread > 1e-3


def test_losses_far_below_double_range_are_handled_in_logs():
    taus = [1, 10, 100, 1000]
    with mpmath.workdps(30):
        losses = [mpmath.mpf(10) ** (-1000) / k for k in taus]
    fit = tail_slope(taus, losses, window=0.001)
    assert fit.slope == pytest.approx(-1.0, abs=1e-12)


def test_envelope_levels_off_for_the_right_exponent():
    taus = sorted(log_grid(10_000, 10))
    losses = [(2.0 + 1.0 / (k + 1)) / max(k, 1) for k in taus]
    env = envelope(taus, losses, p=1.0)
    assert np.all(np.diff(env.log_sup) >= 0) and np.all(np.diff(env.log_inf) <= 0)
    assert 2.0 <= env.tail_inf <= env.tail_sup <= 2.01
    too_fast = envelope(taus, losses, p=1.5)  # a too-large claimed exponent: no plateau
    assert too_fast.tail_sup > 3 * too_fast.tail_inf  # tau^0.5 over the last decade


def test_too_short_runs_have_no_slope():
    assert tail_slope([0], [1.0]) is None and tail_slope([0, 1], [1.0, 0.5]) is None
