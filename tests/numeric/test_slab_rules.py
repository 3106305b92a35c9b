"""Slab rules (numeric/expectation/slabs.py): transverse rules chosen per slab of the main axis, against the tensor
rule they replace and against the precise tier, within the error estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from numeric.expectation import slabs
from numeric.expectation.gaussian import gaussian_expectation
from numeric.expectation.reduction import reduce_float
from numeric.expectation.tensor import FAST, rule_count, rule_inputs
from numeric.model import evaluate


def _far_cluster_and_one(seed: int, spread: float) -> np.ndarray:
    """Three parameters near ``(7.4, 0, 0)`` spread by ``spread`` and one near the origin (the paper's layout)."""
    rng = np.random.default_rng(seed)
    return np.vstack([[7.4, 0.0, 0.0] + spread * rng.standard_normal((3, 3)), 0.3 * rng.standard_normal((1, 3))])


def _with_slabs(red, allowed: bool):
    """The fast tier's expectation with slab rules forced (at any size) or forbidden."""
    original = slabs.SLAB_FROM_NODES
    try:
        slabs.SLAB_FROM_NODES = 0 if allowed else math.inf
        return gaussian_expectation(red, "fast")
    finally:
        slabs.SLAB_FROM_NODES = original


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([0.1, 0.3, 0.6]))
def test_slab_rules_agree_with_the_tensor_rule_within_both_estimates(seed, spread):
    red = reduce_float(_far_cluster_and_one(seed, spread))
    slab, tensor = _with_slabs(red, True), _with_slabs(red, False)
    assume("slab rule" in slab.method and "statistical" not in tensor.method)
    assert slab.nodes < tensor.nodes
    gap = np.abs(np.array(slab.values) - np.array(tensor.values))
    assert np.all(gap <= np.array(slab.errors) + np.array(tensor.errors)), (slab.method, gap.max())
    assert max(slab.errors) <= 1e-11 * (1 + red.radius**2)


@pytest.mark.parametrize("seed", [3, 4])
def test_slab_rules_agree_with_a_precise_reference_within_the_estimate(seed, monkeypatch):
    mu = np.round(_far_cluster_and_one(seed, 0.1), 2)
    monkeypatch.setattr(slabs, "SLAB_FROM_NODES", 0)
    rows = [[str(x) for x in row] for row in mu]
    fast, precise = evaluate(rows), evaluate(rows, tier="precise", dps=16)
    assert "slab rule" in fast.method
    ours = [fast.loss] + [g for row in fast.grad for g in row]
    reference = [float(precise.loss)] + [float(g) for row in precise.grad for g in row]
    assert max(abs(a - b) for a, b in zip(ours, reference)) <= fast.error


def test_a_slab_needs_no_more_digits_than_anywhere_and_fewer_far_from_its_switch():
    red = reduce_float(_far_cluster_and_one(0, 0.3))
    found, cut, digits, _ = rule_inputs(red, FAST)
    axis = 0
    lows, highs = np.array([-np.inf, -1.0, 5.0]), np.array([-1.0, 5.0, np.inf])
    needs = slabs.slab_needs(found, axis, lows, highs, digits)
    assert np.all(needs <= found[1][None, :])
    # a slab away from every foot needs strictly fewer digits than the slab holding the foot
    sharpest = int(np.argmax(np.abs(found[0][:, axis])))
    foot = found[2][sharpest, axis]
    holding = int(np.searchsorted(highs, foot))
    others = [g for g in range(3) if g != holding]
    assert all(needs[g, sharpest] < needs[holding, sharpest] for g in others)


def test_the_fast_tier_takes_slab_rules_only_for_large_tensor_rules():
    small = reduce_float(_far_cluster_and_one(0, 0.1))
    fine, _ = slabs.fast_rules(small)
    assert isinstance(fine, list) and rule_count(fine) <= slabs.SLAB_FROM_NODES
    wide = reduce_float(
        np.array([[7.5, -0.1, 0.6], [7.5, -0.5, 0.4], [8.7, 0.9, -0.7], [6.1, -0.6, 0.0], [-2.3, -0.2, -1.2]])
    )
    fine, coarse = slabs.fast_rules(wide)
    assert isinstance(fine, slabs.SlabRule) and isinstance(coarse, slabs.SlabRule)
    assert fine.edges == coarse.edges and sum(fine.sizes) == fine.main.count()
