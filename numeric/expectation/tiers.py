"""The arithmetic of an expectation, one object per tier: built once, shared by the model and the rules.

In the spirit of mpmath's contexts, a tier object knows what the string ``"fast"`` used to be tested for
in many places: its target digits, its ball precision, whether its error figures are proofs, how it writes
them, and its reduction.  :func:`tier_of` returns the same object for the same name and ``dps``.

Error figures are computed as natural logarithms and written as doubles in the fast tier and as mpmath
numbers in the others, whose exponents do not underflow: at ``dps = 5000`` an error of ``1e-5010`` is
``mpf('1e-5010')``, not ``0.0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import mpmath

from numeric.config import InputError

__all__ = [
    "Expectation",
    "Tier",
    "FastTier",
    "PreciseTier",
    "CertifiedTier",
    "TIER_NAMES",
    "tier_of",
    "as_tier",
    "precision_bits",
    "digits_of",
]

LN10 = math.log(10.0)


def precision_bits(dps: int) -> int:
    """Ball precision for ``dps`` digits, with ten guard digits."""
    return int((dps + 10) * 3.33) + 8


def digits_of(tier: str, dps: int) -> float:
    """Target digits of the quadrature for a tier (guard digits above the working precision)."""
    return 16.0 if tier == "fast" else dps + 6.0


@dataclass(frozen=True)
class Expectation:
    """``values[k] ~ E[F_k]`` with ``|values[k] - E[F_k]| <= errors[k]`` (proven iff ``rigorous``).

    ``statistical`` marks randomized quasi-Monte-Carlo results, whose errors are error bars.
    """

    values: list
    errors: list
    rigorous: bool
    method: str
    nodes: int
    statistical: bool = False


class Tier:
    """What a tier's expectations need to know; subclasses set the class attributes."""

    name: ClassVar[str]
    rigorous: ClassVar[bool] = False
    #: Whether the tier integrates in balls (precise, certified) or in doubles (fast).
    balls: ClassVar[bool] = True

    def __init__(self, dps: int) -> None:
        self.dps = dps

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dps={self.dps})"

    @property
    def digits(self) -> float:
        """Target digits of the quadrature (guard digits above the working precision)."""
        return self.dps + 6.0

    @property
    def bits(self) -> int:
        """Ball precision (``dps`` plus guard digits)."""
        return precision_bits(self.dps)

    @property
    def reported_dps(self) -> int:
        """The ``dps`` an evaluation reports."""
        return self.dps

    def log_target(self, scale: float) -> float:
        """``log(10^-digits * (1 + scale))``: the absolute error asked of a rule whose outputs grow like ``scale``."""
        return -self.digits * LN10 + math.log1p(scale)

    def error(self, log_value: float) -> Any:
        """An error figure from its natural logarithm (``-inf`` for zero)."""
        return mpmath.exp(log_value) if log_value > -math.inf else mpmath.mpf(0)

    def zero_error(self) -> Any:
        return mpmath.mpf(0)

    def to_error(self, value: Any) -> Any:
        """An error figure from a double, an mpf or a ball's radius, in this tier's number type."""
        return mpmath.mpf(value)

    def precision_text(self) -> str:
        return f"{self.bits}-bit balls"


class FastTier(Tier):
    """Double precision (numpy)."""

    name = "fast"
    balls = False

    def __init__(self, dps: int = 16) -> None:
        super().__init__(16)

    @property
    def digits(self) -> float:
        return 16.0

    @property
    def bits(self) -> int:
        return 53

    def error(self, log_value: float) -> float:
        return math.exp(log_value) if log_value > -math.inf else 0.0

    def zero_error(self) -> float:
        return 0.0

    def to_error(self, value: Any) -> float:
        return float(value)

    def precision_text(self) -> str:
        return "double"


class PreciseTier(Tier):
    """``dps`` digits in python-flint balls used as fast multiprecision numbers; error figures are estimates."""

    name = "precise"


class CertifiedTier(Tier):
    """``dps`` digits in python-flint balls with proven quadrature and tail bounds."""

    name = "certified"
    rigorous = True


_CLASSES = {cls.name: cls for cls in (FastTier, PreciseTier, CertifiedTier)}
TIER_NAMES = tuple(_CLASSES)


@lru_cache(maxsize=64)
def tier_of(name: str, dps: int = 40) -> Tier:
    """The tier object for ``name`` at ``dps`` digits (the same object for the same arguments)."""
    if name not in _CLASSES:
        raise InputError("tier", f"unknown tier {name!r}; choose one of {', '.join(TIER_NAMES)}")
    return _CLASSES[name](dps)


def as_tier(tier: Tier | str, dps: int | None = None) -> Tier:
    """``tier`` itself, or the tier named ``tier`` at ``dps`` digits."""
    return tier if isinstance(tier, Tier) else tier_of(tier, 40 if dps is None else dps)
