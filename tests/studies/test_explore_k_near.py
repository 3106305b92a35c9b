"""``explore k-near`` on the command line: JSON shape on a tiny grid, seed reproducibility, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofs_check.cli.main import main
from proofs_check.studies import studies
from proofs_check.studies.k_near import outcome

TINY = ["--n", "3", "--k", "1", "2", "--near", "0.5", "--far", "4", "--steps", "150"]


def _record(tmp_path: Path, capsys, *extra: str) -> dict:
    assert main(["explore", "k-near", *TINY, *extra, "--out", str(tmp_path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_registry_lists_k_near():
    assert "k-near" in studies()


def test_json_shape_and_files(tmp_path, capsys):
    record = _record(tmp_path, capsys)
    assert record["study"] == "k-near" and record["n"] == 3 and record["d"] == 1 and record["seed"] == 0
    assert [(p["k"], float(p["near"]), float(p["far"])) for p in record["points"]] == [(1, 0.5, 4.0), (2, 0.5, 4.0)]
    point = record["points"][0]
    assert {
        "n",
        "d",
        "k",
        "near",
        "far",
        "eta",
        "steps",
        "seed",
        "statuses",
        "converged_near",
        "converged_far",
        "outcome",
        "final_norms",
    } <= set(point)
    assert len(point["statuses"]) == len(point["final_norms"]) == 3
    assert set(point["statuses"]) <= {"converged", "diverging", "undecided"}
    assert point["converged_near"] == point["statuses"][:1].count("converged")
    saved = json.loads(Path(record["files"]["record"]).read_text())
    assert saved["points"] == record["points"] and "git_commit" in saved["run"]
    assert Path(record["files"]["figure"]).stat().st_size > 0


def test_same_seed_same_record(tmp_path, capsys):
    def stable(record: dict) -> list[dict]:
        return [{key: value for key, value in p.items() if key != "seconds"} for p in record["points"]]

    first, second = _record(tmp_path, capsys, "--seed", "3"), _record(tmp_path, capsys, "--seed", "3")
    assert stable(first) == stable(second)
    assert stable(first) != stable(_record(tmp_path, capsys, "--seed", "4"))


def test_outcome_in_words():
    assert outcome(["converged"], ["converged", "converged"]) == "all converge"
    assert outcome(["converged", "converged"], ["diverging"]) == "the 2 near converge, the far diverge"
    assert outcome(["diverging"], ["diverging"]) == "none converge"
    assert outcome(["converged", "undecided"], ["diverging"]) == "the far diverge; 1/2 near converge, 1 undecided"
    assert outcome(["diverging"], ["converged", "undecided"]).startswith("mixed: 0/1 near and 1/2 far")


@pytest.mark.parametrize(
    "bad, option",
    [
        (["--n", "1"], "--n"),
        (["--n", "five"], "--n"),
        (["--d", "0"], "--d"),
        (["--k", "3"], "--k"),
        (["--k", "0"], "--k"),
        (["--near", "-1"], "--near"),
        (["--far", "inf"], "--far"),
        (["--near", "5"], "--near"),
        (["--eta", "0"], "--eta"),
        (["--eta", "2"], "--eta"),
        (["--steps", "0"], "--steps"),
        (["--seed", "x"], "--seed"),
        (["--jobs", "0"], "--jobs"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(tmp_path, capsys, bad, option):
    assert main(["explore", "k-near", *TINY, *bad, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and option in error


def test_max_steps_reruns_undecided_points_with_doubled_budgets(tmp_path, capsys):
    """Each rerun starts afresh, so a point equals the plain run at its final budget."""
    grid = ["--n", "4", "--k", "3", "--near", "1", "--far", "6", "--steps", "250"]
    assert main(["explore", "k-near", *grid, "--max-steps", "1000", "--out", str(tmp_path), "--json"]) == 0
    (point,) = json.loads(capsys.readouterr().out)["points"]
    assert point["budgets"][:2] == [250, 500] and point["budgets"][-1] <= 1000  # undecided at 250: rerun
    assert "undecided" not in point["statuses"] or point["budgets"][-1] == 1000
    assert main(["explore", "k-near", *grid[:-1], str(point["steps"]), "--out", str(tmp_path), "--json"]) == 0
    (plain,) = json.loads(capsys.readouterr().out)["points"]
    assert plain["statuses"] == point["statuses"] and plain["final_norms"] == point["final_norms"]


def test_max_steps_below_steps_is_refused(tmp_path, capsys):
    assert main(["explore", "k-near", *TINY, "--max-steps", "100", "--out", str(tmp_path)]) == 2
    assert "--max-steps" in capsys.readouterr().err
