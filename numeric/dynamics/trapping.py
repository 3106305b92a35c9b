"""A certified trapping region for Theorem 3.4's away orientation: ``mu_1`` provably never converges to 0.

**Setting.** ``n >= 2`` parameters on a line through the truth with ``mu_1 = a`` and ``mu_2 = ... = mu_n = b``
(one group of ``k = n - 1``; it stays one group exactly, :mod:`numeric.dynamics.validated`).  In the logistic
form, ``D = a - b``, ``P = w_1 = 1 / (1 + k exp(-D (x - (a + b) / 2)))``, ``Q = 1 - P``, ``v = b + P D``, and
(from ``G_j = 2 (P_j / m_j) v phi_j`` with ``a - v = Q D``, ``b - v = -P D``)::

    g_1 = E[G_1],  G_1 = 2 P v (1 + (x - a) Q D);      g_b = (2 / k) (b + r),  r = E[R],
    R = P (Q D (1 - v (x - b)) - b).

``R`` carries the factor ``P`` in every term, and ``P`` is a monotone function of one logit, so ball
enclosures over parameter boxes stay tight (:func:`two_group_terms`).  ``R = {a >= A, -L <= b <= U}``
(:class:`Region`); GD is ``F(a, b) = (a - eta g_1, b - eta g_b)``.

**Lemma R (the group's step).** With ``c = 2 eta / k <= 1``, ``F_2 = b - eta g_b = (1 - c) b - c r``.  So over
a box ``F_2`` lies in ``[(1 - c) b_lo - c sup r, (1 - c) b_hi - c inf r]``, and ``b`` in ``[-L, U]`` with
``|r| <= min(L, U)`` gives ``F_2`` in ``[-L, U]``.  (Algebra; ``1 - c >= 0``.)

**Lemma T (large mu_1).** Let ``B = max(L, U)``, ``a >= a_max > B``, ``|b| <= B``, ``t0 = (a_max - B) / 2``
and ``z ~ N(0, 1)``.  Then ``|g_1| <= 2 E[P_1(z) 1{z > t0}]`` and ``|r| <= 2 E[P_2(z) 1{z > t0}]`` with
``P_1 = 2 a (1 + (z + a)(a + B))`` and ``P_2 = (a + 2B) + (a + B) a (z + B)`` at ``a = 2 z + B`` (polynomials
in ``z`` with non-negative coefficients, so the bounds are closed forms in the moments ``M_j(t0)`` of
:func:`numeric.dynamics.validated.tail_moment`; :func:`tail_bound`).

*Proof.* (i) ``|v| <= a``, ``0 <= Q <= 1``, ``0 < D <= a + B``, ``|x - a| <= |x| + a``, ``|x - b| <= |x| + B``
give ``|G_1| <= P F_1(|x|)`` and ``|R| <= P F_2(|x|)`` with ``F_1(s) = 2 a (1 + (s + a)(a + B))`` and
``F_2(s) = (a + 2B) + (a + B) a (s + B)``, non-negative and non-decreasing.  (ii) ``P <= 1``; and with
``alpha = a - B > 0``, ``D >= alpha`` and ``(a + b) / 2 >= alpha / 2``, so for ``x < alpha / 2``,
``P <= exp(D (x - (a + b) / 2)) <= exp(alpha x - alpha^2 / 2)``.  (iii) ``exp(alpha x - alpha^2 / 2) phi(x) =
phi(x - alpha)``, and ``|y + alpha| <= |y|`` for ``y < -alpha / 2``, so for non-decreasing ``F >= 0``:
``E[P F(|x|)] <= E[F(x) 1{x >= alpha/2}] + E[F(|y + alpha|) 1{y < -alpha/2}] <= 2 E[F(z) 1{z > alpha/2}]``.
(iv) On ``{z > alpha / 2}``, ``a = alpha + B < 2 z + B``, and ``F_i`` has non-negative coefficients in ``a``,
so ``F_i <= P_i(z)``; ``P_i >= 0`` for ``z > 0``, so the tail expectation only decreases when ``alpha / 2``
grows from ``t0``.  QED

So for ``a >= a_max``: ``F_1 >= a_max - eta G_T >= A`` and, when ``r_T <= min(L, U)``, ``F_2`` lies in
``[-L, U]`` (Lemma R); :func:`smallest_a_max` picks the smallest ``A + j`` where both hold.

**Lemma C (the compact part, computed).** ``[A, a_max] x [-L, U]`` is covered by boxes with exact rational
corners, bisected when needed (:func:`prove_trapping`).  On a box ``X``, interval Riemann sums enclose ``g_1``
and ``r`` for every configuration in ``X`` (:func:`cell_integral`: ``int_cell f phi`` lies in
``|cell|`` times the ball of ``f phi`` over the cell, cells of ``2^-6``; beyond the cells the Gaussian tail of
the growth bound ``|G_1|, |R| <= 2R + 4R^3 + 4R^2 |x|``).  ``X`` passes when ``a_lo - eta sup g_1 >= A`` and
the interval of Lemma R lies in ``[-L, U]``.

**Theorem.** If Lemma T holds at ``a_max`` and every box passes, then ``F(R) <= R``.  (A point with
``a >= a_max`` is Lemma T's; any other lies in a box that passed.)

**Corollary (the refutation, :func:`trapped_run`).** If the validated trajectory's enclosure lies in ``R``
after ``K`` steps, then ``mu_1(tau) >= A > 0`` for every ``tau >= K`` (induction), so ``mu_1`` does not
converge to 0; and ``mu_2(tau) = ... = mu_n(tau)`` for every ``tau``, so those converge together or not at
all.  The number of parameters that converge to 0 is ``0`` or ``n - 1``: never exactly one when ``n >= 3``.

When the proof fails, the failing box and the edges of ``R`` are searched for a *witness*, a point ``p`` of
``R`` with ``F(p)`` provably outside ``R`` (proven quadrature at the point): then ``R`` is not invariant.  At
``n = 3, eta = 0.01`` the default region ``{mu_1 >= 4, -0.25 <= mu_2 = mu_3 <= 1}`` closes (about 100 boxes,
``a_max = 8``); ``A = 2.5`` or ``U = 0.01`` do not, with witnesses.  Raising ``A`` keeps ``R`` invariant here
(``g_1 < 0`` for ``a >= 4``); it only delays the trajectory's entry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import flint

from numeric.dynamics.validated import (
    GroupLine,
    ValidatedResult,
    apply_rule,
    build_rule,
    exact_ball,
    growth_polynomial,
    tail_moment,
    two_sided_tail,
    validated_gd,
)
from numeric.expectation.quadrature import truncation_radius

__all__ = [
    "Region",
    "TailBound",
    "TrappingProof",
    "two_group_terms",
    "cell_integral",
    "tail_bound",
    "prove_trapping",
    "smallest_a_max",
    "away_start",
    "TrappedRun",
    "trapped_run",
]

#: Cell width of the interval Riemann sums (a power of 2, so the cells tile the line exactly).
CELL = 2.0**-6
#: Gaussian tail allowed beyond the cells (``int_{|x| > cut}`` of the growth bound).
CELL_TAIL = 1e-7
#: Ball precision of the branch and bound (its enclosures are wide; more bits buy nothing).
PREC = 64


@dataclass(frozen=True)
class Region:
    """``R = {(a, b): a >= A, -L <= b <= U}`` for the groups ``mu_1 = a`` and ``mu_2 = ... = mu_n = b``."""

    n: int
    A: str
    L: str
    U: str

    @property
    def multiplicities(self) -> tuple[int, int]:
        return (1, self.n - 1)

    @property
    def spread(self) -> str:
        """``max(L, U)``: the bound on ``|b|`` that Lemma T uses."""
        return max(self.L, self.U, key=Decimal)

    def contains(self, point: Sequence[flint.arb]) -> bool:
        """Whether every configuration in the balls ``point = (a, b)`` provably lies in ``R``."""
        a, b = point
        return bool(a >= exact_ball(self.A) and b >= -exact_ball(self.L) and b <= exact_ball(self.U))

    def excludes(self, point: Sequence[flint.arb]) -> bool:
        """Whether every configuration in the balls ``point`` provably lies outside ``R``."""
        a, b = point
        return bool(a < exact_ball(self.A) or b < -exact_ball(self.L) or b > exact_ball(self.U))

    @property
    def group(self) -> str:
        """The group ``mu_2 = ... = mu_n`` in words."""
        return {2: "mu_2", 3: "mu_2 = mu_3"}.get(self.n, f"mu_2 = ... = mu_{self.n}")

    def words(self) -> str:
        return f"R = {{mu_1 >= {self.A}, -{self.L} <= {self.group} <= {self.U}}}"


# --------------------------------------------------------------------------- the two-group integrands


def _weights(x, a, b, k):
    """``P = w_1``, ``Q = 1 - P``, ``D = a - b`` and ``v = b + P D`` at ``x`` (``k = n - 1``)."""
    d = a - b
    p = 1 / (1 + k * (-(d * (x - (a + b) / 2))).exp())
    return p, 1 - p, d, b + p * d


def two_group_terms(x, a, b, k: int) -> list:
    """``[G_1, R]`` at ``x``: ``g_1 = E[G_1]`` and ``r = E[R]`` (module docstring), in the logistic form.

    ``G_1 = 2 P v phi_1``, ``phi_1 = 1 + (x - a) Q D``; ``R = P (-b + Q D (1 - v (x - b)))``.  Every term
    of ``R`` carries the factor ``P`` (no cancellation against ``b``), and ``P`` is a monotone function of one
    logit, so ball enclosures over parameter boxes stay tight.
    """
    p, q, d, v = _weights(x, a, b, k)
    return [2 * p * v * (1 + (x - a) * q * d), p * (q * d * (1 - v * (x - b)) - b)]


def cell_integral(terms: Callable, box: Sequence[flint.arb], k: int, cell: float) -> list[flint.arb]:
    """Balls holding ``E[terms(x)]`` for every configuration in ``box``, by an interval Riemann sum.

    ``int_cell f phi`` lies in ``|cell|`` times the ball of ``f phi`` over the whole cell; beyond the cells,
    the Gaussian tail of ``growth_polynomial("gradient", R)``, which bounds both ``|G_1|`` and ``|R|``.
    Real balls only: a wide box costs accuracy, never validity.
    """
    a, b = box
    with flint.ctx.workprec(PREC):
        radius = flint.arb(max(float(abs(c).upper()) for c in box) * (1 + 1e-9))
        growth = growth_polynomial("gradient", radius)
        cut = cell * math.ceil(
            truncation_radius(-math.log10(CELL_TAIL), float(sum(growth, flint.arb(0)).upper())) / cell
        )
        norm = 1 / (2 * flint.arb.pi()).sqrt()
        cells = [flint.arb(-cut + (i + 0.5) * cell, cell / 2) for i in range(round(2 * cut / cell))]
        weights = flint.arb_mat([[cell * (-(x**2) / 2).exp() * norm for x in cells]])
        sums = weights * flint.arb_mat([terms(x, a, b, k) for x in cells])
        tail = flint.arb(0, two_sided_tail(growth, flint.arb(cut)).upper())
        return [sums[0, j] + tail for j in range(sums.ncols())]


# --------------------------------------------------------------------------- Lemma T: a >= a_max


@dataclass(frozen=True)
class TailBound:
    """Lemma T for ``a >= a_max``: ``|g_1| <= gradient`` and ``|r| <= remainder`` (module docstring)."""

    a_max: str
    gradient: str  # upper bounds, decimal strings
    remainder: str
    holds: bool  # a_max - eta * gradient >= A and remainder <= min(L, U)


def tail_bound(region: Region, a_max: str, eta: str, prec: int = 128) -> TailBound:
    """Lemma T in balls: ``2 E[P_i(z) 1{z > t0}]`` with ``t0 = (a_max - B) / 2``, ``B = max(L, U)``."""
    with flint.ctx.workprec(prec):
        top, b, step = exact_ball(a_max), exact_ball(region.spread), exact_ball(eta)
        t0 = (top - b) / 2
        if not t0 > 0:
            return TailBound(a_max, "inf", "inf", False)
        z = flint.arb_poly([0, 1])
        a = 2 * z + b
        p1 = 2 * a * (1 + (z + a) * (a + b))
        p2 = (a + 2 * b) + (a + b) * a * (z + b)

        def expectation(poly: flint.arb_poly) -> flint.arb:
            return 2 * sum((c * tail_moment(k, t0) for k, c in enumerate(poly.coeffs())), flint.arb(0))

        gradient, remainder = expectation(p1), expectation(p2)
        margin = min(exact_ball(region.L), exact_ball(region.U), key=lambda x: float(x.mid()))
        holds = bool(top - step * gradient >= exact_ball(region.A) and remainder <= margin)
        return TailBound(a_max, _upper(gradient), _upper(remainder), holds)


def _upper(x: flint.arb) -> str:
    return x.upper().str(6, radius=False) if x.is_finite() else "inf"


def smallest_a_max(region: Region, eta: str) -> str:
    """The smallest ``A + j`` (``j = 1, 2, ...``) at which Lemma T holds, or ``""`` if none up to ``A + 40``."""
    for j in range(1, 41):
        a_max = str(Decimal(region.A) + j)
        if tail_bound(region, a_max, eta).holds:
            return a_max
    return ""


# --------------------------------------------------------------------------- branch and bound


@dataclass(frozen=True)
class TrappingProof:
    """The outcome of :func:`prove_trapping`: whether ``F(R) <= R`` is proven, and what was computed."""

    region: Region
    eta: str
    a_max: str
    proven: bool
    boxes: int  # boxes of [A, a_max] x [-L, U] whose image was proven inside R
    failure: str  # "" when proven; else why not
    witness: str  # a point of R that F provably maps outside R, when one was found
    tail: TailBound | None
    seconds: float
    method: str


def _tiles(region: Region, a_max: str, cell: str) -> list[list[flint.arb]]:
    """Boxes covering ``[A, a_max] x [-L, U]``: unions of balls enclosing exact rational cell ends."""
    low, top, size = (Fraction(Decimal(x)) for x in (region.A, a_max, cell))
    bottom, ceiling = -Fraction(Decimal(region.L)), Fraction(Decimal(region.U))
    columns = max(1, math.ceil((top - low) / size))
    rows = max(1, math.ceil((ceiling - bottom) / size))
    ball = lambda q: flint.arb(flint.fmpq(q.numerator, q.denominator))  # noqa: E731
    with flint.ctx.workprec(PREC):
        a_ends = [ball(low + (top - low) * i / columns) for i in range(columns + 1)]
        b_ends = [ball(bottom + (ceiling - bottom) * j / rows) for j in range(rows + 1)]
    return [
        [a_ends[i].union(a_ends[i + 1]), b_ends[j].union(b_ends[j + 1])] for i in range(columns) for j in range(rows)
    ]


def _conditions(box: Sequence[flint.arb], region: Region, eta: flint.arb) -> tuple[bool, bool]:
    """Whether ``F(box)`` provably satisfies ``a >= A`` (first) and ``-L <= b <= U`` (second).

    ``F_1 = a - eta g_1 >= a_lo - eta sup g_1`` and ``F_2 = (1 - c) b - c r`` with ``c = 2 eta / (n - 1)``
    (Lemma R), so ``F_2`` lies between ``(1 - c) b_lo - c sup r`` and ``(1 - c) b_hi - c inf r``.
    """
    g1, r = cell_integral(two_group_terms, box, region.n - 1, CELL)
    with flint.ctx.workprec(PREC):
        c = 2 * eta / (region.n - 1)
        a_part = bool(flint.arb(box[0].lower()) - eta * g1 >= exact_ball(region.A))
        high = (1 - c) * flint.arb(box[1].upper()) - c * r
        low = (1 - c) * flint.arb(box[1].lower()) - c * r
        b_part = bool(high <= exact_ball(region.U) and low >= -exact_ball(region.L))
    return a_part, b_part


def prove_trapping(
    region: Region, eta: str, *, a_max: str | None = None, cell: str = "0.25", max_depth: int = 10
) -> TrappingProof:
    """Try to prove ``F(R) <= R`` for GD ``F(c) = c - eta g(c)`` on the two groups (module docstring).

    ``[A, a_max] x [-L, U]`` is tiled by ``cell``-sized boxes; a box not yet proven is bisected (longer side
    first) up to ``max_depth`` times;
    ``a >= a_max`` is Lemma T (``a_max``: the smallest ``A + j`` where it holds, unless given).  The search
    stops at the first box that fails at the deepest level, and looks there for a witness of non-invariance.
    """
    clock = time.perf_counter()
    a_max = a_max or smallest_a_max(region, eta)
    tail = tail_bound(region, a_max, eta) if a_max else None
    with flint.ctx.workprec(PREC):
        step = exact_ball(eta)
    if region.n < 2 or not 2 * Decimal(eta) <= region.n - 1:
        failure = "Lemma R needs n >= 2 and c = 2 eta / (n - 1) <= 1"
    elif tail is None or not tail.holds:
        failure = f"Lemma T does not close for a_max up to {Decimal(region.A) + 40}"
    else:
        failure = ""
    queue = [(box, 0) for box in _tiles(region, a_max, cell)] if not failure else []
    verified, witness = 0, ""
    while queue:
        box, depth = queue.pop()
        if all(_conditions(box, region, step)):
            verified += 1
            continue
        if depth >= max_depth:
            failure = f"no proof on the box a in {box[0].str(6)}, b in {box[1].str(6)} (depth {depth})"
            witness = _witness(box, region, a_max, step)
            break
        axis = 0 if box[0].rad() >= box[1].rad() else 1
        middle = flint.arb(box[axis].mid())
        for half in (flint.arb(box[axis].lower()).union(middle), middle.union(flint.arb(box[axis].upper()))):
            queue.append(([half if j == axis else box[j] for j in range(2)], depth + 1))
    return TrappingProof(
        region,
        eta,
        a_max,
        not failure,
        verified,
        failure,
        witness,
        tail,
        time.perf_counter() - clock,
        f"branch and bound over [{region.A}, {a_max}] x [-{region.L}, {region.U}]: interval Riemann sums of the "
        f"logistic-form integrands ({PREC}-bit python-flint balls, cells of 2^-6, proven Gaussian tail); "
        f"Lemma T (closed-form Gaussian tail moments) for mu_1 >= {a_max}",
    )


def _witness(box: Sequence[flint.arb], region: Region, a_max: str, eta: flint.arb, count: int = 12) -> str:
    """A point of ``R`` that ``F`` provably maps outside ``R``, or ``""``: the failing box's corners and centre,
    then ``count + 1`` points along each edge of ``[A, a_max] x [-L, U]`` (proven quadrature at each point)."""
    low, top, bottom, ceiling = (Fraction(Decimal(x)) for x in (region.A, a_max, "-" + region.L, region.U))
    ends = [[_dyadic(x.lower()), _dyadic(x.mid()), _dyadic(x.upper())] for x in box]
    points = [(x, y) for x in ends[0] for y in ends[1]]
    for j in range(count + 1):
        along_a, along_b = low + (top - low) * j / count, bottom + (ceiling - bottom) * j / count
        points += [(low, along_b), (along_a, ceiling), (along_a, bottom)]
    for point in points:
        if not (point[0] >= low and bottom <= point[1] <= ceiling):
            continue
        with flint.ctx.workprec(PREC):
            p = [flint.arb(flint.fmpq(x.numerator, x.denominator)) for x in point]
            tiny = [flint.arb(x.mid(), 1e-12 * (1 + abs(float(x.mid())))) for x in p]
            g = apply_rule(build_rule("gradient", tiny, region.multiplicities, 12, PREC), p, PREC)
            image = [x - eta * gj for x, gj in zip(p, g)]
        if region.excludes(image):
            return (
                f"F(mu_1 = {float(point[0]):.8g}, mu_2 = {float(point[1]):.8g}) = ({image[0].str(8)}, "
                f"{image[1].str(8)}) lies outside R"
            )
    return ""


def _dyadic(x: flint.arb) -> Fraction:
    """The exact value of a ball's (dyadic) midpoint."""
    man, exp = x.mid().man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


# --------------------------------------------------------------------------- the refutation


def away_start(n: int, m0: str, eps_scale: str, prec: int) -> GroupLine:
    """Theorem 3.4's away start in ``d = 1``: ``mu_1 = M0 + exp(-M0 / eps_scale)``, ``mu_2 = ... = mu_n = M0``."""
    with flint.ctx.workprec(prec):
        centre = exact_ball(m0)
        first = centre + (-centre / exact_ball(eps_scale)).exp()
    return GroupLine((first, centre), (1, n - 1), ((0,), tuple(range(1, n))), (flint.arb(1),))


@dataclass(frozen=True)
class TrappedRun:
    """A validated trajectory run until its enclosure lies in ``R`` (or to its budget), and the proof about ``R``."""

    trajectory: ValidatedResult
    proof: TrappingProof
    entry: int | None  # first step whose enclosure provably lies in R; None if none within the budget

    @property
    def refutes(self) -> bool:
        """``F(R) <= R`` is proven and the trajectory provably enters ``R``: ``mu_1 >= A`` from then on."""
        return self.proof.proven and self.entry is not None


def trapped_run(line: GroupLine, region: Region, eta: str, steps: int, *, dps: int = 10) -> TrappedRun:
    """Prove ``F(R) <= R``; then enclose GD from ``line`` until the enclosure lies in ``R`` (at most ``steps``).

    When the proof fails, the trajectory runs its whole budget (the enclosure at the horizon is the evidence).
    """
    proof = prove_trapping(region, eta)
    until = (lambda step, hull: region.contains(hull)) if proof.proven else None
    trajectory = validated_gd(line, eta, steps, dps=dps, until=until)
    entry = trajectory.steps if trajectory.stopped == "until" else None
    return TrappedRun(trajectory, proof, entry)
