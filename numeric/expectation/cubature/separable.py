"""Tensor-product rules in balls, summed through their separable structure (the precise tier's hot path).

On a tensor grid the softmax terms factor: relative to parameter 0, ``E_i = exp(l_i - l_0) = C_i prod_k
exp(u_k g_ik)`` with ``u = y - center``, ``g_i = delta_i - delta_0``, ``C_i = exp((|delta_0|^2 - |delta_i|^2) / 2)``.
With rows indexing the first ``r - 1`` axes and columns the last, the denominators ``S = sum_i E_i`` of a whole
grid are one matrix product.  Every output is a polynomial of degree at most 3 in the weights ``w_i = E_i / S``
times ``(1, u)``: with ``b_i = center + delta_i`` and the Gram matrix ``G_jl = <b_j, b_l>``,

    |v|^2 = sum_jl G_jl w_j w_l,      w_i s_i = sum_j G_ij w_i w_j - sum_jl G_jl w_i w_j w_l,
    grad_ik / 2 = sum_j b_jk w_i w_j + (u_k - delta_ik) w_i s_i.

So the rule needs the moments ``sum W E^alpha / S^|alpha| (1, u_k)`` over multisets ``alpha`` of one to three
parameters.  Per node only ``1/S, 1/S^2, 1/S^3`` are computed one by one; everything else is ``arb_mat``
products (C loops).  All operations are ball operations, so the result's radii carry every rounding,
including the cancellations of the polynomial form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import flint

__all__ = ["separable_sums"]


def _multisets(n: int, degree: int) -> list[tuple[int, ...]]:
    return list(itertools.combinations_with_replacement(range(n), degree))


def separable_sums(
    axes: Sequence[tuple[Sequence[Any], Sequence[Any]]],
    log_weights: Sequence[Sequence[float]],
    log_threshold: float,
    center: Sequence[Any],
    offsets: Sequence[Sequence[Any]],
    chunk: int,
) -> tuple[list, int]:
    """``sum_k W_k F(y_k)`` over the tensor product of ``axes`` (per axis: ball nodes and weights), in balls at the
    working precision, without the nodes whose log weight is at most ``log_threshold``; and the kept node count.

    Outputs are ordered as in :func:`numeric.expectation.integrand.integrand_scalar`; rows are processed in
    chunks of about ``chunk`` nodes.
    """
    n, r = len(offsets), len(center)
    gaps = [[offsets[i][k] - offsets[0][k] for k in range(r)] for i in range(n)]
    norms = [sum((x * x for x in row[1:]), row[0] * row[0]) for row in offsets]
    const = [(norms[0] - norms[i]) / 2 for i in range(n)]
    shifted = [[y - center[k] for y in axes[k][0]] for k in range(r)]
    factors = [[[(u * gaps[i][k]).exp() for u in shifted[k]] for i in range(n)] for k in range(r)]
    last = r - 1
    col_w, col_u = axes[last][1], shifted[last]
    col_log = log_weights[last]
    degrees = {p: _multisets(n, p) for p in (1, 2, 3)}
    col_mats = {}
    for p, sets in degrees.items():
        base = [
            [col_w[c] * math.prod((factors[last][i][c] for i in alpha), start=flint.arb(1)) for alpha in sets]
            for c in range(len(col_w))
        ]
        col_mats[p] = flint.arb_mat([row + [x * col_u[c] for x in row] for c, row in enumerate(base)])
    col_f = flint.arb_mat([[factors[last][i][c] for c in range(len(col_w))] for i in range(n)])
    moments: dict[tuple[tuple[int, ...], int], Any] = {}  # (alpha, -1 or axis k) -> sum
    kept = 0
    row_axes = [range(len(axes[k][0])) for k in range(last)]
    rows = list(itertools.product(*row_axes))
    per_chunk = max(1, chunk // max(1, len(col_w)))
    for start in range(0, len(rows), per_chunk):
        block = rows[start : start + per_chunk]
        row_w = [math.prod((axes[k][1][j] for k, j in enumerate(idx)), start=flint.arb(1)) for idx in block]
        row_log = [sum(log_weights[k][j] for k, j in enumerate(idx)) for idx in block]
        row_f = [
            [math.prod((factors[k][i][j] for k, j in enumerate(idx)), start=(const[i]).exp()) for i in range(n)]
            for idx in block
        ]
        denominators = (flint.arb_mat(row_f) * col_f).entries()
        width = len(col_w)
        inverse: list[list[Any]] = [[], [], []]
        zero = flint.arb(0)
        for q, s in enumerate(denominators):
            if row_log[q // width] + col_log[q % width] > log_threshold:
                kept += 1
                one = 1 / s
                two = one * one
                inverse[0].append(one)
                inverse[1].append(two)
                inverse[2].append(two * one)
            else:
                for powers in inverse:
                    powers.append(zero)
        for p, sets in degrees.items():
            x = flint.arb_mat(len(block), width, inverse[p - 1]) * col_mats[p]
            lead = [
                [row_w[q] * math.prod((row_f[q][i] for i in alpha), start=flint.arb(1)) for q in range(len(block))]
                for alpha in sets
            ]
            left = lead + [
                [row[q] * shifted[k][idx[k]] for q, idx in enumerate(block)] for k in range(last) for row in lead
            ]
            product = flint.arb_mat(left) * x
            m = len(sets)
            for a, alpha in enumerate(sets):
                parts = [((alpha, -1), product[a, a]), ((alpha, last), product[a, m + a])]
                parts += [((alpha, k), product[(1 + k) * m + a, a]) for k in range(last)]
                for key, value in parts:
                    moments[key] = moments[key] + value if key in moments else value
    return _outputs(moments, center, offsets), kept


def _outputs(moments: dict, center: Sequence[Any], offsets: Sequence[Sequence[Any]]) -> list:
    """The integrand's outputs from the weight moments (formulas in the module docstring)."""
    n, r = len(offsets), len(center)

    def m(alpha: tuple[int, ...], k: int = -1) -> Any:
        return moments[(tuple(sorted(alpha)), k)]

    b = [[center[k] + offsets[i][k] for k in range(r)] for i in range(n)]
    gram = [[sum((b[i][k] * b[j][k] for k in range(1, r)), b[i][0] * b[j][0]) for j in range(n)] for i in range(n)]
    pairs = [(j, q) for j in range(n) for q in range(n)]
    loss = sum((gram[j][q] * m((j, q)) for j, q in pairs[1:]), gram[0][0] * m((0, 0)))
    ws = [
        sum((gram[i][j] * m((i, j)) for j in range(n)), flint.arb(0))
        - sum((gram[j][q] * m((i, j, q)) for j, q in pairs), flint.arb(0))
        for i in range(n)
    ]
    grad = []
    for i in range(n):
        for k in range(r):
            mean = sum((b[j][k] * m((i, j)) for j in range(n)), flint.arb(0))
            wsu = sum((gram[i][j] * m((i, j), k) for j in range(n)), flint.arb(0)) - sum(
                (gram[j][q] * m((i, j, q), k) for j, q in pairs), flint.arb(0)
            )
            grad.append(2 * (mean + wsu - offsets[i][k] * ws[i]))
    return [loss] + grad + [m((i,)) for i in range(n)] + ws
