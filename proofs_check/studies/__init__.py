"""Studies beyond the paper (``python -m proofs_check explore NAME``).

A study is one module of this package that defines ``STUDY``, a :class:`Study`: its command-line
name, a one-line summary, ``add_arguments(parser)`` for its own options, and ``run(args)`` returning a
:class:`Finding` (a JSON-ready record, a figure and a text table).  The ``explore`` command
(:mod:`proofs_check.cli.explore_command`) adds the shared options (``--out``, ``--jobs``, ``--seed``,
``--json``, ``-q``/``-v``), writes ``<out>/explore-<name>.json`` and ``.png`` and prints the table.
Adding a study is adding its module name to :data:`MODULES`.

Shared helpers for sweeps: :func:`sweep` maps a picklable function over points in a process pool
(``--jobs``) or on the workers of a dask.distributed cluster (``--dask ADDRESS``, the ``dask`` extra),
with a tqdm bar on terminals, and :func:`number_list` parses one value or a grid.  A study hands the
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

__all__ = ["Finding", "Study", "MODULES", "studies", "sweep", "number_list", "positive_numbers", "dynamics_options"]

#: Study modules of this package, in the order ``explore --help`` lists them.
MODULES = ("critical_spread", "k_near", "stationary_scan", "time_averaged")

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


def number_list(text: Iterable[str], option: str, kind: Callable[[str], T]) -> list[T]:
    """Values given as separate words and/or comma-separated (``--M0 2 3 4`` or ``--M0 2,3,4``).

    Raises :class:`proofs_check.cli.common.UsageError` naming ``option`` for anything that is not a ``kind``.
    """
    words = [word for item in text for word in item.split(",") if word.strip()]
    if not words:
        raise UsageError(f"{option}: expected at least one value")
    try:
        return [kind(word) for word in words]
    except ValueError:
        raise UsageError(f"{option}: expected {kind.__name__} values, got {' '.join(text)!r}") from None


def positive_numbers(text: Iterable[str], option: str) -> list[float]:
    """:func:`number_list` of positive finite numbers (UsageError naming ``option`` otherwise)."""
    values = number_list(text, option, float)
    if not all(0 < value < float("inf") for value in values):
        raise UsageError(f"{option}: expected positive numbers, got {' '.join(text)}")
    return values


def dynamics_options(args: Any) -> tuple[int, int, float, int]:
    """``--n``, ``--d``, ``--eta`` and ``--steps`` of a gradient-descent study, validated: ``n >= 2``,
    ``d >= 1``, ``0 < eta < n/2`` (the step that keeps the cluster contracting) and ``steps >= 1``."""
    (n,), (d,) = number_list([args.n], "--n", int), number_list([args.d], "--d", int)
    (eta,), (steps,) = positive_numbers([args.eta], "--eta"), number_list([args.steps], "--steps", int)
    if n < 2:
        raise UsageError(f"--n: must be at least 2, got {args.n}")
    if d < 1:
        raise UsageError(f"--d: must be at least 1, got {args.d}")
    if eta >= n / 2:
        raise UsageError(f"--eta: must be below n/2 = {n / 2:g}, got {args.eta}")
    if steps < 1:
        raise UsageError(f"--steps: expected a positive integer, got {args.steps}")
    return n, d, eta, steps
