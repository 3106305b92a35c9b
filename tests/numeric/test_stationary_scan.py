"""Stationary points on symmetric families: Hessian blocks, inertia, Krawczyk certification, the CLI."""

from __future__ import annotations

import json

import flint
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.landscape.hessian import hessian_blocks_float, inertia, line_enclosures
from numeric.landscape.ring_scan import radial_gradient, ring
from numeric.landscape.stationary import certify_family_root
from numeric.landscape.symmetric_scan import antipodal, certify, find_roots, morse_index, point_key, tied
from numeric.model import loss_and_gradient_float
from proofs_check.cli.main import main
from proofs_check.studies.stationary_scan import _summary

configurations = st.lists(st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3)), min_size=2, max_size=4)


def _balls(a):
    return [flint.arb(x) for x in a]


@settings(max_examples=6, deadline=None)
@given(configurations)
def test_enclosed_blocks_match_finite_differences_of_the_2d_engine(a):
    """H_par and H_perp (ball formulas) against central differences of the general engine in d = 2."""
    enclosed = line_enclosures(_balls(a), 20)
    parallel, perpendicular, error = hessian_blocks_float(a)
    for block, estimate in ((enclosed.parallel, parallel), (enclosed.perpendicular, perpendicular)):
        mids = np.array([[float(x.mid()) for x in row] for row in block])
        radius = max(float(x.rad()) for row in block for x in row)
        assert np.max(np.abs(mids - estimate)) <= 4 * error + radius + 1e-9


@settings(max_examples=5, deadline=None)
@given(configurations)
def test_rotation_identity_perpendicular_block_times_a_is_the_gradient(a):
    """Rotations about the truth: H_perp a = g for every configuration on the line (exactly, in balls)."""
    enclosed = line_enclosures(_balls(a), 20)
    for row, g in zip(enclosed.perpendicular, enclosed.gradient):
        assert (sum((h * x for h, x in zip(row, a)), flint.arb(0)) - g).contains(0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_inertia_agrees_with_eigenvalues(size, seed):
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((size, size))
    matrix = matrix + matrix.T
    eigenvalues = np.linalg.eigvalsh(matrix)
    signs = inertia([[flint.arb(x) for x in row] for row in matrix])
    if signs is not None:  # a pivot ball can contain 0 only when some leading minor is ~ 0
        assert signs == (int(np.sum(eigenvalues < 0)), 0, int(np.sum(eigenvalues > 0)))


def test_inertia_refuses_a_pivot_ball_containing_zero():
    assert inertia([[flint.arb(0, 1e-3), flint.arb(1)], [flint.arb(1), flint.arb(2)]]) is None
    assert inertia([[flint.arb(-1)]]) == (1, 0, 0)


def test_tied_family_groups_equal_values():
    assert tied([0.5, -1.0, 0.5, 2.0]).P == ((0, 1, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1))
    assert point_key([1.0, -2.0, 0.0]) == point_key([2.0, 0.0, -1.0])


@pytest.fixture(scope="module")
def antipodal_point():
    (root,) = find_roots(antipodal(3))
    return certify(antipodal(3).configuration(list(root)), 30)


def test_theorem_3_1_point_is_certified_and_classified(antipodal_point):
    point = antipodal_point
    reference = certify_family_root(3, dps=30)
    assert point.certified
    assert any(x.overlaps(reference.newton) for x in point.enclosure)
    assert point.loss.overlaps(reference.loss) and point.loss > 0
    assert point.parallel_inertia == (2, 0, 1)
    assert point.perpendicular_inertia == (1, 1, 1)  # one rotation zero mode
    assert point.kind(1) == "saddle (index 2)" and point.kind(3) == "saddle (index 4)"
    assert np.sum(np.array(point.parallel_eigenvalues) < 0) == 2  # the double-precision route agrees


def test_a_non_stationary_point_is_not_certified():
    point = certify([1.0, -1.0, 0.0], 25)
    assert not point.certified and point.loss is None and point.kind(1) == "?"


def test_morse_index_and_kinds():
    assert morse_index((1, 0, 2), (0, 2, 1), 3) == (1, 4, 9)
    assert morse_index((1, 0, 2), None, 1) == (1, 0, 3)
    assert morse_index((1, 0, 2), None, 2) is None


def test_summary_reports_a_spurious_minimum():
    points = [
        {
            "configuration": [1.0, 2.0],
            "loss_positive": True,
            "certified": True,
            "kind": {"1": "local minimum", "2": "saddle (index 1)"},
        }
    ]
    rings = [
        {"n": 4, "m": 3, "radius": 2.5, "kind": {"2": "local minimum"}},
        {"n": 4, "m": 4, "radius": 1.0, "kind": {"2": "saddle (index 3)"}},
    ]
    summary = _summary(points, rings, [2], [1, 2])
    assert summary["spurious_local_minima"] == {"1": [[1.0, 2.0]], "2": []}
    assert summary["kinds"] == {"1": {"local minimum": 1}, "2": {"saddle": 1}}
    assert summary["planar_kinds_d2"] == {"local minimum": 1, "saddle": 1}
    assert summary["planar_local_minima_d2"] == [{"n": 4, "m": 3, "radius": 2.5}]


def test_cli_record(tmp_path, capsys):
    status = main(
        [
            "explore",
            "stationary-scan",
            "--n",
            "3",
            "--family",
            "antipodal",
            "--d",
            "1",
            "2",
            "--dps",
            "25",
            "--out",
            str(tmp_path),
            "--json",
        ]
    )
    assert status == 0
    record = json.loads(capsys.readouterr().out)
    assert record["study"] == "stationary-scan" and record["n"] == [3] and record["d"] == [1, 2]
    assert [(s["family"], s["starts"], len(s["roots"])) for s in record["searches"]] == [("antipodal", 32, 1)]
    (point,) = record["points"]
    assert point["found_in"] == ["antipodal"] and point["certified"]
    assert point["kind"] == {"1": "saddle (index 2)", "2": "saddle (index 3)"}
    low, high = (float(x) for x in point["loss"])
    assert low <= high and abs(low - 0.943800273243274) < 1e-14  # L(s*) of Theorem 3.1 (README)
    assert record["summary"]["spurious_local_minima"] == {"1": [], "2": []}
    assert record["planar_points"] == [] and record["summary"]["planar_points"] == 0


@pytest.mark.parametrize(
    "bad, option",
    [(["--n", "1"], "--n"), (["--family", "spiral"], "--family"), (["--dps", "5"], "--dps"), (["--d", "0"], "--d")],
)
def test_bad_input_exits_2(tmp_path, capsys, bad, option):
    assert main(["explore", "stationary-scan", *bad, "--out", str(tmp_path)]) == 2
    assert option in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_ring_symmetry_gradient_radial_on_the_ring_and_zero_at_the_centre():
    """The dihedral symmetry the ring family rests on, checked on the general two-dimensional engine."""
    mu = ring(1.7, 3, 2)
    _, gradient, errors, _ = loss_and_gradient_float(mu)
    tolerance = 10 * max(errors)
    assert np.max(np.abs(gradient[3:])) <= tolerance  # the centre parameters
    for point, g in zip(mu[:3], gradient[:3]):  # ring gradients are radial, all of one length
        assert abs(point[0] * g[1] - point[1] * g[0]) <= tolerance
        assert abs(np.linalg.norm(g) - abs(radial_gradient(1.7, 3, 2)[0])) <= tolerance


def test_cli_rings_are_reported_separately(tmp_path, capsys):
    assert main(["explore", "stationary-scan", "--n", "4", "--family", "ring", "--out", str(tmp_path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["points"] == [] and [s["family"] for s in record["searches"]] == ["ring m=3 k=1", "ring m=4 k=0"]
    (ring_point,) = record["planar_points"]
    assert (ring_point["m"], ring_point["k"], ring_point["certified"]) == (3, 1, False)
    assert abs(float(ring_point["radius"]) - 2.758478) < 1e-5 and ring_point["kind"]["2"].startswith("saddle")
    assert float(ring_point["gradient_norm"]) < 1e-9  # the root is a stationary point of the full 2-D loss
    assert ring_point["signs"][0] >= 1 and ring_point["signs"][1] == 1  # one zero mode: rotations in the plane
    assert [s["roots"] for s in record["searches"]][1] == []  # the bare square is pulled in at every radius
    assert record["summary"]["planar_local_minima_d2"] == []
