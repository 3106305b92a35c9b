"""Validated gradient descent in one reduced dimension: balls that provably hold the exact GD trajectory.

**Reduction.** Parameters on one line through the truth, ``mu_i = c_i e`` (``|e| = 1``), stay on it under GD
(docs/claims.md, section 2), and equal parameters stay equal exactly: ``L`` is invariant under permuting the
``mu_i``, so ``mu_i = mu_j`` gives ``grad_i L = grad_j L``.  A configuration is therefore ``k`` *groups* with
values ``c_j`` and multiplicities ``m_j`` (:class:`GroupLine`), and exact GD is the map
``F(c)_j = c_j - eta g_j(c)`` on ``R^k``, ``g_j`` the gradient of any member of group ``j``.  The balls below
hold the exact (real-number) iterates ``F^K(c(0))``, not a floating-point run.

**Integrands.** At ``x ~ N(0, 1)`` with logits ``l_j = x c_j - c_j^2 / 2 + log m_j``, group weights
``P_j = softmax(l)_j``, ``v = sum_j P_j c_j``, ``u_j = x - c_j`` and ``phi_j = 1 + u_j (c_j - v)``, the direct
form of the gradient (docs/claims.md, section 2; ``s_j = c_j v - v^2 = v (c_j - v)``) is
``g_j = E[G_j]``, ``G_j = 2 (P_j / m_j) v phi_j``.  From ``dP_j/dc_l = P_j (delta_jl - P_l) u_l`` and
``dv/dc_l = P_l phi_l``::

    dG_j/dc_l = W_j [psi_l (phi_j - v u_j) - pi_l v phi_j + delta_jl v (u_j phi_j + x + v - 2 c_j)],
    W_j = 2 P_j / m_j,  psi_l = P_l phi_l,  pi_l = P_l u_l.

Both are written relative to a reference group (:class:`Frame`), so the exponentials stay at most about 1.
On the real line, with ``R >= max |c_j|``, ``X = |x| + R`` and ``Phi = 1 + 2 R X``: ``|v| <= R``,
``|phi_j| <= Phi``, ``W_j <= 2``, hence ``|G_j| <= 2 R Phi`` and
``|dG_j/dc_l| <= 2 (Phi^2 + 3 R X Phi + R X + 2 R^2) = 2 (1 + 2R^2 + 8 R X + 10 R^2 X^2)``
(:func:`growth_polynomial`).

**Lemma Q (quadrature valid on a box).** Let ``B`` be a box of group values.  Gauss-Legendre panels are graded
at the softmax switches of ``B``'s centre (:func:`numeric.expectation.quadrature.panel_layout`).  For each panel a
bound ``M`` of ``|G(z) phi(z)|`` on the filled Bernstein ellipse ``E_rho`` is *enclosed* for every ``c`` in ``B``
(complex balls covering the upper half of ``E_rho``, conjugate symmetry for the rest; a finite bound also proves
``G`` analytic in ``E_rho``), and Trefethen's theorem (*Approximation Theory and Approximation Practice*, Thm
19.3) bounds the ``m``-node error by ``(64/15) M rho^(-2m) / (rho^2 - 1)`` times the half-length.  Beyond the
cut ``|x| > T``, ``int sum_k a_k |x|^k phi = 2 sum_k a_k M_k(T)`` with the tail moments ``M_k``
(:func:`tail_moment`).  So ``sum_i w_i G(x_i; c) + [-e, e]`` holds ``g(c)`` for every ``c`` in ``B``, and the
same sum evaluated on a ball of configurations inside ``B`` holds ``g`` on all of it (:func:`build_rule`,
:func:`apply_rule`).

**Lemma M (mean value).** ``F`` is ``C^1``.  For ``x`` and ``m`` in a box ``X``, ``F_i(x) - F_i(m) =
DF_i(y_i) (x - m)`` with ``y_i`` on the segment ``[m, x]``, inside ``X``.  Hence ``F(X) <= F(m) + J (X - m)``
for any ball matrix ``J`` holding ``DF = I - eta Dg`` on ``X``.

**The scheme (Lohner's QR method).** The enclosure after ``k`` steps is ``X_k = {x_k + A_k r : r in r_k}``
(:class:`LohnerSet`: ``x_k`` exact points, ``A_k`` an exact float matrix, ``r_k`` a ball vector).  One step
(:func:`lohner_step`):

1. ``f_k`` holds ``F(x_k)`` (Lemma Q at the point ``x_k``, ``10^-(dps + 6)``); ``x_(k+1) = mid f_k``,
   ``z_k = f_k - x_(k+1)``;
2. ``J_k`` holds ``DF`` on the hull of ``X_k`` (Lemma Q on ``dG_j/dc_l``, ``10^-4``: its error enters the
   radius only as ``eta e |r|``);
3. ``A_(k+1)`` is the ``Q`` of a QR factorization of ``mid(J_k A_k)`` (columns ordered by ``|column| |r_j|``)
   and ``r_(k+1) = (A_(k+1)^-1 J_k A_k) r_k + A_(k+1)^-1 z_k``, the inverse enclosed by ball elimination.

By Lemma M, ``F(X_k) <= x_(k+1) + z_k + J_k A_k r_k <= X_(k+1)``, so by induction ``X_K`` holds the exact
iterate.  ``reorient=False`` keeps ``A_k = I`` (the plain interval mean-value form).  Rules are reused while the
path stays in the box they were proven for; a new box is laid along the predicted path ``x - s eta g``
(at most :data:`WINDOW_STEPS` steps and :data:`WINDOW_WIDTH` wide).

**How the radius grows.** With ``C_k = A_(k+1)^-1 J_k A_k`` and ``eps_k = |A_(k+1)^-1 z_k|_inf`` (recorded per
step as ``growth[k] >= ||C_k||_inf`` and ``local[k]``), ball arithmetic gives
``|r_(k+1)|_inf <= ||C_k||_inf |r_k|_inf + eps_k``, hence
``|r_K| <= prod_k ||C_k|| |r_0| + sum_k (prod_(j > k) ||C_j||) eps_k``.  With the QR reorientation ``C_k`` is
nearly triangular and ``||C_k||`` follows the expansion of the linearized flow along the directions that carry
the radius; without it, the absolute row sums of ``J_k`` also count rotation and shear (wrapping).  ``eps_k`` is
``eta`` times the quadrature error plus rounding, about ``1e-18`` at ``dps = 10``.  At Theorem 3.4's away start
(``n = 3, d = 1, M0 = 4, eta = 0.01``) ``||C_k||`` stays below ``1.0018`` (largest while the groups separate,
then ``1 + O(eta |dg_1/da|)``) and the radius grows slower than linearly in ``k``: ``2e-16`` after 100
steps, ``3e-15`` after 1,000, ``2e-14`` after 20,000 (``python benchmarks/bench.py --only certified_gd``:
about 100 s of CPU, 5 minutes of wall time on the loaded 2-core machine).

Cost per step: one gradient pass (about 200 nodes at ``dps = 10``) and one Jacobian pass (about 90 nodes), in
Python-level ball arithmetic, plus a rule rebuild per window (many while ``mu_2`` falls fast, then few).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from numeric.config import InputError
from numeric.dynamics.gd import log_grid, make_config
from numeric.expectation.quadrature import (
    MAX_ORDER,
    Layout,
    Panel,
    ball_rule,
    panel_layout,
    refine_panels,
    truncation_radius,
)
from numeric.expectation.tiers import digits_of, precision_bits
from numeric.model import enclosure_strings

__all__ = [
    "Frame",
    "frames",
    "group_gradient_terms",
    "group_jacobian_terms",
    "tail_moment",
    "two_sided_tail",
    "growth_polynomial",
    "Rule",
    "build_rule",
    "apply_rule",
    "GroupLine",
    "group_line",
    "LohnerSet",
    "lohner_step",
    "ValidatedRecord",
    "ValidatedResult",
    "validated_gd",
    "exact_ball",
    "certified_gd",
]

ONE = flint.arb(1)


# --------------------------------------------------------------------------- integrands on groups


@dataclass(frozen=True)
class Frame:
    """The node-independent pieces of the group integrands, written relative to one reference group.

    With ``r = ref``, ``g_j = c_j - c_r`` and ``q_j = g_j (c_r + g_j / 2)``, the logit differences are
    ``l_j - l_r = g_j x - q_j``, so ``e_j = exp(g_j x - q_j)`` (``e_r = 1``), ``s = sum_j m_j e_j``,
    ``P_j = m_j e_j / s`` and ``v = c_r + sum_j m_j g_j e_j / s``: near ``x`` where group ``r`` dominates,
    every exponential is at most about 1 and balls stay tight.
    """

    c: tuple  # group values (arb or acb balls)
    mult: tuple  # multiplicities as balls (exact integers)
    ref: int
    others: tuple[tuple[int, object, object, object], ...]  # (j, g_j, q_j, m_j g_j) for j != ref


def frames(c: Sequence, mult: Sequence[int]) -> list[Frame]:
    """One :class:`Frame` per possible reference group (any number type with ``exp``: arb, acb)."""
    m = tuple(0 * c[0] + k for k in mult)
    out = []
    for r in range(len(c)):
        base = c[r]
        others = tuple(
            (j, c[j] - base, (c[j] - base) * (base + (c[j] - base) / 2), m[j] * (c[j] - base))
            for j in range(len(c))
            if j != r
        )
        out.append(Frame(tuple(c), m, r, others))
    return out


def _softmax(x, frame: Frame) -> tuple[list, Any, Any]:
    """``(e, 1 / s, v)`` at ``x`` (see :class:`Frame`); ``e[ref]`` is None (it is 1)."""
    e: list = [None] * len(frame.c)
    s, shift = frame.mult[frame.ref], None
    for j, g, q, mg in frame.others:
        ej = (g * x - q).exp()
        e[j] = ej
        s = s + frame.mult[j] * ej
        shift = mg * ej if shift is None else shift + mg * ej
    inverse = 1 / s
    return e, inverse, frame.c[frame.ref] if shift is None else frame.c[frame.ref] + shift * inverse


def group_gradient_terms(x, frame: Frame) -> list:
    """``G_j(x) = 2 w_j v phi_j``, ``phi_j = 1 + (x - c_j)(c_j - v)``: the per-parameter gradient integrands."""
    e, inverse, v = _softmax(x, frame)
    scale = (v + v) * inverse
    out = []
    for cj, ej in zip(frame.c, e):
        term = scale * ((x - cj) * (cj - v) + ONE)
        out.append(term if ej is None else term * ej)
    return out


def group_jacobian_terms(x, frame: Frame) -> list:
    """``dG_j / dc_l`` for every ``(j, l)``, row-major (formula in the module docstring)."""
    e, inverse, v = _softmax(x, frame)
    c = frame.c
    w = [inverse if ej is None else ej * inverse for ej in e]  # P_j / m_j
    u = [x - cj for cj in c]
    phi = [uj * (cj - v) + ONE for uj, cj in zip(u, c)]
    psi = [m * wl * f for m, wl, f in zip(frame.mult, w, phi)]  # P_l phi_l
    pi = [m * wl * ul for m, wl, ul in zip(frame.mult, w, u)]  # P_l u_l
    out = []
    for j, cj in enumerate(c):
        a, b = phi[j] - v * u[j], v * phi[j]
        wj = w[j] + w[j]
        for m in range(len(c)):
            term = psi[m] * a - pi[m] * b
            if m == j:
                term = term + u[j] * b + v * (x + v - cj - cj)
            out.append(wj * term)
    return out


# --------------------------------------------------------------------------- growth and Gaussian tails


def tail_moment(k: int, t: flint.arb) -> flint.arb:
    """``M_k(t) = int_t^inf z^k phi(z) dz`` for ``t >= 0`` (``M_0 = Q(t)``, ``M_1 = phi(t)``,
    ``M_k = t^(k-1) phi(t) + (k - 1) M_(k-2)``: integrate by parts)."""
    phi = (-(t * t) / 2).exp() / (2 * flint.arb.pi()).sqrt()
    if k == 0:
        return (t / flint.arb(2).sqrt()).erfc() / 2
    if k == 1:
        return phi
    return t ** (k - 1) * phi + (k - 1) * tail_moment(k - 2, t)


def two_sided_tail(coefficients: Sequence[flint.arb], t: flint.arb) -> flint.arb:
    """``int_{|x| > t} sum_k a_k |x|^k phi(x) dx = 2 sum_k a_k M_k(t)`` (non-negative ``a_k``)."""
    return 2 * sum((a * tail_moment(k, t) for k, a in enumerate(coefficients)), flint.arb(0))


def growth_polynomial(kind: str, radius: flint.arb) -> list[flint.arb]:
    """Coefficients ``a_k`` with ``|output(x)| <= sum_k a_k |x|^k`` on the real line (``|c_j| <= radius``).

    With ``R = radius``, ``X = |x| + R``, ``Phi = 1 + 2 R X``: ``|v| <= R``, ``|phi_j| <= Phi``,
    ``|G_j| <= 2 R Phi`` and ``|dG_j / dc_l| <= 2 (1 + 2R^2 + 8 R X + 10 R^2 X^2)`` (module docstring).
    """
    r = radius
    if kind == "gradient":
        return [2 * r * (1 + 2 * r * r), 4 * r * r]
    return [2 * (1 + 10 * r**2 + 10 * r**4), 2 * (8 * r + 20 * r**3), 20 * r * r]


# --------------------------------------------------------------------------- quadrature rules over a box


OUTPUTS = {"gradient": group_gradient_terms, "jacobian": group_jacobian_terms}


@dataclass(frozen=True)
class Rule:
    """Gauss-Legendre panels whose proven error bound holds for every group configuration in ``box``."""

    kind: str  # "gradient" or "jacobian" (which integrand the bound is for)
    box: tuple[flint.arb, ...]
    multiplicities: tuple[int, ...]
    nodes: tuple[flint.arb, ...]
    weights: tuple[flint.arb, ...]  # Gauss-Legendre weight times the Gaussian density, balls
    refs: tuple[int, ...]  # reference group (largest logit) at each node
    error: flint.arb  # [-e, e]: quadrature (Trefethen, enclosed ellipse sup) + Gaussian tail, every output
    panels: int
    digits: float


def _reference(y: float, mids: Sequence[float], logm: Sequence[float]) -> int:
    return max(range(len(mids)), key=lambda j: y * mids[j] - mids[j] ** 2 / 2 + logm[j])


def _ellipse_boxes(panel: Panel, nx: int = 10, ny: int = 4):
    """Complex boxes covering the upper half of the panel's filled Bernstein ellipse, with their real centres."""
    half = 0.5 * (panel.b - panel.a)
    a_axis = half * 0.5 * (panel.rho + 1.0 / panel.rho)
    b_axis = half * 0.5 * (panel.rho - 1.0 / panel.rho)
    mid = 0.5 * (panel.a + panel.b)
    for ix in range(nx):
        for iy in range(ny):
            x0, x1 = -a_axis + 2 * a_axis * ix / nx, -a_axis + 2 * a_axis * (ix + 1) / nx
            y0, y1 = b_axis * iy / ny, b_axis * (iy + 1) / ny
            nearest_x = 0.0 if x0 <= 0.0 <= x1 else min(abs(x0), abs(x1))
            if (nearest_x / a_axis) ** 2 + (y0 / b_axis) ** 2 > 1.0:
                continue  # the box lies outside the ellipse
            centre = mid + 0.5 * (x0 + x1)
            yield flint.acb(flint.arb(centre, 0.5 * (x1 - x0)), flint.arb(0.5 * (y0 + y1), 0.5 * (y1 - y0))), centre


def _panel_sup(panel: Panel, kind: str, box: Sequence[flint.arb], mult: Sequence[int]) -> np.ndarray:
    """Proven bound of ``|output * density|`` on the filled ellipse, for every configuration in ``box``.

    A finite bound on every box also proves the integrand analytic inside the ellipse (conjugate
    symmetry covers the lower half): the hypothesis of Trefethen's bound.
    """
    outputs = OUTPUTS[kind]
    mids = [float(c.mid()) for c in box]
    logm = [math.log(m) for m in mult]
    with flint.ctx.workprec(64):
        frame = frames([flint.acb(x) for x in box], mult)
        norm = flint.arb(2 * math.pi).sqrt()
        sup = np.zeros(len(box) ** (1 if kind == "gradient" else 2))
        for z, centre in _ellipse_boxes(panel):
            density = (-(z * z) / 2).exp() / norm
            for k, value in enumerate(outputs(z, frame[_reference(centre, mids, logm)])):
                size = abs(value * density)
                sup[k] = max(sup[k], float(size.upper()) * (1 + 1e-12) if size.is_finite() else math.inf)
    return sup


def build_rule(kind: str, box: Sequence[flint.arb], mult: Sequence[int], digits: float, prec: int) -> Rule:
    """Panels with ``10^-digits (1 + R^2)`` proven accuracy over ``box`` (graded at the softmax switches)."""
    mids = [float(c.mid()) for c in box]
    with flint.ctx.workprec(prec):
        radius = flint.arb(max(float(abs(c).upper()) for c in box) * (1 + 1e-9))
        growth = growth_polynomial(kind, radius)
        cut = truncation_radius(digits, float(sum(growth, flint.arb(0)).upper()))
        layout = panel_layout(0.0, mids, cut)
        log_target = -digits * math.log(10.0) + math.log1p(float(radius.upper()) ** 2)
        panels, log_bounds = refine_panels(
            layout, log_target, lambda batch: [_panel_sup(p, kind, box, mult) for p in batch], MAX_ORDER
        )
        quad = float(np.max(np.sum(np.exp(log_bounds), axis=0))) * (1 + 1e-9)
        tail = two_sided_tail(growth, flint.arb(cut))
        error = flint.arb(0, (flint.arb(quad) + tail).upper())
    nodes, weights = ball_rule(Layout(tuple(panels), 0.0, ()), prec)
    logm = [math.log(m) for m in mult]
    refs = tuple(_reference(float(y.mid()), mids, logm) for y in nodes)
    return Rule(kind, tuple(box), tuple(mult), tuple(nodes), tuple(weights), refs, error, len(panels), digits)


def apply_rule(rule: Rule, c: Sequence[flint.arb], prec: int) -> list[flint.arb]:
    """Balls enclosing ``E[output]`` for every configuration in the balls ``c`` (which must lie in ``rule.box``)."""
    if not all(b.contains(x) for b, x in zip(rule.box, c)):
        raise ValueError("the configuration leaves the box the rule's error bound was proven for")
    outputs = OUTPUTS[rule.kind]
    with flint.ctx.workprec(prec):
        frame = frames(list(c), rule.multiplicities)
        rows = [outputs(y, frame[ref]) for y, ref in zip(rule.nodes, rule.refs)]
        sums = flint.arb_mat([list(rule.weights)]) * flint.arb_mat(rows)
        return [sums[0, k] + rule.error for k in range(sums.ncols())]


# --------------------------------------------------------------------------- configurations on a line


@dataclass(frozen=True)
class GroupLine:
    """``mu_i = c_{group(i)} e`` for every parameter: groups of equal parameters on one line through the truth."""

    values: tuple[flint.arb, ...]  # c_j, balls
    multiplicities: tuple[int, ...]
    members: tuple[tuple[int, ...], ...]  # 0-based parameter indices of each group
    direction: tuple[flint.arb, ...]  # the unit vector e (length d)

    @property
    def n(self) -> int:
        return sum(self.multiplicities)

    def parameters(self, values: Sequence[flint.arb]) -> list[list[flint.arb]]:
        """The ``n x d`` parameters ``mu_i = c_{group(i)} e`` for group values ``values``."""
        group = {i: j for j, members in enumerate(self.members) for i in members}
        return [[values[group[i]] * ek for ek in self.direction] for i in range(self.n)]


def group_line(rows: Sequence[Sequence[str]], prec: int) -> GroupLine:
    """Read decimal-string parameters exactly; equal rows form one group.

    Raises :class:`InputError` unless every ``mu_i`` is a multiple of one vector (a line through the
    truth, which GD never leaves: the gradient of each parameter lies in the span of the parameters).
    """
    points = [[Fraction(Decimal(x)) for x in row] for row in rows]
    d = len(points[0])
    pivot = next((row for row in points if any(row)), [Fraction(int(k == 0)) for k in range(d)])
    for i, row in enumerate(points):
        if any(row[a] * pivot[b] != row[b] * pivot[a] for a in range(d) for b in range(a + 1, d)):
            raise InputError(
                f"mu[{i}]",
                "the certified tier needs every mu_i on one line through the truth (mu_i = c_i e); "
                "this configuration spans two or more directions (use the fast or precise tier)",
            )
    norm2 = sum(x * x for x in pivot)
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(points):
        groups.setdefault(tuple(row), []).append(i)
    direction: tuple[flint.arb, ...]
    with flint.ctx.workprec(prec):
        ball = lambda q: flint.arb(flint.fmpq(q.numerator, q.denominator))  # noqa: E731
        if d == 1:  # e = (1,): the values are the parameters themselves, exactly
            direction, values = (flint.arb(1),), tuple(ball(key[0]) for key in groups)
        else:
            scale = 1 / ball(norm2).sqrt()
            direction = tuple(ball(p) * scale for p in pivot)
            values = tuple(ball(sum(a * b for a, b in zip(key, pivot))) * scale for key in groups)
    members = tuple(tuple(m) for m in groups.values())
    return GroupLine(values, tuple(len(m) for m in members), members, direction)


# --------------------------------------------------------------------------- one validated step


@dataclass(frozen=True)
class LohnerSet:
    """The set ``{centre + A r : r in box}``: ``centre`` exact points, ``A`` an exact float matrix, ``box`` balls."""

    centre: tuple[flint.arb, ...]
    matrix: np.ndarray
    box: tuple[flint.arb, ...]

    def hull(self) -> list[flint.arb]:
        """Balls enclosing the set, coordinate by coordinate."""
        image = flint.arb_mat(self.matrix.tolist()) * flint.arb_mat([[x] for x in self.box])
        return [c + image[i, 0] for i, c in enumerate(self.centre)]


def _column(values: Sequence[flint.arb]) -> flint.arb_mat:
    return flint.arb_mat([[x] for x in values])


def _upper(x: flint.arb) -> float:
    return float(abs(x).upper())


def lohner_step(
    current: LohnerSet, image: Sequence[flint.arb], jacobian: flint.arb_mat, reorient: bool = True
) -> tuple[LohnerSet, float, float]:
    """The next set from ``image`` (balls enclosing ``F(centre)``) and ``jacobian`` (enclosing ``DF`` on the hull).

    Returns the set and the two numbers that bound its growth: ``|r'|_inf <= growth |r|_inf + local``.
    """
    k = len(image)
    centre = tuple(flint.arb(y.mid()) for y in image)
    z = _column([y - c for y, c in zip(image, centre)])
    product = jacobian * flint.arb_mat(current.matrix.tolist())
    if reorient and k > 1:
        mids = np.array([[float(product[i, j].mid()) for j in range(k)] for i in range(k)])
        widths = np.array([_upper(x) for x in current.box])
        order = np.argsort(-(np.linalg.norm(mids, axis=0) * widths), kind="stable")
        matrix, _ = np.linalg.qr(mids[:, order])
    else:
        matrix = current.matrix
    inverse = flint.arb_mat(matrix.tolist()).inv()
    coupling = inverse * product
    local = inverse * z
    box = coupling * _column(current.box) + local
    growth = max(sum(_upper(coupling[i, j]) for j in range(k)) for i in range(k))
    return (
        LohnerSet(centre, matrix, tuple(box[i, 0] for i in range(k))),
        growth,
        max(_upper(local[i, 0]) for i in range(k)),
    )


# --------------------------------------------------------------------------- the driver


#: A window's box spans at most this much in each coordinate (wider boxes need more nodes).
WINDOW_WIDTH = 0.05
#: ... and the predicted path of at most this many steps.
WINDOW_STEPS = 400
#: Digits of the Jacobian's quadrature (its error only widens J, which the radius feels as ``1 + eta * error``).
JACOBIAN_DIGITS = 4.0


class _Windows:
    """Quadrature rules for the gradient (at centres) and the Jacobian (on hulls), rebuilt when the path leaves
    the box their error bound was proven for.  Boxes are laid along the predicted path ``x - s eta g``."""

    def __init__(self, mult: Sequence[int], digits: float, prec: int) -> None:
        self.mult, self.digits, self.prec = tuple(mult), digits, prec
        self.rules: dict[str, Rule] = {}
        self.built = 0

    def rule(self, kind: str, balls: Sequence[flint.arb], velocity: np.ndarray) -> Rule:
        rule = self.rules.get(kind)
        if rule is None or not all(b.contains(x) for b, x in zip(rule.box, balls)):
            digits = self.digits if kind == "gradient" else JACOBIAN_DIGITS
            rule = build_rule(kind, _window_box(balls, velocity), self.mult, digits, self.prec)
            self.rules[kind] = rule
            self.built += 1
        return rule


def _window_box(balls: Sequence[flint.arb], velocity: np.ndarray) -> list[flint.arb]:
    """A box holding ``balls`` and the path ``x - s v`` for as many steps ``s`` as fit in :data:`WINDOW_WIDTH`."""
    speed = float(np.max(np.abs(velocity))) if len(velocity) else 0.0
    span = min(WINDOW_STEPS, WINDOW_WIDTH / speed) if speed > 0 else WINDOW_STEPS
    box = []
    for x, vel in zip(balls, velocity):
        mid, rad = float(x.mid()), float(x.rad())
        ends = (mid, mid - span * vel)
        pad = 0.1 * span * abs(vel) + 1e-6 * (1 + abs(mid)) + 2 * rad
        lo, hi = min(ends) - pad, max(ends) + pad
        box.append(flint.arb(0.5 * (lo + hi), 0.5 * (hi - lo)))
    return box


@dataclass(frozen=True)
class ValidatedRecord:
    """A recorded step: balls enclosing every group value after ``step`` exact GD updates."""

    step: int
    hull: tuple[flint.arb, ...]


@dataclass(frozen=True)
class ValidatedResult:
    """A validated run: enclosures of the exact GD trajectory, and the numbers behind the radius growth."""

    line: GroupLine
    eta: str
    dps: int
    steps: int  # updates enclosed
    records: tuple[ValidatedRecord, ...]  # on the log grid of numeric.dynamics.gd, and the last step
    final: LohnerSet
    radius: tuple[float, ...]  # |r_k|_inf after each step k = 0..steps (Lohner coordinates)
    growth: tuple[float, ...]  # step k -> k + 1: |r_(k+1)| <= growth[k] |r_k| + local[k]
    local: tuple[float, ...]
    stopped: str  # "budget", "until" or "enclosure"
    reason: str
    seconds: float
    rules_built: int
    method: str

    @property
    def hull(self) -> list[flint.arb]:
        return self.final.hull()

    def parameters(self) -> list[list[flint.arb]]:
        """Balls enclosing every coordinate of every ``mu_i`` at the last step."""
        return self.line.parameters(self.hull)

    def to_json(self) -> dict:
        """The ``gd --tier certified --json`` object: every final (and start) coordinate as ``[lo, hi]`` strings."""
        final = self.parameters()
        start = self.line.parameters(self.line.values)
        return {
            "mu": [[enclosure_strings(x, self.dps) for x in row] for row in final],
            "mu0": [[enclosure_strings(x, self.dps) for x in row] for row in start],
            "rigorous": True,
            "radius": repr(max(float(x.rad()) for row in final for x in row)),
            "groups": [[i + 1 for i in members] for members in self.line.members],
            "steps": self.steps,
            "stopped": self.stopped,
            "reason": self.reason,
            "tier": "certified",
            "dps": self.dps,
            "eta": self.eta,
            "convention": f"GD on the reduced parameters mu with step eta = {self.eta}",
            "max_growth": repr(max(self.growth, default=1.0)),
            "rules_built": self.rules_built,
            "seconds": repr(self.seconds),
            "method": self.method,
        }


def validated_gd(
    line: GroupLine,
    eta: str,
    steps: int,
    *,
    dps: int = 10,
    points_per_decade: int = 20,
    reorient: bool = True,
    until: Callable[[int, list[flint.arb]], bool] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> ValidatedResult:
    """Enclose ``steps`` exact GD updates ``c_j <- c_j - eta g_j(c)`` of the group values (module docstring).

    ``until(step, hull)`` may end the run early (it sees the hull after ``step`` updates); ``on_step(step)``
    reports progress.  The run also ends when an enclosure cannot be computed.
    """
    prec = precision_bits(dps)
    digits = digits_of("certified", dps)
    grid = log_grid(steps, points_per_decade)
    k = len(line.values)
    clock = time.perf_counter()
    with flint.ctx.workprec(prec):
        step_size = exact_ball(eta)
        identity = flint.arb_mat(np.eye(k).tolist())
        centre = tuple(flint.arb(x.mid()) for x in line.values)
        current = LohnerSet(centre, np.eye(k), tuple(x - c for x, c in zip(line.values, centre)))
    windows = _Windows(line.multiplicities, digits, prec)
    velocity = np.zeros(k)
    records, radius, growth, local = [], [max(_upper(x) for x in current.box)], [], []
    stopped, reason, done = "budget", f"step budget of {steps} reached", 0
    while True:
        hull = current.hull()
        if done in grid:
            records.append(ValidatedRecord(done, tuple(hull)))
        if done >= steps:
            break
        if until is not None and until(done, hull):
            stopped, reason = "until", f"the stopping condition held after {done} steps"
            break
        try:
            with flint.ctx.workprec(prec):
                gradient = apply_rule(windows.rule("gradient", current.centre, velocity), current.centre, prec)
                velocity = np.array([float(step_size.mid()) * float(g.mid()) for g in gradient])
                derivative = apply_rule(windows.rule("jacobian", hull, velocity), hull, prec)
                image = [c - step_size * g for c, g in zip(current.centre, gradient)]
                jacobian = identity - step_size * flint.arb_mat([derivative[j * k : (j + 1) * k] for j in range(k)])
                current, expansion, error = lohner_step(current, image, jacobian, reorient)
        except (ValueError, ZeroDivisionError) as failure:
            stopped, reason = "enclosure", f"no enclosure at step {done + 1}: {failure}"
            break
        if not all(x.is_finite() for x in current.box):
            stopped, reason = "enclosure", f"the enclosure stopped being finite at step {done + 1}"
            break
        done += 1
        growth.append(expansion)
        local.append(error)
        radius.append(max(_upper(x) for x in current.box))
        if on_step is not None:
            on_step(done)
    if records[-1].step != done:
        records.append(ValidatedRecord(done, tuple(current.hull())))
    return ValidatedResult(
        line,
        eta,
        dps,
        done,
        tuple(records),
        current,
        tuple(radius),
        tuple(growth),
        tuple(local),
        stopped,
        reason,
        time.perf_counter() - clock,
        windows.built,
        f"validated GD on {k} group value(s): Lohner mean-value steps {'with QR reorientation ' if reorient else ''}"
        f"in {prec}-bit python-flint balls; gradient by Gauss-Legendre panels with a proven error "
        f"(10^-{digits:g}; Trefethen bound, ball-enclosed ellipse sup, Gaussian tail), Jacobian likewise "
        f"(10^-{JACOBIAN_DIGITS:g})",
    )


def exact_ball(text: str) -> flint.arb:
    """The decimal ``text`` as a ball at the current precision (exact when the decimal is dyadic)."""
    q = Fraction(Decimal(text))
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def certified_gd(
    mu: Sequence[Sequence[object]], eta: object, steps: object, *, dps: object = 10, points_per_decade: object = 20
) -> ValidatedResult:
    """:func:`validated_gd` from decimal-string parameters, checked like any GD run (:class:`InputError`).

    The start is read exactly (every decimal is a rational); parameters off one line through the truth are
    refused (:func:`group_line`).
    """
    config = make_config(mu, eta, steps, dps=dps, points_per_decade=points_per_decade)
    line = group_line(config.mu, precision_bits(config.dps))
    return validated_gd(line, config.eta, config.steps, dps=config.dps, points_per_decade=config.points_per_decade)
