"""The KPI and test-quality monitors (design document 000's integration points).

Both turn the stack's own measurements into the events the trigger mesh's
KPI and test-quality workflows answer.

:class:`KpiMonitor`, every ``interval`` seconds, measures over the interval
just ended: the SLA compliance of each priority's finished tasks (component
``htm``), the workflow engine's failure rate, and each kernel's error rate
(failed and timed-out calls). Every measure is published as
``kpi.metric_updated``; one past its warning or critical threshold also as
``kpi.threshold_breach`` with severity WARNING or CRITICAL.

:class:`TestQualityMonitor`, every ``interval`` seconds, runs the stack's
verification suite through the verification kernel: one smoke test per
kernel, which passes when the verification kernel answered in time and the
kernel under test is up, answering, and on average quicker than the suite's
timeout. Each kernel's test-quality score is
its pass rate over the last ``window`` runs (0-100). A score below
``critical`` (50) publishes ``test_quality.healing_required`` with status
CRITICAL, below ``degraded`` (70) with status DEGRADED; a score that has
climbed by ``improvement`` points since its last report publishes
``test_quality.improvement_suggested``.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, Protocol

import simpy
from pydantic import Field

from chaosbench.orchestration.core.errors import KernelError
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher

PRIORITIES = ("CRITICAL", "HIGH", "NORMAL", "LOW")


class Finished(Protocol):
    """A finished task, as the KPI monitor reads it."""

    @property
    def priority(self) -> int:
        """Its priority's value (0 is CRITICAL)."""

    @property
    def finished_at(self) -> float:
        """When it finished."""

    @property
    def deadline(self) -> float:
        """When it was due."""


class Runs(Protocol):
    """The workflow engine's totals, as the KPI monitor reads them."""

    @property
    def started(self) -> int:
        """Runs started so far."""

    @property
    def failed(self) -> int:
        """Runs failed so far."""


class KpiConfig(Safeguard):
    """The KPI monitor and its thresholds."""

    interval: float = Field(default=30.0, gt=0, le=86_400, description="seconds between two measurements")
    sla_warning: float = Field(default=0.99, ge=0, le=1, description="SLA compliance below which a KPI warns")
    sla_critical: float = Field(default=0.9, ge=0, le=1, description="SLA compliance below which a KPI is critical")
    error_warning: float = Field(default=0.05, ge=0, le=1, description="error rate above which a KPI warns")
    error_critical: float = Field(default=0.25, ge=0, le=1, description="error rate above which a KPI is critical")


class KpiMonitor:
    """Measures SLA compliance and error rates each interval and reports them."""

    def __init__(self, wiring: Wiring, config: KpiConfig, engine: Runs, kernels: Kernels,
                 publisher: Publisher) -> None:
        self.env = wiring.env
        self.config = config
        self._engine = engine
        self._kernels = kernels
        self._out = publisher
        self._count = wiring.recorder.count
        self._met = [0] * len(PRIORITIES)
        self._finished = [0] * len(PRIORITIES)
        self._runs = (0, 0)
        self._calls = {name: (0, 0) for name in kernels.names}

    def start(self) -> None:
        self.env.process(self._run())

    def on_finished(self, task: Finished) -> None:
        """Task-manager listener: count a finished task against its SLA."""
        level = int(task.priority)
        self._finished[level] += 1
        if task.finished_at <= task.deadline:
            self._met[level] += 1

    def _run(self) -> Generator[simpy.Event, Any, None]:
        while True:
            yield self.env.timeout(self.config.interval)
            self.measure()

    def measure(self) -> None:
        """Report the KPIs of the interval just ended."""
        config = self.config
        for level, name in enumerate(PRIORITIES):
            if self._finished[level]:
                compliance = self._met[level] / self._finished[level]
                self._report(f"sla_compliance.{name.lower()}", "htm", compliance,
                             config.sla_warning, config.sla_critical, higher_is_better=True)
        self._met = [0] * len(PRIORITIES)
        self._finished = [0] * len(PRIORITIES)
        started, failed = self._engine.started, self._engine.failed
        runs = started - self._runs[0]
        if runs:
            self._report("workflow_error_rate", "workflow_engine", (failed - self._runs[1]) / runs,
                         config.error_warning, config.error_critical, higher_is_better=False)
        self._runs = (started, failed)
        for kernel, stats in self._kernels.stats().items():
            calls, errors = stats["calls"], stats["failures"] + stats["timeouts"]
            before_calls, before_errors = self._calls[kernel]
            if calls > before_calls:
                self._report("kernel_error_rate", kernel, (errors - before_errors) / (calls - before_calls),
                             config.error_warning, config.error_critical, higher_is_better=False)
            self._calls[kernel] = (calls, errors)

    def _report(self, metric: str, component: str, value: float, warning: float, critical: float, *,
                higher_is_better: bool) -> None:
        self._out.publish("kpi.metric_updated", {"metric_name": metric, "component_id": component, "value": value})
        def worse(limit: float) -> bool:
            return value < limit if higher_is_better else value > limit

        if worse(critical):
            severity, threshold = "CRITICAL", critical
        elif worse(warning):
            severity, threshold = "WARNING", warning
        else:
            return
        self._count(f"kpi.breach.{severity.lower()}")
        self._out.publish("kpi.threshold_breach", {"metric_name": metric, "component_id": component, "value": value,
                                                   "threshold": threshold, "severity": severity})


class TestQualityConfig(Safeguard):
    """The test-quality monitor: its verification suite and thresholds."""

    interval: float = Field(default=30.0, gt=0, le=86_400, description="seconds between two suite runs")
    timeout: float = Field(default=2.0, gt=0, description="seconds a smoke test may take (the verification kernel's "
                           "answer, and a kernel's mean latency)")
    window: int = Field(default=5, ge=1, le=1000, description="runs a test-quality score is computed over")
    critical: float = Field(default=50.0, ge=0, le=100, description="score below which quality is CRITICAL")
    degraded: float = Field(default=70.0, ge=0, le=100, description="score below which quality is DEGRADED")
    improvement: float = Field(default=20.0, gt=0, le=100, description="rise in score reported as an improvement")


class TestQualityMonitor:
    """Runs the verification suite each interval and reports each kernel's test quality."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, wiring: Wiring, config: TestQualityConfig, kernels: Kernels, publisher: Publisher) -> None:
        self.env = wiring.env
        self.config = config
        self._kernels = kernels
        self._out = publisher
        self._count = wiring.recorder.count
        self._results: dict[str, deque[bool]] = {name: deque(maxlen=config.window) for name in kernels.names}
        self._reported = {name: 100.0 for name in kernels.names}
        self.runs = 0

    def start(self) -> None:
        self.env.process(self._run())

    def _run(self) -> Generator[simpy.Event, Any, None]:
        while True:
            yield self.env.timeout(self.config.interval)
            try:
                yield self._kernels.call("verification", "run_suite", {"tests": len(self._results)},
                                         self.config.timeout)
                answered = True
            except KernelError:
                answered = False
            self.runs += 1
            self._score(answered)

    def _score(self, answered: bool) -> None:
        config = self.config
        for name, results in self._results.items():
            results.append(answered and self._kernels.responsive(name, config.timeout))
            score = 100.0 * sum(results) / len(results)
            if score < config.degraded:
                status = "CRITICAL" if score < config.critical else "DEGRADED"
                self._count(f"test_quality.{status.lower()}")
                self._out.publish("test_quality.healing_required", {
                    "component_id": name, "status": status, "score": score,
                    "severity": "CRITICAL" if status == "CRITICAL" else "WARNING",
                })
                self._reported[name] = min(self._reported[name], score)
            elif score - self._reported[name] >= config.improvement:
                self._count("test_quality.improvements")
                self._out.publish("test_quality.improvement_suggested", {
                    "component_id": name, "score": score, "suggestion": f"tests of {name} pass again",
                })
                self._reported[name] = score
