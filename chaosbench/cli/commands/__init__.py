"""The subcommands of ``chaosbench``: each module has ``add_parser(commands)`` and ``run(args) -> int``."""
