"""Slab rules (numeric/expectation/cubature/slabs.py): transverse rules chosen per slab of the main axis, against the
tensor rule they replace and against the precise tier, within the error estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from numeric.expectation.cubature import slabs, tensor as tensor_module
from numeric.expectation.cubature.tensor import FAST, rule_count, rule_inputs
from numeric.expectation.gaussian import gaussian_expectation
from numeric.expectation.reduction import reduce_float
from numeric.model import evaluate
from tests.numeric.far_clusters import far_cluster
from tests.numeric.rule_switches import NEVER, rule_choice


def _far_cluster_and_one(seed: int, spread: float) -> np.ndarray:
    """Three parameters near ``(7.4, 0, 0)`` spread by ``spread`` and one near the origin (the paper's layout)."""
    return far_cluster(np.random.default_rng(seed), 3, 3, 7.4, spread, 0.3)


def _with_slabs(red, allowed: bool):
    """The fast tier's expectation with slab rules forced (at any size) or forbidden, and line rules forbidden."""
    with rule_choice(slab_from=0 if allowed else NEVER, line_from=NEVER):
        return gaussian_expectation(red, "fast")


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


@pytest.mark.parametrize("seed", [0, 2])
def test_slab_rules_agree_with_a_precise_reference_within_the_estimate(seed, monkeypatch):
    mu = np.round(_far_cluster_and_one(seed, 0.1), 2)
    monkeypatch.setattr(slabs, "SLAB_FROM_NODES", 0)
    monkeypatch.setattr(slabs, "SLAB_GAIN", math.inf)  # slab rules even where they save little
    rows = [[str(x) for x in row] for row in mu]
    fast, precise = evaluate(rows), evaluate(rows, tier="precise", dps=16)
    assert "slab rule" in fast.method
    ours = [fast.loss] + [g for row in fast.grad for g in row]
    reference = [float(precise.loss)] + [float(g) for row in precise.grad for g in row]
    assert max(abs(a - b) for a, b in zip(ours, reference)) <= fast.error


def test_a_slow_switch_across_a_slab_takes_enough_nodes_for_its_companion():
    """Found by hypothesis (the test above, seed 230, spread 0.6): in the slab beside the sharp switch, a switch of
    slope 0.1 along axis 3 took Gauss-Hermite 3 with companion 2, as the Taylor bound counted the weights but not the
    gradient's factor ``y - b_i``; the companion erred by ``4e-9`` and so did the error figure."""
    red = reduce_float(_far_cluster_and_one(230, 0.6))
    slab, tensor = _with_slabs(red, True), _with_slabs(red, False)
    assert "slab rule" in slab.method
    gap = np.abs(np.array(slab.values) - np.array(tensor.values))
    assert np.all(gap <= np.array(slab.errors) + np.array(tensor.errors))
    assert max(slab.errors) <= 1e-11 * (1 + red.radius**2)


def test_a_slab_needs_no_more_digits_than_anywhere_and_fewer_far_out_along_the_main_axis():
    red = reduce_float(_far_cluster_and_one(0, 0.3))
    found, cut, digits, _, _ = rule_inputs(red, FAST)
    lows, highs = np.array([-np.inf, -1.0, 5.0]), np.array([-1.0, 5.0, np.inf])
    needs = slabs.slab_needs(found, lows, highs, digits)
    assert np.all(needs <= found[1][None, :])
    assert np.array_equal(needs[1], found[1])  # the slab holding the origin: as anywhere
    assert np.all(needs[2] <= digits - 25.0 / (2.0 * math.log(10.0)))


def test_a_switch_crossing_a_slab_far_out_still_sets_its_rules(monkeypatch):
    """Found by hypothesis (tests/numeric/test_rule_reuse.py, seed 3043): when only the distance across a slab
    counted, the last slab took two Gauss-Hermite nodes across and missed an exponential tail by 3e-10."""
    mu = np.array([[3.516, 1.567, 0.454], [2.488, -0.056, 0.544], [4.463, 1.056, 1.148], [0.109, 0.133, 0.059]])
    red = reduce_float(mu)
    slab = _with_slabs(red, True)
    assert "slab rule" in slab.method
    monkeypatch.setattr(tensor_module, "FAST_PRODUCT_DIGITS", 16.0)
    tight = _with_slabs(red, False)
    assert np.max(np.abs(np.array(slab.values) - np.array(tight.values))) <= 1e-11 * (1 + red.radius**2)


def test_the_fast_tier_takes_slab_rules_only_for_large_tensor_rules():
    small = reduce_float(_far_cluster_and_one(0, 0.1))
    fine, _ = slabs.fast_rules(small)
    assert isinstance(fine, list) and rule_count(fine) <= slabs.SLAB_FROM_NODES
    rows = [[7.7, -0.3, 1.3], [7.6, -1.1, 0.7], [10.0, 1.9, -1.4], [4.9, -1.2, 0.1], [-4.7, -0.4, -2.5]]
    wide = reduce_float(np.array(rows))  # bench.py's general configuration at spread 2, rounded
    fine, coarse = slabs.fast_rules(wide)
    assert isinstance(fine, slabs.SlabRule) and isinstance(coarse, slabs.SlabRule)
    assert fine.edges == coarse.edges and sum(fine.sizes) == fine.main.count()
