"""Checkpoints of gradient-descent runs: exact, atomic, and tied to one configuration.

A checkpoint is a JSON document holding the run's configuration, its fingerprint, and the state
(``numeric.dynamics.gd.GDState``) with every number encoded *exactly*: doubles as ``float.hex``, mpmath
numbers as ``"<mantissa>p<exponent>"``.  A resumed run therefore continues from bit-identical numbers
and ends in exactly the state an uninterrupted run reaches.  A SHA-256 checksum over the body detects
truncated or edited files.

A checksum only says the file is what some writer wrote; :func:`load_checkpoint` also checks that the state
*means* a point of this run (:func:`state_problem`): ``mu`` (and the optional ``anchor``, where the fast tier built
the tensor rule it reuses, so that a resumed run reuses the same one) has the configuration's ``n x d`` shape and
finite entries, the step lies in ``0..steps``, the records are exactly the iterations the run records up to that step
(finite, non-negative norms), and the ``stopped`` flag agrees with the budget, the thresholds and ``blown``.

:func:`write_atomically` (used for checkpoints, and by the command line for every file it writes) writes a
temporary file in the target's directory, flushes it to disk and renames it over the target (``os.replace``), so a
kill at any moment leaves either the old or the new file.  The temporary is removed on every exit path Python
sees (errors, ``KeyboardInterrupt``, ``SystemExit``); one left by a process killed outright (``SIGKILL``) is
removed by the next write to the same target.  :func:`load_checkpoint` raises :class:`numeric.config.InputError`
with a one-line reason for a missing, corrupted, foreign or meaningless checkpoint, and never modifies the file.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from numeric.config import InputError
from numeric.dynamics.gd import GDConfig, GDState, Record, StopReason, log_grid

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint", "state_problem", "write_atomically"]

FORMAT = "proofs-check gd checkpoint"
VERSION = 1

_STATE_KEYS = ("step", "mu", "records", "stopped", "reason", "blown", "seconds")
#: Keys a state may also hold: ``anchor`` (added after version 1 was fixed, so files without it still load).
_OPTIONAL_KEYS = ("anchor",)
#: Stop words a GD run can end with (a checkpoint of a running state has ``stopped: null``).
_STOPS = tuple(reason.value for reason in StopReason if reason is not StopReason.RUNNING)


def _encode_state(config: GDConfig, state: GDState) -> dict:
    tier = config.arithmetic
    enc = tier.encode
    return {
        "step": state.step,
        "mu": [[enc(x) for x in row] for row in tier.to_rows(state.mu)],
        "records": [[r.iteration, enc(r.loss), [enc(x) for x in r.norms], enc(r.grad_norm)] for r in state.records],
        "stopped": state.stopped,
        "reason": state.reason,
        "blown": list(state.blown),
        "seconds": state.seconds,
        "anchor": None if state.anchor is None else [[enc(x) for x in row] for row in tier.to_rows(state.anchor)],
    }


def _decode_state(config: GDConfig, data: dict) -> GDState:
    tier = config.arithmetic
    dec = tier.decode
    return GDState(
        step=data["step"],
        mu=tier.from_rows([[dec(x) for x in row] for row in data["mu"]]),
        records=[Record(k, dec(loss), tuple(dec(x) for x in norms), dec(g)) for k, loss, norms, g in data["records"]],
        stopped=None if data["stopped"] is None else StopReason(data["stopped"]),
        reason=data["reason"],
        blown=tuple(data["blown"]),
        seconds=float(data["seconds"]),
        anchor=None if data.get("anchor") is None else tier.from_rows([[dec(x) for x in r] for r in data["anchor"]]),
    )


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def save_checkpoint(path: str | os.PathLike, config: GDConfig, state: GDState) -> None:
    """Write ``state`` of the run ``config`` to ``path`` atomically (:func:`write_atomically`)."""
    body = {
        "format": FORMAT,
        "version": VERSION,
        "config": config.to_json(),
        "fingerprint": config.fingerprint(),
        "state": _encode_state(config, state),
    }
    write_atomically(path, json.dumps({**body, "checksum": _checksum(body)}), durable=True)


def load_checkpoint(path: str | os.PathLike, config: GDConfig) -> GDState:
    """The state saved in ``path``, after checking it is intact, belongs to ``config`` and makes sense for it."""
    path = Path(path)
    name = "checkpoint"
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(name, f"{path} does not exist (start without resuming)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InputError(name, f"{path} is corrupted or unreadable ({type(error).__name__})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(name, f"{path} is not a gd checkpoint")
    body = {key: value for key, value in document.items() if key != "checksum"}
    if document.get("checksum") != _checksum(body):
        raise InputError(name, f"{path} is corrupted (checksum mismatch)")
    if document.get("version") != VERSION:
        raise InputError(name, f"{path} has format version {document.get('version')}, expected {VERSION}")
    if document.get("fingerprint") != config.fingerprint():
        raise InputError(
            name, f"{path} belongs to another configuration ({_difference(document.get('config'), config)})"
        )
    problem = state_problem(config, document.get("state"))
    if problem:
        raise InputError(name, f"{path} holds no valid state of this run ({problem})")
    return _decode_state(config, document["state"])


def _difference(saved: object, config: GDConfig) -> str:
    """Which settings differ, in a few words."""
    current = config.to_json()
    if not isinstance(saved, dict):
        return "no readable configuration"
    keys = sorted(key for key in current.keys() | saved.keys() if saved.get(key) != current.get(key))
    return "differs in " + ", ".join(keys) if keys else "fingerprint differs"


# --------------------------------------------------------------------------- meaning of a saved state


def state_problem(config: GDConfig, data: Any) -> str:
    """What makes the encoded state ``data`` impossible for the run ``config``, in a few words ("" if nothing).

    The rules: ``mu`` is ``n`` rows of ``d`` finite numbers (the configuration's shape); ``step`` is an integer in
    ``0..steps``; the records are, in order, every iteration of the run's log grid below ``step`` (plus ``step``
    itself once stopped at a recorded iteration), each with a finite loss and ``n`` finite non-negative norms and a
    finite non-negative gradient norm; ``stopped`` is null or a stop word, ``budget`` only at ``step = steps``,
    ``loss``/``gradient`` only with that threshold set and met by the last record, ``blow-up`` exactly when
    ``blown`` names parameters; ``seconds`` is finite and non-negative.
    """
    if not isinstance(data, dict) or not set(_STATE_KEYS) <= set(data) <= set(_STATE_KEYS + _OPTIONAL_KEYS):
        return f"expected an object with the keys {', '.join(_STATE_KEYS)} (and optionally {', '.join(_OPTIONAL_KEYS)})"
    n, d = len(config.mu), len(config.mu[0])
    step, stopped = data["step"], data["stopped"]
    if not _is_int(step) or not 0 <= step <= config.steps:
        return f"step {step!r} is not an integer in 0..{config.steps}"
    if stopped is not None and stopped not in _STOPS:
        return f"stopped {stopped!r} is not one of null, {', '.join(_STOPS)}"
    if not isinstance(data["reason"], str):
        return "reason is not a string"
    if not _is_number(data["seconds"]) or not 0 <= data["seconds"] < float("inf"):
        return f"seconds {data['seconds']!r} is not a finite non-negative number"
    mu = _numbers(config, data["mu"], (n, d), "mu")
    if isinstance(mu, str):
        return mu
    anchor = None if data.get("anchor") is None else _numbers(config, data["anchor"], (n, d), "anchor")
    if isinstance(anchor, str):
        return anchor
    records = _records(config, data["records"], n)
    if isinstance(records, str):
        return records
    return _order_problem(config, step, stopped, records) or _stop_problem(config, data, n, records)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(config: GDConfig, data: Any, shape: tuple[int, ...], what: str) -> list | str:
    """Decode a nested list of encoded numbers of the given shape, all finite; or a problem in words."""
    if not shape:
        tier = config.arithmetic
        try:
            value = tier.decode(data) if isinstance(data, str) else None
        except (ValueError, TypeError, OverflowError):
            value = None
        return value if value is not None and tier.finite(value) else f"{what} is not an encoded finite number"
    if not isinstance(data, list) or len(data) != shape[0]:
        n, d = len(config.mu), len(config.mu[0])
        return f"{what} is not a list of {shape[0]} entries (the configuration is {n} x {d})"
    values = []
    for k, item in enumerate(data):
        value = _numbers(config, item, shape[1:], f"{what}[{k}]")
        if isinstance(value, str):
            return value
        values.append(value)
    return values


def _records(config: GDConfig, data: Any, n: int) -> list[tuple] | str:
    if not isinstance(data, list):
        return "records is not a list"
    records = []
    for j, item in enumerate(data):
        if not isinstance(item, list) or len(item) != 4 or not _is_int(item[0]):
            return f"records[{j}] is not [iteration, loss, norms, gradient norm]"
        decoded = [
            _numbers(config, item[1], (), f"records[{j}] loss"),
            _numbers(config, item[2], (n,), f"records[{j}] norms"),
            _numbers(config, item[3], (), f"records[{j}] gradient norm"),
        ]
        problem = next((value for value in decoded if isinstance(value, str)), None)
        if problem is not None:
            return problem
        loss, norms, grad = decoded
        if any(x < 0 for x in [*norms, grad]):
            return f"records[{j}] has a negative norm"
        records.append((item[0], loss, norms, grad))
    return records


def _order_problem(config: GDConfig, step: int, stopped: str | None, records: Sequence[tuple]) -> str:
    """Records must be the run's grid below ``step``, and ``step`` itself when the run stopped there."""
    iterations = [record[0] for record in records]
    grid = log_grid(config.steps, config.points_per_decade)
    below = sorted(k for k in grid if k < step)
    allowed = [below]
    if stopped in (StopReason.BUDGET, StopReason.LOSS, StopReason.GRADIENT):
        allowed = [below + [step]]
    elif stopped == StopReason.BLOWUP:
        allowed = [below, below + [step]]
    if iterations not in allowed:
        shown = ", ".join(map(str, iterations[:12])) + (", ..." if len(iterations) > 12 else "")
        return f"recorded iterations [{shown}] are not those of this run up to step {step}"
    return ""


def _stop_problem(config: GDConfig, data: dict, n: int, records: Sequence[tuple]) -> str:
    stopped, step, blown = data["stopped"], data["step"], data["blown"]
    indices = isinstance(blown, list) and all(_is_int(i) and 0 <= i < n for i in blown)
    if not indices or len(set(blown)) < len(blown):
        return f"blown {blown!r} is not a list of distinct parameter indices 0..{n - 1}"
    if (stopped == StopReason.BLOWUP) != bool(blown):
        return "blown parameters without a blow-up stop, or a blow-up stop without them"
    if stopped == StopReason.BUDGET and step != config.steps:
        return f"stopped at the budget after {step} of {config.steps} steps"
    tier = config.arithmetic
    for word, threshold, column in (
        (StopReason.LOSS, config.stop_loss, 1),
        (StopReason.GRADIENT, config.stop_grad, 3),
    ):
        if stopped == word and (threshold is None or records[-1][column] > tier.number(threshold)):
            return f"stopped by the {word} threshold, which is {'unset' if threshold is None else 'not met'}"
    return ""


# --------------------------------------------------------------------------- atomic files


_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp")


def write_atomically(path: str | os.PathLike, data: str | bytes, *, durable: bool = False) -> None:
    """Replace ``path`` by ``data`` so that readers see the old content or the new one, never a part.

    The data goes to ``.<name>.<pid>.<random>.tmp`` beside ``path`` (flushed to disk first when ``durable``), which
    is then renamed over ``path``; it is removed if anything fails or interrupts, and temporaries of ``path`` left
    by dead processes are removed first.
    """
    path = Path(path)
    folder = path.parent
    _remove_orphans(folder, path.name)
    temporary = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    payload = data.encode() if isinstance(data, str) else data
    try:
        with open(temporary, "xb") as stream:
            stream.write(payload)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove_orphans(folder: Path, name: str) -> None:
    """Remove temporaries of ``name`` in ``folder`` whose writing process no longer exists."""
    try:
        candidates = list(folder.glob(f".{glob.escape(name)}.*.tmp"))
    except OSError:
        return
    for candidate in candidates:
        match = _TEMPORARY.fullmatch(candidate.name)
        if match and match["name"] == name and not _alive(int(match["pid"])):
            candidate.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
