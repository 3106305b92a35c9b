"""Pieces every command of the command line shares: option groups, errors, output."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["PROG", "UsageError", "flag", "CommonOptions", "fail", "print_json"]

PROG = "proofs-check"


class UsageError(ValueError):
    """A mistake in the command line; reported in one line with exit status 2."""


def flag(name: str) -> str:
    """The command-line spelling of an input named by :class:`numeric.InputError`.

    >>> [flag(name) for name in ("eta", "mu[0][1]", "stop_loss", "n/d", "--seed")]
    ['--eta', '--mu[0][1]', '--stop-loss', '--n/--d', '--seed']
    """
    if name.startswith("-"):
        return name

    def one(part: str) -> str:
        base, bracket, rest = part.partition("[")
        return "--" + base.replace("_", "-") + bracket + rest

    return "/".join(one(part) for part in name.split("/"))


@dataclass(frozen=True)
class CommonOptions:
    """Parent parsers shared by the commands (pass them as ``parents=[...]``)."""

    output: argparse.ArgumentParser  # --json, -q, -v
    run: argparse.ArgumentParser  # --profile, --out, --seed, --jobs, --param


def fail(message: str, status: int = 2) -> int:
    """Print ``proofs-check: error: MESSAGE`` on stderr, always in one line, and return ``status``."""
    print(f"{PROG}: error: {' '.join(str(message).splitlines())}", file=sys.stderr)
    return status


def print_json(data: Any) -> None:
    """Pretty-print ``data`` as JSON on stdout."""
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")
