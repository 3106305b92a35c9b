"""Gaussian expectations of the reduced integrands: one interface over the fast, precise, certified tiers.

``gaussian_expectation(reduction, tier)`` returns ``E[F(y)]`` for every output of
:func:`numeric.expectation.integrand.integrand_float` with a per-output error figure; ``tier`` is a
:class:`numeric.expectation.tiers.Tier` (or its name and ``dps``).

* one reduced dimension (collinear parameters, clusters spread along a line): Gauss-Legendre panels
  graded at the softmax switches.  The quadrature error of a panel is bounded by Trefethen's theorem,
  ``64/15 * M * rho^(-2m) / (rho^2 - 1)`` times the half-length, with ``M`` the sup of the integrand on
  the Bernstein ellipse: *sampled* in the fast and precise tiers (an honest estimate), *enclosed* by
  complex balls covering the ellipse in the certified tier (a proof, which also proves the integrand
  has no pole inside).  The truncated Gaussian tail is bounded in closed form; rounding is estimated
  (double precision) or carried by the balls (precise, certified).  Panels whose bound is too large
  are split.  Budgets and node counts are computed in logarithms, so ``dps`` up to 5000 never underflows.
* two or three reduced dimensions (fast and precise only), and one dimension whose offsets are so
  close that a few Gauss-Hermite nodes suffice: a tensor product of per-axis rules in the reduced basis,
  Gauss-Hermite along axes where the logits barely change, the trapezoidal rule on the line elsewhere.
  Only the softmax switches that matter set an axis's rule (see :func:`switches`): a switch whose
  hyperplane misses the truncation ball, or where a third parameter outweighs both sides, has no pole
  near the Gaussian's mass; one far from the origin needs fewer digits (the density is small there).
  Nodes whose weight is negligible are dropped; the rule is evaluated in chunks.  The error estimate is
  the difference from a *lower-order* companion rule (the reported rule is the higher-order one, so the
  difference overstates its error), plus the tail and rounding.
* four or more reduced dimensions, or a tensor rule that would exceed the memory cap
  (:mod:`numeric.expectation.budget`): the fast tier answers by randomized quasi-Monte-Carlo
  (:mod:`numeric.expectation.qmc`, a statistical error bar, labelled so); the precise tier, which
  promises ``dps`` digits, refuses up front with an :class:`~numeric.config.InputError` saying why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import flint
import mpmath
import numpy as np

from numeric.config import InputError
from numeric.expectation.budget import chunk_nodes, describe_bytes, max_memory, node_budget, node_bytes
from numeric.expectation.integrand import (
    growth_bound,
    integrand_float,
    integrand_line,
    output_count,
    weighted_sums_float,
)
from numeric.expectation.precision import digits_of, precision_bits
from numeric.expectation.qmc import DEFAULT_QMC, QMCRule, qmc_sums
from numeric.expectation.quadrature import (
    MAX_ORDER,
    Layout,
    Panel,
    ball_rule,
    float_rule,
    hermite_ball,
    hermite_float,
    hermite_order,
    hermite_orders,
    panel_layout,
    refine_panels,
    trapezoid_ball,
    trapezoid_float,
    trapezoid_step,
    truncation_radius,
)
from numeric.expectation.reduction import Reduction
from numeric.expectation.separable import separable_sums
from numeric.expectation.tiers import LN10, Tier, as_tier, tier_of

__all__ = [
    "Expectation",
    "gaussian_expectation",
    "qmc_expectation",
    "switches",
    "ReusableRule",
    "reusable_rule",
    "RULE_SLACK",
    "digits_of",
    "precision_bits",
    "QMC_RANK",
]

EPS = np.finfo(float).eps
ELLIPSE_SAMPLES = 48
#: From this reduced dimension on, tensor rules give way to randomized quasi-Monte-Carlo.
QMC_RANK = 4
#: Target digits of the fast tier's product rules (relative to the integrand's scale ``1 + R^2``).
FAST_PRODUCT_DIGITS = 14.0
FAST = tier_of("fast")
#: A third logit this far above both sides of a switch everywhere on it rules out poles there.
DOMINANCE_MARGIN = 10.0


@dataclass(frozen=True)
class Expectation:
    """``values[k] ~ E[F_k]`` with ``|values[k] - E[F_k]| <= errors[k]`` (proven iff ``rigorous``).

    ``statistical`` marks randomized quasi-Monte-Carlo results, whose errors are error bars.
    """

    values: list
    errors: list
    rigorous: bool
    method: str
    nodes: int
    statistical: bool = False


def gaussian_expectation(
    red: Reduction, tier: Tier | str, dps: int | None = None, estimate: bool = True, qmc: QMCRule = DEFAULT_QMC
) -> Expectation:
    """Expectations of all reduced integrand outputs (see module docstring).

    ``estimate=False`` (fast tier only) skips the companion of tensor rules and the rounding figure: for
    inner loops such as gradient descent, where no error figure is reported; the errors are then NaN.
    """
    tier = as_tier(tier, dps)
    if red.rank == 0:
        raise ValueError("rank-0 reductions have closed forms; nothing to integrate")
    if red.rank == 1 and (tier.rigorous or not _nearly_polynomial(red, tier)):
        return _line_expectation(red, tier)
    if tier.rigorous:
        raise ValueError("the certified tier integrates in one reduced dimension only")
    n, r = len(red.offsets), red.rank
    if r >= QMC_RANK:
        return _beyond_tensor_rules(red, tier, qmc, f"rank {r} (tensor rules stop at rank {QMC_RANK - 1})")
    fine, coarse = _axis_rules(red, tier)
    size = math.prod(rule.count() for rule in fine)
    budget = node_budget(output_count(n, r), r, tier.bits if tier.balls else None)
    if size > budget:
        need = describe_bytes(size * node_bytes(output_count(n, r), r, tier.bits if tier.balls else None))
        return _beyond_tensor_rules(
            red, tier, qmc, f"its tensor rule needs {size:.3g} nodes ({need}) for {tier.digits:g} digits"
        )
    return _tensor_expectation(red, tier, fine, coarse, estimate)


def _beyond_tensor_rules(red: Reduction, tier: Tier, qmc: QMCRule, why: str) -> Expectation:
    """Randomized QMC in the fast tier; a one-line refusal in the precise tier (it promises ``dps`` digits)."""
    if tier.balls:
        raise InputError(
            "mu",
            f"{why}, beyond what the {tier.name} tier can integrate to {tier.dps} digits within the memory cap of "
            f"{describe_bytes(max_memory())} (PROOFS_CHECK_MAX_MEMORY); the fast tier answers by randomized "
            "quasi-Monte-Carlo with a statistical error bar",
        )
    return qmc_expectation(red, qmc, why)


def qmc_expectation(red: Reduction, rule: QMCRule = DEFAULT_QMC, why: str = "") -> Expectation:
    """Randomized quasi-Monte-Carlo expectations in double precision (any rank; ``why`` goes into ``method``)."""
    center, offsets = _floats(red)
    values, errors = qmc_sums(rule, center, offsets)
    return Expectation(
        list(values),
        errors.tolist(),
        False,
        rule.describe() + (f" ({why})" if why else ""),
        rule.scramblings << rule.log2_points,
        statistical=True,
    )


def _nearly_polynomial(red: Reduction, tier: Tier) -> bool:
    """Parameters so close that a few Gauss-Hermite nodes beat graded panels (e.g. spreads ~ e^-318)."""
    offsets = _floats(red)[1][:, 0]
    limit = max(8, int(tier.digits / 12))
    order = hermite_order(tier.digits, float(np.max(offsets) - np.min(offsets)), cap=limit)
    return order is not None and order <= limit


def _floats(red: Reduction) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(red.offsets, np.ndarray):
        return red.center, red.offsets
    center = np.array([float(_mid(c)) for c in red.center])
    offsets = np.array([[float(_mid(x)) for x in row] for row in red.offsets])
    return center, offsets


def _mid(x):
    return x.mid() if isinstance(x, flint.arb) else x


def _logsumexp(logs: np.ndarray, axis: int = 0) -> np.ndarray:
    top = np.max(logs, axis=axis)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(top), safe + np.log(np.sum(np.exp(logs - safe), axis=axis)), top)


# --------------------------------------------------------------------------- one dimension


def _line_expectation(red: Reduction, tier: Tier) -> Expectation:
    digits = tier.digits
    center, offsets = _floats(red)
    growth = sum(growth_bound(red.radius))
    radius = truncation_radius(digits, growth)
    layout = panel_layout(float(center[0]), offsets[:, 0].tolist(), radius)
    log_target = tier.log_target(red.radius**2)
    bound = _sup_sampled if not tier.rigorous else _sup_enclosed
    max_order = max(MAX_ORDER, 4 * math.ceil(digits / 4))
    panels, log_bounds = refine_panels(layout, log_target, lambda p: bound(p, red, center, offsets), max_order)
    nodes = sum(p.order for p in panels)
    n = len(offsets)
    if tier.balls and nodes > node_budget(output_count(n, 1), 1, tier.bits):
        _refuse_line(tier, nodes, n)
    quad_error = [tier.error(x) for x in _logsumexp(log_bounds, axis=0)]
    tail = _tail_bound(red.radius, radius, tier)
    described = f"Gauss-Legendre panels ({len(panels)} panels, {nodes} nodes, {tier.precision_text()})"
    if not tier.balls:
        values, rounding = _line_float(panels, center, offsets)
        errors = np.array(quad_error) + tail + rounding
        return Expectation(
            list(values),
            errors.tolist(),
            False,
            f"{described}; error: Trefethen bound with sampled ellipse sup + tail + rounding",
            nodes,
        )
    sums = _line_balls(panels, red, center, offsets, tier)
    if not tier.rigorous:
        errors = [q + tail + mpmath.mpf(s.rad()) for q, s in zip(quad_error, sums)]
        return Expectation(
            [s.mid() for s in sums],
            errors,
            False,
            f"{described}; error: Trefethen bound with sampled ellipse sup + tail + ball radius",
            nodes,
        )
    with flint.ctx.workprec(tier.bits):
        slack = mpmath.mpf(1) + mpmath.mpf("1e-9")
        widened = [s + flint.arb(0, flint.arb(q * slack + tail).upper()) for s, q in zip(sums, quad_error)]
    return Expectation(
        widened,
        [mpmath.mpf(w.rad()) * slack for w in widened],
        True,
        f"{described}; proven: Trefethen bound with ball-enclosed ellipse sup + Gaussian tail bound",
        nodes,
    )


def _refuse_line(tier: Tier, nodes: int, n: int) -> None:
    need = describe_bytes(nodes * node_bytes(output_count(n, 1), 1, tier.bits))
    raise InputError(
        "mu",
        f"the {tier.name} tier needs {nodes} Gauss-Legendre nodes ({need}) for {tier.dps} digits, beyond the memory "
        f"cap of {describe_bytes(max_memory())} (PROOFS_CHECK_MAX_MEMORY); use fewer digits",
    )


def _ellipses(panels: Sequence[Panel], count: int) -> np.ndarray:
    """``count`` points on the upper half of each panel's ellipse (the integrand is real on the line)."""
    theta = np.linspace(0.0, np.pi, count)
    rho = np.array([p.rho for p in panels])[:, None]
    unit = 0.5 * (rho * np.exp(1j * theta) + np.exp(-1j * theta) / rho)
    a, b = (np.array([getattr(p, end) for p in panels])[:, None] for end in ("a", "b"))
    return 0.5 * (a + b) + 0.5 * (b - a) * unit


def _density_complex(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _sup_sampled(panels: Sequence[Panel], red: Reduction, center, offsets) -> np.ndarray:
    """Sampled sup of |F * density| on each panel's ellipse (times 2 for the gaps between samples)."""
    z = _ellipses(panels, ELLIPSE_SAMPLES).reshape(-1, 1)
    with np.errstate(all="ignore"):
        values = np.abs(integrand_float(z, center.astype(complex), offsets) * _density_complex(z))
    sup = np.max(values.reshape(len(panels), ELLIPSE_SAMPLES, -1), axis=1)
    return np.where(np.isfinite(sup), 2.0 * sup, np.inf)


def _sup_enclosed(panels: Sequence[Panel], red: Reduction, center, offsets) -> np.ndarray:
    """:func:`_panel_sup_enclosed` for each panel."""
    return np.array([_panel_sup_enclosed(panel, red, center, offsets) for panel in panels])


def _panel_sup_enclosed(panel: Panel, red: Reduction, center, offsets) -> np.ndarray:
    """Proven upper bound of |F * density| on the filled upper half ellipse, by a grid of complex boxes.

    A finite bound on every box also proves the softmax denominator has no zero there, i.e. the
    integrand is analytic inside the ellipse (the lower half follows by conjugate symmetry).
    """
    half = 0.5 * (panel.b - panel.a)
    a_axis = half * 0.5 * (panel.rho + 1.0 / panel.rho)
    b_axis = half * 0.5 * (panel.rho - 1.0 / panel.rho)
    nx, ny = 10, 4
    mid = 0.5 * (panel.a + panel.b)
    sup = np.zeros(output_count(len(offsets), 1))
    with flint.ctx.workprec(64):
        c_ball = [flint.acb(c) for c in red.center]
        o_ball = [[flint.acb(x) for x in row] for row in red.offsets]
        norm = flint.arb(2 * math.pi).sqrt()
        for ix, iy in itertools.product(range(nx), range(ny)):
            x0, x1 = -a_axis + 2 * a_axis * ix / nx, -a_axis + 2 * a_axis * (ix + 1) / nx
            y0, y1 = b_axis * iy / ny, b_axis * (iy + 1) / ny
            nearest_x = 0.0 if x0 <= 0.0 <= x1 else min(abs(x0), abs(x1))
            if (nearest_x / a_axis) ** 2 + (y0 / b_axis) ** 2 > 1.0:
                continue  # the box lies outside the ellipse
            z = flint.acb(
                flint.arb(mid + 0.5 * (x0 + x1), 0.5 * (x1 - x0)), flint.arb(0.5 * (y0 + y1), 0.5 * (y1 - y0))
            )
            ref = int(np.argmax((mid + 0.5 * (x0 + x1) - center[0]) * offsets[:, 0] - 0.5 * offsets[:, 0] ** 2))
            outputs = integrand_line(z, c_ball[0], [row[0] for row in o_ball], lambda u: u.exp(), ref)
            density = (-(z * z) / 2).exp() / norm
            for k, value in enumerate(outputs):
                size = abs(value * density)
                upper = float(size.upper()) if size.is_finite() else math.inf
                sup[k] = max(sup[k], upper * (1 + 1e-12))
    return sup


def _tail_bound(param_radius: float, cut: float, tier: Tier):
    """``E[(A + B|y|) 1{|y| > cut}] = 2A Q(cut) + 2B phi(cut)`` for the growth bound ``A + B|y|``.

    A double in the fast tier, an mpf in the precise one (``Q(cut)`` is ~1e-5000 at the top of the range),
    an upper bound computed in balls in the certified tier.
    """
    if not tier.balls:
        a, b = growth_bound(param_radius)
        q = 0.5 * math.erfc(cut / math.sqrt(2.0))
        phi = math.exp(-0.5 * cut * cut) / math.sqrt(2.0 * math.pi)
        return 2.0 * a * q + 2.0 * b * phi
    with flint.ctx.workprec(64):
        a_ball, b_ball = growth_bound(flint.arb(param_radius))
        c = flint.arb(cut)
        q_ball = (c / flint.arb(2).sqrt()).erfc() / 2
        phi_ball = (-(c * c) / 2).exp() / (2 * flint.arb.pi()).sqrt()
        return mpmath.mpf((2 * a_ball * q_ball + 2 * b_ball * phi_ball).upper()) * (1 + mpmath.mpf("1e-9"))


def _line_float(panels, center, offsets) -> tuple[np.ndarray, np.ndarray]:
    y, w = float_rule(Layout(tuple(panels), 0.0, ()))
    sums, magnitude = weighted_sums_float(y[None, :], w, center, offsets)
    return sums, 64.0 * EPS * magnitude


def _line_balls(panels, red: Reduction, center, offsets, tier: Tier) -> list:
    nodes, weights = ball_rule(Layout(tuple(panels), 0.0, ()), tier.bits)
    return _ball_sum(zip(nodes, weights), red, center, offsets, tier)


def _ball_sum(pairs, red: Reduction, center, offsets, tier: Tier) -> list:
    """``sum_k weight_k * F(node_k)`` in balls over one-dimensional ``(node, weight)`` pairs, in chunks below the
    memory cap (tensor rules in two or more dimensions use :func:`_separable_ball_sum`)."""
    prec = tier.bits
    chunk = chunk_nodes(output_count(len(offsets), 1), 1, prec)
    pairs = iter(pairs)
    total: Any = None
    with flint.ctx.workprec(prec):
        exp = flint.arb.exp
        line = [row[0] for row in red.offsets]
        column, c0 = offsets[:, 0].tolist(), float(center[0])
        while batch := list(itertools.islice(pairs, chunk)):
            rows, weights = [], []
            for y, weight in batch:
                gap = float(y.mid()) - c0
                ref = min(range(len(column)), key=lambda i: abs(gap - column[i]))  # nearest offset: top logit
                rows.append(integrand_line(y, red.center[0], line, exp, ref))
                weights.append(weight)
            part = flint.arb_mat([weights]) * flint.arb_mat(rows)
            total = part if total is None else total + part
        return [total[0, k] for k in range(total.ncols())]


# --------------------------------------------------------------------------- two or three dimensions


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
) -> tuple[np.ndarray, ...]:
    """The softmax switches a rule must resolve, as arrays: their normals ``D`` ``(S, r)``, the digits each needs
    ``(S,)``, the feet ``(S, r)``, each hyperplane's point nearest the origin, and how far each foot may move
    ``(S,)`` (zero unless ``slack``).

    The logits of ``i`` and ``j`` cross on the hyperplane ``<y, D> = <center, D> + (|delta_i|^2 - |delta_j|^2)/2``
    (``D = delta_i - delta_j``), the only place where their logistic has poles (at imaginary distance
    ``pi / |D_k|`` along axis ``k``).  A switch is dropped when its hyperplane misses the ball of radius
    ``cut + 1`` (the density is below the target there), or when on the hyperplane's disk inside that ball
    some third logit exceeds both by :data:`DOMINANCE_MARGIN` (then the softmax's denominator cannot vanish
    nearby: the moduli of its terms on a complex line equal those on the real line).  A kept switch at
    distance ``D`` from the origin needs ``digits - D^2 / (2 ln 10)`` digits: the density is ``e^(-D^2/2)``
    smaller at its poles (below one digit, the switch is dropped).

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
    half = 0.5 * np.sum(offsets * offsets, axis=1)
    slopes, intercepts = offsets, -(offsets @ center) - half  # logit_i(y) = slopes_i . y + intercepts_i
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
    live &= distance <= reach
    radius = np.sqrt(np.maximum(reach**2 - np.where(live, distance, 0.0) ** 2, 0.0))
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
    wins = (low - radius[twice][:, None] * along > DOMINANCE_MARGIN).reshape(2, len(first), n)
    beaten = wins[0] & wins[1]  # beaten[p, k]: logit k beats both sides of switch p
    beaten[pairs, first] = beaten[pairs, second] = False
    needs = digits - np.where(live, distance, 0.0) ** 2 / (2.0 * LN10)
    keep = live & ~np.any(beaten, axis=1) & (needs >= 1.0)
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


def _axis_rules(red: Reduction, tier: Tier, slack: np.ndarray | None = None) -> tuple[list[AxisRule], list[AxisRule]]:
    """Fine and coarse rules per axis, set by the switches that matter (see :func:`switches`); with ``slack``
    (per axis), by those of every configuration within it of ``red`` (each slope ``|D_k|`` may grow by
    ``2 slack_k``)."""
    digits = tier.digits if tier.balls else FAST_PRODUCT_DIGITS
    center, offsets = _floats(red)
    move = 0.0 if slack is None else float(np.linalg.norm(slack))
    cut = math.ceil(4.0 * truncation_radius(digits, sum(growth_bound(red.radius + move)))) / 4.0
    normals, needs, feet, blur = switches(center, offsets, cut, digits, slack)
    slack = np.zeros(red.rank) if slack is None else slack
    slopes = np.abs(normals) + 2.0 * slack if move else np.abs(normals)
    # each switch at the digits it needs (as for the trapezoidal steps below): far switches need fewer
    orders = hermite_orders(needs, slopes.T, cap=max(24, int(digits / 2)))  # (r, S), 0 where Gauss-Hermite fails
    suits: list[bool] = np.asarray(orders.all(axis=1)).tolist()
    largest: list[int] = orders.max(axis=1, initial=1).tolist()
    if not all(suits):  # the trapezoidal steps of every axis, switches without slope left out
        steps = np.where(slopes > 0, trapezoid_step(needs[:, None], slopes), np.inf).min(axis=0).tolist()
    fine, coarse = [], []
    for k in range(red.rank):
        if suits[k]:
            fine.append(AxisRule(order=largest[k] + 1))
            coarse.append(AxisRule(order=largest[k]))
            continue
        uniform = AxisRule(step=_quantized_step(steps[k]), radius=cut)
        mapped = _sinh_rule(normals, needs, feet, blur, k, cut, digits, slack)
        rule = mapped if mapped is not None and mapped.count() < uniform.count() else uniform
        fine.append(rule)
        coarse.append(AxisRule(None, _quantized_step(rule.step * COMPANION_STEP), rule.radius, rule.shift, rule.scale))
    return fine, coarse


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
    betas = (0.85 * math.pi) / along
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


def _prune_threshold(rules: Sequence[AxisRule], red: Reduction, log_target: float, slack: float = 0.0) -> float:
    """Log of the weight below which nodes are dropped: ``weight * (A + B |y|) <= target / N`` for each, so
    together they change no output by more than the target (``N`` the unpruned count), which the error
    figure adds.  Rounded down to a multiple of ``ln 2``, so that nearby configurations share cached rules.
    ``A, B`` are those of parameters up to ``slack`` farther out (``log_target`` is the caller's, see
    :func:`_log_target`)."""
    size = math.prod(rule.count() for rule in rules)
    a, b = growth_bound(red.radius + slack)
    cut = max((rule.radius for rule in rules), default=0.0) or 10.0
    log_threshold = log_target - math.log(size) - math.log(a + b * cut * math.sqrt(len(rules)))
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
    axes = [rule.floats() for rule in rules]
    index = np.unravel_index(np.arange(start, stop), [len(a[1]) for a in axes])
    nodes = np.stack([a[0][i] for a, i in zip(axes, index)], axis=0)
    weights = np.prod(np.stack([a[1][i] for a, i in zip(axes, index)], axis=1), axis=1)
    with np.errstate(divide="ignore"):
        keep = np.log(weights) > log_threshold
    return np.ascontiguousarray(nodes[:, keep]), weights[keep]


#: Product rules up to this many nodes are cached between calls (gradient descent revisits them).
CACHED_NODES = 1 << 16


def _product_chunks(rules: Sequence[AxisRule], log_threshold: float, chunk: int) -> Iterator[tuple[np.ndarray, ...]]:
    size = math.prod(rule.count() for rule in rules)
    if size <= CACHED_NODES:
        yield _cached_float_rule(tuple(rules), log_threshold)
        return
    for start in range(0, size, chunk):
        part = _product_floats(rules, log_threshold, start, min(size, start + chunk))
        if len(part[1]):
            yield part


def _tensor_float_sum(rules: Sequence[AxisRule], log_threshold: float, center, offsets, with_sizes: bool):
    n, r = offsets.shape
    sums = np.zeros(output_count(n, r))
    magnitude = np.zeros_like(sums)
    nodes = 0
    for y, w in _product_chunks(rules, log_threshold, chunk_nodes(output_count(n, r), r, None)):
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
    """The tensor rule's sums in balls (:func:`numeric.expectation.separable.separable_sums`), and its node count."""
    axes = [rule.balls(prec) for rule in rules]
    logs = [_log_weights(rule, prec) for rule in rules]
    return separable_sums(axes, logs, log_threshold, red.center, red.offsets, chunk)


def _tensor_expectation(
    red: Reduction, tier: Tier, fine: list[AxisRule], coarse: list[AxisRule], estimate: bool
) -> Expectation:
    center, offsets = _floats(red)
    kinds = ", ".join(rule.describe() for rule in fine)
    digits = tier.digits if tier.balls else FAST_PRODUCT_DIGITS
    log_target = _log_target(red, tier)
    pairs = (fine, coarse) if estimate or tier.balls else (fine,)  # the companion only serves the estimate
    thresholds = [_prune_threshold(rules, red, log_target) for rules in pairs]
    if len(pairs) > 1:
        cut = truncation_radius(digits, sum(growth_bound(red.radius)))
        panel_axes = sum(rule.order is None for rule in fine)
        tail = panel_axes * _tail_bound(red.radius, cut, tier) + tier.error(log_target)  # + the pruned nodes
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
            f"tensor rule [{kinds}] ({size} nodes, double); "
            "error: difference from a lower-order rule + tail + rounding",
            size,
        )
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


def _log_target(red: Reduction, tier: Tier, slack: float = 0.0) -> float:
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

    def sums(self, red: Reduction) -> np.ndarray:
        """The expectations of every output at a covered configuration (no error figure), in memory-capped chunks."""
        n, r = red.offsets.shape
        chunk = chunk_nodes(output_count(n, r), r, None)
        total = weighted_sums_float(self.nodes[:, :chunk], self.weights[:chunk], red.center, red.offsets, False)[0]
        for start in range(chunk, len(self.weights), chunk):
            part = slice(start, start + chunk)
            total += weighted_sums_float(self.nodes[:, part], self.weights[part], red.center, red.offsets, False)[0]
        return total


def reusable_rule(red: Reduction, slack: float = RULE_SLACK) -> ReusableRule | None:
    """The fast tier's tensor rule for every configuration near ``red`` (within ``slack`` along each axis and a tenth
    of the spread along it), or None where the fast tier integrates ``red`` otherwise (one dimension on panels,
    randomized QMC) or the widened rule would keep more than :data:`REUSED_NODES` nodes."""
    if red.rank == 0 or red.rank >= QMC_RANK or (red.rank == 1 and not _nearly_polynomial(red, FAST)):
        return None
    box = np.minimum(slack, RULE_SLACK_SPREAD * np.ptp(red.offsets, axis=0))
    fine, _ = _axis_rules(red, FAST, box)
    n, size = len(red.offsets), math.prod(rule.count() for rule in fine)
    if size > node_budget(output_count(n, red.rank), red.rank, None):
        return None
    move = float(np.linalg.norm(box))
    threshold = _prune_threshold(fine, red, _log_target(red, FAST, move), move)
    parts = list(_product_chunks(fine, threshold, chunk_nodes(output_count(n, red.rank), red.rank, None)))
    if sum(len(w) for _, w in parts) > REUSED_NODES:
        return None
    nodes, weights = (np.concatenate(axis, axis=-1) for axis in zip(*parts)) if len(parts) != 1 else parts[0]
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
