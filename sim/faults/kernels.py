"""Faults on the kernels: crashes, latency spikes and lost heartbeats."""
from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

from chaosbench.orchestration.mesh.kernels import KERNEL_ACTIONS
from chaosbench.sim.faults.base import Fault, Windowed
from chaosbench.sim.spec.fields import suggest


def _known_kernel(kernel: str) -> str:
    if kernel not in KERNEL_ACTIONS:
        raise ValueError(f"unknown kernel {kernel!r}{suggest(kernel, KERNEL_ACTIONS)}; "
                         f"expected one of {', '.join(KERNEL_ACTIONS)}")
    return kernel


#: The name of one of the stack's kernels.
KernelName = Annotated[str, AfterValidator(_known_kernel)]


class KernelWindow(Windowed):
    kernel: KernelName


K = TypeVar("K", bound=KernelWindow)


class _KernelFault(Fault[K]):
    """Shared accounting: what the kernel's callers saw during the window."""

    def _calls(self) -> tuple[int, int, int]:
        stats = self.stack.kernels.stats()[self.params.kernel]
        return stats["calls"], stats["failures"], stats["timeouts"]

    def begin(self) -> None:
        self.before = self._calls()
        self._break()

    def _break(self) -> None:
        """Put the kernel in the fault's state."""
        raise NotImplementedError

    def end(self) -> None:
        self.after = self._calls()
        self.stack.bring_kernel_up(self.params.kernel)

    def _delta(self) -> tuple[int, int, int]:
        after = getattr(self, "after", self._calls())
        calls, failures, timeouts = (a - b for a, b in zip(after, self.before, strict=True))
        return calls, failures, timeouts


class KernelCrash(_KernelFault[KernelWindow]):
    """Kernel ``kernel`` is down for ``for`` seconds (unless something restarts it earlier)."""

    kind, Params = "kernel_crash", KernelWindow

    def _break(self) -> None:
        self.stack.take_kernel_down(self.params.kernel)

    def effect(self) -> tuple[float, str]:
        calls, failures, _ = self._delta()
        return failures, f"{failures} of {calls} calls to {self.params.kernel} failed while it was down"


class HeartbeatLoss(_KernelFault[KernelWindow]):
    """Kernel ``kernel`` hangs (answers nothing, sends no heartbeat) for ``for`` seconds unless restarted."""

    kind, Params = "heartbeat_loss", KernelWindow

    def _break(self) -> None:
        self.alarms_before = self._alarms()
        self.stack.hang_kernel(self.params.kernel)

    def _alarms(self) -> int:
        monitor = self.stack.heartbeats
        return monitor.alarms if monitor is not None else 0

    def end(self) -> None:
        self.restarted = self.stack.kernels.silent_for(self.params.kernel) == 0.0
        super().end()

    def effect(self) -> tuple[float, str]:
        calls, _, timeouts = self._delta()
        alarms = self._alarms() - self.alarms_before
        restarted = " and restarted it" if getattr(self, "restarted", False) else ""
        return (calls + alarms,
                f"{calls} calls to the hung {self.params.kernel} ({timeouts} timed out); "
                f"{alarms} heartbeat alarms raised{restarted}")


class LatencySpikeParams(KernelWindow):
    factor: float = Field(gt=1.0, le=10_000.0, description="latency multiplier")


class LatencySpike(_KernelFault[LatencySpikeParams]):
    """Kernel ``kernel`` answers ``factor`` times slower for ``for`` seconds."""

    kind, Params = "latency_spike", LatencySpikeParams

    def _break(self) -> None:
        self.stack.slow_kernel(self.params.kernel, self.params.factor)

    def end(self) -> None:
        self.after = self._calls()
        self.stack.slow_kernel(self.params.kernel, 1.0)

    def effect(self) -> tuple[float, str]:
        calls, _, timeouts = self._delta()
        return calls, f"{calls} calls to {self.params.kernel} slowed x{self.params.factor:g}; {timeouts} timed out"
