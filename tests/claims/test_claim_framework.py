"""Verdicts, checks, claims, --param coercion and the claim registry."""

from __future__ import annotations

import textwrap
import uuid
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from proofs_check.claims import PAPER_ORDER, discover, module_name, paper_position
from proofs_check.core.claim import Check, Claim, Verdict, combine
from proofs_check.core.params import ParameterError, coerce, parse_assignment, route_assignments
from tests.conftest import PASSING, run_refuted


def make_check(verdict: Verdict) -> Check:
    ok = {Verdict.REFUTED: False, Verdict.INCONCLUSIVE: None}.get(verdict, True)
    return Check(
        name=verdict.value, instance={}, method="test", dps=None, claimed=None, observed={}, ok=ok, verdict=verdict
    )


# --- verdicts ---------------------------------------------------------------------------------------


def test_verdicts_are_ordered_weakest_to_strongest():
    assert Verdict.REFUTED < Verdict.INCONCLUSIVE < Verdict.SUPPORTED < Verdict.CERTIFIED < Verdict.PROVED
    assert [v.value for v in Verdict] == ["refuted", "inconclusive", "supported", "certified", "proved"]


@given(st.lists(st.sampled_from(list(Verdict))))
def test_combined_verdict_is_never_stronger_than_any_check(verdicts):
    combined = combine(make_check(v) for v in verdicts)
    assert all(combined <= v for v in verdicts)
    assert combined in verdicts or (not verdicts and combined is Verdict.INCONCLUSIVE)


@given(st.lists(st.sampled_from(list(Verdict))))
def test_a_refuted_check_refutes_the_claim(verdicts):
    combined = combine(make_check(v) for v in [*verdicts, Verdict.REFUTED])
    assert combined is Verdict.REFUTED


def test_from_outcome():
    assert Verdict.from_outcome(True, Verdict.CERTIFIED) is Verdict.CERTIFIED
    assert Verdict.from_outcome(False, Verdict.CERTIFIED) is Verdict.REFUTED
    assert Verdict.from_outcome(None, Verdict.PROVED) is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    "ok, verdict",
    [(False, Verdict.PROVED), (None, Verdict.SUPPORTED), (True, Verdict.REFUTED), (None, Verdict.REFUTED)],
)
def test_check_verdict_must_agree_with_ok(ok, verdict):
    with pytest.raises(ValueError, match="needs ok"):
        Check(name="c", instance={}, method="m", dps=None, claimed=None, observed={}, ok=ok, verdict=verdict)


def test_inconclusive_goes_with_any_outcome():
    for ok in (True, False, None):
        Check(
            name="c", instance={}, method="m", dps=None, claimed=None, observed={}, ok=ok, verdict=Verdict.INCONCLUSIVE
        )


# --- claims -------------------------------------------------------------------------------------------


def test_defaults_per_profile_include_constants():
    assert PASSING.defaults("standard") == {"bound": 1.0, "n": 4, "eta": 0.01, "fast": False, "mu": [[0.5], [-1.5]]}
    assert PASSING.defaults("quick")["n"] == 2
    assert PASSING.defaults("deep")["n"] == 8
    assert PASSING.names == ["bound", "n", "eta", "fast", "mu"]
    with pytest.raises(ValueError, match="unknown profile"):
        PASSING.defaults("huge")


def test_resolve_overrides_parameters_and_constants_with_coercion():
    params = PASSING.resolve("quick", {"bound": "2.5", "n": "7", "fast": "yes", "mu": "[[1], [2.5]]"})
    assert params == {"bound": 2.5, "n": 7, "eta": 0.01, "fast": True, "mu": [[1.0], [2.5]]}
    assert PASSING.resolve("quick") == PASSING.defaults("quick")


def test_resolve_names_unknown_key():
    with pytest.raises(ParameterError, match=r"unknown key 'm' for fake\.pass \(known: bound, n"):
        PASSING.resolve("standard", {"m": "3"})


@pytest.mark.parametrize(
    "key, text, message",
    [
        ("n", "3.5", "n=3.5: expected an integer"),
        ("bound", "abc", "bound=abc: expected a real number"),
        ("bound", "nan", "expected a finite real number"),
        ("fast", "maybe", "fast=maybe: expected true or false"),
        ("mu", "[[1], 2", "invalid JSON"),
        ("mu", '{"a": 1}', "expected a JSON array"),
    ],
)
def test_resolve_names_bad_value(key, text, message):
    with pytest.raises(ParameterError, match=message):
        PASSING.resolve("standard", {key: text})


def test_statement_shows_current_constants():
    assert PASSING.render_statement() == "L <= 1 for n = 4"
    assert PASSING.render_statement(PASSING.resolve("quick", {"bound": "3"})) == "L <= 3 for n = 2"
    weird = Claim(id="x", label="X", statement="|mu| <= {1/(3n)} and {unknown}", run=run_refuted)
    assert weird.render_statement() == "|mu| <= {1/(3n)} and {unknown}"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"constants": {"n": 1}, "parameters": {"n": 2}}, "both constant and parameter"),
        ({"parameters": {"n": 2}, "profiles": {"huge": {"n": 3}}}, "unknown profile"),
        ({"parameters": {"n": 2}, "profiles": {"quick": {"m": 3}}}, "unknown parameters"),
        ({"parameters": {"x": object()}}, "unsupported type"),
        ({"label": ""}, "needs an id, a label and a statement"),
    ],
)
def test_claim_definition_errors(fields, message):
    definition = {"id": "x", "label": "X", "statement": "s", "run": run_refuted, **fields}
    with pytest.raises((ValueError, TypeError), match=message):
        Claim(**definition)


# --- --param --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "default, text, expected",
    [
        (3, "-12", -12),
        (0.5, "1e-7", 1e-7),
        (Fraction(1, 2), "1/3", Fraction(1, 3)),
        (True, "off", False),
        ("1e-7", "0.25", "0.25"),
        ("gd", "em", "em"),
        ((1.0, 0.0), "[0, 1]", (0.0, 1.0)),
        (["0.5"], '[0.1, "2"]', ["0.1", "2"]),
        ({"a": 1}, '{"b": 2}', {"b": 2}),
        (None, "4", 4),
        (None, "auto", "auto"),
    ],
)
def test_coerce_follows_the_default_type(default, text, expected):
    value = coerce("k", text, default)
    assert value == expected and type(value) is type(expected)


def test_decimal_string_default_rejects_non_numbers():
    with pytest.raises(ParameterError, match=r"k=tiny: expected a real number in decimal .*\(default \"1e-7\"\)"):
        coerce("k", "tiny", "1e-7")


@given(st.integers(-(10**18) + 1, 10**18 - 1))
def test_integer_coercion_round_trips(value):
    assert coerce("n", str(value), 0) == value


def test_integers_of_more_than_18_digits_are_refused():
    with pytest.raises(ParameterError, match="n=1000000000000000000: expected an integer, got an integer of 19 digits"):
        coerce("n", str(10**18), 0)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_coercion_round_trips(value):
    assert coerce("x", repr(value), 0.0) == value


def test_parse_assignment():
    assert parse_assignment("thm3.1:n=4") == ("thm3.1", "n", "4")
    assert parse_assignment("mu=[[1]]") == (None, "mu", "[[1]]")
    assert parse_assignment("x=a=b") == (None, "x", "a=b")
    for bad in ("n", "=3", ":n=3", "thm3.1:=3"):
        with pytest.raises(ParameterError, match="expected KEY=VALUE"):
            parse_assignment(bad)


def test_route_assignments():
    known = {"a": ["n", "eta"], "b": ["n", "bound"]}
    assert route_assignments(["n=3", "b:bound=2", "eta=0.1"], known) == {
        "a": {"n": "3", "eta": "0.1"},
        "b": {"n": "3", "bound": "2"},
    }
    with pytest.raises(ParameterError, match=r"unknown key 'm' \(known: bound, eta, n\)"):
        route_assignments(["m=1"], known)
    with pytest.raises(ParameterError, match=r"unknown key 'eta' \(known: n, bound\)"):
        route_assignments(["b:eta=1"], known)
    with pytest.raises(ParameterError, match="claim 'c' is not among those run"):
        route_assignments(["c:n=1"], known)


# --- registry -----------------------------------------------------------------------------------------

CLAIM_MODULE = """
from proofs_check.core.claim import Claim

def run(profile, params, *, seed, progress):
    return []

CLAIM = Claim(id={claim_id!r}, label="L", statement="S", run=run)
"""


def write_package(root, modules: dict[str, str]) -> str:
    name = f"fake_claims_{uuid.uuid4().hex}"
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))
    return name


def test_registry_orders_claims_as_the_paper(tmp_path, monkeypatch):
    ids = ["thm3.7", "zeta.extra", "eq1", "bridge.em", "lemma2.2", "alpha.extra", "thm3.1"]
    package = write_package(tmp_path, {module_name(i): CLAIM_MODULE.format(claim_id=i) for i in ids})
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = discover(package)
    assert registry.ids == ["eq1", "lemma2.2", "bridge.em", "thm3.1", "thm3.7", "alpha.extra", "zeta.extra"]
    assert registry.errors == {}
    assert registry.get("thm3.1").id == "thm3.1"
    with pytest.raises(KeyError):
        registry.get("thm2.1")


def test_registry_records_broken_modules_and_keeps_the_rest(tmp_path, monkeypatch):
    package = write_package(
        tmp_path,
        {
            "eq1": CLAIM_MODULE.format(claim_id="eq1"),
            "thm2_1": "raise ImportError('missing dependency')",
            "thm3_1": "CLAIM = 42",
            "thm3_2": CLAIM_MODULE.format(claim_id="thm3.4"),
            "_helpers": "raise RuntimeError('private modules are not claims')",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = discover(package)
    assert registry.ids == ["eq1"]
    assert registry.errors == {
        "thm2_1": "ImportError: missing dependency",
        "thm3_1": "TypeError: module thm3_1 defines no CLAIM = Claim(...)",
        "thm3_2": "ValueError: claim id 'thm3.4' belongs in module thm3_4.py",
    }


def test_empty_package_gives_empty_registry(tmp_path, monkeypatch):
    package = write_package(tmp_path, {})
    monkeypatch.syspath_prepend(str(tmp_path))
    assert discover(package).claims == ()


def test_shipped_claims_load_in_paper_order():
    registry = discover()
    assert registry.errors == {}
    assert registry.ids == sorted(registry.ids, key=paper_position)
    assert len(PAPER_ORDER) == 10


def test_corroborating_checks_refute_when_they_fail_but_never_weaken_a_proof():
    from proofs_check.core.claim import Check, Verdict, combine

    def check(verdict, ok, corroborates=False):
        return Check(
            name="c",
            instance={},
            method="m",
            dps=None,
            claimed=None,
            observed={},
            ok=ok,
            verdict=verdict,
            corroborates=corroborates,
        )

    proof = check(Verdict.PROVED, True)
    assert combine([proof, check(Verdict.SUPPORTED, True, corroborates=True)]) is Verdict.PROVED
    assert combine([proof, check(Verdict.INCONCLUSIVE, None, corroborates=True)]) is Verdict.PROVED
    assert combine([proof, check(Verdict.REFUTED, False, corroborates=True)]) is Verdict.REFUTED
    assert combine([check(Verdict.SUPPORTED, True, corroborates=True)]) is Verdict.SUPPORTED
