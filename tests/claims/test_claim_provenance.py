"""Every shipped claim says where its constants come from, and its statement reads as mathematics."""

from __future__ import annotations

import re

import pytest

from proofs_check.claims import discover
from proofs_check.core.claim import SOURCES, Claim, Provenance
from proofs_check.core.mathtext import fill, number
from tests.conftest import run_refuted

CLAIMS = discover().claims


def test_the_registry_loads():
    assert len(CLAIMS) >= 10 and not discover().errors


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda claim: claim.id)
def test_every_constant_has_a_source_and_the_reading_is_declared(claim):
    assert claim.provenance is not None and claim.provenance.reading
    assert set(claim.provenance.constants) == set(claim.constants)
    assert set(claim.provenance.constants.values()) <= set(SOURCES)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda claim: claim.id)
@pytest.mark.parametrize("profile", ["quick", "standard", "deep"])
def test_statements_read_as_mathematics(claim, profile):
    text = claim.render_statement(claim.defaults(profile))
    assert not re.search(r"\{\w+(:[^}]*)?\}", text), text  # every field filled
    assert not re.search(r"\d\.0(?!\d)", text), text  # 108, not 108.0
    assert not re.search(r"(?<![\w.])1 [a-z]", text.replace("1 parameter", "")), text  # no '1 n^3'
    assert not re.search(r"[-+] 0(?![.\d])", text), text  # no '- 0'
    assert "(s)" not in text and "1000000" not in text and "^1 " not in text, text


def test_an_edited_statement_shows_its_values_as_numbers():
    thm35 = next(claim for claim in CLAIMS if claim.id == "thm3.5")
    edited = thm35.render_statement(thm35.resolve("standard", {"converging": "2", "hypothesis_constant": "0"}))
    assert "exactly 2 parameters converge" in edited and "M0 > 0 sqrt(d)" in edited


def test_provenance_names_known_constants_and_sources():
    fields = {"id": "x", "label": "X", "statement": "s {c}", "run": run_refuted, "constants": {"c": 1}}
    with pytest.raises(ValueError, match="unknown constants"):
        Claim(**fields, provenance=Provenance(reading="r", constants={"k": "as reported"}))
    with pytest.raises(ValueError, match="not one of"):
        Claim(**fields, provenance=Provenance(reading="r", constants={"c": "guessed"}))


@pytest.mark.parametrize(
    "value, text",
    [(1e9, "1e9"), (108.0, "108"), (0.1, "0.1"), ("0.0100", "0.01"), (-0.0, "0"), (1e-7, "1e-7"), (2.5e6, "2.5e6")],
)
def test_numbers(value, text):
    assert number(value) == text


@pytest.mark.parametrize(
    "template, values, text",
    [
        ("L <= {c} n^3 d^2", {"c": 1.0}, "L <= n^3 d^2"),
        ("L <= {c} n^3", {"c": 2.0}, "L <= 2 n^3"),
        ("e^{-{k} t}", {"k": 1}, "e^{-t}"),
        ("O(1/tau^{p})", {"p": 1.0}, "O(1/tau)"),
        ("O(1/tau^{p})", {"p": 1.5}, "O(1/tau^1.5)"),
        ("L(s*) - {z} positive", {"z": 0.0}, "L(s*) positive"),
        ("L(s*) - {z} positive", {"z": 0.5}, "L(s*) - 0.5 positive"),
        ("exactly {k} parameter", {"k": 1}, "exactly 1 parameter"),  # a count is not a coefficient
        ("{k} {k:check|checks}", {"k": 1}, "1 check"),
        ("{k} {k:check|checks}", {"k": 0}, "0 checks"),
        ("(u: {u})", {"u": ["toward", "away"]}, "(u: [toward, away])"),
        ("{unknown} stays", {}, "{unknown} stays"),
    ],
)
def test_fill(template, values, text):
    assert fill(template, values) == text
