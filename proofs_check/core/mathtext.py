"""Numbers and statements as a mathematician writes them: ``1e9`` not ``1000000000.0``, no ``1 n^3``.

A claim's statement is a template whose ``{name}`` fields are filled with the current constants and
parameters (:meth:`proofs_check.core.claim.Claim.render_statement`).  Filling in a value naively gives
``e^{-1 t}``, ``L(s*) - 0.0 positive`` or ``exactly 1 parameter(s)``; :func:`fill` writes instead

- every number by :func:`number`: integers as integers (``108``, not ``108.0``), large and tiny ones in
  scientific notation (``1e9``, ``2.5e-7``), others in their shortest decimal form (``0.5``);
- a coefficient ``1`` in front of a symbol as nothing (``n^3``, ``e^{-t}``), an exponent ``^1`` as
  nothing (``tau``), and a term ``- 0`` or ``+ 0`` as nothing (``L(s*) positive``);
- ``{name:singular|plural}`` as ``singular`` when the value of ``name`` is 1 and ``plural`` otherwise
  (``exactly {k} {k:parameter converges|parameters converge}``).

:func:`plural` does the same for the report's own words ("1 check", "2 checks").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

__all__ = ["number", "value_text", "fill", "plural"]

#: Magnitudes written in scientific notation: at least ``10^6`` or below ``10^-4``.
_LARGE, _SMALL = Decimal("1e6"), Decimal("1e-4")

#: A field ``{name}`` or ``{name:singular|plural}``.
_FIELD = re.compile(r"\{(\w+)(?::([^{}|]*)\|([^{}]*))?\}")

#: What a coefficient multiplies: a symbol of one letter (``n``, ``t``, ``M0``, ``mu_i``), a function or a Greek name.
_SYMBOL = re.compile(r" (?:[A-Za-z](?![A-Za-z])|(?:sqrt|exp|log|eta|tau|mu|eps|delta|sigma|pi)(?![A-Za-z]))")


def number(value: Any) -> str | None:
    """``value`` written as a number (``None`` if it is not one).

    >>> [number(x) for x in (1.0, 108.0, 1e9, 0.5, 2.5e-7, -0.0, Fraction(6, 4), "0.010", 3, "abc", True)]
    ['1', '108', '1e9', '0.5', '2.5e-7', '0', '3/2', '0.01', '3', None, None]
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    try:
        exact = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not exact.is_finite():
        return str(value)
    if exact == 0:
        return "0"
    if _SMALL <= abs(exact) < _LARGE:
        if exact == exact.to_integral_value():
            return str(int(exact))
        return format(exact.normalize(), "f")
    mantissa, _, exponent = format(exact.normalize(), "e").partition("e")
    return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{int(exponent)}"


def value_text(value: Any) -> str:
    """A constant or parameter as it reads in a statement: a number, a word, or ``[a, b, ...]``.

    >>> value_text([1, 1, -2.0]), value_text(["toward", "away"]), value_text("positive")
    ('[1, 1, -2]', '[toward, away]', 'positive')
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    written = number(value)
    return str(value) if written is None else written


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` of ``values`` filled in and tidied (see the module docstring).

    A field naming no value is left as it is.

    >>> fill("L <= {c} n^3 / tau^{p}, e^{-{k} t}, L - {z} positive", {"c": 1.0, "p": 1, "k": 1, "z": 0.0})
    'L <= n^3 / tau, e^{-t}, L positive'
    >>> fill("exactly {k} {k:parameter converges|parameters converge}", {"k": 2})
    'exactly 2 parameters converge'
    """
    pieces: list[str] = []
    position = 0
    for field in _FIELD.finditer(template):
        name, singular, several = field.groups()
        pieces.append(template[position : field.start()])
        position = field.end()
        if name not in values:
            pieces.append(field.group(0))
        elif singular is not None:
            pieces.append(singular if number(values[name]) == "1" else several)
        else:
            text = value_text(values[name])
            position = _tidy(pieces, text, template, position)
    pieces.append(template[position:])
    return "".join(pieces)


def _tidy(pieces: list[str], text: str, template: str, position: int) -> int:
    """Append ``text`` (the value of the field ending at ``position``) unless it is a neutral coefficient,
    exponent or term; return where the template continues."""
    before = "".join(pieces)
    if text == "1" and before.endswith("^") and not re.match(r"[\d.]", template[position:]):
        pieces[:] = [before[:-1]]
        return position
    if text == "1" and _SYMBOL.match(template, position):
        return position + 1  # "1 n^3" -> "n^3": the space after the coefficient goes too
    if text == "0" and re.search(r" [-+] $", before):
        pieces[:] = [before[:-3]]
        return position
    pieces.append(text)
    return position


def plural(count: int, singular: str, several: str | None = None) -> str:
    """``"1 check"``, ``"2 checks"``: the count with its noun in the right form.

    >>> plural(1, "check"), plural(3, "check"), plural(2, "supported cross-check")
    ('1 check', '3 checks', '2 supported cross-checks')
    """
    return f"{count} {singular if count == 1 else several or singular + 's'}"
