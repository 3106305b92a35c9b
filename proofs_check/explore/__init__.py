"""Studies beyond the paper (``python -m proofs_check explore NAME``).

A study is one module of this package that defines ``STUDY``, a :class:`Study`: its command-line
name, a one-line summary, ``add_arguments(parser)`` for its own options, and ``run(args)`` returning a
:class:`Finding` (a JSON-ready record, a figure and a text table).  The ``explore`` command
(:mod:`proofs_check.explore_command`) adds the shared options (``--out``, ``--jobs``, ``--seed``,
``--json``, ``-q``/``-v``), writes ``<out>/explore-<name>.json`` and ``.png`` and prints the table.
Adding a study is adding its module name to :data:`MODULES`.

Shared helpers for sweeps: :func:`sweep` maps a picklable function over points in a process pool
(``--jobs``) with a tqdm bar on terminals, and :func:`number_list` parses one value or a grid.
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

__all__ = ["Finding", "Study", "MODULES", "studies", "sweep", "number_list"]

#: Study modules of this package, in the order ``explore --help`` lists them.
MODULES = ("critical_spread", "k_near")

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


def sweep(function: Callable[[T], R], points: Sequence[T], *, jobs: int = 1, quiet: bool = False,
          unit: str = "point") -> list[R]:
    """``[function(p) for p in points]``, in ``jobs`` processes, with a progress bar on a terminal."""
    bar = tqdm(total=len(points), unit=unit, file=sys.stderr, leave=False,
               disable=quiet or not sys.stderr.isatty())
    with bar:
        if jobs == 1 or len(points) < 2:
            return [_tick(bar, function(point)) for point in points]
        with ProcessPoolExecutor(max_workers=min(jobs, len(points))) as pool:
            futures = {pool.submit(function, point): k for k, point in enumerate(points)}
            results: list[Any] = [None] * len(points)
            for future in as_completed(futures):
                results[futures[future]] = _tick(bar, future.result())
            return results


def _tick(bar: tqdm, result: R) -> R:
    bar.update()
    return result


def number_list(text: Iterable[str], option: str, kind: Callable[[str], T]) -> list[T]:
    """Values given as separate words and/or comma-separated (``--M0 2 3 4`` or ``--M0 2,3,4``).

    Raises :class:`numeric.config.ConfigError` naming ``option`` for anything that is not a ``kind``.
    """
    from numeric.config import ConfigError

    words = [word for item in text for word in item.split(",") if word.strip()]
    if not words:
        raise ConfigError(f"{option}: expected at least one value")
    try:
        return [kind(word) for word in words]
    except ValueError:
        raise ConfigError(f"{option}: expected {kind.__name__} values, got {' '.join(text)!r}") from None
