"""Sweeps on a real Dask cluster (a scheduler and two workers started as processes on 127.0.0.1) and in the
process pool, losing a worker or interrupted part-way: each completes, or resumes with the same command, with
the serial digests, every run once, and the finished runs' parts intact."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chaosbench.sim.parallel.executors import SerialExecutor
from chaosbench.sim.sweep.parts import PARTS
from chaosbench.sim.sweep.sweeps import execute, load_sweep
from tests.conftest import ROOT, mmc_document

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

SEEDS = "1:8"
RUNS = 8
#: Long enough that a run takes a good part of a second, so that work is under way when a worker is lost.
DOCUMENT = mmc_document(duration="2000s")
DASK = Path(sys.executable).parent / "dask"
#: Longest a test waits for any one thing (a cluster to come up, parts to appear, a command to end).
PATIENCE_S = 120.0


@dataclass
class Cluster:
    address: str
    workers: list[subprocess.Popen[bytes]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    # A session of its own, so that the process and whatever it starts can be ended together.
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(log, "wb"), start_new_session=True)


def _end(process: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """``dask scheduler`` and two single-threaded ``dask worker`` processes on 127.0.0.1, stopped afterwards."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    started = [_start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                      tmp_path / "scheduler.log")]
    try:
        workers = [_start([str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                           "--name", f"w{index}", "--death-timeout", "60", "--local-directory",
                           str(tmp_path / f"w{index}")], tmp_path / f"w{index}.log") for index in (1, 2)]
        started += workers
        with distributed.Client(address, timeout=f"{PATIENCE_S:g}s") as client:
            client.wait_for_workers(2, timeout=PATIENCE_S)
        yield Cluster(address, workers)
    finally:
        for process in reversed(started):
            _end(process)


def _sweep_command(scenario: Path, out: Path, *where: str) -> list[str]:
    return [sys.executable, "-m", "chaosbench", "sweep", str(scenario), "--seeds", SEEDS, "--out", str(out),
            "--json", *where]


def _serial_digests(scenario: Path, out: Path) -> list[str]:
    sweep = load_sweep(scenario, [], [0], list(range(1, RUNS + 1)))
    return execute(sweep, out, SerialExecutor()).table["trace_digest"].tolist()


def _wait_for_parts(out: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while len(list((out / PARTS).glob("*.json"))) < count:
        assert process.poll() is None, "the sweep ended before it was interrupted"
        assert time.monotonic() < deadline, f"no {count} parts in {PATIENCE_S:g} s"
        time.sleep(0.05)


def _parts(out: Path) -> dict[str, dict[str, object]]:
    """Every part, read as JSON (a torn part fails here), by key."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in (out / PARTS).glob("*.json")}


def _finished(command: list[str]) -> tuple[int, dict[str, object], str]:
    completed = subprocess.run(command, capture_output=True, text=True, timeout=PATIENCE_S * 3, cwd=ROOT)
    report = json.loads(completed.stdout) if completed.stdout.strip() else {}
    return completed.returncode, report, completed.stderr


def _assert_complete(out: Path, report: dict[str, object], serial: list[str]) -> None:
    import pandas as pd

    results = pd.read_parquet(out / "results.parquet")
    assert results["trace_digest"].tolist() == serial  # every run once, in the plan's order, as the serial sweep
    assert report["counts"]["runs"] == len(_parts(out)) == RUNS


def test_a_sweep_on_a_dask_cluster_that_loses_a_worker_completes_with_the_serial_digests(
        cluster: Cluster, write_scenario, tmp_path: Path) -> None:
    scenario = write_scenario(DOCUMENT)
    serial = _serial_digests(scenario, tmp_path / "serial")
    out = tmp_path / "dask"
    sweep = subprocess.Popen(_sweep_command(scenario, out, "--dask", cluster.address), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=ROOT)
    try:
        _wait_for_parts(out, 2, sweep)
        _end(cluster.workers[0], signal.SIGKILL)  # the worker and its nanny, as a lost machine
        stdout, stderr = sweep.communicate(timeout=PATIENCE_S * 3)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0, stderr.decode()
    report = json.loads(stdout)
    _assert_complete(out, report, serial)
    assert report["counts"]["ran"] == RUNS


def test_a_sweep_on_a_dask_cluster_interrupted_by_sigint_resumes_with_the_same_command(
        cluster: Cluster, write_scenario, tmp_path: Path) -> None:
    scenario = write_scenario(DOCUMENT)
    serial = _serial_digests(scenario, tmp_path / "serial")
    out = tmp_path / "dask"
    command = _sweep_command(scenario, out, "--dask", cluster.address)
    sweep = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        # At the first part, so that most of the sweep is still to run when the signal lands, even on a busy machine.
        _wait_for_parts(out, 1, sweep)
        sweep.send_signal(signal.SIGINT)
        sweep.communicate(timeout=PATIENCE_S)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130
    kept = _parts(out)
    assert 1 <= len(kept) < RUNS
    status, report, stderr = _finished(command)
    assert status == 0, stderr
    _assert_complete(out, report, serial)
    assert (report["counts"]["ran"], report["counts"]["resumed"]) == (RUNS - len(kept), len(kept))
    assert {key: part for key, part in _parts(out).items() if key in kept} == kept


def test_a_pool_worker_killed_by_the_os_is_a_clear_error_and_the_sweep_resumes(write_scenario, tmp_path: Path) -> None:
    scenario = write_scenario(DOCUMENT)
    serial = _serial_digests(scenario, tmp_path / "serial")
    out = tmp_path / "pool"
    command = _sweep_command(scenario, out, "--workers", "2")
    sweep = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        _wait_for_parts(out, 2, sweep)
        psutil.Process(sweep.pid).children()[0].kill()  # as the kernel's out-of-memory killer would
        _, stderr = sweep.communicate(timeout=PATIENCE_S)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    message = stderr.decode()
    assert sweep.returncode == 3, message
    assert "worker process of the pool died" in message and "run the same command again" in message
    assert "Traceback" not in message and "BrokenProcessPool" not in message
    kept = _parts(out)
    status, report, stderr_again = _finished(command)
    assert status == 0, stderr_again
    _assert_complete(out, report, serial)
    assert report["counts"]["resumed"] == len(kept) >= 2
