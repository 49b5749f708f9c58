"""The system under test: an event-driven orchestration stack run as SimPy processes.

This package knows nothing of chaos, scenarios or reports. It is written
against the small :class:`~orchestration.runtime.Runtime` protocol it defines
itself, and exposes a public control surface that a testbench may drive.
"""

# The configuration module first: component modules define their sections on
# its base classes, and it imports them back once those exist.
from . import config  # noqa: E402,F401
