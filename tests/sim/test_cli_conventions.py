"""The habits of command-line users: --version, each command's usage with a did-you-mean, examples in every
--help, -q and -v, shell completion, and colour on a terminal that NO_COLOR turns off."""
from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys
from importlib import metadata

import pytest

from chaosbench.cli.main import build_parser, main
from tests.conftest import ROOT, mmc_document


def _every_command(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*prefix, name), child
                yield from _every_command(child, (*prefix, name))


COMMANDS = [words for words, _ in _every_command(build_parser())]


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"chaosbench {metadata.version('chaosbench')}\n"


def test_a_mistyped_option_exits_2_with_the_commands_own_usage_and_the_closest_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "x.yaml", "--sed", "3"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith("usage: chaosbench run ")
    assert "unrecognized arguments: --sed 3 (did you mean --seed?)" in err


def test_a_mistyped_command_names_the_closest_one(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sweeep", "x.yaml"])
    assert exit_.value.code == 2 and "unknown command 'sweeep' (did you mean sweep?)" in capsys.readouterr().err


def test_a_mistyped_option_of_a_command_of_a_command_gets_that_commands_usage(capsys):
    with pytest.raises(SystemExit):
        main(["workflows", "list", "--fiel", "x.yaml"])
    err = capsys.readouterr().err
    assert err.startswith("usage: chaosbench workflows list ") and "did you mean --file?" in err


def test_an_abbreviated_option_is_not_guessed(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["suite", "x.yaml", "--see", "3"])
    assert exit_.value.code == 2 and "did you mean --seeds?" in capsys.readouterr().err


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(words) for words in COMMANDS])
def test_every_help_ends_with_examples_of_that_command(words, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*words, "--help"])
    out = capsys.readouterr().out
    examples = out[out.index("examples:"):]
    assert exit_.value.code == 0 and f"chaosbench {' '.join(words)}" in examples
    assert "-q, --quiet" in out and "-v, --verbose" in out


def test_the_old_spelling_of_explores_database_option_is_gone(capsys):
    with pytest.raises(SystemExit):
        main(["explore", "x.yaml", "--database", "db"])
    assert "did you mean --db?" in capsys.readouterr().err


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_covers_every_command_and_option(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for words in COMMANDS:
        assert words[-1] in script
    assert "--without" in script and "--seeds" in script and "--chaos" not in script


def test_bash_completes_a_command_from_its_first_letters(tmp_path):
    script = tmp_path / "chaosbench.bash"
    script.write_text(subprocess.run([sys.executable, "-m", "chaosbench", "completion", "bash"], capture_output=True,
                                     text=True, check=True).stdout)
    probe = (f"source {script}; COMP_WORDS=(chaosbench sw); COMP_CWORD=1; COMP_LINE='chaosbench sw'; "
             "COMP_POINT=${#COMP_LINE}; _shtab_chaosbench; printf '%s\\n' \"${COMPREPLY[@]}\"")
    completed = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=False)
    assert completed.stdout.split() == ["sweep"], completed.stderr


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> str:
    """What ``chaosbench argv`` writes to a pseudo-terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "chaosbench", *argv], stdout=follower, stderr=follower,
                               cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode()


def test_verdicts_are_coloured_on_a_terminal_unless_no_color_is_set(write_scenario, tmp_path):
    path = write_scenario(mmc_document(duration="60s", warmup="0s"))
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"} | {"TERM": "xterm"}
    coloured = _on_a_terminal(["run", str(path), "--out", str(tmp_path / "a")], env)
    assert "\033[32mPASSED\033[0m" in coloured
    plain = _on_a_terminal(["run", str(path), "--out", str(tmp_path / "b")], env | {"NO_COLOR": "1"})
    assert "PASSED" in plain and "\033[" not in plain


def test_no_colour_in_a_pipe(write_scenario, tmp_path):
    path = write_scenario(mmc_document(duration="60s", warmup="0s"))
    completed = subprocess.run([sys.executable, "-m", "chaosbench", "run", str(path), "--out", str(tmp_path / "a")],
                               capture_output=True, text=True, cwd=ROOT, check=False,
                               env={key: value for key, value in os.environ.items() if key != "NO_COLOR"})
    assert "PASSED" in completed.stdout and "\033[" not in completed.stdout


def test_quiet_prints_the_verdict_alone_and_verbose_every_counter(write_scenario, tmp_path, capsys):
    path = write_scenario(mmc_document(duration="60s", warmup="0s"))
    assert main(["run", str(path), "--out", str(tmp_path / "q"), "-q"]) == 0
    quiet = capsys.readouterr().out.strip().splitlines()
    assert len(quiet) == 1 and "PASSED" in quiet[0]
    assert main(["-v", "run", str(path), "--out", str(tmp_path / "v")]) == 0
    verbose = capsys.readouterr().out
    assert main(["run", str(path), "--out", str(tmp_path / "n")]) == 0
    normal = capsys.readouterr().out
    assert "router.workflows_triggered: 0" in verbose and "router.workflows_triggered" not in normal


def test_verbose_suite_names_each_run_as_it_finishes(write_scenario, tmp_path, capsys):
    path = write_scenario(mmc_document(duration="60s", warmup="0s"))
    assert main(["suite", str(path), "--seeds", "2", "--out", str(tmp_path), "--no-db", "-v"]) == 0
    err = capsys.readouterr().err
    assert "ok   mmc_small[level0-seed1]" in err and "ok   mmc_small[level0-seed2]" in err
