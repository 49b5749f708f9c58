"""The subcommands of ``chaosbench``: each module has ``add_parser(commands)`` and ``run(args) -> int``."""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TypeAlias

#: What ``add_parser`` adds its command to (a string: the class cannot be subscripted at run time).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_command(commands: Commands, name: str, summary: str, examples: Sequence[str],
            description: str | None = None) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` with its one-line ``summary`` and the ``examples`` its ``--help`` ends with
    (each a command line, optionally followed by ``  # what it does``)."""
    epilog = "examples:\n" + "\n".join(f"  {example}" for example in examples)
    return commands.add_parser(name, help=summary, description=description or summary[0].upper() + summary[1:] + ".",
                               epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
