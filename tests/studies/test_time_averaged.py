"""The t-averaged loss (numeric.studies.time_averaged) and ``explore time-averaged`` on the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np
import pytest

from numeric.config import InputError
from numeric.model import evaluate
from numeric.studies.time_averaged import (
    averaged_by_mpquad,
    averaged_float,
    choose_nodes,
    first_order_log10_amplification,
    parse_weight,
    run_averaged,
    run_fixed,
)
from proofs_check.cli.main import main
from proofs_check.studies import studies
from proofs_check.studies.time_averaged import outcome

SPREAD_OUT = np.array([[0.7, 0.2], [-1.1, 0.5], [2.3, -0.4]])  # three parameters, two directions
WEIGHTS = ["uniform", "exp:2", "exp:-3", "variance"]
SHAPES = {
    "uniform": lambda t: 1,
    "exp:2": lambda t: mpmath.exp(-2 * t),
    "exp:-3": lambda t: mpmath.exp(3 * t),
    "variance": lambda t: -mpmath.expm1(-2 * t),
}


# --------------------------------------------------------------------------- the weight


@pytest.mark.parametrize("kind", WEIGHTS)
@pytest.mark.parametrize("t0, t1", [(0.0, 1.0), (0.5, 2.0)])
def test_weight_is_the_normalized_shape(kind, t0, t1):
    weight = parse_weight(kind, t0, t1)
    shape = SHAPES[kind]
    mass = mpmath.quad(shape, [t0, t1])
    for t in np.linspace(t0, t1, 5):
        assert weight.density(np.array([t]))[0] == pytest.approx(float(shape(t) / mass), rel=1e-13)


def test_mean_and_effective_time():
    weight = parse_weight("uniform", 0, 1)
    assert weight.mean_time() == pytest.approx(0.5, rel=1e-14)
    ratio = ((1 - math.exp(-4)) / 4) / ((1 - math.exp(-2)) / 2)  # E[e^{-4t}] / E[e^{-2t}], uniform on [0, 1]
    assert weight.effective_time() == pytest.approx(-0.5 * math.log(ratio), rel=1e-13)


@pytest.mark.parametrize(
    "kind, t0, t1, option",
    [
        ("uniform", "-0.1", "1", "t0"),
        ("uniform", "1", "1", "t1"),
        ("uniform", "2", "1", "t1"),
        ("uniform", "0", "x", "t1"),
        ("uniform", "nan", "1", "t0"),
        ("gauss", "0", "1", "weight"),
        ("exp:", "0", "1", "weight"),
        ("exp:abc", "0", "1", "weight"),
        ("exp:inf", "0", "1", "weight"),
        ("exp:100", "0", "1", "weight"),
    ],
)
def test_bad_weight_names_the_option(kind, t0, t1, option):
    with pytest.raises(InputError, match=f"^{option}:"):
        parse_weight(kind, t0, t1)


# --------------------------------------------------------------------------- quadrature over t


def test_quadrature_converges_and_its_estimate_bounds_the_error():
    weight = parse_weight("variance", 0, 2)
    reference = averaged_float(SPREAD_OUT, weight, 32)
    previous = math.inf
    for k in (4, 8):
        result = averaged_float(SPREAD_OUT, weight, k)
        true_error = max(abs(result.loss - reference.loss), float(np.max(np.abs(result.grad - reference.grad))))
        # |Q_K - Q_2K| misses only the 2K-node error, tiny next to the K-node one (geometric convergence)
        assert result.error / 2 < true_error <= 1.01 * result.error
        assert result.quadrature_error < previous / 10  # geometric convergence in K
        previous = result.quadrature_error
    chosen = choose_nodes(SPREAD_OUT, weight)
    assert chosen.quadrature_error <= 1e-10 * max(abs(chosen.loss), float(np.max(np.abs(chosen.grad))))
    assert chosen.nodes in (4, 8, 16) and "Gauss-Legendre over t" in chosen.method


def test_gradient_is_the_derivative_of_the_averaged_loss():
    weight, k, h = parse_weight("exp:1.5", 0.1, 1.3), 16, 1e-5
    result = averaged_float(SPREAD_OUT, weight, k)
    for i, j in np.ndindex(SPREAD_OUT.shape):
        step = np.zeros_like(SPREAD_OUT)
        step[i, j] = h
        difference = (
            averaged_float(SPREAD_OUT + step, weight, k).loss - averaged_float(SPREAD_OUT - step, weight, k).loss
        ) / (2 * h)
        assert difference == pytest.approx(result.grad[i, j], abs=1e-8)


def test_agrees_with_mpmath_quad_over_t_of_the_precise_tier():
    """An independent route: tanh-sinh over t of the precise tier, against the unnormalized shape (1-5 s)."""
    weight, m = parse_weight("variance", 0.2, 1.5), [["0.7"], ["-1.1"], ["2.3"]]
    reference = averaged_by_mpquad(m, SHAPES["variance"], weight.t0, weight.t1)
    result = choose_nodes(np.array([[0.7], [-1.1], [2.3]]), weight)
    computed = [result.loss] + result.grad.ravel().tolist()
    assert max(abs(a - b) for a, b in zip(computed, reference)) <= result.error < 1e-12


def test_short_window_tends_to_the_fixed_time():
    t, rows = 0.3, SPREAD_OUT.tolist()
    fixed = np.array(evaluate(rows, t=t).grad, dtype=float)
    # a window centred on t: the gap is (h^2 / 6) |d^2/dt^2 grad L_t| + O(h^4)
    gaps = [
        float(np.max(np.abs(averaged_float(SPREAD_OUT, parse_weight("uniform", t - h, t + h), 4).grad - fixed)))
        for h in (1e-1, 1e-2, 1e-3)
    ]
    assert gaps[0] > 1e-4
    assert gaps[1] == pytest.approx(gaps[0] / 100, rel=0.05) and gaps[2] == pytest.approx(gaps[1] / 100, rel=0.05)


# --------------------------------------------------------------------------- gradient descent on m


def test_short_window_run_follows_the_fixed_t_run():
    """Same start, same step convention: the averaged run on [t, t + 1e-9] is numeric.dynamics.gd's run at t."""
    t, start = 0.7, [["2.0", "0.1"], ["2.2", "-0.3"], ["1.7", "0.2"]]
    fixed = run_fixed(start, t, 0.3, 40, limit=1e3)
    averaged = run_averaged(start, parse_weight("uniform", t, t + 1e-9), 0.3, 40, 4)
    assert fixed.steps == averaged.steps == 40
    assert np.max(np.abs(fixed.m - averaged.m)) < 1e-7
    assert [r.iteration for r in fixed.records] == [r.iteration for r in averaged.records]
    assert fixed.records[-1].norms == pytest.approx(averaged.records[-1].norms, abs=1e-7)
    assert averaged.quadrature_error < 1e-10


def test_blow_up_stops_the_run_and_counts_as_diverging():
    # a coincident pair contracts by 1 - 2 eta E[e^{-2t}] / n = 1 - 20 * 0.43: it overshoots and grows
    run = run_averaged([["1"], ["1.001"]], parse_weight("uniform", 0, 1), 20.0, 50, 8)
    assert run.stopped == "blow-up" and run.steps < 50
    assert [s.status for s in run.statuses] == ["diverging", "diverging"]


def test_first_order_growth_of_the_averaged_loss_is_that_of_the_effective_time():
    weight, n, M0, eta = parse_weight("uniform", 0, 1), 5, 4.0, 1e-4
    assert first_order_log10_amplification(0.0, n, M0, eta) == pytest.approx(M0**2 / math.log(10), rel=1e-3)
    assert first_order_log10_amplification(weight, n, M0, eta) == pytest.approx(
        first_order_log10_amplification(weight.effective_time(), n, M0, eta), rel=1e-3
    )
    growth = [first_order_log10_amplification(t, n, M0, eta) for t in (1.0, weight, 0.0)]
    assert growth == sorted(growth) and growth[0] < growth[1] - 1 and growth[1] < growth[2] - 1


def test_outcome_in_words():
    assert outcome(["converged"] * 3) == "all converge"
    assert outcome(["diverging"] * 2) == "all diverge"
    assert outcome(["diverging", "converged", "diverging"]) == "one converges, 2 diverge"
    assert outcome(["converged", "undecided", "converged"]) == "2 converge, one undecided"


# --------------------------------------------------------------------------- the command line

TINY = ["--n", "3", "--M0", "1", "3", "--steps", "30", "--fixed-t", "t0", "0.5"]


def _record(tmp_path: Path, capsys, *extra: str) -> dict:
    assert main(["explore", "time-averaged", *TINY, *extra, "--out", str(tmp_path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_registry_lists_time_averaged():
    assert "time-averaged" in studies()


def test_json_shape_and_files(tmp_path, capsys):
    record = _record(tmp_path, capsys, "--weight", "exp:1")
    assert record["study"] == "time-averaged" and record["n"] == 3 and record["d"] == 1 and record["seed"] == 0
    assert record["weight"]["label"] == "exp:1 on [0, 1]" and record["weight"]["kind"] == "exp"
    assert [float(f["t"]) for f in record["fixed_t"]] == [0.0, 0.5]
    assert [float(p["M0"]) for p in record["points"]] == [1.0, 3.0]
    point = record["points"][0]
    assert {
        "n",
        "d",
        "M0",
        "spread",
        "eta",
        "steps",
        "seed",
        "weight",
        "nodes",
        "quadrature",
        "runs",
        "seconds",
    } <= set(point)
    assert point["nodes"] >= 4 and float(point["quadrature"]["error_at_start"]) < 1e-10
    assert [r["name"] for r in point["runs"]] == ["t0", "0.5", "averaged"]
    for run in point["runs"]:
        assert len(run["statuses"]) == len(run["final_norms"]) == 3
        assert set(run["statuses"]) <= {"converged", "diverging", "undecided"}
        assert run["converged"] == run["statuses"].count("converged") and run["outcome"] == outcome(run["statuses"])
        assert run["trajectory"]["iterations"][-1] == run["steps_run"] == 30
    saved = json.loads(Path(record["files"]["record"]).read_text())
    assert saved["points"] == record["points"] and "git_commit" in saved["run"]
    assert Path(record["files"]["figure"]).stat().st_size > 0


def test_same_seed_same_record(tmp_path, capsys):
    def stable(record: dict) -> list:
        return [[{k: v for k, v in run.items() if k != "seconds"} for run in p["runs"]] for p in record["points"]]

    first, second = _record(tmp_path, capsys, "--seed", "3"), _record(tmp_path, capsys, "--seed", "3")
    assert stable(first) == stable(second)
    assert stable(first) != stable(_record(tmp_path, capsys, "--seed", "4"))


@pytest.mark.parametrize(
    "bad, option",
    [
        (["--n", "1"], "--n"),
        (["--d", "0"], "--d"),
        (["--M0", "-1"], "--M0"),
        (["--M0", "50"], "--M0"),
        (["--spread", "0"], "--spread"),
        (["--eta", "2"], "--eta"),
        (["--steps", "0"], "--steps"),
        (["--t0", "-1"], "--t0"),
        (["--t1", "0"], "--t1"),
        (["--weight", "flat"], "--weight"),
        (["--weight", "exp:x"], "--weight"),
        (["--fixed-t", "later"], "--fixed-t"),
        (["--fixed-t", "-1"], "--fixed-t"),
        (["--seed", "x"], "--seed"),
        (["--jobs", "0"], "--jobs"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(tmp_path, capsys, bad, option):
    assert main(["explore", "time-averaged", *TINY, *bad, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and option in error
