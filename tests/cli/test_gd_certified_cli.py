"""``gd --tier certified``: proven ``[lo, hi]`` coordinates, and the starts and options it refuses."""

from __future__ import annotations

import json

import flint
import mpmath
import pytest

from numeric.dynamics.gd import make_config, run_gd
from proofs_check.cli.main import main

START = ["--mu", "[[4.96],[4],[4]]", "--eta", "0.01"]


def test_json_gives_every_final_coordinate_as_a_proven_interval(tmp_path, capsys):
    assert main(["gd", *START, "--steps", "10", "--tier", "certified", "--dps", "10", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rigorous"] is True and result["tier"] == "certified" and result["steps"] == 10
    assert result["groups"] == [[1], [2, 3]]
    reference = run_gd(make_config([["4.96"], ["4"], ["4"]], "0.01", 10, tier="precise", dps=60))
    for row, exact in zip(result["mu"], reference.mu):
        ((lo, hi),) = row
        assert isinstance(lo, str) and isinstance(hi, str)
        with flint.ctx.workprec(256):
            assert flint.arb(lo) <= flint.arb(mpmath.nstr(exact[0], 70)) <= flint.arb(hi)
    assert float(result["radius"]) < 1e-14


def test_text_output_names_the_tier_and_the_radius(capsys):
    assert main(["gd", *START, "--steps", "3", "--tier", "certified", "--dps", "10"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("mu_1") and "radius" in text and "tier certified" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mu", "[[1, 0], [0, 1]]", "--eta", "0.01"], "--mu[1]: the certified tier needs every mu_i on one line"),
        ([*START, "--t", "1"], "--t: not available with --tier certified"),
        ([*START, "--plot"], "--plot: not available with --tier certified"),
        (["--init", "cluster", "--n", "3", "--d", "1", "--M", "4", "--spread", "1e-3", "--eta", "0.01"], "--init"),
        (["--mu", "[[1], [2]]", "--eta", "-1"], "--eta"),
    ],
    ids=["off the line", "noise time", "plot", "cluster start", "negative step"],
)
def test_refused_in_one_line(args, message, capsys):
    assert main(["gd", *args, "--steps", "3", "--tier", "certified"]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error
