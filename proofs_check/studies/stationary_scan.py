"""``explore stationary-scan``: stationary points on symmetric families, certified and classified (issue 7).

Theorem 3.1 exhibits one non-global stationary point, on the family ``(s, -s, 0, ..., 0)``.  Are there
others, and is any a *spurious local minimum* (a trap for gradient descent)?  For each ``n`` the scan

1. searches the families of :mod:`numeric.landscape.symmetric_scan` (``antipodal``, ``two-groups`` for every
   group size ``k <= n/2``, ``mirror``: equally spaced lines and their symmetric deformations) by damped
   Newton from a grid of starts, in double precision;
2. merges the roots found (up to permutations and ``a -> -a``), leaving out the truth ``a = 0``;
3. certifies each one (Krawczyk on python-flint balls at ``--dps`` digits): a unique stationary point
   in a proven box, its loss enclosed, and the inertia of both Hessian blocks proven
   (:mod:`numeric.landscape.hessian`): the one-dimensional block ``H_par`` and the perpendicular block
   ``H_perp`` that every extra dimension repeats, so for ``d`` dimensions the Morse index is
   ``neg(H_par) + (d - 1) neg(H_perp)``;
4. reports each as a saddle (with its index), a local maximum, or a local minimum: spurious when its
   certified loss is positive.  Exact zero modes (rotations about the truth, splitting coincident
   parameters perpendicular to the line) are counted, and a point with no negative eigenvalue but
   such zero modes is reported as "no descent direction to second order", not as a minimum.

Off the line, ``ring`` (``m >= 3`` parameters on a regular ``m``-gon about the truth, the other
``n - m`` at the truth; :mod:`numeric.landscape.ring_scan`) is searched too.  Its points span two dimensions,
beyond the certified tier: they are found and classified in ``d = 2`` in double precision (central
difference Hessian with an error estimate) and reported separately, as evidence rather than proof.

The scan covers the families only, so "no spurious minimum" means none *on these families*; the
double-precision Hessian eigenvalues (central differences of the general two-dimensional engine) are
recorded beside the proven signs as an independent check.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import Integer, values
from proofs_check.studies import DIMENSION, Finding, Study, sweep

FAMILIES = ("antipodal", "two-groups", "mirror", "ring")
DEFAULT_N = ("3", "4", "5")
DEFAULT_D = ("1", "3")


@dataclass(frozen=True)
class Search:
    """One family for one ``n`` (picklable, so that worker processes can run it)."""

    n: int
    family: str
    seed: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The study's own options."""
    parser.add_argument("--n", nargs="+", default=list(DEFAULT_N), metavar="N", help="parameters (default: 3 4 5)")
    parser.add_argument(
        "--d",
        nargs="+",
        default=list(DEFAULT_D),
        metavar="D",
        help="dimensions to classify line points in (default: 1 3; every d >= 2 has the same sign "
        "pattern; rings are classified in d = 2)",
    )
    parser.add_argument(
        "--family",
        nargs="+",
        default=list(FAMILIES),
        metavar="NAME",
        help=f"families to search (default: {' '.join(FAMILIES)})",
    )
    parser.add_argument("--dps", default="30", help="digits for the certified step (default: 30)")


def run(args: argparse.Namespace) -> Finding:
    """Search, merge, certify, classify; draw the configurations and their losses."""
    ns, ds, names, dps = _options(args)
    searches = [Search(n, name, args.seed) for n in ns for name in names]
    searched = [
        family
        for found in sweep(search, searches, jobs=args.jobs, quiet=args.quiet, unit="family", dask=args.dask)
        for family in found
    ]
    candidates = _merge([family for family in searched if "m" not in family])
    rings = [(family["n"], family["m"], radius) for family in searched if "m" in family for radius in family["roots"]]
    points = sweep(
        _certify,
        [(c["configuration"], dps, ds) for c in candidates],
        jobs=args.jobs,
        quiet=args.quiet,
        unit="point",
        dask=args.dask,
    )
    points = [{**c, **p} for c, p in zip(candidates, points)]
    planar = sweep(_classify_ring, rings, jobs=args.jobs, quiet=args.quiet, unit="ring", dask=args.dask)
    summary = _summary(points, planar, ns, ds)
    record = {
        "study": "stationary-scan",
        "n": ns,
        "d": ds,
        "families": names,
        "dps": dps,
        "seed": args.seed,
        "searches": searched,
        "points": points,
        "planar_points": planar,
        "summary": summary,
    }
    return Finding(record, _figure(record), _table(points, planar, ds, summary))


def _options(args: argparse.Namespace) -> tuple[list[int], list[int], list[str], int]:
    ns, ds = values(args.n, "--n", Integer(2, 8)), values(args.d, "--d", DIMENSION)
    dps = Integer(20, 200).parse(args.dps, "--dps")
    names = [word for item in args.family for word in item.split(",") if word]
    unknown = [name for name in names if name not in FAMILIES]
    if unknown or not names:
        raise UsageError(f"--family: unknown {' '.join(unknown) or '(none given)'}; choose from {' '.join(FAMILIES)}")
    return sorted(set(ns)), sorted(set(ds)), list(dict.fromkeys(names)), dps


def search(problem: Search) -> list[dict[str, Any]]:
    """Each family's roots, starts and time (module-level, so that worker processes can run it)."""
    from numeric import families, find_roots

    if problem.family == "ring":
        return [_search_ring(problem.n, m) for m in range(3, problem.n + 1)]
    found = []
    for family in families(problem.n, [problem.family], problem.seed):
        clock = time.perf_counter()
        roots = find_roots(family)
        found.append(
            {
                "n": problem.n,
                "family": family.name,
                "starts": len(family.starts),
                "roots": [[float(x) for x in family.configuration(list(root))] for root in roots],
                "seconds": time.perf_counter() - clock,
            }
        )
    return found


def _search_ring(n: int, m: int) -> dict[str, Any]:
    from numeric import GRID, ring_roots

    clock = time.perf_counter()
    roots = ring_roots(m, n - m)
    return {
        "n": n,
        "family": f"ring m={m} k={n - m}",
        "m": m,
        "starts": len(GRID),
        "roots": roots,
        "seconds": time.perf_counter() - clock,
    }


def _classify_ring(task: tuple[int, int, float]) -> dict[str, Any]:
    """Loss and ``d = 2`` Hessian signs of one ring root (double precision; JSON-ready)."""
    from numeric import classify_planar
    from proofs_check.core.jsonfmt import to_json

    n, m, radius = task
    clock = time.perf_counter()
    point = classify_planar(m, n - m, radius)
    return to_json(
        {
            "n": n,
            "m": m,
            "k": n - m,
            "radius": radius,
            "certified": False,
            "loss": point.loss,
            "loss_error": point.loss_error,
            "gradient_norm": point.gradient_norm,
            "eigenvalues": list(point.eigenvalues),
            "eigenvalue_error": point.error,
            "signs": point.signs,
            "kind": {"2": point.kind},
            "method": "bisection of the radial gradient and a central-difference Hessian, "
            "fast tier (double precision); eigenvalues within 10x the difference estimate count as zero",
            "seconds": time.perf_counter() - clock,
        }
    )


def _merge(searched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One candidate per point up to permutations and sign, with every family that found it."""
    from numeric import point_key

    merged: dict[tuple, dict[str, Any]] = {}
    for family in searched:
        for root in family["roots"]:
            key = (family["n"], point_key(root))
            entry = merged.setdefault(key, {"n": family["n"], "configuration": sorted(root), "found_in": []})
            if family["family"] not in entry["found_in"]:
                entry["found_in"].append(family["family"])
    return [merged[key] for key in sorted(merged)]


def _certify(task: tuple[list[float], int, list[int]]) -> dict[str, Any]:
    """Certify and classify one candidate; JSON-ready (balls become outward-rounded ``[lo, hi]``)."""
    from numeric import certify, morse_index
    from proofs_check.core.jsonfmt import to_json

    configuration, dps, ds = task
    clock = time.perf_counter()
    point = certify(configuration, dps)
    return to_json(
        {
            "certified": point.certified,
            "dps": dps,
            "box_radius": point.box_radius,
            "enclosure": list(point.enclosure) if point.enclosure else None,
            "loss": point.loss,
            "loss_positive": bool(point.loss is not None and point.loss > 0),
            "parallel_inertia": point.parallel_inertia,
            "perpendicular_inertia": point.perpendicular_inertia,
            "kind": {str(d): point.kind(d) for d in ds},
            "morse_index": {str(d): morse_index(point.parallel_inertia, point.perpendicular_inertia, d) for d in ds},
            "eigenvalue_estimates": {
                "parallel": list(point.parallel_eigenvalues),
                "perpendicular": list(point.perpendicular_eigenvalues),
                "error": point.eigenvalue_error,
                "method": "central differences of the fast tier's gradient (d = 2), h and 2h",
            },
            "method": f"Krawczyk step on {dps}-digit python-flint balls in the tied family; Hessian blocks "
            "enclosed by acb.integral with Gaussian tail bounds; inertia by LDL^T in ball arithmetic",
            "seconds": time.perf_counter() - clock,
        }
    )


def _summary(
    points: list[dict[str, Any]], planar: list[dict[str, Any]], ns: list[int], ds: list[int]
) -> dict[str, Any]:
    """Counts per kind and the local minima with positive loss (certified on the line; rings: estimates)."""

    def label(kind: str) -> str:
        return "saddle" if kind.startswith("saddle") else kind

    kinds: dict[str, dict[str, int]] = {}
    for d in ds:
        counts: dict[str, int] = {}
        for point in points:
            counts[label(point["kind"][str(d)])] = counts.get(label(point["kind"][str(d)]), 0) + 1
        kinds[str(d)] = counts
    spurious = {
        str(d): [p["configuration"] for p in points if p["loss_positive"] and p["kind"][str(d)] == "local minimum"]
        for d in ds
    }
    rings: dict[str, int] = {}
    for point in planar:
        rings[label(point["kind"]["2"])] = rings.get(label(point["kind"]["2"]), 0) + 1
    return {
        "points": len(points),
        "certified": sum(p["certified"] for p in points),
        "kinds": kinds,
        "spurious_local_minima": spurious,
        "planar_points": len(planar),
        "planar_kinds_d2": rings,
        "planar_local_minima_d2": [
            {"n": p["n"], "m": p["m"], "radius": p["radius"]} for p in planar if p["kind"]["2"] == "local minimum"
        ],
        "n": ns,
    }


def _figure(record: dict[str, Any]):
    """Left: each point's configuration (rings: their radius); right: its loss, labelled by its kind in the
    first ``d`` of the scan (rings: in ``d = 2``).  The title names the study and its configuration."""
    from matplotlib.figure import Figure

    points, planar, ds = record["points"], record["planar_points"], record["d"]
    rows = len(points) + len(planar)
    figure = Figure(figsize=(10, 0.45 * rows + 1.6), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True, width_ratios=(3, 2))
    colours = {"saddle": "tab:orange", "local maximum": "tab:red", "local minimum": "tab:blue"}

    def colour(kind: str) -> str:
        return colours.get("saddle" if kind.startswith("saddle") else kind, "tab:gray")

    def bar(row: int, loss: float, kind: str, estimate: bool) -> None:
        right.barh(row, loss, color=colour(kind), alpha=0.8, hatch="//" if estimate else None)
        right.text(loss, row, f" {kind}" + (" (d = 2, estimate)" if estimate else ""), va="center", fontsize=8)

    labels = []
    for row, point in enumerate(points):
        kind = point["kind"][str(ds[0])]
        values = [float(x) for x in point["configuration"]]
        for value in sorted(set(round(x, 6) for x in values)):
            count = sum(round(x, 6) == value for x in values)
            left.plot(value, row, "o", color=colour(kind), alpha=0.8, markersize=5 + 2 * count)
            if count > 1:  # coincident parameters (they stay together under gradient descent)
                left.annotate(
                    f"x{count}", (value, row), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7
                )
        bar(row, float(point["loss"][0]) if point["loss"] else float("nan"), kind, False)
        labels.append(f"n={point['n']}: {', '.join(point['found_in'])}")
    for row, point in enumerate(planar, start=len(points)):
        kind, radius = point["kind"]["2"], float(point["radius"])
        left.plot(radius, row, "*", color=colour(kind), markersize=12)
        left.annotate(
            f"regular {point['m']}-gon, radius {radius:.3f}" + (f", {point['k']} at 0" if point["k"] else ""),
            (radius, row),
            xytext=(-10, 0),
            textcoords="offset points",
            va="center",
            ha="right",
            fontsize=7,
        )
        bar(row, float(point["loss"]), kind, True)
        labels.append(f"n={point['n']}: ring m={point['m']}")
    left.axvline(0, color="k", lw=0.8, ls=":")
    left.set(
        yticks=range(rows),
        yticklabels=labels,
        xlabel="parameters a_i on the line (truth at 0); rings: radius",
        title="stationary points other than the truth",
    )
    right.set(xlabel="loss L", title=f"loss and kind\n(line: d = {ds[0]}, certified; rings: d = 2, estimate)")
    figure.suptitle(
        f"explore stationary-scan: n = {', '.join(map(str, record['n']))}; d = {', '.join(map(str, ds))}; "
        f"families {', '.join(record['families'])}; dps {record['dps']}"
    )
    losses = [float(p["loss"][0]) for p in points if p["loss"]] + [float(p["loss"]) for p in planar]
    right.set_xlim(0, 2.0 * max(losses or [1.0]))
    return figure


def _table(points: list[dict[str, Any]], planar: list[dict[str, Any]], ds: list[int], summary: dict[str, Any]) -> str:
    configurations = [", ".join(f"{x:.4f}" for x in p["configuration"]) for p in points]
    width = max(map(len, configurations), default=13)
    rows = [
        f"{'n':>2} {'configuration':<{width}} {'L (certified)':<24} " + " ".join(f"{'d=' + str(d):<18}" for d in ds)
    ]
    for p, configuration in zip(points, configurations):
        loss = f"{float(p['loss'][0]):.12f}.." if p["loss"] else "not certified"
        rows.append(
            f"{p['n']:>2} {configuration:<{width}} {loss:<24} " + " ".join(f"{p['kind'][str(d)]:<18}" for d in ds)
        )
    for d in ds:
        spurious = summary["spurious_local_minima"][str(d)]
        rows.append(
            f"d = {d}: {summary['kinds'][str(d)]}; spurious local minima: "
            + (f"{len(spurious)}" if spurious else "none on these families")
        )
    rows.append(f"{summary['certified']} of {summary['points']} points certified")
    if planar:
        rows.append(
            f"\nrings in d = 2 (double precision, not certified):\n{'n':>2} {'m':>2} {'k':>2} {'radius':>12} "
            f"{'L':>10} {'|grad|':>8} {'eig. error':>10}  kind"
        )
        for p in planar:
            rows.append(
                f"{p['n']:>2} {p['m']:>2} {p['k']:>2} {float(p['radius']):>12.9f} {float(p['loss']):>10.6f} "
                f"{float(p['gradient_norm']):>8.1e} {float(p['eigenvalue_error']):>10.1e}  {p['kind']['2']}"
            )
        rows.append(
            f"rings: {summary['planar_kinds_d2']}; local minima: {len(summary['planar_local_minima_d2']) or 'none'}"
        )
    return "\n".join(rows)


STUDY = Study(
    name="stationary-scan",
    summary="stationary points on symmetric families: certified, classified",
    add_arguments=add_arguments,
    run=run,
)
