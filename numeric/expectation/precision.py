"""Working precisions: digits asked for, bits used (with guard digits)."""

from __future__ import annotations

__all__ = ["precision_bits", "digits_of"]


def precision_bits(dps: int) -> int:
    """Ball precision for ``dps`` digits, with ten guard digits."""
    return int((dps + 10) * 3.33) + 8


def digits_of(tier: str, dps: int) -> float:
    """Target digits of the quadrature for a tier (guard digits above the working precision)."""
    return 16.0 if tier == "fast" else dps + 6.0
