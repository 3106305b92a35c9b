"""The half-panels and nodes along a line rule's lines (numeric/expectation/cubature/pieces.py), compiled.

The pieces on each line must tile ``[-cut, cut]``, start from every switch point (a crossing of two logits within
the dominance margin of the leader) and keep every plain piece clear of them; the nodes must integrate the density
along the line; and the compiled loops must repeat their plain-Python run and the numpy version they replaced (kept
as the benchmark's baseline).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings, strategies as st

from numeric.expectation.cubature.pieces import _line_pieces, _piece_nodes, piece_nodes, pieces_along
from numeric.expectation.cubature.tensor import DOMINANCE_MARGIN
from tests.numeric.benchmark_scripts import benchmark_script


def _logits(seed: int, lines: int, n: int, sharpness: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((lines, n)) * 3.0, rng.standard_normal(n) * sharpness


def _switch_points(alpha: np.ndarray, beta: np.ndarray, cut: float) -> list[list[float]]:
    """Per line, by brute force: where two logits cross within the margin of the leader, inside the cut."""
    found = []
    for row in alpha:
        points = []
        for i in range(len(beta)):
            for j in range(i + 1, len(beta)):
                if beta[i] == beta[j]:
                    continue
                t = (row[j] - row[i]) / (beta[i] - beta[j])
                if abs(t) < cut and row[i] + t * beta[i] >= np.max(row + t * beta) - DOMINANCE_MARGIN:
                    points.append(t)
        found.append(points)
    return found


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10**6),
    st.integers(1, 30),
    st.integers(2, 6),
    st.sampled_from([0.3, 1.0, 3.0, 8.0]),
    st.sampled_from([5.0, 7.5, 8.6]),
)
@example(2000, 23, 5, 8.0, 7.5)  # a mapped half-panel ended an ulp short of the plain piece after it (fixed)
def test_pieces_tile_each_line_and_start_from_every_switch_point(seed, lines, n, sharpness, cut):
    alpha, beta = _logits(seed, lines, n, sharpness)
    (start, stop, owner, scale), (plain_start, plain_stop, plain_owner) = pieces_along(alpha, beta, cut)
    assert np.all(scale > 0) and np.all(np.isfinite(scale))
    for line, points in enumerate(_switch_points(alpha, beta, cut)):
        mapped = owner == line
        plain = plain_owner == line
        low = np.concatenate([np.minimum(start, stop)[mapped], plain_start[plain]])
        high = np.concatenate([np.maximum(start, stop)[mapped], plain_stop[plain]])
        order = np.argsort(low)
        low, high = low[order], high[order]
        assert low[0] == -cut and high[-1] == cut
        assert np.all(high > low) and np.array_equal(low[1:], high[:-1])  # no gap, no overlap
        assert set(start[mapped]) == set(points)  # the mapped half-panels start from the switch points, all of them
        for a, b in zip(plain_start[plain], plain_stop[plain]):
            assert not any(a < p < b for p in points)


def test_a_line_with_no_switch_is_cut_at_the_fixed_panels_only():
    alpha, beta = np.array([[0.0, -50.0]]), np.array([1.0, 1.0])  # parallel logits: no crossing at all
    mapped, plain = pieces_along(alpha, beta, 6.0)
    assert len(mapped[0]) == 0
    assert np.array_equal(plain[0], [-6.0, -3.0, 0.0, 3.0]) and np.array_equal(plain[1], [-3.0, 0.0, 3.0, 6.0])


def test_the_compiled_pieces_repeat_their_python_loops():
    alpha, beta = _logits(7, 12, 5, 3.0)
    first, second = np.triu_indices(5, 1)
    args = (alpha, beta, first.astype(np.intp), second.astype(np.intp), np.linspace(-7.0, 7.0, 5))
    constants = np.array([7.0, DOMINANCE_MARGIN, 24.0, 3.0])
    python = _line_pieces(*args, constants)
    mapped, plain = pieces_along(alpha, beta, 7.0)
    assert np.array_equal(python[0][0], mapped[0]) and np.array_equal(python[0][3], mapped[3])
    assert np.array_equal(python[1][:2], np.array(plain[:2]))


def _one_line_nodes(sharpness: float, order: int, cut: float):
    alpha, beta = _logits(3, 1, 4, sharpness)
    mapped, plain = pieces_along(alpha, beta, cut)
    orders = np.full(len(mapped[0]), order, dtype=np.intp), np.full(len(plain[0]), order, dtype=np.intp)
    count = int(orders[0].sum() + orders[1].sum())
    direction, feet = np.array([0.6, 0.8]), np.array([[0.4], [-0.3]])  # the foot across the line
    nodes, weights = np.empty((2, count)), np.empty(count)
    piece_nodes(mapped, orders[0], plain, orders[1], np.array([1.0]), direction, feet, nodes, weights)
    return (mapped, plain, orders, direction, feet), nodes, weights


def test_the_nodes_integrate_the_density_along_the_line_and_lie_on_it():
    _, nodes, weights = _one_line_nodes(3.0, 20, 7.0)
    assert abs(weights.sum() - math.erf(7.0 / math.sqrt(2.0))) < 1e-14
    t = nodes.T @ np.array([0.6, 0.8])  # the line's coordinate; the part across is the foot
    assert np.allclose(nodes - np.outer([0.6, 0.8], t), [[0.4], [-0.3]], rtol=0, atol=1e-13)
    assert np.all(np.abs(t) <= 7.0)


def test_the_compiled_nodes_repeat_their_python_loops():
    (mapped, plain, orders, direction, feet), nodes, weights = _one_line_nodes(8.0, 9, 6.0)
    from numeric.expectation.cubature.pieces import _legendre_table

    x, w = _legendre_table(9)
    python_nodes, python_weights = np.empty_like(nodes), np.empty_like(weights)
    _piece_nodes(
        mapped[0], mapped[1], mapped[3], mapped[2], orders[0], plain[0], plain[1], plain[2], orders[1], x, w,
        np.array([1.0]), direction, feet, python_nodes, python_weights,
    )  # fmt: skip
    assert np.array_equal(python_nodes, nodes) and np.array_equal(python_weights, weights)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 40), st.integers(2, 6), st.sampled_from([0.3, 1.0, 3.0, 8.0]))
def test_the_pieces_are_those_of_the_numpy_version_they_replaced(seed, lines, n, sharpness):
    """benchmarks/numpy_pieces.py, the line_pieces benchmark's baseline: the same pieces bit for bit."""
    alpha, beta = _logits(seed, lines, n, sharpness)
    for ours, theirs in zip(
        pieces_along(alpha, beta, 7.5), benchmark_script("numpy_pieces").pieces_along(alpha, beta, 7.5)
    ):
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
