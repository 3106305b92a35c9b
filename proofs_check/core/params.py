"""``--param KEY=VALUE``: parsing, routing to claims, and coercion from the default's type.

A claim's overridable names are its instance parameters and its statement constants
(:class:`proofs_check.core.claim.Claim`). A value given on the command line is text; it is converted to
the type of the default it replaces:

==============  ===========================================================================
default         accepted text
==============  ===========================================================================
``bool``        ``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0``
``int``         an integer (``12``, ``-3``, ``1_000``)
``float``       a finite real number (``0.01``, ``1e-7``)
``Fraction``    a rational (``1/3``, ``0.25``)
``str``         anything; if the default is a decimal string (``"1e-7"``), a finite decimal number
``list/tuple``  a JSON array; elements coerced like the default's first element
``dict``        a JSON object
``None``        any JSON value, else the text itself
==============  ===========================================================================

Errors are :class:`ParameterError` with a one-line message naming the bad key or value.
"""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

#: Types a parameter or constant default may have (see the table above).
SUPPORTED_TYPES = (bool, int, float, Fraction, str, list, tuple, dict, type(None))

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ParameterError(ValueError):
    """A ``--param`` that names an unknown key or carries a value of the wrong type."""


def parse_assignment(text: str) -> tuple[str | None, str, str]:
    """Split ``[ID:]KEY=VALUE`` into ``(claim_id or None, key, value)``.

    >>> parse_assignment("thm3.1:n=4")
    ('thm3.1', 'n', '4')
    >>> parse_assignment("eta=0.01")
    (None, 'eta', '0.01')
    """
    target, sep, value = text.partition("=")
    claim_id, colon, key = target.rpartition(":")
    key = key.strip()
    if not sep or not key or (colon and not claim_id.strip()):
        raise ParameterError(f"--param {text}: expected KEY=VALUE or ID:KEY=VALUE")
    return (claim_id.strip() or None), key, value.strip()


def route_assignments(assignments: Iterable[str], known_keys: Mapping[str, Sequence[str]]) -> dict[str, dict[str, str]]:
    """Distribute ``--param`` texts over claims: ``{claim_id: {key: value_text}}``.

    ``known_keys`` maps each selected claim id to its overridable names. ``ID:KEY=VALUE`` goes to
    that claim only; ``KEY=VALUE`` goes to every selected claim that has ``KEY``. A key no
    selected claim knows, or an id not selected, raises :class:`ParameterError`.
    """
    routed: dict[str, dict[str, str]] = {claim_id: {} for claim_id in known_keys}
    for text in assignments:
        claim_id, key, value = parse_assignment(text)
        if claim_id is not None and claim_id not in known_keys:
            raise ParameterError(
                f"--param {text}: claim {claim_id!r} is not among those run ({', '.join(known_keys) or 'none'})"
            )
        targets = [claim_id] if claim_id else [cid for cid, keys in known_keys.items() if key in keys]
        if not targets or key not in known_keys[targets[0]]:
            raise ParameterError(
                f"--param {text}: unknown key {key!r} (known: {_describe_known(known_keys, claim_id)})"
            )
        for target in targets:
            routed[target][key] = value
    return routed


def coerce(key: str, text: str, default: Any) -> Any:
    """Convert the text ``text`` given for ``key`` to the type of ``default``."""
    try:
        return _coerce(text, default)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise ParameterError(f"--param {key}={text}: {error} (default {_show(default)})") from None


def check_default(key: str, default: Any) -> None:
    """Raise ``TypeError`` if ``default`` has a type ``--param`` cannot override."""
    if not isinstance(default, SUPPORTED_TYPES):
        raise TypeError(f"parameter {key!r}: default of unsupported type {type(default).__name__}")


def _coerce(text: str, default: Any) -> Any:
    if isinstance(default, bool):
        return _to_bool(text)
    if isinstance(default, int):
        return _to_int(text)
    if isinstance(default, float):
        return _to_float(text)
    if isinstance(default, Fraction):
        return Fraction(text)
    if isinstance(default, str):
        return _to_decimal_text(text) if _is_decimal(default) else text
    if isinstance(default, (list, tuple)):
        return _to_sequence(text, default)
    if isinstance(default, dict):
        value = _json(text)
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        return value
    if default is None:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    raise TypeError(f"unsupported default type {type(default).__name__}")


def _to_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false")


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected an integer") from None


def _to_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("expected a real number") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite real number")
    return value


def _is_decimal(text: str) -> bool:
    try:
        return decimal.Decimal(text).is_finite()
    except decimal.InvalidOperation:
        return False


def _to_decimal_text(text: str) -> str:
    if not _is_decimal(text):
        raise ValueError("expected a finite decimal number")
    return text


def _to_sequence(text: str, default: list | tuple) -> list | tuple:
    value = _json(text)
    if not isinstance(value, list):
        raise ValueError("expected a JSON array")
    if default:
        value = [_coerce(item if isinstance(item, str) else json.dumps(item), default[0]) for item in value]
    return tuple(value) if isinstance(default, tuple) else value


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON ({error.msg})") from None


def _show(default: Any) -> str:
    return json.dumps(default) if isinstance(default, (list, tuple, dict, str)) else str(default)


def _describe_known(known_keys: Mapping[str, Sequence[str]], claim_id: str | None) -> str:
    if claim_id is not None:
        return ", ".join(known_keys[claim_id]) or "none"
    names = sorted({key for keys in known_keys.values() for key in keys})
    return ", ".join(names) or "none"
