"""Sharp decay laws (numeric.studies.sharp_rates) and ``explore sharp-rates`` on the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from numeric.config import InputError
from numeric.dynamics.gd import cluster_start
from numeric.studies.sharp_rates import REGIMES, measure_rate, power_law_constant, regime_start
from proofs_check.cli.main import main
from proofs_check.evidence.far_starts import far_start
from proofs_check.studies import sharp_rates as study, studies

GRID = np.concatenate([[0.0], 1e-2 * 10.0 ** (np.arange(81) / 10)])  # run_flow's records: 0, then 1e-2 .. 1e6


def predicted(n: int, d: int) -> float:
    return n * n * min(d, n - 1) / 64


# --------------------------------------------------------------------------- starts


def test_regimes_agree_with_the_study():
    assert study.REGIMES == REGIMES and "sharp-rates" in studies()


@pytest.mark.parametrize("n, d", [(2, 1), (3, 2), (5, 3)])
def test_large_noise_start_lies_in_the_ball_away_from_the_truth(n, d):
    start = regime_start("large-noise", n, d, 7)
    norms = np.linalg.norm(start, axis=1)
    assert start.shape == (n, d) and np.all(norms <= 1 / (3 * n)) and np.all(norms >= 0.3 / (3 * n) * (1 - 1e-12))
    assert np.array_equal(start, regime_start("large-noise", n, d, 7))
    assert not np.array_equal(start, regime_start("large-noise", n, d, 8))


def test_clustered_and_far_starts_are_the_registered_ones():
    clustered = np.array(cluster_start(3, 2, "1.0", "0.1", 4), dtype=float)
    assert np.array_equal(regime_start("clustered", 3, 2, 4), clustered)
    assert np.array_equal(regime_start("far", 5, 1, 2), far_start(5, 1, 6.0, 2))  # thm3.5's seeded far start


@pytest.mark.parametrize(
    "args, name",
    [(("flat", 2, 1, 0), "regime"), (("far", 1, 1, 0), "n"), (("far", 2, 0, 0), "d"), (("far", 2, 1, -1), "seed")],
)
def test_bad_start_names_the_input(args, name):
    with pytest.raises(InputError, match=f"^{name}:"):
        regime_start(*args)


# --------------------------------------------------------------------------- the constant and its error


def _curve(constant_of_s, p: float, relative_error: float = 1e-9):
    positive = np.where(GRID > 0, GRID, 1.0)  # the record at s = 0 is skipped by the function
    loss = constant_of_s(positive) * positive**-p
    return GRID, loss, relative_error * loss


def test_exact_power_law_gives_its_constant_and_a_small_error():
    times, loss, errors = _curve(lambda s: 3.0 + 0 * s, 2.0)
    constant, error = power_law_constant(times, loss, errors, 2)
    assert constant == pytest.approx(3.0, rel=1e-12) and error < 1e-8
    constant, error = power_law_constant(times, loss, 0 * errors, 2)  # no error figure: only rounding is noise
    assert error < 1e-12


@pytest.mark.parametrize("drift", [lambda s: np.log(s), lambda s: np.sqrt(s), lambda s: 2 + np.sin(np.log(s))])
def test_a_constant_that_is_not_converging_has_an_infinite_error(drift):
    assert power_law_constant(*_curve(drift, 2.0), 2)[1] == math.inf


@pytest.mark.parametrize("q", [0.1, 0.3, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("a", [0.5, -0.3])
def test_a_geometric_approach_is_covered_by_the_error(q, a):
    limit = 0.25
    times, loss, errors = _curve(lambda s: limit * (1 + a * s**-q), 2.0)
    constant, error = power_law_constant(times, loss, errors, 2)
    assert abs(constant - limit) <= error  # the remaining distance to the true limit
    assert error <= 10 * abs(constant - limit) + 1e-8  # and not wildly more


def test_too_short_a_curve_has_an_infinite_error():
    times, loss, errors = _curve(lambda s: 1.0 + 0 * s, 2.0)
    assert power_law_constant(times[:15], loss[:15], errors[:15], 2)[1] == math.inf  # 1.3 decades: 2 needed


@pytest.mark.parametrize(
    "times, values, errors, exponent, name",
    [
        ([1.0, 2.0], [1.0], [0.0], 2, "values"),
        ([2.0, 1.0], [1.0, 1.0], [0.0, 0.0], 2, "times"),
        ([1.0, 2.0], [1.0, 1.0], [0.0, 0.0], math.nan, "exponent"),
        ([1.0, 2.0], [1.0, 0.0], [0.0, 0.0], 2, "values"),
    ],
)
def test_bad_curve_names_the_input(times, values, errors, exponent, name):
    with pytest.raises(InputError, match=f"^{name}:"):
        power_law_constant(times, values, errors, exponent)


# --------------------------------------------------------------------------- measured on the flow


@pytest.fixture(scope="module")
def large_noise():
    """The large-noise ball, n = 2, d = 1, to s = 1e6 (about 2 s)."""
    return measure_rate(regime_start("large-noise", 2, 1, 0), 1e6)


def test_large_noise_constant_is_the_predicted_one_within_its_error(large_noise):
    assert large_noise.law == "power" and large_noise.nominal_exponent == 2
    assert large_noise.exponent == pytest.approx(2.0, abs=1e-3) and large_noise.power.exponent == pytest.approx(
        2, abs=1e-2
    )
    assert abs(large_noise.constant - predicted(2, 1)) <= large_noise.error < 1e-2 * predicted(2, 1)
    assert large_noise.stopped == "horizon" and large_noise.max_norm < 1e-2


def test_a_false_prediction_is_caught(large_noise):
    """Twice the constant, or the exponent 1, is many errors away from what was measured."""
    assert abs(large_noise.constant - 2 * predicted(2, 1)) > 100 * large_noise.error
    assert abs(large_noise.exponent - 1) > 100 * large_noise.exponent_error


@pytest.mark.parametrize(
    "horizon, keywords, name",
    [(1e2, {}, "horizon"), (-1, {}, "horizon"), (1e6, {"decades": 0}, "decades"), (1e6, {"rtol": 1.0}, "rtol")],
)
def test_bad_measurement_names_the_input(horizon, keywords, name):
    with pytest.raises(InputError, match=f"^{name}:"):
        measure_rate(regime_start("large-noise", 2, 1, 0), horizon, **keywords)


@pytest.mark.slow
@pytest.mark.parametrize("regime, n, d", [("large-noise", 4, 2), ("clustered", 3, 2)])
def test_converging_constant_at_1e8(regime, n, d):
    rate = measure_rate(regime_start(regime, n, d, 0), 1e8)
    assert rate.law == "power" and rate.nominal_exponent == 2
    assert abs(rate.constant - predicted(n, d)) <= rate.error < 1e-3 * predicted(n, d)


@pytest.mark.slow
def test_far_start_decays_like_one_over_s_log_s():
    """One survivor at n = 2: p tends to 1 from above (1 + 1/log s), L s M^2 / 16 near 1 (1.10 at s = 1e8)."""
    rate = measure_rate(regime_start("far", 2, 1, 0), 1e8)
    assert rate.law == "power-log" and 1.0 < rate.exponent < 1.1
    assert rate.far_ratio == pytest.approx(1.0, abs=0.2) and rate.max_norm > 10
    assert abs(rate.escape_limit - 1) <= rate.escape_error < 0.1  # the escape law, extrapolated in 1/M^2


# --------------------------------------------------------------------------- the command line

TINY = ["--regime", "large-noise", "--n", "2", "--d", "1", "--seeds", "1", "--time", "1e6"]


def test_json_shape_and_files(tmp_path, capsys):
    assert main(["explore", "sharp-rates", *TINY, "--out", str(tmp_path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["study"] == "sharp-rates" and len(record["points"]) == 1
    point = record["points"][0]
    keys = {"regime", "n", "d", "seed", "exponent", "exponent_error", "constant", "law", "error"}
    assert keys | {"predicted_constant", "ratio", "ratio_error", "seconds", "method", "far_ratio"} <= set(point)
    assert (point["regime"], point["n"], point["d"], point["seed"]) == ("large-noise", 2, 1, 0)
    assert float(point["predicted_constant"]) == predicted(2, 1)
    assert abs(float(point["ratio"]) - 1) <= float(point["ratio_error"])
    saved = json.loads(Path(record["files"]["record"]).read_text())
    assert saved["points"] == record["points"] and "git_commit" in saved["run"] and saved["run"]["seed"] == 0
    assert Path(record["files"]["figure"]).stat().st_size > 0


@pytest.mark.slow
def test_far_points_have_no_prediction(tmp_path, capsys):
    far = ["--regime", "far", "--n", "2", "--d", "1", "--seeds", "1", "--time", "1e6"]
    assert main(["explore", "sharp-rates", *far, "--out", str(tmp_path), "--json"]) == 0
    point = json.loads(capsys.readouterr().out)["points"][0]
    assert point["predicted_constant"] is None and point["ratio"] is None and float(point["far_ratio"]) > 0


@pytest.mark.parametrize(
    "bad, option",
    [
        (["--regime", "near"], "--regime"),
        (["--n", "1"], "--n"),
        (["--n", "6"], "--n"),
        (["--d", "0"], "--d"),
        (["--d", "4"], "--d"),
        (["--seeds", "0"], "--seeds"),
        (["--time", "10"], "--time"),
        (["--time", "x"], "--time"),
        (["--seed", "x"], "--seed"),
        (["--jobs", "0"], "--jobs"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(tmp_path, capsys, bad, option):
    assert main(["explore", "sharp-rates", *TINY, *bad, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and option in error
    assert not (tmp_path / "explore-sharp-rates.json").exists()
