"""On-disk cache for the expensive parts of slow checks: entries are data, each proving what it holds.

A result is stored under a key made of its kind (e.g. ``"gd-run"``), its parameters (JSON), and a fingerprint of
the code that computes it (the sources of ``numeric/``, ``symbolic/`` and the calling module), so a change of
parameters, precision or code never reuses a stale result.  Callers say in their check's detail when a cached
result was reused.  The folder is ``$PROOFS_CHECK_CACHE``, else ``$XDG_CACHE_HOME/proofs-check``, else
``~/.cache/proofs-check``; ``PROOFS_CHECK_CACHE=off`` disables the cache.

**An entry cannot change a verdict.**  Each entry is one JSON file (no pickle: loading it runs no code) holding

    {"format": "proofs-check cache entry", "version": 1, "kind": ..., "key": {...}, "value": ..., "sha256": ...}

where ``key`` is the whole key (kind, parameters, code fingerprint) and ``sha256`` the SHA-256 of the canonical JSON
of everything else.  On load the hash must match (a flipped bit), the stored key must equal the key asked for (an
entry moved or copied to another file name), and the value must decode; otherwise the entry -- truncated, edited,
moved, or a foreign file such as a pickle -- is discarded with a :class:`CacheWarning` on stderr and the result is
computed again and stored over it.  Writes are atomic (``numeric.write_atomically``).

**Kinds and codecs.**  Every cached kind has one :class:`Codec`, registered once with :func:`register`, that turns
its values into JSON data and back.  :func:`dataclass_codec` builds one for values made of numbers (floats bit-exact,
non-finite ones tagged), strings, ``None``, lists, tuples, dicts, numpy arrays and scalars, mpmath ``mpf`` (exact
mantissa and exponent), and the dataclasses and enums it names (public names of the ``numeric`` package; nothing
else is ever constructed).  A new kind plugs in with one line, next to the others below or at import of the module
that caches it::

    register(dataclass_codec("flow-run", "FlowRun"))              # then: cached("flow-run", key, compute, __file__)

A kind whose values need more than that registers ``Codec(kind, encode, decode)`` with its own two functions.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "CacheWarning",
    "Codec",
    "cache_folder",
    "cached",
    "code_fingerprint",
    "codec_of",
    "dataclass_codec",
    "register",
]

T = TypeVar("T")
_ROOT = Path(__file__).resolve().parent.parent.parent
FORMAT = "proofs-check cache entry"
VERSION = 1


class CacheWarning(UserWarning):
    """A cache entry was discarded (corrupted, moved, foreign) or could not be stored; the result is recomputed."""


@dataclass(frozen=True)
class Codec:
    """How values of one cached kind become JSON data (``encode``) and come back (``decode``).

    ``decode`` raises ``ValueError``, ``TypeError`` or ``KeyError`` for data it cannot read.
    """

    kind: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    spec: tuple[str, ...] | None = None  # what the codec is made of (dataclass_codec: its class names)


_CODECS: dict[str, Codec] = {}


def register(codec: Codec) -> Codec:
    """Make ``codec`` the one codec of its kind and return the registered one.

    Registering a kind again with the same ``spec`` (a module imported twice) keeps the first; a different codec
    for a registered kind is an error.
    """
    known = _CODECS.setdefault(codec.kind, codec)
    if known is not codec and (known.spec is None or known.spec != codec.spec):
        raise ValueError(f"cache kind {codec.kind!r} already has a codec")
    return known


def codec_of(kind: str) -> Codec:
    """The registered codec of ``kind`` (``KeyError`` naming the kind if none is)."""
    try:
        return _CODECS[kind]
    except KeyError:
        raise KeyError(f"no cache codec registered for kind {kind!r} (see proofs_check.core.cache)") from None


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
    """Hash of the sources of ``numeric/`` and ``symbolic/`` (all subpackages) and the given module files."""
    digest = hashlib.sha256()
    files = sorted((_ROOT / "numeric").rglob("*.py")) + sorted((_ROOT / "symbolic").rglob("*.py"))
    files += [Path(m) for m in modules]
    for path in files:
        digest.update(str(path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached(kind: str, key: dict, compute: Callable[[], T], module: str) -> tuple[T, bool]:
    """``(compute(), False)``, or ``(stored result, True)`` when this exact computation ran before.

    ``kind`` names a registered :class:`Codec`; ``module`` is the caller's ``__file__``: its source is part of the
    key.  A stored entry that fails any check is discarded with a :class:`CacheWarning` and recomputed.
    """
    codec = codec_of(kind)
    folder = cache_folder()
    if folder is None:
        return compute(), False
    whole_key = json.loads(json.dumps({"name": kind, "key": key, "code": code_fingerprint(module)}, default=str))
    path = folder / f"{kind}-{_sha256(whole_key)[:24]}.json"
    if path.exists():
        value, problem = _load(path, codec, whole_key)
        if not problem:
            return value, True
        _warn(f"cache entry {path} discarded ({problem}); recomputing")
    result = compute()
    _store(path, codec, whole_key, result)
    return result, False


def _sha256(data: Any) -> str:
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=2)


def _load(path: Path, codec: Codec, key: Any) -> tuple[Any, str]:
    """The entry's value and "" , or None and why the entry cannot be used."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        return None, f"not a readable entry: {type(error).__name__}"
    if not isinstance(document, dict) or document.get("format") != FORMAT or "sha256" not in document:
        return None, "not a cache entry"
    body = {name: value for name, value in document.items() if name != "sha256"}
    try:
        intact = document["sha256"] == _sha256(body)
    except ValueError:  # a non-finite float where none is ever written
        intact = False
    if not intact:
        return None, "content hash mismatch"
    if document.get("version") != VERSION or document.get("kind") != codec.kind:
        return None, f"entry of format version {document.get('version')}, kind {document.get('kind')!r}"
    if document.get("key") != key:
        return None, "it holds another computation's result (moved or copied entry)"
    try:
        return codec.decode(document["value"]), ""
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        return None, f"value does not decode: {type(error).__name__}: {error}"


def _store(path: Path, codec: Codec, key: Any, result: Any) -> None:
    """Write the entry atomically; a value that cannot be encoded or a folder that cannot be written only warn."""
    from numeric import write_atomically

    try:
        body = {"format": FORMAT, "version": VERSION, "kind": codec.kind, "key": key, "value": codec.encode(result)}
        text = _canonical({**body, "sha256": _sha256(body)})
    except (TypeError, ValueError) as error:
        _warn(f"cache: a {codec.kind} result was not stored ({error})")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
    except OSError:
        pass  # a cache that cannot be written only costs time


# --------------------------------------------------------------------------- the data encoding of dataclasses


#: numpy dtype kinds an entry may hold: bool, signed and unsigned integers, floats.
_NUMERIC_KINDS = "biuf"


def dataclass_codec(kind: str, *names: str) -> Codec:
    """A codec for values built from the dataclasses and enums ``names`` (public names in ``numeric``).

    Encoding is exact: a decoded value equals the stored one field by field, bit for bit.  Classes are looked up
    when first needed, so registering does not import ``numeric``.
    """

    @cache
    def classes() -> dict[str, type]:
        import numeric

        return {name: getattr(numeric, name) for name in names}

    return Codec(kind, lambda value: _encode(value, classes()), lambda data: _decode(data, classes()), names)


def _encode(value: Any, classes: dict[str, type]) -> Any:
    numpy = sys.modules.get("numpy")
    mpmath = sys.modules.get("mpmath")
    if isinstance(value, enum.Enum):
        return {"enum": [_name(type(value), classes), value.value]}
    if value is None or isinstance(value, (bool, str)):
        return value
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"cannot store a numpy array of dtype {value.dtype}")
        flat = [_encode(x, classes) for x in value.ravel().tolist()]
        return {"ndarray": {"dtype": value.dtype.str, "shape": list(value.shape), "data": flat}}
    if numpy is not None and isinstance(value, numpy.generic):
        return {"scalar": {"dtype": value.dtype.str, "value": _encode(value.item(), classes)}}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if mpmath is not None and isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            return {"mpf": str(value)}
        sign, man, exp, _ = value._mpf_
        return {"mpf": [str(-man if sign else man), int(exp)]}
    if isinstance(value, list):
        return [_encode(x, classes) for x in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(x, classes) for x in value]}
    if isinstance(value, dict):
        return {"dict": [[_encode(k, classes), _encode(v, classes)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name), classes) for f in dataclasses.fields(value) if f.init}
        return {"dataclass": [_name(type(value), classes), fields]}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _name(cls: type, classes: dict[str, type]) -> str:
    for name, known in classes.items():
        if known is cls:
            return name
    raise TypeError(f"cannot store a {cls.__name__}: not among this kind's classes ({', '.join(classes)})")


def _decode(data: Any, classes: dict[str, type]) -> Any:
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [_decode(x, classes) for x in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError(f"unexpected encoded value {str(data)[:40]!r}")
    ((tag, body),) = data.items()
    if tag == "tuple":
        return tuple(_decode(x, classes) for x in _list(body))
    if tag == "dict":
        return {_decode(k, classes): _decode(v, classes) for k, v in _list(body)}
    if tag == "float":
        return float(_text(body, ("nan", "inf", "-inf")))
    if tag == "mpf":
        return _decode_mpf(body)
    if tag == "ndarray":
        values = [_decode(x, classes) for x in _list(body["data"])]
        return _numpy().array(values, dtype=_dtype(body["dtype"])).reshape([int(k) for k in _list(body["shape"])])
    if tag == "scalar":
        return _dtype(body["dtype"]).type(_decode(body["value"], classes))
    if tag == "enum":
        name, value = _list(body)
        return _class(name, classes, "enum")(value)
    if tag == "dataclass":
        name, fields = _list(body)
        if not isinstance(fields, dict):
            raise ValueError(f"the fields of {name!r} are not an object")
        return _class(name, classes, "dataclass")(**{field: _decode(value, classes) for field, value in fields.items()})
    raise ValueError(f"unknown tag {tag!r}")


def _numpy() -> Any:
    import numpy

    return numpy


def _dtype(name: Any) -> Any:
    """A numeric numpy dtype (bool, integer, float), never ``object``."""
    dtype = _numpy().dtype(str(name))
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"dtype {dtype} is not stored")
    return dtype


def _list(data: Any) -> list:
    if not isinstance(data, list):
        raise ValueError("expected a list")
    return data


def _text(data: Any, allowed: tuple[str, ...]) -> str:
    if data not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}")
    return data


def _class(name: Any, classes: dict[str, type], kind: str) -> type:
    """The class ``name`` among ``classes``; it must be an enum (``kind="enum"``) or a dataclass."""
    cls = classes.get(name) if isinstance(name, str) else None
    if cls is None or not (issubclass(cls, enum.Enum) if kind == "enum" else dataclasses.is_dataclass(cls)):
        raise ValueError(f"{name!r} is not among this kind's {kind} classes")
    return cls


def _decode_mpf(body: Any) -> Any:
    import mpmath

    if isinstance(body, str):
        return mpmath.mpf(_text(body, ("nan", "+inf", "-inf")))
    man, exp = int(_list(body)[0]), int(body[1])
    with mpmath.workprec(max(53, abs(man).bit_length() + 1)):
        return mpmath.mpf((man, exp))  # exact: the precision holds every mantissa bit


# --------------------------------------------------------------------------- the kinds cached today

#: The classes a GD result is made of.
_GD_RESULT = ("GDResult", "GDConfig", "Record", "ParameterStatus", "SlopeFit", "StopReason", "Status")

register(dataclass_codec("gd-run", *_GD_RESULT))
register(dataclass_codec("cluster-run", "ClusterRun", *_GD_RESULT))
