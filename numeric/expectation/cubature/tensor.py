"""Tensor rules in two and three reduced dimensions (and in one, where a few Gauss-Hermite nodes suffice), for
:func:`numeric.expectation.gaussian.gaussian_expectation`.

A tensor product of per-axis rules in the reduced basis: Gauss-Hermite along axes where the logits barely change,
the trapezoidal rule on the line elsewhere (uniform, or sinh-mapped to crowd its nodes at the sharpest switch).
Only the softmax switches that matter set an axis's rule (:func:`switches`): a switch whose hyperplane misses the
truncation ball, or where a third parameter outweighs both sides, has no pole near the Gaussian's mass; one far from
the origin needs fewer digits.  Nodes whose weight is negligible are dropped; the rule is evaluated in chunks.  The
error estimate is the difference from a *lower-order* companion rule (the reported rule is the higher-order one, so
the difference overstates its error), plus the tail and rounding.

:class:`ReusableRule` is a fast-tier rule chosen for every configuration in a box around one: gradient descent sums
it again while its parameters stay inside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Protocol

import flint
import mpmath
import numpy as np

from numeric.expectation.budget import chunk_nodes, node_budget
from numeric.expectation.cubature.separable import separable_sums
from numeric.expectation.cubature.tails import Tails, tails_of
from numeric.expectation.integrand import (
    COMPILED_WORK,
    growth_bound,
    logit_intercepts,
    output_count,
    tail_bound,
    weighted_sums_compiled,
    weighted_sums_float,
)
from numeric.expectation.quadrature import (
    POLE_STRIP,
    hermite_ball,
    hermite_companion,
    hermite_float,
    hermite_order,
    hermite_orders,
    hermite_pole_orders,
    trapezoid_ball,
    trapezoid_float,
    trapezoid_step,
    truncation_radius,
)
from numeric.expectation.reduction import Reduction, float_parts
from numeric.expectation.reused import reused_loss_and_gradient
from numeric.expectation.tiers import LN10, Expectation, Tier, tier_of

__all__ = [
    "AxisRule",
    "switches",
    "axis_rules",
    "rule_inputs",
    "choose_rules",
    "axis_choices",
    "hermite_cap",
    "rule_count",
    "product_of",
    "chunk_sums",
    "prune_threshold",
    "product_log_target",
    "Rules",
    "Switches",
    "tensor_expectation",
    "nearly_polynomial",
    "ReusableRule",
    "reusable_rule",
    "RULE_SLACK",
    "QMC_RANK",
]

EPS = np.finfo(float).eps
#: From this reduced dimension on, tensor rules give way to randomized quasi-Monte-Carlo.
QMC_RANK = 4
#: Target digits of the fast tier's product rules (relative to the integrand's scale ``1 + R^2``).
FAST_PRODUCT_DIGITS = 14.0
FAST = tier_of("fast")
#: A third logit this far above both sides of a switch rules out the switch's poles there: on the complex line
#: above a real point every term of the softmax's denominator keeps its modulus, so the two sides together weigh at
#: most ``2 e^-3 < 0.1`` of the leader and cannot cancel it (the denominator stays above 0.9 of the leader unless
#: the leader ties with another logit, whose own switch is counted).
DOMINANCE_MARGIN = 3.0


#: What :func:`switches` returns: normals ``(S, r)``, digits needed ``(S,)``, feet ``(S, r)``, blur ``(S,)``.
Switches = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def nearly_polynomial(red: Reduction, tier: Tier) -> bool:
    """Parameters so close that a few Gauss-Hermite nodes beat graded panels (e.g. spreads ~ e^-318)."""
    offsets = float_parts(red)[1][:, 0]
    limit = max(8, int(tier.digits / 12))
    order = hermite_order(tier.digits, float(np.max(offsets) - np.min(offsets)), cap=limit)
    return order is not None and order <= limit


@dataclass(frozen=True)
class AxisRule:
    """A 1-D rule along one reduced axis: Gauss-Hermite with ``order`` nodes, or the trapezoidal rule with ``step``
    on ``[-radius, radius]``, either in ``y`` itself or (``scale > 0``) in ``u`` with ``y = shift + scale sinh(u)``,
    which puts the nodes densely near a sharp switch at ``shift`` and sparsely elsewhere."""

    order: int | None = None
    step: float = 0.0
    radius: float = 0.0
    shift: float = 0.0
    scale: float = 0.0

    def count(self) -> int:
        if self.order:
            return self.order
        if self.scale:
            low, high = _sinh_range(self.step, self.radius, self.shift, self.scale)
            return high - low + 1
        return 2 * math.ceil(self.radius / self.step) + 1

    def floats(self) -> tuple[np.ndarray, np.ndarray]:
        if self.order:
            return hermite_float(self.order)
        if self.scale:
            return _sinh_float(self.step, self.radius, self.shift, self.scale)
        return trapezoid_float(self.step, self.radius)

    def balls(self, prec: int) -> tuple[Sequence, Sequence]:
        if self.order:
            return hermite_ball(self.order, prec)
        if self.scale:
            return _sinh_ball(self.step, self.radius, self.shift, self.scale, prec)
        return trapezoid_ball(self.step, self.radius, prec)

    def describe(self) -> str:
        if self.order:
            return f"Gauss-Hermite {self.order}"
        if self.scale:
            return f"sinh-mapped trapezoid h={self.step:.3g} at {self.shift:.3g}, scale {self.scale:.3g}"
        return f"trapezoid h={self.step:.3g}"


def _sinh_range(step: float, radius: float, shift: float, scale: float) -> tuple[int, int]:
    """Indices ``j`` of the nodes ``u = j * step`` whose images cover ``[-radius, radius]``."""
    return (
        math.floor(math.asinh((-radius - shift) / scale) / step),
        math.ceil(math.asinh((radius - shift) / scale) / step),
    )


def _sinh_float(step: float, radius: float, shift: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    low, high = _sinh_range(step, radius, shift, scale)
    u = step * np.arange(low, high + 1)
    y = shift + scale * np.sinh(u)
    return y, step * scale * np.cosh(u) * np.exp(-0.5 * y * y) / math.sqrt(2.0 * math.pi)


@lru_cache(maxsize=64)
def _sinh_ball(step: float, radius: float, shift: float, scale: float, prec: int) -> tuple[tuple, tuple]:
    """:func:`_sinh_float` as balls at ``prec`` bits (the float parameters are taken as exact)."""
    low, high = _sinh_range(step, radius, shift, scale)
    with flint.ctx.workprec(prec):
        h, t, a = flint.arb(step), flint.arb(shift), flint.arb(scale)
        norm = 1 / (2 * flint.arb.pi()).sqrt()
        us = [h * j for j in range(low, high + 1)]
        nodes = tuple(t + a * u.sinh() for u in us)
        return nodes, tuple(h * a * u.cosh() * (-(y * y) / 2).exp() * norm for u, y in zip(us, nodes))


def switches(
    center: np.ndarray, offsets: np.ndarray, cut: float, digits: float, slack: np.ndarray | None = None
) -> Switches:
    """The softmax switches a rule must resolve, as arrays: their normals ``D`` ``(S, r)``, the digits each needs
    ``(S,)``, the feet ``(S, r)``, each hyperplane's point nearest the origin, and how far each foot may move
    ``(S,)`` (zero unless ``slack``).

    The logits of ``i`` and ``j`` cross on the hyperplane ``<y, D> = <center, D> + (|delta_i|^2 - |delta_j|^2)/2``
    (``D = delta_i - delta_j``), the only place where their logistic has poles (at imaginary distance
    ``pi / |D_k|`` along axis ``k``).  Where some third logit exceeds both sides by :data:`DOMINANCE_MARGIN`, the
    softmax's denominator cannot vanish (the moduli of its terms on a complex line equal those on the real line),
    so the poles lie above the part of the hyperplane where no third logit leads by the margin.  Logit ``k``'s lead
    is affine on the hyperplane, so the part where it does not lead is a half-plane; the poles are at least as far
    from the origin as the farthest of these half-planes (or the hyperplane itself), at distance ``D``.  The switch
    needs ``digits - D^2 / (2 ln 10)`` digits (the density is ``e^(-D^2/2)`` smaller at its poles) and is dropped
    below one digit or beyond the ball of radius ``cut + 1`` (the density is below the target there).

    A positive ``slack`` (per axis, ``(r,)``) asks for the switches of every configuration whose reduced points
    ``center + offsets_i`` lie within ``slack_k`` of these along each axis ``k`` (a rule built from them serves them
    all, see :class:`ReusableRule`).  With ``s = |slack|``, ``D`` then moves by at most ``2 s``, the unit normal by
    ``4 s / |D|`` and the pair's midpoint ``m`` by ``s``, so the foot ``<u, m> u`` and the distance move by at most
    ``blur = s (1 + 8 (R + s) / |D|)`` (``R`` the largest ``|center + offsets_i|``): a switch is kept when it could
    reach the ball, needs the digits of its nearest possible position, and none is dropped as outweighed (that test
    has no margin for a move).
    """
    n = len(offsets)
    if n < 2:
        r = offsets.shape[1]
        return np.zeros((0, r)), np.zeros(0), np.zeros((0, r)), np.zeros(0)
    slopes, intercepts = offsets, logit_intercepts(center, offsets)  # logit_i(y) = slopes_i . y + intercepts_i
    first, second, sides, twice = _pairs(n)
    normal = slopes[first] - slopes[second]  # (P, r)
    size = np.sqrt(np.einsum("pr,pr->p", normal, normal))
    level = intercepts[second] - intercepts[first]  # hyperplane: normal . y = level
    live = size > 0
    safe = np.where(live, size, 1.0)
    distance = np.where(live, np.abs(level) / safe, np.inf)
    foot = (level / safe**2)[:, None] * normal  # nearest point of the hyperplane to the origin
    reach = cut + 1.0
    move = 0.0 if slack is None else float(np.linalg.norm(slack))
    if move:
        points = center + offsets
        largest = float(np.sqrt(np.max(np.einsum("ij,ij->i", points, points))))
        with np.errstate(divide="ignore"):
            blur = move * (1.0 + 8.0 * (largest + move) / size)  # inf for coincident pairs: they may part
        nearest = np.maximum(np.where(live, distance, 0.0) - blur, 0.0)
        keep = (nearest <= reach) & (digits - nearest**2 / (2.0 * LN10) >= 1.0)
        foot = np.where(live[:, None], foot, 0.0)
        return normal[keep], digits - nearest[keep] ** 2 / (2.0 * LN10), foot[keep], blur[keep]
    unit = normal / safe[:, None]
    # logit k against side j of switch p, through the Gram matrix (no (P, n, r) arrays): the gap s_k - s_j has
    # |gap|^2 = G_kk - 2 G_jk + G_jj, and its products with the unit normal and the foot are differences
    gram = slopes @ slopes.T
    squares = np.diag(gram)
    on_unit, on_foot = unit @ slopes.T, foot @ slopes.T  # (P, n)
    pairs = twice[: len(first)]
    projection = on_unit[twice] - on_unit[twice, sides][:, None]
    gap2 = squares[None, :] - 2.0 * gram[sides] + squares[sides][:, None]
    along = np.sqrt(np.maximum(gap2 - projection**2, 0.0))  # |gap - (gap . unit) unit|
    low = on_foot[twice] - on_foot[twice, sides][:, None] + intercepts[None, :] - intercepts[sides][:, None]
    # on the hyperplane, the half-plane where logit k leads side j by at most the margin lies (lead at the foot -
    # margin) / |in-plane slope of the lead| beyond the foot (infinitely far if the lead is constant)
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = np.where(low > DOMINANCE_MARGIN, (low - DOMINANCE_MARGIN) / along, 0.0)
    beyond = beyond.reshape(2, len(first), n).min(axis=0)  # (P, n): k must lead both sides
    beyond[pairs, first] = beyond[pairs, second] = 0.0
    reached = np.sqrt(np.where(live, distance, 0.0) ** 2 + np.max(beyond, axis=1) ** 2)  # nearest possible pole
    needs = digits - reached**2 / (2.0 * LN10)
    keep = live & (reached <= reach) & (needs >= 1.0)
    return normal[keep], needs[keep], foot[keep], np.zeros(int(np.count_nonzero(keep)))


@lru_cache(maxsize=16)
def _pairs(n: int) -> tuple[np.ndarray, ...]:
    """``np.triu_indices(n, 1)``, then both sides of every switch at once (rows ``first..., second...``) and each
    row's switch, cached (they cost more than the rest of :func:`switches` for small ``n``)."""
    first, second = np.triu_indices(n, 1)
    pairs = np.arange(len(first))
    arrays = (first, second, np.concatenate([first, second]), np.concatenate([pairs, pairs]))
    for array in arrays:
        array.setflags(write=False)
    return arrays


def _quantized_step(step: float) -> float:
    """The largest power of ``2^(1/8)`` not above ``step``: nearby configurations share (cached) rules."""
    return 2.0 ** (math.floor(8.0 * math.log2(step)) / 8.0)


def axis_rules(red: Reduction, tier: Tier, slack: np.ndarray | None = None) -> tuple[list[AxisRule], list[AxisRule]]:
    """Fine and coarse rules per axis, set by the switches that matter (see :func:`switches`); with ``slack``
    (per axis), by those of every configuration within it of ``red`` (each slope ``|D_k|`` may grow by
    ``2 slack_k``)."""
    found, cut, digits, slack, tails = rule_inputs(red, tier, slack)
    return choose_rules(found, range(red.rank), cut, digits, slack, tails)


def rule_inputs(
    red: Reduction, tier: Tier, slack: np.ndarray | None = None
) -> tuple[Switches, float, float, np.ndarray, Tails]:
    """What the choice of rules starts from: the switches that matter, the truncation radius, the digits asked
    of the product rule, the slack (zeros without one), and the weights' exponential tails, which set least
    Gauss-Hermite orders (:class:`numeric.expectation.cubature.tails.Tails`)."""
    digits = tier.digits if tier.balls else FAST_PRODUCT_DIGITS
    center, offsets = float_parts(red)
    move = 0.0 if slack is None else float(np.linalg.norm(slack))
    cut = _cut(red, digits, move)
    found = switches(center, offsets, cut, digits, slack)
    slack = np.zeros(red.rank) if slack is None else slack
    return found, cut, digits, slack, tails_of(center, offsets, slack)


def _cut(red: Reduction, digits: float, move: float = 0.0) -> float:
    """The truncation radius of the trapezoidal rules, rounded up to a quarter (nearby configurations share it)."""
    return math.ceil(4.0 * truncation_radius(digits, sum(growth_bound(red.radius + move)))) / 4.0


def choose_rules(
    found: Switches, axes: Iterable[int], cut: float, digits: float, slack: np.ndarray, tails: Tails
) -> tuple[list[AxisRule], list[AxisRule]]:
    """Fine and coarse rules along ``axes`` for the switches ``found`` (normals, needs, feet, blur, as
    :func:`switches` returns them) and the ``tails`` (their least Gauss-Hermite orders): Gauss-Hermite
    where its order suffices for every switch, else the trapezoid (uniform or sinh-mapped, whichever has fewer
    nodes)."""
    normals, needs, feet, blur = found
    axes = list(axes)
    slopes = np.abs(normals[:, axes]) + 2.0 * slack[axes] if np.any(slack) else np.abs(normals[:, axes])
    choices = axis_choices(slopes, needs[None, :], cut, digits, tails.orders(digits, hermite_cap(digits))[:, axes])
    fine, coarse = [], []
    for j, k in enumerate(axes):
        rules = choices[j][0]
        if rules[0].order is None:
            mapped = _sinh_rule(normals, needs, feet, blur, k, cut, digits, slack)
            if mapped is not None and mapped.count() < rules[0].count():
                rules = mapped, _trapezoid_companion(mapped)
        fine.append(rules[0])
        coarse.append(rules[1])
    return fine, coarse


def hermite_cap(digits: float) -> int:
    """The most Gauss-Hermite nodes an axis takes for ``digits`` (beyond, the trapezoid)."""
    return max(24, int(digits / 2))


def axis_choices(
    slopes: np.ndarray, needs: np.ndarray, cut: float, digits: float, floors: np.ndarray
) -> list[list[tuple[AxisRule, AxisRule]]]:
    """Fine and coarse rules ``[axis][group]`` for switches of ``slopes`` ``(S, axes)`` that need ``needs[g]``
    ``(G, S)`` digits in each of ``G`` groups of nodes (below one digit a switch is left out of its group), with at
    least ``floors`` ``(G, axes)`` Gauss-Hermite nodes for the tails (the order the companion takes; the rule takes one
    more): Gauss-Hermite where its order suffices for every switch, else the uniform trapezoid.

    A switch takes the Gauss-Hermite order of the better of two bounds: the Taylor one
    (:func:`numeric.expectation.quadrature.hermite_orders`) and the nearest pole's (``hermite_pole_orders``), each at
    the digits the switch needs (far switches need fewer).  Where the pole bound set the order (it gains slowly with
    ``m``) the companion is set ``e^3`` lower in it, not one node fewer."""
    groups, count = needs.shape
    live = needs >= 1.0
    sloped = np.where(live[:, :, None], slopes[None, :, :], 0.0)  # (G, S, axes)
    flat = sloped.reshape(groups * count, slopes.shape[1]).T
    digits_flat = np.where(live, needs, digits).ravel()
    cap = hermite_cap(digits)
    taylor = hermite_orders(digits_flat, flat, cap).reshape(slopes.shape[1], groups, count)  # (axes, G, S)
    pole = hermite_pole_orders(digits_flat, flat, cap).reshape(slopes.shape[1], groups, count)
    orders = np.where((taylor == 0) | ((pole > 0) & (pole < taylor)), pole, taylor)  # 0 where Gauss-Hermite fails
    suits: list[list[bool]] = np.asarray(orders.all(axis=2)).tolist()
    switch_orders = orders.max(axis=2, initial=1)
    largest = np.maximum(switch_orders, np.asarray(floors).T)  # (axes, G)
    # where the pole bound set a switch's order, the error falls slowly with the order, above a tail's floor too
    by_pole: list[list[bool]] = np.asarray(
        ~taylor.all(axis=2) | (taylor.max(axis=2, initial=1) > switch_orders)
    ).tolist()
    sharpest = sloped.max(axis=1, initial=0.0).T.tolist()
    if not all(all(row) for row in suits):  # the trapezoidal steps, switches without slope left out
        with np.errstate(divide="ignore"):
            steps = np.where(sloped > 0, trapezoid_step(np.where(live, needs, digits)[:, :, None], sloped), np.inf)
            steps = steps.min(axis=1, initial=np.inf).T.tolist()
    largest_list = largest.tolist()
    out: list[list[tuple[AxisRule, AxisRule]]] = []
    for j in range(len(suits)):
        row = []
        for g in range(groups):
            if suits[j][g]:
                order = largest_list[j][g] + 1
                companion = hermite_companion(order, sharpest[j][g]) if by_pole[j][g] else order - 1
                row.append(_hermite_pair(order, companion))
            else:
                row.append(_uniform_pair(_quantized_step(steps[j][g]), cut))
        out.append(row)
    return out


@lru_cache(maxsize=256)
def _hermite_pair(order: int, companion: int) -> tuple[AxisRule, AxisRule]:
    """Shared objects: slabs compare and hash their rules, which identity makes quick."""
    return AxisRule(order=order), AxisRule(order=companion)


@lru_cache(maxsize=256)
def _uniform_pair(step: float, cut: float) -> tuple[AxisRule, AxisRule]:
    uniform = AxisRule(step=step, radius=cut)
    return uniform, _trapezoid_companion(uniform)


def _trapezoid_companion(rule: AxisRule) -> AxisRule:
    return AxisRule(None, _quantized_step(rule.step * COMPANION_STEP), rule.radius, rule.shift, rule.scale)


#: The step of a trapezoidal rule's companion (its error estimate), relative to the rule's: one ``2^(1/8)`` notch
#: coarser.  The error falls like ``exp(-2 pi beta / h)`` with ``2 pi beta / h >= 35`` at 14 digits, so the companion's
#: error exceeds the rule's about 20 to 70 times (a notch of 1.19, as ``1.25 h`` gave, made that 300 to 4000 times).
COMPANION_STEP = 2.0 ** (1.0 / 8.0) * (1.0 + 1e-12)


#: Largest strip half-width in ``u`` tried for sinh-mapped rules (the Gaussian decays in the strip below pi/4).
SINH_MAX_WIDTH = 0.72


def _sinh_rule(
    normals: np.ndarray,
    needs: np.ndarray,
    feet: np.ndarray,
    blur: np.ndarray,
    k: int,
    cut: float,
    digits: float,
    slack: np.ndarray,
) -> AxisRule | None:
    """The sinh-mapped trapezoidal rule on axis ``k`` with the fewest nodes, centred on its sharpest switch.

    ``y = t + a sinh(u)`` maps the strip ``|Im u| < d`` to a region that avoids every switch's poles (imaginary
    distance ``0.85 pi / |D_k|`` along the axis, above every crossing point ``t_s`` where the switch still needs a
    digit: ``d <= 0.85 Im asinh((t_s - t + i beta) / a)``) and in which the Gaussian grows at most by
    ``exp((t^2 tan^2 d / (1 - tan^2 d) + a^2 sin^2 d) / 2)`` (its maximum over the strip); the trapezoidal error
    ``M exp(-2 pi d / h)`` then fixes ``h``.  Scales ``a`` and widths ``d`` are searched on a small grid (arrays
    ``(scales, switches)`` and ``(scales, widths)``).  The companion rule (:data:`COMPANION_STEP`) checks this estimate.

    With ``slack`` (per axis, see :func:`switches`) each slope ``|D_k|`` may grow by ``2 slack_k``, each foot move
    by ``blur`` (but stays in the ball of radius ``cut + 1``), and the crossing's lateral extent grows as ``D`` turns.
    """
    along = np.abs(normals[:, k]) + 2.0 * slack[k]
    sharp = along != 0
    if not sharp.all():
        if not sharp.any():
            return None
        normals, needs, feet, blur, along = normals[sharp], needs[sharp], feet[sharp], blur[sharp], along[sharp]
    betas = POLE_STRIP / along
    squares = np.einsum("sr,sr->s", normals, normals)
    move = math.sqrt(float(slack @ slack))
    if move:
        sizes = np.sqrt(squares)
        across = np.sqrt(np.maximum(squares - normals[:, k] ** 2, 0.0)) + 2.0 * math.sqrt(move**2 - slack[k] ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            lateral = np.where(sizes > 2.0 * move, np.minimum(1.0, across / (sizes - 2.0 * move)), 1.0)
    else:
        lateral = np.sqrt(np.maximum(0.0, 1.0 - along**2 / squares))
    reach = np.sqrt(2.0 * LN10 * np.maximum(needs - 1.0, 0.0)) * lateral
    sharpest = int(np.argmin(betas))
    scales = 2.0 ** (np.floor(4.0 * np.log2(betas[sharpest] * SINH_SCALES)) / 4.0)
    shifts = np.round(feet[sharpest, k] / (scales / 8.0)) * (scales / 8.0)
    moved = np.abs(feet[None, :, k] - shifts[:, None])
    if move:
        moved = np.minimum(moved + blur[None, :], cut + 1.0 + np.abs(shifts)[:, None])
    far = moved + reach[None, :]  # (scales, switches)
    widths = np.minimum(SINH_MAX_WIDTH, 0.85 * np.min(np.arcsinh((far + 1j * betas) / scales[:, None]).imag, axis=1))
    d = widths[:, None] * SINH_WIDTHS  # (scales, widths)
    tan2 = np.tan(d) ** 2
    growth = 0.5 * (shifts[:, None] ** 2 * tan2 / (1.0 - tan2) + (scales[:, None] * np.sin(d)) ** 2)
    steps = np.max(2.0 * math.pi * d / (digits * LN10 + 3.0 + growth), axis=1)
    cost = (np.arcsinh((cut - shifts) / scales) - np.arcsinh((-cut - shifts) / scales)) / steps
    cost[widths <= 0.02] = np.inf
    best = int(np.argmin(cost))
    if not np.isfinite(cost[best]):
        return None
    step, shift, scale = _quantized_step(float(steps[best])), float(shifts[best]) + 0.0, float(scales[best])  # no -0
    return AxisRule(step=step, radius=cut, shift=shift, scale=scale)


#: Scales ``a`` tried for sinh maps (times the sharpest switch's pole distance), and strip widths (of the widest).
SINH_SCALES = np.array([0.5, 0.7, 1.0, 1.4, 2.0, 2.8])
SINH_WIDTHS = np.linspace(0.1, 1.0, 10)


class ProductRule(Protocol):
    """A product rule other than a plain list of per-axis rules
    (:class:`numeric.expectation.cubature.slabs.SlabRule`)."""

    @property
    def radius(self) -> float: ...

    @property
    def rank(self) -> int: ...

    def count(self) -> int: ...

    def truncated_axes(self) -> int: ...

    def describe(self) -> str: ...

    def chunks(self, log_threshold: float, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...


#: Per-axis rules (their tensor product) or another product rule.
Rules = Sequence[AxisRule] | ProductRule


def rule_count(rules: Rules) -> int:
    """Nodes of a product rule before pruning."""
    return math.prod(rule.count() for rule in rules) if isinstance(rules, Sequence) else rules.count()


def _prune_threshold(rules: Rules, red: Reduction, log_target: float, slack: float = 0.0) -> float:
    """:func:`prune_threshold` for ``rules``: their unpruned count, largest radius and rank."""
    if isinstance(rules, Sequence):
        cut, rank = max((rule.radius for rule in rules), default=0.0) or 10.0, len(rules)
    else:
        cut, rank = rules.radius or 10.0, rules.rank
    return prune_threshold(red, log_target, rule_count(rules), cut, rank, slack)


def prune_threshold(red: Reduction, log_target: float, count: int, cut: float, rank: int, slack: float = 0.0) -> float:
    """Log of the weight below which nodes are dropped: ``weight * (A + B |y|) <= target / N`` for each, so
    together they change no output by more than the target (``N = count``, the unpruned nodes, within the ball of
    radius ``cut * sqrt(rank)``), which the error figure adds.  Rounded down to a multiple of ``ln 2``, so that
    nearby configurations share cached rules.  ``A, B`` are those of parameters up to ``slack`` farther out
    (``log_target`` is the caller's, see :func:`product_log_target`)."""
    a, b = growth_bound(red.radius + slack)
    log_threshold = log_target - math.log(count) - math.log(a + b * cut * math.sqrt(rank))
    return math.floor(log_threshold / math.log(2.0)) * math.log(2.0)


@lru_cache(maxsize=32)
def _cached_float_rule(rules: tuple[AxisRule, ...], log_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = _product_floats(rules, log_threshold, 0, math.prod(rule.count() for rule in rules))
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


def _product_floats(rules: Sequence[AxisRule], log_threshold: float, start: int, stop: int):
    """Nodes ``(r, N)`` (axis-major, as :func:`weighted_sums_float` takes them) and weights of the tensor product's
    flat indices ``start:stop``, pruned."""
    return product_of([rule.floats() for rule in rules], log_threshold, start, stop)


def product_of(axes: Sequence[tuple[np.ndarray, np.ndarray]], log_threshold: float, start: int, stop: int):
    """The flat indices ``start:stop`` of the product of 1-D rules ``axes`` (nodes and weights each), as nodes
    ``(r, N)`` and weights, without the nodes whose weight's logarithm is at most ``log_threshold``."""
    index = np.unravel_index(np.arange(start, stop), [len(a[1]) for a in axes])
    nodes = np.stack([a[0][i] for a, i in zip(axes, index)], axis=0)
    weights = np.prod(np.stack([a[1][i] for a, i in zip(axes, index)], axis=1), axis=1)
    with np.errstate(divide="ignore"):
        keep = np.log(weights) > log_threshold
    return np.ascontiguousarray(nodes[:, keep]), weights[keep]


#: Product rules up to this many nodes are cached between calls (gradient descent revisits them).
CACHED_NODES = 1 << 16


def _product_chunks(rules: Rules, log_threshold: float, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if not isinstance(rules, Sequence):
        yield from rules.chunks(log_threshold, chunk)
        return
    size = math.prod(rule.count() for rule in rules)
    if size <= CACHED_NODES:
        yield _cached_float_rule(tuple(rules), log_threshold)
        return
    for start in range(0, size, chunk):
        part = _product_floats(rules, log_threshold, start, min(size, start + chunk))
        if len(part[1]):
            yield part


def _tensor_float_sum(rules: Rules, log_threshold: float, center, offsets, with_sizes: bool):
    n, r = offsets.shape
    parts = _product_chunks(rules, log_threshold, chunk_nodes(output_count(n, r), r, None))
    return chunk_sums(parts, center, offsets, with_sizes)


def chunk_sums(parts: Iterable[tuple[np.ndarray, np.ndarray]], center, offsets, with_sizes: bool):
    """:func:`weighted_sums_float` over chunks ``(nodes, weights)`` added up: sums, sizes, and the node count."""
    sums = np.zeros(output_count(*offsets.shape))
    magnitude = np.zeros_like(sums)
    nodes = 0
    for y, w in parts:
        part, size = weighted_sums_float(y, w, center, offsets, with_sizes=with_sizes)
        sums += part
        magnitude += size
        nodes += len(w)
    return sums, magnitude, nodes


def _log_weights(rule: AxisRule, prec: int) -> list[float]:
    """Natural logarithms of the rule's ball weights (they underflow doubles at high precision)."""
    with flint.ctx.workprec(64):
        return [float(w.log().mid()) for w in rule.balls(prec)[1]]


def _separable_ball_sum(rules: Sequence[AxisRule], log_threshold: float, red: Reduction, prec: int, chunk: int):
    """The tensor rule's sums in balls (:func:`numeric.expectation.cubature.separable.separable_sums`), and its node
    count."""
    axes = [rule.balls(prec) for rule in rules]
    logs = [_log_weights(rule, prec) for rule in rules]
    return separable_sums(axes, logs, log_threshold, red.center, red.offsets, chunk)


def tensor_expectation(red: Reduction, tier: Tier, fine: Rules, coarse: Rules, estimate: bool) -> Expectation:
    """The expectations by the product rule ``fine``, with the difference from ``coarse`` as error estimate (balls in
    the precise tier, where the rules must be per-axis; doubles in the fast tier)."""
    center, offsets = float_parts(red)
    if isinstance(fine, Sequence):
        kinds, name = ", ".join(rule.describe() for rule in fine), "tensor rule"
        panel_axes = sum(rule.order is None for rule in fine)
    else:
        kinds, name, panel_axes = fine.describe(), "slab rule", fine.truncated_axes()
    digits = tier.digits if tier.balls else FAST_PRODUCT_DIGITS
    log_target = product_log_target(red, tier)
    pairs = (fine, coarse) if estimate or tier.balls else (fine,)  # the companion only serves the estimate
    thresholds = [_prune_threshold(rules, red, log_target) for rules in pairs]
    if len(pairs) > 1:
        cut = truncation_radius(digits, sum(growth_bound(red.radius)))
        tail = panel_axes * tail_bound(red.radius, cut, tier) + tier.error(log_target)  # + the pruned nodes
    if not tier.balls:
        values, magnitude, size = _tensor_float_sum(fine, thresholds[0], center, offsets, estimate)
        if estimate:
            rough = _tensor_float_sum(coarse, thresholds[1], center, offsets, False)[0]
            errors = np.abs(values - rough) + tail + 64.0 * EPS * magnitude
        else:
            errors = np.full_like(values, np.nan)
        return Expectation(
            list(values),
            errors.tolist(),
            False,
            f"{name} [{kinds}] ({size} nodes, double); error: difference from a lower-order rule + tail + rounding",
            size,
        )
    if not (isinstance(fine, Sequence) and isinstance(coarse, Sequence)):
        raise TypeError("ball sums take per-axis rules (their moments separate)")
    prec = tier.bits
    chunk = chunk_nodes(output_count(len(offsets), red.rank), red.rank, prec)
    with flint.ctx.workprec(prec):
        values, size = _separable_ball_sum(fine, thresholds[0], red, prec, chunk)
        rough, _ = _separable_ball_sum(coarse, thresholds[1], red, prec, chunk)
    errors = [mpmath.mpf(abs(v - c).upper()) + tail + mpmath.mpf(v.rad()) for v, c in zip(values, rough)]
    return Expectation(
        [v.mid() for v in values],
        errors,
        False,
        f"tensor rule [{kinds}] ({size} nodes, {prec}-bit balls); "
        "error: difference from a lower-order rule + tail + ball radius",
        size,
    )


def product_log_target(red: Reduction, tier: Tier, slack: float = 0.0) -> float:
    """The absolute error asked of a tensor rule (with ``slack``: for the smallest parameters it may serve)."""
    digits = tier.digits if tier.balls else FAST_PRODUCT_DIGITS
    return tier.log_target(max(red.radius - slack, 0.0) ** 2) + (tier.digits - digits) * LN10


# --------------------------------------------------------------------------- one rule for many nearby calls

#: How far (in reduced coordinates) parameters may move from where a reused tensor rule was built: at most
#: ``RULE_SLACK`` along any axis, and a tenth of the parameters' spread along it (so soft axes stay soft).
RULE_SLACK = 1e-2
RULE_SLACK_SPREAD = 0.1


@dataclass(frozen=True)
class ReusableRule:
    """A fast-tier tensor rule built at one configuration for every configuration within ``slack`` of it.

    Gradient descent moves the parameters by little per step, and choosing a tensor rule (switches, per-axis
    orders, sinh maps) costs several times more than summing it.  This rule is chosen, by the same criteria,
    for the worst case over every configuration whose reduced points ``b_i`` in ``basis`` lie within ``slack_k``
    of ``points`` along each axis ``k`` (:func:`switches` with ``slack``: every slope ``|D_k|`` larger by
    ``2 slack_k``, every switch nearer by what such a move can shift its hyperplane), so it serves them all;
    :meth:`covers` checks that a configuration is one of them.  For ``estimate=False`` uses only: no companion
    rule is kept, so no error figure is reported.
    """

    basis: np.ndarray
    points: np.ndarray
    slack: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    method: str

    def covers(self, red: Reduction) -> bool:
        """Is ``red`` (in this rule's basis) within ``slack`` of the configuration the rule was built for?"""
        return red.basis is self.basis and bool(np.all(np.abs(red.center + red.offsets - self.points) <= self.slack))

    @property
    def compiled(self) -> bool:
        """Is the rule small enough for compiled sums (:data:`~numeric.expectation.integrand.COMPILED_WORK`)?"""
        return len(self.points) * len(self.weights) <= COMPILED_WORK

    def loss_and_gradient(self, mu: np.ndarray) -> tuple[float, np.ndarray] | None:
        """For a :attr:`compiled` rule: loss and gradient at ``mu`` if the rule covers it, in compiled calls
        (:func:`numeric.expectation.reused.reused_loss_and_gradient`), else None."""
        return reused_loss_and_gradient(np.ascontiguousarray(mu, dtype=float), *self._arrays)

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.ascontiguousarray(a) for a in (self.basis, self.points, self.slack, self.nodes, self.weights))

    def sums(self, red: Reduction) -> np.ndarray:
        """The expectations of every output at a covered configuration (no error figure): compiled for a small rule,
        else in memory-capped chunks (:data:`~numeric.expectation.integrand.COMPILED_WORK`)."""
        n, r = red.offsets.shape
        if self.compiled:
            return weighted_sums_compiled(self.nodes, self.weights, red.center, red.offsets)
        chunk = chunk_nodes(output_count(n, r), r, None)
        parts = (
            (self.nodes[:, start : start + chunk], self.weights[start : start + chunk])
            for start in range(0, len(self.weights), chunk)
        )
        return chunk_sums(parts, red.center, red.offsets, False)[0]


def reusable_rule(red: Reduction, slack: float = RULE_SLACK) -> ReusableRule | None:
    """The fast tier's tensor rule for every configuration near ``red`` (within ``slack`` along each axis and a tenth
    of the spread along it), or None where the fast tier integrates ``red`` otherwise (one dimension on panels,
    randomized QMC) or the widened rule would keep more than :data:`REUSED_NODES` nodes."""
    if red.rank == 0 or red.rank >= QMC_RANK or (red.rank == 1 and not nearly_polynomial(red, FAST)):
        return None
    box = np.minimum(slack, RULE_SLACK_SPREAD * np.ptp(red.offsets, axis=0))
    fine, _ = axis_rules(red, FAST, box)
    n, size = len(red.offsets), math.prod(rule.count() for rule in fine)
    if size > node_budget(output_count(n, red.rank), red.rank, None):
        return None
    move = float(np.linalg.norm(box))
    threshold = _prune_threshold(fine, red, product_log_target(red, FAST, move), move)
    parts = list(_product_chunks(fine, threshold, chunk_nodes(output_count(n, red.rank), red.rank, None)))
    if not parts or sum(len(w) for _, w in parts) > REUSED_NODES:
        return None
    nodes = np.concatenate([y for y, _ in parts], axis=1)
    weights = np.concatenate([w for _, w in parts])
    kinds = ", ".join(rule.describe() for rule in fine)
    return ReusableRule(
        basis=red.basis,
        points=red.center + red.offsets,
        slack=box,
        nodes=nodes,
        weights=weights,
        method=f"tensor rule [{kinds}] ({len(weights)} nodes, double), chosen for every configuration within "
        f"[{', '.join(f'{x:.2g}' for x in box)}] of one nearby",
    )


#: The most nodes a reused rule keeps (32 MiB in three dimensions); larger ones are built at every call.
REUSED_NODES = 1 << 20
