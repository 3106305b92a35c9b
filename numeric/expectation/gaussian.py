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
  chosen by the softmax switches that matter (:mod:`numeric.expectation.cubature.tensor`), with a lower-order
  companion rule for the error estimate.  Where such a rule is large, the fast tier tries a line rule
  (:mod:`numeric.expectation.cubature.lines`): lines along the sharpest switches, cut at the points where they cross
  them, through a Gauss-Hermite rule across whose orders are chosen a posteriori; it keeps the cheaper of the two.
* four or more reduced dimensions, or a tensor rule that would exceed the memory cap
  (:mod:`numeric.expectation.budget`): the fast tier answers by randomized quasi-Monte-Carlo
  (:mod:`numeric.expectation.cubature.qmc`, a statistical error bar, labelled so); the precise tier, which
  promises ``dps`` digits, refuses up front with an :class:`~numeric.config.InputError` saying why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import flint
import mpmath
import numpy as np

from numeric.config import InputError
from numeric.expectation.budget import chunk_nodes, describe_bytes, max_memory, node_budget, node_bytes
from numeric.expectation.cubature.lines import line_expectation
from numeric.expectation.cubature.qmc import DEFAULT_QMC, QMCRule, qmc_sums
from numeric.expectation.cubature.slabs import fast_rules
from numeric.expectation.cubature.tensor import QMC_RANK, axis_rules, nearly_polynomial, rule_count, tensor_expectation
from numeric.expectation.integrand import (
    growth_bound,
    integrand_float,
    integrand_line,
    output_count,
    tail_bound,
    weighted_sums_float,
)
from numeric.expectation.quadrature import (
    MAX_ORDER,
    Layout,
    Panel,
    ball_rule,
    float_rule,
    panel_layout,
    refine_panels,
    truncation_radius,
)
from numeric.expectation.reduction import Reduction, float_parts
from numeric.expectation.tiers import Expectation, Tier, as_tier

__all__ = ["Expectation", "gaussian_expectation", "qmc_expectation", "QMC_RANK"]

EPS = np.finfo(float).eps
ELLIPSE_SAMPLES = 48


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
    if red.rank == 1 and (tier.rigorous or not nearly_polynomial(red, tier)):
        return _line_expectation(red, tier)
    if tier.rigorous:
        raise ValueError("the certified tier integrates in one reduced dimension only")
    n, r = len(red.offsets), red.rank
    if r >= QMC_RANK:
        return _beyond_tensor_rules(red, tier, qmc, f"rank {r} (tensor rules stop at rank {QMC_RANK - 1})")
    fine, coarse = axis_rules(red, tier) if tier.balls else fast_rules(red)
    size = rule_count(fine)
    lines = None if tier.balls else line_expectation(red, size, estimate)
    if lines is not None:
        return lines
    budget = node_budget(output_count(n, r), r, tier.bits if tier.balls else None)
    if size > budget:
        need = describe_bytes(size * node_bytes(output_count(n, r), r, tier.bits if tier.balls else None))
        return _beyond_tensor_rules(
            red, tier, qmc, f"its tensor rule needs {size:.3g} nodes ({need}) for {tier.digits:g} digits"
        )
    return tensor_expectation(red, tier, fine, coarse, estimate)


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
    center, offsets = float_parts(red)
    values, errors = qmc_sums(rule, center, offsets)
    return Expectation(
        list(values),
        errors.tolist(),
        False,
        rule.describe() + (f" ({why})" if why else ""),
        rule.scramblings << rule.log2_points,
        statistical=True,
    )


def _logsumexp(logs: np.ndarray, axis: int = 0) -> np.ndarray:
    top = np.max(logs, axis=axis)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(top), safe + np.log(np.sum(np.exp(logs - safe), axis=axis)), top)


# --------------------------------------------------------------------------- one dimension


def _line_expectation(red: Reduction, tier: Tier) -> Expectation:
    digits = tier.digits
    center, offsets = float_parts(red)
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
    tail = tail_bound(red.radius, radius, tier)
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
