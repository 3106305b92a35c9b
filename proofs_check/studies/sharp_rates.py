"""``explore sharp-rates``: the sharp decay law of the loss along the gradient flow, and its constant (issue 17).

For each regime, ``(n, d)`` and seed, a seeded start (:func:`numeric.studies.sharp_rates.regime_start`) runs the
gradient flow to ``--time`` (rtol ``1e-7`` with an error run at ``1e-9``, 10 records per decade) and
:func:`numeric.studies.sharp_rates.measure_rate` reads off the local exponent at the end, fits ``L = C s^-p``
(free ``p``) and ``L = C / (s log s)`` over the last two decades, and gives the better law's constant with an error
(integrator + tail estimate; ``inf`` when the constant is not converging).

The prediction held against it (the lead's derivation, issue 17): when every parameter converges
(``large-noise``, ``clustered``) ``L s^2 -> C* = n^2 min(d, n - 1) / 64``; each point's ``ratio`` is
``constant / C*`` with ``ratio_error = error / C*`` and ``deviation = (constant - C*) / error`` (errors off).  For
``far`` starts (one survivor) there is no predicted constant (``null``): the exponent tends to 1 with a log
correction, and the record has the escape law's ratio ``s L / (16 sum_j M_j^-2)`` over the escaping parameters
(``far_ratio``) and its limit extrapolated in ``1 / M^2`` (``escape_limit`` +- ``escape_error``), which the
derivation (``symbolic.escape``, claim ``sharp.escape``) puts at 1.

Cost, measured on the shared 2-core machine under load (other agents' runs; a lightly loaded machine is about 2x
faster): to ``s = 1e8`` a large-noise or clustered point takes 5-20 s, a far point 18-50 s in ``d <= 2`` and
over 8 minutes at ``n = 5, d = 3`` (rank-3 quadrature at ``||mu|| ~ 13``).  The full grid of the issue (three
regimes, ``n = 2..5``, ``d = 1..3``, 3 seeds: 108 points) would take hours, so the defaults are smaller:
``--n 2 3 4 --d 1 2 --seeds 2`` (36 points), measured at 6.3 minutes in one process (large-noise 1.2 min, clustered
and far 5.1 min; far points 13-53 s).  Far starts forget their seed: ``n = 2`` gives the same constants to 7 digits
for every seed and ``d``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any

from proofs_check.cli.parsing import Choice, Integer, Real, values
from proofs_check.core.mathtext import value_text
from proofs_check.studies import Finding, Study, sweep

REGIMES = ("large-noise", "clustered", "far")  # numeric.REGIMES, spelled here so that --help imports no numerics
CONVERGING = ("large-noise", "clustered")
DEFAULT_N = ("2", "3", "4")
DEFAULT_D = ("1", "2")
N_DOMAIN, D_DOMAIN = Integer(2, 5), Integer(1, 3)
SEEDS = Integer(1, 20)
TIME = Real(1e3, 1e12)  # measure_rate's two-decade window and tail need 10^3; beyond 1e12, hours per point
RTOL, POINTS_PER_DECADE, DECADES = 1e-7, 10, 2


@dataclass(frozen=True)
class Problem:
    """One point of the grid (picklable, so that worker processes can run it)."""

    regime: str
    n: int
    d: int
    seed: int
    time: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options."""
    parser.add_argument(
        "--regime",
        nargs="+",
        default=list(REGIMES),
        metavar="REGIME",
        help=f"starts: {', '.join(REGIMES)} (default: all three)",
    )
    parser.add_argument(
        "--n", nargs="+", default=list(DEFAULT_N), metavar="N", help=f"parameters, {N_DOMAIN} (default: 2 3 4)"
    )
    parser.add_argument(
        "--d", nargs="+", default=list(DEFAULT_D), metavar="D", help=f"dimensions, {D_DOMAIN} (default: 1 2)"
    )
    parser.add_argument("--seeds", default="2", help=f"seeded starts per point, from --seed on, {SEEDS} (default: 2)")
    parser.add_argument("--time", default="1e8", help=f"flow-time horizon, {TIME} (default: 1e8)")


def grid(args: argparse.Namespace) -> list[Problem]:
    """Every point, validated (UsageError names the bad option)."""
    regimes = list(dict.fromkeys(values(args.regime, "--regime", Choice(REGIMES))))
    ns = list(dict.fromkeys(values(args.n, "--n", N_DOMAIN)))
    ds = list(dict.fromkeys(values(args.d, "--d", D_DOMAIN)))
    seeds = SEEDS.parse(args.seeds, "--seeds")
    horizon = TIME.parse(args.time, "--time")
    return [
        Problem(regime, n, d, args.seed + k, horizon)
        for regime in regimes
        for n in ns
        for d in ds
        for k in range(seeds)
    ]


def predicted_constant(regime: str, n: int, d: int) -> float | None:
    """``C* = n^2 min(d, n - 1) / 64`` when every parameter converges; ``None`` for far starts."""
    return n * n * min(d, n - 1) / 64 if regime in CONVERGING else None


def solve(problem: Problem) -> dict[str, Any]:
    """Measure one point (module-level, for worker processes); a failed integration is recorded, not hidden."""
    from numeric import FlowFailure, measure_rate, regime_start

    base = {"regime": problem.regime, "n": problem.n, "d": problem.d, "seed": problem.seed, "time": problem.time}
    predicted = predicted_constant(problem.regime, problem.n, problem.d)
    start = regime_start(problem.regime, problem.n, problem.d, problem.seed)
    try:
        rate = measure_rate(start, problem.time, rtol=RTOL, points_per_decade=POINTS_PER_DECADE, decades=DECADES)
    except FlowFailure as error:
        return {**base, "failure": str(error), "predicted_constant": predicted, "mu0": start}
    ratio = None if predicted is None else rate.constant / predicted
    return {
        **base,
        "exponent": rate.exponent,
        "exponent_error": rate.exponent_error,
        "law": rate.law,
        "nominal_exponent": rate.nominal_exponent,
        "constant": rate.constant,
        "error": rate.error,
        "predicted_constant": predicted,
        "ratio": ratio,
        "ratio_error": None if predicted is None else rate.error / predicted,
        "deviation": None if predicted is None else _deviation(rate.constant - predicted, rate.error),
        "power": _law_json(rate.power),
        "power_log": _law_json(rate.power_log),
        "window": list(rate.window),
        "horizon": rate.horizon,
        "stopped": rate.stopped,
        "max_norm": rate.max_norm,
        "far_ratio": rate.far_ratio,
        "escape_limit": rate.escape_limit,
        "escape_error": rate.escape_error,
        "mu0": start,
        "seconds": rate.seconds,
        "method": rate.method,
        "curve": {
            "times": rate.times,
            "loss": rate.loss,
            "exponent_times": rate.exponent_times,
            "exponents": rate.exponents,
        },
    }


def _deviation(difference: float, error: float) -> float:
    """``difference / error``: how many errors off (``inf`` for a nonzero difference with no error)."""
    if error > 0:
        return difference / error
    return 0.0 if difference == 0 else math.copysign(math.inf, difference)


def _law_json(law) -> dict[str, Any]:
    return {
        "law": law.law,
        "exponent": law.exponent,
        "exponent_error": law.exponent_error,
        "constant": law.constant,
        "constant_error": law.constant_error,
        "residual": law.residual,
        "error_floor": law.floor,
        "fits_within_error": law.fits,
    }


def run(args: argparse.Namespace) -> Finding:
    """Measure every point of the grid, compare with the predicted constants, draw and tabulate."""
    problems = grid(args)
    points = sweep(solve, problems, jobs=args.jobs, quiet=args.quiet, dask=args.dask)
    record = {
        "study": "sharp-rates",
        "seed": args.seed,
        "time": problems[0].time,
        "rtol": RTOL,
        "points_per_decade": POINTS_PER_DECADE,
        "window_decades": DECADES,
        "prediction": "L s^2 -> n^2 min(d, n - 1) / 64 when every parameter converges (large-noise, clustered)",
        "points": points,
    }
    return Finding(record, _figure(points), _table(points))


def _figure(points: list[dict[str, Any]]):
    """Left: ``L s^2 / C*`` against ``s`` for the converging points (one line each).  Right: the local exponent
    ``-d log L / d log s`` of every point, far ones solid, converging ones faint."""
    import numpy as np
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.4), layout="constrained")
    left, right = figure.subplots(1, 2)
    shown = [p for p in points if "failure" not in p]
    converging = [p for p in shown if p["predicted_constant"] is not None]
    for k, p in enumerate(converging):
        s, loss = np.asarray(p["curve"]["times"]), np.asarray(p["curve"]["loss"])
        keep = s > 0
        left.plot(
            s[keep], loss[keep] * s[keep] ** 2 / p["predicted_constant"], color=f"C{k % 10}", lw=1, label=_label(p)
        )
    left.axhline(1.0, color="k", ls=":", lw=1)
    left.set(
        xscale="log",
        xlabel="flow time s",
        ylabel="L s^2 / C*,  C* = n^2 min(d, n-1) / 64",
        title="converging starts: L s^2 against the predicted constant",
    )
    if converging:
        left.set_ylim(0, 1.5)
        left.legend(fontsize="xx-small", ncol=2)
    for k, p in enumerate(shown):
        far = p["predicted_constant"] is None
        right.plot(
            p["curve"]["exponent_times"],
            p["curve"]["exponents"],
            color=f"C{k % 10}",
            lw=1.2 if far else 0.6,
            alpha=1.0 if far else 0.35,
            label=_label(p) if far else None,
        )
    for level in (1, 2):
        right.axhline(level, color="k", ls=":", lw=1)
    right.set(
        xscale="log",
        ylim=(0, 3),
        xlabel="flow time s",
        ylabel="local exponent p(s) = -d log L / d log s",
        title="local exponent (far starts solid: p -> 1 with a log correction)",
    )
    if any(p["predicted_constant"] is None for p in shown):
        right.legend(fontsize="xx-small")
    time = value_text(points[0]["time"]) if points else "?"
    figure.suptitle(
        f"explore sharp-rates: gradient flow to s = {time} (rtol {RTOL:g}, error run at {RTOL / 100:g})",
        fontsize="medium",
    )
    return figure


def _label(p: dict[str, Any]) -> str:
    return f"{p['regime']} n={p['n']} d={p['d']} seed {p['seed']}"


def _escape_text(point: dict[str, Any]) -> str:
    """``ratio -> limit +- error`` of the escape law (``s L / (16 sum_j M_j^-2)``), or ``-`` when nothing escapes."""
    if math.isnan(point["far_ratio"]):
        return "-"
    return f"{point['far_ratio']:.3f}->{point['escape_limit']:.3f}+-{point['escape_error']:.1g}"


def _table(points: list[dict[str, Any]]) -> str:
    header = (
        f"{'regime':<11} {'n':>1} {'d':>1} {'seed':>4} {'p(end)':>9} {'law':<9} {'C':>11} {'error':>8} "
        f"{'resid':>7} {'C*':>8} {'ratio':>9} {'dev':>6} {'escape':>17} {'s':>5}"
    )
    rows = [header]
    for p in points:
        lead = f"{p['regime']:<11} {p['n']:>1} {p['d']:>1} {p['seed']:>4}"
        if "failure" in p:
            rows.append(f"{lead} flow failed: {p['failure']}")
            continue
        law = p["law"] if p["law"] == "power-log" else f"s^-{p['nominal_exponent']}"
        residual = p["power_log" if p["law"] == "power-log" else "power"]["residual"]
        predicted = p["predicted_constant"]
        rows.append(
            f"{lead} {p['exponent']:>9.6f} {law:<9} {p['constant']:>11.7g} {p['error']:>8.1e} {residual:>7.1e} "
            + (
                f"{predicted:>8.5g} {p['ratio']:>9.6f} {p['deviation']:>6.2f} {'':>17}"
                if predicted is not None
                else f"{'-':>8} {'-':>9} {'-':>6} {_escape_text(p):>17}"
            )
            + f" {p['seconds']:>5.1f}"
        )
    rows.append(
        "p(end): local exponent at the last record; law: the better fit over the last two decades (s^-k: L s^k, "
        "power-log: L s log s); error: integrator + tail (inf: not converging); resid: the law's rms log residual; "
        "ratio = C / C*; dev = (C - C*) / error; escape: s L / (16 sum_j M_j^-2) at the end -> its limit "
        "extrapolated in 1/M^2 (the escape law puts it at 1)"
    )
    return "\n".join(rows)


STUDY = Study(
    name="sharp-rates",
    summary="the sharp decay laws along the gradient flow: L s^2 -> n^2 min(d, n-1) / 64, and the escape law",
    add_arguments=add_arguments,
    run=run,
)
