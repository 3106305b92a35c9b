"""The shared command-line parsers: domains, limits, JSON readers and the one-line argparse errors."""

from __future__ import annotations

import argparse
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import (
    LIMITS,
    MAX_DIGITS,
    MAX_JSON_CHARS,
    ArgumentParser,
    Choice,
    Flag,
    Integer,
    Items,
    Json,
    Matrix,
    Rational,
    Real,
    Text,
    read_json,
    values,
    writable_folder,
)


@pytest.mark.parametrize(
    "domain, text, expected",
    [
        (Integer(0, 10), " 7 ", 7),
        (Integer(), "-12", -12),
        (Integer(), "+3", 3),
        (Real(0, above=True), "1e-300", 1e-300),
        (Real(), "-.5", -0.5),
        (Real(exact=True), "0.1000000000000000000001", "0.1000000000000000000001"),
        (Real(exact=True), "1e-400", "1e-400"),
        (Choice(("toward", "away")), "away", "away"),
        (Choice((1, -1)), "-1", -1),
        (Flag(), "Off", False),
        (Items(Integer(1, 9)), "[1, 9]", [1, 9]),
        (Items(Real(exact=True), kind=tuple), '[0.1, "2"]', ("0.1", "2")),
        (Text(), "em", "em"),
        (Rational(), "1/3", Fraction(1, 3)),
        (Rational(), "0.25", Fraction(1, 4)),
        (Json(kind=dict), '{"a": [1]}', {"a": [1]}),
        (Json(text_too=True), "auto", "auto"),
        (Matrix(), '[[0.5, "1e-7"], [2, 3]]', [["0.5", "1e-7"], ["2", "3"]]),
    ],
)
def test_domains_read_good_values(domain, text, expected):
    value = domain.convert(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "domain, text, reason",
    [
        (Integer(0, 10), "11", "expected an integer from 0 to 10, got 11"),
        (Integer(), "²", "expected an integer, got '²'"),
        (Integer(), "١٢", "expected an integer"),
        (Integer(), "1_000", "expected an integer"),
        (Integer(), "9" * 5000, "got an integer of 5000 digits"),
        (Integer(), True, "expected an integer"),
        (Real(0, above=True), "-1e-300", "expected a real number > 0, got '-1e-300'"),
        (Real(0, 1, below=True), "1", "expected a real number >= 0 and < 1"),
        (Real(), "nan", "expected a finite real number"),
        (Real(), "-inf", "expected a finite real number"),
        (Real(), "0x1p3", "in decimal notation"),
        (Real(), "1e999", "outside the range of double precision"),
        (Real(), "1e-400", "outside the range of double precision"),
        (Real(exact=True), "1e100001", "decimal exponent beyond +-100,000"),
        (Real(exact=True), "1" * 1001, "at most 1000 characters"),
        (Choice(("toward", "away")), "maybe", "expected one of toward, away, got 'maybe'"),
        (Flag(), "maybe", "expected true or false"),
        (Items(Integer(1, 9)), "[]", "expected 1 to 1,000 items, got 0"),
        (Items(Integer(1, 9), minimum=2, maximum=2), "[1]", "expected 2 items, got 1"),
        (Items(Integer(1, 9)), "[1, 10]", "item 2: expected an integer from 1 to 9"),
        (Items(Integer()), "[[1]]", "JSON nested deeper than 1"),
        (Items(Integer()), "[1", "invalid JSON"),
        (Text(), "two\nlines", "expected a text"),
        (Rational(), "1/0", "zero denominator"),
        (Rational(), "1e999999999", "expected a rational"),
        (Rational(0, above=True), "0/5", "expected a rational number p/q or a decimal number > 0, got '0/5'"),
        (Json(kind=dict), "[1]", "expected a JSON object"),
        (Matrix(), "[[NaN]]", "NaN is not a finite number"),
        (Matrix(), "[[]]", "expected a JSON list of n lists"),
        (Matrix(), "[" * 3000, "JSON nested deeper than 2"),
        (Matrix(rows=2), "[[1], [2], [3]]", "3 parameters of up to 1 numbers exceed"),
        (Matrix(), "[" + ",".join(["[0]"] * 1001) + "]", "1001 parameters"),
    ],
)
def test_domains_refuse_bad_values_saying_why(domain, text, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace("[", r"\[").replace("+", r"\+")):
        domain.convert(text)
    with pytest.raises(UsageError, match="^--opt: "):
        domain.parse(text, "--opt")
    if isinstance(text, str):
        with pytest.raises(argparse.ArgumentTypeError):
            domain(text)


@given(st.integers(-(10**MAX_DIGITS) + 1, 10**MAX_DIGITS - 1))
def test_integers_round_trip(number):
    assert Integer().convert(str(number)) == number


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_reals_round_trip(number):
    assert Real().convert(repr(number)) == number


def test_read_json_counts_brackets_outside_strings_only():
    assert read_json('["[[[[[[[[[[", "\\"]]]"]', depth=1) == ["[[[[[[[[[[", '"]]]']
    with pytest.raises(ValueError, match="JSON text of 1,000,001 characters; at most 1,000,000"):
        read_json(" " * (MAX_JSON_CHARS + 1))
    with pytest.raises(ValueError, match="Infinity is not a finite number"):
        read_json("[Infinity]")


def test_values_read_words_and_commas():
    assert values(["2", "3,4", " 5 "], "--n", Integer(2, 9)) == [2, 3, 4, 5]
    with pytest.raises(UsageError, match="--n: expected at least one value"):
        values([",", ""], "--n", Integer())
    with pytest.raises(UsageError, match="--n: expected an integer from 2 to 9, got 1"):
        values("2,1", "--n", Integer(2, 9))
    with pytest.raises(UsageError, match="at most 1,000 values"):
        values(",".join(["2"] * 1001), "--n", Integer())


def test_writable_folder(tmp_path):
    writable_folder(tmp_path / "new" / "deeper", "--out")  # created later: the ancestor is writable
    (tmp_path / "file").write_text("")
    for path in (tmp_path / "file", tmp_path / "file" / "below"):
        with pytest.raises(UsageError, match="--out: .*file is not a folder"):
            writable_folder(path, "--out")


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="proofs-check demo", epilog="about")
    parser.add_argument("--eta", type=Real(0, above=True))
    parser.add_argument("--n", nargs="+", type=Integer())
    parser.add_argument("--profile", choices=["quick", "deep"])
    parser.add_argument("-q", "--quiet", action="store_true")
    return parser


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--eta", "-1e-300"], "--eta: expected a real number > 0, got '-1e-300'"),
        (["--eta", "-inf"], "--eta: expected a finite real number"),
        (["--eta"], "--eta: expected one argument"),
        (["--eta=--"], "--eta: expected a real number in decimal notation, got '--'"),
        (["--profile=--"], "--profile: invalid choice: '--'"),
        (["--quiet=yes"], "-q/--quiet: ignored explicit argument 'yes'"),
        (["--nope"], "unrecognized arguments: --nope"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        _parser().parse_args(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert err.startswith(f"proofs-check: error: {message}") and err.endswith("(see proofs-check demo --help)\n")


def test_negative_numbers_are_values_and_the_limits_are_in_the_help():
    assert _parser().parse_args(["--n", "-3", "-1"]).n == [-3, -1]
    text = _parser().format_help()
    assert "about" in text and " ".join(LIMITS.split()) in " ".join(text.split())
