"""One seed syntax everywhere: K is 1..K, A:B both ends, A,B,C those; never a negative seed."""
from __future__ import annotations

import re

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.run.seeds import MAX_SEED, parse_seed, parse_seeds


def test_a_count_a_range_and_a_list():
    assert parse_seeds("5") == (1, 2, 3, 4, 5)
    assert parse_seeds("3:9") == (3, 4, 5, 6, 7, 8, 9)
    assert parse_seeds("1,4,7") == (1, 4, 7)
    assert parse_seeds("0:2") == (0, 1, 2) and parse_seeds(" 2 ") == (1, 2)


@pytest.mark.parametrize(("text", "expected"), [
    ("-1", "never negative"), ("0", "expected 1 or more seeds"), ("6:3", "expected A <= B"),
    ("-2:3", "expected a seed of 0 or more, got -2"), ("1,-4", "expected a seed of 0 or more, got -4"),
    ("1,4,1", "expected each seed once, got 1 twice"), ("two", "expected a seed (a whole number"),
    ("1:20000", "expected at most 10,000 seeds, got 20,000"), ("3,", "expected a seed"),
])
def test_what_is_refused_and_why(text, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_seeds(text)


def test_one_seed_is_zero_to_the_largest_64_bit_number():
    assert parse_seed("0") == 0 and parse_seed(str(MAX_SEED)) == MAX_SEED
    for text in ("-1", str(MAX_SEED + 1), "9" * 5000):
        with pytest.raises(ValueError):
            parse_seed(text)


@pytest.mark.parametrize("argv", [
    ["run", "s.yaml", "--seed", "-1"], ["explore", "s.yaml", "--seed", "-1"],
    ["loop", "--rounds", "1", "--seed", "-1"], ["suite", "s.yaml", "--seeds", "-3"],
    ["frontier", "s.yaml", "--seeds", "1,-2"], ["ablate", "s.yaml", "--seeds", "0"],
    ["sweep", "s.yaml", "--seeds", "-1:4"],
])
def test_every_command_refuses_a_negative_seed_with_exit_2_and_its_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith(f"usage: chaosbench {argv[0]} ") and "seed" in err


def test_suite_runs_the_seeds_named(write_scenario, tmp_path, capsys):
    from tests.conftest import mmc_document

    path = write_scenario(mmc_document(duration="60s", warmup="0s"))
    assert main(["suite", str(path), "--seeds", "2,5", "--out", str(tmp_path / "runs"), "--no-db", "--json"]) == 0
    import json

    assert [run["seed"] for run in json.loads(capsys.readouterr().out)["runs"]] == [2, 5]
