"""Parsing and validating configurations: JSON or decimal strings in, decimal strings out, clear errors.

Numbers stay decimal strings so that each tier can read them at its own precision (``"0.1"`` is read
exactly by a 200-digit tier, and enclosed by a ball in the certified tier).
"""

from __future__ import annotations

import json
import math
import numbers
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["InputError", "parse_mu", "parse_vector", "parse_number", "as_decimal_string", "positive_real", "check_mu"]


class InputError(ValueError):
    """A user-supplied input is malformed.

    ``name`` is the input's name in this package's API (``"eta"``, ``"mu[0][1]"``, ``"checkpoint"``), never a
    command-line flag: the command line maps names to its flags. ``reason`` says what is wrong.

    >>> str(InputError("eta", "must be positive, got -1"))
    'eta: must be positive, got -1'
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # survives a trip to a worker process and back
        return type(self), (self.name, self.reason)


def as_decimal_string(value: Any, name: str) -> str:
    """Return ``value`` as a finite decimal string, or raise :class:`InputError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str, Decimal)):
        raise InputError(name, f"expected a number, got {json.dumps(value) if _jsonable(value) else value!r}")
    if isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real) and not isinstance(value, Decimal):
        text = repr(float(value))  # numpy scalars included; the shortest round-trip decimal
    else:
        text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InputError(name, f"{text!r} is not a number") from None
    if not number.is_finite():
        raise InputError(name, f"{text!r} is not finite")
    return text


def positive_real(value: Any, name: str) -> float:
    """``value`` as a positive finite float, or :class:`InputError` naming ``name`` (via :func:`as_decimal_string`)."""
    number = float(as_decimal_string(value, name))
    if not (math.isfinite(number) and number > 0):
        raise InputError(name, f"must be positive and finite, got {value!r}")
    return number


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _load_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, parse_float=str, parse_int=str, parse_constant=_reject_constant(name))
    except json.JSONDecodeError as exc:
        raise InputError(name, f"not valid JSON ({exc.msg} at position {exc.pos})") from None
    except RecursionError:
        raise InputError(name, "JSON nested too deeply (a configuration is a list of lists of numbers)") from None


def _reject_constant(name: str):
    def reject(token: str) -> None:
        raise InputError(name, f"{token} is not a finite number")

    return reject


def check_mu(rows: Any, name: str = "mu") -> list[list[str]]:
    """Validate ``n`` parameter vectors of a common dimension ``d >= 1``; return them as decimal strings."""
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError(name, "expected a non-empty list of n parameter vectors, e.g. [[0.5], [-1.5]]")
    parsed = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or not row:
            raise InputError(name, f"parameter {i + 1} must be a non-empty list of numbers")
        parsed.append([as_decimal_string(value, f"{name}[{i}][{k}]") for k, value in enumerate(row)])
    dims = {len(row) for row in parsed}
    if len(dims) != 1:
        raise InputError(name, f"ragged configuration, parameter lengths {[len(r) for r in parsed]} differ")
    return parsed


def parse_mu(text: str, name: str = "mu") -> list[list[str]]:
    """Parse a JSON list of ``n`` lists of ``d`` numbers (decimal strings allowed)."""
    return check_mu(_load_json(text, name), name)


def parse_vector(text: str, name: str) -> list[str]:
    """Parse a JSON list of numbers (decimal strings allowed)."""
    values = _load_json(text, name)
    if not isinstance(values, list) or not values:
        raise InputError(name, "expected a non-empty JSON list of numbers")
    return [as_decimal_string(value, f"{name}[{k}]") for k, value in enumerate(values)]


def parse_number(text: str, name: str) -> str:
    """Parse one finite number given as text."""
    return as_decimal_string(text, name)
