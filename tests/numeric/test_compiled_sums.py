"""The compiled weighted sums (numeric.expectation.integrand.weighted_sums_compiled) against the numpy ones.

Both evaluate the same formulas in a different order, so they must agree to rounding: within the classical bound
for recursive sums, ``(N + 64) eps`` times a sum of bounds on every term's factors (``N`` terms per sum, a few
dozen operations per term; the factors, not the products, because ``s_i`` is a difference that may cancel).
The loops are also run as plain Python, which the compiled kernel must repeat, and a reused rule is checked to
take the compiled path only where it is the faster.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numeric.expectation.integrand as integrand
from numeric.expectation.cubature.tensor import reusable_rule
from numeric.expectation.integrand import (
    COMPILED_WORK,
    logit_intercepts,
    output_count,
    weighted_outputs,
    weighted_sums_compiled,
    weighted_sums_float,
)
from numeric.expectation.reduction import reduce_float

EPS = np.finfo(float).eps


def _case(seed: int, n: int, r: int, size: int, spread: float):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((r, size)) * 2.0
    weights = rng.random(size) / size
    center = rng.standard_normal(r) * 3.0
    offsets = rng.standard_normal((n, r)) * spread
    return y, weights, center, offsets


def _rounding(y, weights, center, offsets) -> np.ndarray:
    """``(N + 64) eps`` times, per output, the rule's total weight times bounds of its factors: ``|v|, |b_i| <= A``,
    each term of ``s_i`` at most ``spread A``, ``|y| <= Y``, ``w_i <= 1``."""
    n, r = offsets.shape
    spread = float(np.max(np.linalg.norm(offsets, axis=1)))
    a = float(np.linalg.norm(center)) + spread
    s = 2 * spread * a
    y_max = float(np.max(np.linalg.norm(y, axis=0)))
    scale = [a * a] + [2 * (a + (y_max + a) * s + s * a)] * (n * r) + [1.0] * n + [s] * n
    return (len(weights) + 64) * EPS * float(np.sum(weights)) * np.array(scale)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10**6),
    st.integers(1, 6),
    st.integers(1, 3),
    st.integers(1, 700),
    st.sampled_from([1e-7, 0.1, 1.0, 3.0]),
)
def test_compiled_sums_agree_with_numpy_to_rounding(seed, n, r, size, spread):
    y, weights, center, offsets = _case(seed, n, r, size, spread)
    numpy_sums, _ = weighted_sums_float(y, weights, center, offsets, with_sizes=False)
    gap = np.abs(weighted_sums_compiled(y, weights, center, offsets) - numpy_sums)
    assert np.all(gap <= _rounding(y, weights, center, offsets)), gap.max()


def test_the_compiled_kernel_repeats_its_python_loops():
    y, weights, center, offsets = _case(3, 4, 3, 25, 0.5)
    compiled = weighted_sums_compiled(y, weights, center, offsets)
    assert np.array_equal(compiled, _python_sums(y, weights, center, offsets))


def _python_sums(y, weights, center, offsets):
    """The kernels' outputs from their uncompiled Python functions, summed as the compiled ones are."""
    outputs = np.empty((output_count(*offsets.shape), y.shape[1]))
    weighted_outputs(y, weights, center, offsets, logit_intercepts(center, offsets), outputs)
    return outputs.sum(axis=1)


def test_non_contiguous_inputs_are_accepted():
    y, weights, center, offsets = _case(5, 5, 3, 40, 0.3)
    strided = np.asfortranarray(y), np.repeat(weights, 2)[::2], center, np.asfortranarray(offsets)
    assert np.array_equal(weighted_sums_compiled(*strided), weighted_sums_compiled(y, weights, center, offsets))


@pytest.mark.parametrize("spread, compiled", [(1e-7, True), (0.3, False)])
def test_a_reused_rule_takes_the_compiled_path_only_when_small(monkeypatch, spread, compiled):
    """The paper's start (a rule of a few dozen nodes) and a cluster spread by 0.3 (tens of thousands)."""
    rng = np.random.default_rng(11)
    mu = np.vstack([np.array([6.0, 0.0, 0.0]) + spread * rng.standard_normal((4, 3)), np.zeros((1, 3))])
    red = reduce_float(mu)
    kept = reusable_rule(red)
    assert kept is not None and (len(mu) * len(kept.weights) <= COMPILED_WORK) == compiled
    calls = []
    monkeypatch.setattr("numeric.expectation.cubature.tensor.weighted_sums_compiled", lambda *a: calls.append(a) or 0.0)
    kept.sums(red)
    assert bool(calls) == compiled


def test_without_a_writable_cache_the_kernel_is_compiled_uncached(monkeypatch):
    """numba raises at decoration where it finds nowhere to write its cache (a read-only install without a home)."""
    import numba

    njit = numba.njit

    def no_cache(*args, **options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function '_shifted_logits': no locator available")
        return njit(*args, **options)

    monkeypatch.setattr(numba, "njit", no_cache)
    integrand.compiled_kernels.cache_clear()
    try:
        y, weights, center, offsets = _case(9, 3, 2, 30, 0.5)
        expected = _python_sums(y, weights, center, offsets)
        assert np.array_equal(weighted_sums_compiled(y, weights, center, offsets), expected)
    finally:
        integrand.compiled_kernels.cache_clear()
