"""``gd --flow --time S`` on the command line: gd's keys with ``time``, the trajectory, and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import numeric.dynamics.flow as flow
from proofs_check.cli.main import main

START = ["--mu", "[[0.3],[-0.2],[0.1]]"]
GD_KEYS = {"mu", "loss", "loss_iteration", "status", "evidence", "tail_slope", "tail_slope_spread", "tail_window"}
GD_KEYS |= {"budget", "stopped", "reason", "tier", "dps", "eta", "convention", "init", "seconds", "trajectory"}


def _gd(*args: str, out: Path) -> list[str]:
    return ["gd", *args, "--out", str(out)]


def test_json_has_the_keys_of_gd_with_time_for_steps(tmp_path, capsys):
    assert main(_gd(*START, "--flow", "--time", "2", "--json", out=tmp_path)) == 0
    result = json.loads(capsys.readouterr().out)
    assert GD_KEYS | {"time", "method", "error"} == set(result) and "steps" not in result
    assert result["time"] == "2.0" and result["budget"] == "2" and result["stopped"] == "horizon"
    assert isinstance(result["loss"], str) and float(result["error"]) < 1e-8 and "LSODA" in result["method"]
    assert len(result["mu"]) == 3 and set(result["status"]) <= {"converged", "diverging", "undecided"}
    assert result["convention"].startswith("gradient flow")
    trajectory = json.loads(Path(result["trajectory"]).read_text())
    assert trajectory["times"][0] == "0.0" and trajectory["times"][-1] == "2.0"
    assert trajectory["loss"][-1] == result["loss"] and len(trajectory["status"]) == 3


def test_text_output_cluster_start_and_npz(tmp_path, capsys):
    args = ["--init", "cluster", "--n", "2", "--d", "2", "--M", "0.2", "--spread", "0.05", "--seed", "3"]
    assert main(_gd(*args, "--flow", "--time", "1", "--rtol", "1e-6", "--format", "npz", out=tmp_path)) == 0
    out = capsys.readouterr().out
    assert "flow time 1.0" in out and "status    mu_2" in out and "rtol = 1e-06" in out
    path = Path(out.rsplit("trajectory ", 1)[1].strip())
    data = np.load(path)
    assert data["mu"].shape[1:] == (2, 2) and data["times"][-1] == 1.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--flow", "--time", "1", "--eta", "0.1"], "--flow: not with --eta"),
        (["--flow", "--time", "1", "--steps", "10"], "--flow: not with --steps"),
        (["--flow", "--time", "1", "--plot"], "--flow: not with --plot"),
        (["--flow", "--time", "1", "--tier", "precise"], "--flow: integrates on the fast tier only"),
        (["--flow"], "--flow: needs --time"),
        (["--flow", "--time", "0"], "--time"),
        (["--flow", "--time", "-1"], "--time"),
        (["--flow", "--time", "inf"], "--time"),
        (["--flow", "--time", "nan"], "--time"),
        (["--flow", "--time", "1", "--rtol", "1e-15"], "--rtol: must lie in [1e-12, 1e-3]"),
        (["--time", "1", "--eta", "0.1", "--steps", "5"], "--time: only with --flow"),
        (["--eta", "0.1"], "required: --steps"),
        ([], "required: --eta, --steps"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, args, message):
    assert main(_gd(*START, *args, out=tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_an_integrator_failure_is_one_line_and_status_2(tmp_path, capsys, monkeypatch):
    def broken(mu, estimate_error=True):
        return math.nan, np.full(mu.shape, math.nan), [], "broken"

    monkeypatch.setattr(flow, "loss_and_gradient_float", broken)
    assert main(_gd(*START, "--flow", "--time", "1", "--json", out=tmp_path)) == 2
    captured = capsys.readouterr()
    assert "--flow: the integrator failed" in captured.err and captured.err.count("\n") == 1
    assert captured.out == ""
