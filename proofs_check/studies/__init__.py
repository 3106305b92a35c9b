"""Studies beyond the paper (``python -m proofs_check explore NAME``).

A study is one module of this package that defines ``STUDY``, a :class:`Study`: its command-line
name, a one-line summary, ``add_arguments(parser)`` for its own options, and ``run(args)`` returning a
:class:`Finding` (a JSON-ready record, a figure and a text table).  The ``explore`` command
(:mod:`proofs_check.cli.explore_command`) adds the shared options (``--out``, ``--jobs``, ``--seed``,
``--json``, ``-q``/``-v``), writes ``<out>/explore-<name>.json`` and ``.png`` and prints the table.
Adding a study is adding its module name to :data:`MODULES`.

Shared helpers for sweeps: :func:`sweep` maps a picklable function over points in a process pool
(``--jobs``) or on the workers of a dask.distributed cluster (``--dask ADDRESS``, the ``dask`` extra),
with a tqdm bar on terminals; option values are read by the domains of :mod:`proofs_check.cli.parsing`
(``values(args.M0, "--M0", POSITIVE)`` reads one value or a grid), and :func:`dynamics_options` reads the options
every GD study has.  A study hands the
shared options on: ``sweep(function, points, jobs=args.jobs, quiet=args.quiet, dask=args.dask)``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from tqdm import tqdm

from proofs_check.cli.common import UsageError
from proofs_check.cli.parsing import MAX_COLUMNS, MAX_ENTRIES, MAX_ROWS, Integer, Real

__all__ = [
    "Finding",
    "Study",
    "MODULES",
    "studies",
    "sweep",
    "PARAMETERS",
    "DIMENSION",
    "POSITIVE",
    "DISTANCE",
    "STEPS",
    "dynamics_options",
]

#: Study modules of this package, in the order ``explore --help`` lists them.
MODULES = ("critical_spread", "k_near", "sharp_rates", "stationary_scan", "time_averaged")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Finding:
    """What a study produced: a JSON-ready record, a figure (matplotlib ``Figure``) and a text table."""

    record: dict[str, Any]
    figure: Any
    table: str


@dataclass(frozen=True)
class Study:
    """One study: its name on the command line, a summary, its options and its run."""

    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Finding]


def studies() -> dict[str, Study]:
    """Every registered study by name."""
    found = (importlib.import_module(f"{__name__}.{module}").STUDY for module in MODULES)
    return {study.name: study for study in found}


def sweep(
    function: Callable[[T], R],
    points: Sequence[T],
    *,
    jobs: int = 1,
    quiet: bool = False,
    unit: str = "point",
    dask: str | None = None,
) -> list[R]:
    """``[function(p) for p in points]``, in ``jobs`` processes or on the dask scheduler at ``dask``.

    The progress bar (stderr) shows on terminals only, and not when ``quiet``.  With ``dask`` the
    points go to the cluster's workers, which must have this package installed (``function`` travels by
    reference); the client waits :data:`DASK_CONNECT_TIMEOUT` seconds for the scheduler.  Raises
    :class:`proofs_check.cli.common.UsageError` naming ``--dask`` when dask.distributed is missing, the scheduler
    cannot be reached, or ``jobs > 1`` is asked for too.
    """
    bar = tqdm(total=len(points), unit=unit, file=sys.stderr, leave=False, disable=quiet or not sys.stderr.isatty())
    with bar:
        if dask is not None:
            return _on_dask(function, points, dask, jobs, bar)
        if jobs == 1 or len(points) < 2:
            return [_tick(bar, function(point)) for point in points]
        with ProcessPoolExecutor(max_workers=min(jobs, len(points))) as pool:
            futures = [pool.submit(function, point) for point in points]
            return _in_order(futures, as_completed(futures), bar)


#: Seconds the dask client waits for the scheduler before ``--dask`` is reported unreachable.
DASK_CONNECT_TIMEOUT = 10.0


def _on_dask(function: Callable[[T], R], points: Sequence[T], address: str, jobs: int, bar: tqdm) -> list[R]:
    if jobs > 1:
        raise UsageError(f"--dask: the cluster's workers run the sweep; choose --dask or --jobs {jobs}, not both")
    try:
        from distributed import Client, as_completed as completed
        from distributed.comm import resolve_address
    except ImportError:
        raise UsageError(
            "--dask: needs dask.distributed, which is not installed (pip install 'proofs-check[dask]')"
        ) from None
    try:
        # checked before the Client exists: one whose start fails on a malformed address stalls the exit
        resolve_address(address)
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except ValueError as error:  # malformed address
        raise UsageError(
            f"--dask {address}: not a scheduler address ({error}); expected e.g. tcp://host:8786"
        ) from None
    except OSError as error:  # unknown host, refused or timed out (TimeoutError is an OSError)
        raise UsageError(f"--dask {address}: cannot connect to the scheduler ({error})") from None
    with client:
        # pure=False: no hashing of the points, and equal points each run (results carry their timings)
        futures = client.map(function, points, pure=False)
        return _in_order(futures, completed(futures, loop=client.loop), bar)


def _in_order(futures: list[Any], completed: Iterable[Any], bar: tqdm) -> list[Any]:
    """The futures' results in submission order, ticking ``bar`` as each completes (the first error raises)."""
    position = {future: k for k, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    for future in completed:
        results[position[future]] = _tick(bar, future.result())
    return results


def _tick(bar: tqdm, result: R) -> R:
    bar.update()
    return result


#: The domains of the options the gradient-descent studies share (:mod:`proofs_check.cli.parsing`).
PARAMETERS = Integer(2, MAX_ROWS)
DIMENSION = Integer(1, MAX_COLUMNS)
POSITIVE = Real(0, above=True)
DISTANCE = Real(0, 40, above=True, below=True)  # cluster distances M0
STEPS = Integer(1, 10**7)


def dynamics_options(args: Any) -> tuple[int, int, float, int]:
    """``--n``, ``--d``, ``--eta`` and ``--steps`` of a gradient-descent study, validated: ``n >= 2``,
    ``d >= 1``, ``0 < eta < n/2`` (the step that keeps the cluster contracting) and ``steps >= 1``."""
    n, d = PARAMETERS.parse(args.n, "--n"), DIMENSION.parse(args.d, "--d")
    eta, steps = POSITIVE.parse(args.eta, "--eta"), STEPS.parse(args.steps, "--steps")
    if n * d > MAX_ENTRIES:
        raise UsageError(f"--n/--d: n d = {n * d:,} numbers; at most {MAX_ENTRIES:,}")
    if eta >= n / 2:
        raise UsageError(f"--eta: must be below n/2 = {n / 2:g}, got {args.eta}")
    return n, d, eta, steps
