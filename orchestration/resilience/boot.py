"""The boot orchestrator: chunks run in priority order, each validated.

A chunk takes ``duration`` seconds and then is validated: it fails when its
validator (if any) says so or, failing that, with probability
``fail_probability`` (stream ``boot.<chunk_id>``). A failed chunk marked
``can_fail`` is recorded and boot goes on; any other failure stops the boot
there. Default chunks follow design document 001: the guardian and core systems, the
production systems (trigger mesh, immune kernel, governance gate; may not
fail), the trigger mesh validators (may fail and degrade gracefully), then
the kernels.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring

BOOT_COLUMNS = ("chunk", "priority", "started_at", "finished_at", "ok", "can_fail")


class ChunkConfig(Section):
    """One boot chunk."""

    chunk_id: str
    name: str = ""
    priority: float
    duration: float = Field(default=1.0, ge=0)
    can_fail: bool = False
    fail_probability: float = Field(default=0.0, ge=0, le=1)


class BootConfig(Section):
    """The boot sequence."""

    chunks: tuple[ChunkConfig, ...] = (
        ChunkConfig(chunk_id="guardian", name="Guardian", priority=0, duration=1.0),
        ChunkConfig(chunk_id="core_systems", name="Core systems (bus, audit log)", priority=1, duration=2.0),
        ChunkConfig(
            chunk_id="production_systems",
            name="Production systems (verification, governance, AVN)",
            priority=1.5,
            duration=2.0,
        ),
        ChunkConfig(
            chunk_id="mesh_validators", name="Trigger mesh validators", priority=1.6, duration=0.5, can_fail=True
        ),
        ChunkConfig(chunk_id="kernels", name="Kernels", priority=3, duration=3.0),
    )


class BootOrchestrator:
    """Runs the chunks once, as a process started at construction."""

    def __init__(self, wiring: Wiring, config: BootConfig,
                 validators: dict[str, Callable[[], bool]] | None = None) -> None:
        self.env = wiring.env
        self._wiring = wiring
        self._chunks = sorted(config.chunks, key=lambda chunk: (chunk.priority, chunk.chunk_id))
        self._validators = validators or {}
        self._audit = wiring.audit
        self._rows = wiring.recorder.table("boot", BOOT_COLUMNS)
        self._emit = wiring.trace.emit
        self.failures: list[str] = []
        self.complete = False
        self.ok = False
        self.boot_time = float("nan")
        self.done = self.env.process(self._run())

    def _run(self) -> Generator[simpy.Event, Any, bool]:
        env = self.env
        for chunk in self._chunks:
            started = env.now
            yield env.timeout(chunk.duration)
            validator = self._validators.get(chunk.chunk_id)
            if validator is not None:
                ok = bool(validator())
            else:
                ok = self._wiring.rng(f"boot.{chunk.chunk_id}").random() >= chunk.fail_probability
            self._rows.append(
                chunk.chunk_id, float(chunk.priority), float(started), float(env.now), int(ok), int(chunk.can_fail)
            )
            self._emit(env.now, "boot_chunk", chunk.chunk_id, int(ok))
            if not ok:
                self.failures.append(chunk.chunk_id)
                self._audit.record(
                    who="boot",
                    what=f"chunk {chunk.chunk_id} failed validation",
                    where=chunk.name or chunk.chunk_id,
                    why="may fail; boot continues degraded" if chunk.can_fail else "may not fail; boot stops",
                    how="guardian validation",
                )
                if not chunk.can_fail:
                    break
        else:
            self.ok = True
        self.complete = True
        self.boot_time = env.now
        self._wiring.recorder.count("boot.failures", len(self.failures))
        return self.ok
