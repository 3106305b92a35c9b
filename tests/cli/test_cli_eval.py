"""``eval``: loss and gradient at one configuration, through the numeric core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli.main import main

pytest.importorskip("numeric.model")

REPO = Path(__file__).resolve().parents[2]
EVAL_KEYS = {"mu", "t", "tier", "dps", "loss", "grad", "error", "rigorous"}


def test_eval_json_has_the_interface_shape(capsys):
    assert main(["eval", "--mu", "[[0.5],[-1.5],[2]]", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert EVAL_KEYS <= set(result)
    assert result["mu"] == [["0.5"], ["-1.5"], ["2"]] and result["tier"] == "fast"
    assert len(result["grad"]) == 3 and all(len(row) == 1 for row in result["grad"])
    assert isinstance(result["loss"], str) and result["rigorous"] is False


def test_eval_coincident_parameters_text_output(capsys):
    # all mu_i = a: the loss is ||a||^2 and every gradient is (2/n) a (docs/claims.md, section 2)
    assert main(["eval", "--mu", "[[1],[1]]", "--tier", "precise", "--dps", "20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("loss      1") and "grad[1]" in out and "precise" in out


def test_eval_in_original_coordinates(capsys):
    assert main(["eval", "--mu", "[[1, 0],[0, 1]]", "--t", "0.5", "--truth", "[0.25, 0]", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["t"] == "0.5"


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--mu", "[[1],[2,3]]"], "--mu"),
        (["--mu", "[]"], "--mu"),
        (["--mu", "[[NaN]]"], "--mu"),
        (["--mu", '[["x"]]'], "--mu"),
        (["--mu", "[[1e999]]"], "--mu"),
        (["--mu", "[[1]]", "--dps", "5"], "--dps"),
        (["--mu", "[[1]]", "--tier", "exact"], "--tier"),
        (["--mu", "[[1]]", "--t", "soon"], "--t"),
        (["--mu", "[[1]]", "--truth", "[0]"], "--truth"),
    ],
)
def test_eval_bad_input_is_one_line_naming_it(capsys, argv, named):
    assert main(["eval", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("proofs-check: error: " + named)
    assert len(captured.err.splitlines()) == 1


def test_eval_usage_errors_through_python_m():
    for argv in (["eval"], ["eval", "--mu", "[[1]]", "--dps", "many"], ["eval", "--mu", "[[1]"]):
        result = subprocess.run(
            [sys.executable, "-m", "proofs_check", *argv], cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "error:" in result.stderr
