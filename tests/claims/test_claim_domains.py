"""Claim parameters are validated by their declared domains before anything runs.

A value outside a parameter's type and range (or choices) is one line and exit status 2, before any claim runs;
an empty instance list is an error, never a verdict; a parameter without a declaration is read by its default.
"""

from __future__ import annotations

import pytest

from proofs_check.claims import discover
from proofs_check.cli.main import main
from proofs_check.core.claim import Claim
from proofs_check.core.params import Choice, Integer, Items, ParameterError, Real
from tests.conftest import run_refuted

#: Values the issue found accepted (some with a verdict), each for the claim that must now refuse it, and the words
#: the refusal must contain.
CASES = [
    ("thm3.1", "loss_sign=maybe", "expected one of positive, negative"),
    ("thm3.1", "n_values=[]", "expected 1 to 10 items, got 0"),
    ("thm3.1", "n_values=[2]", "item 1: expected an integer from 3 to 12"),
    ("thm3.1", "dps=1e9", "expected an integer from 20 to 500"),
    ("eq1", "samples=-1", "expected an integer from 1 to 1000, got -1"),
    ("eq1", "instances=[]", "expected 1 to 20 items, got 0"),
    ("eq1", "instances=[[2]]", "item 1: expected 2 items, got 1"),
    ("eq1", "scale_exponent=nan", "expected an integer from -10 to 10, got 'nan'"),
    ("lemma2.2", "coefficients=[1, 2]", "expected 5 items, got 2"),
    ("lemma2.2", "samples=" + "9" * 5000, "got an integer of 5000 digits"),
    ("bridge.em", "factor=1e999", "expected a real number >= -100 and <= 100"),
    ("bridge.em", "min_digits=[[[[[[[[[[1]]]]]]]]]]", "expected a real number"),
    ("thm3.5", "seeds=0", "expected an integer from 1 to 1000, got 0"),
    ("thm3.5", "probability=2", "expected a real number >= 0 and <= 1, got '2'"),
    ("thm3.7", "M0_values=[]", "expected 1 to 10 items, got 0"),
    ("thm3.2", "steps=1e9", "expected an integer from 1 to 100000, got '1e9'"),
    ("thm3.2", "steps=1000000000", "expected an integer from 1 to 100000, got 1000000000"),
    ("thm2.1", "n_values=[]", "expected 1 to 10 items, got 0"),
    ("thm2.1", "ball_denominator=0", "expected a rational number p/q or a decimal number > 0"),
    ("lemma3.3", "instances=[]", "expected 1 to 10 items, got 0"),
    ("lemma3.3", "ball_fraction=0", "expected an integer from 1 to 1000, got 0"),
]


@pytest.mark.parametrize("claim_id, assignment, words", CASES)
def test_a_value_outside_its_domain_is_one_line_before_anything_runs(tmp_path, capsys, claim_id, assignment, words):
    assert main(["check", claim_id, "--param", assignment, "--out", str(tmp_path), "-q"]) == 2
    captured = capsys.readouterr()
    key = assignment.partition("=")[0]
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"proofs-check: error: --param {key}=") and words in captured.err
    assert list(tmp_path.iterdir()) == []  # refused before any report folder exists


def test_every_shipped_domain_accepts_its_defaults_and_refuses_garbage():
    registry = discover()
    for claim in registry.claims:
        for name, domain in claim.domains.items():
            for profile in ("quick", "standard", "deep"):
                domain.convert(claim.defaults(profile)[name])  # raises if a profile leaves the domain
            with pytest.raises(ValueError):
                domain.convert("\x00not a value\n")


def test_declarations_are_checked_when_the_claim_is_defined():
    base = {"id": "x", "label": "X", "statement": "s", "run": run_refuted}
    with pytest.raises(ValueError, match="domains of unknown names"):
        Claim(**base, parameters={"n": 3}, domains={"m": Integer()})
    with pytest.raises(ValueError, match="default 3 outside its domain"):
        Claim(**base, parameters={"n": 3}, domains={"n": Integer(4, 8)})
    with pytest.raises(ValueError, match="'n': default 9 outside its domain"):
        Claim(**base, parameters={"n": 3}, profiles={"deep": {"n": 9}}, domains={"n": Integer(1, 8)})


def test_declared_and_inferred_names_side_by_side():
    claim = Claim(
        id="x",
        label="X",
        statement="s",
        run=run_refuted,
        constants={"p": 0.5, "side": "left"},
        parameters={"n_values": [3, 4], "undeclared": 7, "grid": []},
        domains={"p": Real(0, 1), "side": Choice(("left", "right")), "n_values": Items(Integer(2, 9))},
    )
    values = claim.resolve("standard", {"p": "0.25", "side": "right", "n_values": "[2, 9]", "undeclared": "-3"})
    assert values["p"] == 0.25 and values["side"] == "right" and values["n_values"] == [2, 9]
    assert values["undeclared"] == -3 and claim.resolve("standard", {"grid": "[]"})["grid"] == []
    with pytest.raises(ParameterError, match=r"--param p=2: expected a real number >= 0 and <= 1, got '2'"):
        claim.resolve("standard", {"p": "2"})
    with pytest.raises(ParameterError, match="undeclared=1.5: expected an integer"):
        claim.resolve("standard", {"undeclared": "1.5"})
    with pytest.raises(ParameterError, match=r"n_values=\[\]: expected 1 to 1,000 items, got 0"):
        claim.resolve("standard", {"n_values": "[]"})
