"""The system under test: an event-driven orchestration stack run as SimPy processes.

This package knows nothing of chaos, scenarios or reports. It is written
against the small :class:`~chaosbench.orchestration.core.runtime.Runtime` protocol it defines
itself, and exposes a public control surface that a testbench may drive.
"""

