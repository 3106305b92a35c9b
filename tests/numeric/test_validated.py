"""Validated GD and the trapping region: enclosures hold independent trajectories, proofs can fail."""

from __future__ import annotations

import math

import flint
import mpmath
import numpy as np
import pytest

from numeric.config import InputError
from numeric.dynamics.gd import make_config, run_gd
from numeric.dynamics.trapping import (
    Region,
    away_start,
    cell_integral,
    prove_trapping,
    tail_bound,
    trapped_run,
    two_group_terms,
)
from numeric.dynamics.validated import (
    apply_rule,
    build_rule,
    certified_gd,
    frames,
    group_gradient_terms,
    group_jacobian_terms,
    group_line,
    validated_gd,
)
from numeric.model import evaluate, loss_and_gradient_float

AWAY = [["4.96"], ["4"], ["4"]]  # Theorem 3.4's away start at n = 3, M0 = 4, eps0 rounded to a decimal


def _ball(x: mpmath.mpf) -> flint.arb:
    """A 200-bit ball for an mpmath number (the precise tier's 60 digits are far inside every enclosure)."""
    with flint.ctx.workprec(256):
        return flint.arb(mpmath.nstr(x, 70))


def _precise(mu, steps: int):
    return run_gd(make_config(mu, "0.01", steps, tier="precise", dps=60, points_per_decade=20))


def test_enclosures_hold_the_precise_trajectory_at_every_recorded_step():
    steps = 40
    reference = _precise(AWAY, steps)
    result = certified_gd(AWAY, "0.01", steps, points_per_decade=20)
    hulls = {record.step: record.hull for record in result.records}
    assert set(hulls) == {record.iteration for record in reference.records}
    for record in reference.records:
        a, b = hulls[record.iteration]
        norms = [_ball(x) for x in record.norms]
        assert abs(a).contains(norms[0]) and abs(b).contains(norms[1]) and abs(b).contains(norms[2])
        assert float(a.rad()) < 1e-14 and float(b.rad()) < 1e-14


def test_three_groups_on_a_tilted_line_in_two_dimensions():
    start = [["1.2", "0.9"], ["-0.4", "-0.3"], ["1.2", "0.9"], ["2", "1.5"]]  # multiples of (4, 3)
    steps = 12
    reference = _precise(start, steps)
    result = certified_gd(start, "0.01", steps)
    assert [len(members) for members in result.line.members] == [2, 1, 1]
    for row, balls in zip(reference.mu, result.parameters()):
        assert all(ball.contains(_ball(x)) for ball, x in zip(balls, row))


@pytest.mark.slow
def test_enclosures_hold_the_precise_trajectory_for_three_hundred_steps():
    steps = 300
    reference = _precise(AWAY, steps)
    hulls = {record.step: record.hull for record in certified_gd(AWAY, "0.01", steps).records}
    for record in reference.records:
        a, b = hulls[record.iteration]
        assert abs(a).contains(_ball(record.norms[0])) and abs(b).contains(_ball(record.norms[1]))


def test_the_radius_grows_as_documented():
    result = certified_gd(AWAY, "0.01", 60)
    radius, growth, local = result.radius, result.growth, result.local
    assert len(radius) == len(growth) + 1 == len(local) + 1 == 61
    slack = 1 + 1e-6  # mag_t rounding of the ball radii
    for k in range(60):
        assert radius[k + 1] <= (growth[k] * radius[k] + local[k]) * slack
    bound = radius[0]
    for g, e in zip(growth, local):
        bound = g * bound + e
    assert radius[-1] <= bound * slack
    assert max(growth) < 1.01 and max(local) < 1e-16  # the documented sizes at this start
    plain = validated_gd(result.line, "0.01", 60, reorient=False)
    assert all(x.overlaps(y) for x, y in zip(plain.hull, result.hull))


def test_group_integrands_agree_with_the_model_and_with_finite_differences():
    with flint.ctx.workprec(200):
        c, mult = [flint.arb("5.1"), flint.arb("0.3"), flint.arb("-1.2")], [1, 2, 3]
        x, h = flint.arb("1.7"), flint.arb("1e-25")
        jacobian = group_jacobian_terms(x, frames(c, mult)[1])
        for m in range(3):
            up = [ci + h * (j == m) for j, ci in enumerate(c)]
            down = [ci - h * (j == m) for j, ci in enumerate(c)]
            plus = group_gradient_terms(x, frames(up, mult)[0])
            minus = group_gradient_terms(x, frames(down, mult)[2])
            for j in range(3):
                assert abs(float((plus[j] - minus[j]) / (2 * h)) - float(jacobian[3 * j + m].mid())) < 1e-15
    point = [flint.arb("5.1"), flint.arb("0.3"), flint.arb("-1.2")]
    rule = build_rule("gradient", [flint.arb(p.mid(), 1e-9) for p in point], mult, 16, 96)
    ours = apply_rule(rule, point, 96)
    model = evaluate([["5.1"], ["0.3"], ["0.3"], ["-1.2"], ["-1.2"], ["-1.2"]], tier="certified", dps=20)
    for ball, row in zip(ours, (model.grad[0], model.grad[1], model.grad[3])):
        assert ball.overlaps(row[0]) and float(ball.rad()) < 1e-14


def test_group_line_refuses_configurations_off_one_line_through_the_truth():
    with pytest.raises(InputError) as error:
        certified_gd([["1", "0"], ["0", "1"]], "0.01", 3)
    assert error.value.name == "mu[1]" and "one line through the truth" in error.value.reason
    with pytest.raises(InputError):
        certified_gd([["1", "1"], ["2", "2.5"]], "0.01", 3)  # collinear, but not through the truth
    line = group_line([["0"], ["3"], ["0"]], 128)
    assert line.multiplicities == (2, 1) and line.members == ((0, 2), (1,))


def test_two_group_terms_are_the_group_integrands():
    with flint.ctx.workprec(128):
        x, a, b = flint.arb("1.7"), flint.arb("4.3"), flint.arb("0.6")
        for k in (1, 2, 4):
            g1, r = two_group_terms(x, a, b, k)
            general = group_gradient_terms(x, frames([a, b], [1, k])[0])
            assert abs(float(g1 - general[0])) < 1e-30 and abs(float(r - (k * general[1] / 2 - b))) < 1e-30


def test_cell_integrals_hold_the_gradient_on_a_box():
    box = [flint.arb(4.6, 0.05), flint.arb(0.3, 0.05)]
    g1, r = cell_integral(two_group_terms, box, 2, 2.0**-6)
    for a in (4.56, 4.6, 4.64):
        for b in (0.26, 0.3, 0.34):
            _, grad, _, _ = loss_and_gradient_float(np.array([[a], [b], [b]]))
            assert g1.contains(flint.arb(grad[0, 0])) and r.contains(flint.arb(grad[1, 0] - b))


def test_lemma_t_bounds_the_gradient_far_out():
    region = Region(3, "4", "0.25", "1")
    assert not tail_bound(region, "6", "0.01").holds and tail_bound(region, "8", "0.01").holds
    bound = tail_bound(region, "8", "0.01")
    for a in (8.0, 9.0, 11.0):
        for b in (-0.25, 0.5, 1.0):
            _, grad, _, _ = loss_and_gradient_float(np.array([[a], [b], [b]]))
            assert abs(grad[0, 0]) <= float(bound.gradient) and abs(grad[1, 0] - b) <= float(bound.remainder)


def test_the_default_region_is_invariant():
    proof = prove_trapping(Region(3, "4", "0.25", "1"), "0.01")
    assert proof.proven and proof.a_max == "8" and proof.boxes > 0 and not proof.failure


@pytest.mark.parametrize(
    ("region", "edge"),
    [(Region(3, "2.5", "0.25", "1"), "mu_1 = 2.5"), (Region(3, "4", "0.25", "0.01"), "mu_2 = 0.01")],
    ids=["A too small", "U too small"],
)
def test_a_wrong_region_fails_the_invariance_proof_with_a_witness(region, edge):
    proof = prove_trapping(region, "0.01", max_depth=6)
    assert not proof.proven and "no proof" in proof.failure
    assert edge in proof.witness and "outside R" in proof.witness


def test_the_away_start_enters_the_trapping_region():
    run = trapped_run(away_start(3, "4", "100", 128), Region(3, "4", "0.25", "1"), "0.01", 400)
    assert run.refutes and 100 < run.entry < 200
    a, b = run.trajectory.hull
    assert a > 4 and b > -0.25 and b < 1
    with flint.ctx.workprec(128):
        assert run.trajectory.line.values[0].overlaps(4 + flint.arb(math.exp(-0.04), 1e-15))


def test_a_region_the_trajectory_does_not_reach_refutes_nothing():
    run = trapped_run(away_start(3, "4", "100", 128), Region(3, "6", "0.25", "1"), "0.01", 150)
    assert run.proof.proven and run.entry is None and not run.refutes
    assert run.trajectory.steps == 150 and run.trajectory.stopped == "budget"


@pytest.mark.slow
def test_the_benchmark_run_keeps_every_radius_below_1e_10():
    line = away_start(3, "4", "100", 128)
    result = validated_gd(line, "0.01", 20_000)
    assert result.steps == 20_000 and max(float(x.rad()) for x in result.hull) <= 1e-10
