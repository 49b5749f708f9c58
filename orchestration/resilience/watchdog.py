"""The layer-2 watchdog (design document 002): periodic health checks of the orchestration layer.

At start the watchdog waits for readiness: every readiness probe must hold
within ``readiness_timeout`` seconds (30 s in design document 002), polled each second;
otherwise the failure is reported (counted, narrated, published) and the
watchdog goes on with its checks anyway.

Every ``interval`` seconds (15 s) it checks:

* HTM queue depth: warning at ``queue_warn`` (1000), critical at ``queue_critical`` (5000);
* workers alive, against ``min_workers``;
* trigger mesh subscriptions, against ``min_subscriptions`` (5), as counted
  by the probe the stack hands in;
* policy fire rate over the interval, against ``max_policy_rate``, and new cascades broken;
* dispatch rate over the interval, against ``min_dispatch_rate`` (1 task/s), while work waits;
* kernels down;
* CPU and memory, against ``resource_spike`` (85%);
* SLO breaches (SLA breaches counted by the HTM) during the interval.

Each failed check becomes an ``anomaly.detected`` event on the bus (payload
``signature`` names it), which the immune kernel answers. A queue past the
warning depth is also published as ``task.queue_saturated`` and a resource
past ``resource_spike`` as ``system.resource_spike`` (both answered by policy
rules that spawn relief agents), and breaches as ``watchdog.slo_breach``.
Every check also publishes a ``telemetry.layer2`` event and a row of the
``watchdog`` table.
A dispatcher paused for at least ``restart_grace`` seconds is resumed.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher

WATCHDOG_COLUMNS = (
    "time", "queue_depth", "workers", "subscriptions", "policy_rate", "dispatch_rate", "slo_breaches", "alerts",
)
SOURCE = "watchdog"


class _PoolSize(Protocol):
    @property
    def workers(self) -> int:
        """Workers configured."""


class Dispatcher(Protocol):
    """The task manager, as the watchdog sees it."""

    @property
    def config(self) -> _PoolSize:
        """The manager's configuration."""

    @property
    def dispatched(self) -> int:
        """Tasks dispatched so far."""

    @property
    def breaches(self) -> int:
        """SLA breaches so far."""

    @property
    def paused(self) -> bool:
        """Whether dispatching is paused."""

    @property
    def paused_at(self) -> float:
        """When dispatching was paused (NaN while it is not)."""

    @property
    def workers(self) -> int:
        """Workers alive."""

    def depth(self) -> int:
        """Tasks waiting."""

    def resume(self) -> None:
        """Dispatch again."""


class PolicyCounts(Protocol):
    """The policy kernel, as the watchdog sees it."""

    @property
    def fired(self) -> dict[str, int]:
        """Fires per rule so far."""

    @property
    def cascades_broken(self) -> int:
        """Cascades broken so far."""


class Vitals(Protocol):
    """The health model, as the watchdog sees it."""

    @property
    def cpu(self) -> float:
        """CPU in percent."""

    @property
    def memory(self) -> float:
        """Memory in percent."""

    def current(self) -> int:
        """Bring the readings up to date; the stress level."""


class Distrust(Protocol):
    """The trust scores, as the watchdog sees them."""

    def failure(self, component: str) -> object:
        """Debit ``component`` with a failure."""


class WatchdogConfig(Safeguard):
    """The layer-2 watchdog, with the thresholds of design document 002."""

    interval: float = Field(default=15.0, gt=0, description="seconds between checks")
    queue_warn: int = Field(default=1000, ge=1)
    queue_critical: int = Field(default=5000, ge=1)
    min_workers: int = Field(default=1, ge=0)
    min_subscriptions: int = Field(default=5, ge=0)
    max_policy_rate: float = Field(default=100.0, gt=0, description="policy fires per second before an alert")
    min_dispatch_rate: float = Field(default=1.0, ge=0, description="tasks per second, checked while work waits")
    resource_spike: float = Field(
        default=85.0, gt=0, le=100, description="percent of CPU or memory reported as a resource spike"
    )
    readiness_timeout: float = Field(default=30.0, gt=0)
    restart_grace: float = Field(default=30.0, ge=0, description="seconds a paused dispatcher is left paused")


class Watchdog:
    """Checks the stack every ``interval`` seconds; started by :meth:`start`."""

    def __init__(self, wiring: Wiring, config: WatchdogConfig, htm: Dispatcher, *, bus: EventBus | None = None,
                 policy: PolicyCounts | None = None, kernels: Kernels | None = None,
                 trust: Distrust | None = None, vitals: Vitals | None = None,
                 subscriptions: Callable[[], int] | None = None,
                 readiness: dict[str, Callable[[], bool]] | None = None) -> None:
        self.env = wiring.env
        self.config = config
        self._htm = htm
        self._bus = bus
        self._out = Publisher(bus, wiring.env, SOURCE) if bus is not None else None
        self._vitals = vitals
        self._policy = policy
        self._kernels = kernels
        self._trust = trust
        self._audit = wiring.audit
        self._readiness = readiness or {}
        self._subscriptions = subscriptions
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._rows = wiring.recorder.table("watchdog", WATCHDOG_COLUMNS)
        self._dispatched = 0
        self._fired = 0
        self._cascades = 0
        self._breaches = 0
        self.ready: dict[str, bool] = {}
        self.readiness_ok: bool | None = None
        self.slo_breaches = 0
        self.checks = 0
        self.restarts = 0
        self.alerts: dict[str, int] = {}

    def start(self) -> None:
        self.env.process(self._run())

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        deadline = env.now + self.config.readiness_timeout
        while True:
            self.ready = {name: bool(probe()) for name, probe in self._readiness.items()}
            if all(self.ready.values()) or env.now >= deadline:
                break
            yield env.timeout(min(1.0, deadline - env.now))
        self.readiness_ok = all(self.ready.values())
        self._emit(env.now, "readiness", int(self.readiness_ok))
        if not self.readiness_ok:
            failing = ", ".join(name for name, ok in self.ready.items() if not ok)
            self._count("watchdog.readiness_failed")
            self._publish("watchdog.readiness_failed", {"failing": failing})
            self._audit.record(who=SOURCE, what="readiness failed", where=failing,
                               why=f"not ready within {self.config.readiness_timeout:g}s",
                               how="readiness probes polled every second")
        self._mark()
        while True:
            yield env.timeout(self.config.interval)
            self.check()

    def _mark(self) -> None:
        htm = self._htm
        self._dispatched = htm.dispatched
        self._breaches = htm.breaches
        policy = self._policy
        if policy is not None:
            self._fired = sum(policy.fired.values())
            self._cascades = policy.cascades_broken

    def check(self) -> list[str]:
        """Run every check now; returns the alerts raised."""
        config = self.config
        htm = self._htm
        now = self.env.now
        interval = config.interval
        self.checks += 1
        # (signature, component, severity, detail) of each failed check.
        alerts: list[tuple[str, str, str, dict[str, Any]]] = []
        depth = htm.depth()
        if depth >= config.queue_critical:
            alerts.append(("queue_critical", "htm", "CRITICAL", {"queue_depth": depth}))
        elif depth >= config.queue_warn:
            alerts.append(("queue_warn", "htm", "WARNING", {"queue_depth": depth}))
        workers = htm.workers
        if workers < config.min_workers or workers < htm.config.workers:
            alerts.append(("workers_low", "worker_pool", "WARNING", {"workers": workers}))
        subscriptions = self._subscriptions() if self._subscriptions is not None else -1
        if self._subscriptions is not None and subscriptions < config.min_subscriptions:
            alerts.append(("subscriptions_low", "trigger_mesh", "WARNING", {"subscriptions": subscriptions}))
        policy_rate = 0.0
        if self._policy is not None:
            fired = sum(self._policy.fired.values())
            policy_rate = (fired - self._fired) / interval
            if policy_rate > config.max_policy_rate:
                alerts.append(("policy_storm", "event_policy_kernel", "WARNING", {"rate": policy_rate}))
            if self._policy.cascades_broken > self._cascades:
                broken = self._policy.cascades_broken - self._cascades
                alerts.append(("policy_cascade", "event_policy_kernel", "WARNING", {"broken": broken}))
        dispatch_rate = (htm.dispatched - self._dispatched) / interval
        if htm.paused:
            alerts.append(("dispatcher_paused", "htm", "CRITICAL", {"paused_for": now - htm.paused_at}))
        elif depth and dispatch_rate < config.min_dispatch_rate:
            alerts.append(("dispatch_stalled", "htm", "CRITICAL", {"rate": dispatch_rate}))
        if self._kernels is not None:
            for name in self._kernels.names:
                if not self._kernels.is_up(name):
                    alerts.append(("kernel_down", name, "CRITICAL", {}))
                    if self._trust is not None:
                        self._trust.failure(name)
        breaches = htm.breaches - self._breaches
        self.slo_breaches += breaches
        self._mark()
        names = [name for name, _, _, _ in alerts]
        for name, component, severity, detail in alerts:
            self.alerts[name] = self.alerts.get(name, 0) + 1
            self._count(f"watchdog.alert.{name}")
            self._emit(now, "watchdog_alert", name)
            self._publish("anomaly.detected", {"component_id": component, "signature": name, "severity": severity,
                                               **detail})
        if depth >= config.queue_warn:
            self._publish("task.queue_saturated", {"depth": depth, "workers": workers})
        self._report_spikes()
        if breaches:
            self._count("watchdog.slo_breaches", breaches)
            self._publish("watchdog.slo_breach", {"breaches": breaches, "window_s": interval})
        self._rows.append(
            float(now), depth, workers, subscriptions, policy_rate, dispatch_rate, breaches, ",".join(names)
        )
        self._publish("telemetry.layer2", {
            "layer": "layer2_orchestration", "queue_depth": depth, "worker_count": workers,
            "subscriptions": subscriptions, "event_queue_depth": self._bus.queue_depth if self._bus is not None else 0,
            "dispatch_rate": dispatch_rate, "policy_rate": policy_rate, "slo_breaches": breaches,
            "alerts": ",".join(names),
        })
        if htm.paused and now - htm.paused_at >= config.restart_grace:
            self._restart(now - htm.paused_at)
        return names

    def _restart(self, paused_for: float) -> None:
        self.restarts += 1
        self._htm.resume()
        self._count("safeguard.watchdog_restart")
        self._emit(self.env.now, "watchdog_restart", paused_for)
        self._audit.record(who=SOURCE, what="restart the dispatcher", where="htm",
                           why=f"dispatcher paused for {paused_for:g}s, grace {self.config.restart_grace:g}s",
                           how="resume")

    def _report_spikes(self) -> None:
        vitals = self._vitals
        if vitals is None:
            return
        vitals.current()
        for resource, usage in (("cpu", vitals.cpu), ("memory", vitals.memory)):
            if usage >= self.config.resource_spike:
                self._count(f"watchdog.resource_spike.{resource}")
                self._publish("system.resource_spike", {"resource": resource, "usage": float(usage)})

    def _publish(self, event_type: str, payload: dict[str, Any]) -> None:
        if self._out is not None:
            self._out.publish(event_type, payload)
