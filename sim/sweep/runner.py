"""Where runs execute: in this process, on local processes, or on a Dask cluster.

Every executor takes the runs still to do and yields finished results as they
arrive; the caller stores each one at once. A run is a pure function of its
specification (scenario, overrides, seed), so it gives the same numbers wherever
it runs, and re-running a run lost with a dead worker changes nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.scenario import ScenarioError
from sim.sweep.experiment import RunSpec

Result = tuple[dict[str, Any], pd.DataFrame]
MAX_ATTEMPTS = 3  # a run whose worker dies this often is reported, not retried forever


FAULT_ENV = "KERJASAMA_KILL_WORKER_ONCE"  # tests: a file path; the first worker to run a run then dies


def _fault_injection() -> None:
    """For tests of worker death: if the environment names a marker file that does
    not exist yet, create it and kill this worker process abruptly."""
    marker = os.environ.get(FAULT_ENV)
    if marker and multiprocessing.parent_process() is not None:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)


def execute(spec: RunSpec) -> Result:
    """Run one experiment run through the public API; return its row and per-step table."""
    from sim.model import VillageModel

    _fault_injection()
    model = VillageModel(spec.scenario, rng=spec.seed, **spec.overrides)
    model.run()
    row: dict[str, Any] = {
        "run_id": spec.run_id,
        "point": spec.point,
        "arm": spec.arm,
        "condition": spec.condition,
        **spec.factors,
        "replicate": spec.replicate,
        "seed": spec.seed,
    }
    summary = model.summary()
    summary.pop("seed", None)
    row.update(summary)
    return row, model.timeseries()


def execute_batch(specs: list[RunSpec]) -> list[Result]:
    """Several runs in one task (amortises per-task overhead on a cluster)."""
    return [execute(spec) for spec in specs]


class InProcess:
    """Runs one after another in this process (``--workers 1``)."""

    name = "in-process"

    def run(self, specs: list[RunSpec]) -> Iterator[Result]:
        for spec in specs:
            yield execute(spec)

    def close(self) -> None:
        pass


class LocalPool:
    """A pool of local worker processes. If a worker dies, the pool is restarted and
    the runs not yet returned are submitted again (stored runs are never re-run)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.name = f"local process pool ({workers} workers)"
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        # "spawn": fresh interpreters, safe whatever threads this process runs (and what Mesa's batch_run uses)
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def run(self, specs: list[RunSpec]) -> Iterator[Result]:
        pending = {spec.run_id: spec for spec in specs}
        attempts = dict.fromkeys(pending, 0)
        while pending:
            self._pool = self._new_pool()
            futures: dict[Future, RunSpec] = {}
            for spec in pending.values():
                attempts[spec.run_id] += 1
                futures[self._pool.submit(execute, spec)] = spec
            broken = False
            try:
                while futures:
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        spec = futures.pop(future)
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        del pending[spec.run_id]
                        yield result
                    if broken:
                        break
            finally:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            if broken:
                failing = [rid for rid in pending if attempts[rid] >= MAX_ATTEMPTS]
                if failing:
                    raise RuntimeError(f"worker processes died {MAX_ATTEMPTS} times running {failing[0]}; giving up")
                print("kerjasama: a worker process died; restarting the pool for the remaining runs", file=sys.stderr)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class DaskCluster:
    """Runs on a Dask distributed cluster (``--scheduler tcp://host:port``). Runs are
    batched into tasks; Dask re-runs the tasks of a worker that dies."""

    def __init__(self, address: str, batch_size: int | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise ScenarioError(
                "--scheduler needs Dask distributed: pip install 'kerjasama[dask]' (or pip install 'dask[distributed]')"
            ) from None
        try:
            self.client = Client(address, timeout="10s")
        except Exception as exc:  # bad address, refused, timed out: all one line for the user
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ScenarioError(f"--scheduler {address}: cannot connect: {reason}") from None
        self.batch_size = batch_size
        self.name = f"dask ({address})"

    def run(self, specs: list[RunSpec]) -> Iterator[Result]:
        from distributed import as_completed

        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        size = self.batch_size or max(1, min(8, len(specs) // (4 * workers) or 1))
        batches = [specs[i : i + size] for i in range(0, len(specs), size)]
        futures = [self.client.submit(execute_batch, batch, pure=False, retries=MAX_ATTEMPTS) for batch in batches]
        for future in as_completed(futures):
            yield from future.result()
            future.release()

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class Execution:
    """Where a sweep's runs execute: ``workers`` local processes (None: all cores; 1: in
    this process), or the Dask cluster whose scheduler is at ``scheduler`` (tcp://HOST:PORT)."""

    workers: int | None = None
    scheduler: str | None = None


def make_executor(workers: int | None, scheduler: str | None):
    """The executor for ``--workers`` / ``--scheduler`` (default: all local cores)."""
    if scheduler:
        return DaskCluster(scheduler)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ScenarioError(f"--workers: must be >= 1, got {count}")
    return InProcess() if count == 1 else LocalPool(count)


class Progress:
    """Runs done, rate and time left: a bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int, done: int, stream=None):
        self.total, self.done = total, done
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.new = 0
        self.last_line = 0.0
        self.bar = None
        if self.stream.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", file=self.stream, dynamic_ncols=True)
        else:
            self._line(force=True)

    def _line(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_line < 5 and self.done < self.total:
            return
        if self.done == getattr(self, "_printed", None) and self.done == self.total:
            return  # the final line is already out
        self._printed = self.done
        self.last_line = now
        elapsed = now - self.start
        rate = self.new / elapsed if elapsed > 0 and self.new else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f"{left:.0f} s" if left == left else "?"
        print(f"[sweep] {self.done}/{self.total} runs, {rate:.2f} runs/s, ETA {eta}", file=self.stream, flush=True)

    def update(self) -> None:
        self.done += 1
        self.new += 1
        if self.bar is not None:
            self.bar.update(1)
        else:
            self._line()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            self._line(force=True)


def drain(results: Iterable[Result], on_result: Callable[[Result], None]) -> int:
    count = 0
    for result in results:
        on_result(result)
        count += 1
    return count
