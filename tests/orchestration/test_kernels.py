"""Simulated kernels: latency, failures and the controls faults use."""
from __future__ import annotations

import statistics

import pytest

from chaosbench.orchestration.core.errors import KernelError
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.kernels import Kernels, KernelsConfig, KernelSpec
from chaosbench.sim.run.runtime import SimRuntime


def outcomes(kernels: Kernels, env, n: int, name: str = "hunter", action: str = "analyze") -> list[tuple[bool, float]]:
    results = []

    def caller():
        for _ in range(n):
            start = env.now
            try:
                yield kernels.call(name, action, {})
                results.append((True, env.now - start))
            except KernelError:
                results.append((False, env.now - start))

    env.process(caller())
    env.run()
    return results


def test_latency_follows_the_configured_mean():
    rt = SimRuntime(1)
    kernels = Kernels(Wiring.of(rt), KernelsConfig(hunter=KernelSpec(latency=0.5, failure_probability=0)))
    latencies = [t for ok, t in outcomes(kernels, rt.env, 4000)]
    assert statistics.mean(latencies) == pytest.approx(0.5, rel=0.05)
    assert statistics.pstdev(latencies) == pytest.approx(0.5, rel=0.1)  # exponential


def test_lognormal_latency_keeps_its_mean():
    rt = SimRuntime(1)
    spec = KernelSpec(latency=0.2, distribution="lognormal", sigma=0.8, failure_probability=0)
    kernels = Kernels(Wiring.of(rt), KernelsConfig(hunter=spec))
    assert statistics.mean(t for _, t in outcomes(kernels, rt.env, 8000)) == pytest.approx(0.2, rel=0.05)


def test_calls_fail_with_the_configured_probability():
    rt = SimRuntime(2)
    kernels = Kernels(Wiring.of(rt), KernelsConfig(hunter=KernelSpec(latency=0.1, failure_probability=0.2)))
    results = outcomes(kernels, rt.env, 5000)
    failures = sum(not ok for ok, _ in results)
    assert 900 < failures < 1100 and kernels.stats()["hunter"]["failures"] == failures


def test_a_kernel_taken_down_fails_at_once_until_brought_back():
    rt = SimRuntime(1)
    hunter = KernelSpec(latency=1.0, distribution="fixed", failure_probability=0)
    kernels = Kernels(Wiring.of(rt), KernelsConfig(hunter=hunter))
    kernels.take_down("hunter")
    assert not kernels.is_up("hunter")
    assert outcomes(kernels, rt.env, 2) == [(False, 0.0), (False, 0.0)]
    kernels.bring_up("hunter")
    assert outcomes(kernels, rt.env, 1) == [(True, 1.0)]


def test_slowing_a_kernel_multiplies_its_latency():
    rt = SimRuntime(1)
    hunter = KernelSpec(latency=0.5, distribution="fixed", failure_probability=0)
    kernels = Kernels(Wiring.of(rt), KernelsConfig(hunter=hunter))
    kernels.slow("hunter", 4)
    assert outcomes(kernels, rt.env, 1) == [(True, 2.0)]
    kernels.slow("hunter", 1)
    assert outcomes(kernels, rt.env, 1) == [(True, 0.5)]


def test_an_unknown_action_is_a_programming_error():
    kernels = Kernels(Wiring.of(SimRuntime(1)), KernelsConfig())
    with pytest.raises(KeyError):
        kernels.call("hunter", "make_coffee", {})
