"""One set of parsers for every value typed on the command line: integers, reals, choices, lists, JSON matrices.

Every command (``gd``, ``eval``, the ``explore`` studies, ``check --param``) reads its values through the
*domains* defined here, so the same text means the same thing everywhere and every bad value is one line naming
the option.  A domain is a small frozen object (:class:`Integer`, :class:`Real`, :class:`Choice`, :class:`Flag`,
:class:`Items`, :class:`Text`, :class:`Rational`, :class:`Json`, :class:`Matrix`) with three faces:

* ``domain.convert(value)`` -- the typed value, or ``ValueError(reason)``; ``value`` is text or an already
  decoded JSON value (a ``--param`` list's items);
* ``domain.parse(text, option)`` -- the same, raising :class:`~proofs_check.cli.common.UsageError`
  ``"--option: reason"`` (for handlers);
* ``domain(text)`` -- the same for ``argparse``'s ``type=``;

and ``str(domain)`` says in words what it accepts, for ``--help``.  :func:`values` reads a grid given as
separate words and/or commas (``--M0 2 3 4`` or ``--M0 2,3,4``).

**Limits** (:data:`LIMITS`, printed at the end of every ``--help``): integers in plain ASCII digits, at most
:data:`MAX_DIGITS` of them; reals in decimal notation (``0.01``, ``-1e-300``; no ``nan``, ``inf`` or hex), at most
:data:`MAX_NUMBER_CHARS` characters and decimal exponents within :data:`MAX_EXPONENT`; at most :data:`MAX_ITEMS` values
in a list; JSON texts of at most :data:`MAX_JSON_CHARS` characters nested at most :data:`MAX_JSON_DEPTH` deep; a
configuration of at most :data:`MAX_ROWS` parameters of dimension at most :data:`MAX_COLUMNS` and
:data:`MAX_ENTRIES` numbers.  Values are checked here for form and range; whether a configuration can be computed
(double-precision range, memory) is for ``numeric`` to say (``numeric.InputError``).

:class:`ArgumentParser` is the command line's parser class: a usage mistake is one line (``proofs-check: error:
--eta: expected one argument (see proofs-check gd --help)``), and words such as ``-1e-300`` or ``-inf`` are read as
values, not as options.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import textwrap
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from proofs_check.cli.common import PROG, UsageError

__all__ = [
    "MAX_DIGITS",
    "MAX_NUMBER_CHARS",
    "MAX_EXPONENT",
    "MAX_ITEMS",
    "MAX_JSON_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_ROWS",
    "MAX_COLUMNS",
    "MAX_ENTRIES",
    "LIMITS",
    "Domain",
    "Integer",
    "Real",
    "Choice",
    "Flag",
    "Items",
    "Text",
    "Rational",
    "Json",
    "Matrix",
    "SEED",
    "JOBS",
    "TRUTH",
    "values",
    "read_json",
    "writable_folder",
    "ArgumentParser",
]

MAX_DIGITS = 18
MAX_NUMBER_CHARS = 1000
MAX_EXPONENT = 100_000
MAX_ITEMS = 1000
MAX_JSON_CHARS = 1_000_000
MAX_JSON_DEPTH = 8
MAX_ROWS = 1000
MAX_COLUMNS = 1000
MAX_ENTRIES = 100_000

#: The limits in words, as every ``--help`` ends.
LIMITS = textwrap.fill(
    f"limits: integers have at most {MAX_DIGITS} ASCII digits; reals are decimal numbers (like 0.01 or -1e-300; "
    f"no nan, inf or hex) of at most {MAX_NUMBER_CHARS} characters with exponents within +-{MAX_EXPONENT:,}; "
    f"lists hold at most {MAX_ITEMS:,} values; JSON is at most {MAX_JSON_CHARS:,} characters, nested at most "
    f"{MAX_JSON_DEPTH} deep; a configuration has at most {MAX_ROWS:,} parameters of dimension at most "
    f"{MAX_COLUMNS:,} and {MAX_ENTRIES:,} numbers. A bad value is one line on stderr and exit status 2.",
    width=100,
)

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NON_FINITE = ("nan", "inf", "infinity", "snan")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _shown(value: Any) -> str:
    """A value as quoted in a message: at most 40 characters."""
    text = value if isinstance(value, str) else json.dumps(value) if _plain(value) else repr(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _plain(value: Any) -> bool:
    return isinstance(value, (int, float, bool, type(None), list, dict))


class Domain(ABC):
    """What the three faces of every domain share (the subclasses define ``convert`` and ``__str__``)."""

    @abstractmethod
    def convert(self, value: Any) -> Any:
        """The typed value of ``value`` (text or decoded JSON), or ``ValueError`` saying why not."""

    def parse(self, text: Any, option: str) -> Any:
        """``convert(text)``, or :class:`UsageError` ``"OPTION: reason"``."""
        try:
            return self.convert(text)
        except ValueError as error:
            raise UsageError(f"{option}: {error}") from None

    def __call__(self, text: str) -> Any:
        """``argparse`` ``type=``: ``convert(text)``, or ``ArgumentTypeError(reason)``."""
        try:
            return self.convert(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None


def _bound(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and abs(value) >= 10**6 and str(value).rstrip("0") == "1":
        return f"10^{len(str(value)) - 1}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Integer(Domain):
    """An integer in ``minimum..maximum`` (either end may be open: ``None``)."""

    minimum: int | None = None
    maximum: int | None = None

    def __str__(self) -> str:
        low, high = _bound(self.minimum), _bound(self.maximum)
        if low and high:
            return f"an integer from {low} to {high}"
        return f"an integer >= {low}" if low else f"an integer <= {high}" if high else "an integer"

    def convert(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"expected {self}, got {_shown(value)}")
        text = value.strip() if isinstance(value, str) else str(value)
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"expected {self}, got {_shown(value)}")
        if len(text.lstrip("+-")) > MAX_DIGITS:
            raise ValueError(f"expected {self}, got an integer of {len(text.lstrip('+-'))} digits")
        number = int(text)
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            raise ValueError(f"expected {self}, got {text}")
        return number


@dataclass(frozen=True)
class Real(Domain):
    """A finite real number in a range; ``exact`` keeps its decimal text (for ``numeric``'s precise tiers).

    ``minimum``/``maximum`` are included unless ``above``/``below`` (strict bounds).  Without ``exact`` the value
    is a float and must be representable in double precision (``1e999`` is refused, and so is a nonzero value that
    would round to 0).
    """

    minimum: float | None = None
    maximum: float | None = None
    above: bool = False
    below: bool = False
    exact: bool = False

    def __str__(self) -> str:
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.above else '>='} {_bound(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.below else '<='} {_bound(self.maximum)}")
        return " ".join(["a real number", " and ".join(bounds)]).rstrip()

    def convert(self, value: Any) -> Any:  # float, or str when exact
        text = self._text(value)
        number = Decimal(text)
        low_fails = self.minimum is not None and (number <= self.minimum if self.above else number < self.minimum)
        high_fails = self.maximum is not None and (number >= self.maximum if self.below else number > self.maximum)
        if low_fails or high_fails:
            raise ValueError(f"expected {self}, got {_shown(text)}")
        if self.exact:
            return text
        result = float(number)
        if not math.isfinite(result) or (result == 0 and number != 0):
            raise ValueError(f"{_shown(text)} is outside the range of double precision")
        return result

    @staticmethod
    def _text(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a real number, got {_shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite real number, got {value}")
        text = value.strip() if isinstance(value, str) else repr(value)
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError(f"expected a real number of at most {MAX_NUMBER_CHARS} characters, got {len(text)}")
        if not _DECIMAL.fullmatch(text):
            finite = "finite " if text.lstrip("+-").lower() in _NON_FINITE else ""
            raise ValueError(f"expected a {finite}real number in decimal notation, got {_shown(value)}")
        try:
            exponent = Decimal(text).adjusted()
        except InvalidOperation:  # the pattern admits only decimals; kept for safety of the message
            raise ValueError(f"expected a real number, got {_shown(value)}") from None
        if abs(exponent) > MAX_EXPONENT:
            raise ValueError(f"{_shown(text)} has a decimal exponent beyond +-{MAX_EXPONENT:,}")
        return text


@dataclass(frozen=True)
class Choice(Domain):
    """One of a few words (or JSON values, e.g. ``1`` and ``-1``), compared as text."""

    options: tuple[Any, ...]

    def __str__(self) -> str:
        return "one of " + ", ".join(str(option) for option in self.options)

    def convert(self, value: Any) -> Any:
        for option in self.options:
            if value == option or (isinstance(value, str) and value.strip() == str(option)):
                return option
        raise ValueError(f"expected {self}, got {_shown(value)}")


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


@dataclass(frozen=True)
class Flag(Domain):
    """``true``/``false`` (also ``yes``/``no``, ``on``/``off``, ``1``/``0``)."""

    def __str__(self) -> str:
        return "true or false"

    def convert(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValueError(f"expected true or false, got {_shown(value)}")


@dataclass(frozen=True)
class Items(Domain):
    """A JSON array of ``minimum..maximum`` items of one domain (``[2, 3]``, ``["toward", "away"]``).

    Numbers are read as their decimal text, so an item domain sees ``"0.1"`` exactly as typed.
    """

    item: Domain
    minimum: int = 1
    maximum: int = MAX_ITEMS
    kind: type = list  # list or tuple

    def __str__(self) -> str:
        return f"a JSON array of {self._count()} items, each {self.item}"

    def _count(self) -> str:
        return str(self.minimum) if self.minimum == self.maximum else f"{self.minimum} to {self.maximum:,}"

    def convert(self, value: Any) -> list | tuple:
        data = read_json(value, depth=_depth(self), numbers_as_text=True) if isinstance(value, str) else value
        if not isinstance(data, (list, tuple)):
            raise ValueError(f"expected {self}, got {_shown(value)}")
        if not self.minimum <= len(data) <= self.maximum:
            raise ValueError(f"expected {self._count()} items, got {len(data)}")
        items = []
        for k, item in enumerate(data):
            try:
                items.append(self.item.convert(item))
            except ValueError as error:
                raise ValueError(f"item {k + 1}: {error}") from None
        return self.kind(items)


@dataclass(frozen=True)
class Text(Domain):
    """Any one-line text of at most ``maximum`` characters."""

    maximum: int = MAX_NUMBER_CHARS

    def __str__(self) -> str:
        return f"a text of at most {self.maximum:,} characters"

    def convert(self, value: Any) -> str:
        if not isinstance(value, str) or len(value) > self.maximum or not value.isprintable():
            raise ValueError(f"expected {self}, got {_shown(value)}")
        return value


_RATIONAL = re.compile(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}/[0-9]{{1,{MAX_DIGITS}}}")


@dataclass(frozen=True)
class Rational(Domain):
    """An exact rational: ``p/q`` or a decimal number (``1/3``, ``0.25``), as a ``Fraction``; at least ``minimum``
    (more than it when ``above``) if one is given."""

    minimum: Fraction | int | None = None
    above: bool = False

    def __str__(self) -> str:
        bound = "" if self.minimum is None else f" {'>' if self.above else '>='} {self.minimum}"
        return f"a rational number p/q or a decimal number{bound}"

    def convert(self, value: Any) -> Fraction:
        number = self._number(value)
        if self.minimum is not None and (number <= self.minimum if self.above else number < self.minimum):
            raise ValueError(f"expected {self}, got {_shown(value)}")
        return number

    def _number(self, value: Any) -> Fraction:
        if isinstance(value, Fraction):
            return value
        if isinstance(value, str) and _RATIONAL.fullmatch(value.strip()):
            numerator, denominator = value.strip().split("/")
            if int(denominator) == 0:
                raise ValueError(f"expected {self}, got {_shown(value)} (zero denominator)")
            return Fraction(int(numerator), int(denominator))
        try:
            return Fraction(Real(exact=True).convert(value))
        except ValueError:
            raise ValueError(f"expected {self}, got {_shown(value)}") from None


@dataclass(frozen=True)
class Json(Domain):
    """Any JSON value (``kind=dict``: a JSON object); with ``text_too``, text that is not JSON is kept as text."""

    kind: type | None = None
    text_too: bool = False

    def __str__(self) -> str:
        return "a JSON object" if self.kind is dict else "a JSON value" + (" or a text" if self.text_too else "")

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str):
            data = value
        elif self.text_too:
            try:
                data = read_json(value)
            except ValueError:
                return Text().convert(value)
        else:
            data = read_json(value)
        if self.kind is not None and not isinstance(data, self.kind):
            raise ValueError(f"expected {self}, got {_shown(value)}")
        return data


def _depth(domain: Domain) -> int:
    """How deep a JSON text of ``domain`` is nested (1 for a list of numbers)."""
    return 1 + _depth(domain.item) if isinstance(domain, Items) else 0


@dataclass(frozen=True)
class Matrix(Domain):
    """A configuration: a JSON list of ``n`` non-empty lists of numbers (numbers kept as decimal text).

    Only the form and the sizes are checked here; ``numeric`` checks the numbers (naming ``mu[i][k]``) and the
    common length of the rows.
    """

    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS

    def __str__(self) -> str:
        return (
            f"a JSON list of n lists of d numbers (n <= {self.rows:,}, d <= {self.columns:,}, "
            f"n d <= {MAX_ENTRIES:,}), e.g. [[0.5], [-1.5]]; decimal strings allowed"
        )

    def convert(self, value: Any) -> list[list[Any]]:
        rows = read_json(value, depth=2, numbers_as_text=True) if isinstance(value, str) else value
        if not isinstance(rows, list) or not rows or not all(isinstance(row, list) and row for row in rows):
            raise ValueError(f"expected {self}")
        if len(rows) > self.rows or max(len(row) for row in rows) > self.columns:
            raise ValueError(f"{len(rows)} parameters of up to {max(len(row) for row in rows)} numbers exceed {self}")
        if sum(len(row) for row in rows) > MAX_ENTRIES:
            raise ValueError(f"more than {MAX_ENTRIES:,} numbers")
        return rows


def read_json(text: Any, *, depth: int = MAX_JSON_DEPTH, numbers_as_text: bool = False) -> Any:
    """Decode a JSON text of at most :data:`MAX_JSON_CHARS` characters nested at most ``depth`` deep.

    ``NaN`` and ``Infinity`` are refused; ``numbers_as_text`` keeps numbers as their decimal text.  Raises
    ``ValueError`` with the reason.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected JSON text, got {_shown(text)}")
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"JSON text of {len(text):,} characters; at most {MAX_JSON_CHARS:,}")
    deepest = _nesting(text, min(depth, MAX_JSON_DEPTH))
    if deepest:
        raise ValueError(f"JSON nested deeper than {min(depth, MAX_JSON_DEPTH)} (at character {deepest})")
    number = str if numbers_as_text else None
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=number, parse_int=number)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON ({error.msg} at character {error.pos + 1})") from None


def _refuse_constant(token: str) -> None:
    raise ValueError(f"{token} is not a finite number")


def _nesting(text: str, limit: int) -> int:
    """The position (from 1) where brackets outside strings first nest deeper than ``limit``, else 0."""
    depth, in_string, escaped = 0, False, False
    for position, char in enumerate(text, 1):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return position
        elif char in "]}":
            depth -= 1
    return 0


#: Seeds of numpy's generators, shared by every command.
SEED = Integer(0, 2**32 - 1)
#: ``--jobs``: processes.
JOBS = Integer(1, 256)
#: ``--truth``: the true mean, a JSON list of d numbers (kept as decimal text).
TRUTH = Items(Real(exact=True), maximum=MAX_COLUMNS)


def values(words: str | Iterable[str], option: str, domain: Domain) -> list:
    """Values of ``domain`` given as separate words and/or comma-separated (``2 3 4`` or ``2,3,4``).

    At least one and at most :data:`MAX_ITEMS`; raises :class:`UsageError` naming ``option``.
    """
    words = [words] if isinstance(words, str) else list(words)
    items = [item.strip() for word in words for item in str(word).split(",") if item.strip()]
    if not items:
        raise UsageError(f"{option}: expected at least one value ({domain})")
    if len(items) > MAX_ITEMS:
        raise UsageError(f"{option}: at most {MAX_ITEMS:,} values, got {len(items):,}")
    return [domain.parse(item, option) for item in items]


def writable_folder(path: Path, option: str) -> None:
    """Refuse, before anything is written, a folder that is a file or cannot be created or written in.

    The folder may not exist yet: its nearest existing ancestor must then be a writable folder.
    """
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: cannot write in {existing}")


# --------------------------------------------------------------------------- the parser class


#: Words read as values even though they start with "-": decimal numbers and the non-finite words.
_NEGATIVE_VALUE = re.compile(r"^-(?:[0-9]|\.[0-9]|inf|nan)", re.IGNORECASE)


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-line errors, negative numbers read as values, and the limits in --help.

    Sub-parsers (``add_subparsers``) are of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        epilog = kwargs.get("epilog")
        kwargs["epilog"] = f"{epilog}\n\n{LIMITS}" if epilog else LIMITS
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # "--eta=--" hands argparse the value "--", which Python < 3.12 drops as if it ended the options, leaving
        # the option an empty list that no type or choices check sees: read it as the value it is
        if arg_strings == ["--"] and action.nargs is None:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)

    def error(self, message: str) -> Any:
        """Print ``proofs-check: error: MESSAGE`` in one line on stderr (as every other mistake) and exit with 2."""
        self.exit(2, f"{PROG}: error: {_one_line(message)} (see {self.prog} --help)\n")


def _one_line(message: str) -> str:
    """argparse's message in one line, naming the option first: ``--eta: expected one argument``."""
    return re.sub(r"^argument ", "", " ".join(message.split()))
