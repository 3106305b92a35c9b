"""A refused or killed command leaves nothing behind, and -q means quiet (issue 13, items 7 and 8)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proofs_check.cli.common import fail
from proofs_check.cli.main import main

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PROOFS_CHECK_CACHE": "off"}


def test_a_gd_refused_for_its_out_folder_leaves_no_checkpoint(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ckpt = tmp_path / "run.ckpt"
    argv = ["gd", "--mu", "[[1],[2]]", "--eta", "0.1", "--steps", "5", "--checkpoint", str(ckpt)]
    for out in (blocker, blocker / "below"):
        assert main([*argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == f"proofs-check: error: --out: {blocker} is not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_gd_killed_while_checkpointing_leaves_a_whole_checkpoint_and_no_temporary(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    argv = [sys.executable, "-m", "proofs_check", "gd", "--init", "cluster", "--n", "3", "--d", "1", "--M", "2"]
    argv += ["--spread", "0.2", "--eta", "0.05", "--steps", "1000000", "--out", str(tmp_path / "out")]
    argv += ["--checkpoint", str(ckpt), "--checkpoint-every", "0"]  # a temporary file at every step
    victim = subprocess.Popen(argv, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ckpt.exists():
        time.sleep(0.05)
    time.sleep(0.3)
    victim.send_signal(signal.SIGTERM)
    assert victim.wait(timeout=120) == 128 + signal.SIGTERM
    assert victim.stderr.read() == b""
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]  # no *.tmp, no trajectory
    assert json.loads(ckpt.read_text())["state"]["step"] > 0


def test_quiet_means_quiet_even_when_matplotlib_has_something_to_say(tmp_path):
    """matplotlib logs a note when its config folder is unusable (here HOME is a file); -q silences it."""
    env = {key: value for key, value in ENV.items() if key not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME")}
    env["HOME"] = str(tmp_path / "home-is-a-file")
    Path(env["HOME"]).write_text("")
    argv = [sys.executable, "-m", "proofs_check", "explore", "critical-spread", "--n", "2", "--d", "1", "--M0", "2"]
    argv += ["--budget", "200", "--tol", "1", "--out", str(tmp_path / "out")]
    loud = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    quiet = subprocess.run([*argv, "-q"], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert "Matplotlib" in loud.stderr  # there is something to silence
    assert quiet.stdout == "" and quiet.stderr == ""


@pytest.mark.parametrize("message", ["two\nlines", "trailing\n", "\n\nmany\n\nbreaks\n"])
def test_every_error_is_one_line(capsys, message):
    assert fail(message) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_check_refuses_an_unwritable_out_before_any_claim_runs(tmp_path, capsys, use_claims):
    from tests.conftest import BROKEN

    use_claims(BROKEN)  # its run raises: reaching it would be an internal error, not this refusal
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["check", "fake.broken", "--out", str(blocker)]) == 2
    assert capsys.readouterr().err == f"proofs-check: error: --out: {blocker} is not a folder\n"
