"""Gradient-descent runners (numeric.dynamics.gd): invariants, conventions, blow-ups, checkpoints, the paper's run."""

from __future__ import annotations

import math
from decimal import Decimal

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.config import InputError
from numeric.dynamics.checkpoint import load_checkpoint, save_checkpoint
from numeric.dynamics.gd import advance, classify, cluster_start, finish, log_grid, make_config, run_gd, start_state


def test_runs_on_a_line_through_zero_stay_on_it():
    direction = np.array([1.0, 2.0]) / math.sqrt(5.0)
    start = [[float(s * direction[0]), float(s * direction[1])] for s in (1.2, -0.4, 2.0)]
    result = run_gd(make_config(start, "0.1", 40))
    cross = result.mu[:, 0] * direction[1] - result.mu[:, 1] * direction[0]
    assert np.max(np.abs(cross)) <= 1e-14 * np.max(np.abs(result.mu))
    assert result.stopped == "budget" and result.steps == 40


def test_equal_parameters_stay_equal_exactly_in_both_tiers():
    start = [["0.7", "-0.2"], ["0.7", "-0.2"], ["-1.1", "0.4"]]
    fast = run_gd(make_config(start, "0.05", 25))
    assert np.array_equal(fast.mu[0], fast.mu[1])
    precise = run_gd(make_config(start, "0.05", 5, tier="precise", dps=30))
    assert precise.mu[0] == precise.mu[1]


@settings(deadline=None, max_examples=15)
@given(
    n=st.integers(2, 5),
    a=st.lists(st.decimals(-4, 4, places=3).map(str), min_size=1, max_size=3),
    eta=st.sampled_from(["0.01", "0.1", "0.37"]),
    steps=st.integers(1, 30),
)
def test_coincident_parameters_contract_by_one_minus_two_eta_over_n(n, a, eta, steps):
    dps = 50
    result = run_gd(make_config([a] * n, eta, steps, tier="precise", dps=dps))
    with mpmath.workdps(dps + 10):
        factor = (1 - 2 * mpmath.mpf(eta) / n) ** steps
        for row in result.mu:
            for x, a_k in zip(row, a):
                assert abs(x - factor * mpmath.mpf(a_k)) <= mpmath.mpf(10) ** (-dps) * (1 + abs(mpmath.mpf(a_k)))
    fast = run_gd(make_config([a] * n, eta, steps))
    expected = float(factor) * np.array([float(x) for x in a])
    assert np.allclose(fast.mu, expected, rtol=1e-13, atol=1e-15)


def test_original_coordinates_are_reduced_gd_with_step_eta_exp_minus_2t():
    m, t, eta = [["1.5"], ["-0.5"], ["2.5"]], 0.3, 0.2
    original = run_gd(make_config(m, repr(eta), 30, t=repr(t)))
    scale = math.exp(-t)
    reduced = run_gd(make_config([[repr(scale * float(r[0]))] for r in m], repr(eta * scale * scale), 30))
    assert np.array_equal(original.mu, reduced.mu)
    assert np.allclose(original.m, original.mu / scale)
    assert "original means m" in original.config.convention and "e^(-2t)" in original.config.convention


def test_a_huge_step_is_reported_as_a_blow_up_not_a_nan():
    result = run_gd(make_config([["0.5"], ["-1.5"], ["2"]], "1e6", 100))
    assert result.stopped == "blow-up" and "blew up at step 1" in result.reason
    assert math.isfinite(result.loss) and np.all(np.isfinite(result.mu))
    assert [s.status for s in result.statuses] == ["diverging"] * 3
    assert all(s.reason == "passed the blow-up limit" for s in result.statuses)


def test_stopping_criteria_end_the_run_early():
    result = run_gd(make_config([["0.5"], ["-0.5"]], "0.5", 10_000, stop_grad="1e-3"))
    assert result.stopped == "gradient" and result.steps < 10_000
    assert float(result.records[-1].grad_norm) <= 1e-3 and result.records[-1].iteration == result.steps


def test_log_grid_is_thinned_and_keeps_the_ends():
    grid = sorted(log_grid(20_000, 20))
    assert grid[:10] == list(range(10)) and grid[-1] == 20_000
    assert len(grid) < 100 and all(b > a for a, b in zip(grid, grid[1:]))


def test_classification_rule_on_synthetic_trajectories():
    from numeric.dynamics.gd import Record

    taus = [0, 10, 100, 500, 1000]
    records = [Record(k, 1.0, (5.0 + 1e-3 * k, 1.0 / (1 + k), 0.5 / (1 + 1e-3 * k), 0.3), 1.0) for k in taus]
    statuses = [s.status for s in classify(records)]
    assert statuses == ["diverging", "converged", "undecided", "undecided"]
    assert classify(records)[2].trend == "shrinking" and classify(records)[3].trend == "flat"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"eta": "0"}, "eta: must be positive"),
        ({"eta": "-0.1"}, "eta: must be positive"),
        ({"steps": "1.5"}, "steps: expected an integer"),
        ({"steps": "ten"}, "steps: expected an integer"),
        ({"tier": "certified"}, "tier: unknown tier"),
    ],
)
def test_bad_inputs_name_the_option(bad, message):
    with pytest.raises(InputError, match=message):
        make_config(**{"mu": [["1"], ["2"]], "eta": "0.1", "steps": 10, **bad})


class _Kill(Exception):
    pass


@pytest.mark.parametrize("tier, d, steps, kill_at", [("fast", 2, 120, 47), ("precise", 1, 12, 5)])
def test_resume_after_a_kill_equals_the_uninterrupted_run(tmp_path, tier, d, steps, kill_at):
    config = make_config(cluster_start(3, d, "1.5", "0.3", seed=4), "0.1", steps, tier=tier, dps=30)
    whole = run_gd(config)
    path = tmp_path / "run.ckpt"

    def save_then_die(state):
        save_checkpoint(path, config, state)
        if state.step == kill_at:
            raise _Kill

    with pytest.raises(_Kill):
        advance(config, start_state(config), on_step=save_then_die)
    resumed = finish(config, advance(config, load_checkpoint(path, config)))
    if tier == "fast":
        assert np.array_equal(resumed.mu, whole.mu)  # bitwise
    else:
        assert all(x._mpf_ == y._mpf_ for a, b in zip(resumed.mu, whole.mu) for x, y in zip(a, b))
    assert resumed.records == whole.records and resumed.statuses == whole.statuses


def test_checkpoint_from_another_configuration_or_corrupted_is_refused(tmp_path):
    config = make_config([["1"], ["2"]], "0.1", 5)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, config, start_state(config))
    with pytest.raises(InputError, match="another configuration.*eta"):
        load_checkpoint(path, make_config([["1"], ["2"]], "0.2", 5))
    path.write_text(path.read_text().replace('"step": 0', '"step": 3'))
    with pytest.raises(InputError, match="corrupted"):
        load_checkpoint(path, config)


def test_cluster_start_is_seeded_and_exact():
    a, b = cluster_start(5, 3, 6, "1e-7", seed=0), cluster_start(5, 3, 6, "1e-7", seed=0)
    assert a == b and a != cluster_start(5, 3, 6, "1e-7", seed=1)
    z = np.random.default_rng(0).standard_normal((5, 3))
    assert Decimal(a[0][0]) == 6 + Decimal("1e-7") * Decimal(float(z[0, 0]))
    assert Decimal(a[2][1]) == Decimal("1e-7") * Decimal(float(z[2, 1]))


# --------------------------------------------------------------------------- the paper's experiment


def _paper_run(m: int, steps: int):
    return run_gd(make_config(cluster_start(5, 3, m, "1e-7", seed=0), "0.01", steps))


def test_paper_experiment_m4_short_run_shrinks_everything():
    result = _paper_run(4, 3000)  # one parameter dips to 0.015 near step 900 and comes back: wait it out
    assert all(s.status != "diverging" and s.trend == "shrinking" for s in result.statuses)


def test_paper_experiment_m6_short_run_separates_one_parameter():
    result = _paper_run(6, 800)
    norms = sorted(s.distance for s in result.statuses)
    assert norms[0] < 0.5 < 4.0 < norms[1]


@pytest.mark.slow
def test_paper_experiment_m4_full():
    result = _paper_run(4, 20_000)
    assert all(s.status != "diverging" and s.trend == "shrinking" for s in result.statuses)


@pytest.mark.slow
def test_paper_experiment_m6_full():
    result = _paper_run(6, 20_000)
    statuses = [s.status for s in result.statuses]
    assert statuses.count("diverging") == 4 and statuses.count("converged") == 1
    assert -1.2 <= result.slope.slope <= -0.8
