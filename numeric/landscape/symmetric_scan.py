"""Stationary points of ``L`` on symmetric families of configurations: found, certified, classified.

A family is the fixed subspace ``{P theta}`` of a group of symmetries of ``L`` acting on one-dimensional
configurations ``a`` (every ``a_i`` on a line through the truth).  ``L`` is invariant under permuting the
parameters and under ``a -> -a`` (the standard Gaussian is symmetric), so its gradient is equivariant
and at a fixed point it is fixed too: it lies in ``range(P)``.  Hence ``P^T g(P theta) = 0`` (the
gradient of ``theta -> L(P theta)``) implies ``g = 0``: stationary points of the restricted loss are
stationary points of ``L`` (in every dimension ``d``: the reflections ``e_k -> -e_k`` kill the
perpendicular components).  The families (``P`` has entries in ``{-1, 0, 1}``):

* ``antipodal``: ``(s, -s, 0, ..., 0)`` (Theorem 3.1's family), fixed by ``a -> -a`` with ``a_1 <-> a_2``;
* ``two-groups``: ``k`` parameters at ``a`` and ``n - k`` at ``b``, fixed by permutations within groups;
* ``mirror``: ``a_i = -a_{n+1-i}`` (equally spaced lines are members), fixed by ``a -> -a`` with the
  order reversed.

Each root is found by damped Newton in double precision from a grid of starts, then *certified* by a
Krawczyk step on python-flint balls: with ``X = theta~ + [-r, r]^p``, ``Y ~ J(theta~)^{-1}`` and
``J(X) = P^T H_par(P X) P`` enclosed over the box, ``K = theta~ - Y F(theta~) + (I - Y J(X)) (X - theta~)``
inside ``X`` proves that ``X`` holds exactly one root, inside ``K``.  Over ``K`` the loss and both
Hessian blocks are enclosed (:mod:`numeric.landscape.hessian`) and classified by their inertia.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import flint
import numpy as np

from numeric.expectation.tiers import precision_bits
from numeric.landscape.hessian import (
    LineEnclosures,
    gradient_derivative_enclosure,
    hessian_blocks_float,
    inertia,
    line_enclosures,
    line_value_enclosure,
)
from numeric.model import loss_and_gradient_float

__all__ = [
    "Family",
    "families",
    "antipodal",
    "two_groups",
    "mirror",
    "find_roots",
    "point_key",
    "tied",
    "Stationary",
    "certify",
    "classify_region",
    "kind_of",
    "morse_index",
]

ROOT_TOLERANCE = 1e-6  # a double-precision root is off by ~1e-10; a first step this large means "not a root"
BOUND = 10.0
TRUTH_RADIUS = 1e-2  # roots farther out are artefacts: gradients there are Gaussian tails below double precision


@dataclass(frozen=True)
class Family:
    """``a = P theta``: a name, the matrix ``P`` (``n x p``, entries in {-1, 0, 1}) and where to start looking."""

    name: str
    P: tuple[tuple[int, ...], ...]
    starts: tuple[tuple[float, ...], ...] = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.P)

    def configuration(self, theta: Sequence) -> list:
        """``P theta`` in any number type."""
        return [sum((q * t for q, t in zip(row, theta) if q), 0 * theta[0]) for row in self.P]


def antipodal(n: int) -> Family:
    """``(s, -s, 0, ..., 0)``; starts ``s`` on a grid in ``(0, 8]`` (``s -> -s`` is the same point)."""
    P = ((1,), (-1,)) + ((0,),) * (n - 2)
    return Family("antipodal", P, tuple((0.25 * k,) for k in range(1, 33)))


def two_groups(n: int, k: int) -> Family:
    """``k`` parameters at ``a``, ``n - k`` at ``b``; starts on a grid in ``[-6, 6]^2`` above the diagonal."""
    P = ((1, 0),) * k + ((0, 1),) * (n - k)
    grid = np.linspace(-6, 6, 13)
    return Family(f"two-groups k={k}", P, tuple((float(a), float(b)) for a in grid for b in grid if a > b))


def mirror(n: int, seed: int = 0, random_starts: int = 24) -> Family:
    """``a_i = -a_{n+1-i}``; starts: equally spaced lines ``s (2i/(n-1) - 1)`` and seeded random points."""
    p = n // 2
    P = tuple(tuple(int(j == i) - int(j == n - 1 - i) for j in range(p)) for i in range(n))
    lines = [tuple(s * (1 - 2 * j / (n - 1)) for j in range(p)) for s in np.linspace(0.5, 8, 16)]
    rng = np.random.default_rng(seed)
    scattered = [tuple(rng.uniform(-6, 6, p)) for _ in range(random_starts)]
    return Family("mirror", P, tuple(lines + scattered))


def families(n: int, names: Sequence[str], seed: int = 0) -> list[Family]:
    """The named families for ``n`` parameters (``two-groups`` expands to every ``k <= n/2``)."""
    built = {
        "antipodal": lambda: [antipodal(n)],
        "two-groups": lambda: [two_groups(n, k) for k in range(1, n // 2 + 1)],
        "mirror": lambda: [mirror(n, seed)],
    }
    return [family for name in names for family in built[name]()]


def _restricted(family: Family, theta: np.ndarray) -> np.ndarray:
    a = np.array(family.configuration(list(theta)), dtype=float)
    return np.array(family.P, dtype=float).T @ loss_and_gradient_float(a[:, None], False)[1][:, 0]


def _jacobian(family: Family, theta: np.ndarray, step: float = 1e-6) -> np.ndarray:
    columns = []
    for k in range(len(theta)):
        e = np.zeros(len(theta))
        e[k] = step
        columns.append((_restricted(family, theta + e) - _restricted(family, theta - e)) / (2 * step))
    return np.array(columns).T


def _newton(
    family: Family, theta: np.ndarray, known: Sequence[np.ndarray] = (), iterations: int = 40
) -> np.ndarray | None:
    """Damped Newton on ``F = P^T g``, halving steps until ``|F|`` drops; None unless it converges.

    A run that comes within ``1e-4`` of a ``known`` root stops there (None): it would find it again.  So
    does one that enters ``|theta| < TRUTH_RADIUS``: it is converging (linearly, the truth's Hessian is
    singular) to the truth, which the scan leaves out.
    """
    value = _restricted(family, theta)
    for _ in range(iterations):
        if any(np.max(np.abs(theta - root)) < 1e-4 for root in known) or np.max(np.abs(theta)) < TRUTH_RADIUS:
            return None
        try:
            step = np.linalg.solve(_jacobian(family, theta), value)
        except np.linalg.LinAlgError:
            return None
        for _ in range(12):
            trial = theta - step
            trial_value = _restricted(family, trial)
            if np.linalg.norm(trial_value) < np.linalg.norm(value) or np.linalg.norm(step) < 1e-13:
                break
            step = step / 2
        else:  # no decrease along the Newton direction: stalled
            return None
        theta, value = trial, trial_value
        if np.max(np.abs(theta)) > BOUND:
            return None
        if np.linalg.norm(step) < 1e-12 * (1 + np.linalg.norm(theta)) and np.linalg.norm(value) < 1e-10:
            return theta
    return None


def point_key(a: Sequence[float]) -> tuple:
    """The same point up to permutations and ``a -> -a``."""
    values = np.round(np.asarray(a, dtype=float), 6) + 0.0
    return min(tuple(np.sort(values)), tuple(np.sort(-values) + 0.0))


def find_roots(family: Family) -> list[np.ndarray]:
    """Distinct roots of ``P^T g(P theta)`` from the family's starts (double precision, not the truth)."""
    found: dict[tuple, np.ndarray] = {}
    for start in family.starts:
        theta = _newton(family, np.array(start, dtype=float), list(found.values()))
        if theta is None:
            continue
        a = family.configuration(list(theta))
        key = point_key(a)
        if max(abs(x) for x in a) > 1e-6 and key not in found:
            found[key] = theta
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class Stationary:
    """A certified (or not) stationary point on a family, with its loss and classification."""

    n: int
    configuration: tuple[float, ...]
    dps: int
    certified: bool
    enclosure: tuple[flint.arb, ...] | None  # encloses the unique root near ``configuration`` (Krawczyk)
    loss: flint.arb | None  # encloses L at the root
    parallel_inertia: tuple[int, int, int] | None  # H_par: (negative, zero, positive), proven
    perpendicular_inertia: tuple[int, int, int] | None  # H_perp, with its rotation null vector counted
    parallel_eigenvalues: tuple[float, ...]  # double-precision estimates (central differences)
    perpendicular_eigenvalues: tuple[float, ...]
    eigenvalue_error: float
    box_radius: float

    def kind(self, d: int) -> str:
        """'local minimum', 'local maximum' or 'saddle (index k)' in dimension ``d``; '?' if unproven."""
        return kind_of(self.parallel_inertia, self.perpendicular_inertia, d)


def kind_of(parallel: tuple[int, int, int] | None, perpendicular: tuple[int, int, int] | None, d: int) -> str:
    """The point's kind in dimension ``d`` from the inertia of its Hessian blocks ('?' if unproven)."""
    index = morse_index(parallel, perpendicular, d)
    if index is None:
        return "?"
    negative, zero, size = index
    if negative == 0:  # exact zero modes (rotations, coincident splits) leave higher orders to decide
        return "local minimum" if zero == 0 else "no descent direction to second order"
    return "local maximum" if negative == size else f"saddle (index {negative})"


def morse_index(
    parallel: tuple[int, int, int] | None, perpendicular: tuple[int, int, int] | None, d: int
) -> tuple[int, int, int] | None:
    """``(negative, zero, size)`` eigenvalue counts of the full ``nd x nd`` Hessian, or None if unproven."""
    if parallel is None or (d > 1 and perpendicular is None):
        return None
    negative, zero = parallel[0], parallel[1]
    if perpendicular is not None and d > 1:
        negative += (d - 1) * perpendicular[0]
        zero += (d - 1) * perpendicular[1]
    return negative, zero, sum(parallel) * d


def tied(a: Sequence[float], tolerance: float = 1e-7) -> Family:
    """The family that keeps ``a``'s coincident parameters together: one column per class of equal values.

    Permutations within each class are symmetries of ``L``, so this is a family in the sense above; it
    has the most structure a root can be certified in without knowing which family found it.
    """
    classes: list[list[int]] = []
    for i in sorted(range(len(a)), key=lambda i: a[i]):
        if classes and abs(a[i] - a[classes[-1][0]]) <= tolerance * (1 + abs(a[i])):
            classes[-1].append(i)
        else:
            classes.append([i])
    P = tuple(tuple(int(i in members) for members in classes) for i in range(len(a)))
    return Family("tied", P, ())


def certify(a: Sequence[float], dps: int = 30) -> Stationary:
    """Refine a double-precision root ``a`` with ball evaluations, prove a unique root nearby, classify it.

    The proof is a Krawczyk step in the :func:`tied` family of ``a`` (coincident parameters stay tied,
    as they do under gradient descent); a root there is a stationary point of ``L`` (module docstring).
    """
    family = tied(a)
    P = np.array(family.P, dtype=float)
    theta = np.linalg.lstsq(P, np.asarray(a, dtype=float), rcond=None)[0]
    hp, hq, error = hessian_blocks_float(family.configuration(list(theta)))
    with flint.ctx.workprec(precision_bits(dps)):
        Y = np.linalg.inv(P.T @ hp @ P)
        centre = [flint.arb(x) for x in theta]
        for _ in range(12):  # simplified Newton on ball evaluations: each pass gains ~ -log10|I - Y J| digits
            F = _restricted_ball(family, centre, dps)
            step = [sum((flint.arb(Y[k, j]) * F[j] for j in range(len(F))), flint.arb(0)) for k in range(len(F))]
            size = max(float(abs(s).upper()) for s in step)
            if size < 10.0 ** (-(dps - 6)) or size > ROOT_TOLERANCE:  # done, or ``a`` was not a root
                break
            centre = [flint.arb((c - s).mid()) for c, s in zip(centre, step)]
        radius = max(10.0 ** (-(dps - 10)), 1e3 * max(float(abs(s).upper()) for s in step))
        box = [flint.arb(c.mid(), radius) for c in centre]
        proof = _krawczyk(family, centre, box, Y, dps) if size <= ROOT_TOLERANCE else None
        certified = proof is not None
        region = family.configuration(proof if proof is not None else box)
    enclosures, parallel, perpendicular = classify_region(region, family, dps) if certified else (None, None, None)
    return Stationary(
        n=family.n,
        configuration=tuple(float(x.mid()) for x in family.configuration(centre)),
        dps=dps,
        certified=certified,
        enclosure=tuple(region) if certified else None,
        loss=enclosures.loss if enclosures else None,
        parallel_inertia=parallel,
        perpendicular_inertia=perpendicular,
        parallel_eigenvalues=tuple(np.linalg.eigvalsh(hp)),
        perpendicular_eigenvalues=tuple(np.linalg.eigvalsh(hq)),
        eigenvalue_error=error,
        box_radius=radius,
    )


def classify_region(
    region: Sequence[flint.arb], family: Family, dps: int
) -> tuple[LineEnclosures, tuple[int, int, int] | None, tuple[int, int, int] | None]:
    """Loss and Hessian blocks over ``region`` (balls holding a proven stationary point whose coincident
    parameters are ``family``'s classes), and the proven inertia of ``H_par`` and ``H_perp``."""
    enclosures = line_enclosures(region, dps)
    return (
        enclosures,
        inertia(enclosures.parallel),
        _perpendicular_inertia(enclosures.perpendicular, region, family, dps),
    )


def _restricted_ball(family: Family, theta: Sequence[flint.arb], dps: int) -> list[flint.arb]:
    """``P^T g(P theta)`` as balls."""
    gradient = line_value_enclosure(family.configuration(theta), dps)[1]
    return [sum((q * g for q, g in zip(column, gradient) if q), flint.arb(0)) for column in zip(*family.P)]


def _krawczyk(
    family: Family, centre: Sequence[flint.arb], box: Sequence[flint.arb], Y: np.ndarray, dps: int
) -> list[flint.arb] | None:
    """The Krawczyk image of ``box`` if it lies in the box's interior (a proof), else None."""
    p = len(centre)
    a = family.configuration(box)
    columns = [gradient_derivative_enclosure(a, [row[k] for row in family.P], range(family.n), dps) for k in range(p)]
    J = [
        [sum((q * columns[k][i] for i, q in enumerate(column) if q), flint.arb(0)) for k in range(p)]
        for column in zip(*family.P)
    ]
    F = _restricted_ball(family, centre, dps)
    Yb = [[flint.arb(Y[i, j]) for j in range(p)] for i in range(p)]
    image = []
    for i in range(p):
        value = centre[i] - sum((Yb[i][j] * F[j] for j in range(p)), flint.arb(0))
        for k in range(p):
            coupling = int(i == k) - sum((Yb[i][j] * J[j][k] for j in range(p)), flint.arb(0))
            value += coupling * (box[k] - centre[k])
        if not box[i].contains_interior(value):
            return None
        image.append(value)
    return image


def _perpendicular_inertia(
    block: Sequence[Sequence[flint.arb]], a: Sequence[flint.arb], family: Family, dps: int
) -> tuple[int, int, int] | None:
    """Inertia of ``H_perp`` at a stationary point, counting its known exact null vectors as zeros.

    Null vectors: the rotation direction ``a`` (``H_perp a = g = 0``) and, within each class of ``m``
    coincident parameters, the ``m - 1`` differences ``e_i - e_j`` (their rows of ``H_perp`` are equal).
    Adding ``N``, the orthogonal projector onto their span (an invariant subspace, so ``N`` commutes
    with ``H_perp``), turns those zeros into ones and leaves the other eigenvalues alone; the inertia
    of ``H_perp + N``, proven by :func:`inertia`, then gives ``H_perp``'s.
    """
    n = len(a)
    with flint.ctx.workprec(precision_bits(dps)):
        norm = sum((x * x for x in a), flint.arb(0))
        shifted = [[block[i][j] + a[i] * a[j] / norm for j in range(n)] for i in range(n)]
        zeros = 1
        for members in zip(*family.P):
            size = sum(members)
            zeros += size - 1
            for i in range(n):
                for j in range(n):
                    if members[i] and members[j]:
                        shifted[i][j] += flint.arb(int(i == j)) - flint.arb(1) / size
        signs = inertia(shifted)
    if signs is None:
        return None
    negative, _, positive = signs
    return negative, zeros, positive - zeros
