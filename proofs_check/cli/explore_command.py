"""``explore NAME``: studies beyond the paper, one module each in :mod:`proofs_check.studies`.

    python -m proofs_check explore critical-spread --n 5 --d 1 --M0 3 [--out DIR] [--jobs N] [--json]
    python -m proofs_check explore k-near --dask tcp://scheduler:8786     # the sweep on a dask cluster

Every study writes ``<out>/explore-<name>.json`` (its record plus the ``run`` object: versions, git
commit, seed, start time, ``jobs`` and the ``dask`` address) and ``<out>/explore-<name>.png``, then
prints a table (or, with ``--json``, the record with the two paths).  A sweep runs in ``--jobs``
processes here or, with ``--dask ADDRESS``, on a dask.distributed cluster (:func:`proofs_check.studies.sweep`).
Bad input, including an unreachable scheduler, is one line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from proofs_check.cli.common import CommonOptions, fail, print_json
from proofs_check.cli.parsing import JOBS, SEED, writable_folder
from proofs_check.core.jsonfmt import to_json
from proofs_check.studies import Finding, Study, studies

__all__ = ["add_explore", "run_study"]


def add_explore(subparsers: Any, common: CommonOptions) -> None:
    """Register ``explore`` with one sub-command per study."""
    command = subparsers.add_parser("explore", help="studies beyond the paper (e.g. critical-spread)")
    names = command.add_subparsers(dest="study", metavar="NAME", required=True)
    for study in studies().values():
        parser = names.add_parser(
            study.name, parents=[common.output, _study_options()], help=study.summary, description=study.summary
        )
        study.add_arguments(parser)
        parser.set_defaults(handler=partial(run_study, study))


def _study_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--out", type=Path, default=Path("reports"), help="report folder (default: reports/)")
    options.add_argument("--seed", type=SEED, default=0, help=f"random seed, recorded (default: 0); {SEED}")
    options.add_argument("--jobs", type=JOBS, default=1, help=f"parallel processes for sweeps (default: 1); {JOBS}")
    options.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the sweep on a dask.distributed cluster instead, e.g. tcp://host:8786 "
        "(its workers need this package installed, same version; not with --jobs > 1)",
    )
    return options


def run_study(study: Study, args: argparse.Namespace) -> int:
    """Validate the shared options, run ``study``, write its record and figure, print; return the status."""
    from proofs_check.report.markdown import run_info

    started = datetime.now(UTC)
    writable_folder(args.out, "--out")  # before the study runs: a refused run writes nothing
    finding = study.run(args)
    run = {**run_info(profile="n/a", seed=args.seed, jobs=args.jobs, params=[], started=started), "dask": args.dask}
    try:
        paths = _write(args.out, study.name, finding, run)
    except OSError as error:
        return fail(f"--out {args.out}: cannot write the record ({error.strerror or error})")
    if args.json:
        print_json(to_json({**finding.record, "run": run, "files": paths}))
    elif not args.quiet:
        print(finding.table)
        print(f"\nrecord: {paths['record']}\nfigure: {paths['figure']}")
    return 0


def _write(out: Path, name: str, finding: Finding, run: dict) -> dict[str, str]:
    """Write the record (atomically) and the figure; return their paths."""
    from numeric import write_atomically

    out.mkdir(parents=True, exist_ok=True)
    record, figure = out / f"explore-{name}.json", out / f"explore-{name}.png"
    write_atomically(record, json.dumps(to_json({**finding.record, "run": run}), indent=1) + "\n")
    image = io.BytesIO()
    finding.figure.savefig(image, format="png", dpi=120, bbox_inches="tight")  # no clipped titles or labels
    write_atomically(figure, image.getvalue())
    return {"record": str(record), "figure": str(figure)}
