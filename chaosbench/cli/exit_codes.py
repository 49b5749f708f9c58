"""Exit statuses shared by every subcommand.

0: everything passed; 1: a scenario failed; 2: bad input or usage (a file that cannot be used, an option out of
range); 3: the environment failed us (output that cannot be written, a full disk, an unwritable database); 130:
interrupted. A command whose standard output was closed early (``chaosbench list | head``) ends quietly with
141, as a program stopped by SIGPIPE does.
"""

EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_ENVIRONMENT = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + 13
#: A defect of chaosbench itself (sysexits' EX_SOFTWARE): never the answer to any input.
EXIT_INTERNAL = 70
