"""One-dimensional node rules for expectations under the standard normal, and their caches.

The reduced integrands are analytic, but the softmax switches sharply where two logits cross: between
parameters whose offsets differ by ``D`` along an axis, the switch is a logistic of slope ``D`` with
poles at imaginary distance ``pi / D``.  Gauss-Legendre panels are therefore graded geometrically
around each crossing (panel length ~ pole distance), so every panel sees its nearest pole at a fixed
relative distance and converges at a known geometric rate.  Axes along which all offsets are tiny
carry an almost polynomial integrand; Gauss-Hermite rules integrate those with a handful of nodes.

Layouts are computed in double precision: a breakpoint is only a place to cut, so rounding it costs
no accuracy.  High-precision nodes are built from the float breakpoints exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import flint
import mpmath
import numpy as np

__all__ = [
    "Panel",
    "Layout",
    "crossings",
    "panel_layout",
    "make_panel",
    "refine_panels",
    "legendre_order",
    "truncation_radius",
    "hermite_order",
    "hermite_orders",
    "hermite_pole_orders",
    "hermite_exponential_orders",
    "hermite_companion",
    "POLE_STRIP",
    "legendre_float",
    "legendre_ball",
    "hermite_float",
    "float_rule",
    "hermite_ball",
    "ball_rule",
    "trapezoid_step",
    "trapezoid_float",
    "trapezoid_ball",
]

#: Panel splits :func:`refine_panels` allows before it accepts a panel at the highest order.
MAX_SPLITS = 400
#: Ellipse used for panels far from every crossing; the Gaussian grows like exp(b^2/2) inside it.
RHO_BASE = 4.0
#: Base panel length on the truncated line.
BASE_STEP = 2.0
#: Most nodes on one panel before it is split instead.
MAX_ORDER = 96


@dataclass(frozen=True)
class Panel:
    """An interval ``[a, b]``, the Bernstein-ellipse parameter its integrand allows, its node count."""

    a: float
    b: float
    rho: float
    order: int = 0


@dataclass(frozen=True)
class Layout:
    """Panels covering ``[-radius, radius]``."""

    panels: tuple[Panel, ...]
    radius: float
    poles: tuple[complex, ...]


def crossings(center: float, offsets: list[float]) -> list[tuple[float, float]]:
    """Positions and pole distances of the softmax switches along one axis.

    Logits are ``(y - center) * delta_i - delta_i^2 / 2 = ((y - center)^2 - (y - center - delta_i)^2) / 2``:
    the largest belongs to the offset nearest ``y - center``.  So only neighbours in sorted order ever
    switch, at their midpoint ``center + (delta_i + delta_j) / 2``, with slope ``|delta_i - delta_j|``
    (a logistic with poles at imaginary distance ``pi / slope``).  Other pairs cross where a third
    term dominates, and the softmax has no pole near there.
    """
    ordered = sorted(set(offsets))
    return [(center + 0.5 * (lo + hi), math.pi / (hi - lo)) for lo, hi in zip(ordered, ordered[1:])]


def truncation_radius(digits: float, scale: float) -> float:
    """Half-width ``L`` with ``(1 + scale) * P(|y| > L)`` far below ``10**-digits``.

    ``scale`` bounds the integrand's polynomial growth (a power of ``max |mu|``).
    """
    budget = digits * math.log(10.0) + math.log1p(scale) + 3.0
    return math.sqrt(2.0 * budget)


def _rho_of_pole(pole: complex, a: float, b: float) -> float:
    """Bernstein parameter of the ellipse for [a, b] passing through ``pole``."""
    z = (2.0 * pole - (a + b)) / (b - a)
    root = np.sqrt(complex(z) - 1.0) * np.sqrt(complex(z) + 1.0)
    return max(abs(z + root), abs(z - root))


def panel_layout(center: float, offsets: list[float], radius: float) -> Layout:
    """Graded Gauss-Legendre panels on ``[-radius, radius]`` for one axis."""
    switches = [(t, beta) for t, beta in crossings(center, offsets) if abs(t) < radius + 8.0 * beta]
    points = set(np.linspace(-radius, radius, max(2, math.ceil(2 * radius / BASE_STEP) + 1)).tolist())
    for t, beta in switches:
        if beta >= BASE_STEP:
            continue
        points.add(t)
        reach = beta
        while reach < 2.0 * BASE_STEP:
            points.update((t - reach, t + reach))
            reach = 2.0 * reach + beta
    cuts = sorted(p for p in points if -radius <= p <= radius)
    cuts = [c for k, c in enumerate(cuts) if k == 0 or c - cuts[k - 1] > 1e-12 * (1.0 + radius)]
    poles = tuple(complex(t, beta) for t, beta in switches)
    return Layout(tuple(make_panel(a, b, poles) for a, b in zip(cuts, cuts[1:])), radius, poles)


def make_panel(a: float, b: float, poles: tuple[complex, ...]) -> Panel:
    """A panel whose ellipse stays well inside the one through the nearest logistic pole.

    The softmax's true poles sit near, not exactly at, the pairwise logistic poles: the exponent 0.8
    keeps a margin, and the sup-norm estimate on the ellipse detects any pole that comes closer.
    """
    rho = min([RHO_BASE] + [_rho_of_pole(p, a, b) ** 0.8 for p in poles])
    return Panel(a, b, max(rho, 1.05))


def legendre_order(rho: float, log_ratio: float, cap: int = MAX_ORDER) -> int:
    """Fewest Gauss-Legendre nodes (a multiple of 4) with ``rho^(-2m) <= exp(log_ratio)``, or ``cap + 4`` if more.

    Trefethen's bound for a panel is ``64/15 * M * rho^(-2m) / (rho^2 - 1) * half_length``; the caller
    folds everything but ``rho^(-2m)`` into ``log_ratio``, a logarithm so that ratios far below the double
    range (``dps`` in the thousands) neither underflow nor need mpmath.
    """
    if log_ratio >= 0.0:
        return 4
    m = math.ceil(-log_ratio / (2.0 * math.log(rho)))
    return min(4 * math.ceil(max(m, 4) / 4), cap + 4)


#: How far towards a switch's pairwise logistic pole (``pi / slope`` away) the rules on the line let their strips
#: reach: the softmax's true poles sit near, not at, those poles.
POLE_STRIP = 0.85 * math.pi
#: The same strip in ``x = y / sqrt 2``, where Gauss-Hermite rules have the weight ``e^(-x^2)``.
HERMITE_STRIP = POLE_STRIP / math.sqrt(2.0)


def hermite_order(digits: float, slope: float, cap: int = 64) -> int | None:
    """Gauss-Hermite nodes for an axis whose logits change with ``slope``, or None if unsuitable.

    With ``m`` nodes the rule is exact to degree ``2m - 1``; the weights' Taylor coefficients decay like
    ``(slope / pi)^k``, and the outputs are the weights times polynomials of degree at most one in ``y`` (the
    gradient's ``w_i s_i (y - b_i)``), whose coefficients of degree ``2m`` are those of degree ``2m - 1`` of the
    weights: the error is about ``(slope / pi)^(2m - 1) * (2m - 1)!!``.  (The weights' own exponent ``2m`` took
    two Gauss-Hermite nodes where three were needed: a slab rule's companion then erred by ``4e-9``.)
    """
    order = int(hermite_orders(np.array([digits]), np.array([slope]), cap)[0])
    return order or None


def hermite_orders(digits: np.ndarray, slopes: np.ndarray, cap: int = 64) -> np.ndarray:
    """:func:`hermite_order` for ``digits`` ``(S,)`` and ``slopes`` ``(..., S)`` at once (0 where it returns None)."""
    slopes = np.asarray(slopes, dtype=float)
    with np.errstate(divide="ignore"):
        log_ratio = np.log(slopes * (1.0 / math.pi))[..., None]
    twice_m, log_double_factorials = _hermite_terms(cap)
    target = (np.asarray(digits, dtype=float) * -math.log(10.0) - 2.0)[:, None]
    enough = (twice_m - 1.0) * log_ratio + log_double_factorials < target  # (..., S, m = 2 .. cap)
    orders = np.where(enough.any(axis=-1), np.argmax(enough, axis=-1) + 2, 0)
    return np.where(slopes == 0.0, 1, orders)


def hermite_pole_orders(digits: np.ndarray, slopes: np.ndarray, cap: int = 64) -> np.ndarray:
    """Gauss-Hermite orders from the logistic's nearest pole, for ``digits`` ``(S,)`` and ``slopes`` ``(..., S)``
    (0 where more than ``cap`` nodes are needed).

    In ``x = y / sqrt 2`` (weight ``e^(-x^2)``) the integrand is analytic in the strip ``|Im x| < b`` with
    ``b = 0.85 pi / (slope sqrt 2)`` (below the pole, as in :func:`trapezoid_step`), and an ``m``-node rule errs by
    about ``5 exp(b^2 - 2 b sqrt(2m))`` (the pole's term in the remainder; ``b`` at most ``sqrt(2m)``, where the
    bound is smallest).  Where the Taylor estimate of :func:`hermite_orders` needs no more nodes, it is the one to use:
    this bound serves moderate slopes, for which the Taylor series of the logistic diverges under the Gaussian.
    The bound falls with ``m``, so the order is in closed form: below ``m = b^2 / 2`` the bound is ``5 e^(-2m)``.
    """
    slopes = np.asarray(slopes, dtype=float)
    with np.errstate(divide="ignore"):
        strip = HERMITE_STRIP / slopes
    need = np.asarray(digits, dtype=float) * math.log(10.0) + 2.0 + math.log(5.0)  # bound below e^-need / 5
    wide = np.floor(need / 2.0) + 1.0  # the order if sqrt(2m) stays below the strip
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (need + strip * strip) / (2.0 * strip)  # else sqrt(2m) must exceed this
        narrow = np.maximum(np.ceil(strip * strip / 2.0), np.floor(root * root / 2.0) + 1.0)
    orders = np.maximum(np.where(wide < strip * strip / 2.0, wide, narrow), 2.0)
    return np.where(slopes == 0.0, 1, np.where(orders <= cap, orders, 0)).astype(int)


def hermite_exponential_orders(digits: np.ndarray, slopes: np.ndarray, cap: int = 64) -> np.ndarray:
    """Gauss-Hermite orders for exponentials ``(1 + y) e^(a y)`` of slopes ``a`` ``(..., T)`` to ``digits`` ``(T,)``
    relative to their expectation (at most ``cap``; 1 for a zero slope).

    An ``m``-node rule errs on ``e^(a y)`` by ``m! a^(2m) / (2m)!`` of ``E e^(a y) = e^(a^2 / 2)`` (its remainder
    ``m! f^(2m) / (2m)!``, within 30% of the error measured for ``a <= 1`` and ``m`` from 2 to 12); the factor
    ``1 + y`` (the gradient's ``y - b_i``) adds the derivative's ``2m a^(2m - 1)``, so the bound taken is
    ``m! a^(2m - 1) (a + 2m) / (2m)!``.  Entire functions: unlike a switch's logistic, no pole limits the rule, and the
    orders stay low even for slopes of several units.
    """
    slopes = np.abs(np.asarray(slopes, dtype=float))
    m, log_ratio = _exponential_terms(cap)
    with np.errstate(divide="ignore"):
        log_slopes = np.log(slopes)[..., None]
        error = log_ratio + (2.0 * m - 1.0) * log_slopes + np.log(slopes[..., None] + 2.0 * m)
    target = (np.asarray(digits, dtype=float) * -math.log(10.0) - 2.0)[:, None]
    enough = error <= target  # (..., T, m = 1 .. cap)
    orders = np.where(enough.any(axis=-1), np.argmax(enough, axis=-1) + 1, cap)
    return np.where(slopes == 0.0, 1, orders)


def hermite_companion(order: int, slope: float) -> int:
    """A lower Gauss-Hermite order whose pole term (:func:`hermite_pole_orders`) is ``e^3`` times that of ``order``
    (at most ``order - 1``): the difference of the two rules then overstates the error of ``order``."""
    root = math.sqrt(2.0 * order)
    strip = root if slope == 0.0 else min(HERMITE_STRIP / slope, root)
    lower = math.floor(max(root - 1.5 / strip, 0.0) ** 2 / 2.0)
    return max(1, min(order - 1, lower))


@cache
def _exponential_terms(cap: int) -> tuple[np.ndarray, np.ndarray]:
    """``m`` and ``log (m! / (2m)!)`` for ``m = 1 .. cap``, as arrays."""
    m = np.arange(1, cap + 1, dtype=float)
    return m, np.array([math.lgamma(k + 1) - math.lgamma(2 * k + 1) for k in range(1, cap + 1)])


@cache
def _hermite_terms(cap: int) -> tuple[np.ndarray, np.ndarray]:
    """``2 m`` and ``log (2m - 1)!!`` for ``m = 2 .. cap``, as arrays."""
    return 2.0 * np.arange(2, cap + 1), np.array(_log_double_factorials(cap))


def _log_double_factorials(cap: int) -> tuple[float, ...]:
    """``log (2m - 1)!!`` for ``m = 2 .. cap``."""
    return tuple(math.lgamma(2 * m + 1) - m * math.log(2.0) - math.lgamma(m + 1) for m in range(2, cap + 1))


@cache
def legendre_float(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1] in double precision."""
    nodes, weights = np.polynomial.legendre.leggauss(m)
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


@cache
def legendre_ball(m: int, prec: int) -> tuple[tuple[flint.arb, ...], tuple[flint.arb, ...]]:
    """Gauss-Legendre nodes and weights on [-1, 1] as rigorous balls at ``prec`` bits."""
    with flint.ctx.workprec(prec):
        pairs = [flint.arb.legendre_p_root(m, k, weight=True) for k in range(m)]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


@cache
def hermite_float(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for ``E[f(y)]``, ``y ~ N(0, 1)``, in double precision."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(m)
    weights = weights / math.sqrt(2.0 * math.pi)
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


def float_rule(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (Gaussian density included) for ``E[f(y)]`` on panels with orders, in double precision."""
    # all panels at once, each number by the same operations as panel by panel (five numpy calls a panel cost more)
    orders = [panel.order for panel in layout.panels]
    rules = [legendre_float(m) for m in orders]
    halves = np.repeat([0.5 * (panel.b - panel.a) for panel in layout.panels], orders)
    mids = np.repeat([0.5 * (panel.a + panel.b) for panel in layout.panels], orders)
    y = mids + halves * np.concatenate([x for x, _ in rules])
    return y, halves * np.concatenate([w for _, w in rules]) * np.exp(-0.5 * y * y) / math.sqrt(2.0 * math.pi)


@cache
def hermite_ball(m: int, prec: int) -> tuple[tuple[flint.arb, ...], tuple[flint.arb, ...]]:
    """Gauss-Hermite nodes and weights for ``E[f(y)]``, ``y ~ N(0, 1)``, at ``prec`` bits.

    Computed by mpmath at the working precision plus guard digits (an accurate rule, not an
    enclosure: the tensor tiers that use it estimate their error by comparison, not by proof).
    """
    with mpmath.workprec(prec + 32):
        nodes, weights = mpmath.mp.gauss_quadrature(m, "hermite")
        scale = mpmath.sqrt(2)
        pairs = [(nodes[k] * scale, weights[k] / mpmath.sqrt(mpmath.pi)) for k in range(m)]
    with flint.ctx.workprec(prec):
        return tuple(flint.arb(y) for y, _ in pairs), tuple(flint.arb(w) for _, w in pairs)


def ball_rule(layout: Layout, prec: int) -> tuple[list, list]:
    """Nodes and weights (Gaussian density included) of :func:`float_rule`, as balls at ``prec`` bits."""
    nodes, weights = [], []
    with flint.ctx.workprec(prec):
        norm = 1 / (2 * flint.arb.pi()).sqrt()
        for panel in layout.panels:
            xs, ws = legendre_ball(panel.order, prec)
            half = (flint.arb(panel.b) - flint.arb(panel.a)) / 2
            mid = (flint.arb(panel.b) + flint.arb(panel.a)) / 2
            for x, w in zip(xs, ws):
                y = mid + half * x
                nodes.append(y)
                weights.append(half * w * (-(y * y) / 2).exp() * norm)
    return nodes, weights


def trapezoid_step(digits: Any, slope: Any) -> Any:
    """Step of the trapezoidal rule on the line for an axis whose logits change with ``slope`` (floats or arrays).

    The integrand times the Gaussian is analytic in the strip ``|Im y| < beta`` (``beta`` below the
    softmax poles at ``pi / slope``) and grows there like ``exp(beta^2 / 2)``; the trapezoidal rule's
    error is about ``exp(beta^2 / 2 - 2 pi beta / h)``, whatever the direction of the switches, so it
    needs no breakpoints (which oblique switches in two or three dimensions could not provide).
    """
    budget = digits * math.log(10.0) + 3.0
    with np.errstate(divide="ignore"):
        beta = np.minimum(POLE_STRIP / slope, np.sqrt(2.0 * budget))
    return 2.0 * math.pi * beta / (budget + 0.5 * beta * beta)


def trapezoid_float(step: float, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Trapezoidal nodes ``k * step`` on ``[-radius, radius]`` with Gaussian-density weights."""
    count = math.ceil(radius / step)
    nodes = step * np.arange(-count, count + 1)
    return nodes, step * np.exp(-0.5 * nodes * nodes) / math.sqrt(2.0 * math.pi)


@cache
def trapezoid_ball(step: float, radius: float, prec: int) -> tuple[tuple[flint.arb, ...], tuple[flint.arb, ...]]:
    """:func:`trapezoid_float` as balls at ``prec`` bits (the float step is taken as exact)."""
    count = math.ceil(radius / step)
    with flint.ctx.workprec(prec):
        h = flint.arb(step)
        norm = 1 / (2 * flint.arb.pi()).sqrt()
        nodes = tuple(h * k for k in range(-count, count + 1))
        return nodes, tuple(h * (-(y * y) / 2).exp() * norm for y in nodes)


def refine_panels(layout: Layout, log_target: float, sup, max_order: int) -> tuple[list[Panel], np.ndarray]:
    """Give each panel the fewest nodes that meet its share of the target; split panels that cannot.

    ``sup(panels)`` bounds (or estimates) ``|F * density|`` on each panel's Bernstein ellipse, output by
    output (an array ``(len(panels), K)``); Trefethen's bound then fixes the node count.  Panels far out
    in the Gaussian tail need few nodes.  Panels are handled in rounds, so ``sup`` sees them in batches.
    Everything is a logarithm: ``exp(log_target)`` is ``1e-5000`` at the top of the precision range.
    Returns the panels and the natural logarithms of their bounds, ``(len(panels), K)``.
    """
    queue = list(layout.panels)
    done, bounds, splits = [], [], 0
    while queue:
        batch, queue = queue, []
        with np.errstate(divide="ignore"):  # a batch's logarithms and largest ones at once (per panel: 15 us)
            log_sups = np.log(np.array(sup(batch), dtype=float))
        largest = log_sups.reshape(len(batch), -1).max(axis=1).tolist()
        for panel, log_sup, top in zip(batch, log_sups, largest):
            half = 0.5 * (panel.b - panel.a)
            log_share = log_target + math.log((panel.b - panel.a) / (2 * layout.radius))
            log_factor = math.log(64.0 / 15.0 / (panel.rho**2 - 1.0) * half)
            worst = top + log_factor
            if not math.isfinite(worst):
                m = 4 if worst == -math.inf else max_order + 4
            else:
                m = legendre_order(panel.rho, log_share - worst, max_order)
            if m <= max_order or splits >= MAX_SPLITS or half < 1e-12:
                m = min(m, max_order)
                done.append(Panel(panel.a, panel.b, panel.rho, m))
                bounds.append(log_sup + log_factor - 2 * m * math.log(panel.rho))
            else:
                splits += 1
                mid = 0.5 * (panel.a + panel.b)
                queue.extend([make_panel(panel.a, mid, layout.poles), make_panel(mid, panel.b, layout.poles)])
    order = np.argsort([p.a for p in done])
    sorted_bounds = np.array([bounds[k] for k in order])
    return [done[k] for k in order], np.where(np.isnan(sorted_bounds), np.inf, sorted_bounds)
