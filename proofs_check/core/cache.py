"""On-disk cache for the expensive parts of slow checks.

A result is stored under a key made of its name, its parameters (JSON), and a fingerprint of the code
that computes it (the sources of ``numeric/``, ``symbolic/`` and the calling module), so a change of
parameters, precision or code never reuses a stale result.  Callers say in their check's detail when
a cached result was reused.  The folder is ``$PROOFS_CHECK_CACHE``, else ``$XDG_CACHE_HOME/proofs-check``,
else ``~/.cache/proofs-check``; ``PROOFS_CHECK_CACHE=off`` disables the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

__all__ = ["cache_folder", "cached", "code_fingerprint"]

T = TypeVar("T")
_ROOT = Path(__file__).resolve().parent.parent


def cache_folder() -> Path | None:
    """Where cached results live, or None when caching is off."""
    setting = os.environ.get("PROOFS_CHECK_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "proofs-check"


@cache
def code_fingerprint(*modules: str) -> str:
    """Hash of the sources of ``numeric/``, ``symbolic/`` and the given module files."""
    digest = hashlib.sha256()
    files = sorted((_ROOT / "numeric").glob("*.py")) + sorted((_ROOT / "symbolic").glob("*.py"))
    files += [Path(m) for m in modules]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached(name: str, key: dict, compute: Callable[[], T], module: str) -> tuple[T, bool]:
    """``(compute(), False)``, or ``(stored result, True)`` when this exact computation ran before.

    ``module`` is the caller's ``__file__``: its source is part of the key.
    """
    folder = cache_folder()
    if folder is None:
        return compute(), False
    text = json.dumps({"name": name, "key": key, "code": code_fingerprint(module)}, sort_keys=True, default=str)
    path = folder / f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:24]}.pkl"
    if path.exists():
        try:
            with path.open("rb") as handle:
                return pickle.load(handle), True
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # unreadable: recompute and overwrite
    result = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            pickle.dump(result, handle)
        os.replace(handle.name, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return result, False
