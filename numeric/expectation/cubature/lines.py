"""Line rules: iterated quadrature along the sharpest switches, on lines through Gauss-Hermite nodes (fast tier).

In general position at spreads of order one a tensor rule is costly: a sharp switch whose hyperplane is oblique to
every axis must be resolved along an axis over the whole range its hyperplane sweeps.  A line rule turns the
reduced basis so that its first axis ``e`` is the sharpest switches' common normal (the leading eigenvector of
``sum_s 10^(needs_s - digits) |D_s|^2 D_s D_s^T``) and integrates along lines parallel to ``e``, one through each
node of a Gauss-Hermite product rule across it.

**Along a line** the logits are affine in the line's coordinate ``t``, so the points where two of them cross within
:data:`~numeric.expectation.cubature.tensor.DOMINANCE_MARGIN` of the leader (the only places the softmax can have
poles nearby, :func:`~numeric.expectation.cubature.tensor.switches`) are known exactly, line by line
(:mod:`numeric.expectation.cubature.pieces`).  Each switch point has a window over its slope difference,
sinh-mapped: Gauss-Legendre nodes in ``u`` with ``t = p + a sinh(u)``, ``a`` a few times the inverse slope
difference, crowd at the switch at its scale.  Outside the windows, plain Gauss-Legendre pieces, at most a few fixed
panels over ``[-cut, cut]``, each ending at least its own length from any switch point (so its Bernstein ellipse
keeps clear of the poles).  The heaviest pieces take the
full orders (:data:`SWITCH_ORDERS`, :data:`PANEL_ORDERS`); a piece whose Gaussian mass bound is far below its
share of the target takes fewer nodes, graded by the digits it needs (:func:`_graded_orders`), and the estimate's
companions take lower and higher orders on the same pieces, graded alike (the larger difference counts: beside a
switch point the error can oscillate with the order, so two orders close together may err alike).

**Across the lines** the line integrals are smoother than the integrand (a switch with a large part along ``e`` is
averaged along the line), but not by a factor one can bound simply: where three logits meet, the switch points on
nearby lines merge, and the line integrals are as sharp there as the switches themselves (a first version credited
the smoothing to every switch and missed one such junction by ``1.4e-8``).  So the transverse orders are chosen a
posteriori: from :data:`START_ORDER` per axis, the orders are raised by half until lowering every axis by
:data:`COMPANION_DROP` changes no output by more than the target (where it does, companions lowered along one axis
each say which axes to raise); that difference is the transverse part of the error figure, and the search runs in
every call (gradient descent included, where no figure is reported).  Where the orders would pass
:data:`MAX_ORDER`, the first round's gap is too far above the target for one raise to close (:data:`HOPELESS_GAP`),
the lines would cost more than :data:`LINE_GAIN` of the rival tensor or slab rule's nodes, or one line rule would
exceed the memory cap's node budget, the caller keeps its rule.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from numeric.expectation.budget import chunk_nodes, node_budget
from numeric.expectation.cubature.pieces import LINE_PANELS, piece_nodes, pieces_along
from numeric.expectation.cubature.tensor import (
    FAST,
    AxisRule,
    chunk_sums,
    product_log_target,
    product_of,
    prune_threshold,
    rule_inputs,
)
from numeric.expectation.integrand import logit_intercepts, output_count, tail_bound, thread_views
from numeric.expectation.reduction import Reduction, float_parts
from numeric.expectation.tiers import LN10, Expectation

__all__ = ["line_expectation", "LINE_FROM_NODES", "LINE_GAIN"]

#: Gauss-Legendre nodes on a half-panel beside a switch point, and on a plain piece: (rule, lower companion, higher
#: companion).
SWITCH_ORDERS = (20, 17, 25)
PANEL_ORDERS = (16, 14, 20)
#: Gauss-Legendre orders along the lines (beside switch points, on plain pieces): the rule's and its companions'.  The
#: error figure along the lines is the larger difference from the two: beside a switch point the error can oscillate
#: with the order, and in 7 of 6,899 line rules (random far clusters, spreads 0.3-3; 2026-12-04) orders 17 and 20
#: erred alike, 1.0-1.8 times more than their difference and the rest of the figure, where order 25 had the digits.
FINE = (SWITCH_ORDERS[0], PANEL_ORDERS[0])
COARSE = (SWITCH_ORDERS[1], PANEL_ORDERS[1])
FINER = (SWITCH_ORDERS[2], PANEL_ORDERS[2])
#: Graded orders along the lines: a piece whose mass (its line's weight, its length and the density's largest value
#: on it, times the growth bound) is far below the target takes fewer nodes than the full orders above, which are
#: sized for ``FULL_DIGITS`` digits of the heaviest pieces: ``ceil(full * digits / FULL_DIGITS)`` for the digits it
#: needs so that all pieces together stay within ``GRADED_SHARE`` of the target, plus ``GRADE_MARGIN`` (Gauss-Legendre's
#: error is geometric in the order, with a constant), and at least ``LOWEST_ORDER``.
FULL_DIGITS = 16.0
GRADED_SHARE = 0.25
GRADE_MARGIN = 2.0
LOWEST_ORDER = 3
#: Transverse Gauss-Hermite orders: the first tried, the most, and how much lower the companion of each is.
START_ORDER = 18
MAX_ORDER = 40
COMPANION_DROP = 4
#: A first round whose gap exceeds the target more than this many times declines at once.  Raising the orders by half
#: (18 to 27; once more passes MAX_ORDER) cut the gap at most 1,800-fold in 60 configurations (bench.py's general
#: configuration, seeds 0-9, spreads 0.3-3, n = 4 and 5; 2026-12-04): the 24 searches that succeeded began at most
#: 620 times above the target, and each of the 35 that began more than 1,000 times above failed, after spending
#: 170,000-320,000 nodes (10-20 ms) on it.  Declining early changes no rule taken on those 60 configurations.
HOPELESS_GAP = 1e4
#: The fast tier tries lines for tensor or slab rules of more nodes than this (before pruning), and keeps them when
#: they cost at most LINE_GAIN of those nodes (counting, before pruning, every rule the transverse search evaluates):
#: a line node, built for one configuration, costs 53-108 ns (median 70) since its pieces and nodes are compiled, an
#: unpruned node of a tensor or slab rule 38-154 ns (median 78; 60 configurations of bench.py's general configuration,
#: spreads 0.3-3, 2026-12-04; before, 85-140 and 75-120 ns).  A gain of 1.0 took three more line rules there, faster
#: than their slab rules in one run and slower in another: the margin stays.  No line rule kept so far had fewer than
#: 31,000 nodes, 79,000 with its companions (on 66 configurations of ranks 2-3, spreads 0.1-3), so below 65,536 rival
#: nodes trying lines is wasted: from 16,384, laying out the first lines added 2.8 ms to a 1.2 ms call at spread 0.3.
LINE_FROM_NODES = 1 << 16
LINE_GAIN = 0.6
EPS = np.finfo(float).eps


@dataclass(frozen=True)
class _Lines:
    """The turned basis (columns; the lines run along the first), the logits ``slope_i . z + intercept_i`` in the
    turned coordinates ``z = basis^T y``, the truncation ``cut`` along the lines, and the target (log)."""

    basis: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    cut: float
    log_target: float


def line_expectation(red: Reduction, rival: int, estimate: bool) -> Expectation | None:
    """The fast tier's expectations of ``red`` by a line rule, or None: below rank 2 or above 3, where the rival
    tensor or slab rule has at most :data:`LINE_FROM_NODES` nodes, and where the lines would cost more than
    ``LINE_GAIN * rival`` nodes, need transverse orders beyond :data:`MAX_ORDER` (or begin too far above the target to
    get there, :data:`HOPELESS_GAP`), or one rule would have more nodes than the memory cap allows a tensor rule
    (:func:`numeric.expectation.budget.node_budget`).

    ``estimate=False`` reports no error figure (NaN): the companions across are evaluated either way, as they choose
    the transverse orders; the two along the lines and the rounding term are skipped."""
    if red.rank not in (2, 3) or rival <= LINE_FROM_NODES:
        return None
    (normals, needs, _, _), cut, digits, _, _ = rule_inputs(red, FAST)
    if not len(needs):
        return None
    basis = _turned_basis(normals, needs, digits)
    center, offsets = float_parts(red)
    lines = _Lines(basis, offsets @ basis, logit_intercepts(center, offsets), cut, product_log_target(red, FAST))
    search = _Search(lines, red, center, offsets, estimate)
    most = node_budget(output_count(*offsets.shape), red.rank, None)  # a stored node (r + 3 doubles) weighs less
    orders = first = (START_ORDER,) * (red.rank - 1)
    target = math.exp(lines.log_target)
    while True:
        # one companion lower across every axis (and, where it disagrees, one per axis, to see which to raise)
        lowered = tuple(max(1, m - COMPANION_DROP) for m in orders)
        share = 1.0 + math.prod(lowered) / math.prod(orders)  # this round's cost, from the fine rule's pieces
        count = search.layout(orders, FINE).count
        if search.spent + share * count > LINE_GAIN * rival or count > most:
            return None
        fine = search.sums(orders, FINE)[0]
        gap = np.abs(fine - search.sums(lowered, FINE)[0])
        if np.max(gap) <= target:
            break
        if orders == first and np.max(gap) > HOPELESS_GAP * target:
            return None  # one raise by half would have to cut the gap further than any search's raise has
        if all(math.ceil(1.5 * m) > MAX_ORDER for m in orders):
            return None  # whichever axes are short, raising them passes MAX_ORDER: the companions below would be waste
        alone = [orders[:k] + (lowered[k],) + orders[k + 1 :] for k in range(len(orders))]
        short = [k for k, low in enumerate(alone) if np.max(np.abs(fine - search.sums(low, FINE)[0])) > target]
        orders = tuple(math.ceil(1.5 * m) if k in short or not short else m for k, m in enumerate(orders))
        if max(orders) > MAX_ORDER or search.spent > LINE_GAIN * rival:
            return None
    values, magnitude, size = search.sums(orders, FINE)
    if estimate:
        along_error = np.maximum(*(np.abs(values - search.sums(orders, inner)[0]) for inner in (COARSE, FINER)))
        tail = tail_bound(red.radius, cut, FAST) + 2.0 * target  # + the pruned lines, pieces and nodes
        errors = along_error + gap + tail + 64.0 * EPS * magnitude
    else:
        errors = np.full_like(values, np.nan)
    along = ", ".join(f"{x:.3g}" for x in basis[:, 0])
    return Expectation(
        list(values),
        errors.tolist(),
        False,
        f"line rule [along ({along}): Gauss-Legendre up to {PANEL_ORDERS[0]} per plain piece, sinh-mapped up to "
        f"{SWITCH_ORDERS[0]} beside each switch point, graded by mass; across: Gauss-Hermite "
        f"{' x '.join(map(str, orders))}, chosen a posteriori] ({size} nodes, double; {search.spent} in all with the "
        "companions); error: the larger difference from a lower- and a higher-order rule along, the difference from a "
        "lower-order rule across + tail + rounding",
        size,
    )


def _turned_basis(normals: np.ndarray, needs: np.ndarray, digits: float) -> np.ndarray:
    """An orthonormal basis ``(r, r)`` (columns) whose first vector is the sharpest switches' common normal."""
    size2 = np.einsum("sr,sr->s", normals, normals)
    scale = size2 * 10.0 ** (needs - digits)
    _, vectors = np.linalg.eigh((normals * scale[:, None]).T @ normals)
    return vectors[:, ::-1].copy()


@dataclass(frozen=True)
class _Layout:
    """The lines through the transverse Gauss-Hermite nodes (their feet ``(r - 1, L)`` and weights) and their
    half-panels, ``mapped`` (start, stop, line, sinh scale) from a switch point and ``plain`` (start, stop, line),
    with the Gauss-Legendre order of each (graded by its mass)."""

    across: np.ndarray
    line_weights: np.ndarray
    mapped: tuple[np.ndarray, ...]
    plain: tuple[np.ndarray, ...]
    mapped_orders: np.ndarray
    plain_orders: np.ndarray

    @property
    def count(self) -> int:
        """Nodes before pruning."""
        return int(self.mapped_orders.sum() + self.plain_orders.sum())


class _Search:
    """The line rules one call evaluates, each laid out and summed once: the transverse orders and their companions
    (``spent`` counts their nodes before pruning)."""

    def __init__(self, lines: _Lines, red: Reduction, center: np.ndarray, offsets: np.ndarray, sizes: bool) -> None:
        self.lines, self.red, self.center, self.offsets, self.with_sizes = lines, red, center, offsets, sizes
        self.layouts: dict[tuple, _Layout] = {}
        self.results: dict[tuple, tuple[np.ndarray, np.ndarray, int]] = {}
        self.spent = 0

    def layout(self, orders: tuple[int, ...], inner: tuple[int, int]) -> _Layout:
        if (orders, inner) not in self.layouts:
            self.layouts[orders, inner] = _layout(self.lines, self.red, orders, inner)
        return self.layouts[orders, inner]

    def sums(self, orders: tuple[int, ...], inner: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        """The sums of every output over the rule, their magnitudes (zeros without sizes), and its node count."""
        if (orders, inner) not in self.results:
            layout = self.layout(orders, inner)
            nodes, weights = _nodes(self.lines, self.red, layout)
            n, r = self.offsets.shape
            chunk = chunk_nodes(output_count(n, r), r, None)
            parts = (
                (nodes[:, start : start + chunk], weights[start : start + chunk])
                for start in range(0, len(weights), chunk)
            )
            self.results[orders, inner] = chunk_sums(parts, self.center, self.offsets, self.with_sizes)
            self.spent += layout.count
        return self.results[orders, inner]


def _layout(lines: _Lines, red: Reduction, orders: tuple[int, ...], inner: tuple[int, int]) -> _Layout:
    """The lines through Gauss-Hermite nodes of ``orders`` across and their half-panels, without those whose
    nodes would all be pruned: no node weighs more than its line's weight times ``cut`` (a half-panel's weights add
    up to its length), and no rule has more than ``most`` nodes (every pair's switch point and window edges on every
    line), so lines and pieces below ``floor`` hold only nodes below the threshold of the rule, whatever its count.
    The pieces' Gauss-Legendre orders, at most ``inner`` (beside switch points, plain), are graded by their mass
    (:func:`_graded_orders`)."""
    count, n = math.prod(orders), len(lines.slope)
    most = count * 2 * (LINE_PANELS + 3 * n * (n - 1) // 2) * max(inner)
    floor = prune_threshold(red, lines.log_target, most, lines.cut, red.rank)
    rules = [AxisRule(order=m).floats() for m in orders]
    across, line_weights = product_of(rules, floor - math.log(lines.cut), 0, count)
    alpha = across.T @ lines.slope[:, 1:].T + lines.intercept
    kept = [_kept_pieces(pieces, line_weights, floor) for pieces in pieces_along(alpha, lines.slope[:, 0], lines.cut)]
    (mapped, mapped_mass), (plain, plain_mass) = kept
    # each piece's share of the error: GRADED_SHARE of the target over the pieces, per unit of the growth bound
    share = prune_threshold(
        red, lines.log_target + math.log(GRADED_SHARE), len(mapped_mass) + len(plain_mass), lines.cut, red.rank
    )
    return _Layout(
        across,
        line_weights,
        mapped,
        plain,
        _graded_orders(mapped_mass, share, inner[0]),
        _graded_orders(plain_mass, share, inner[1]),
    )


def _graded_orders(log_mass: np.ndarray, log_share: float, full: int) -> np.ndarray:
    """Gauss-Legendre orders for pieces of mass ``e^log_mass`` that may each be off by ``e^log_share`` (both per unit
    of the growth bound): the full order's digits scaled to those each piece needs (see :data:`FULL_DIGITS`)."""
    digits = (log_mass - log_share) / LN10 + GRADE_MARGIN
    return np.clip(np.ceil(full * digits / FULL_DIGITS), LOWEST_ORDER, full).astype(np.intp)


def _nodes(lines: _Lines, red: Reduction, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``(r, N)`` in the reduced basis and weights (density included), as views of a per-thread workspace
    (:func:`numeric.expectation.integrand.thread_views`; valid until the next call): fresh arrays of this size were
    mapped and page-faulted at every call, which cost a third of the search.  The pieces were pruned
    (:func:`_layout`); the nodes are not, as gathering the survivors cost about what summing them does."""
    weights, nodes = thread_views(_WORKSPACE, [(layout.count,), (len(lines.basis), layout.count)])
    feet = lines.basis[:, 1:] @ layout.across
    piece_nodes(
        layout.mapped, layout.mapped_orders, layout.plain, layout.plain_orders, layout.line_weights,
        lines.basis[:, 0], feet, nodes, weights,
    )  # fmt: skip
    return nodes, weights


#: The per-thread buffer of :func:`_nodes` (the weights, the nodes).
_WORKSPACE = threading.local()


def _kept_pieces(
    pieces: Sequence[np.ndarray], line_weights: np.ndarray, floor: float
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The half-panels (start, stop, line, ...) whose weights can reach ``e^floor``, and the log of their mass bound:
    their weights add up to at most the piece's length times the line's weight and the density's largest value on
    the piece."""
    start, stop, owner = pieces[0], pieces[1], pieces[2]
    nearest = np.where(start * stop <= 0.0, 0.0, np.minimum(np.abs(start), np.abs(stop)))
    with np.errstate(divide="ignore"):
        mass = np.log(np.take(line_weights, owner) * np.abs(stop - start)) - 0.5 * nearest * nearest
    keep = mass > floor
    return tuple(x[keep] for x in pieces), mass[keep]
