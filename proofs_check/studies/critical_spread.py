"""``explore critical-spread``: the spread at which a cluster stops converging as a whole (docs/claims.md §5).

For a cluster ``mu_i(0) = M0 e_1 + eps u_i`` at distance ``M0`` from the truth, the critical spread
``eps_c`` separates "all parameters converge" (smaller spreads) from "not all converge" (larger ones).
Theorems 3.2 and 3.4 bracket it between ``(1/(108 n d)) exp(-106 n d M0^3)`` and ``exp(-M0/100)``
(constants from the claims' ``STATEMENT``).  Each ``(n, d, M0)`` point is bracketed by
:func:`numeric.studies.critical_spread.critical_spread` (bisection on ``log10 eps``, linearized runner for tiny
spreads, direct fast-tier GD once the spread is resolvable; its docstring has the decision rules).
For each ``(n, d)`` with at least three bracketed points, ``log10 eps_c = a + b M0^p`` is fitted for
``p = 1, 2, 3`` and the best law (smallest rms residual) is reported with its residuals, next to the
first-order law ``log10 eps_c = a - log10 A(infinity)`` (one constant, below).

First-order expectation: the spread along ``c`` grows by ``A(infinity) ~ exp(M0^2)`` while the cluster
contracts, so ``log10 eps_c + log10 A(infinity)`` should tend to a constant, i.e. the ``M0^2`` law with
``b ~ -1/ln 10``.  The record has that combination per point (``log10_eps_c_times_amplification``).

Collinear starts are the same problem in every ``d`` (they stay on one line): each is solved once, in
``d = 1``, and reported for every requested ``d``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, replace
from typing import Any

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import values
from proofs_check.core.mathtext import value_text
from proofs_check.studies import DIMENSION, DISTANCE, PARAMETERS, POSITIVE, STEPS, Finding, Study, sweep

DEFAULT_N = ("2", "3", "5")
DEFAULT_D = ("1", "3")
DEFAULT_M0 = ("2", "3", "4", "5", "6", "7", "8")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options."""
    parser.add_argument("--n", nargs="+", default=list(DEFAULT_N), metavar="N", help="parameters (default: 2 3 5)")
    parser.add_argument("--d", nargs="+", default=list(DEFAULT_D), metavar="D", help="dimensions (default: 1 3)")
    parser.add_argument(
        "--M0",
        nargs="+",
        default=list(DEFAULT_M0),
        metavar="M0",
        help="cluster distances, one value or a grid (default: 2 3 4 5 6 7 8)",
    )
    parser.add_argument("--eta", default="0.01", help="GD step on mu (default: 0.01)")
    parser.add_argument(
        "--pattern",
        default="collinear",
        help="offsets: collinear (evenly spaced along the cluster's direction) or random "
        "(Gaussian directions from --seed)",
    )
    parser.add_argument("--tol", default="0.15", help="final bracket width in decades of eps (default: 0.15)")
    parser.add_argument("--budget", default="4000", help="direct GD steps per trial before 'undecided' (default: 4000)")


def run(args: argparse.Namespace) -> Finding:
    """Bracket ``eps_c`` on the grid, fit the laws, draw them between the theorem bounds."""
    from numeric import Rules

    problems, requested = _problems(args), _requested(args)
    rules = Rules(tol=POSITIVE.parse(args.tol, "--tol"), budget=STEPS.parse(args.budget, "--budget"))
    solved = dict(
        zip(
            problems,
            sweep(_solve, [(*key, rules) for key in problems], jobs=args.jobs, quiet=args.quiet, dask=args.dask),
        )
    )
    points = [replace(solved[key], d=d) for d, key in requested]
    fits = _fits(points)
    record = {
        "study": "critical-spread",
        "eta": args.eta,
        "pattern": args.pattern,
        "seed": args.seed,
        "rules": asdict(rules),
        "points": [_point_json(p) for p in points],
        "fits": fits,
    }
    return Finding(record, _figure(points, fits), _table(points, fits))


def _problems(args: argparse.Namespace) -> list[tuple]:
    """Distinct problems ``(n, solved d, M0, eta, pattern, seed)`` of the grid, in order."""
    return list(dict.fromkeys(key for _, key in _requested(args)))


def _requested(args: argparse.Namespace) -> list[tuple[int, tuple]]:
    """Every requested ``(d, problem)`` of the grid (validated; UsageError names the bad option)."""
    from numeric import PATTERNS, solve_dimension

    ns, ds = values(args.n, "--n", PARAMETERS), values(args.d, "--d", DIMENSION)
    m0s, eta = values(args.M0, "--M0", DISTANCE), POSITIVE.parse(args.eta, "--eta")
    if args.pattern not in PATTERNS:
        raise UsageError(f"--pattern: unknown pattern {args.pattern!r}; choose one of {', '.join(PATTERNS)}")
    if eta >= min(ns) / 2:
        raise UsageError(f"--eta: must be below n/2 = {min(ns) / 2:g}, got {args.eta}")
    return [
        (d, (n, solve_dimension(d, args.pattern), m0, eta, args.pattern, args.seed))
        for n in ns
        for d in ds
        for m0 in m0s
    ]


def _solve(problem: tuple):
    """One point (module-level, so that worker processes can run it)."""
    from numeric import critical_spread

    n, d, m0, eta, pattern, seed, rules = problem
    return critical_spread(n, d, m0, eta, pattern, seed, rules)


def theorem_bounds(n: int, d: int, m0: float) -> dict[str, float]:
    """``log10`` of Theorem 3.4's ``exp(-M0/scale)`` and Theorem 3.2's ``(1/(f n d)) exp(-e n d M0^3)``."""
    from numeric import hypothesis_log_spread
    from proofs_check.claims.dynamics import thm3_2, thm3_4

    small = thm3_2.STATEMENT
    log_small = hypothesis_log_spread(n, d, m0, small["spread_factor"], small["spread_exponent"])
    return {"thm3.4": -m0 / thm3_4.STATEMENT["eps_scale"] / math.log(10), "thm3.2": log_small / math.log(10)}


def _point_json(point) -> dict[str, Any]:
    lo, hi = point.bracket
    centre = point.log10_eps_c
    return {
        "n": point.n,
        "d": point.d,
        "M0": point.M0,
        "eta": point.eta,
        "pattern": point.pattern,
        "seed": point.seed,
        "log10_eps_c": centre,
        "bracket": [lo, hi],
        "solved_in_d": point.solved_in_d,
        "log10_amplification": point.log10_amplification,
        "log10_eps_c_times_amplification": None if centre is None else centre + point.log10_amplification,
        "theorem_bounds_log10": theorem_bounds(point.n, point.d, point.M0),
        "trials": [asdict(t) for t in point.trials],
        "seconds": point.seconds,
    }


def _groups(points) -> dict[tuple[int, int], list]:
    groups: dict[tuple[int, int], list] = {}
    for point in points:
        if point.log10_eps_c is not None:
            groups.setdefault((point.n, point.d), []).append(point)
    return groups


def _fits(points) -> list[dict[str, Any]]:
    """Per ``(n, d)`` with at least three bracketed points: the three laws, best first."""
    from numeric import fit_power_laws

    out = []
    for (n, d), group in sorted(_groups(points).items()):
        if len(group) < 3:
            continue
        laws = fit_power_laws([p.M0 for p in group], [p.log10_eps_c for p in group])
        collapse = [p.log10_eps_c + p.log10_amplification for p in group]
        constant = sum(collapse) / len(collapse)
        out.append(
            {
                "n": n,
                "d": d,
                "M0": [p.M0 for p in group],
                "best_power": laws[0].power,
                "laws": [
                    {
                        "power": law.power,
                        "intercept": law.intercept,
                        "slope": law.slope,
                        "slope_natural_log": law.slope * math.log(10),
                        "rms": law.rms,
                        "residuals": list(law.residuals),
                    }
                    for law in laws
                ],
                "first_order_law": {
                    "law": "log10 eps_c = a - log10 A(infinity)",
                    "intercept": constant,
                    "residuals": [c - constant for c in collapse],
                    "rms": math.sqrt(sum((c - constant) ** 2 for c in collapse) / len(collapse)),
                },
            }
        )
    return out


def _figure(points, fits):
    """Left: ``-log10 eps`` against ``M0`` (log axes): the brackets, the best laws, the two theorem bounds.
    Right (when some ``(n, d)`` has several ``M0``): ``log10(eps_c A(infinity))``, flat if the first-order
    ``M0^2`` picture holds.  The title names the study and its configuration; the legend lists only what is drawn."""
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullFormatter

    groups = sorted(_groups(points).items())
    collapse = any(len(group) > 1 for _, group in groups)
    figure = Figure(figsize=(11 if collapse else 6.5, 4.8), layout="constrained")
    left, right = figure.subplots(1, 2) if collapse else (figure.subplots(), None)
    m0s = [p.M0 for p in points] or [1.0]
    low, high = min(m0s), max(m0s)
    if high <= low * 1.2:  # one M0 (or nearly): draw the bounds over a visible range around it
        low, high = low / 1.5, high * 1.5
    grid = np.geomspace(low, high, 60)
    colors = {}
    for k, ((n, d), group) in enumerate(groups):
        colors[(n, d)] = color = f"C{k}"
        m0 = [p.M0 for p in group]
        lo, hi = (np.array([p.bracket[j] for p in group]) for j in (0, 1))
        centre = (lo + hi) / 2
        left.errorbar(m0, -centre, yerr=(hi - centre), fmt="o", color=color, ms=4, label=f"eps_c, n = {n}, d = {d}")
        left.plot(grid, [-theorem_bounds(n, d, x)["thm3.2"] for x in grid], ":", color=color, lw=1)
        if right is not None:
            right.errorbar(
                m0,
                centre + [p.log10_amplification for p in group],
                yerr=(hi - centre),
                fmt="o-",
                color=color,
                ms=4,
                label=f"n = {n}, d = {d}",
            )
    for fit in fits:
        law = fit["laws"][0]
        left.plot(
            grid,
            -(law["intercept"] + law["slope"] * grid ** law["power"]),
            "-",
            lw=1,
            color=colors[(fit["n"], fit["d"])],
            alpha=0.7,
        )
    left.plot(grid, [-theorem_bounds(2, 1, x)["thm3.4"] for x in grid], "k--", lw=1, label="thm3.4: exp(-M0/100)")
    handles, _ = left.get_legend_handles_labels()
    handles.append(Line2D([], [], color="gray", ls=":", label="thm3.2: exp(-106 n d M0^3)/(108 n d), per (n, d)"))
    if fits:
        handles.append(Line2D([], [], color="gray", ls="-", label="best law a + b M0^p, per (n, d)"))
    left.set(
        xscale="log",
        yscale="log",
        xlabel="M0 = |c| (distance of the cluster)",
        ylabel="-log10 eps (initial spread eps)",
        title="critical spread eps_c between the theorem bounds",
    )
    left.set_xticks(sorted(set(m0s)), [f"{x:g}" for x in sorted(set(m0s))])  # the sweep's M0, not 2 x 10^0
    left.xaxis.set_minor_formatter(NullFormatter())
    left.legend(handles=handles, fontsize="x-small", loc="upper left", bbox_to_anchor=(0, -0.13), ncol=2)
    if right is not None:
        right.set(
            xlabel="M0 = |c|",
            ylabel="log10(eps_c A(inf))",
            title="eps_c times the first-order growth A(inf) ~ exp(M0^2)",
            xticks=sorted(set(m0s)),
        )
        right.legend(fontsize="x-small")
    figure.suptitle(f"explore critical-spread: {_configuration(points)}")
    return figure


def _configuration(points) -> str:
    """The sweep's fixed settings in words (each distinct value once)."""

    def values(name: str) -> str:
        return ", ".join(dict.fromkeys(value_text(getattr(p, name)) for p in points))

    return f"{values('pattern')} pattern, eta = {values('eta')}, seed {values('seed')}"


def _table(points, fits) -> str:
    rows = [f"{'n':>2} {'d':>2} {'M0':>5} {'log10 eps_c':>12} {'bracket':>19} {'+log10 A':>9} {'trials':>6} {'s':>6}"]
    for p in points:
        lo, hi = p.bracket
        show = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
        centre = p.log10_eps_c
        rows.append(
            f"{p.n:>2} {p.d:>2} {p.M0:>5g} {show(centre):>12} {'[' + show(lo) + ', ' + show(hi) + ']':>19} "
            f"{show(None if centre is None else centre + p.log10_amplification):>9} {len(p.trials):>6} "
            f"{p.seconds:>6.1f}"
        )
    for fit in fits:
        rows.append(
            f"\nn={fit['n']} d={fit['d']}: "
            + "; ".join(
                f"M0^{law['power']}: log10 eps_c = {law['intercept']:.3f} {law['slope']:+.4f} M0^{law['power']} "
                f"(rms {law['rms']:.3f})"
                for law in fit["laws"]
            )
        )
        best = fit["laws"][0]
        rows.append(f"  best M0^{best['power']}, residuals " + " ".join(f"{r:+.3f}" for r in best["residuals"]))
        first = fit["first_order_law"]
        rows.append(
            f"  first-order law log10 eps_c = {first['intercept']:.3f} - log10 A(inf): rms {first['rms']:.3f}, "
            f"residuals " + " ".join(f"{r:+.3f}" for r in first["residuals"])
        )
    return "\n".join(rows)


STUDY = Study(
    name="critical-spread",
    summary="critical spread eps_c of a cluster at distance M0 (bisection)",
    add_arguments=add_arguments,
    run=run,
)
