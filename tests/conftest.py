"""Shared fixtures: fake claims for exercising the checker's framework and command line.

The fake claims' ``run`` functions live at module level so that ``--jobs 2`` can ship them to
worker processes.
"""

from __future__ import annotations

import random
from fractions import Fraction

import flint
import mpmath
import pytest
from matplotlib.figure import Figure

from proofs_check.claims import Registry
from proofs_check.core.claim import Check, Claim, Provenance, Verdict


def run_passing(profile, params, *, seed, progress):
    progress("computing")
    draw = random.Random(seed).random()
    figure = Figure()
    figure.add_subplot().plot([0, 1], [0, draw])
    with mpmath.workdps(30):
        third = mpmath.mpf(1) / 3
    return [
        Check(
            name="exact identity",
            instance={"n": params["n"]},
            method="sympy simplify",
            dps=None,
            claimed=Fraction(2, params["n"]),
            observed={"value": Fraction(2, params["n"])},
            ok=True,
            verdict=Verdict.PROVED,
        ),
        Check(
            name="bound holds",
            instance={"n": params["n"], "eta": params["eta"]},
            method="ball arithmetic",
            dps=30,
            claimed=params["bound"],
            observed={"draw": draw, "third": third, "ball": flint.arb(1) / 3},
            ok=True,
            verdict=Verdict.SUPPORTED,
            detail=f"profile {profile}",
            figures={"draw": figure},
        ),
    ]


def run_refuted(profile, params, *, seed, progress):
    return [
        Check(
            name="holds",
            instance={},
            method="float",
            dps=16,
            claimed=1.0,
            observed={"value": 1.0},
            ok=True,
            verdict=Verdict.CERTIFIED,
        ),
        Check(
            name="counterexample",
            instance={"n": 3},
            method="float",
            dps=16,
            claimed="L >= 1",
            observed={"L": 0.5},
            ok=False,
            verdict=Verdict.REFUTED,
        ),
    ]


def run_broken(profile, params, *, seed, progress):
    raise RuntimeError("boom")


PASSING = Claim(
    id="fake.pass",
    label="Fake Lemma 1",
    run=run_passing,
    statement="L <= {bound} for n = {n}",
    constants={"bound": 1.0},
    parameters={"n": 4, "eta": 0.01, "fast": False, "mu": [[0.5], [-1.5]]},
    profiles={"quick": {"n": 2}, "deep": {"n": 8}},
    notes=["a fake claim"],
    provenance=Provenance(reading="L is bounded by the constant", constants={"bound": "as reported"}),
)
REFUTED = Claim(id="fake.refuted", label="Fake Theorem 2", statement="L >= 1", run=run_refuted)
BROKEN = Claim(id="fake.broken", label="Fake Theorem 3", statement="never runs", run=run_broken)


@pytest.fixture
def use_claims(monkeypatch):
    """A function that makes the command line see exactly the given claims (and load errors)."""

    def install(*claims: Claim, errors: dict[str, str] | None = None) -> Registry:
        registry = Registry(tuple(claims), dict(errors or {}))
        monkeypatch.setattr("proofs_check.cli.main.discover", lambda only=None: registry)
        return registry

    return install


@pytest.fixture
def fake_registry(use_claims):
    """The command line sees two fake claims: one passing, one refuted."""
    return use_claims(PASSING, REFUTED)


@pytest.fixture(autouse=True)
def no_disk_cache(monkeypatch):
    """Tests compute everything afresh: a result cached by an earlier run must not decide a test."""
    monkeypatch.setenv("PROOFS_CHECK_CACHE", "off")


@pytest.fixture(scope="module")
def module_cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("gd-cache")


@pytest.fixture
def shared_module_cache(no_disk_cache, monkeypatch, module_cache_dir):
    """A fresh cache shared by one test module (use with ``pytest.mark.usefixtures``): no earlier run
    decides a test, and later tests reuse the GD runs of earlier ones, as claims do in production."""
    monkeypatch.setenv("PROOFS_CHECK_CACHE", str(module_cache_dir))
