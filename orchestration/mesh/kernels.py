"""Simulated kernel handlers that workflows and policy rules call.

Each kernel answers a fixed set of actions after a latency drawn from its own
distribution and fails a call with its configured probability. Controls let
a client (or a chaos fault) take a kernel down, hang it, bring it back or slow
it: a down kernel fails every call at once; a hung one still claims to be up
but answers nothing (a call with a timeout fails when it expires, one without
never completes) and stops its heartbeat; a slowed one multiplies its latency.
Bringing a kernel back (a restart) ends both.

Contention on the machine (:meth:`Kernels.strain`, set by the health model)
slows every call and adds to every kernel's failure probability. Two hooks
connect the kernels to the rest of the stack: ``listeners`` hear
every change of a kernel's state (``down``, ``hung``, ``up``), which is how a
crash is noticed, and ``effects`` maps an action (``"self_heal.restart_component"``)
to what a successful call of it does to the stack, run when the call completes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import simpy
from pydantic import Field
from simpy.events import NORMAL

from chaosbench.orchestration.core.errors import KernelError
from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring

#: The actions each kernel answers. Workflow and rule targets are checked against it.
KERNEL_ACTIONS: dict[str, tuple[str, ...]] = {
    "avn_core": ("escalate_healing", "diagnose", "run_playbook", "emergency_response"),
    "learning_kernel": ("adapt_thresholds", "record_pattern", "track_improvement", "update_metrics"),
    "governance": ("review_trust", "audit_change", "approve", "escalate"),
    "hunter": ("analyze", "alert"),
    "self_heal": ("run_playbook", "restart_component", "verify_recovery"),
    "verification": ("verify", "run_suite"),
    "unified_logic": ("vote", "correlate", "route"),
}


class KernelSpec(Section):
    """Latency and reliability of one kernel."""

    latency: float = Field(default=0.1, gt=0, description="mean latency of a call, seconds")
    distribution: Literal["fixed", "exponential", "lognormal"] = "exponential"
    sigma: float = Field(default=0.5, gt=0, description="shape of the lognormal distribution")
    failure_probability: float = Field(default=0.005, ge=0, le=1)


class KernelsConfig(Section):
    """Every kernel's latency distribution and failure probability."""

    avn_core: KernelSpec = KernelSpec(latency=0.2)
    learning_kernel: KernelSpec = KernelSpec(latency=0.1)
    governance: KernelSpec = KernelSpec(latency=0.3)
    hunter: KernelSpec = KernelSpec(latency=0.5)
    self_heal: KernelSpec = KernelSpec(latency=1.0)
    verification: KernelSpec = KernelSpec(latency=0.2)
    unified_logic: KernelSpec = KernelSpec(latency=0.15)


class _Failure(simpy.Event):
    """An event that fails with ``exception`` after ``delay`` (as ``Timeout`` succeeds)."""

    def __init__(self, env: simpy.Environment, delay: float, exception: BaseException) -> None:
        super().__init__(env)
        self._ok = False
        self._value = exception
        env.schedule(self, NORMAL, delay)


class _Kernel:
    __slots__ = ("name", "actions", "spec", "up", "hung_since", "factor", "calls", "failures", "timeouts", "draw",
                 "fail_draw")

    def __init__(self, wiring: Wiring, name: str, spec: KernelSpec) -> None:
        self.name = name
        self.actions = frozenset(KERNEL_ACTIONS[name])
        self.spec = spec
        self.up = True
        self.hung_since: float | None = None
        self.factor = 1.0
        self.calls = 0
        self.failures = 0
        self.timeouts = 0
        latency_rng = wiring.rng(f"kernel.{name}.latency")
        self.fail_draw = wiring.rng(f"kernel.{name}.failure").random
        mean = spec.latency
        if spec.distribution == "fixed":
            self.draw: Callable[[], float] = lambda: mean
        elif spec.distribution == "exponential":
            rate = 1.0 / mean
            self.draw = lambda: latency_rng.expovariate(rate)
        else:
            # Parameterised so that the mean is ``latency`` whatever ``sigma`` is.
            sigma = spec.sigma
            mu = math.log(mean) - sigma * sigma / 2
            self.draw = lambda: latency_rng.lognormvariate(mu, sigma)


class Kernels:
    """The kernel handlers of the stack and their controls."""

    def __init__(self, wiring: Wiring, config: KernelsConfig) -> None:
        self.env = wiring.env
        self._wiring = wiring
        self._emit = wiring.trace.emit
        self._kernels = {name: _Kernel(wiring, name, getattr(config, name)) for name in KERNEL_ACTIONS}
        self.listeners: list[Callable[[str, str], None]] = []
        self._latency_factor = 1.0
        self._extra_failure = 0.0
        self.effects: dict[str, Callable[[Any], None]] = {}

    # -- calls ----------------------------------------------------------

    def call(self, name: str, action: str, params: Any = None, timeout: float | None = None) -> simpy.Event:
        """Call ``name.action``: an event that succeeds with the result or fails with a KernelError.

        With ``timeout``, a call that would take longer fails with reason
        ``"timeout"`` once ``timeout`` seconds have passed. The latency is drawn
        when the call is made, so the race against the timeout is decided then
        and costs a single scheduled event.
        """
        kernel = self._kernels[name]
        if action not in kernel.actions:
            raise KeyError(f"kernel {name!r} has no action {action!r}")
        kernel.calls += 1
        if not kernel.up:
            kernel.failures += 1
            return _Failure(self.env, 0.0, KernelError(name, action, "kernel is down"))
        if kernel.hung_since is not None:
            if timeout is None:
                return simpy.Event(self.env)  # never answered
            kernel.timeouts += 1
            return _Failure(self.env, timeout, KernelError(name, action, "timeout"))
        delay = kernel.draw() * kernel.factor * self._latency_factor
        if timeout is not None and delay > timeout:
            kernel.timeouts += 1
            return _Failure(self.env, timeout, KernelError(name, action, "timeout"))
        failure = kernel.spec.failure_probability + self._extra_failure
        if failure and kernel.fail_draw() < failure:
            kernel.failures += 1
            return _Failure(self.env, delay, KernelError(name, action, "call failed"))
        answer = self.env.timeout(delay, action)
        effect = self.effects.get(f"{name}.{action}")
        if effect is not None:
            answer.callbacks.append(lambda _answer: effect(params))
        return answer

    # -- controls -------------------------------------------------------

    def take_down(self, name: str) -> None:
        """Make every call to ``name`` fail at once until it is brought back."""
        kernel = self._kernels[name]
        was_up = kernel.up
        kernel.up = False
        self._emit(self.env.now, "kernel.down", name)
        if was_up:
            self._tell(name, "down")

    def hang(self, name: str) -> None:
        """Make ``name`` stop answering and stop its heartbeat, while it still reports itself up."""
        kernel = self._kernels[name]
        if kernel.hung_since is None:
            kernel.hung_since = float(self.env.now)
            self._tell(name, "hung")
        self._emit(self.env.now, "kernel.hang", name)

    def bring_up(self, name: str) -> None:
        """Restart ``name``: it answers calls again, down or hung before."""
        kernel = self._kernels[name]
        was_broken = not kernel.up or kernel.hung_since is not None
        kernel.up = True
        kernel.hung_since = None
        self._emit(self.env.now, "kernel.up", name)
        if was_broken:
            self._tell(name, "up")

    def silent_for(self, name: str) -> float:
        """Seconds since ``name`` last sent a heartbeat (0 while it beats)."""
        kernel = self._kernels[name]
        return 0.0 if kernel.hung_since is None else float(self.env.now) - kernel.hung_since

    def slow(self, name: str, factor: float) -> None:
        """Multiply the latency of ``name`` by ``factor`` (1.0 restores it)."""
        if not factor > 0:
            raise ValueError(f"slow-down factor must be positive, got {factor!r}")
        self._kernels[name].factor = float(factor)
        self._emit(self.env.now, "kernel.slow", name, float(factor))

    def strain(self, latency_factor: float, extra_failure: float) -> None:
        """Contention on the machine: every call takes ``latency_factor`` times longer and fails more often."""
        self._latency_factor = latency_factor
        self._extra_failure = extra_failure

    def is_up(self, name: str) -> bool:
        return self._kernels[name].up

    def healthy(self, name: str) -> bool:
        """Whether ``name`` is up and answering (not hung)."""
        kernel = self._kernels[name]
        return kernel.up and kernel.hung_since is None

    def responsive(self, name: str, within: float) -> bool:
        """Whether ``name`` is healthy and its calls take, on average, no longer than ``within`` seconds."""
        return self.healthy(name) and self.mean_latency(name) <= within

    def mean_latency(self, name: str) -> float:
        """The mean seconds a call to ``name`` takes now, slow-downs and contention included."""
        kernel = self._kernels[name]
        return kernel.spec.latency * kernel.factor * self._latency_factor

    def _tell(self, name: str, state: str) -> None:
        for listener in self.listeners:
            listener(name, state)

    @property
    def names(self) -> list[str]:
        return list(self._kernels)

    def stats(self) -> dict[str, dict[str, Any]]:
        """Calls, failures, state and slow-down factor of every kernel."""
        return {
            k.name: {"calls": k.calls, "failures": k.failures, "timeouts": k.timeouts, "up": k.up, "factor": k.factor}
            for k in self._kernels.values()
        }

    def close(self) -> None:
        """Add each kernel's call and failure totals to the recorder's counts."""
        count = self._wiring.recorder.count
        for kernel in self._kernels.values():
            count(f"kernel.{kernel.name}.calls", kernel.calls)
            count(f"kernel.{kernel.name}.failures", kernel.failures)
            count(f"kernel.{kernel.name}.timeouts", kernel.timeouts)
