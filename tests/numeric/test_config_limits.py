"""numeric's own parsers refuse hostile texts with an InputError, whoever calls them (not only the command line)."""

from __future__ import annotations

import pytest

from numeric.config import InputError, parse_mu, parse_vector
from numeric.dynamics.gd import cluster_start, make_config


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "[[" * 3000])
def test_deeply_nested_json_is_an_input_error(text):
    with pytest.raises(InputError, match="nested too deeply|not valid JSON"):
        parse_mu(text)
    with pytest.raises(InputError):
        parse_vector(text, "truth")


@pytest.mark.parametrize(
    "options, name",
    [
        ({"mu": [["1e999"], ["0"]]}, "mu"),
        ({"mu": [["1e200"], ["0"]]}, "mu"),
        ({"eta": "1e999"}, "eta"),
        ({"eta": "1e-400"}, "eta"),
        ({"t": "-1000"}, "t"),
        ({"t": "-400", "mu": [["0"], ["1e-200"]]}, "t"),
        ({"t": "-200", "eta": "1e200", "mu": [["0"], ["1e-100"]]}, "eta/t"),
        ({"steps": "9" * 5000}, "steps"),
        ({"steps": "²"}, "steps"),
    ],
)
def test_a_fast_gd_run_must_exist_in_double_precision(options, name):
    config = {"mu": [["1"], ["0"]], "eta": "0.1", "steps": 5, **options}
    with pytest.raises(InputError) as refusal:
        make_config(config.pop("mu"), config.pop("eta"), config.pop("steps"), **config)
    assert refusal.value.name == name


def test_the_precise_tier_takes_what_double_precision_cannot():
    assert make_config([["1e999"], ["0"]], "1e-400", 5, tier="precise").mu[0] == ("1e999",)


def test_a_negative_seed_is_an_input_error():
    with pytest.raises(InputError, match="seed"):
        cluster_start(3, 1, "1", "0.1", seed=-1)
