"""The line rules' half-panels in numpy: the version the compiled loops of numeric/expectation/cubature/pieces.py
replaced (2026-12-04), kept as their baseline (``python benchmarks/bench.py --only line_pieces``).

The same steps on arrays ``(lines, points, points)``: it gives the compiled version's pieces bit for bit (where some
pair of logits has different slopes), in about eleven times the time, spent mostly entering its sixty-odd numpy calls.
"""

from __future__ import annotations

import numpy as np

from numeric.expectation.cubature.pieces import LINE_PANELS, SINH_SCALE, WINDOW
from numeric.expectation.cubature.tensor import DOMINANCE_MARGIN


def pieces_along(alpha: np.ndarray, beta: np.ndarray, cut: float) -> tuple[tuple[np.ndarray, ...], ...]:
    """The half-panels along lines of logits ``alpha + beta t`` (``alpha`` ``(L, n)``, one row per line) on
    ``[-cut, cut]``: those from a switch point (start, stop, line, sinh scale) and the plain ones (start, stop,
    line)."""
    lines = len(alpha)
    points, slopes = switch_points(alpha, beta, cut)
    spacing = 2.0 * cut / LINE_PANELS
    reach = np.minimum(WINDOW / slopes, spacing)
    # a switch point inside a sharper one's window takes its slope: its half-panels would otherwise run, at its own
    # scale, up to the sharper switch's poles
    near = np.abs(points[:, :, None] - points[:, None, :]) < reach[:, None, :]  # (L, P, P): j inside k's window
    slopes = np.max(np.where(near, slopes[:, None, :], slopes[:, :, None]), axis=2)
    reach = np.minimum(WINDOW / slopes, spacing)
    fixed = np.broadcast_to(np.linspace(-cut, cut, LINE_PANELS + 1), (lines, LINE_PANELS + 1))
    edges = np.clip(np.concatenate([points - reach, points + reach], 1), -cut, cut)
    own = np.concatenate([np.arange(points.shape[1])] * 2)
    # inner fixed cuts and window edges inside some (other) window are dropped (moved onto ``cut``, where they make
    # empty pieces): every plain piece then lies outside all windows, at least its own length from any switch point
    inside = np.abs(fixed[:, :, None] - points[:, None, :]) < reach[:, None, :]  # NaN compares False
    fixed = np.where(inside.any(axis=2) & (np.abs(fixed) < cut), cut, fixed)  # the ends stay
    other = own[:, None] != np.arange(points.shape[1])[None, :]
    inside = (np.abs(edges[:, :, None] - points[:, None, :]) < reach[:, None, :]) & other[None, :, :]
    edges = np.where(inside.any(axis=2) | np.isnan(edges), cut, edges)
    cuts = np.concatenate([fixed, edges, np.where(np.isnan(points), cut, points)], 1)
    plain_cut = np.full((lines, fixed.shape[1] + edges.shape[1]), np.inf)
    scales = np.concatenate([plain_cut, np.where(np.isnan(points), np.inf, SINH_SCALE / slopes)], 1)
    windows = np.concatenate([plain_cut, np.where(np.isnan(points), np.inf, reach)], 1)
    order = np.argsort(cuts, axis=1, kind="stable")
    cuts, scales, windows = (np.take_along_axis(x, order, 1) for x in (cuts, scales, windows))
    left, right = cuts[:, :-1].ravel(), cuts[:, 1:].ravel()
    left_scale, right_scale = scales[:, :-1].ravel(), scales[:, 1:].ravel()
    left_switch, right_switch = np.isfinite(left_scale), np.isfinite(right_scale)
    both = left_switch & right_switch
    with np.errstate(invalid="ignore"):  # a piece between two switch points is split by their windows' share
        share = np.where(both, windows[:, :-1].ravel() / (windows[:, :-1].ravel() + windows[:, 1:].ravel()), 1.0)
    split = np.where(both, left + (right - left) * share, right)  # else exactly where the next piece begins
    owner = np.repeat(np.arange(lines), cuts.shape[1] - 1)
    open_piece = right > left
    from_left, from_right = left_switch & open_piece, right_switch & open_piece
    plain = ~left_switch & ~right_switch & open_piece
    mapped = (
        np.concatenate([left[from_left], right[from_right]]),
        np.concatenate([split[from_left], np.where(both, split, left)[from_right]]),
        np.concatenate([owner[from_left], owner[from_right]]),
        np.concatenate([left_scale[from_left], right_scale[from_right]]),
    )
    return mapped, (left[plain], right[plain], owner[plain])


def switch_points(alpha: np.ndarray, beta: np.ndarray, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Per line, where two logits cross within the dominance margin of the leader, sorted (NaN where none), and the
    difference of their slopes, ``(L, P)`` each."""
    first, second = np.triu_indices(len(beta), 1)
    gap = beta[first] - beta[second]
    live = gap != 0.0
    first, second, gap = first[live], second[live], gap[live]
    t = (alpha[:, second] - alpha[:, first]) / gap  # (L, P)
    logits = alpha[:, None, :] + t[:, :, None] * beta[None, None, :]  # (L, P, n)
    crossing = logits[:, np.arange(len(first)), first]
    near = (crossing >= logits.max(axis=2) - DOMINANCE_MARGIN) & (np.abs(t) < cut)
    order = np.argsort(np.where(near, t, np.inf), axis=1)[:, : max(1, int(near.sum(axis=1).max()))]
    points = np.take_along_axis(np.where(near, t, np.nan), order, 1)  # only as many columns as some line needs
    return points, np.abs(gap)[order]
