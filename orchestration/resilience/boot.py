"""The boot orchestrator: chunks run in priority order, each validated, and boot gates the stack.

A chunk takes ``duration`` seconds and then is validated by the guardian: it
fails when its validator (if any) says so, when it is checked before
``ready_after`` seconds of boot have passed (a dependency still warming up),
or, failing that, with probability ``fail_probability`` (stream
``boot.<chunk_id>``). With boot retry on, a failed validation is tried again
after a backoff (``initial × coefficient^(attempt-1)``), up to
``max_attempts`` validations in all.

A chunk that still fails and is marked ``can_fail`` is recorded, boot goes on
degraded, the chunk's failure is reported as ``system.dependency_drift`` and
the listeners in ``on_degraded`` switch off what the chunk would have started
(the stack turns off the mesh's trust validation when the mesh validators
fail). :meth:`BootOrchestrator.revalidate` lets self-healing try such a chunk
again later; one that passes then is reported to ``on_restored``. Any other
failure stops boot: the stack never becomes ready, which is published as
``system.critical_error`` and told to ``on_failed``. A boot that completes
tells ``on_ready``. Default chunks follow design document 001: the guardian
and core systems, the production systems (trigger mesh, immune kernel,
governance gate; may not fail), the trigger mesh validators (may fail and
degrade gracefully), then the kernels.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard, Section
from chaosbench.orchestration.core.wiring import SILENT, Announce, Wiring

BOOT_COLUMNS = ("chunk", "priority", "started_at", "finished_at", "ok", "can_fail", "attempts")


class ChunkConfig(Section):
    """One boot chunk."""

    chunk_id: str
    name: str = ""
    priority: float
    duration: float = Field(default=1.0, ge=0)
    can_fail: bool = False
    fail_probability: float = Field(default=0.0, ge=0, le=1)
    ready_after: float = Field(default=0.0, ge=0, description="seconds of boot before the chunk can validate")


class BootRetryConfig(Safeguard):
    """Validating a failed chunk again after a backoff before giving up on it."""

    max_attempts: int = Field(default=4, ge=1, le=100, description="validations of a chunk in all")
    initial: float = Field(default=1.0, gt=0, le=3600, description="seconds before the first retry")
    coefficient: float = Field(default=2.0, ge=1, le=10, description="growth of the wait between retries")


class BootConfig(Section):
    """The boot sequence."""

    retry: BootRetryConfig = BootRetryConfig()
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
    """Runs the chunks once, from :meth:`start`; a boot without chunks is ready at once."""

    def __init__(self, wiring: Wiring, config: BootConfig,
                 validators: dict[str, Callable[[], bool]] | None = None, *, retry: bool = True,
                 announce: Announce = SILENT) -> None:
        self.env = wiring.env
        self._wiring = wiring
        self._config = config
        self._chunks = sorted(config.chunks, key=lambda chunk: (chunk.priority, chunk.chunk_id))
        self._validators = validators or {}
        self._attempts = config.retry.max_attempts if retry else 1
        self._announce = announce
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._rows = wiring.recorder.table("boot", BOOT_COLUMNS)
        self._emit = wiring.trace.emit
        self.failures: list[str] = []
        self.on_ready: list[Callable[[], None]] = []
        self.on_failed: list[Callable[[str], None]] = []
        self.on_degraded: list[Callable[[str], None]] = []
        self.on_restored: list[Callable[[str], None]] = []
        self.complete = False
        self.ok = False
        self.boot_time = float("nan")

    def start(self) -> None:
        """Boot: at once when there are no chunks, else as a process that runs them in order."""
        if self._chunks:
            self.env.process(self._run())
        else:
            self._finish(True)

    def _valid(self, chunk: ChunkConfig) -> bool:
        validator = self._validators.get(chunk.chunk_id)
        if validator is not None:
            return bool(validator())
        if self.env.now < chunk.ready_after:
            return False
        return self._wiring.rng(f"boot.{chunk.chunk_id}").random() >= chunk.fail_probability

    def _run(self) -> Generator[simpy.Event, Any, bool]:
        env = self.env
        retry = self._config.retry
        for chunk in self._chunks:
            started = env.now
            yield env.timeout(chunk.duration)
            attempt = 1
            ok = self._valid(chunk)
            while not ok and attempt < self._attempts:
                self._count("safeguard.boot_retry")
                self._emit(env.now, "boot_retry", chunk.chunk_id, attempt)
                yield env.timeout(retry.initial * retry.coefficient ** (attempt - 1))
                attempt += 1
                ok = self._valid(chunk)
            self._rows.append(chunk.chunk_id, float(chunk.priority), float(started), float(env.now), int(ok),
                              int(chunk.can_fail), attempt)
            self._emit(env.now, "boot_chunk", chunk.chunk_id, int(ok))
            if not ok and not self._failed(chunk, attempt):
                break
        else:
            self._finish(True)
            return True
        self._finish(False)
        return False

    def _finish(self, ok: bool) -> None:
        self.ok = ok
        self.complete = True
        self.boot_time = float(self.env.now)
        self._count("boot.failures", len(self.failures))
        if ok:
            for ready in self.on_ready:
                ready()

    def _failed(self, chunk: ChunkConfig, attempts: int) -> bool:
        """Record ``chunk``'s failure; whether boot goes on."""
        self.failures.append(chunk.chunk_id)
        self._audit.record(
            who="boot",
            what=f"chunk {chunk.chunk_id} failed validation",
            where=chunk.name or chunk.chunk_id,
            why=f"{attempts} validation(s) failed; "
                + ("may fail; boot continues degraded" if chunk.can_fail else "may not fail; boot stops"),
            how="guardian validation",
        )
        if chunk.can_fail:
            self._count(f"boot.degraded.{chunk.chunk_id}")
            for degrade in self.on_degraded:
                degrade(chunk.chunk_id)
            self._announce("system.dependency_drift", {"dependency": chunk.chunk_id, "expected": "validated",
                                                       "found": "failed validation"})
            return True
        for failed in self.on_failed:
            failed(chunk.chunk_id)
        self._announce("system.critical_error", {"component_id": "boot", "error": f"chunk {chunk.chunk_id} failed",
                                                 "severity": "CRITICAL"})
        return False

    def revalidate(self, chunk_id: str) -> bool:
        """Validate the degraded chunk ``chunk_id`` again; whether it passes now (and is restored)."""
        chunk = next((c for c in self._chunks if c.chunk_id == chunk_id), None)
        if chunk is None or not chunk.can_fail or chunk_id not in self.failures or not self._valid(chunk):
            return False
        self.failures.remove(chunk_id)
        self._count(f"boot.restored.{chunk_id}")
        self._emit(self.env.now, "boot_restored", chunk_id)
        for restore in self.on_restored:
            restore(chunk_id)
        return True
