"""Bounded memory (issue 13, item 1): every rule has a node budget from the cap, works in chunks below it,
and a configuration beyond it is refused in one line (precise) or integrated by randomized QMC (fast).

No test allocates much: the cases of the issue that used to need GBs are now cheap or refused up front,
and the budget logic is exercised with small caps (``PROOFS_CHECK_MAX_MEMORY``).
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric.config import InputError
from numeric.expectation.budget import (
    DEFAULT_MAX_MEMORY,
    MAX_CHUNK,
    chunk_nodes,
    max_memory,
    node_budget,
    node_bytes,
)
from numeric.model import evaluate


def _entries(result) -> list[float]:
    return [float(result.loss)] + [float(g) for row in result.grad for g in row]


@pytest.mark.parametrize(
    "text, expected", [("", DEFAULT_MAX_MEMORY), ("512M", 512 << 20), ("2G", 2 << 30), ("1.5GiB", 3 << 29)]
)
def test_the_cap_is_read_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("PROOFS_CHECK_MAX_MEMORY", text)
    assert max_memory() == expected


@pytest.mark.parametrize("text, message", [("lots", "not a size"), ("10", "below the 1 MiB minimum")])
def test_a_bad_cap_is_one_input_error(monkeypatch, text, message):
    monkeypatch.setenv("PROOFS_CHECK_MAX_MEMORY", text)
    with pytest.raises(InputError, match=message):
        max_memory()


@pytest.mark.parametrize("bits", [None, 141, 3371])
def test_chunks_fit_well_below_the_cap(monkeypatch, bits):
    monkeypatch.setenv("PROOFS_CHECK_MAX_MEMORY", "4M")
    outputs, rank = 1 + 5 * 3 + 10, 3
    chunk = chunk_nodes(outputs, rank, bits)
    assert 1 <= chunk <= MAX_CHUNK
    assert chunk * node_bytes(outputs, rank, bits) <= max_memory() // 16 or chunk == 1
    assert node_budget(outputs, rank, bits) * node_bytes(outputs, rank, bits) <= max_memory()


def test_the_issue_fast_case_that_asked_for_21_gib_is_a_few_nodes_and_right():
    """The switches of [[1000,0],[0,1000],[0,0]] lie 500 from the origin: no rule needs to resolve them."""
    mu = [["1000", "0"], ["0", "1000"], ["0", "0"]]
    fast = evaluate(mu)
    assert "nodes" in fast.method and "QMC" not in fast.method
    precise = evaluate(mu, tier="precise", dps=30)
    worst = max(abs(a - b) for a, b in zip(_entries(fast), _entries(precise)))
    assert worst <= fast.error
    assert fast.error <= 1e-11 * (1 + 2 * 1000**2)


def test_the_issue_precise_case_that_died_at_5_8_gb_is_now_cheap():
    precise = evaluate([[30, 0], [0, 30], [0, 0]], tier="precise", dps=30)
    assert precise.error < 1e-30
    fast = evaluate([[30, 0], [0, 30], [0, 0]])
    assert max(abs(a - b) for a, b in zip(_entries(fast), _entries(precise))) <= fast.error


def test_rank_3_precise_beyond_the_cap_is_refused_up_front_in_one_line():
    with pytest.raises(InputError, match="memory cap") as caught:
        evaluate([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], tier="precise", dps=30)
    assert caught.value.name == "mu"
    assert "\n" not in str(caught.value) and "PROOFS_CHECK_MAX_MEMORY" in str(caught.value)


def test_rank_11_is_statistical_in_the_fast_tier_and_refused_in_the_precise_one():
    mu = np.round(np.random.default_rng(0).standard_normal((12, 20)), 3).tolist()
    fast = evaluate(mu)
    assert "randomized QMC (statistical)" in fast.method and not fast.rigorous
    assert all(np.isfinite(_entries(fast))) and 0 < fast.error < 1.0
    with pytest.raises(InputError, match="rank 11"):
        evaluate(mu, tier="precise", dps=30)


def test_a_small_cap_moves_the_fast_tier_to_qmc_and_refuses_the_precise_tier(monkeypatch):
    space = [["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"], ["0", "0", "0"]]  # ~5e4 nodes, ~36 MB
    exact = evaluate(space)
    assert "tensor rule" in exact.method or "slab rule" in exact.method  # exact, not statistical
    monkeypatch.setenv("PROOFS_CHECK_MAX_MEMORY", "1M")
    fallback = evaluate(space)
    assert "randomized QMC (statistical)" in fallback.method and "needs" in fallback.method
    assert max(abs(a - b) for a, b in zip(_entries(fallback), _entries(exact))) <= fallback.error
    with pytest.raises(InputError, match="memory cap of 1.0 MiB"):
        evaluate([["1", "0"], ["0", "1"], ["0", "0"]], tier="precise", dps=30)


def test_a_line_rule_beyond_the_cap_is_refused(monkeypatch):
    monkeypatch.setenv("PROOFS_CHECK_MAX_MEMORY", "1M")
    with pytest.raises(InputError, match="Gauss-Legendre nodes"):
        evaluate([["0.5"], ["-0.25"]], tier="certified", dps=300)
