"""The JSON number convention: decimal strings, [lo, hi] outward-rounded enclosures."""

from __future__ import annotations

import decimal
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, strategies as st

from proofs_check.core.claim import Verdict
from proofs_check.core.jsonfmt import enclosure, number, to_json


@pytest.mark.parametrize(
    "value, text",
    [
        (0.1, "0.1"),
        (3, "3"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (Fraction(3, 8), "0.375"),
        (Fraction(-7, 20), "-0.35"),
        (Fraction(10**30), str(10**30)),
        (decimal.Decimal("1.50E-3"), "0.00150"),
        (np.float64(0.2), "0.2"),
        (sympy.Rational(1, 4), "0.25"),
        (mpmath.mpf(0), "0.0"),
        (mpmath.mpf("inf"), "inf"),
        (flint.fmpq(1, 4), "0.25"),
    ],
)
def test_number(value, text):
    assert number(value) == text


def test_non_terminating_rational_keeps_fifty_digits():
    assert number(Fraction(1, 3)) == "0." + "3" * 50


def test_mpf_keeps_its_working_precision():
    with mpmath.workdps(50):
        third = mpmath.mpf(1) / 3
        assert mpmath.mpf(number(third)) == third
    assert len(number(third)) > 50


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(53, 400))
def test_mpf_strings_read_back_exactly(value, bits):
    with mpmath.workprec(bits):
        x = mpmath.mpf(value) / 7
        assert mpmath.mpf(number(x)) == x


@given(st.fractions(max_denominator=10**12), st.integers(30, 300))
def test_arb_enclosure_contains_the_value(value, bits):
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        ball = flint.arb(value.numerator) / value.denominator
    finally:
        flint.ctx.prec = old
    lo, hi = to_json(ball)
    assert Fraction(lo) <= value <= Fraction(hi)


@given(st.fractions(), st.fractions(), st.integers(1, 40))
def test_enclosure_rounds_outward(a, b, digits):
    lo, hi = sorted((a, b))
    lo_text, hi_text = enclosure(lo, hi, digits=digits)
    assert Fraction(lo_text) <= lo and hi <= Fraction(hi_text)


def test_enclosure_rejects_empty_interval():
    with pytest.raises(ValueError, match="empty enclosure"):
        enclosure(2, 1)


def test_intervals_and_infinite_balls():
    assert to_json(flint.arb("inf")) == ["-inf", "inf"]
    assert enclosure(0, float("inf")) == ["0", "inf"]
    lo, hi = to_json(mpmath.iv.mpf([1, 2]) / 3)
    assert Fraction(lo) <= Fraction(1, 3) and Fraction(2, 3) <= Fraction(hi)


def test_to_json_recurses_and_keeps_counts_and_flags():
    data = {
        "n": 3,
        "ok": True,
        "none": None,
        "verdict": Verdict.CERTIFIED,
        1: (0.5, [np.int64(2)]),
        "grid": np.array([[1.5, 2.0]]),
        "expr": sympy.Symbol("x") ** 2,
    }
    assert to_json(data) == {
        "n": 3,
        "ok": True,
        "none": None,
        "verdict": "certified",
        "1": ["0.5", [2]],
        "grid": [["1.5", "2.0"]],
        "expr": "x**2",
    }


def test_to_json_names_unsupported_types():
    with pytest.raises(TypeError, match="cannot format object"):
        to_json(object())
