"""``gd`` on the command line: output shape, trajectory files, checkpoints, kills and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from proofs_check.cli.main import main

REPO = Path(__file__).resolve().parents[2]
LINE = ["--mu", "[[0.5],[-1.5],[2]]", "--eta", "0.1"]


def _gd(*args: str, out: Path) -> list[str]:
    return ["gd", *args, "--out", str(out)]


def test_json_output_has_the_promised_keys(tmp_path, capsys):
    assert main(_gd(*LINE, "--steps", "50", "--json", "--plot", out=tmp_path)) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"mu", "loss", "status", "tail_slope", "steps", "trajectory"} <= set(result)
    assert result["steps"] == 50 and isinstance(result["loss"], str) and isinstance(result["tail_slope"], str)
    assert set(result["status"]) <= {"converged", "diverging", "undecided"} and len(result["status"]) == 3
    trajectory = json.loads(Path(result["trajectory"]).read_text())
    assert trajectory["iterations"][-1] == 50 and all(isinstance(x, str) for x in trajectory["loss"])
    assert Path(result["figure"]).stat().st_size > 0 and result["convention"].startswith("GD on the reduced")


def test_cluster_init_records_its_seed_and_writes_npz(tmp_path, capsys):
    args = [
        "--init",
        "cluster",
        "--n",
        "3",
        "--d",
        "2",
        "--M",
        "1.5",
        "--spread",
        "1e-3",
        "--seed",
        "5",
        "--eta",
        "0.05",
        "--steps",
        "20",
        "--format",
        "npz",
        "--json",
    ]
    assert main(_gd(*args, out=tmp_path)) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["init"] == {"kind": "cluster", "n": "3", "d": "2", "M": "1.5", "spread": "1e-3", "seed": 5}
    data = np.load(result["trajectory"])
    assert data["norms"].shape[1] == 3 and data["iterations"][-1] == 20


def test_text_output_and_original_coordinates(tmp_path, capsys):
    assert main(_gd(*LINE, "--steps", "10", "--t", "0.5", "--tier", "precise", "--dps", "20", out=tmp_path)) == 0
    out = capsys.readouterr().out
    assert "status    mu_3 " in out and "mu_1      [" in out and "tail slope" in out and "original means m" in out
    assert "mu[" not in out and "status[" not in out  # one indexing: mu_1 ... mu_n


@pytest.mark.parametrize(
    "args, message",
    [
        (["--eta", "0", "--steps", "10"], "--eta: expected a real number > 0"),
        (["--eta", "-1", "--steps", "10"], "--eta: expected a real number > 0"),
        (["--eta", "0.1", "--steps", "2.5"], "--steps: expected an integer"),
        (["--eta", "0.1", "--steps", "10", "--tier", "exact"], "--tier"),  # certified is a gd tier now
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, args, message):
    assert main(_gd("--mu", "[[1],[2]]", *args, out=tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_checkpoints_are_never_overwritten_by_a_failed_start(tmp_path, capsys):
    ckpt = tmp_path / "run.ckpt"
    assert main(_gd(*LINE, "--steps", "5", "--checkpoint", str(ckpt), out=tmp_path)) == 0
    saved = ckpt.read_bytes()
    failures = [
        (_gd(*LINE, "--steps", "5", "--checkpoint", str(ckpt), out=tmp_path), "exists; pass --resume"),
        (_gd(*LINE, "--steps", "6", "--checkpoint", str(ckpt), "--resume", out=tmp_path), "another configuration"),
        (_gd(*LINE, "--steps", "5", "--eta", "-1", "--checkpoint", str(ckpt), "--resume", out=tmp_path), "--eta"),
    ]
    for argv, message in failures:
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
        assert ckpt.read_bytes() == saved
    ckpt.write_bytes(saved[: len(saved) // 2])
    assert main(_gd(*LINE, "--steps", "5", "--checkpoint", str(ckpt), "--resume", out=tmp_path)) == 2
    assert "corrupted" in capsys.readouterr().err and ckpt.read_bytes() == saved[: len(saved) // 2]


def test_resume_after_sigkill_equals_the_uninterrupted_run(tmp_path):
    common = [
        sys.executable,
        "-m",
        "proofs_check",
        "gd",
        "--init",
        "cluster",
        "--n",
        "3",
        "--d",
        "1",
        "--M",
        "2",
        "--spread",
        "0.2",
        "--seed",
        "1",
        "--eta",
        "0.05",
        "--steps",
        "700",
        "--json",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    whole = subprocess.run(
        common + ["--out", str(tmp_path / "whole")], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    ckpt = tmp_path / "killed.ckpt"
    common += ["--out", str(tmp_path / "resumed")]
    victim = subprocess.Popen(
        common + ["--checkpoint", str(ckpt), "--checkpoint-every", "0.05"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (ckpt.exists() and json.loads(ckpt.read_text())["state"]["step"] > 50):
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    step = json.loads(ckpt.read_text())["state"]["step"]
    assert 0 < step < 700 and victim.stderr.read() == b""  # killed mid-run; no progress bar without a terminal
    resumed = subprocess.run(
        common + ["--checkpoint", str(ckpt), "--resume"], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    first, second = json.loads(whole.stdout), json.loads(resumed.stdout)
    assert first["mu"] == second["mu"] and first["loss"] == second["loss"] and first["status"] == second["status"]
    assert first["trajectory"] != second["trajectory"]
    assert (
        json.loads(Path(first["trajectory"]).read_text())["loss"]
        == json.loads(Path(second["trajectory"]).read_text())["loss"]
    )
