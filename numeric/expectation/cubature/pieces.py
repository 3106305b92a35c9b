"""The half-panels along the lines of a line rule (:mod:`numeric.expectation.cubature.lines`), in compiled loops.

Along a line the logits are ``alpha_i + beta_i t``.  Where two of them cross within the dominance margin of the
leader (:data:`~numeric.expectation.cubature.tensor.DOMINANCE_MARGIN`) there is a switch point, with a window of
:data:`WINDOW` over the crossing logits' slope difference (at most a fixed panel) that is sinh-mapped from the
point; a switch point inside a sharper one's window takes the sharper slope (its half-panels would otherwise run,
at its own scale, up to the sharper switch's poles).  Outside the windows the line is cut at :data:`LINE_PANELS`
fixed panels over ``[-cut, cut]``, less the fixed cuts and window edges that fall inside some (other) window: every
plain piece then lies outside all windows, at least its own length from any switch point, and a piece between two
switch points is split in proportion to their windows.

Each line holds a handful of switch points, and a rule a few hundred lines: the same steps in numpy, on arrays
``(lines, points, points)``, spent about 1 ms a rule on entering its sixty-odd calls, a quarter of a line rule's
time at spreads 1 to 3 (profiled); the loops below take a tenth of that (95 us for 320 lines against 1.1 ms:
``python benchmarks/bench.py --only line_pieces``, whose baseline is that numpy version).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from numeric.expectation.compiled import compile_kernel
from numeric.expectation.cubature.tensor import DOMINANCE_MARGIN
from numeric.expectation.quadrature import legendre_float

__all__ = ["pieces_along", "piece_nodes", "LINE_PANELS", "WINDOW", "SINH_SCALE"]

#: Fixed Gauss-Legendre panels over ``[-cut, cut]`` on every line (where no switch point's window covers them).
LINE_PANELS = 4
#: The sinh map's scale beside a switch point, over the crossing logits' slope difference along the line.
SINH_SCALE = 3.0
#: A switch point's sinh-mapped window, over the slope difference (its logistic's tail is ``e^-WINDOW`` at the
#: window's edge), at most a fixed panel; where the plain pieces begin is a matter of cost, not of accuracy.
WINDOW = 24.0


def pieces_along(
    alpha: np.ndarray, beta: np.ndarray, cut: float
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The half-panels along lines of logits ``alpha + beta t`` (``alpha`` ``(L, n)``, one row per line) on
    ``[-cut, cut]``: those from a switch point (start, stop, line, sinh scale) and the plain ones (start, stop,
    line), line after line and along each line in order, the half-panels that start at their switch point first."""
    first, second = np.triu_indices(len(beta), 1)
    gap = beta[first] - beta[second]
    live = gap != 0.0
    constants = np.array([cut, DOMINANCE_MARGIN, WINDOW, SINH_SCALE])
    mapped, plain = _compiled_pieces()(
        np.ascontiguousarray(alpha, dtype=float),
        np.ascontiguousarray(beta, dtype=float),
        first[live].astype(np.intp),
        second[live].astype(np.intp),
        np.linspace(-cut, cut, LINE_PANELS + 1),
        constants,
    )
    line, plain_line = mapped[2].astype(np.intp), plain[2].astype(np.intp)
    return (mapped[0], mapped[1], line, mapped[3]), (plain[0], plain[1], plain_line)


@functools.cache
def _compiled_pieces() -> Callable:
    """:func:`_line_pieces` compiled for its one signature."""

    def signature(numba):
        floats, matrix, indices = numba.float64[::1], numba.float64[:, ::1], numba.intp[::1]
        return numba.types.Tuple((matrix, matrix))(matrix, floats, indices, indices, floats, floats)

    return compile_kernel(_line_pieces, signature)


def _line_pieces(alpha, beta, first, second, fixed, constants):  # pragma: no cover - runs compiled (and as Python)
    """The half-panels of :func:`pieces_along` as rows ``(start, stop, line, scale)`` and ``(start, stop, line)``
    (``(4, M)`` and ``(3, Q)``); ``first``, ``second`` the pairs of logits with different slopes, ``fixed`` the
    fixed cuts, ``constants`` the cut, the dominance margin, the window and the sinh scale."""
    cut, margin, window, sinh_scale = constants[0], constants[1], constants[2], constants[3]
    lines, n = alpha.shape
    pairs, panels = len(first), len(fixed)
    spacing = 2.0 * cut / (panels - 1)
    size = panels + 3 * pairs  # cuts on a line: the fixed ones, two window edges and the point of each switch
    from_left, from_right = np.empty((4, lines * size)), np.empty((4, lines * size))
    plain = np.empty((3, lines * size))
    left_count, right_count, plain_count = 0, 0, 0
    points, slopes, reach = np.empty(pairs), np.empty(pairs), np.empty(pairs)
    cuts, scales, windows = np.empty(size), np.empty(size), np.empty(size)
    for line in range(lines):
        count = 0  # the switch points: crossings within the margin of the leader, inside the cut, sorted
        for p in range(pairs):
            i, j = first[p], second[p]
            t = (alpha[line, j] - alpha[line, i]) / (beta[i] - beta[j])
            if not abs(t) < cut:
                continue
            top = alpha[line, 0] + t * beta[0]
            for k in range(1, n):
                top = max(top, alpha[line, k] + t * beta[k])
            if alpha[line, i] + t * beta[i] >= top - margin:
                slope = abs(beta[i] - beta[j])
                at = count
                while at > 0 and points[at - 1] > t:  # insertion sort, stable
                    points[at], slopes[at] = points[at - 1], slopes[at - 1]
                    at -= 1
                points[at], slopes[at] = t, slope
                count += 1
        for a in range(count):
            reach[a] = min(window / slopes[a], spacing)
        for a in range(count):  # the sharpest slope whose window holds the point (its own included)
            sharpest = slopes[a]
            for b in range(count):
                if abs(points[a] - points[b]) < reach[b]:
                    sharpest = max(sharpest, slopes[b])
            scales[a] = sharpest  # for now: the slopes, before the reaches are updated from all of them
        for a in range(count):
            slopes[a] = scales[a]
            reach[a] = min(window / slopes[a], spacing)
        total = 0  # the cuts: fixed ones, window edges (lower, then upper), switch points; inf scale = plain
        for f in range(panels):
            value = fixed[f]
            if abs(value) < cut:
                for b in range(count):
                    if abs(value - points[b]) < reach[b]:
                        value = cut
                        break
            cuts[total], scales[total], windows[total] = value, math.inf, math.inf
            total += 1
        for side in (-1.0, 1.0):
            for a in range(count):
                value = min(max(points[a] + side * reach[a], -cut), cut)
                for b in range(count):
                    if b != a and abs(value - points[b]) < reach[b]:
                        value = cut
                        break
                cuts[total], scales[total], windows[total] = value, math.inf, math.inf
                total += 1
        for a in range(count):
            cuts[total], scales[total], windows[total] = points[a], sinh_scale / slopes[a], reach[a]
            total += 1
        for a in range(1, total):  # insertion sort, stable: ties keep the order above
            value, scale, width = cuts[a], scales[a], windows[a]
            b = a
            while b > 0 and cuts[b - 1] > value:
                cuts[b], scales[b], windows[b] = cuts[b - 1], scales[b - 1], windows[b - 1]
                b -= 1
            cuts[b], scales[b], windows[b] = value, scale, width
        for a in range(total - 1):
            left, right = cuts[a], cuts[a + 1]
            if not right > left:
                continue
            left_switch, right_switch = math.isfinite(scales[a]), math.isfinite(scales[a + 1])
            # between two switch points the windows share the piece; else it ends where the next begins, exactly
            # (left + (right - left) can miss right by an ulp, a gap or overlap in the tiling)
            both = left_switch and right_switch
            split = left + (right - left) * (windows[a] / (windows[a] + windows[a + 1])) if both else right
            if left_switch:
                from_left[0, left_count], from_left[1, left_count] = left, split
                from_left[2, left_count], from_left[3, left_count] = line, scales[a]
                left_count += 1
            if right_switch:
                from_right[0, right_count] = right
                from_right[1, right_count] = split if left_switch else left
                from_right[2, right_count], from_right[3, right_count] = line, scales[a + 1]
                right_count += 1
            if not left_switch and not right_switch:
                plain[0, plain_count], plain[1, plain_count], plain[2, plain_count] = left, right, line
                plain_count += 1
    mapped = np.empty((4, left_count + right_count))
    mapped[:, :left_count] = from_left[:, :left_count]
    mapped[:, left_count:] = from_right[:, :right_count]
    return mapped, plain[:, :plain_count].copy()


def piece_nodes(
    mapped: tuple[np.ndarray, ...],
    mapped_orders: np.ndarray,
    plain: tuple[np.ndarray, ...],
    plain_orders: np.ndarray,
    line_weights: np.ndarray,
    direction: np.ndarray,
    feet: np.ndarray,
    nodes: np.ndarray,
    weights: np.ndarray,
) -> None:
    """The nodes of the half-panels (as :func:`pieces_along` gives them) into ``nodes`` ``(r, N)`` and ``weights``
    ``(N,)`` (density included), piece after piece, the mapped ones first: Gauss-Legendre of the piece's order in
    ``u`` with ``t = start + scale sinh(u)`` from a switch point, in ``t`` on a plain piece; the node is the line's
    foot (``feet``, ``(r, L)``) plus ``t`` along ``direction``, its weight the rule's times the line's times the
    density ``e^(-t^2 / 2) / sqrt(2 pi)`` along the line (the density across is in the line's weight)."""
    top = int(max(mapped_orders.max(initial=1), plain_orders.max(initial=1)))
    x, w = _legendre_table(top)
    _compiled_nodes()(
        *(np.ascontiguousarray(a, dtype=float) for a in (mapped[0], mapped[1], mapped[3])),
        np.ascontiguousarray(mapped[2], dtype=np.intp),
        np.ascontiguousarray(mapped_orders, dtype=np.intp),
        *(np.ascontiguousarray(a, dtype=float) for a in (plain[0], plain[1])),
        np.ascontiguousarray(plain[2], dtype=np.intp),
        np.ascontiguousarray(plain_orders, dtype=np.intp),
        x,
        w,
        np.ascontiguousarray(line_weights, dtype=float),
        np.ascontiguousarray(direction, dtype=float),
        np.ascontiguousarray(feet, dtype=float),
        nodes,
        weights,
    )


@functools.lru_cache(maxsize=4)
def _legendre_table(top: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights of every order from 1 to ``top``, one after the other (order ``m`` starts
    at ``m (m - 1) / 2``)."""
    rules = [legendre_float(m) for m in range(1, top + 1)]
    nodes, weights = (np.concatenate([rule[k] for rule in rules]) for k in (0, 1))
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


@functools.cache
def _compiled_nodes() -> Callable:
    """:func:`_piece_nodes` compiled for its one signature."""

    def signature(numba):
        floats, matrix, indices = numba.float64[::1], numba.float64[:, ::1], numba.intp[::1]
        readonly = numba.types.Array(numba.float64, 1, "C", readonly=True)
        return numba.void(
            floats, floats, floats, indices, indices, floats, floats, indices, indices,
            readonly, readonly, floats, floats, matrix, matrix, floats,
        )  # fmt: skip

    return compile_kernel(_piece_nodes, signature)


def _piece_nodes(  # pragma: no cover - runs compiled (and as Python)
    start, stop, scale, owner, orders, plain_start, plain_stop, plain_owner, plain_orders, x, w, line_weights,
    direction, feet, nodes, weights,
):  # fmt: skip
    """The loops of :func:`piece_nodes`, with the half-panels' rows unpacked and ``x``, ``w`` the table of every
    Gauss-Legendre order (order ``m`` from ``m (m - 1) / 2``)."""
    r = len(direction)
    density = 1.0 / math.sqrt(2.0 * math.pi)
    at = 0
    for group in range(2):
        pieces = len(orders) if group == 0 else len(plain_orders)
        for piece in range(pieces):
            if group == 0:
                line, order = owner[piece], orders[piece]
                reach = math.asinh((stop[piece] - start[piece]) / scale[piece])
                base, half_u, size = start[piece], 0.5 * reach, 0.25 * abs(reach) * scale[piece]
            else:
                line, order = plain_owner[piece], plain_orders[piece]
                base, half = plain_start[piece], 0.5 * (plain_stop[piece] - plain_start[piece])
            first = order * (order - 1) // 2
            factor = line_weights[line] * density
            for k in range(order):
                if group == 0:  # sinh and cosh from one exponential
                    grow = math.exp(half_u * (x[first + k] + 1.0))
                    shrink = 1.0 / grow
                    t = (grow - shrink) * (0.5 * scale[piece]) + base
                    weight = (grow + shrink) * size * w[first + k]
                else:
                    t = half * (x[first + k] + 1.0) + base
                    weight = abs(half) * w[first + k]
                weights[at] = weight * math.exp(-0.5 * (t * t)) * factor
                for axis in range(r):
                    nodes[axis, at] = direction[axis] * t + feet[axis, line]
                at += 1
