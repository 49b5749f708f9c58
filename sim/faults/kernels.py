"""Faults on the kernels: crashes, latency spikes and lost heartbeats.

A crash or a hang may relapse: a kernel in a crash loop breaks again, up to
``relapses`` times, once something has brought it back within the window
(checked every second), as a process with a bad configuration keeps dying
after every restart.
"""
from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field
from simpy.events import ProcessGenerator

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


class Relapsing(KernelWindow):
    relapses: int = Field(default=0, ge=0, le=10_000, description="times the kernel breaks again once brought back")


K = TypeVar("K", bound=KernelWindow)


class _KernelFault(Fault[K]):
    """Shared accounting: what the kernel's callers saw during the window."""

    def _calls(self) -> tuple[int, int, int]:
        stats = self.stack.kernels.stats()[self.params.kernel]
        return stats["calls"], stats["failures"], stats["timeouts"]

    def begin(self) -> None:
        self.before = self._calls()
        self.relapsed = 0
        self._break()
        if getattr(self.params, "relapses", 0):
            self.stack.runtime.env.process(self._relapse())

    def _relapse(self) -> ProcessGenerator:
        env = self.stack.runtime.env
        until = env.now + self.params.duration
        while self.relapsed < getattr(self.params, "relapses", 0):
            yield env.timeout(1.0)
            if env.now >= until:
                return
            if self.stack.kernels.healthy(self.params.kernel):
                self.relapsed += 1
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


class KernelCrash(_KernelFault[Relapsing]):
    """Kernel ``kernel`` is down for ``for`` seconds (unless something restarts it earlier; it may relapse)."""

    kind, Params = "kernel_crash", Relapsing

    def _break(self) -> None:
        self.stack.take_kernel_down(self.params.kernel)

    def effect(self) -> tuple[float, str]:
        calls, failures, _ = self._delta()
        return failures, (f"{failures} of {calls} calls to {self.params.kernel} failed while it was down"
                          f"{f'; it crashed again {self.relapsed} time(s)' if self.relapsed else ''}")


class HeartbeatLoss(_KernelFault[Relapsing]):
    """Kernel ``kernel`` hangs (answers nothing, sends no heartbeat) for ``for`` seconds unless restarted."""

    kind, Params = "heartbeat_loss", Relapsing

    def _break(self) -> None:
        if not self.relapsed:
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
        relapsed = f"; it hung again {self.relapsed} time(s)" if self.relapsed else ""
        return (calls + alarms,
                f"{calls} calls to the hung {self.params.kernel} ({timeouts} timed out); "
                f"{alarms} heartbeat alarms raised{restarted}{relapsed}")


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
