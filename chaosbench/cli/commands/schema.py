"""``chaosbench schema [scenario|output]``: the JSON Schema of scenario and suite files, or of ``--json`` output.

For editors: put ``# yaml-language-server: $schema=scenario.schema.json`` on the
first line of a scenario file (after ``chaosbench schema --out
scenario.schema.json``), and the YAML language server completes and checks
every key as it is typed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_PASS
from chaosbench.cli.schemas import SCHEMAS, schema_text

EXAMPLES = (
    "chaosbench schema > scenario.schema.json          # scenario and suite files, for editors",
    "chaosbench schema output --out output.schema.json  # what every command's --json prints",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "schema", "print the JSON Schema of scenario files or of --json output", EXAMPLES,
                     description=__doc__.split("\n\n", 1)[1].strip() if __doc__ else None)
    parser.add_argument("kind", nargs="?", choices=SCHEMAS, default="scenario",
                        help="scenario: scenario and suite files (default); output: every command's --json output")
    parser.add_argument("--out", metavar="FILE", help="write it to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    text = schema_text(args.kind)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        if args.verbosity >= 0:
            print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_PASS
