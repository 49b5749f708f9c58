"""Exit statuses shared by every subcommand."""

EXIT_PASS, EXIT_FAIL, EXIT_INPUT = 0, 1, 2
