"""The model's integrands on the reduced space, vectorized (numpy) and scalar (balls or mpf).

After the span reduction (see :mod:`numeric.expectation.reduction`) the parameters are ``b_i = center + delta_i`` in
``R^r`` and ``y ~ N(0, I_r)``.  With logits ``l_i = <y - center, delta_i> - |delta_i|^2 / 2``,
``w = softmax(l)``, ``v = center + sum_j w_j delta_j`` and ``s_i = <delta_i - sum_j w_j delta_j, v>``
(``= <b_i, v> - |v|^2``, written through offsets so that nearly equal parameters lose no digits), the
outputs at one node are, in this order::

    |v|^2,   2 (w_i v + w_i (y - b_i) s_i)  for each i (r entries each),   w_i,   w_i s_i

Their Gaussian expectations give the loss and the direct-form gradient (docs/claims.md, section 2).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import flint
import mpmath
import numpy as np

from numeric.expectation.compiled import compile_kernel

if TYPE_CHECKING:
    from numeric.expectation.tiers import Tier

__all__ = [
    "output_count",
    "integrand_float",
    "integrand_scalar",
    "integrand_line",
    "line_weights",
    "thread_views",
    "logit_intercepts",
    "weighted_sums_float",
    "weighted_sums_compiled",
    "compiled_sums",
    "compiled_kernels",
    "weighted_outputs",
    "COMPILED_WORK",
    "growth_bound",
    "tail_bound",
]


def output_count(n: int, r: int) -> int:
    """Number of integrand outputs for ``n`` parameters in ``r`` reduced dimensions."""
    return 1 + n * r + 2 * n


def logit_intercepts(center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The logits' constants: ``l_i(y) = <y, delta_i> + intercept_i`` with ``intercept_i = -<center, delta_i> -
    |delta_i|^2 / 2`` (module docstring)."""
    return -(offsets @ center) - 0.5 * np.einsum("ij,ij->i", offsets, offsets)


def integrand_float(y: np.ndarray, center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """All outputs at the nodes ``y`` (shape ``(N, r)``, real or complex); returns ``(N, K)``."""
    n, r = offsets.shape
    shifted = y - center
    logits = shifted @ offsets.T - 0.5 * np.sum(offsets * offsets, axis=1)
    logits = logits - np.max(logits.real, axis=1, keepdims=True)
    e = np.exp(logits)
    w = e / np.sum(e, axis=1, keepdims=True)
    mean_offset = w @ offsets
    v = center + mean_offset
    s = np.einsum("nir,nr->ni", offsets[None, :, :] - mean_offset[:, None, :], v)
    ws = w * s
    grad = 2.0 * (w[:, :, None] * v[:, None, :] + ws[:, :, None] * (shifted[:, None, :] - offsets[None, :, :]))
    return np.concatenate([np.sum(v * v, axis=1)[:, None], grad.reshape(len(y), n * r), w, ws], axis=1)


def integrand_scalar(y: Sequence, center: Sequence, offsets: Sequence[Sequence], exp: Callable, reference: int) -> list:
    """All outputs at one node, in any number type with ``exp`` (arb, acb, mpf).

    ``reference`` is the index of a logit at least as large as the others near ``y``.  Everything is
    written relative to it (its exponential is exactly 1, the others are ``exp`` of logit differences,
    the mean offset is the reference offset plus weighted differences), so the far-away terms stay tiny
    instead of huge and ball enclosures do not suffer from dependent cancellations.
    """
    r = len(center)
    shifted = [y[k] - center[k] for k in range(r)]
    base = offsets[reference]
    gaps = [[d[k] - base[k] for k in range(r)] for d in offsets]
    e = [
        exp(
            sum((shifted[k] * g[k] for k in range(1, r)), shifted[0] * g[0])
            - sum((g[k] * (base[k] + g[k] / 2) for k in range(1, r)), g[0] * (base[0] + g[0] / 2))
        )
        if i != reference
        else 1
        for i, g in enumerate(gaps)
    ]
    inverse = 1 / sum(e[1:], e[0])
    w = [ei * inverse for ei in e]
    mean_offset = [base[k] + sum((w[i] * gaps[i][k] for i in range(len(w))), 0 * base[k]) for k in range(r)]
    v = [center[k] + mean_offset[k] for k in range(r)]
    loss = sum((vk * vk for vk in v[1:]), v[0] * v[0])
    grad: list = []
    ws: list = []
    for i, d in enumerate(offsets):
        s = sum(((d[k] - mean_offset[k]) * v[k] for k in range(1, r)), (d[0] - mean_offset[0]) * v[0])
        wsi = w[i] * s
        ws.append(wsi)
        grad.extend(2 * (w[i] * v[k] + wsi * (shifted[k] - d[k])) for k in range(r))
    return [loss] + grad + w + ws


def growth_bound(radius):
    """Coefficients ``(A, B)`` with ``|output| <= A + B |y|`` for parameters of norm at most ``radius``.

    ``|v| <= R``, ``|s_i| <= 2 R^2``, ``w_i <= 1``, so ``|2(w_i v + w_i (y - b_i) s_i)| <= 2R + 4R^2 (|y| + R)``.
    Works for floats and for balls (an upper bound ``radius`` gives upper bounds).
    """
    return 1 + 2 * radius + 3 * radius**2 + 4 * radius**3, 4 * radius**2


def tail_bound(param_radius: float, cut: float, tier: Tier):
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


def integrand_line(y, center, offsets: Sequence, exp: Callable, reference: int) -> list:
    """:func:`integrand_scalar` for one reduced dimension, written out for speed (the high-precision hot path)."""
    u = y - center
    w, mean_offset = line_weights(u, offsets, exp, reference)
    v = center + mean_offset
    two_v = 2 * v
    ws = [wi * ((d - mean_offset) * v) for wi, d in zip(w, offsets)]
    grad = [wi * two_v + 2 * wsi * (u - d) for wi, wsi, d in zip(w, ws, offsets)]
    return [v * v] + grad + w + ws


def line_weights(u, offsets: Sequence, exp: Callable, reference: int) -> tuple[list, object]:
    """Softmax weights ``w_i`` at ``u = y - center`` in one reduced dimension and ``sum_i w_i offsets_i``.

    Written relative to the ``reference`` logit (see :func:`integrand_scalar`) so that balls stay tight.
    """
    base = offsets[reference]
    gaps = [d - base for d in offsets]
    e = [exp(g * (u - base - g / 2)) if i != reference else 1 for i, g in enumerate(gaps)]
    inverse = 1 / sum(e[1:], e[0])
    w = [ei * inverse for ei in e]
    return w, base + sum(wi * g for wi, g in zip(w, gaps))


def weighted_sums_float(
    y: np.ndarray, weights: np.ndarray, center: np.ndarray, offsets: np.ndarray, with_sizes: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``sum_k weights[k] F(y[:, k])`` for every output, and a bound of ``sum_k |weights[k] F(y[:, k])|``.

    The nodes come axis-major, ``y`` of shape ``(r, N)``.  The same numbers as ``weights @ integrand_float(y.T,
    ...)``, but the gradient block is assembled from matrix products (``(W w_i)^T v`` and so on) instead of an
    ``(N, n, r)`` array: the hot path of gradient descent.  The work is laid out parameter-major (``(n, N)``
    arrays): reductions over the ``n`` parameters then run along rows, several times faster in numpy than along
    short trailing axes; the shift ``y - center`` is folded into the logits' constants and the last product.
    The ``(n, N)`` and ``(r, N)`` intermediates live in a per-thread workspace (:func:`_workspace`).
    ``weights`` must be non-negative (every rule here has positive weights).
    ``with_sizes=False`` skips the bound (zeros), which only serves rounding estimates.
    """
    n, r = offsets.shape
    w, s, mean_offset, v, column, dot = _workspace(n, r, y.shape[1])
    np.matmul(offsets, y, out=w)  # the logits, then the weights
    w += logit_intercepts(center, offsets)[:, None]
    np.max(w, axis=0, out=column)
    w -= column
    np.exp(w, out=w)
    np.sum(w, axis=0, out=column)
    np.divide(1.0, column, out=column)
    w *= column
    np.matmul(offsets.T, w, out=mean_offset)
    np.add(mean_offset, center[:, None], out=v)
    np.matmul(offsets, v, out=s)  # s_i = <delta_i - mean_offset, v>: through offsets, so nearly equal parameters
    np.einsum("ij,ij->j", mean_offset, v, out=dot)  # lose no digits
    s -= dot
    w *= weights  # from here on w and s hold the weighted w_i and w_i s_i
    s *= w
    sum_ws = s.sum(axis=1)
    grad = 2.0 * (w @ v.T + s @ y.T - sum_ws[:, None] * (offsets + center))  # s (y - center - offsets_i) summed
    sum_w = w.sum(axis=1)
    np.einsum("ij,ij->j", v, v, out=dot)
    sums = np.concatenate([[dot @ weights], grad.ravel(), sum_w, sum_ws])
    if not with_sizes:
        return sums, np.zeros_like(sums)
    abs_ws = np.abs(s, out=s)
    shifted = np.abs(np.subtract(y, center[:, None], out=mean_offset), out=mean_offset)
    grad_size = 2.0 * (w @ np.abs(v.T) + abs_ws @ shifted.T + abs_ws.sum(axis=1)[:, None] * np.abs(offsets))
    sizes = np.concatenate([[sums[0]], grad_size.ravel(), sum_w, abs_ws.sum(axis=1)])
    return sums, sizes


#: Up to this many node-parameter pairs (``N n``) :func:`weighted_sums_compiled` is the faster; beyond, numpy's
#: vectorized arithmetic wins.  Measured at ``r = 3`` (2026-12-04, exp vectorized in both; runs vary by ~20%):
#: ``n = 5``: 29 vs 57 us at 700 nodes, 95 vs 126 at 2,000, 152 vs 204 at 3,000, 167 vs 138 at 3,500, 177 vs 142 at
#: 5,000; ``n = 3``: 72 vs 102 us at 3,000 nodes.
COMPILED_WORK = 15_000


def weighted_sums_compiled(y: np.ndarray, weights: np.ndarray, center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``weighted_sums_float(y, weights, center, offsets, with_sizes=False)[0]`` for small rules: the weighted
    outputs at every node from compiled loops (numba), summed by numpy.

    At a few hundred nodes numpy spends most of its time entering its thirty-odd calls, not computing: there this
    is about twice as fast (gradient descent sums a reused rule of ~700 nodes at every step).  The outputs are
    summed node by node in numpy's pairwise order, as accurate as ``weighted_sums_float``'s sums (summed in the
    loops, one after another, they were 3 to 5 times less); the gradient terms are formed at each node,
    ``2 (w_i v + w_i s_i (y - b_i))``, rather than as ``weighted_sums_float``'s differences of sums, so the two
    agree to rounding, not bit for bit.  For more than :data:`COMPILED_WORK` node-parameter pairs the numpy
    version is faster.  Compiled on first use and cached on disk.
    """
    y, weights, center, offsets = (np.ascontiguousarray(a) for a in (y, weights, center, offsets))
    return compiled_sums(y, weights, center, offsets, logit_intercepts(center, offsets))


def compiled_sums(
    y: np.ndarray, weights: np.ndarray, center: np.ndarray, offsets: np.ndarray, intercepts: np.ndarray
) -> np.ndarray:
    """:func:`weighted_sums_compiled` for C-ordered arrays and the logits' constants ``intercepts``
    (:func:`logit_intercepts`) already at hand.  The per-node outputs go to a per-thread buffer
    (:func:`thread_views`): a fresh ``(K, N)`` array at 700 nodes is mapped from the system and faulted in at
    every call, which took as long as the sums."""
    (outputs,) = thread_views(_OUTPUTS, [(output_count(*offsets.shape), y.shape[1])])
    weighted_outputs(y, weights, center, offsets, intercepts, outputs, compiled_kernels())
    return outputs.sum(axis=1)


_OUTPUTS = threading.local()


def weighted_outputs(
    y: np.ndarray,
    weights: np.ndarray,
    center: np.ndarray,
    offsets: np.ndarray,
    intercepts: np.ndarray,
    outputs: np.ndarray,
    kernels: tuple[Callable, Callable] | None = None,
) -> None:
    """Every output times its node's weight, into ``outputs`` ``(K, N)``: the logits less their largest
    (:func:`_shifted_logits`), numpy's ``exp`` of them in place (vectorized: five times faster than the loops' scalar
    ``exp``, which took half the kernel's time), the rest (:func:`_outputs_from_exponentials`).  ``kernels`` are the
    compiled pair (:func:`compiled_kernels`), by default the Python functions themselves (which the tests run)."""
    logits, rest = kernels or (_shifted_logits, _outputs_from_exponentials)
    n, r = offsets.shape
    exponentials = outputs[1 + n * r : 1 + n * r + n]
    logits(y, offsets, intercepts, exponentials)
    np.exp(exponentials, out=exponentials)
    rest(y, weights, center, offsets, outputs)


@functools.cache
def compiled_kernels() -> tuple[Callable, Callable]:
    """:func:`_shifted_logits` and :func:`_outputs_from_exponentials` compiled for C-ordered float arrays, one
    signature each (so each is compiled once)."""

    def logits_signature(numba):
        array1, array2 = numba.float64[::1], numba.float64[:, ::1]
        return numba.void(array2, array2, array1, array2)

    def rest_signature(numba):
        array1, array2 = numba.float64[::1], numba.float64[:, ::1]
        return numba.void(array2, array1, array1, array2, array2)

    return (
        compile_kernel(_shifted_logits, logits_signature),
        compile_kernel(_outputs_from_exponentials, rest_signature),
    )


def _shifted_logits(y, offsets, intercepts, logits):  # pragma: no cover - runs compiled (and as Python)
    """The logits at every node less the node's largest, into ``logits`` ``(n, N)``."""
    n, r = offsets.shape
    size = y.shape[1]
    for i in range(n):
        for j in range(size):
            logits[i, j] = intercepts[i]
        for k in range(r):
            for j in range(size):
                logits[i, j] += offsets[i, k] * y[k, j]
    largest = logits[0].copy()
    for i in range(1, n):
        for j in range(size):
            largest[j] = max(largest[j], logits[i, j])
    for i in range(n):
        for j in range(size):
            logits[i, j] -= largest[j]


def _outputs_from_exponentials(y, weights, center, offsets, outputs):  # pragma: no cover - runs compiled
    """The outputs times the nodes' weights, ``(K, N)``, from the exponentials of the shifted logits, which
    ``outputs`` holds in its rows of ``w_i``; ``w``, ``v``, ``s`` as in :func:`weighted_sums_float`.  Also runs as
    Python."""
    n, r = offsets.shape
    size = y.shape[1]
    w, s = outputs[1 + n * r : 1 + n * r + n], outputs[1 + n * r + n :]  # w_i, then w_i s_i
    v, column = np.empty((r, size)), np.empty(size)
    column[:] = w[0]  # softmax: the exponentials' total
    for i in range(1, n):
        for j in range(size):
            column[j] += w[i, j]
    for j in range(size):
        column[j] = 1.0 / column[j]  # one division a node, as weighted_sums_float
    for i in range(n):
        for j in range(size):
            w[i, j] *= column[j]
    dot = column  # <mean offset, v>
    dot[:] = 0.0
    for k in range(r):  # v = center + mean offset
        for j in range(size):
            v[k, j] = 0.0
        for i in range(n):
            for j in range(size):
                v[k, j] += offsets[i, k] * w[i, j]
        for j in range(size):
            dot[j] += v[k, j] * (v[k, j] + center[k])
            v[k, j] += center[k]
    for j in range(size):
        square = 0.0
        for k in range(r):
            square += v[k, j] * v[k, j]
        outputs[0, j] = weights[j] * square
    for i in range(n):
        for j in range(size):  # s_i through offsets, so nearly equal parameters lose no digits
            s[i, j] = -dot[j]
        for k in range(r):
            for j in range(size):
                s[i, j] += offsets[i, k] * v[k, j]
        for j in range(size):
            w[i, j] *= weights[j]
            s[i, j] *= w[i, j]
        for k in range(r):
            foot = center[k] + offsets[i, k]
            for j in range(size):
                outputs[1 + i * r + k, j] = 2.0 * (w[i, j] * v[k, j] + s[i, j] * (y[k, j] - foot))


_WORKSPACE = threading.local()


def _workspace(n: int, r: int, size: int) -> list[np.ndarray]:
    """Arrays ``(n, N)`` twice, ``(r, N)`` twice and ``(N,)`` twice, views of one buffer kept per thread
    (:func:`thread_views`).  The buffer only grows, to the largest chunk a rule evaluates
    (:func:`numeric.expectation.budget.chunk_nodes`, or a cached rule of at most 65,536 nodes)."""
    return thread_views(_WORKSPACE, [(n, size), (n, size), (r, size), (r, size), (size,), (size,)])


def thread_views(store: threading.local, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Arrays of ``shapes``, views of one buffer that ``store`` keeps per thread and only grows.

    Fresh arrays of a few hundred kilobytes are mapped from the system at each call and fault their pages in
    again: that tripled the time of a 20,000-node sum.  The views are valid until the next call with ``store``.
    """
    need = sum(math.prod(shape) for shape in shapes)
    flat = getattr(store, "flat", None)
    if flat is None or flat.size < need:
        flat = store.flat = np.empty(need)
    views, start = [], 0
    for shape in shapes:
        stop = start + math.prod(shape)
        views.append(flat[start:stop].reshape(shape))
        start = stop
    return views
