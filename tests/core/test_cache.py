"""The on-disk cache: entries are data, and a moved, flipped, truncated or foreign entry is never used."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import mpmath
import numpy as np
import pytest

from numeric.dynamics.clusters import direct_cluster_run
from numeric.dynamics.gd import make_config, run_gd
from proofs_check.core import cache
from proofs_check.core.cache import CacheWarning, Codec, cached, codec_of, dataclass_codec, register


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PROOFS_CHECK_CACHE", str(tmp_path))
    return tmp_path


def _run(eta: str = "0.1", tier: str = "fast"):
    return run_gd(make_config([["0.5"], ["-1.5"], ["2"]], eta, 40, tier=tier, dps=20))


def _same(a, b) -> bool:
    """The same run: equal encodings, field by field and bit by bit, apart from the time it took."""
    codec = codec_of("gd-run")
    a, b = (dataclasses.replace(result, seconds=0.0) for result in (a, b))
    return json.dumps(codec.encode(a), sort_keys=True) == json.dumps(codec.encode(b), sort_keys=True)


class Counter:
    """A computation that counts its calls."""

    def __init__(self, eta: str) -> None:
        self.eta, self.calls = eta, 0

    def __call__(self):
        self.calls += 1
        return _run(self.eta)


def _entry(folder: Path) -> Path:
    (path,) = folder.glob("gd-run-*.json")
    return path


# --------------------------------------------------------------------------- codecs


@pytest.mark.parametrize("tier", ["fast", "precise"])
def test_a_gd_result_round_trips_exactly(tier):
    result = _run(tier=tier)
    codec = codec_of("gd-run")
    back = codec.decode(json.loads(json.dumps(codec.encode(result))))
    assert _same(back, result) and back.config == result.config and back.records == result.records
    assert back.statuses == result.statuses and back.slope == result.slope and back.stopped is result.stopped
    if tier == "fast":
        assert isinstance(back.mu, np.ndarray) and np.array_equal(back.mu, result.mu)
    else:
        assert all(x._mpf_ == y._mpf_ for a, b in zip(back.mu, result.mu) for x, y in zip(a, b))


def test_a_cluster_run_round_trips_exactly():
    run = direct_cluster_run(3, 1, 2.0, -5.0, "0.05", 30, 2, 30, 0)
    codec = codec_of("cluster-run")
    back = codec.decode(json.loads(json.dumps(codec.encode(run))))
    assert back.reference == run.reference and back.deviation == run.deviation and _same(back.result, run.result)


def test_a_flow_run_round_trips_exactly():
    import numeric

    run = numeric.run_flow(np.array([[0.5], [-1.5]]), 10.0, error_run=False)  # NaN error columns included
    codec = dataclass_codec("test-flow", "FlowRun")
    back = codec.decode(json.loads(json.dumps(codec.encode(run), allow_nan=False)))
    for field in dataclasses.fields(run):
        mine, theirs = getattr(run, field.name), getattr(back, field.name)
        assert np.array_equal(mine, theirs, equal_nan=True) if isinstance(mine, np.ndarray) else mine == theirs


def test_the_encoding_keeps_every_supported_type():
    codec = dataclass_codec("test-values")
    value = {
        "float": 0.1,
        "nan": float("nan"),
        "inf": -float("inf"),
        "tuple": (1, "a", None, True),
        "array": np.arange(6, dtype=np.int64).reshape(2, 3),
        "scalar": np.float32(1.5),
        "mpf": mpmath.mpf(2) ** -3000 / 3,
        "big": 10**40,
    }
    back = codec.decode(json.loads(json.dumps(codec.encode(value), allow_nan=False)))
    assert back["float"] == 0.1 and np.isnan(back["nan"]) and back["inf"] == -float("inf")
    assert back["tuple"] == (1, "a", None, True) and back["big"] == 10**40
    assert back["array"].dtype == np.int64 and np.array_equal(back["array"], value["array"])
    assert type(back["scalar"]) is np.float32 and back["mpf"]._mpf_ == value["mpf"]._mpf_


@pytest.mark.parametrize(
    "data, message",
    [
        ({"dataclass": ["Popen", {}]}, "'Popen' is not among this kind's dataclass classes"),
        ({"enum": ["GDResult", "x"]}, "'GDResult' is not among this kind's enum classes"),
        ({"ndarray": {"dtype": "O", "shape": [1], "data": [1]}}, "dtype object is not stored"),
        ({"float": "1e308"}, "expected one of nan"),
        ({"unknown": 1}, "unknown tag"),
        ({"tuple": [], "dict": []}, "unexpected encoded value"),
    ],
)
def test_decoding_builds_only_the_kinds_own_classes(data, message):
    with pytest.raises((ValueError, TypeError), match=message):
        codec_of("gd-run").decode(data)


def test_values_outside_the_encoding_are_not_stored_but_returned(folder):
    register(Codec("test-opaque", encode=lambda value: dataclass_codec("x").encode(value), decode=lambda data: data))
    with pytest.warns(CacheWarning, match="was not stored .*cannot store a value of type object"):
        value, hit = cached("test-opaque", {"k": 1}, object, __file__)
    assert not hit and type(value) is object and list(folder.iterdir()) == []


def test_a_kind_has_one_codec():
    with pytest.raises(ValueError, match="already has a codec"):
        register(dataclass_codec("gd-run", "GDResult"))
    assert register(dataclass_codec("gd-run", *cache._GD_RESULT)) is codec_of("gd-run")  # a module imported twice
    with pytest.raises(KeyError, match="no cache codec registered for kind 'nothing'"):
        cached("nothing", {}, lambda: 1, __file__)


# --------------------------------------------------------------------------- entries that cannot lie


def test_a_second_run_reuses_the_entry(folder):
    compute = Counter("0.1")
    first, hit = cached("gd-run", {"eta": "0.1"}, compute, __file__)
    again, hit_again = cached("gd-run", {"eta": "0.1"}, compute, __file__)
    assert (hit, hit_again, compute.calls) == (False, True, 1) and _same(first, again)
    document = json.loads(_entry(folder).read_text())
    assert document["key"]["key"] == {"eta": "0.1"} and len(document["sha256"]) == 64


def test_a_moved_entry_is_discarded_and_recomputed(folder):
    cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    (entry_a,) = folder.glob("gd-run-*.json")
    cached("gd-run", {"eta": "0.2"}, Counter("0.2"), __file__)
    (entry_b,) = set(folder.glob("gd-run-*.json")) - {entry_a}
    entry_b.write_bytes(entry_a.read_bytes())  # b's file now holds a's (intact) entry
    compute = Counter("0.2")
    with pytest.warns(CacheWarning, match="another computation's result"):
        value, hit = cached("gd-run", {"eta": "0.2"}, compute, __file__)
    assert not hit and compute.calls == 1 and _same(value, _run("0.2"))
    assert cached("gd-run", {"eta": "0.2"}, compute, __file__)[1]  # stored again, correctly


def test_one_flipped_bit_is_detected(folder):
    cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    entry = _entry(folder)
    data = bytearray(entry.read_bytes())
    position = data.index(b'"grad_norm"') + len(b'"grad_norm",') + 2  # a digit of a stored number
    while not chr(data[position]).isdigit():
        position += 1
    data[position] ^= 0x01  # '0' <-> '1', '2' <-> '3', ...: still valid JSON, another number
    entry.write_bytes(bytes(data))
    compute = Counter("0.1")
    with pytest.warns(CacheWarning, match="content hash mismatch"):
        value, hit = cached("gd-run", {"eta": "0.1"}, compute, __file__)
    assert not hit and compute.calls == 1 and _same(value, _run("0.1"))


def test_a_truncated_entry_is_detected(folder):
    cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    entry = _entry(folder)
    entry.write_bytes(entry.read_bytes()[:-100])
    with pytest.warns(CacheWarning, match="not a readable entry: JSONDecodeError"):
        _, hit = cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    assert not hit and json.loads(entry.read_text())["format"] == cache.FORMAT


class _Trap:
    """Unpickling this creates a marker file: proof that the cache ran code from its folder."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_foreign_pickle_in_the_folder_is_never_loaded(folder, tmp_path_factory):
    cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    entry = _entry(folder)
    marker = tmp_path_factory.mktemp("trap") / "code-ran"
    entry.write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.warns(CacheWarning, match="not a readable entry"):
        value, hit = cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    assert not hit and not marker.exists() and _same(value, _run("0.1"))


def test_an_entry_with_a_recomputed_hash_but_a_foreign_class_is_discarded(folder):
    cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    entry = _entry(folder)
    document = json.loads(entry.read_text())
    document["value"] = {"dataclass": ["Popen", {"args": ["true"]}]}
    body = {key: value for key, value in document.items() if key != "sha256"}
    entry.write_text(json.dumps({**body, "sha256": cache._sha256(body)}))
    with pytest.warns(CacheWarning, match="value does not decode"):
        _, hit = cached("gd-run", {"eta": "0.1"}, Counter("0.1"), __file__)
    assert not hit


def test_the_cache_off_computes_every_time(monkeypatch):
    monkeypatch.setenv("PROOFS_CHECK_CACHE", "off")
    compute = Counter("0.1")
    assert not cached("gd-run", {"eta": "0.1"}, compute, __file__)[1]
    assert not cached("gd-run", {"eta": "0.1"}, compute, __file__)[1] and compute.calls == 2
