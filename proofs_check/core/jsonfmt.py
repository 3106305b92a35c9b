"""Numbers in JSON: decimal strings, or ``[lo, hi]`` for rigorous enclosures.

The interface (``docs/interface.md``, section JSON) fixes one convention for every number a
report or ``--json`` output carries:

* a computed real number is a **decimal string** at its full working precision
  (``"0.75620956..."``), so nothing is lost to binary64;
* a **rigorous enclosure** (a python-flint ``arb`` ball, an ``mpmath.iv`` interval, or endpoints
  given to :func:`enclosure`) is a two-element list ``["lo", "hi"]`` whose endpoints are rounded
  *outward*, so the printed interval still contains the true value;
* counts and sizes (Python ``int``) stay JSON integers, as in ``"instance": {"n": 3}``.

:func:`to_json` applies the convention recursively to dicts, lists and tuples, so a claim may put
floats, ``mpf``, ``arb``, ``Fraction`` and SymPy numbers into a check and let the report format them.

>>> to_json({"n": 3, "loss": 0.1, "ball": enclosure(Fraction(1, 3), Fraction(1, 3), digits=5)})
{'n': 3, 'loss': '0.1', 'ball': ['0.33333', '0.33334']}
"""

from __future__ import annotations

import decimal
import enum
import math
from fractions import Fraction
from numbers import Rational
from pathlib import PurePath
from typing import Any

import mpmath
from mpmath import libmp

__all__ = ["DEFAULT_DIGITS", "number", "enclosure", "to_json"]

#: Significant digits for a number that has no natural precision of its own (a non-terminating
#: rational, or an enclosure endpoint when no digit count is asked for).
DEFAULT_DIGITS = 50


def number(value: Any) -> str:
    """Format one real number as a decimal string at its full working precision.

    Accepts ``int``, ``float`` (shortest round-trip repr), ``mpmath.mpf`` (shortest string that
    reads back to the same binary value, see :func:`_mpf_string`), ``Fraction`` and other
    exact rationals (exact when the expansion terminates, else rounded to :data:`DEFAULT_DIGITS`
    significant digits), ``decimal.Decimal``, NumPy scalars and SymPy numbers.
    Non-finite values become ``"nan"``, ``"inf"`` or ``"-inf"``.
    """
    value = _unwrap_foreign(value)
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else _non_finite(value)
    if isinstance(value, mpmath.mpf):
        return _mpf_string(value._mpf_)
    if isinstance(value, decimal.Decimal):
        return str(value).lower() if value.is_finite() else _non_finite(float(value))
    if isinstance(value, Rational):
        return _rational_string(Fraction(int(value.numerator), int(value.denominator)))
    raise TypeError(f"cannot format {type(value).__name__} as a number")


def enclosure(lo: Any, hi: Any, digits: int | None = None) -> list[str]:
    """Format a rigorous enclosure ``[lo, hi]``, rounding ``lo`` down and ``hi`` up.

    ``lo`` and ``hi`` may be any exact binary or rational number accepted by :func:`number`
    (``float``, ``mpf``, ``Fraction``, ``int``, ``Decimal``; infinite endpoints are allowed).
    At most ``digits`` significant digits are printed -- by default enough to resolve the width
    of the interval plus three -- and the rounding is outward, so the printed interval contains
    ``[lo, hi]``.
    """
    lo_q, hi_q = _exact(lo), _exact(hi)
    if lo_q is not None and hi_q is not None and lo_q > hi_q:
        raise ValueError(f"empty enclosure: lo = {number(lo)} > hi = {number(hi)}")
    if digits is None:
        digits = _width_digits(lo_q, hi_q) if lo_q is not None and hi_q is not None else DEFAULT_DIGITS
    return [_directed(lo_q, lo, digits, decimal.ROUND_FLOOR), _directed(hi_q, hi, digits, decimal.ROUND_CEILING)]


def to_json(value: Any) -> Any:
    """Convert ``value`` recursively into JSON-ready data following the module's convention.

    ``None``, ``bool``, ``str`` and ``int`` pass through; ``dict`` keys become strings; tuples,
    lists and NumPy arrays become lists; ``enum.Enum`` members become their value; paths become
    strings; balls and intervals become ``[lo, hi]``; other numbers become decimal strings
    (:func:`number`). A SymPy expression that is not a number becomes its string form.
    Anything else raises ``TypeError`` naming the type.
    """
    value = _unwrap_foreign(value)
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    interval = _interval_endpoints(value)
    if interval is not None:
        return interval
    return number(value)


def _unwrap_foreign(value: Any) -> Any:
    """Map NumPy, SymPy and python-flint exact scalars onto Python/mpmath types."""
    module = type(value).__module__ or ""
    if module.startswith("numpy"):
        return value.tolist() if hasattr(value, "tolist") else value
    if module.startswith("sympy"):
        return _unwrap_sympy(value)
    if module.startswith("flint"):
        kind = type(value).__name__
        if kind == "fmpz":
            return int(value)
        if kind == "fmpq":
            return Fraction(int(value.p), int(value.q))
    return value


def _unwrap_sympy(value: Any) -> Any:
    if getattr(value, "is_Integer", False):
        return int(value)
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    if getattr(value, "is_Float", False):
        return mpmath.mpf(value._mpf_)
    if getattr(value, "is_Boolean", False) and value in (True, False):
        return bool(value)
    return str(value)


def _interval_endpoints(value: Any) -> list[str] | None:
    """``[lo, hi]`` for a flint ``arb`` or an ``mpmath.iv`` interval, else ``None``."""
    if type(value).__name__ == "arb" and (type(value).__module__ or "").startswith("flint"):
        return _arb_endpoints(value)
    raw = getattr(value, "_mpi_", None)
    if raw is not None:
        lo, hi = (mpmath.mpf(end) for end in raw)
        return enclosure(lo, hi)
    return None


def _arb_endpoints(ball: Any) -> list[str]:
    if not ball.is_finite():
        return ["-inf", "inf"]
    # exact endpoints mid -/+ rad (``lower()``/``upper()`` would round to the context precision)
    mid, rad = (
        _binary_fraction(*(int(part) for part in part_ball.man_exp())) for part_ball in (ball.mid(), ball.rad())
    )
    return enclosure(mid - rad, mid + rad)


def _width_digits(lo: Fraction, hi: Fraction) -> int:
    """Digits that resolve an interval's width, plus three (outward rounding then costs ~0.1%)."""
    width = hi - lo
    magnitude = max(abs(lo), abs(hi))
    if width == 0 or magnitude == 0:
        return DEFAULT_DIGITS if width == 0 else 3
    ratio_bits = _log2(magnitude) - _log2(width)
    return min(DEFAULT_DIGITS, max(3, math.ceil(ratio_bits * math.log10(2)) + 3))


def _log2(positive: Fraction) -> int:
    """``log2`` of a positive rational, to within one."""
    return positive.numerator.bit_length() - positive.denominator.bit_length()


def _exact(value: Any) -> Fraction | None:
    """The exact rational value of a finite binary or rational number, ``None`` if non-finite."""
    value = _unwrap_foreign(value)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            return None
        sign, man, exp, _ = value._mpf_
        return _binary_fraction(-int(man) if sign else int(man), exp)
    if isinstance(value, float):
        return Fraction(value) if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, Rational) and not isinstance(value, bool):
        return Fraction(int(value.numerator), int(value.denominator))
    raise TypeError(f"cannot use {type(value).__name__} as an enclosure endpoint")


def _binary_fraction(man: int, exp: int) -> Fraction:
    """The exact value ``man * 2**exp``."""
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def _directed(exact: Fraction | None, original: Any, digits: int, rounding: str) -> str:
    if exact is None:
        return number(original)
    context = decimal.Context(prec=digits, rounding=rounding)
    rounded = context.divide(decimal.Decimal(exact.numerator), decimal.Decimal(exact.denominator))
    return str(rounded).lower()


def _rational_string(value: Fraction) -> str:
    """Exact decimal when the expansion terminates, else :data:`DEFAULT_DIGITS` digits."""
    denominator = value.denominator
    twos = (denominator & -denominator).bit_length() - 1
    fives_part = denominator >> twos
    fives = 0
    while fives_part % 5 == 0:
        fives_part //= 5
        fives += 1
    if fives_part != 1:
        context = decimal.Context(prec=DEFAULT_DIGITS)
        return str(context.divide(decimal.Decimal(value.numerator), decimal.Decimal(denominator))).lower()
    scale = max(twos, fives)
    scaled = value.numerator * 2 ** (scale - twos) * 5 ** (scale - fives)
    return str(decimal.Decimal(f"{scaled}e-{scale}")).lower()


def _mpf_string(raw: tuple) -> str:
    """Shortest decimal that reads back to the same value at precision ``max(bits, mp.prec)``.

    An ``mpf`` does not remember the precision it was computed at, only the bits its mantissa
    needs; the current context precision is the floor, as for mpmath's own ``repr``.
    """
    _, man, _, mantissa_bits = raw
    if not man:
        return _non_finite_mpf(raw)
    bits = max(mantissa_bits, mpmath.mp.prec)
    for digits in range(libmp.prec_to_dps(bits), libmp.repr_dps(bits) + 1):
        text = libmp.to_str(raw, digits)
        if libmp.from_str(text, bits, libmp.round_nearest) == raw:
            return text
    return libmp.to_str(raw, libmp.repr_dps(bits))


def _non_finite_mpf(raw: tuple) -> str:
    if raw == libmp.fzero:
        return "0.0"
    return _non_finite(float(mpmath.mpf(raw)))


def _non_finite(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"
