"""Gaussian expectations of the reduced integrands: one interface over the fast, precise, certified tiers.

``gaussian_expectation(reduction, tier, dps)`` returns ``E[F(y)]`` for every output of
:func:`numeric.expectation.integrand.integrand_float` with a per-output error figure:

* one reduced dimension (collinear parameters, clusters spread along a line): Gauss-Legendre panels
  graded at the softmax switches.  The quadrature error of a panel is bounded by Trefethen's theorem,
  ``64/15 * M * rho^(-2m) / (rho^2 - 1)`` times the half-length, with ``M`` the sup of the integrand on
  the Bernstein ellipse: *sampled* in the fast and precise tiers (an honest estimate), *enclosed* by
  complex balls covering the ellipse in the certified tier (a proof, which also proves the integrand
  has no pole inside).  The truncated Gaussian tail is bounded in closed form; rounding is estimated
  (double precision) or carried by the balls (precise, certified).  Panels whose bound is too large
  are split.
* two or three reduced dimensions (fast and precise only), and one dimension whose offsets are so
  close that a few Gauss-Hermite nodes suffice: a tensor product of per-axis rules (Gauss-Hermite
  along axes where every offset difference is tiny, trapezoidal elsewhere); the error estimate is the
  difference from a coarser companion rule.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import flint
import numpy as np

from numeric.expectation.integrand import (
    growth_bound,
    integrand_float,
    integrand_line,
    integrand_scalar,
    output_count,
    weighted_sums_float,
)
from numeric.expectation.precision import digits_of, precision_bits
from numeric.expectation.quadrature import (
    MAX_ORDER,
    Layout,
    Panel,
    ball_rule,
    float_rule,
    hermite_ball,
    hermite_float,
    hermite_order,
    legendre_order,
    make_panel,
    panel_layout,
    trapezoid_ball,
    trapezoid_float,
    trapezoid_step,
    truncation_radius,
)
from numeric.expectation.reduction import Reduction

__all__ = ["Expectation", "gaussian_expectation", "digits_of", "precision_bits"]

EPS = np.finfo(float).eps
ELLIPSE_SAMPLES = 48
MAX_SPLITS = 400
PRUNE = 1e-24


@dataclass(frozen=True)
class Expectation:
    """``values[k] ~ E[F_k]`` with ``|values[k] - E[F_k]| <= errors[k]`` (proven iff ``rigorous``)."""

    values: list
    errors: list[float]
    rigorous: bool
    method: str
    nodes: int


def gaussian_expectation(red: Reduction, tier: str, dps: int, estimate: bool = True) -> Expectation:
    """Expectations of all reduced integrand outputs (see module docstring).

    ``estimate=False`` (fast tier only) skips the coarse companion of tensor rules: for inner loops
    such as gradient descent, where no error figure is reported; the errors are then NaN.
    """
    if red.rank == 0:
        raise ValueError("rank-0 reductions have closed forms; nothing to integrate")
    if red.rank == 1 and (tier == "certified" or not _nearly_polynomial(red, digits_of(tier, dps))):
        return _line_expectation(red, tier, dps)
    if tier == "certified":
        raise ValueError("the certified tier integrates in one reduced dimension only")
    return _tensor_expectation(red, tier, dps, estimate)


def _nearly_polynomial(red: Reduction, digits: float) -> bool:
    """Parameters so close that a few Gauss-Hermite nodes beat graded panels (e.g. spreads ~ e^-318)."""
    offsets = _floats(red)[1][:, 0]
    order = hermite_order(digits, float(np.max(offsets) - np.min(offsets)), cap=24)
    return order is not None and order <= 8


# --------------------------------------------------------------------------- one dimension


def _floats(red: Reduction) -> tuple[np.ndarray, np.ndarray]:
    center = np.array([float(_mid(c)) for c in red.center])
    offsets = np.array([[float(_mid(x)) for x in row] for row in red.offsets])
    return center, offsets


def _mid(x):
    return x.mid() if isinstance(x, flint.arb) else x


def _line_expectation(red: Reduction, tier: str, dps: int) -> Expectation:
    digits = digits_of(tier, dps)
    center, offsets = _floats(red)
    growth = sum(growth_bound(red.radius))
    radius = truncation_radius(digits, growth)
    layout = panel_layout(float(center[0]), offsets[:, 0].tolist(), radius)
    target = 10.0 ** (-digits) * (1.0 + red.radius**2)
    bound = _sup_sampled if tier != "certified" else _sup_enclosed
    panels, bounds = _refine(layout, target, lambda p: bound(p, red, center, offsets))
    nodes = sum(p.order for p in panels)
    tail = _tail_bound(red.radius, radius, rigorous=tier == "certified")
    quad_error = np.sum(bounds, axis=0)
    if tier == "fast":
        values, rounding = _line_float(panels, center, offsets)
        errors = quad_error + tail + rounding
        return Expectation(
            list(values),
            errors.tolist(),
            False,
            f"Gauss-Legendre panels ({len(panels)} panels, {nodes} nodes, double); "
            "error: Trefethen bound with sampled ellipse sup + tail + rounding",
            nodes,
        )
    sums = _line_balls(panels, red, center, offsets, dps)
    errors = [float(q + tail) + float(s.rad()) for q, s in zip(quad_error, sums)]
    if tier == "precise":
        return Expectation(
            [s.mid() for s in sums],
            errors,
            False,
            f"Gauss-Legendre panels ({len(panels)} panels, {nodes} nodes, {precision_bits(dps)}-bit balls); "
            "error: Trefethen bound with sampled ellipse sup + tail + ball radius",
            nodes,
        )
    with flint.ctx.workprec(precision_bits(dps)):
        widened = [s + flint.arb(0, flint.arb(q).upper() + flint.arb(tail)) for s, q in zip(sums, quad_error.tolist())]
    return Expectation(
        widened,
        [float(w.rad()) * (1 + 1e-9) for w in widened],
        True,
        f"Gauss-Legendre panels ({len(panels)} panels, {nodes} nodes, {precision_bits(dps)}-bit balls); "
        "proven: Trefethen bound with ball-enclosed ellipse sup + Gaussian tail bound",
        nodes,
    )


def _refine(layout: Layout, target: float, sup):
    """Give each panel the fewest nodes that meet its share of ``target``; split panels that cannot.

    ``sup(panels)`` bounds (or estimates) ``|F * density|`` on each panel's Bernstein ellipse, output by
    output (an array ``(len(panels), K)``); Trefethen's bound then fixes the node count.  Panels far out
    in the Gaussian tail need few nodes.  Panels are handled in rounds, so ``sup`` sees them in batches.
    """
    queue = list(layout.panels)
    done, bounds, splits = [], [], 0
    while queue:
        batch, queue = queue, []
        for panel, sup_values in zip(batch, sup(batch)):
            half = 0.5 * (panel.b - panel.a)
            share = target * (panel.b - panel.a) / (2 * layout.radius)
            factor = 64.0 / 15.0 / (panel.rho**2 - 1.0) * half
            worst = float(np.max(sup_values)) * factor
            finite = np.isfinite(worst)
            m = legendre_order(panel.rho, share / worst if worst > 0 else 1.0) if finite else MAX_ORDER + 4
            if m <= MAX_ORDER or splits >= MAX_SPLITS or half < 1e-12:
                m = min(m, MAX_ORDER)
                done.append(replace(panel, order=m))
                bound = sup_values * factor * panel.rho ** (-2 * m)
                bounds.append(np.where(np.isfinite(bound), bound, np.inf))
            else:
                splits += 1
                mid = 0.5 * (panel.a + panel.b)
                queue.extend([make_panel(panel.a, mid, layout.poles), make_panel(mid, panel.b, layout.poles)])
    order = np.argsort([p.a for p in done])
    return [done[k] for k in order], np.array([bounds[k] for k in order])


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


def _tail_bound(param_radius: float, cut: float, rigorous: bool) -> float:
    """``E[(A + B|y|) 1{|y| > cut}] = 2A Q(cut) + 2B phi(cut)`` for the growth bound ``A + B|y|``."""
    if not rigorous:
        a, b = growth_bound(param_radius)
        q = 0.5 * math.erfc(cut / math.sqrt(2.0))
        phi = math.exp(-0.5 * cut * cut) / math.sqrt(2.0 * math.pi)
        return 2.0 * a * q + 2.0 * b * phi
    with flint.ctx.workprec(64):
        r = flint.arb(param_radius)
        a, b = growth_bound(r)
        c = flint.arb(cut)
        q = (c / flint.arb(2).sqrt()).erfc() / 2
        phi = (-(c * c) / 2).exp() / (2 * flint.arb.pi()).sqrt()
        return float((2 * a * q + 2 * b * phi).upper()) * (1 + 1e-9)


def _line_float(panels, center, offsets) -> tuple[np.ndarray, np.ndarray]:
    y, w = float_rule(Layout(tuple(panels), 0.0, ()))
    sums, magnitude = weighted_sums_float(y[:, None], w, center, offsets)
    return sums, 64.0 * EPS * magnitude


def _line_balls(panels, red: Reduction, center, offsets, dps) -> list:
    prec = precision_bits(dps)
    nodes, weights = ball_rule(Layout(tuple(panels), 0.0, ()), prec)
    return _ball_sum(nodes, weights, red, center, offsets, prec)


def _ball_sum(nodes, weights, red: Reduction, center, offsets, prec: int) -> list:
    """``sum_k weights[k] * F(nodes[k])`` in balls; ``nodes[k]`` is a ball (rank 1) or a list of balls."""
    shift = 0.5 * np.sum(offsets**2, axis=1)
    rows = []
    with flint.ctx.workprec(prec):
        exp = flint.arb.exp
        if red.rank == 1:
            line = [row[0] for row in red.offsets]
            column, c0 = offsets[:, 0].tolist(), float(center[0])
            for y in nodes:
                y = y[0] if isinstance(y, (list, tuple)) else y  # tensor rules give 1-element lists
                gap = float(y.mid()) - c0
                ref = min(range(len(column)), key=lambda i: abs(gap - column[i]))  # nearest offset: top logit
                rows.append(integrand_line(y, red.center[0], line, exp, ref))
        else:
            for y in nodes:
                yf = np.array([float(c.mid()) for c in y])
                ref = int(np.argmax(offsets @ (yf - center) - shift))
                rows.append(integrand_scalar(y, red.center, red.offsets, exp, ref))
        sums = flint.arb_mat([list(weights)]) * flint.arb_mat(rows)
        return [sums[0, k] for k in range(sums.ncols())]


# --------------------------------------------------------------------------- two or three dimensions


@dataclass(frozen=True)
class AxisRule:
    """A 1-D rule along one reduced axis: Gauss-Hermite with ``order`` nodes, or trapezoidal ``step``."""

    order: int | None = None
    step: float = 0.0
    radius: float = 0.0

    def floats(self) -> tuple[np.ndarray, np.ndarray]:
        return hermite_float(self.order) if self.order else trapezoid_float(self.step, self.radius)

    def balls(self, prec: int) -> tuple[Sequence, Sequence]:
        return hermite_ball(self.order, prec) if self.order else trapezoid_ball(self.step, self.radius, prec)

    def describe(self) -> str:
        return f"Gauss-Hermite {self.order}" if self.order else f"trapezoid h={self.step:.3g}"


def _axis_rules(red: Reduction, digits: float) -> tuple[list[AxisRule], list[AxisRule]]:
    """Fine and coarse rules per axis: Hermite where the offsets barely differ, trapezoidal elsewhere."""
    _, offsets = _floats(red)
    cut = truncation_radius(digits, sum(growth_bound(red.radius)))
    fine, coarse = [], []
    for k in range(red.rank):
        slope = float(np.max(offsets[:, k]) - np.min(offsets[:, k]))
        m = hermite_order(digits, slope, cap=24)
        if m is not None:
            fine.append(AxisRule(order=m + 1))
            coarse.append(AxisRule(order=m))
        else:
            step = trapezoid_step(digits, slope)
            fine.append(AxisRule(step=step, radius=cut))
            coarse.append(AxisRule(step=step * 1.25, radius=cut))
    return fine, coarse


def _tensor(rules: Sequence[tuple[Sequence, Sequence]]) -> tuple[list, list]:
    """Tensor product of 1-D (nodes, weights) pairs, in any number type."""
    nodes, weights = [], []
    for combo in itertools.product(*[list(zip(*r)) for r in rules]):
        nodes.append([node for node, _ in combo])
        weights.append(math.prod(w for _, w in combo))
    return nodes, weights


@lru_cache(maxsize=64)
def _tensor_float_rule(rules: tuple[AxisRule, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Tensor-product nodes ``(N, r)`` and weights, without the Gaussian's negligible corners (cached)."""
    axes = [rule.floats() for rule in rules]
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=1)
    weights = np.prod(np.stack([g.ravel() for g in np.meshgrid(*[a[1] for a in axes], indexing="ij")], axis=1), axis=1)
    keep = weights > PRUNE * np.max(weights)
    nodes, weights = nodes[keep], weights[keep]
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


def _tensor_float_sum(rules: Sequence[AxisRule], center, offsets, chunk: int = 200_000):
    nodes, weights = _tensor_float_rule(tuple(rules))
    sums = np.zeros(output_count(*offsets.shape))
    magnitude = np.zeros_like(sums)
    for start in range(0, len(weights), chunk):
        part, size = weighted_sums_float(nodes[start : start + chunk], weights[start : start + chunk], center, offsets)
        sums += part
        magnitude += size
    return sums, magnitude


def _tensor_expectation(red: Reduction, tier: str, dps: int, estimate: bool = True) -> Expectation:
    digits = digits_of(tier, dps)
    fine, coarse = _axis_rules(red, digits)
    center, offsets = _floats(red)
    kinds = ", ".join(rule.describe() for rule in fine)
    panel_axes = sum(rule.order is None for rule in fine)
    cut = truncation_radius(digits, sum(growth_bound(red.radius)))
    tail = panel_axes * _tail_bound(red.radius, cut, rigorous=False)
    if tier == "fast":
        values, magnitude = _tensor_float_sum(fine, center, offsets)
        rough = _tensor_float_sum(coarse, center, offsets)[0] if estimate else np.full_like(values, np.nan)
        errors = np.abs(values - rough) + tail + 64.0 * EPS * magnitude
        size = len(_tensor_float_rule(tuple(fine))[1])
        return Expectation(
            list(values),
            errors.tolist(),
            False,
            f"tensor rule [{kinds}] ({size} nodes, double); error: difference from a coarser rule + tail + rounding",
            size,
        )
    prec = precision_bits(dps)
    with flint.ctx.workprec(prec):
        fine_nodes, fine_weights = _tensor([rule.balls(prec) for rule in fine])
        coarse_nodes, coarse_weights = _tensor([rule.balls(prec) for rule in coarse])
    values = _ball_sum(fine_nodes, fine_weights, red, center, offsets, prec)
    rough = _ball_sum(coarse_nodes, coarse_weights, red, center, offsets, prec)
    errors = [float(abs(v - c).upper()) + tail + float(v.rad()) for v, c in zip(values, rough)]
    return Expectation(
        [v.mid() for v in values],
        errors,
        False,
        f"tensor rule [{kinds}] ({len(fine_nodes)} nodes, {prec}-bit balls); "
        "error: difference from a coarser rule + tail + ball radius",
        len(fine_nodes),
    )
