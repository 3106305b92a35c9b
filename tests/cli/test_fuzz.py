"""Fuzz: every option of every command refuses a bad value in one line, with exit status 2 (issue 13).

hypothesis drives :func:`proofs_check.cli.main.main` with generated bad values for every option of every command
(and for every declared parameter of every claim, through ``check --param``) and asserts: exit status 2, exactly
one line on stderr naming the option or parameter, no traceback, nothing on stdout, nothing written under
``--out`` (or anywhere in the run's folder).  Which values are bad is stated here, from each option's documented
range, independently of the parsers under test (:data:`OPTIONS`); :func:`test_every_option_has_fuzz_cases` keeps
the catalogue complete as commands grow.  The default run takes well under a minute; the ``slow`` variant draws
many more examples.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from proofs_check.claims import discover
from proofs_check.cli.main import build_parser, main
from proofs_check.cli.parsing import Choice, Domain, Flag, Integer, Items, Json, Rational, Real, Text

# --------------------------------------------------------------------------- bad values, by what an option takes

#: Texts that are no number at all (in any domain that takes numbers).
JUNK = st.sampled_from(["", "x", "abc", "0x10", "1_000", "1e", "e5", "--", "1.2.3", "½", "²", "١٢", "∞", "1e5e5"])
#: Words for non-finite numbers, in the spellings Python and argparse would otherwise take.
NON_FINITE = st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "1e100001", "-1e100001"])
LETTERS = st.text(string.ascii_letters + "_-", min_size=1, max_size=12)


def many_digits() -> st.SearchStrategy[str]:
    """Integers of 19 to 6000 digits (Python refuses to read more than 4300 by default)."""
    return st.integers(19, 6000).map(lambda k: "9" * k)


def integers_outside(low: int | None, high: int | None) -> st.SearchStrategy[str]:
    """Integer texts outside ``low..high``, and texts that are not integers."""
    options = [JUNK, NON_FINITE, many_digits(), st.sampled_from(["2.5", "1e3", "3.0", "- 1"])]
    if low is not None:
        options.append(st.integers(max_value=low - 1, min_value=low - 10**6).map(str))
    if high is not None:
        options.append(st.integers(min_value=high + 1, max_value=high + 10**6).map(str))
    return st.one_of(options)


def reals_outside(
    low: float | None = None,
    high: float | None = None,
    *,
    low_bad: bool = True,
    high_bad: bool = False,
    double: bool = True,
) -> st.SearchStrategy[str]:
    """Real texts below ``low`` (and ``low`` itself when ``low_bad``) or above ``high`` (and ``high`` itself when
    ``high_bad``), and texts that are not finite reals.  ``double``: the value must exist in double precision, so
    ``1e999`` and ``1e-400`` are bad too.
    """
    real = {"allow_nan": False, "allow_infinity": False}
    options = [JUNK, NON_FINITE]
    if low is not None:
        options.append(st.floats(max_value=low, **real).filter(lambda x: x < low).map(repr))
        if low_bad:
            options.append(st.sampled_from([repr(float(low)), str(low)]))
    if high is not None:
        options.append(st.floats(min_value=high, **real).filter(lambda x: x > high).map(repr))
        if high_bad:
            options.append(st.sampled_from([repr(float(high)), str(high)]))
    if double:
        options.append(st.sampled_from(["1e999", "-1e999"] + (["1e-400"] if low is not None and low >= 0 else [])))
    return st.one_of(options)


def words_other_than(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(LETTERS, JUNK).filter(lambda word: word.strip() not in valid)


def nested(depth: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return depth.map(lambda k: "[" * k + "1" + "]" * k)


#: Texts that are no configuration ``[[...], ...]`` of finite numbers (n <= 1000, d <= 1000).
BAD_MATRIX = st.one_of(
    JUNK,
    st.sampled_from(["[]", "[[]]", "[1, 2]", '{"a": 1}', "[[1], [2, 3]]", "[[NaN]]", "[[Infinity]]", '[["x"]]']),
    st.sampled_from(["[[true]]", "[[null]]", "[[1], 2]", "[[1]", "[[1e999], [0]]", '[["1e999"], [0]]', "[[[1]]]"]),
    nested(st.integers(3, 5000)),
    st.integers(1001, 1500).map(lambda n: "[" + ",".join(["[0]"] * n) + "]"),
)
#: Texts that are no list of ``d = 1`` finite numbers.
BAD_TRUTH = st.one_of(
    JUNK, st.sampled_from(["[]", "[1, 2]", "[NaN]", '["x"]', "[[1]]", "{}", "[1"]), nested(st.integers(2, 5000))
)


def bad_for(domain: Domain) -> st.SearchStrategy[str]:
    """Texts outside a declared claim-parameter domain, from what the domain says it takes."""
    if isinstance(domain, Integer):
        return integers_outside(domain.minimum, domain.maximum)
    if isinstance(domain, Real):
        return reals_outside(
            domain.minimum, domain.maximum, low_bad=domain.above, high_bad=domain.below, double=not domain.exact
        )
    if isinstance(domain, Choice):
        return words_other_than(*map(str, domain.options))
    if isinstance(domain, Items):
        shallow = st.one_of(JUNK, st.just("{}"), nested(st.integers(9, 3000)))
        short = st.just("[" + ", ".join(["1"] * (domain.minimum - 1)) + "]") if domain.minimum > 0 else shallow
        long = st.just("[" + ", ".join(["1"] * (domain.maximum + 1)) + "]")
        return st.one_of(shallow, short, long, bad_for(domain.item).map(lambda item: f'["{item}"]'))
    if isinstance(domain, Flag):
        return words_other_than("true", "false", "yes", "no", "on", "off", "1", "0", "True", "False", "TRUE")
    if isinstance(domain, Text):
        return st.sampled_from(["two\nlines", "tab\there", "x" * (domain.maximum + 1)])
    if isinstance(domain, Rational):
        below = [] if domain.minimum is None else [f"{domain.minimum - 1}", *([str(domain.minimum)] * domain.above)]
        return st.one_of(JUNK, NON_FINITE, st.sampled_from(["1/0", "1/", "/2", "1/2/3", *below]))
    if isinstance(domain, Json) and not domain.text_too:
        other = {list: '{"a": 1}', dict: "[1]"}.get(domain.kind, "[1")
        return st.one_of(st.sampled_from(["[1", "{", "NaN", other]), nested(st.integers(9, 3000)))
    raise TypeError(f"no bad values known for {domain!r}: add them here")


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Option:
    """An option of a command, a valid invocation without it (``{root}`` is the run's folder) and bad values."""

    command: tuple[str, ...]
    flag: str  # as typed; "" for a positional argument
    bad: st.SearchStrategy[str]
    base: tuple[str, ...]
    names: tuple[str, ...] = ()  # what the error must mention; default: the flag
    key: str = ""  # which option of the parser this covers; default: the flag, else the first name

    @property
    def covers(self) -> str:
        return self.key or self.flag or self.names[0]

    def argv(self, value: str) -> list[str]:
        words = [value] if not self.flag else [f"{self.flag}={value}"] if value.startswith("-") else [self.flag, value]
        return [*self.command, *self.base, *(words if value or self.flag else [])]


GD = ("--mu", "[[0.5],[-1.5]]", "--eta", "0.1", "--steps", "3", "--out", "{root}/out")
CLUSTER = ("--init", "cluster", "--n", "3", "--d", "1", "--M", "2", "--spread", "0.1", "--eta", "0.1", "--steps", "3")
CLUSTER += ("--out", "{root}/out")
FLOW = ("--mu", "[[0.5],[-1.5]]", "--flow", "--out", "{root}/out")
EVAL = ("--mu", "[[0.5],[-1.5]]")
FILE = st.sampled_from(["{root}/a-file", "{root}/a-file/below"])  # --out: a file, or a folder under one
FLAGS = ("--json", "--quiet", "--verbose")  # long forms: "-v=x" is read as the short flags -v, -=, -x
OUT = ("--out", "{root}/out")
IDS = st.text(string.ascii_letters + string.digits + "._", min_size=1, max_size=12)


def _without(base: tuple[str, ...], *flags: str) -> tuple[str, ...]:
    words, skip = [], False
    for word in base:
        if skip:
            skip = False
        elif word in flags:
            skip = True
        else:
            words.append(word)
    return tuple(words)


def _flag_values(command: tuple[str, ...], base: tuple[str, ...], *flags: str) -> list[Option]:
    """A flag given a value (``--json=yes``) is a usage error naming it."""
    return [Option(command, "", LETTERS.map(lambda v, f=flag: f"{f}={v}"), base, (flag,)) for flag in flags]


#: A cluster's spread may be 0 or as small as the precise tier likes, but not so large that the start overflows.
SPREAD = st.one_of(reals_outside(0, low_bad=False, double=False), st.just("1e999"))


def _gd() -> list[Option]:
    gd, positive_exact = ("gd",), reals_outside(0, double=False)
    options = [
        Option(gd, "--mu", BAD_MATRIX, _without(GD, "--mu")),
        Option(gd, "--init", words_other_than("cluster"), _without(CLUSTER, "--init")),
        Option(gd, "--n", integers_outside(1, 1000), _without(CLUSTER, "--n")),
        Option(gd, "--d", integers_outside(1, 1000), _without(CLUSTER, "--d")),
        Option(gd, "--M", reals_outside(), _without(CLUSTER, "--M")),
        Option(
            gd,
            "--spread",
            st.one_of(reals_outside(0, low_bad=False, double=False), st.just("1e999")),
            _without(CLUSTER, "--spread"),
        ),
        Option(gd, "--seed", integers_outside(0, 2**32 - 1), _without(CLUSTER, "--seed")),
        Option(gd, "--eta", reals_outside(0), _without(GD, "--eta")),
        Option(gd, "--steps", integers_outside(0, 10**9), _without(GD, "--steps")),
        Option(gd, "--tier", words_other_than("fast", "precise", "certified"), GD),
        Option(gd, "--dps", integers_outside(10, 5000), (*GD, "--tier", "precise")),
        Option(gd, "--t", st.one_of(JUNK, NON_FINITE, st.sampled_from(["-1000", "1e999"])), GD),
        Option(gd, "--truth", BAD_TRUTH, (*GD, "--t", "0.5")),
        Option(gd, "--stop-loss", positive_exact, GD),
        Option(gd, "--stop-grad", positive_exact, GD),
        Option(gd, "--blowup", positive_exact, GD),
        Option(gd, "--points-per-decade", integers_outside(1, 1000), GD),
        Option(gd, "--converged-below", reals_outside(0), GD),
        Option(gd, "--diverging-above", reals_outside(0), GD),
        Option(gd, "--checkpoint", st.sampled_from(["{root}/no/such/folder/c", "{root}/a-file", "{root}"]), GD),
        Option(gd, "--checkpoint-every", reals_outside(0, low_bad=False), (*GD, "--checkpoint", "{root}/c")),
        Option(gd, "", st.just("--resume"), GD, ("--resume",)),
        Option(gd, "", st.just("--resume"), (*GD, "--checkpoint", "{root}/missing"), ("--checkpoint",)),
        Option(gd, "--out", FILE, _without(GD, "--out")),
        Option(gd, "--format", words_other_than("json", "npz"), GD),
        Option(gd, "", st.just("--flow"), GD, ("--flow",)),  # the flow takes no --eta
        Option(gd, "--time", reals_outside(0), FLOW),
        Option(gd, "--time", st.just("1"), GD, ("--time",)),  # only with --flow
        Option(gd, "--rtol", reals_outside(1e-12, 1e-3, low_bad=False), (*FLOW, "--time", "1")),
    ]
    return options + _flag_values(gd, GD, "--plot", *FLAGS)


def _eval() -> list[Option]:
    ev = ("eval",)
    options = [
        Option(ev, "--mu", BAD_MATRIX, ()),
        Option(ev, "--t", st.one_of(JUNK, NON_FINITE, st.just("-1000")), EVAL),
        Option(ev, "--truth", BAD_TRUTH, (*EVAL, "--t", "0.5")),
        Option(ev, "--tier", words_other_than("fast", "precise", "certified"), EVAL),
        Option(ev, "--dps", integers_outside(10, 5000), (*EVAL, "--tier", "precise")),
    ]
    return options + _flag_values(ev, EVAL, *FLAGS)


def _claim_runs(command: tuple[str, ...]) -> list[Option]:
    base = ("--out", "{root}/out")
    options = [
        Option(command, "--profile", words_other_than("quick", "standard", "deep"), base),
        Option(command, "--seed", integers_outside(0, 2**32 - 1), base),
        Option(command, "--jobs", integers_outside(1, 256), base),
        Option(command, "--out", FILE, ()),
        Option(command, "--param", st.sampled_from(["noequals", "=1", ":k=1", "thm3.1:=1", "nosuchkey=1"]), base),
    ]
    return options + _flag_values(command, base, *FLAGS)


def _params() -> list[Option]:
    """``check ID --param KEY=BAD`` for every declared domain of every claim that loads."""
    options = []
    for claim in discover().claims:
        for key, domain in claim.domains.items():
            bad = bad_for(domain).map(lambda value, key=key: f"{key}={value}")
            options.append(Option(("check", claim.id), "--param", bad, ("--out", "{root}/out"), (f"--param {key}=",)))
    return options


STUDY_BASES = {
    "critical-spread": ("--n", "2", "--d", "1", "--M0", "2", "--budget", "50", "--tol", "2"),
    "k-near": ("--k", "1", "--near", "0.5", "--far", "4", "--steps", "10"),
    "sharp-rates": ("--regime", "large-noise", "--n", "2", "--d", "1", "--seeds", "1", "--time", "1e3"),
    "stationary-scan": ("--n", "3", "--d", "1", "--family", "antipodal"),
    "time-averaged": ("--M0", "2", "--steps", "10", "--fixed-t", "t0"),
}


def _study(name: str, *specific: tuple) -> list[Option]:
    """The options of one study: ``(flag, bad values[, names the error may use])`` each, and the shared ones."""
    command, base = ("explore", name), (*STUDY_BASES[name], "--out", "{root}/out")
    options = [Option(command, flag, bad, _without(base, flag), *names) for flag, bad, *names in specific]
    options += [
        Option(command, "--seed", integers_outside(0, 2**32 - 1), base),
        Option(command, "--jobs", integers_outside(1, 256), base),
        Option(command, "--out", FILE, _without(base, "--out")),
        Option(command, "--dask", st.sampled_from(["nonsense", "tcp://", "::::", "tcp://h:port", "x://y"]), base),
    ]
    return options + _flag_values(command, base, *FLAGS)


def _grid(bad: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A bad value alone or inside a comma-separated grid (empty items of a grid are skipped, so not those)."""
    return st.one_of(bad, bad.filter(lambda value: value.strip(" ,")).map(lambda value: f"2,{value}"))


def _explore() -> list[Option]:
    dimension, positive = integers_outside(1, 1000), reals_outside(0)
    distance = reals_outside(0, 40, high_bad=True)
    noise_time = reals_outside(0, 10, low_bad=False)
    return [
        *_study(
            "critical-spread",
            ("--n", _grid(integers_outside(2, 1000))),
            ("--d", _grid(dimension)),
            ("--M0", _grid(distance)),
            ("--eta", st.one_of(positive, st.sampled_from(["1", "5"]))),  # n = 2: eta < n/2 = 1
            ("--pattern", words_other_than("collinear", "random")),
            ("--tol", positive),
            ("--budget", integers_outside(1, 10**7)),
        ),
        *_study(
            "k-near",
            ("--n", integers_outside(2, 1000)),
            ("--d", dimension),
            ("--k", _grid(integers_outside(1, 4))),  # n = 5
            ("--near", st.one_of(_grid(positive), st.just("4"))),  # near below every far (4)
            ("--far", st.one_of(_grid(positive), st.just("0.5")), ("--far",)),  # "... below every --far value"
            ("--eta", st.one_of(positive, st.just("2.5"))),  # n = 5: eta < 2.5
            ("--steps", integers_outside(1, 10**7)),
            ("--max-steps", integers_outside(10, 10**7)),  # at least --steps = 10
        ),
        *_study(
            "sharp-rates",
            ("--regime", _grid(words_other_than("large-noise", "clustered", "far"))),
            ("--n", _grid(integers_outside(2, 5))),
            ("--d", _grid(integers_outside(1, 3))),
            ("--seeds", integers_outside(1, 20)),
            ("--time", reals_outside(1e3, 1e12, low_bad=False)),
        ),
        *_study(
            "stationary-scan",
            ("--n", _grid(integers_outside(2, 8))),
            ("--d", _grid(dimension)),
            ("--family", words_other_than("antipodal", "two-groups", "mirror", "ring")),
            ("--dps", integers_outside(20, 200)),
        ),
        *_study(
            "time-averaged",
            ("--n", integers_outside(2, 1000)),
            ("--d", dimension),
            ("--M0", _grid(distance)),
            ("--spread", reals_outside(0)),
            ("--t0", noise_time),
            ("--t0", st.just("1"), ("--t1",)),  # t1 = 1 must exceed t0: the error names --t1
            ("--t1", st.one_of(noise_time, st.just("0"))),
            ("--weight", st.one_of(words_other_than("uniform", "variance"), st.sampled_from(["exp:", "exp:nan"]))),
            ("--eta", st.one_of(positive, st.just("2.5"))),
            ("--steps", integers_outside(1, 10**7)),
            ("--fixed-t", st.one_of(words_other_than("t0", "mean", "effective"), noise_time)),
        ),
    ]


def _commands() -> list[Option]:
    return [
        *_flag_values(("list",), (), *FLAGS),
        *_claim_runs(("check", "eq1")),
        *_claim_runs(("all",)),
        Option(("check",), "", IDS.filter(lambda word: word not in discover().ids), OUT, ("claim id",), "ids"),
        *_params(),
        *_eval(),
        *_gd(),
        *_explore(),
    ]


OPTIONS = _commands()


# --------------------------------------------------------------------------- the property


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str
    left: list[str]  # files under the run's folder, apart from the prepared ones


def run(option: Option, value: str, runner: Callable[[list[str]], int] = main) -> tuple[list[str], Outcome]:
    """Run ``option`` with ``value`` in a fresh folder (holding the prepared file ``a-file``)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "a-file").write_text("")
        argv = [word.replace("{root}", folder) for word in option.argv(value)]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = runner(argv)
        left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name != "a-file")
    return argv, Outcome(status, out.getvalue(), err.getvalue(), left)


def check(option: Option, value: str) -> None:
    argv, outcome = run(option, value)
    shown = " ".join(word if len(word) < 80 else word[:77] + "..." for word in argv)
    assert outcome.status == 2, f"{shown}: exit {outcome.status}, stderr {outcome.err!r}"
    assert outcome.err.count("\n") == 1 and outcome.err.endswith("\n"), f"{shown}: stderr {outcome.err!r}"
    assert "Traceback" not in outcome.err and "internal error" not in outcome.err, f"{shown}: {outcome.err!r}"
    assert any(name in outcome.err for name in option.names or (option.flag,)), f"{shown}: {outcome.err!r}"
    assert outcome.out == "" and outcome.left == [], f"{shown}: wrote {outcome.left}, printed {outcome.out!r}"


CASES = st.sampled_from(OPTIONS).flatmap(lambda option: st.tuples(st.just(option), option.bad))
FUZZ = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow], database=None)


@FUZZ
@given(CASES)
def test_every_bad_value_is_one_line_and_exit_2(case):
    check(*case)


@pytest.mark.slow
@settings(FUZZ, max_examples=3000)
@given(CASES)
def test_every_bad_value_is_one_line_and_exit_2_many_examples(case):
    check(*case)


#: The issue's cases, as typed (``{root}``: the run's folder), and the words the one-line refusal must contain.
ISSUE_CASES = [
    (["gd", *GD[:4], "--steps", "²"], "--steps: expected an integer"),
    (["gd", *GD[:4], "--steps", "1" + "0" * 4999], "--steps: expected an integer from 0 to 10^9, got an integer of"),
    (["gd", *CLUSTER, "--seed", "-1"], "--seed: expected an integer from 0"),
    (["gd", "--mu", "[" * 3000 + "]" * 3000, *GD[2:]], "--mu: JSON nested deeper than 2"),
    (["gd", *CLUSTER[:2], "--n", "100000000", *CLUSTER[4:]], "--n: expected an integer from 1 to 1000"),
    (["gd", "--mu", "[[1e999],[0]]", *GD[2:]], "--mu: values too large for double precision"),
    (["gd", *GD[:2], "--eta", "nan", *GD[4:]], "--eta: expected a finite real number"),
    (["gd", *GD[:2], "--eta", "inf", *GD[4:]], "--eta: expected a finite real number"),
    (["gd", *GD[:2], "--eta", "-1e-300", *GD[4:]], "--eta: expected a real number > 0, got '-1e-300'"),
    (["gd", *GD, "--converged-below", "nan"], "--converged-below: expected a finite real number"),
    (["gd", *GD, "--checkpoint-every", "-1"], "--checkpoint-every: expected a real number >= 0"),
    (["gd", *GD, "--t", "-inf"], "--t: expected a finite real number"),
    (["eval", "--mu", "[[1e999],[0]]"], "--mu: values too large for double precision"),
    (["explore", "k-near", "--n", "1,2", *OUT], "--n: expected an integer from 2 to 1000, got '1,2'"),
    (["check", "thm3.1", "--param", "loss_sign=maybe", *OUT], "--param loss_sign=maybe: expected one of positive"),
    (["check", "eq1", "--param", "samples=-1", *OUT], "--param samples=-1: expected an integer from 1"),
    (["check", "thm3.1", "--param", "n_values=[]", *OUT], "--param n_values=[]: expected 1 to 10 items, got 0"),
]


@pytest.mark.parametrize(
    "argv, words", ISSUE_CASES, ids=lambda case: " ".join(case)[:40] if isinstance(case, list) else ""
)
def test_the_cases_of_the_issue(argv, words):
    option = Option((), "", st.nothing(), tuple(argv), (words.partition(":")[0],))
    _, outcome = run(option, "")
    assert outcome.status == 2 and outcome.out == "" and outcome.left == []
    assert outcome.err.count("\n") == 1 and words in outcome.err, outcome.err


def _parsers(parser: argparse.ArgumentParser, command: tuple[str, ...] = ()):
    """Every command's own parser, with its words (``("explore", "k-near")``)."""
    subcommands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subcommands:
        yield command, parser
    for action in subcommands:
        for name, sub in action.choices.items():
            yield from _parsers(sub, (*command, name))


def _key(command: tuple[str, ...]) -> tuple[str, ...]:
    return command[:2] if command[0] == "explore" else command[:1]


def test_every_option_has_fuzz_cases():
    """Every option of every command (and every declared claim parameter, via ``_params``) is in the catalogue."""
    covered = {(_key(option.command), option.covers) for option in OPTIONS}
    missing = [
        f"{' '.join(command)} {action.option_strings or action.dest}"
        for command, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        and not any((command, key) in covered for key in action.option_strings or [action.dest])
    ]
    assert missing == []
