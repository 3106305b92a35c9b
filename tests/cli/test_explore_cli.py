"""``explore`` on the command line: the registry, critical-spread's JSON and files, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import numeric
from numeric.studies.critical_spread import CriticalPoint, Trial
from proofs_check.cli.main import main
from proofs_check.studies import studies


def _fake_critical_spread(n, d, M0, eta, pattern, seed, rules):
    """A law ``log10 eps_c = 0.5 - M0^2 / ln 10`` with a 0.1-decade bracket, no GD."""
    centre = 0.5 - M0**2 / math.log(10)
    lo, hi = round(centre - 0.05, 6), round(centre + 0.05, 6)
    trials = (Trial(lo, "all-converge", "fake", 0, 0, 0.0, ""), Trial(hi, "not-all-converge", "fake", 0, 0, 0.0, ""))
    return CriticalPoint(n, d, M0, eta, pattern, seed, d, M0**2 / math.log(10), (lo, hi), trials, 0.01)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(numeric, "critical_spread", _fake_critical_spread)


def test_registry_lists_critical_spread():
    assert "critical-spread" in studies()


def test_json_shape_and_files(fake, tmp_path, capsys):
    args = [
        "explore",
        "critical-spread",
        "--n",
        "2,3",
        "--d",
        "1",
        "3",
        "--M0",
        "2",
        "3",
        "4",
        "5",
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["study"] == "critical-spread" and record["pattern"] == "collinear" and record["seed"] == 0
    assert len(record["points"]) == 2 * 2 * 4
    point = record["points"][0]
    assert {"n", "d", "M0", "eta", "pattern", "log10_eps_c", "bracket", "trials", "theorem_bounds_log10"} <= set(point)
    assert point["solved_in_d"] == 1 and all(isinstance(x, str) for x in point["bracket"])
    assert float(point["bracket"][0]) < float(point["log10_eps_c"]) < float(point["bracket"][1])
    bounds = point["theorem_bounds_log10"]
    assert float(bounds["thm3.2"]) < float(point["log10_eps_c"]) < float(bounds["thm3.4"])
    fit = record["fits"][0]
    assert fit["best_power"] == 2 and float(fit["laws"][0]["slope_natural_log"]) == pytest.approx(-1.0)
    assert len(fit["laws"][0]["residuals"]) == 4 and float(fit["first_order_law"]["rms"]) < 1e-6
    saved = json.loads(Path(record["files"]["record"]).read_text())
    assert saved["points"] == record["points"] and "git_commit" in saved["run"]
    assert Path(record["files"]["figure"]).stat().st_size > 0


def test_collinear_points_are_solved_once_for_every_d(fake, tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(numeric, "critical_spread", lambda *a: calls.append(a) or _fake_critical_spread(*a))
    assert (
        main(["explore", "critical-spread", "--n", "3", "--d", "1", "3", "--M0", "2", "--out", str(tmp_path), "--json"])
        == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert len(calls) == 1 and [p["d"] for p in record["points"]] == [1, 3]


def test_table_output(fake, tmp_path, capsys):
    assert main(["explore", "critical-spread", "--n", "5", "--d", "3", "--M0", "2,4,6", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "log10 eps_c" in text and "best M0^2" in text and "record:" in text


@pytest.mark.parametrize(
    "bad, option",
    [
        (["--n", "1"], "--n"),
        (["--n", "two"], "--n"),
        (["--d", "0"], "--d"),
        (["--M0", "-1"], "--M0"),
        (["--eta", "0"], "--eta"),
        (["--pattern", "zigzag"], "--pattern"),
        (["--jobs", "0"], "--jobs"),
        (["--seed", "x"], "--seed"),
        (["--tol", "nan"], "--tol"),
        (["--budget", "1.5"], "--budget"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(fake, tmp_path, capsys, bad, option):
    assert main(["explore", "critical-spread", *bad, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and option in error


def test_unknown_study_is_a_usage_error(capsys):
    assert main(["explore", "no-such-study"]) == 2


@pytest.mark.slow
def test_real_point_from_the_command_line(tmp_path, capsys):
    assert (
        main(
            [
                "explore",
                "critical-spread",
                "--n",
                "2",
                "--d",
                "1",
                "--M0",
                "2",
                "--tol",
                "0.5",
                "--out",
                str(tmp_path),
                "--json",
            ]
        )
        == 0
    )
    point = json.loads(capsys.readouterr().out)["points"][0]
    lo, hi = (float(x) for x in point["bracket"])
    outcomes = {float(t["log10_eps"]): t["outcome"] for t in point["trials"]}
    assert outcomes[lo] == "all-converge" and outcomes[hi] == "not-all-converge"
