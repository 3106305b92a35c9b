"""The sharp law of the loss while parameters escape: ``s L -> 16 sum_j 1 / M_j^2`` under gradient flow.

After a random far start (Theorem 3.5's regime) one parameter converges to the truth and the others escape
together: they merge into one group of ``k`` coincident parameters at distance ``M`` (measured: ``n = 2..5``).
Derivation (steps 2-3 are checked exactly by :func:`prove_escape_law`; step 1 is a Laplace argument):

1. **The tail form.**  With the survivor at 0 and the group at ``M e``, the group's weight is the switch
   ``sigma(M x - M^2 / 2 + log k)`` of width ``1 / M`` at ``x = M / 2``, so ``L(M) = M^2 E[sigma(...)^2]`` is
   ``c M exp(-M^2 / 8) (1 + O(1 / M^2))`` (the Gaussian weight at the switch, ``phi(M / 2)``, times the width
   ``1 / M`` times ``M^2``), with a constant ``c`` that the law does not need.
2. **The escape.**  Moving the group moves ``k`` parameters, so ``dM / ds = -L'(M) / k``, and
   ``-L'(M) ~ (M^2 / 4) c exp(-M^2 / 8)``: the flow time to reach ``M`` is
   ``s(M) ~ (4 k / c) int^M exp(m^2 / 8) / m^2 dm`` (two divergent integrals of equivalent integrands).
3. **The law.**  ``lim_(M -> oo) L(M) s(M) M^2 / (16 k) = 1`` (``sympy.integrate`` gives the integral with
   ``erfi``, ``sympy.limit`` the limit), so ``s L ~ 16 k / M^2 = 16 sum_j 1 / M_j^2`` over the escaping
   parameters, ``c`` cancelling; and ``M^2 ~ 8 log s``, so ``L ~ 2 k / (s log s)``: the ``O(1/s)`` of Theorem 3.5
   with a logarithm to spare.  The corrections are ``O(1 / M^2) = O(1 / log s)``: slow, so the numeric route
   extrapolates in ``1 / M^2``.
"""

from __future__ import annotations

import time

import sympy as sp

from symbolic.identities import Proof

__all__ = ["prove_escape_law"]


def prove_escape_law(numerator: int = 16) -> Proof:
    """Steps 2-3 of the module docstring: ``s L M^2 / (numerator k) -> 1`` for ``L = c M exp(-M^2/8)``.

    ``holds`` is False for an edited ``numerator`` (the limit is then ``16 / numerator``).
    """
    start = time.perf_counter()
    M, m, c, k = sp.symbols("M m c k", positive=True)
    loss = c * M * sp.exp(-(M**2) / 8)
    slope = -sp.diff(loss, M)
    leading = sp.limit(slope / ((M**2 / 4) * c * sp.exp(-(M**2) / 8)), M, sp.oo)
    time_to_reach = sp.integrate(4 * k / c * sp.exp(m**2 / 8) / m**2, (m, 1, M))
    limit = sp.limit(loss * time_to_reach * M**2 / (numerator * k), M, sp.oo)
    holds = leading == 1 and limit == 1
    certificate = (
        f"L = c M exp(-M^2/8): -L' = {sp.factor(slope)}, equivalent to (M^2/4) c exp(-M^2/8) (ratio -> {leading}); "
        f"s(M) ~ (4 k / c) int_1^M exp(m^2/8)/m^2 dm = {time_to_reach}; lim L s M^2 / ({numerator} k) = {limit}"
    )
    return Proof(
        "sharp.escape",
        f"s L M^2 / ({numerator} k) -> 1 for k parameters escaping together to distance M",
        {"k": "any", "c": "any"},
        "sympy.diff, sympy.integrate (erfi) and sympy.limit on the tail form L = c M exp(-M^2/8)",
        certificate,
        holds,
        time.perf_counter() - start,
    )
