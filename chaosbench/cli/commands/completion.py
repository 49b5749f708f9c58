"""``chaosbench completion bash|zsh|tcsh``: the shell completion script of every command and option.

Generated from the parser itself by shtab (a small, well-kept library that
writes static scripts: no Python starts on each TAB press).
"""
from __future__ import annotations

import argparse

import shtab

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_PASS

EXAMPLES = (
    "chaosbench completion bash > ~/.local/share/bash-completion/completions/chaosbench",
    "chaosbench completion zsh > ~/.zfunc/_chaosbench     # with fpath+=(~/.zfunc) in ~/.zshrc",
    'eval "$(chaosbench completion bash)"                  # for this shell only',
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "completion", "print the shell completion script", EXAMPLES)
    parser.add_argument("shell", choices=shtab.SUPPORTED_SHELLS, help="the shell to complete in")


def run(args: argparse.Namespace) -> int:
    _complete_paths(args.parser)
    print(shtab.complete(args.parser, shell=args.shell))
    return EXIT_PASS


def _complete_paths(parser: argparse.ArgumentParser) -> None:
    """Complete file names for every positional argument that takes no fixed choices, and folder names for the
    options that name a folder, at every depth."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _complete_paths(child)
        elif not action.option_strings and action.choices is None:
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab reads this attribute
        elif action.metavar in ("DIR", "FILE"):
            action.complete = shtab.DIRECTORY if action.metavar == "DIR" else shtab.FILE  # type: ignore[attr-defined]
