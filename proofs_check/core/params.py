"""``--param KEY=VALUE``: parsing, routing to claims, and conversion through each parameter's domain.

A claim's overridable names are its instance parameters and its statement constants
(:class:`proofs_check.core.claim.Claim`). A value given on the command line is text; it is read by the name's
*domain* (:mod:`proofs_check.cli.parsing`, re-exported here for claim modules), which states its type and range
or its choices.  A claim declares them next to its defaults, one line each::

    PARAMETERS = {"n_values": [3, 4, 5], "dps": 40, "loss_sign": "positive"}
    DOMAINS = {"n_values": Items(Integer(3, 12)), "dps": Integer(10, 1000), "loss_sign": Choice(("positive",
               "negative"))}

A name without a declaration is read by the domain :func:`infer` derives from its default's type:

==============  ===========================================================================
default         accepted text
==============  ===========================================================================
``bool``        ``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0``
``int``         an integer (``12``, ``-3``)
``float``       a finite real number (``0.01``, ``1e-7``)
``Fraction``    a rational (``1/3``, ``0.25``)
``str``         any one-line text; if the default is a decimal string (``"1e-7"``), a finite decimal number
``list/tuple``  a JSON array, non-empty if the default is; items read like the default's first item
``dict``        a JSON object
``None``        any JSON value, else the text itself
==============  ===========================================================================

Every text obeys the limits of :data:`proofs_check.cli.parsing.LIMITS` (digits, size, nesting).  Errors are
:class:`ParameterError` with a one-line message naming the bad key or value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from proofs_check.cli.parsing import (
    Choice,
    Domain,
    Flag,
    Integer,
    Items,
    Json,
    Rational,
    Real,
    Text,
)

__all__ = [
    "SUPPORTED_TYPES",
    "ParameterError",
    "parse_assignment",
    "route_assignments",
    "coerce",
    "infer",
    "check_default",
    "Domain",
    "Choice",
    "Flag",
    "Integer",
    "Items",
    "Json",
    "Rational",
    "Real",
    "Text",
]

#: Types a parameter or constant default may have (see the table above).
SUPPORTED_TYPES = (bool, int, float, Fraction, str, list, tuple, dict, type(None))


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
        raise ParameterError(f"--param {_echo(text)}: expected KEY=VALUE or ID:KEY=VALUE")
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
                f"--param {_echo(text)}: claim {claim_id!r} is not among those run ({', '.join(known_keys) or 'none'})"
            )
        targets = [claim_id] if claim_id else [cid for cid, keys in known_keys.items() if key in keys]
        if not targets or key not in known_keys[targets[0]]:
            raise ParameterError(
                f"--param {_echo(text)}: unknown key {key!r} (known: {_describe_known(known_keys, claim_id)})"
            )
        for target in targets:
            routed[target][key] = value
    return routed


def coerce(key: str, text: str, default: Any, domain: Domain | None = None) -> Any:
    """Read the text ``text`` given for ``key`` through ``domain`` (else the one inferred from ``default``)."""
    try:
        return (domain or infer(default)).convert(text)
    except ValueError as error:
        raise ParameterError(f"--param {key}={_echo(text)}: {error} (default {_show(default)})") from None


def infer(default: Any) -> Domain:
    """The domain of a name declared only by its default (the table of the module docstring)."""
    if isinstance(default, bool):
        return Flag()
    if isinstance(default, int):
        return Integer()
    if isinstance(default, float):
        return Real()
    if isinstance(default, Fraction):
        return Rational()
    if isinstance(default, str):
        return Real(exact=True) if _is_decimal(default) else Text()
    if isinstance(default, (list, tuple)):
        item = infer(default[0]) if default else Json(text_too=True)
        return Items(item, minimum=1 if default else 0, kind=type(default))
    if isinstance(default, dict):
        return Json(kind=dict)
    if default is None:
        return Json(text_too=True)
    raise TypeError(f"unsupported default type {type(default).__name__}")


def check_default(key: str, default: Any, domain: Domain | None = None) -> None:
    """Raise ``TypeError`` if ``default`` has a type ``--param`` cannot override, ``ValueError`` if it lies
    outside its declared ``domain``."""
    if not isinstance(default, SUPPORTED_TYPES):
        raise TypeError(f"parameter {key!r}: default of unsupported type {type(default).__name__}")
    if domain is not None:
        try:
            domain.convert(default)
        except ValueError as error:
            raise ValueError(f"parameter {key!r}: default {_show(default)} outside its domain ({error})") from None


def _is_decimal(text: str) -> bool:
    try:
        Real(exact=True).convert(text)
    except ValueError:
        return False
    return True


def _echo(text: str) -> str:
    """The value as typed, in one line and at most 60 characters."""
    shown = text if text.isprintable() else repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _show(default: Any) -> str:
    return json.dumps(default) if isinstance(default, (list, tuple, dict, str)) else str(default)


def _describe_known(known_keys: Mapping[str, Sequence[str]], claim_id: str | None) -> str:
    if claim_id is not None:
        return ", ".join(known_keys[claim_id]) or "none"
    names = sorted({key for keys in known_keys.values() for key in keys})
    return ", ".join(names) or "none"
