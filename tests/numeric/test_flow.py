"""The gradient flow (numeric.dynamics.flow): records, invariants, error figure, stops, failures, and GD's limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

import numeric.dynamics.flow as flow
from numeric.config import InputError
from numeric.dynamics.asymptotics import decide_upper_rate, parameter_fates
from numeric.dynamics.flow import FlowFailure, flow_grid, reduce_start, run_flow, widened
from numeric.dynamics.gd import make_config, run_gd

LINE = np.array([[0.3], [-0.2], [0.1]])


@pytest.fixture(scope="module")
def line_run():
    return run_flow(LINE, 10.0)


def test_records_on_a_log_grid(line_run):
    times = line_run.times
    assert times[0] == 0 and times[1] == pytest.approx(1e-2) and times[-1] == 10.0
    assert np.all(np.diff(times) > 0)
    assert np.allclose(np.diff(np.log10(times[1:-1])), 1 / 20)
    k = len(times)
    assert line_run.mu.shape == (k, 3, 1) and line_run.norms.shape == (k, 3) and line_run.loss.shape == (k,)
    assert line_run.loss_error.shape == (k,) and line_run.norms_error.shape == (k, 3)
    assert np.array_equal(line_run.mu[0], LINE) and line_run.stopped == "horizon"
    assert "LSODA" in line_run.method and "rtol = 1e-08" in line_run.method and "fast tier" in line_run.method


def test_the_loss_never_rises_along_the_flow(line_run):
    rises = np.diff(line_run.loss)
    assert np.all(rises <= line_run.loss_error[1:] + line_run.loss_error[:-1] + 1e-15)


def test_grid_below_the_first_time():
    assert np.array_equal(flow_grid(5e-3, 1e-2, 20), [0.0, 5e-3])
    assert flow_grid(1e3, 1e-2, 4)[-2:].tolist() == pytest.approx([10**2.75, 1e3])


def test_coincident_parameters_follow_the_closed_form():
    """All ``mu_i = a``: ``w_i = 1/n``, ``grad_i = 2a/n``, so ``a(s) = a e^(-2s/n)`` and ``L = |a|^2 e^(-4s/n)``."""
    a = np.array([0.5, -0.25])
    run = run_flow(np.tile(a, (3, 1)), 10.0)
    exact = (a @ a) * np.exp(-4 * run.times / 3)
    assert np.all(np.abs(run.loss - exact) <= 1e-6 * exact)
    assert np.all(np.abs(run.loss - exact) <= 100 * run.loss_error + 1e-15)
    assert "1 group(s)" in run.method and np.all(run.mu[:, 0] == run.mu[:, 1])


def test_equal_parameters_stay_equal_and_a_line_stays_a_line():
    direction = np.array([0.6, 0.8])
    start = np.outer([0.5, -0.3, 0.5, 0.2], direction)
    run = run_flow(start, 2.0)
    assert np.array_equal(run.mu[:, 0], run.mu[:, 2])
    across = run.mu @ np.array([-0.8, 0.6])
    assert np.max(np.abs(across)) < 1e-15
    assert "3 group(s) of equal parameters among 4" in run.method and "rank 1 (d = 2)" in run.method


def test_reduce_start_keeps_the_order_of_first_appearance():
    reduced = reduce_start(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 0.0]]))
    assert reduced.members.tolist() == [0, 1, 0] and reduced.basis.shape == (2, 2)
    assert np.allclose(reduced.expand(reduced.start.ravel()) @ reduced.basis.T, [[1, 0], [0, 2], [1, 0]])
    assert reduce_start(np.zeros((2, 3))).basis.shape == (3, 1)


@pytest.mark.parametrize("start", [LINE, np.array([[0.3, 0.1], [-0.6, -0.2], [0.2, 0.5]])])
def test_the_error_figure_covers_the_actual_error(start):
    """At ``rtol = 1e-6`` the error figure covers the gap to an ``rtol = 1e-11`` reference at every record."""
    coarse = run_flow(start, 3.0, rtol=1e-6)
    reference = run_flow(start, 3.0, rtol=1e-11, error_run=False)
    assert np.all(np.abs(coarse.loss - reference.loss) <= coarse.loss_error)
    assert np.all(np.abs(coarse.norms - reference.norms) <= coarse.norms_error)
    assert np.max(coarse.loss_error) > 0 and np.all(np.isnan(reference.loss_error))


def test_widened_gaps():
    gaps = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3.0])
    assert widened(gaps).tolist() == [2, 2, 2, 2, 6, 6, 6]
    assert widened(np.stack([gaps, gaps], axis=1)).shape == (7, 2)


def test_blow_up_and_loss_stops():
    blown = run_flow(np.array([[3.0], [0.5]]), 100.0, blowup=3.2)
    assert blown.stopped == "blow-up" and blown.times[-1] < 100 and np.max(blown.norms[-1]) > 3.2
    assert "passed the blow-up limit" in blown.reason
    stopped = run_flow(LINE, 100.0, stop_loss=1e-3)  # L = 5.8e-3 at the start
    assert stopped.stopped == "loss" and stopped.loss[-1] <= 1e-3 < stopped.loss[-2]
    assert np.all(np.isfinite(stopped.loss_error)) and stopped.times[-1] < 100
    at_once = run_flow(LINE, 100.0, stop_loss=1e-2)
    assert at_once.stopped == "loss" and at_once.times.tolist() == [0.0]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"time": 0}, "time"),
        ({"time": -1}, "time"),
        ({"time": math.inf}, "time"),
        ({"time": math.nan}, "time"),
        ({"time": 1, "rtol": 1e-15}, "rtol"),
        ({"time": 1, "points_per_decade": 0}, "points_per_decade"),
        ({"time": 1, "blowup": -2}, "blowup"),
    ],
)
def test_bad_inputs_are_named(kwargs, name):
    with pytest.raises(InputError) as error:
        run_flow(LINE, **kwargs)
    assert error.value.name == name


@pytest.mark.parametrize("start", [[], [[1.0], [1.0, 2.0]], [[math.nan]], np.zeros(3)])
def test_bad_starts_are_named(start):
    with pytest.raises(InputError) as error:
        run_flow(start, 1.0)
    assert error.value.name.startswith("mu")


def test_a_failing_gradient_is_a_flow_failure(monkeypatch):
    def broken(mu, estimate_error=True):
        return math.nan, np.full(mu.shape, math.nan), [], "broken"

    monkeypatch.setattr(flow, "loss_and_gradient_float", broken)
    with pytest.raises(FlowFailure, match="non-finite"):
        run_flow(LINE, 1.0)


def test_an_integrator_that_gives_up_is_a_flow_failure(monkeypatch):
    with pytest.raises(FlowFailure, match="step budget"):
        run_flow(LINE, 10.0, max_steps=5)

    def failing(self):
        self.status = "failed"
        return "Required step size is less than spacing between numbers."

    monkeypatch.setattr(flow.LSODA, "step", failing)
    with pytest.raises(FlowFailure, match="spacing between numbers"):
        run_flow(LINE, 1.0)


def test_to_json_writes_decimal_strings(line_run):
    data = line_run.to_json()
    assert data["times"][0] == "0.0" and data["mu"][-1][0][0] == repr(float(line_run.mu[-1, 0, 0]))
    assert data["stopped"] == "horizon" and isinstance(data["gradient_calls"], int) and data["rtol"] == "1e-08"


def test_gd_approaches_the_flow_at_first_order_in_eta():
    """``L_GD(S / eta) - L_flow(S)`` is ``O(eta)``: the gap halves as ``eta`` halves (``S = 2``; measured ratios
    2.0011, 2.0006, 2.0003 for eta = 0.04 / 0.02 / 0.01 / 0.005)."""
    horizon = 2.0
    reference = run_flow(LINE, horizon, rtol=1e-10)
    gaps = []
    for eta in (0.04, 0.02, 0.01):
        result = run_gd(make_config(LINE.tolist(), eta, round(horizon / eta)))
        gaps.append(float(result.loss) - reference.loss[-1])
    assert reference.loss_error[-1] < 1e-3 * abs(gaps[-1])
    assert gaps[0] / gaps[1] == pytest.approx(2, rel=0.05) and gaps[1] / gaps[2] == pytest.approx(2, rel=0.05)


@pytest.mark.slow
def test_large_noise_ball_to_1e8_converges_at_a_rate():
    start = np.array([[0.08], [-0.05], [0.02], [0.06]])  # inside the ball ||mu_i|| <= 1/(3n) = 1/12
    run = run_flow(start, 1e8)
    assert run.stopped == "horizon" and run.times[-1] == 1e8
    assert [fate.status for fate in parameter_fates(run.times, run.norms, run.norms_error)] == ["converged"] * 4
    assert decide_upper_rate(run.times, run.loss, run.loss_error, 0.5).outcome == "holds"
