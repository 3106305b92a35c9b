"""The compiled step of gradient descent with a reused rule (numeric.expectation.reused) against the numpy one.

The compiled loops compute what ``reduce_onto``, ``ReusableRule.covers`` and ``numeric.model``'s assembly compute,
in another order: the reduction must agree to the rounding of its dot products (``d`` terms, each ``<= |mu|``),
the loss and gradient with the fast tier's own evaluation within its error estimate, and the loops run as Python
must be repeated by the compiled ones bit for bit.  Outside the rule's box or the basis' span there is no answer.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings, strategies as st

import numeric.model as model
from numeric.expectation.cubature.tensor import reusable_rule
from numeric.expectation.reduction import reduce_float, reduce_onto
from numeric.expectation.reused import _assemble, _kernels, _project
from numeric.model import loss_and_gradient_float
from tests.numeric.far_clusters import far_cluster

EPS = np.finfo(float).eps


def _kept_rule(seed: int, rank: int):
    """A far cluster (spread by 0.01-0.2) and one parameter near 0 in ``rank`` dimensions, with its reused rule
    (None if none is kept)."""
    rng = np.random.default_rng(seed)
    mu = far_cluster(rng, int(rng.integers(2, 5)), rank, rng.uniform(1.0, 7.5), rng.uniform(0.01, 0.2), 0.1)
    # one dimension more, shifted in common: the parameters' mean leaves the span (its part ``orth`` counts) and the
    # span is checked
    mu = np.hstack([mu, np.full((len(mu), 1), rng.uniform(-1.0, 1.0))])
    return mu, reusable_rule(reduce_float(mu))


def _small_rule(seed: int, rank: int, equal_pair: bool = False):
    """The first configuration from ``seed`` on (with its first two parameters made equal if ``equal_pair``) whose
    rule is small enough for the compiled step."""
    while True:
        mu, _ = _kept_rule(seed, rank)
        if equal_pair:
            mu[1] = mu[0]
        kept = reusable_rule(reduce_float(mu))
        if kept is not None and kept.compiled:
            return mu, kept
        seed += 1


def _inside(mu, kept, seed: int) -> np.ndarray:
    """``mu`` moved to a random point of the rule's box (short of its faces)."""
    shift = np.random.default_rng(seed).uniform(-0.99, 0.99, kept.points.shape) * kept.slack
    return mu + shift @ kept.basis.T


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([2, 3]))
def test_the_compiled_step_agrees_with_the_fast_tier_within_its_error_estimate(seed, rank):
    mu, kept = _kept_rule(seed, rank)
    assume(kept is not None and kept.compiled)  # small rules only take this path
    moved = _inside(mu, kept, seed)
    loss, grad = kept.loss_and_gradient(moved)
    fresh_loss, fresh_grad, errors, _ = loss_and_gradient_float(moved)
    assert abs(loss - fresh_loss) <= 2 * errors[0]
    assert np.all(np.abs(grad - fresh_grad).ravel() <= 2 * np.array(errors[1:]))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([2, 3]))
def test_the_compiled_reduction_agrees_with_reduce_onto_to_rounding(seed, rank):
    mu, kept = _kept_rule(seed, rank)
    assume(kept is not None)
    moved = _inside(mu, kept, seed)
    (n, d), r = moved.shape, kept.basis.shape[1]
    reduced = np.empty(r + n * r + d + n)
    assert _kernels()[0](moved, *(np.ascontiguousarray(a) for a in (kept.basis, kept.points, kept.slack)), reduced)
    red = reduce_onto(moved, kept.basis)
    bound = 4 * d * EPS * (1 + np.abs(moved).max())
    assert np.abs(reduced[:r] - red.center).max() <= bound
    assert np.abs(reduced[r : r + n * r] - red.offsets.ravel()).max() <= bound
    assert np.abs(reduced[r + n * r : -n] - red.orth).max() <= bound


def test_the_compiled_loops_repeat_their_python_versions():
    mu, kept = _small_rule(4, 3)
    moved = np.ascontiguousarray(_inside(mu, kept, 4))
    arrays = [np.ascontiguousarray(a) for a in (kept.basis, kept.points, kept.slack)]
    (n, d), r = moved.shape, kept.basis.shape[1]
    compiled, python = np.empty(r + n * r + d + n), np.empty(r + n * r + d + n)
    assert _kernels()[0](moved, *arrays, compiled) and _project(moved, *arrays, python)
    assert np.array_equal(compiled, python)
    values = np.random.default_rng(4).standard_normal(1 + n * r + 2 * n)
    orth = compiled[r + n * r : -n]
    grads = np.empty_like(moved), np.empty_like(moved)
    assert _kernels()[1](moved, arrays[0], orth, values, grads[0]) == _assemble(
        moved, arrays[0], orth, values, grads[1]
    )
    assert np.array_equal(*grads)


def test_no_answer_outside_the_box_or_the_span():
    mu, kept = _small_rule(7, 2)
    past = np.zeros(kept.points.shape)
    past[0, 0] = 1.01 * kept.slack[0]
    assert kept.loss_and_gradient(mu + past @ kept.basis.T) is None
    off_span = mu.copy()
    off_span[1, -1] += 1e-9  # the rank-2 differences gain a third direction
    assert kept.loss_and_gradient(off_span) is None
    broken = mu.copy()
    broken[2, 0] = np.nan
    assert kept.loss_and_gradient(broken) is None  # as covers() refuses it


def test_equal_parameters_get_exactly_equal_gradients():
    mu, kept = _small_rule(11, 3, equal_pair=True)
    _, grad = kept.loss_and_gradient(mu)
    assert np.array_equal(grad[0], grad[1])
    red = reduce_onto(mu, kept.basis)
    assert np.abs(grad - model._loss_and_gradient(mu, red, kept.sums(red))[1]).max() <= 1e-12 * np.abs(grad).max()
