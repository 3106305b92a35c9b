"""``explore time-averaged``: the regime experiments on the loss averaged over noise times (docs/claims.md §5).

A reviewer asked whether anything carries over to the loss averaged over ``t`` that diffusion training
uses.  For each ``M0`` of the grid the paper's clustered start ``m_i(0) = M0 e_1 + spread z_i``
(:func:`numeric.dynamics.gd.cluster_start`, ``z_i`` from ``--seed``, truth at 0) runs gradient descent on the
original means ``m`` with step ``--eta`` for ``--steps`` updates under several schedules
(:mod:`numeric.studies.time_averaged`):

* **averaged**: ``Lbar(m) = int w(t) L(e^{-t} m) dt`` with ``w`` from ``--weight`` on ``[--t0, --t1]``,
  ``K``-node Gauss-Legendre over ``t`` (``K`` chosen at the start, error recorded there and along the run);
* **fixed t** for each ``--fixed-t``: ``t0`` (the lower end; the paper's setting when ``t0 = 0``),
  ``mean`` (``E_w[t]``), ``effective`` (``t_eff``, the fixed time with the same first-order growth of
  the spread, :meth:`numeric.studies.time_averaged.Weight.effective_time`) or a number.

Each parameter gets :func:`numeric.dynamics.gd.classify`'s status on ``||m_i||`` (the same coordinates for every
schedule) with ``converged_below = CONVERGED_BELOW = 0.5`` instead of 1e-2: parameters that reach the
truth together do so slowly (the loss is flat to fourth order when their mean is 0) and sit at
``||m|| ~ 0.02 - 0.4`` for the whole budget; 0.5 is :class:`numeric.studies.critical_spread.Rules`' ``r_in``,
well inside
the escape saddles (``||mu|| ~ 2.2 - 2.7``).  "Converged" means "within 0.5 of the truth and not rising
over the last half of the run", "diverging" "beyond 1 and rising over the whole last half": a finite run
cannot prove a limit, and with the averaged loss a parameter can drift out to ``||m|| ~ 3.8`` for hundreds
of steps and then come back (``M0 = 5``, seed 0).  Each run's outcome is put in words ("all converge", "one
converges, 4 diverge", ...) and carries ``log10 A(infinity)``, the first-order growth of the spread
(:func:`numeric.studies.time_averaged.first_order_log10_amplification`).

What to expect: a node at time ``t`` sees the cluster at ``e^{-t} M0``, where "all converge" is easier, so
averaging should move the switch from "all converge" to "one converges" to a larger ``M0``; to first
order the averaged loss behaves like the fixed time ``t_eff`` (``0.283`` for uniform on ``[0, 1]``), not
like the mean time (0.5).

Defaults, measured (2-core machine shared with other jobs): of the steps tried (0.1, 0.2, 0.3),
``eta = 0.2`` is the largest at which the fixed-``t = 0`` switch sits where the small-step law
``eps_c ~ 17 exp(-M0^2)`` puts it for ``spread = 1e-3`` (between ``M0 = 3`` and 4, as at ``eta = 0.1``; at
``eta = 0.3`` it moves to 4-5).  1500 steps decide every run of the default grid; at 1000 the averaged
``M0 = 5`` run is still undecided (its last parameter comes back from ``||m|| ~ 3.8`` between steps 400
and 800).  The averaged run costs ``K = 8`` fixed-``t`` runs, and once
parameters have spread out every node costs 4-14 ms: a point takes 11-50 s on a lightly loaded machine
(the averaged ``M0 = 4``-``6`` runs 25-36 s, up to 45 s under load), the default grid 2.5 minutes in one
process (about as long with ``--jobs 2`` on the busy machine).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import Real, values
from proofs_check.core.mathtext import value_text
from proofs_check.studies import DISTANCE, POSITIVE, Finding, Study, dynamics_options, sweep

CONVERGED_BELOW = 0.5
DEFAULT_M0 = ("2", "3", "4", "5", "6")
DEFAULT_FIXED = ("t0", "mean", "effective")
FIXED_KEYWORDS = ("t0", "mean", "effective")
#: Noise times the study takes: beyond 10 the step eta e^(-2t) vanishes against 1 in double precision.
NOISE_TIME = Real(0, 10)


@dataclass(frozen=True)
class Problem:
    """One ``M0`` point (picklable, so that worker processes can run it)."""

    n: int
    d: int
    M0: float
    spread: str
    eta: float
    steps: int
    seed: int
    weight: Any  # numeric.studies.time_averaged.Weight
    fixed: tuple[tuple[str, float], ...]  # (name as given, t)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options."""
    parser.add_argument("--n", default="5", help="parameters (default: 5)")
    parser.add_argument("--d", default="1", help="dimension (default: 1; collinear starts stay collinear)")
    parser.add_argument(
        "--M0",
        nargs="+",
        default=list(DEFAULT_M0),
        metavar="M0",
        help="cluster distances from the truth, one value or a grid (default: 2 3 4 5 6)",
    )
    parser.add_argument("--spread", default="1e-3", help="cluster spread: m_i(0) = M0 e_1 + spread z_i (default: 1e-3)")
    parser.add_argument(
        "--t0", default="0", help=f"lower end of the noise times averaged over (default: 0); {NOISE_TIME}"
    )
    parser.add_argument(
        "--t1", default="1", help=f"upper end of the noise times averaged over (default: 1); {NOISE_TIME}"
    )
    parser.add_argument(
        "--weight",
        default="uniform",
        help="density over [t0, t1]: uniform, exp:RATE (∝ e^(-RATE t)) or variance (∝ 1 - e^(-2t)) (default: uniform)",
    )
    parser.add_argument("--eta", default="0.2", help="GD step on the original means m, below n/2 (default: 0.2)")
    parser.add_argument("--steps", default="1500", help="GD updates per run (default: 1500)")
    parser.add_argument(
        "--fixed-t",
        nargs="+",
        default=list(DEFAULT_FIXED),
        metavar="T",
        help="fixed noise times to compare with: t0, mean, effective or numbers in [0, 10] (default: t0 mean "
        "effective)",
    )


def run(args: argparse.Namespace) -> Finding:
    """Run every ``M0``, summarize each schedule's outcome in words, draw them against ``M0``."""
    problems = grid(args)
    points = sweep(solve, problems, jobs=args.jobs, quiet=args.quiet, dask=args.dask)
    first = problems[0]
    weight = first.weight
    record = {
        "study": "time-averaged",
        "n": first.n,
        "d": first.d,
        "spread": first.spread,
        "eta": first.eta,
        "steps": first.steps,
        "seed": args.seed,
        "converged_below": CONVERGED_BELOW,
        "weight": {
            "kind": weight.kind,
            "t0": weight.t0,
            "t1": weight.t1,
            "rate": weight.rate,
            "label": weight.label,
            "mean_time": weight.mean_time(),
            "effective_time": weight.effective_time(),
        },
        "fixed_t": [{"name": name, "t": t} for name, t in first.fixed],
        "points": points,
    }
    return Finding(record, _figure(points), _table(points))


def grid(args: argparse.Namespace) -> list[Problem]:
    """Every ``M0`` point (validated; UsageError names the bad option)."""
    from numeric import parse_weight

    n, d, eta, steps = dynamics_options(args)
    m0s = values(args.M0, "--M0", DISTANCE)
    spread = POSITIVE.parse(args.spread, "--spread")
    NOISE_TIME.parse(args.t0, "--t0"), NOISE_TIME.parse(args.t1, "--t1")
    weight = parse_weight(args.weight, args.t0, args.t1)
    fixed = _fixed_times(args.fixed_t, weight)
    return [Problem(n, d, m0, repr(spread), eta, steps, args.seed, weight, fixed) for m0 in m0s]


def _fixed_times(words: list[str], weight) -> tuple[tuple[str, float], ...]:
    """``--fixed-t`` as ``(name, t)`` pairs, duplicates of the same ``t`` dropped."""
    named = {"t0": weight.t0, "mean": weight.mean_time(), "effective": weight.effective_time()}
    out: dict[float, str] = {}
    for word in (w.strip() for item in words for w in item.split(",") if w.strip()):
        t = named[word] if word in named else _fixed_time(word)
        out.setdefault(t, word)
    if not out:
        raise UsageError("--fixed-t: expected at least one time")
    return tuple((name, t) for t, name in out.items())


def _fixed_time(word: str) -> float:
    """A ``--fixed-t`` number: a noise time in [0, 10] (the keywords are read by :func:`_fixed_times`)."""
    try:
        return NOISE_TIME.convert(word)
    except ValueError as error:
        raise UsageError(f"--fixed-t: expected {', '.join(FIXED_KEYWORDS)} or a noise time ({error})") from None


def solve(problem: Problem) -> dict[str, Any]:
    """Run one ``M0`` under every schedule and describe it (module-level, for worker processes)."""
    import numpy as np

    from numeric import blowup_limit, choose_nodes, cluster_start, run_averaged, run_fixed

    clock = time.perf_counter()
    start = cluster_start(problem.n, problem.d, repr(problem.M0), problem.spread, problem.seed)
    m0 = np.array([[float(x) for x in row] for row in start])
    limit = blowup_limit(m0)
    quadrature = choose_nodes(m0, problem.weight)
    runs = [
        _run_json(
            run_fixed(start, t, problem.eta, problem.steps, limit=limit, converged_below=CONVERGED_BELOW),
            name,
            t,
            problem,
        )
        for name, t in problem.fixed
    ]
    averaged = run_averaged(
        start, problem.weight, problem.eta, problem.steps, quadrature.nodes, converged_below=CONVERGED_BELOW
    )
    runs.append(_run_json(averaged, "averaged", None, problem))
    return {
        "n": problem.n,
        "d": problem.d,
        "M0": problem.M0,
        "spread": problem.spread,
        "eta": problem.eta,
        "steps": problem.steps,
        "seed": problem.seed,
        "weight": problem.weight.label,
        "nodes": quadrature.nodes,
        "quadrature": {
            "error_at_start": quadrature.error,
            "t_quadrature_error_at_start": quadrature.quadrature_error,
            "inner_error_at_start": quadrature.inner_error,
            "loss_at_start": quadrature.loss,
            "max_relative_t_quadrature_error_along_run": averaged.quadrature_error,
            "at_iteration": averaged.quadrature_error_at,
            "method": quadrature.method,
        },
        "runs": runs,
        "seconds": time.perf_counter() - clock,
    }


def _run_json(trajectory, name: str, t: float | None, problem: Problem) -> dict[str, Any]:
    from numeric import first_order_log10_amplification

    statuses = [s.status for s in trajectory.statuses]
    schedule = problem.weight if t is None else t
    label = f"{trajectory.schedule} ({name})" if name in FIXED_KEYWORDS else trajectory.schedule
    return {
        "schedule": label,
        "name": name,
        "t": t,
        "convention": trajectory.convention,
        "statuses": statuses,
        "outcome": outcome(statuses),
        "converged": statuses.count("converged"),
        "diverging": statuses.count("diverging"),
        "undecided": statuses.count("undecided"),
        "final_norms": [s.distance for s in trajectory.statuses],
        "final_loss": trajectory.records[-1].loss,
        "stopped": trajectory.stopped,
        "reason": trajectory.reason,
        "steps_run": trajectory.steps,
        "log10_amplification": first_order_log10_amplification(schedule, problem.n, problem.M0, problem.eta),
        "trajectory": {
            "iterations": [r.iteration for r in trajectory.records],
            "norms": [list(r.norms) for r in trajectory.records],
        },
        "seconds": trajectory.seconds,
    }


def outcome(statuses: list[str]) -> str:
    """The statuses in words: "all converge", "one converges, 4 diverge", "2 converge, 3 undecided", ..."""
    words = (
        ("converged", "converges", "converge"),
        ("diverging", "diverges", "diverge"),
        ("undecided", "undecided", "undecided"),
    )
    for status, _, many in words:
        if statuses.count(status) == len(statuses):
            return f"all {many}"
    counts = [(statuses.count(status), one, many) for status, one, many in words]
    return ", ".join(f"one {one}" if count == 1 else f"{count} {many}" for count, one, many in counts if count)


def _figure(points: list[dict[str, Any]]):
    """Left: parameters converged (solid) and diverging (dashed) against ``M0``, one colour per schedule
    (offset a little, so that equal counts stay visible).  Right: ``||m_i||`` over the iterations at the first
    ``M0`` where the schedules' outcomes differ.  The title names the study and its configuration."""
    import numpy as np
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    m0 = [p["M0"] for p in points]
    names = [r["schedule"] for r in points[0]["runs"]]
    for k, name in enumerate(names):
        runs = [p["runs"][k] for p in points]
        shift = 0.06 * (k - (len(names) - 1) / 2)
        left.plot(m0, [r["converged"] + shift for r in runs], "o-", color=f"C{k}", label=f"{name}: converged")
        left.plot(m0, [r["diverging"] + shift for r in runs], "x--", color=f"C{k}", alpha=0.6)
    left.plot([], [], "kx--", alpha=0.6, label="(dashed: diverging)")
    left.set(
        xlabel="M0 = |c| (distance of the cluster)",
        ylabel=f"parameters (of n = {points[0]['n']})",
        xticks=m0,
        yticks=range(points[0]["n"] + 1),
        title="outcome against the cluster's distance",
    )
    left.legend(fontsize="x-small")
    shown = next((p for p in points if len({r["outcome"] for r in p["runs"]}) > 1), points[-1])
    for k, run in enumerate(shown["runs"]):
        iterations = np.maximum(run["trajectory"]["iterations"], 0.5)  # iteration 0 on a log axis
        lines = right.plot(iterations, run["trajectory"]["norms"], color=f"C{k}", lw=1, alpha=0.8)
        lines[0].set_label(run["schedule"])
    right.set(
        xscale="log",
        yscale="log",
        xlabel="iteration tau (0 drawn at 0.5)",
        ylabel="||m_i|| (distance to the truth)",
        title=f"trajectories at M0 = {shown['M0']:g}",
    )
    right.legend(fontsize="x-small")
    first = points[0]
    figure.suptitle(
        f"explore time-averaged: n = {first['n']}, d = {first['d']}, spread {value_text(first['spread'])}, "
        f"seed {first['seed']}; GD on m, eta = {value_text(first['eta'])}, {first['steps']} steps; "
        f"weight {first['weight']}; "
        f"converged: ||m_i|| <= {CONVERGED_BELOW:g}",
        fontsize="medium",
    )
    return figure


def _table(points: list[dict[str, Any]]) -> str:
    header = f"{'M0':>4} {'schedule':<38} {'conv':>4} {'div':>3} {'und':>3} {'log10 A':>7} {'s':>5}  outcome"
    rows = [header]
    for p in points:
        for run in p["runs"]:
            rows.append(
                f"{p['M0']:>4g} {run['schedule']:<38} {run['converged']:>4} {run['diverging']:>3} "
                f"{run['undecided']:>3} {run['log10_amplification']:>7.2f} {run['seconds']:>5.1f}  "
                f"{run['outcome']}"
            )
        q = p["quadrature"]
        rows.append(
            f"{'':>4} K = {p['nodes']}: error at start {q['error_at_start']:.1e} "
            f"(t-quadrature {q['t_quadrature_error_at_start']:.1e}); max relative |Q_K - Q_2K| along the run "
            f"{q['max_relative_t_quadrature_error_along_run']:.1e} (iteration {q['at_iteration']})"
        )
    return "\n".join(rows)


STUDY = Study(
    name="time-averaged",
    summary="the regime experiments on the loss averaged over t, against fixed t",
    add_arguments=add_arguments,
    run=run,
)
