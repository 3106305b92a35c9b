"""``eval``: loss and gradient at one configuration, computed by the numeric core.

    python -m proofs_check eval --mu '[[0.5],[-1.5],[2]]' [--t T] [--truth JSON]
                                [--tier fast|precise|certified] [--dps D] [--json]

Without ``--t`` the rows of ``--mu`` are the reduced parameters ``mu`` (truth at 0) and the loss
is ``L(mu)``; with ``--t`` they are the original means ``m_i`` (truth ``m* = 0`` or ``--truth``)
and the loss is ``L_t(m)``. Input is validated by ``numeric.config``; any ``InputError`` (ragged
or empty ``--mu``, NaN, an unknown tier, ``--dps`` below 10, ...) becomes one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from proofs_check.cli.common import CommonOptions, print_json
from proofs_check.cli.parsing import TRUTH, Integer, Matrix, Real
from proofs_check.core.jsonfmt import to_json

__all__ = ["add_eval", "run_eval", "describe"]

#: ``--t``: a noise time, kept as decimal text (the precise tiers read it at their own precision).
TIME = Real(exact=True)


def add_eval(subparsers: Any, common: CommonOptions) -> None:
    """Register ``eval``."""
    command = subparsers.add_parser("eval", parents=[common.output], help="loss and gradient at one configuration")
    command.add_argument("--mu", type=Matrix(), required=True, metavar="JSON", help=f"the configuration: {Matrix()}")
    command.add_argument(
        "--t", type=TIME, metavar="T", help=f"noise time: --mu are then the original means m_i; {TIME}"
    )
    command.add_argument("--truth", type=TRUTH, metavar="JSON", help=f"the true mean m* (with --t; default 0): {TRUTH}")
    command.add_argument("--tier", default="fast", help="fast | precise | certified (default: fast)")
    command.add_argument(
        "--dps", type=Integer(), default=40, help="working decimal digits, from 10 to 5000 (default: 40)"
    )
    command.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate, print the result (text or ``--json``), return the exit status."""
    from numeric import evaluate

    result = evaluate(args.mu, tier=args.tier, dps=args.dps, t=args.t, truth=args.truth)
    if args.json:
        print_json(result.to_json())
    elif not args.quiet:
        print(describe(result, t=args.t))
    return 0


def describe(result: Any, t: str | None = None) -> str:
    """The human-readable printout of an ``Evaluation``."""
    kind = "proven bound" if result.rigorous else "estimate"
    lines = [f"loss      {_text(result.loss)}"]
    lines += [f"grad[{i}]   {_text(row)}" for i, row in enumerate(to_json(result.grad))]
    lines += [
        f"error     {_text(result.error)}  ({kind})",
        f"tier {result.tier}, {'double precision' if result.tier == 'fast' else f'{result.dps} digits'}, "
        f"method: {result.method}" + ("" if t is None else f", t = {t}"),
    ]
    return "\n".join(lines)


def _text(value: Any) -> str:
    value = to_json(value)
    if isinstance(value, list):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    return str(value)
