"""Checkpoints of gradient-descent runs: exact, atomic, and tied to one configuration.

A checkpoint is a JSON document holding the run's configuration, its fingerprint, and the state
(``numeric.dynamics.gd.GDState``) with every number encoded *exactly*: doubles as ``float.hex``, mpmath
numbers as ``"<mantissa>p<exponent>"``.  A resumed run therefore continues from bit-identical numbers
and ends in exactly the state an uninterrupted run reaches.  A SHA-256 checksum over the body detects
truncated or edited files.

:func:`save_checkpoint` writes a temporary file in the target's directory, flushes it to disk and renames it over
the target (``os.replace``), so a kill at any moment leaves either the old or the new checkpoint.
:func:`load_checkpoint` raises :class:`numeric.config.InputError` with a one-line reason for a missing, corrupted
or foreign checkpoint, and never modifies the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from numeric.config import InputError
from numeric.dynamics.gd import GDConfig, GDState, Record

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint"]

FORMAT = "proofs-check gd checkpoint"
VERSION = 1


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
    }


def _decode_state(config: GDConfig, data: dict) -> GDState:
    tier = config.arithmetic
    dec = tier.decode
    return GDState(
        step=int(data["step"]),
        mu=tier.from_rows([[dec(x) for x in row] for row in data["mu"]]),
        records=[
            Record(int(k), dec(loss), tuple(dec(x) for x in norms), dec(g)) for k, loss, norms, g in data["records"]
        ],
        stopped=data["stopped"],
        reason=str(data["reason"]),
        blown=tuple(int(i) for i in data["blown"]),
        seconds=float(data["seconds"]),
    )


def _checksum(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def save_checkpoint(path: str | os.PathLike, config: GDConfig, state: GDState) -> None:
    """Write ``state`` of the run ``config`` to ``path`` atomically (temporary file + ``os.replace``)."""
    path = Path(path)
    body = {
        "format": FORMAT,
        "version": VERSION,
        "config": config.to_json(),
        "fingerprint": config.fingerprint(),
        "state": _encode_state(config, state),
    }
    text = json.dumps({**body, "checksum": _checksum(body)})
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | os.PathLike, config: GDConfig) -> GDState:
    """The state saved in ``path``, after checking it is intact and belongs to ``config``."""
    path = Path(path)
    name = "checkpoint"
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(name, f"{path} does not exist (start without resuming)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
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
    try:
        return _decode_state(config, document["state"])
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(name, f"{path} is corrupted ({type(error).__name__} in the saved state)") from None


def _difference(saved: object, config: GDConfig) -> str:
    """Which settings differ, in a few words."""
    current = config.to_json()
    if not isinstance(saved, dict):
        return "no readable configuration"
    keys = sorted(key for key in current.keys() | saved.keys() if saved.get(key) != current.get(key))
    return "differs in " + ", ".join(keys) if keys else "fingerprint differs"
