"""The command line: ``python -m proofs_check COMMAND [options]`` (also ``proofs-check``).

Each command is one registration function ``add_<name>(subparsers, common)`` that builds its
sub-parser (with ``parents=[common.output]`` and, if it runs claims, ``common.run``) and sets
``handler=<function(args) -> exit status>``; it is listed in :data:`COMMANDS`. Options follow the
command: ``proofs-check check thm3.1 --profile quick --json``.

``all`` and ``check`` print one line per claim on stderr as it starts and as it ends (verdict, seconds),
with a tqdm bar on a terminal, and nothing under ``-q``; each run writes its own report folder
``--out/<UTC start>-<command>/`` and points ``--out/latest`` at it (:mod:`proofs_check.report.files`).

Exit status (``docs/interface.md``): 0 nothing refuted and nothing broke; 1 at least one
claim refuted; 2 bad usage or an internal error. An internal error -- a claim module that fails
to load, or an exception inside a claim -- is reported on stderr in one line, the claim gets an
``inconclusive`` "internal error" check (traceback in ``report.md``), the other claims still run,
and the status is 2 even if some claim was refuted. User mistakes get a one-line message naming
the bad input and status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import textwrap
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from numeric import InputError
from proofs_check import __version__
from proofs_check.claims import Registry, discover, module_name
from proofs_check.cli.common import PROG, CommonOptions, UsageError, fail, flag, print_json
from proofs_check.cli.eval_command import add_eval
from proofs_check.cli.explore_command import add_explore
from proofs_check.cli.gd_command import add_gd
from proofs_check.cli.parsing import JOBS, SEED, ArgumentParser, writable_folder
from proofs_check.core import runner
from proofs_check.core.claim import PROFILES, Claim, Verdict
from proofs_check.core.jsonfmt import to_json
from proofs_check.core.params import ParameterError, route_assignments
from proofs_check.report import files, markdown as report
from proofs_check.report.content import LEGEND

__all__ = [
    "main",
    "build_parser",
    "add_list",
    "run_list",
    "REPORT_EPILOG",
    "add_all",
    "add_check",
    "run_checks",
    "COMMANDS",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return the exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse: --help (0) or a usage error (2, message printed)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        with _sigterm_as_exit(), _quiet(getattr(args, "quiet", False)):
            return args.handler(args)
    except (UsageError, ParameterError) as error:
        return fail(str(error))
    except InputError as error:  # numeric names its inputs; the command line speaks of its flags
        return fail(f"{flag(error.name)}: {error.reason}")
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly, like other Unix tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return fail("interrupted", status=130)
    except Exception as error:  # a bug, not a user mistake
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        return fail(f"internal error in {args.command}: {type(error).__name__}: {error}")


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """While a command runs, SIGTERM exits like Ctrl-C does: through every ``finally`` (no temporary is left)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _quiet(quiet: bool) -> Iterator[None]:
    """``-q`` prints only errors: libraries' warnings and log notes (e.g. matplotlib's note about its cache
    folder) are silenced while the command runs; the command's own errors are printed, not logged."""
    if not quiet:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command of :data:`COMMANDS` registered."""
    parser = ArgumentParser(
        prog=PROG,
        description="Check the claims of 'Convergence "
        "Dynamics of Over-Parameterized Score Matching for a Single "
        "Gaussian' symbolically and numerically.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = CommonOptions(output=_output_options(), run=_run_options())
    for register in COMMANDS:
        register(subparsers, common)
    return parser


def _output_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout instead of text")
    chatter = options.add_mutually_exclusive_group()
    chatter.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    chatter.add_argument("-v", "--verbose", action="store_true", help="also print the claims' progress notes")
    return options


def _run_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--profile", choices=PROFILES, default="standard", help="instance sizes and budgets (default: standard)"
    )
    options.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="report root: each run writes DIR/<UTC start>-<command>/ (report.html, report.md, report.json, "
        "figures/) and points DIR/latest at it; earlier runs are kept (default: reports/)",
    )
    options.add_argument("--seed", type=SEED, default=0, help=f"random seed, recorded (default: 0); {SEED}")
    options.add_argument("--jobs", type=JOBS, default=1, help=f"claims run in parallel processes (default: 1); {JOBS}")
    options.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="[ID:]KEY=VALUE",
        help="override an instance parameter or statement constant (repeatable)",
    )
    return options


# --- list ---------------------------------------------------------------------------------------


def add_list(subparsers: Any, common: CommonOptions) -> None:
    """``list``: one line per claim (id, paper label, short statement)."""
    command = subparsers.add_parser("list", parents=[common.output], help="list the claims")
    command.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    registry = discover()
    if args.json:
        print_json({"claims": [_claim_summary(claim) for claim in registry.claims]})
    elif not args.quiet:
        width = max((len(claim.id) for claim in registry.claims), default=0)
        label_width = max((len(claim.label) for claim in registry.claims), default=0)
        for claim in registry.claims:
            print(f"{claim.id:<{width}}  {claim.label:<{label_width}}  {claim.render_statement()}")
    return _report_load_errors(registry.errors)


def _claim_summary(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "label": claim.label,
        "statement": claim.render_statement(),
        "parameters": list(claim.parameters),
        "constants": list(claim.constants),
        "defaults": {profile: to_json(claim.defaults(profile)) for profile in PROFILES},
    }


# --- all / check --------------------------------------------------------------------------------


#: What ``all --help`` and ``check --help`` say after the options: the verdicts and the exit status.
REPORT_EPILOG = "\n\n".join(
    [
        "verdicts (a claim's verdict is the weakest of its checks'):\n"
        + "\n".join(
            textwrap.fill(
                f"{row.verdict:<13} rests on {row.rests_on}; does not mean {row.does_not_mean}",
                width=100,
                initial_indent="  ",
                subsequent_indent=" " * 16,
            )
            for row in LEGEND
        ),
        "progress: one line per claim on stderr as it starts and as it ends (verdict, seconds); nothing with -q.",
        "exit status: 0 nothing refuted; 1 at least one claim refuted (a finding: the report says which check\n"
        "refutes it); 2 bad usage or an internal error.",
    ]
)


def _report_command(subparsers: Any, common: CommonOptions, name: str, summary: str) -> argparse.ArgumentParser:
    return subparsers.add_parser(
        name,
        parents=[common.output, common.run],
        help=summary,
        description=summary,
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_all(subparsers: Any, common: CommonOptions) -> None:
    """``all``: run every claim and write a report."""
    command = _report_command(subparsers, common, "all", "run every claim; print a table; write a report")
    command.set_defaults(handler=lambda args: run_checks(args, None))


def add_check(subparsers: Any, common: CommonOptions) -> None:
    """``check ID [ID ...]``: run the chosen claims and write a report."""
    command = _report_command(subparsers, common, "check", "run the chosen claims; print a table; write a report")
    command.add_argument("ids", nargs="+", metavar="ID", help="claim id (see `list`)")
    command.set_defaults(handler=lambda args: run_checks(args, args.ids))


def run_checks(args: argparse.Namespace, ids: Sequence[str] | None) -> int:
    """Run the claims ``ids`` (all when ``None``), print the outcome, write the report."""
    registry = discover(only=ids)
    claims = registry.claims if ids is None else _select(registry, ids)
    overrides = route_assignments(args.param, {claim.id: claim.names for claim in claims})
    tasks = [runner.Task(claim, claim.resolve(args.profile, overrides[claim.id])) for claim in claims]
    writable_folder(args.out, "--out")  # refused before the claims run, not after
    started = datetime.now(UTC)
    with _Progress(len(tasks), args) as progress:
        records = runner.run_claims(
            tasks,
            args.profile,
            args.seed,
            jobs=args.jobs,
            notify=progress.note,
            started=progress.started,
            finished=progress.finished,
        )
    info = report.run_info(
        profile=args.profile, seed=args.seed, jobs=args.jobs, params=args.param, started=started, command=args.command
    )
    doc = report.document(records, info)
    try:
        out_dir = files.write_report(args.out, args.command, started, doc, records)
    except OSError as error:
        return fail(f"--out {args.out}: cannot write the report ({error.strerror or error})")
    if args.json:
        print_json(doc)
    elif not args.quiet:
        print(report.table(records))
        print(f"\nreport: {out_dir / 'report.html'} (also report.md, report.json; {args.out / files.LATEST} -> it)")
    broken = [record for record in records if record.error]
    for record in broken:
        fail(f"claim {record.id}: internal error: {record.error}")
    status = _report_load_errors(registry.errors if ids is None else {})
    if broken or status:
        return 2
    return 1 if any(record.verdict is Verdict.REFUTED for record in records) else 0


def _select(registry: Registry, ids: Sequence[str]) -> list[Claim]:
    chosen: list[Claim] = []
    for claim_id in dict.fromkeys(ids):
        if module_name(claim_id) in registry.errors:
            raise UsageError(f"claim {claim_id!r} failed to load: {registry.errors[module_name(claim_id)]}")
        try:
            chosen.append(registry.get(claim_id))
        except KeyError:
            known = ", ".join(registry.ids) or "none registered"
            raise UsageError(f"unknown claim id {claim_id!r} (known: {known})") from None
    return chosen


class _Progress:
    """One line per claim on stderr as it starts and ends, a tqdm bar on a terminal, notes with -v; silent with -q."""

    def __init__(self, total: int, args: argparse.Namespace) -> None:
        self.verbose, self.quiet, self.total = args.verbose, args.quiet, total
        self.positions: dict[str, int] = {}
        self.bar = tqdm(
            total=total, unit="claim", file=sys.stderr, leave=False, disable=args.quiet or not sys.stderr.isatty()
        )

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.close()

    def note(self, claim_id: str, text: str) -> None:
        self.bar.set_postfix_str(f"{claim_id}: {text}", refresh=True)
        if self.verbose:
            self.bar.write(f"[{claim_id}] {text}", file=sys.stderr)

    def started(self, task: runner.Task) -> None:
        self.positions[task.claim.id] = len(self.positions) + 1
        self._line(task.claim.id, "started")

    def finished(self, record: runner.ClaimRecord) -> None:
        self.bar.update()
        self._line(record.id, f"{record.verdict.value} ({record.seconds:.1f} s)")

    def _line(self, claim_id: str, text: str) -> None:
        if not self.quiet:
            self.bar.write(f"[{self.positions.get(claim_id, 0)}/{self.total}] {claim_id} {text}", file=sys.stderr)


# --- helpers --------------------------------------------------------------------------------------


def _report_load_errors(errors: dict[str, str]) -> int:
    for name, reason in errors.items():
        fail(f"claim module {name} failed to load: {reason}")
    return 2 if errors else 0


#: Registration functions, in the order the commands appear in ``--help``.
COMMANDS: tuple[Callable[[Any, CommonOptions], None], ...] = (
    add_list,
    add_all,
    add_check,
    add_eval,
    add_gd,
    add_explore,
)
