"""Derived expressions as plain callables: mpmath (given ``dps``) or python-flint balls (given ``prec`` bits).

Precision never leaks: each call runs inside ``mpmath.workdps`` / ``flint.ctx.workprec``. Rationals are
printed as exact quotients, so no binary rounding enters before the backend's own arithmetic.

How to get the integrands (``E_i`` placeholders must be made explicit first)::

    from symbolic.model import reduced_model, explicit, loss_integrand, \\
        gradient_integrand_direct, gradient_integrand_stein
    from symbolic.export import to_mpmath, to_flint, model_arguments
    m = reduced_model(3, 2)
    args = model_arguments(m)            # mu_1_1, mu_1_2, ..., mu_3_2, x_1, x_2
    loss = to_mpmath(explicit(loss_integrand(m), m), args, dps=50)
    grad_1 = to_flint(explicit(gradient_integrand_direct(m, 0), m), args, prec=200)   # list of d balls
    stein_1 = to_mpmath(explicit(gradient_integrand_stein(m, 0), m), args, dps=50)
    loss("1/2", 0, "-0.25", 1, 2, 0, "0.3", "-1.2")

    from symbolic.identities import symmetric_family
    fam = symmetric_family(3)
    G = to_mpmath(fam.gradient, [fam.s, fam.x], dps=30)     # thm3.1: E_x G(s, x) = 0 at s*

Arguments may be ints, decimal strings, ``fractions.Fraction``, floats, or backend numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import flint
import mpmath
import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from symbolic.model import ReducedModel

__all__ = ["model_arguments", "to_mpmath", "to_flint"]


class _BackendPrinter(MpmathPrinter):
    """Prints ``mpf(p)/mpf(q)`` for rationals, ``mpf('digits')`` for floats and ``pi()`` for pi, unqualified."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": False})

    def _print_Float(self, expr: sp.Float) -> str:
        return f"mpf('{expr}')"

    def _print_Pi(self, expr) -> str:
        return "pi()"


def model_arguments(model: ReducedModel) -> list[sp.Symbol]:
    """Argument order used in the docs: the ``mu_i_k`` row by row, then ``x_1..x_d``."""
    return [*model.mu, *model.x]


def _flatten(expr) -> tuple[object, bool]:
    if isinstance(expr, sp.MatrixBase):
        return list(expr), True
    return expr, False


def _compile(expr, args: Sequence[sp.Symbol], namespace: dict) -> Callable:
    return sp.lambdify(list(args), expr, modules=[namespace], printer=_BackendPrinter(), cse=True)


def _as_mpf(value):
    if isinstance(value, (Fraction, sp.Rational)):
        return mpmath.mpf(int(value.numerator)) / int(value.denominator)
    return mpmath.mpmathify(value)


def to_mpmath(expr, args: Sequence[sp.Symbol], dps: int = 50) -> Callable:
    """A callable evaluating ``expr`` (or each entry of a matrix) with mpmath at ``dps`` digits."""
    body, is_list = _flatten(expr)
    namespace = {"mpf": mpmath.mpf, "exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt, "pi": lambda: +mpmath.pi}
    compiled = _compile(body, args, namespace)

    def evaluate(*values):
        with mpmath.workdps(dps):
            out = compiled(*(_as_mpf(v) for v in values))
            return [+o for o in out] if is_list else +out

    return evaluate


def to_flint(expr, args: Sequence[sp.Symbol], prec: int = 200, complex: bool = False) -> Callable:
    """A callable evaluating ``expr`` in python-flint ball arithmetic (``arb``, or ``acb`` if ``complex``)."""
    body, _ = _flatten(expr)
    ball = flint.acb if complex else flint.arb

    def convert(value):
        if isinstance(value, (Fraction, sp.Rational)):
            return ball(flint.fmpq(int(value.numerator), int(value.denominator)))
        return ball(str(value)) if isinstance(value, sp.Float) else ball(value)

    namespace = {
        "mpf": ball,
        "exp": lambda z: z.exp(),
        "log": lambda z: z.log(),
        "sqrt": lambda z: z.sqrt(),
        "pi": ball.pi,
    }
    compiled = _compile(body, args, namespace)

    def evaluate(*values):
        with flint.ctx.workprec(prec):
            return compiled(*(convert(v) for v in values))

    return evaluate
