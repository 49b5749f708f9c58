"""``python -m chaosbench``: the command line."""
from chaosbench.cli.main import main

raise SystemExit(main())
