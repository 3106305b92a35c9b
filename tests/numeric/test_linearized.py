"""Linearized spread around a coincident cluster (numeric.dynamics.linearized) against precise GD and finite
differences."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numeric.config import InputError
from numeric.dynamics.gd import make_config, run_gd
from numeric.dynamics.linearized import check_jvp, linearized_spread, predicted_mu

DIRECTIONS = [[0.3], [-1.1], [0.8]]


def test_closed_form_jvp_matches_precise_finite_differences():
    # the derivation grad_i L(a + delta) = (2/n)(a + mean delta) - (4/n) a <a, e_i> + O(delta^2), in d = 3
    z = np.random.default_rng(7).standard_normal((5, 3))
    run = linearized_spread([3.0, -1.0, 0.5], z, -20.0, "0.05", 200, tier="precise", dps=40)
    gaps = check_jvp(run, dps=40, samples=3)
    assert len(gaps) == 3 and max(gap for _, gap in gaps) < 1e-25


def test_linearized_run_matches_direct_precise_gd_to_first_order():
    # n = 3, d = 1, M0 = 2, spread 1e-30, dps = 60: the deviations mu_i - a agree up to O(spread^2)
    dps, steps, eta = 60, 30, "0.05"
    scale = mpmath.mpf("1e-30")
    with mpmath.workdps(dps + 10):
        start = [[mpmath.nstr(2 + scale * mpmath.mpf(z[0]), dps + 10)] for z in DIRECTIONS]
    direct = run_gd(make_config(start, eta, steps, tier="precise", dps=dps))
    with mpmath.workdps(dps + 10):
        run = linearized_spread([2], DIRECTIONS, mpmath.log(scale), eta, steps, tier="precise", dps=dps)
        predicted = predicted_mu(run, -1, dps)
        a = (1 - 2 * mpmath.mpf(eta) / 3) ** steps * 2
        deviation = [row[0] - a for row in direct.mu]
        linear = [row[0] - a for row in predicted]
        size = max(abs(x) for x in linear)
        assert size > 2 * scale  # the spread was amplified, not just carried along
        assert max(abs(x - y) for x, y in zip(deviation, linear)) / size < 1e-22
    # the double-precision walk agrees to double precision
    fast = linearized_spread([2], DIRECTIONS, float(mpmath.log(scale)), eta, steps)
    assert np.allclose([float(x) for x in run.log_spread], fast.log_spread, rtol=1e-13)
    assert abs(float(run.log_amplification[-1]) - fast.log_amplification[-1]) < 1e-12


def test_exponentially_small_spreads_stay_in_logs():
    z = np.random.default_rng(3).standard_normal((5, 3))
    run = linearized_spread([4.0, 0.0, 0.0], z, -1e6, "0.01", 20_000, targets=[-1e6 + 5.0, 0.0])
    assert all(math.isfinite(x) for x in run.log_spread) and run.log_spread[0] < -999_990
    assert run.reach["-999995.0"] is not None and run.reach["0.0"] is None
    assert run.growth[-1] == pytest.approx(float(run.log_amplification[-1]), abs=0.5)
    with mpmath.workdps(30):
        precise = linearized_spread([4.0, 0.0, 0.0], z, "-1e6", "0.01", 2000, tier="precise", dps=30)
        assert precise.log_spread[0] < -999_990
        assert predicted_mu(precise)[0][0] > 0  # exp(-1e6) as an mpf, never as a double


def test_total_amplification_is_about_exp_c_squared_for_small_steps():
    run = linearized_spread([3.0], DIRECTIONS, -50.0, "0.001", 10, tier="fast")
    eta, n = 0.001, 3
    assert run.log_amplification_limit == pytest.approx(9.0, rel=eta * 9 / n + 1e-3)


def test_reach_is_the_first_crossing():
    run = linearized_spread(
        [5.0], DIRECTIONS, math.log(1e-7), "0.01", 5000, targets=[math.log(1e-3)], points_per_decade=200
    )
    tau = run.reach[str(math.log(1e-3))]
    assert tau is not None
    before = [s for k, s in zip(run.iterations, run.log_spread) if k < tau]
    after = [s for k, s in zip(run.iterations, run.log_spread) if k >= tau]
    assert max(before) < math.log(1e-3) <= min(after)
    precise = linearized_spread(
        [5.0], DIRECTIONS, math.log(1e-7), "0.01", 5000, targets=[math.log(1e-3)], tier="precise", dps=20
    )
    assert precise.reach[str(math.log(1e-3))] == tau


def test_step_outside_the_contracting_range_is_refused():
    with pytest.raises(InputError, match="^eta:"):
        linearized_spread([1.0], DIRECTIONS, -10.0, "3", 10)
