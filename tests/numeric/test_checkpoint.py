"""Checkpoints are refused unless they mean a state of this run, even when their checksum is right.

Each test edits a real checkpoint the way a hostile or broken writer could, recomputes the checksum so that only
the meaning check stands between the file and a resumed run, and expects a one-line refusal with the file intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from numeric.config import InputError
from numeric.dynamics.checkpoint import _checksum, load_checkpoint, save_checkpoint, write_atomically
from numeric.dynamics.gd import advance, cluster_start, finish, make_config, start_state

STARTS = {"fast": cluster_start(5, 3, "1.5", "0.3", seed=2), "precise": cluster_start(3, 1, "1.5", "0.3", seed=2)}


def _saved(tmp_path: Path, tier: str = "fast", steps: int = 30, stop_at: int | None = 12, **options):
    """A checkpoint of a run (fast: n = 5, d = 3; precise: n = 3, d = 1) of ``steps`` updates, saved after
    ``stop_at`` updates (None: after it stopped)."""
    config = make_config(STARTS[tier], "0.1", steps, tier=tier, dps=20, **options)
    state = start_state(config)
    path = tmp_path / "run.ckpt"

    class Stop(Exception):
        pass

    def save(current):
        if current.step == stop_at:
            save_checkpoint(path, config, current)
            raise Stop

    try:
        advance(config, state, on_step=save)
    except Stop:
        pass
    if stop_at is None:
        save_checkpoint(path, config, state)
    return config, path


def _edit(path: Path, change) -> bytes:
    """Apply ``change(state)`` to the saved state, recompute the checksum, write; return the bytes written."""
    document = json.loads(path.read_text())
    change(document["state"])
    body = {key: value for key, value in document.items() if key != "checksum"}
    path.write_text(json.dumps({**body, "checksum": _checksum(body)}))
    return path.read_bytes()


def _set(key, value):
    return lambda state: state.__setitem__(key, value)


@pytest.mark.parametrize("tier", ["fast", "precise"])
def test_an_untouched_checkpoint_loads_and_resumes(tmp_path, tier):
    config, path = _saved(tmp_path, tier)
    state = load_checkpoint(path, config)
    assert state.step == 12 and state.stopped is None
    assert finish(config, advance(config, state)).steps == 30


@pytest.mark.parametrize(
    "change, message",
    [
        (_set("mu", "abc"), "mu is not a list of 5 entries"),
        (_set("mu", [[1.0]]), "mu is not a list of 5 entries"),
        (lambda s: s.__setitem__("mu", s["mu"][:1]), "the configuration is 5 x 3"),
        (lambda s: s["mu"][2].pop(), r"mu\[2\] is not a list of 3 entries"),
        (lambda s: s["mu"][0].__setitem__(0, 1.0), r"mu\[0\]\[0\] is not an encoded finite number"),
        (lambda s: s["mu"][0].__setitem__(0, "xyz"), r"mu\[0\]\[0\] is not an encoded finite number"),
        (lambda s: s["mu"][1].__setitem__(2, float("nan").hex()), r"mu\[1\]\[2\] is not an encoded finite"),
        (lambda s: s["mu"][1].__setitem__(2, float("inf").hex()), r"mu\[1\]\[2\] is not an encoded finite"),
        (_set("step", -1), "step -1 is not an integer in 0..30"),
        (_set("step", 31), "step 31 is not an integer in 0..30"),
        (_set("step", 12.0), "step 12.0 is not an integer"),
        (_set("step", True), "step True is not an integer"),
        (_set("step", 20), "recorded iterations .* are not those of this run up to step 20"),
        (_set("step", 5), "recorded iterations"),
        (lambda s: s["records"].pop(3), "recorded iterations"),
        (lambda s: s["records"].reverse(), "recorded iterations"),
        (lambda s: s["records"][1].__setitem__(1, float("nan").hex()), r"records\[1\] loss is not an encoded finite"),
        (lambda s: s["records"][1][2].__setitem__(0, (-1.0).hex()), r"records\[1\] has a negative norm"),
        (lambda s: s["records"][1].__setitem__(2, [(0.0).hex()]), r"records\[1\] norms is not a list of 5"),
        (lambda s: s["records"].__setitem__(0, "x"), r"records\[0\] is not \[iteration"),
        (_set("stopped", "budget"), "recorded iterations"),  # a budget stop needs the record at the stop
        (_set("stopped", "maybe"), "stopped 'maybe' is not one of"),
        (_set("stopped", "blow-up"), "blow-up stop without them"),
        (_set("blown", [7]), "blown .* is not a list of distinct parameter indices 0..4"),
        (_set("seconds", float("nan")), "seconds nan is not a finite"),
        (_set("reason", 3), "reason is not a string"),
        (lambda s: s.pop("blown"), "expected an object with the keys"),
        (lambda s: s.clear(), "expected an object with the keys"),
    ],
)
def test_a_state_that_means_nothing_for_this_run_is_refused_and_left_alone(tmp_path, change, message):
    config, path = _saved(tmp_path)
    written = _edit(path, change)
    with pytest.raises(InputError, match=f"holds no valid state of this run \\(.*{message}") as refusal:
        load_checkpoint(path, config)
    assert refusal.value.name == "checkpoint" and "\n" not in str(refusal.value)
    assert path.read_bytes() == written


def test_a_budget_stop_before_the_budget_is_refused(tmp_path):
    config, path = _saved(tmp_path)  # running, at step 12 of 30

    def early(state):  # "stopped at the budget" at step 12, with the record such a stop writes
        state["stopped"] = "budget"
        state["records"].append([12, *state["records"][-1][1:]])

    _edit(path, early)
    with pytest.raises(InputError, match="stopped at the budget after 12 of 30 steps"):
        load_checkpoint(path, config)


def test_a_loss_stop_needs_its_threshold_set_and_met(tmp_path):
    config, path = _saved(tmp_path, steps=30, stop_at=None)
    _edit(path, _set("stopped", "loss"))
    with pytest.raises(InputError, match="stopped by the loss threshold, which is unset"):
        load_checkpoint(path, config)
    config, path = _saved(tmp_path, steps=30, stop_at=None, stop_loss="1e-300")
    _edit(path, _set("stopped", "loss"))
    with pytest.raises(InputError, match="stopped by the loss threshold, which is not met"):
        load_checkpoint(path, config)


@pytest.mark.parametrize("tier", ["fast", "precise"])
def test_precise_and_fast_states_are_checked_alike(tmp_path, tier):
    config, path = _saved(tmp_path, tier)
    _edit(path, lambda s: s["mu"][1].__setitem__(0, "nan"))
    with pytest.raises(InputError, match=r"mu\[1\]\[0\] is not an encoded finite number"):
        load_checkpoint(path, config)


# --------------------------------------------------------------------------- atomic writes


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "file.json"
    target.write_text("old")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    original = os.replace
    os.replace = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomically(target, "new")
    finally:
        os.replace = original
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["file.json"]


def test_temporaries_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".file.json.{int(dead.stdout)}.0badc0de.tmp"
    living = tmp_path / f".file.json.{os.getpid()}.00c0ffee.tmp"
    other = tmp_path / f".other.json.{int(dead.stdout)}.0badc0de.tmp"
    for path in (orphan, living, other):
        path.write_text("partial")
    write_atomically(tmp_path / "file.json", "new")
    assert (tmp_path / "file.json").read_text() == "new"
    assert not orphan.exists() and living.exists() and other.exists()
