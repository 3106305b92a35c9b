"""One tensor rule for many nearby calls (numeric.expectation.cubature.tensor.ReusableRule), as gradient descent uses
it.

A reused rule is checked where it claims to serve: at random configurations inside its box, against the fast tier's
own rule built there (whose error estimate is honest, see test_general_position), and not outside the box.  Gradient
descent with reuse is checked against gradient descent that builds every rule afresh, and a run resumed in a new
process (no rule kept) against the uninterrupted one, bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import numeric.model as model
from numeric.dynamics.checkpoint import _checksum, load_checkpoint, save_checkpoint
from numeric.dynamics.gd import advance, cluster_start, finish, make_config, run_gd, start_state
from numeric.expectation.cubature.tensor import RULE_SLACK, reusable_rule
from numeric.expectation.gaussian import gaussian_expectation
from numeric.expectation.reduction import reduce_float, reduce_onto
from numeric.model import loss_and_gradient_float, loss_and_gradient_reusing
from tests.numeric.far_clusters import far_cluster


def _general_position(seed: int, rank: int) -> np.ndarray:
    """A far cluster of 2-4 parameters spread by 0.05-1 and one near 0, in ``rank`` dimensions (rank ``rank``)."""
    rng = np.random.default_rng(seed)
    distance, spread = rng.uniform(1.0, 7.5), rng.uniform(0.05, 1.0)
    return far_cluster(rng, int(rng.integers(2, 5)), rank, distance, spread, 0.1)


def _moved(mu: np.ndarray, basis: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``mu`` with each parameter's reduced point moved by ``shift[i]`` (in the basis' coordinates)."""
    return mu + shift @ basis.T


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([2, 3]), st.booleans())
def test_a_reused_rule_is_accurate_anywhere_in_its_box(seed, rank, corner):
    mu = _general_position(seed, rank)
    kept = reusable_rule(reduce_float(mu))
    assume(kept is not None)  # a widened rule past the cache size is not kept (the fast tier builds each one)
    assert np.all(kept.slack <= RULE_SLACK)
    rng = np.random.default_rng(seed + 1)
    shape = kept.points.shape
    unit = rng.choice([-1.0, 1.0], size=shape) if corner else rng.uniform(-1, 1, shape)
    moved = _moved(mu, kept.basis, 0.999 * unit * kept.slack)  # corners, short of rounding past them
    red = reduce_onto(moved, kept.basis)
    assert red is not None and kept.covers(red)
    fresh = gaussian_expectation(red, "fast")
    gap = np.abs(kept.sums(red) - np.array(fresh.values))
    assert np.all(gap <= 2 * np.array(fresh.errors)), (kept.method, fresh.method, gap.max())
    assert gap.max() <= 1e-11 * (1 + red.radius**2)


def test_a_rule_does_not_cover_a_step_past_its_box():
    mu = _general_position(7, 3)
    kept = reusable_rule(reduce_float(mu))
    shift = np.zeros(kept.points.shape)
    shift[1, 0] = 1.01 * kept.slack[0]
    assert not kept.covers(reduce_onto(_moved(mu, kept.basis, shift), kept.basis))
    shift[1, 0] = 0.99 * kept.slack[0]
    assert kept.covers(reduce_onto(_moved(mu, kept.basis, shift), kept.basis))


def test_a_basis_that_no_longer_spans_the_differences_is_refused():
    line = np.array([[1.0, 0.0], [-0.5, 0.0], [0.2, 0.0]])
    basis = reduce_float(line).basis
    assert reduce_onto(line + np.array([[0.0, 0.0], [0.0, 1e-9], [0.0, 0.0]]), basis) is None
    assert reduce_onto(line + np.array([0.3, 0.7]), basis) is not None  # a common shift stays in p


def test_gd_with_reused_rules_follows_gd_with_fresh_rules():
    start = cluster_start(5, 3, 6, "1e-7", 0)
    config = make_config(start, "0.01", 1500)
    anchors = []
    state = advance(config, start_state(config), on_step=lambda s: anchors.append(s.anchor))
    builds = sum(a is not b for a, b in zip([None, *anchors], anchors))
    assert builds < len(anchors) / 2  # reuse happens (most rules are built early, while one parameter falls to 0)
    mu = np.array([[float(x) for x in row] for row in start])
    for _ in range(1500):
        mu = mu - 0.01 * loss_and_gradient_float(mu, estimate_error=False)[1]
    assert np.max(np.abs(state.mu - mu)) <= 1e-12 * np.max(np.abs(mu))


def test_the_reusing_evaluation_agrees_with_a_fresh_one_at_its_anchor_and_nearby():
    mu = _general_position(3, 3)
    loss, grad, anchor = loss_and_gradient_reusing(mu, None)
    assert anchor is not None
    nearby = mu + 1e-4
    again = loss_and_gradient_reusing(nearby, anchor)
    assert again[2] is anchor
    for (a, b), point in (((loss, grad), loss_and_gradient_float(mu)), (again[:2], loss_and_gradient_float(nearby))):
        assert abs(a - point[0]) <= 1e-12 * (1 + abs(point[0]))
        assert np.max(np.abs(b - point[1])) <= 1e-12 * (1 + np.max(np.abs(point[1])))
    line = np.array([[1.0], [-0.5], [0.2]])  # one dimension: panels, nothing to reuse
    assert loss_and_gradient_reusing(line, None)[2] is None


@pytest.mark.parametrize("drop_anchor", [False, True])
def test_a_run_resumed_in_a_new_process_repeats_the_uninterrupted_one(tmp_path, drop_anchor):
    config = make_config(cluster_start(4, 3, "2", "0.3", seed=5), "0.05", 60)
    whole = run_gd(config)
    path = tmp_path / "run.ckpt"
    state = advance(make_config(cluster_start(4, 3, "2", "0.3", seed=5), "0.05", 60), start_state(config))
    assert np.array_equal(state.mu, whole.mu)
    partial = start_state(config)
    stop = {"at": 23}

    def save_and_stop(current):
        if current.step == stop["at"]:
            save_checkpoint(path, config, current)
            current.stopped = "interrupted"

    advance(config, partial, on_step=save_and_stop)
    if drop_anchor:  # a checkpoint written before anchors were saved: it still loads (and resumes close by)
        document = json.loads(path.read_text())
        del document["state"]["anchor"]
        body = {key: value for key, value in document.items() if key != "checksum"}
        document["checksum"] = _checksum(body)
        path.write_text(json.dumps(document))
    model._RULES.clear()  # as in a new process
    resumed = finish(config, advance(config, load_checkpoint(path, config)))
    if drop_anchor:
        assert np.max(np.abs(resumed.mu - whole.mu)) <= 1e-12 * np.max(np.abs(whole.mu))
    else:
        assert np.array_equal(resumed.mu, whole.mu)  # bitwise
        assert resumed.records == whole.records
