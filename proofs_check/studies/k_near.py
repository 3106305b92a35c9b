"""``explore k-near``: ``k`` of the ``n`` parameters start near the truth, the rest far (docs/claims.md §5, issue 7).

A reviewer asked what happens when ``k >= 2`` parameters start nearer the truth than the rest.  For
each ``(k, near, far)`` of the grid the start is

    mu_i(0) = near e_1 + JITTER z_i   (i <= k),      mu_i(0) = far e_1 + JITTER z_i   (i > k),

with ``z_i ~ N(0, I_d)`` from ``--seed`` (the same ``z_i`` at every grid point, built by
:func:`numeric.dynamics.gd.cluster_start`) and ``JITTER = 1e-3``: the jitter only keeps the members of a group
from coinciding exactly (coincident parameters stay coincident under GD).  Each start runs fast-tier
GD (:func:`numeric.dynamics.gd.run_gd`) for ``--steps`` updates of step ``--eta`` and every parameter gets
:func:`numeric.dynamics.gd.classify`'s status, with ``converged_below = CONVERGED_BELOW`` (0.1, recorded)
instead of the default 1e-2: when ``k >= 2`` parameters share the truth they approach it slowly and
not monotonically (they wobble at ``||mu|| ~ 1e-3 - 1e-1`` for thousands of steps while the far ones
drift out), so the stricter threshold would leave them undecided at any affordable budget.  Even so a
near group often ends "undecided": close to the truth but rising somewhere in the last half of the run.
"Converged" means "within 0.1 of the truth and not rising over the last half of the run", not a limit.

The outcome in words compares the statuses with the two groups: "all converge", "the k near converge,
the far diverge", "the far diverge; c/k near converge, u undecided", "none converge", or "mixed" with
the counts.  Defaults (``eta = 0.5``, 2000 steps) keep one ``n = 5, d = 1`` point at 4-10 s; a
smaller ``eta`` needs proportionally more steps.  ``--max-steps M`` reruns a point whose statuses
include "undecided" with twice the budget, and again, up to ``M`` updates: each rerun starts afresh, so
a point's record is exactly what ``--steps`` equal to its final budget gives (``budgets`` lists them).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import Integer, values
from proofs_check.core.mathtext import value_text
from proofs_check.studies import POSITIVE, STEPS, Finding, Study, dynamics_options, sweep

JITTER = "1e-3"
CONVERGED_BELOW = 0.1
DEFAULT_K = ("1", "2", "3", "4")
DEFAULT_NEAR = ("0.5", "1", "2")
DEFAULT_FAR = ("4", "6", "8")


@dataclass(frozen=True)
class Problem:
    """One grid point (picklable, so that worker processes can run it)."""

    n: int
    d: int
    k: int
    near: float
    far: float
    eta: float
    steps: int
    seed: int
    max_steps: int | None = None  # None: no reruns


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options."""
    parser.add_argument("--n", default="5", help="parameters (default: 5)")
    parser.add_argument("--d", default="1", help="dimension (default: 1)")
    parser.add_argument(
        "--k",
        nargs="+",
        default=list(DEFAULT_K),
        metavar="K",
        help="parameters starting near, each in 1..n-1 (default: 1 2 3 4)",
    )
    parser.add_argument(
        "--near",
        nargs="+",
        default=list(DEFAULT_NEAR),
        metavar="R",
        help="distance of the near group from the truth (default: 0.5 1 2)",
    )
    parser.add_argument(
        "--far",
        nargs="+",
        default=list(DEFAULT_FAR),
        metavar="R",
        help="distance of the far group from the truth (default: 4 6 8)",
    )
    parser.add_argument("--eta", default="0.5", help="GD step on mu, below n/2 (default: 0.5)")
    parser.add_argument("--steps", default="2000", help="GD updates per point (default: 2000)")
    parser.add_argument(
        "--max-steps",
        default=None,
        help="rerun points with undecided parameters at twice the budget, up to this many updates "
        "(default: --steps, no reruns)",
    )


def run(args: argparse.Namespace) -> Finding:
    """Run every grid point, summarize each in words, draw the counts per ``k``."""
    problems = grid(args)
    points = sweep(solve, problems, jobs=args.jobs, quiet=args.quiet, dask=args.dask)
    first = problems[0]
    record = {
        "study": "k-near",
        "n": first.n,
        "d": first.d,
        "eta": first.eta,
        "steps": first.steps,
        "max_steps": first.max_steps,
        "seed": args.seed,
        "jitter": float(JITTER),
        "converged_below": CONVERGED_BELOW,
        "points": points,
    }
    return Finding(record, _figure(points), _table(points))


def grid(args: argparse.Namespace) -> list[Problem]:
    """Every ``(k, near, far)`` point of the grid (validated; UsageError names the bad option)."""
    n, d, eta, steps = dynamics_options(args)
    ks = values(args.k, "--k", Integer(1, n - 1))
    nears, fars = values(args.near, "--near", POSITIVE), values(args.far, "--far", POSITIVE)
    if max(nears) >= min(fars):
        raise UsageError(f"--near: every value must be below every --far value, got {' '.join(args.near)}")
    max_steps = steps if args.max_steps is None else Integer(steps, STEPS.maximum).parse(args.max_steps, "--max-steps")
    return [Problem(n, d, k, near, far, eta, steps, args.seed, max_steps) for k in ks for near in nears for far in fars]


def start(problem: Problem) -> list[list[str]]:
    """``mu_i(0)``: the group distance along ``e_1`` plus the seeded jitter (module docstring)."""
    from numeric import cluster_start

    jitter = cluster_start(problem.n, problem.d, 0, JITTER, problem.seed)
    return [
        [str(Decimal(row[0]) + Decimal(repr(problem.near if i < problem.k else problem.far))), *row[1:]]
        for i, row in enumerate(jitter)
    ]


def solve(problem: Problem) -> dict[str, Any]:
    """Run one point and describe it (module-level, so that worker processes can run it)."""
    from numeric import make_config, run_gd

    clock = time.perf_counter()
    budgets = [problem.steps]
    while True:
        result = run_gd(
            make_config(start(problem), problem.eta, budgets[-1], init={"seed": problem.seed}),
            converged_below=CONVERGED_BELOW,
        )
        cap = problem.max_steps or problem.steps
        if budgets[-1] >= cap or all(s.status != "undecided" for s in result.statuses):
            break
        budgets.append(min(2 * budgets[-1], cap))
    statuses = [s.status for s in result.statuses]
    near, far = statuses[: problem.k], statuses[problem.k :]
    return {
        "n": problem.n,
        "d": problem.d,
        "k": problem.k,
        "near": problem.near,
        "far": problem.far,
        "eta": problem.eta,
        "steps": budgets[-1],
        "budgets": budgets,
        "seed": problem.seed,
        "statuses": statuses,
        "converged_near": near.count("converged"),
        "converged_far": far.count("converged"),
        "outcome": outcome(near, far),
        "final_norms": [s.distance for s in result.statuses],
        "stopped": result.stopped,
        "steps_run": result.steps,
        "seconds": time.perf_counter() - clock,
    }


def outcome(near: list[str], far: list[str]) -> str:
    """The statuses of the near and far groups in words."""
    counts = {status: (near + far).count(status) for status in ("converged", "diverging", "undecided")}
    near_converged = near.count("converged")
    if counts["converged"] == len(near) + len(far):
        return "all converge"
    if counts["diverging"] == len(near) + len(far):
        return "none converge"
    if far.count("diverging") == len(far) and "diverging" not in near:
        if near_converged == len(near):
            return f"the {len(near)} near converge, the far diverge"
        return f"the far diverge; {near_converged}/{len(near)} near converge, {counts['undecided']} undecided"
    return (
        f"mixed: {near_converged}/{len(near)} near and {far.count('converged')}/{len(far)} far "
        f"converge, {counts['undecided']} undecided"
    )


def _figure(points: list[dict[str, Any]]):
    """One panel per ``k``: the number converged over ``(near, far)``; cells: near+far counts, undecided.
    The title names the study and its configuration."""
    import numpy as np
    from matplotlib.figure import Figure

    ks = sorted({p["k"] for p in points})
    nears, fars = sorted({p["near"] for p in points}), sorted({p["far"] for p in points})
    n = points[0]["n"]
    figure = Figure(figsize=(3.2 * len(ks) + 1, 3.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(ks), sharey=True))
    for ax, k in zip(axes, ks):
        counts = np.full((len(nears), len(fars)), np.nan)
        for p in (p for p in points if p["k"] == k):
            i, j = nears.index(p["near"]), fars.index(p["far"])
            counts[i, j] = p["converged_near"] + p["converged_far"]
            undecided = p["statuses"].count("undecided")
            ax.text(
                j,
                i,
                f"{p['converged_near']}+{p['converged_far']}" + (f"\n{undecided} undec." if undecided else ""),
                ha="center",
                va="center",
                fontsize=8,
                color="w" if counts[i, j] < n / 2 else "k",
            )
        image = ax.imshow(counts, origin="lower", vmin=0, vmax=n, cmap="viridis", aspect="auto")
        ax.set(
            xticks=range(len(fars)),
            xticklabels=[f"{x:g}" for x in fars],
            xlabel="far group's distance",
            yticks=range(len(nears)),
            yticklabels=[f"{x:g}" for x in nears],
            title=f"k = {k} near, {n - k} far",
        )
    axes[0].set_ylabel("near group's distance")
    figure.colorbar(image, ax=list(axes), label=f"converged (of n = {n}); cells: near+far")
    first = points[0]
    budget = max(max(p["budgets"]) for p in points)
    steps = f"{first['steps']} steps" + (f" (undecided rerun up to {budget})" if budget > first["steps"] else "")
    figure.suptitle(
        f"explore k-near: n = {n}, d = {first['d']}, eta = {value_text(first['eta'])}, {steps}, seed {first['seed']}, "
        f"jitter {JITTER}; converged: ||mu_i|| <= {CONVERGED_BELOW:g}",
        fontsize="medium",
    )
    return figure


def _table(points: list[dict[str, Any]]) -> str:
    header = (
        f"{'k':>2} {'near':>5} {'far':>5} {'conv near':>9} {'conv far':>8} {'max near |mu|':>13} "
        f"{'min far |mu|':>12} {'s':>5}  outcome"
    )
    rows = [header]
    for p in points:
        norms = p["final_norms"]
        rows.append(
            f"{p['k']:>2} {p['near']:>5g} {p['far']:>5g} {p['converged_near']:>5}/{p['k']:<3} "
            f"{p['converged_far']:>4}/{p['n'] - p['k']:<3} {max(norms[: p['k']]):>13.3g} "
            f"{min(norms[p['k'] :]):>12.3g} {p['seconds']:>5.1f}  {p['outcome']}"
        )
    return "\n".join(rows)


STUDY = Study(
    name="k-near",
    summary="k parameters start near the truth, the rest far: which converge",
    add_arguments=add_arguments,
    run=run,
)
