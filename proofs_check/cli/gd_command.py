"""``gd``: one gradient-descent run with exact expectations, its trajectory, checkpoints and a figure.

    python -m proofs_check gd --mu JSON --eta E --steps K [--tier fast|precise|certified] [--dps D] [--t T]
                              [--checkpoint FILE [--resume]] [--out DIR] [--format json|npz] [--plot] [--json]
    python -m proofs_check gd --init cluster --n 5 --d 3 --M 6 --spread 1e-7 --seed 0 --eta 0.01 --steps 20000

Prints the final ``mu``, the loss, each parameter's status (``numeric.dynamics.gd.classify``) and the loss's
tail slope; writes the trajectory into ``--out``.  ``--checkpoint FILE`` saves progress atomically
every ``--checkpoint-every`` seconds; ``--resume`` continues it (same options required) to exactly the
state an uninterrupted run reaches.  Bad input -- a non-positive ``--eta``, a non-integer ``--steps``,
an existing checkpoint without ``--resume``, a foreign or corrupted checkpoint -- is one line on stderr
and exit status 2, and an existing checkpoint is never overwritten by a start that fails.
``--tier certified`` runs validated GD (``numeric.certified_gd``: parameters on one line through the truth)
and prints every final coordinate as a proven ``[lo, hi]``.

    python -m proofs_check gd --mu JSON --flow --time S [--rtol R] [--json]

integrates the gradient flow ``d mu / ds = -grad L`` (``numeric.run_flow``, the small-step limit) to flow time
``S`` and prints the same keys as ``gd`` with ``"time"`` in place of ``"steps"``, plus ``"method"`` and
``"error"`` (the final loss's error figure); statuses come from fitted norm laws (``numeric.parameter_fates``).
``--flow`` with ``--eta``/``--steps`` (or another GD-only option), a non-positive or non-finite ``--time`` and an
integrator that fails are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from proofs_check.cli.common import CommonOptions, UsageError, fail, print_json
from proofs_check.cli.parsing import (
    MAX_COLUMNS,
    MAX_ENTRIES,
    MAX_ROWS,
    SEED,
    TRUTH,
    Integer,
    Matrix,
    Real,
    writable_folder,
)
from proofs_check.core.jsonfmt import to_json

#: The domains of gd's values (proofs_check.cli.parsing); --help states each one.
POSITIVE = Real(0, above=True, exact=True)
DOMAINS = {
    "n": Integer(1, MAX_ROWS),
    "d": Integer(1, MAX_COLUMNS),
    "M": Real(exact=True),
    "spread": Real(0, exact=True),
    "seed": SEED,
    "eta": POSITIVE,
    "steps": Integer(0, 10**9),
    "dps": Integer(),
    "t": Real(exact=True),
    "stop_loss": POSITIVE,
    "stop_grad": POSITIVE,
    "blowup": POSITIVE,
    "points_per_decade": Integer(1, 1000),
    "converged_below": Real(0, above=True),
    "diverging_above": Real(0, above=True),
    "checkpoint_every": Real(0),
    "time": POSITIVE,
    "rtol": Real(0, above=True),
}
#: Options that build the start with --init cluster (and mean nothing without it).
CLUSTER = ("n", "d", "M", "spread", "seed")


def add_gd(subparsers: Any, common: CommonOptions) -> None:
    """Register ``gd``."""
    command = subparsers.add_parser("gd", parents=[common.output], help="one gradient-descent run")
    start = command.add_argument_group("start")
    start.add_argument("--mu", type=Matrix(), metavar="JSON", help=f"the start: {Matrix()}")
    start.add_argument("--init", choices=["cluster"], help="build the start: cluster = (M,0,..,0) + S z_i")
    for name, text in zip(
        CLUSTER, ("parameters n", "dimension d", "cluster distance M", "spread S", "seed of z_i ~ N(0, I_d)")
    ):
        start.add_argument(f"--{name}", type=DOMAINS[name], help=f"--init cluster: {text}, {DOMAINS[name]}")
    value = {name.replace("_", "-"): DOMAINS[name] for name in DOMAINS}

    def add(name: str, text: str, **options: Any) -> None:
        command.add_argument(f"--{name}", type=value[name], help=f"{text}; {value[name]}", **options)

    add("eta", "step size (on mu, or on m with --t); required without --flow")
    add("steps", "step budget K; required without --flow")
    flow = command.add_argument_group("gradient flow (the small-step limit, flow time s = eta tau)")
    flow.add_argument("--flow", action="store_true", help="integrate d mu/ds = -grad L instead of stepping")
    flow.add_argument("--time", type=DOMAINS["time"], metavar="S", help=f"--flow: the flow time; {DOMAINS['time']}")
    flow.add_argument(
        "--rtol", type=DOMAINS["rtol"], help="--flow: integrator tolerance, 1e-12 to 1e-3 (default: 1e-8)"
    )
    command.add_argument(
        "--tier", default="fast", help="fast | precise | certified (balls holding exact GD, one line) (default: fast)"
    )
    add("dps", "working digits of the precise tier, from 10 to 5000 (default: 40)", default="40")
    add("t", "noise time: --mu are the original means m_i, step eta on m", metavar="T")
    command.add_argument("--truth", type=TRUTH, metavar="JSON", help=f"the true mean m* (with --t; default 0): {TRUTH}")
    add("stop-loss", "stop once the loss is at most this")
    add("stop-grad", "stop once the gradient norm is at most this")
    add("blowup", "blow-up limit on ||mu_i|| (default: 100 max(1, initial max ||mu_i||))")
    add("points-per-decade", "trajectory thinning (default: 20)", default="20")
    add("converged-below", "classification (default: 1e-2)", default="1e-2")
    add("diverging-above", "classification (default: 1)", default="1")
    command.add_argument("--checkpoint", type=Path, metavar="FILE", help="save progress to FILE atomically")
    add(
        "checkpoint-every", "seconds between checkpoints (default: 10; 0 = every step)", default="10", metavar="SECONDS"
    )
    command.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint")
    command.add_argument("--out", type=Path, default=Path("reports"), help="trajectory folder (default: reports/)")
    command.add_argument("--format", choices=["json", "npz"], default="json", help="trajectory file format")
    command.add_argument("--plot", action="store_true", help="also write a figure of ||mu_i|| and the loss")
    command.set_defaults(handler=run_gd_command)


def run_gd_command(args: argparse.Namespace) -> int:
    """Validate, run (or resume), print and save; return the exit status."""
    from numeric import advance, finish, load_checkpoint, save_checkpoint, start_state

    if args.flow:
        return _run_flow(args)
    given = [f"--{name}" for name in ("time", "rtol") if getattr(args, name) is not None]
    if given:
        raise UsageError(f"{given[0]}: only with --flow")
    missing = [f"--{name}" for name in ("eta", "steps") if getattr(args, name) is None]
    if missing:
        raise UsageError(f"gd: the following arguments are required: {', '.join(missing)} (or --flow --time S)")
    if args.tier == "certified":
        return _run_certified(args)
    config = _config(args)
    writable_folder(args.out, "--out")  # before anything is written: a refused run leaves no checkpoint
    state = _initial_state(args, config, load_checkpoint, start_state)
    try:
        with _Saver(args, config, save_checkpoint) as saver:
            state = advance(config, state, on_step=saver)
            saver.final(state)
        result = finish(config, state, converged_below=args.converged_below, diverging_above=args.diverging_above)
        path = _write_trajectory(args, result)
        figure = _plot(args, result) if args.plot else None
    except OSError as error:
        return fail(f"cannot write output ({error.strerror or error}: {error.filename or ''})")
    summary = _summary(result, path, figure)
    if args.json:
        print_json(to_json(summary))
    elif not args.quiet:
        print(_describe(summary))
    return 0


#: Options of the fast and precise tiers that --tier certified does not take.
NOT_CERTIFIED = ("init", "t", "truth", "stop_loss", "stop_grad", "blowup", "checkpoint", "resume", "plot")


def _run_certified(args: argparse.Namespace) -> int:
    """``--tier certified``: validated GD (``numeric.certified_gd``), every final coordinate as ``[lo, hi]``."""
    from numeric import certified_gd

    given = [f"--{name.replace('_', '-')}" for name in NOT_CERTIFIED if getattr(args, name) not in (None, False)]
    if given:
        raise UsageError(f"{given[0]}: not available with --tier certified")
    if args.mu is None:
        raise UsageError("--tier certified: give the start with --mu JSON (parameters on one line through the truth)")
    result = certified_gd(args.mu, args.eta, args.steps, dps=args.dps, points_per_decade=args.points_per_decade)
    summary = result.to_json()
    if args.json:
        print_json(summary)
    elif not args.quiet:
        lines = [
            f"mu_{i + 1:<6} [{', '.join(f'[{lo}, {hi}]' for lo, hi in row)}]" for i, row in enumerate(summary["mu"])
        ]
        lines += [
            f"radius   {float(summary['radius']):.3g} (largest; groups {summary['groups']})",
            f"stopped  {summary['stopped']}: {summary['reason']} ({float(summary['seconds']):.1f} s)",
            f"tier certified; {summary['convention']}; {summary['method']}",
        ]
        print("\n".join(lines))
    return 0


def _config(args: argparse.Namespace):
    from numeric import InputError, make_config

    mu, init = _start(args)
    options = {"tier": args.tier, "dps": args.dps, "t": args.t, "truth": args.truth, "init": init}
    options |= {"points_per_decade": args.points_per_decade, "stop_loss": args.stop_loss}
    options |= {"stop_grad": args.stop_grad, "blowup": args.blowup}
    try:
        return make_config(mu, args.eta, args.steps, **options)
    except InputError as error:  # a built start is refused for the options that built it
        if init and error.name.startswith("mu"):
            raise InputError("M/spread", f"the cluster start is refused: {error.reason}") from None
        raise


def _start(args: argparse.Namespace) -> tuple[Any, dict]:
    """The start (``--mu``, or built by ``--init cluster``) and how it was built."""
    from numeric import cluster_start

    if (args.mu is None) == (args.init is None):
        raise UsageError("gd: give exactly one of --mu JSON or --init cluster")
    init = {}
    if args.init == "cluster":
        missing = [name for name in ("n", "d", "M", "spread") if getattr(args, name) is None]
        if missing:
            raise UsageError(f"--init cluster: missing {', '.join('--' + m for m in missing)}")
        if args.n * args.d > MAX_ENTRIES:
            raise UsageError(f"--n/--d: n d = {args.n * args.d:,} numbers; at most {MAX_ENTRIES:,}")
        seed = 0 if args.seed is None else args.seed
        mu = cluster_start(args.n, args.d, args.M, args.spread, seed)
        # n and d recorded as text, as before typed parsing: the same runs keep the same fingerprints
        init = {"kind": "cluster", "n": str(args.n), "d": str(args.d), "M": args.M, "spread": args.spread, "seed": seed}
    else:
        stray = [f"--{name}" for name in CLUSTER if getattr(args, name) is not None]
        if stray:
            raise UsageError(f"{stray[0]}: only with --init cluster (the start is --mu)")
        mu = args.mu
    return mu, init


#: Options of GD that the flow does not take: it has no step, no noise-time convention and no checkpoints.
NOT_FLOW = ("eta", "steps", "t", "truth", "stop_grad", "checkpoint", "resume", "plot")


def _run_flow(args: argparse.Namespace) -> int:
    """``--flow --time S``: the gradient flow (``numeric.run_flow``) to flow time ``S``, with gd's JSON keys."""
    from numeric import FlowFailure, parameter_fates, run_flow

    given = [f"--{name.replace('_', '-')}" for name in NOT_FLOW if getattr(args, name) not in (None, False)]
    if given:
        raise UsageError(f"--flow: not with {given[0]} (the flow is the small-step limit: no step; its time is --time)")
    if args.tier != "fast":
        raise UsageError("--flow: integrates on the fast tier only (no --tier)")
    if args.time is None:
        raise UsageError("--flow: needs --time S (the flow time)")
    mu, init = _start(args)
    writable_folder(args.out, "--out")
    options = {"points_per_decade": args.points_per_decade, "blowup": args.blowup, "stop_loss": args.stop_loss}
    try:
        run = run_flow(mu, args.time, rtol=1e-8 if args.rtol is None else args.rtol, **options)
    except FlowFailure as error:
        return fail(f"--flow: the integrator failed: {error}")
    fates = parameter_fates(run.times, run.norms, run.norms_error)
    try:
        path = _write_flow(args, run, fates, init)
    except OSError as error:
        return fail(f"cannot write output ({error.strerror or error}: {error.filename or ''})")
    summary = _flow_summary(args, run, fates, init, path)
    if args.json:
        print_json(to_json(summary))
    elif not args.quiet:
        print(_describe_flow(summary))
    return 0


FLOW_CONVENTION = "gradient flow d mu/ds = -grad L(mu) on the reduced parameters mu (the limit of GD, s = eta tau)"


def _flow_summary(args: argparse.Namespace, run, fates, init: dict, path: Path) -> dict:
    """gd's summary keys for a flow run: ``"time"`` in place of ``"steps"``, plus ``"method"`` and ``"error"``."""
    from numeric import tail_slope

    slope = tail_slope(run.times, run.loss)
    return {
        "mu": run.mu[-1].tolist(),
        "loss": float(run.loss[-1]),
        "loss_iteration": None,
        "status": [fate.status for fate in fates],
        "evidence": [
            {
                "distance": float(run.norms[-1, i]),
                "law": None if fate.law is None else fate.law.law,
                "parameters": None if fate.law is None else fate.law.parameters,
                "limit": None if fate.law is None else fate.law.limit,
                "window": list(fate.window),
                "reason": fate.reason,
            }
            for i, fate in enumerate(fates)
        ],
        "tail_slope": None if slope is None else slope.slope,
        "tail_slope_spread": None if slope is None else slope.spread,
        "tail_window": None if slope is None else [slope.start, slope.end],
        "time": float(run.times[-1]),
        "budget": args.time,
        "stopped": run.stopped,
        "reason": run.reason,
        "tier": "fast",
        "dps": 16,
        "eta": None,
        "convention": FLOW_CONVENTION,
        "init": init,
        "seconds": run.seconds,
        "trajectory": str(path),
        "method": run.method,
        "error": float(run.loss_error[-1]),
    }


def _describe_flow(summary: dict) -> str:
    data = to_json(summary)
    lines = _mu_lines(data)
    lines += [f"loss      {data['loss']} +- {data['error']}  (flow time {data['time']})"]
    lines += [
        f"status    mu_{i} {s:<10} ||mu_{i}|| = {float(e['distance']):.4g} ({e['reason']})"
        for i, (s, e) in enumerate(zip(data["status"], data["evidence"]), start=1)
    ]
    slope = "n/a" if data["tail_slope"] is None else f"{float(data['tail_slope']):.4f} over s in {data['tail_window']}"
    lines += [
        f"tail slope {slope}",
        f"stopped   {data['stopped']}: {data['reason']} ({float(data['seconds']):.1f} s)",
        f"method    {data['method']}",
        f"trajectory {data['trajectory']}",
    ]
    return "\n".join(lines)


def _write_flow(args: argparse.Namespace, run, fates, init: dict) -> Path:
    """The recorded flow as JSON (decimal strings) or npz, named by a digest of what determines it."""
    import hashlib

    from numeric import write_atomically

    key = {"mu0": run.to_json()["mu0"], "time": args.time, "rtol": run.rtol, "init": init}
    key.update(points_per_decade=args.points_per_decade, blowup=args.blowup, stop_loss=args.stop_loss)
    digest = hashlib.sha256(json.dumps(to_json(key), sort_keys=True).encode()).hexdigest()[:12]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"flow-{digest}.{args.format}"
    document = {**run.to_json(), "convention": FLOW_CONVENTION, "status": [fate.status for fate in fates]}
    if args.format == "npz":
        import numpy as np

        data = io.BytesIO()
        arrays = ("times", "mu", "loss", "norms", "loss_error", "norms_error")
        np.savez(data, **{name: getattr(run, name) for name in arrays}, method=run.method, status=document["status"])
        write_atomically(path, data.getvalue())
    else:
        write_atomically(path, json.dumps(document, indent=1))
    return path


def _initial_state(args, config, load_checkpoint, start_state):
    if args.resume:
        if args.checkpoint is None:
            raise UsageError("--resume: needs --checkpoint FILE")
        return load_checkpoint(args.checkpoint, config)
    if args.checkpoint is not None and args.checkpoint.exists():
        raise UsageError(f"--checkpoint: {args.checkpoint} exists; pass --resume to continue it, or remove it")
    if args.checkpoint is not None and not args.checkpoint.parent.is_dir():
        raise UsageError(f"--checkpoint: folder {args.checkpoint.parent} does not exist")
    return start_state(config)


class _Saver:
    """``on_step`` hook: periodic atomic checkpoints and a tqdm bar (terminal only, not under -q)."""

    def __init__(self, args: argparse.Namespace, config, save) -> None:
        self.path, self.every, self.config, self.save = args.checkpoint, args.checkpoint_every, config, save
        self.last = time.monotonic()
        self.bar = tqdm(
            total=config.steps,
            unit="step",
            file=sys.stderr,
            leave=False,
            delay=2.0,
            disable=args.quiet or not sys.stderr.isatty(),
        )

    def __enter__(self) -> _Saver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.close()

    def __call__(self, state) -> None:
        self.bar.update(state.step - self.bar.n)
        if self.path is not None and time.monotonic() - self.last >= self.every:
            self.save(self.path, self.config, state)
            self.last = time.monotonic()

    def final(self, state) -> None:
        if self.path is not None:
            self.save(self.path, self.config, state)


def _summary(result, path: Path, figure: Path | None) -> dict:
    statuses = result.statuses
    slope = result.slope
    summary = {
        "mu": result.mu.tolist() if hasattr(result.mu, "tolist") else result.mu,
        "loss": result.loss,
        "loss_iteration": result.loss_iteration,
        "status": [s.status for s in statuses],
        "evidence": [
            {"distance": s.distance, "growth": s.growth, "trend": s.trend, "window": list(s.window), "reason": s.reason}
            for s in statuses
        ],
        "tail_slope": None if slope is None else slope.slope,
        "tail_slope_spread": None if slope is None else slope.spread,
        "tail_window": None if slope is None else [slope.start, slope.end],
        "steps": result.steps,
        "budget": result.config.steps,
        "stopped": result.stopped,
        "reason": result.reason,
        "tier": result.config.tier,
        "dps": result.config.dps if result.config.tier == "precise" else 16,
        "eta": result.config.eta,
        "convention": result.config.convention,
        "init": dict(result.config.init),
        "seconds": result.seconds,
        "trajectory": str(path),
    }
    if result.m is not None:
        summary["m"] = result.m.tolist() if hasattr(result.m, "tolist") else result.m
    if figure is not None:
        summary["figure"] = str(figure)
    return summary


def _mu_lines(data: dict) -> list[str]:
    """One line per final parameter, ``mu_i  [x, y, ...]``."""
    return [f"{f'mu_{i}':<9} [{', '.join(row)}]" for i, row in enumerate(data["mu"], start=1)]


def _describe(summary: dict) -> str:
    data = to_json(summary)
    lines = _mu_lines(data)
    lines += [f"loss      {data['loss']}  (iteration {data['loss_iteration']})"]
    lines += [
        f"status    mu_{i} {s:<10} ||mu_{i}|| = {float(e['distance']):.4g}, growth over "
        f"[{e['window'][0]}, {e['window'][1]}] = {float(e['growth']):+.3g} ({e['reason']})"
        for i, (s, e) in enumerate(zip(data["status"], data["evidence"]), start=1)
    ]
    slope = (
        "n/a"
        if data["tail_slope"] is None
        else (
            f"{float(data['tail_slope']):.4f} +- {float(data['tail_slope_spread']):.2g} over iterations "
            f"{data['tail_window'][0]}..{data['tail_window'][1]}"
        )
    )
    lines += [
        f"tail slope {slope}",
        f"stopped   {data['stopped']}: {data['reason']} ({data['steps']} steps, {float(data['seconds']):.1f} s)",
        f"tier {data['tier']}; {data['convention']}",
        f"trajectory {data['trajectory']}",
    ]
    if "figure" in data:
        lines.append(f"figure    {data['figure']}")
    return "\n".join(lines)


def _stem(result) -> str:
    return f"gd-{result.config.fingerprint()[:12]}"


def _write_trajectory(args: argparse.Namespace, result) -> Path:
    from numeric import write_atomically

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{_stem(result)}.{args.format}"
    norms = [list(r.norms) for r in result.records]
    if args.format == "npz":
        import numpy as np

        data = io.BytesIO()
        np.savez(
            data,
            iterations=np.array(result.iterations),
            loss=np.array([float(x) for x in result.losses]),
            norms=np.array([[float(x) for x in row] for row in norms]),
            grad_norm=np.array([float(r.grad_norm) for r in result.records]),
            config=json.dumps(result.config.to_json()),
        )
        write_atomically(path, data.getvalue())
    else:
        document = {
            "config": result.config.to_json(),
            "convention": result.config.convention,
            "iterations": result.iterations,
            "loss": result.losses,
            "norms": norms,
            "grad_norm": [r.grad_norm for r in result.records],
            "status": [s.status for s in result.statuses],
            "stopped": result.stopped,
            "reason": result.reason,
        }
        write_atomically(path, json.dumps(to_json(document), indent=1))
    return path


def _plot(args: argparse.Namespace, result) -> Path:
    """``||mu_i||`` and the loss against the iteration (log-log; iteration 0 is not drawn), titled by the run."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    drawn = [k for k, tau in enumerate(result.iterations) if tau >= 1]
    tau = [result.iterations[k] for k in drawn]
    for i in range(len(result.records[0].norms)):
        norms = [float(result.records[k].norms[i]) for k in drawn]
        left.plot(tau, norms, label=f"mu_{i + 1}: {result.statuses[i].status}")
    left.set(xscale="log", yscale="log", xlabel="iteration tau", ylabel="||mu_i|| (distance to the truth)")
    left.set_title("parameters (status over the last half of the run)", fontsize="medium")
    left.legend(fontsize="small")
    right.plot(tau, [float(result.losses[k]) for k in drawn])
    slope = result.slope
    right.set(xscale="log", yscale="log", xlabel="iteration tau", ylabel="loss L")
    tail = (
        ""
        if slope is None
        else f"; tail slope {slope.slope:.3f} ± {slope.spread:.2g} over [{slope.start}, {slope.end}]"
    )
    right.set_title("loss" + tail, fontsize="medium")
    figure.suptitle(_run_title(result))
    path = args.out / f"{_stem(result)}.png"
    figure.savefig(path, dpi=120, bbox_inches="tight")
    return path


def _run_title(result) -> str:
    """The run in one line: its size, start, step convention, tier and how it ended."""
    config = result.config
    n, d = len(config.mu), len(config.mu[0])
    init = dict(config.init)
    start = (
        f"cluster (M, 0, ...) + S z_i, M = {init['M']}, S = {init['spread']}, seed {init['seed']}"
        if init.get("kind") == "cluster"
        else "start from --mu"
    )
    step = f"eta = {config.eta}" if config.t is None else f"eta = {config.eta} on m at t = {config.t}"
    return f"gd: n = {n}, d = {d}, {start}; {step}, {config.tier} tier, {result.steps} steps ({result.stopped})"
