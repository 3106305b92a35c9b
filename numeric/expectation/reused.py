"""Loss and gradient from a reused rule in compiled calls: the inner step of gradient descent in the fast tier.

Gradient descent sums one small tensor rule again at every step while the parameters stay in its box
(:class:`numeric.expectation.cubature.tensor.ReusableRule`).  Summing the rule's ~700 nodes takes ~25 us; written
as numpy calls, the work around it (the reduction onto the rule's basis, the box check, the loss and gradient
assembled from the reduced sums, equal parameters given equal gradients) took ~20 us more, in a few dozen calls on
arrays of five rows.  Here that work is two compiled loops, :func:`_project` and :func:`_assemble`, on either side
of the compiled sums (:func:`numeric.expectation.integrand.weighted_sums_compiled`'s kernel): 60 -> 29 us a step at
the paper's configuration (2026-12-04).  They compute what ``reduce_onto``, ``ReusableRule.covers`` and
``numeric.model``'s assembly compute, in loops instead of matrix products, so they agree with them to rounding
(tested), not bit for bit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from numeric.expectation.compiled import compile_kernel
from numeric.expectation.integrand import compiled_sums
from numeric.expectation.reduction import SPREAD_ROUNDING

__all__ = ["reused_loss_and_gradient"]


def reused_loss_and_gradient(
    mu: np.ndarray, basis: np.ndarray, points: np.ndarray, slack: np.ndarray, nodes: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray] | None:
    """Loss and gradient ``(n, d)`` at ``mu`` from the rule ``nodes``, ``weights`` built for the reduced points
    ``points`` in ``basis`` (``d x r``), or None when ``mu`` leaves the rule's box (``|b_i - points_i| <= slack``
    along each axis) or the differences leave the basis' span (as ``reduce_onto`` refuses).  Arrays C-ordered."""
    n, r = points.shape
    reduced = np.empty(r + n * r + mu.shape[1] + n)  # center, offsets, orth, logit intercepts
    project, assemble = _kernels()
    if not project(mu, basis, points, slack, reduced):
        return None
    center, offsets = reduced[:r], reduced[r : r + n * r].reshape(n, r)
    orth, intercepts = reduced[r + n * r : -n], reduced[-n:]
    values = compiled_sums(nodes, weights, center, offsets, intercepts)
    grad = np.empty_like(mu)
    loss = assemble(mu, basis, orth, values, grad)
    return loss, grad


@functools.cache
def _kernels() -> tuple[Callable, Callable]:
    """:func:`_project` and :func:`_assemble` compiled for C-ordered float arrays, one signature each."""

    def project_signature(numba):
        array1, array2 = numba.float64[::1], numba.float64[:, ::1]
        return numba.boolean(array2, array2, array2, array1, array1)

    def assemble_signature(numba):
        array1, array2 = numba.float64[::1], numba.float64[:, ::1]
        return numba.float64(array2, array2, array1, array1, array2)

    return compile_kernel(_project, project_signature), compile_kernel(_assemble, assemble_signature)


def _project(mu, basis, points, slack, reduced):  # pragma: no cover - runs compiled (and as Python)
    """``reduce_onto(mu, basis)`` and the box check: writes center, offsets, orth and the logits' constants
    (``logit_intercepts``) into ``reduced``; False if the differences leave the span or a point leaves the box."""
    n, d = mu.shape
    r = basis.shape[1]
    mean = np.zeros(d)
    largest = 0.0
    for i in range(n):
        for a in range(d):
            mean[a] += mu[i, a]
            largest = max(largest, abs(mu[i, a]))
    mean /= n
    center, orth = reduced[:r], reduced[r + n * r : r + n * r + d]
    offsets = reduced[r : r + n * r].reshape(n, r)
    intercepts = reduced[r + n * r + d :]
    outside = 0.0
    for i in range(n):
        for k in range(r):
            total = 0.0
            for a in range(d):
                total += (mu[i, a] - mean[a]) * basis[a, k]
            offsets[i, k] = total
        if d > r:  # a square basis spans every difference
            for a in range(d):
                inside = 0.0
                for k in range(r):
                    inside += offsets[i, k] * basis[a, k]
                outside += (mu[i, a] - mean[a] - inside) ** 2
    if not math.sqrt(outside) <= SPREAD_ROUNDING * (1.0 + largest):  # what reduce_float would drop (and NaN)
        return False
    for k in range(r):
        total = 0.0
        for a in range(d):
            total += basis[a, k] * mean[a]
        center[k] = total
    for a in range(d):
        inside = 0.0
        for k in range(r):
            inside += basis[a, k] * center[k]
        orth[a] = mean[a] - inside
    for i in range(n):
        tilt, square = 0.0, 0.0
        for k in range(r):
            if not abs(center[k] + offsets[i, k] - points[i, k]) <= slack[k]:  # NaN is outside too
                return False
            tilt += offsets[i, k] * center[k]
            square += offsets[i, k] * offsets[i, k]
        intercepts[i] = -tilt - 0.5 * square
    return True


def _assemble(mu, basis, orth, values, grad):  # pragma: no cover - runs compiled (and as Python)
    """The loss, returned, and the gradient, into ``grad``, from the reduced expectations ``values`` (as
    ``numeric.model``'s assembly): ``grad_i = G_i basis^T + 2 (E[w_i] - E[w_i s_i]) orth``, and exactly equal
    parameters get the mean of their gradients (equal mathematically; rounding must not split them)."""
    n, d = mu.shape
    r = basis.shape[1]
    for i in range(n):
        factor = 2.0 * (values[1 + n * r + i] - values[1 + n * r + n + i])
        for a in range(d):
            total = 0.0
            for k in range(r):
                total += values[1 + i * r + k] * basis[a, k]
            grad[i, a] = total + factor * orth[a]
    grouped = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if grouped[i]:
            continue
        members = [i]
        for j in range(i + 1, n):
            same = True
            for a in range(d):
                same = same and mu[j, a] == mu[i, a]
            if same:
                members.append(j)
                grouped[j] = True
        if len(members) > 1:
            for a in range(d):
                total = 0.0
                for j in members:
                    total += grad[j, a]
                for j in members:
                    grad[j, a] = total / len(members)
    square = 0.0
    for a in range(d):
        square += orth[a] * orth[a]
    return values[0] + square
