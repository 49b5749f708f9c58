"""The subcommands of ``chaosbench``: each module has ``add_parser(commands)`` and ``run(args) -> int``."""
from __future__ import annotations

import argparse
from typing import TypeAlias

#: What ``add_parser`` adds its command to (a string: the class cannot be subscripted at run time).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
