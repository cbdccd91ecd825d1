"""Where runs execute: in this process, on local processes, or on a Dask cluster.

Every executor takes the runs still to do and yields finished results as they
arrive; the caller stores each one at once. A run is a pure function of its
specification (scenario, overrides, seed), so it gives the same numbers wherever
it runs, and re-running a run lost with a dead worker changes nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import connection
from typing import Any, NamedTuple

import pandas as pd

from sim.scenario import ScenarioError
from sim.sweep.experiment import RunSpec


class Result(NamedTuple):
    """What one run gives: its row of the results table, its per-step table and its
    per-village table (one row per village at the end: ``sim.outputs.village_table``)."""

    row: dict[str, Any]
    series: pd.DataFrame
    villages: pd.DataFrame


MAX_ATTEMPTS = 3  # a run whose worker dies this often is reported, not retried forever


FAULT_ENV = "KERJASAMA_KILL_WORKER_ONCE"  # tests: a file path; the first worker to run a run then dies
POISON_ENV = "KERJASAMA_KILL_WORKER_RUN"  # tests: a run id; every worker that runs it dies


def _fault_injection(run_id: str) -> None:
    """For tests of worker death: kill this worker abruptly if it was given the poison
    run, or if the marker file does not exist yet (creating it)."""
    if multiprocessing.parent_process() is None:
        return
    marker = os.environ.get(FAULT_ENV)
    if os.environ.get(POISON_ENV) == run_id:
        os._exit(1)
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os._exit(1)


def execute(spec: RunSpec) -> Result:
    """Run one experiment run through the public API; return its row, per-step and per-village tables."""
    from sim.model import VillageModel

    _fault_injection(spec.run_id)
    model = VillageModel(spec.scenario, rng=spec.seed, **spec.overrides)
    model.run()
    row: dict[str, Any] = {
        "run_id": spec.run_id,
        "point": spec.point,
        "arm": spec.arm,
        "condition": spec.condition,
        **spec.factors,
        **spec.drawn,  # the particle drawn from the experiment's posterior and its values
        "replicate": spec.replicate,
        "seed": spec.seed,
    }
    summary = model.summary()
    summary.pop("seed", None)
    row.update(summary)
    return Result(row, model.timeseries(), model.village_table())


def execute_batch(specs: list[RunSpec]) -> list[Result]:
    """Several runs in one task (amortises per-task overhead on a cluster)."""
    return [execute(spec) for spec in specs]


class InProcess:
    """Runs one after another in this process (``--workers 1``)."""

    name = "in-process"

    def __init__(self):
        self.failed: dict[str, str] = {}
        self._terminate = _TerminateAsInterrupt()

    def run(self, specs: list[RunSpec]) -> Iterator[Result]:
        self._terminate.install()
        try:
            for spec in specs:
                yield execute(spec)
        finally:
            self._terminate.restore()

    def close(self) -> None:
        self._terminate.restore()


@dataclass
class _Worker:
    """One worker process, the pipe to it, and the run it is computing (None: idle)."""

    process: Any
    conn: Any
    spec: RunSpec | None = None


class LocalPool:
    """Local worker processes, one run at a time each. A worker that dies is replaced
    and only the run it was computing is charged: that run is tried again, up to
    MAX_ATTEMPTS times, then recorded in ``failed`` (run id -> why) while the other
    runs go on. Ctrl-C or SIGTERM stops every worker at once; the runs already
    returned are the caller's (stored), the rest are left for ``--resume``."""

    def __init__(self, workers: int):
        self.workers = workers
        self.name = f"local process pool ({workers} workers)"
        self.failed: dict[str, str] = {}
        self._live: list[_Worker] = []
        self._terminate = _TerminateAsInterrupt()

    def _start_worker(self) -> _Worker:
        # "spawn": fresh interpreters, safe whatever threads this process runs (and what Mesa's batch_run uses)
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, os.getpid()), name="kerjasama-worker", daemon=True)
        # born ignoring Ctrl-C (a terminal sends it to all, and a worker still importing would print a traceback)
        handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
        try:
            process.start()
        finally:
            if handler is not None:
                signal.signal(signal.SIGINT, handler)
        theirs.close()
        worker = _Worker(process, ours)
        self._live.append(worker)
        return worker

    def run(self, specs: list[RunSpec]) -> Iterator[Result]:
        queue = deque(specs)
        attempts: Counter[str] = Counter()
        self._terminate.install()
        try:
            for _ in range(min(self.workers, len(queue))):
                _give(self._start_worker(), queue, attempts)
            while any(worker.spec is not None for worker in self._live):
                yield from self._collect(queue, attempts)
        finally:
            self.close()

    def _collect(self, queue: deque[RunSpec], attempts: Counter[str]) -> Iterator[Result]:
        """Wait for a busy worker to answer or die; hand out the next runs."""
        busy = [worker for worker in self._live if worker.spec is not None]
        ready = set(connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
        for worker in busy:
            if worker.conn not in ready and worker.process.sentinel not in ready:
                continue
            spec, reply = worker.spec, _reply(worker)
            worker.spec = None
            if reply is None:
                self._replace(worker, spec, queue, attempts)
                continue
            ok, payload, trace = reply
            if not ok:
                raise payload from RuntimeError(f"in the worker process:\n{trace}")
            _give(worker, queue, attempts)
            yield payload

    def _replace(self, worker: _Worker, spec: RunSpec, queue: deque[RunSpec], attempts: Counter[str]) -> None:
        """A worker died running ``spec``: charge that run, start a new worker."""
        worker.process.join(2)
        self._live.remove(worker)
        worker.conn.close()
        how = _exit_reason(worker.process.exitcode)
        if attempts[spec.run_id] >= MAX_ATTEMPTS:
            self.failed[spec.run_id] = f"its worker process died {attempts[spec.run_id]} times ({how})"
            print(f"kerjasama: run {spec.run_id} failed: {self.failed[spec.run_id]}; the others go on", file=sys.stderr)
        else:
            queue.append(spec)
            print(f"kerjasama: a worker process died running {spec.run_id} ({how}); running it again", file=sys.stderr)
        if queue:
            _give(self._start_worker(), queue, attempts)

    def close(self) -> None:
        """Stop every worker now (a run in progress is abandoned, never half-stored)."""
        workers, self._live = self._live, []
        for worker in workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in workers:
            worker.process.join(2)
            worker.conn.close()
        self._terminate.restore()


def _give(worker: _Worker, queue: deque[RunSpec], attempts: Counter[str]) -> None:
    """Send the next queued run to an idle worker (a worker that is gone shows up as dead)."""
    if not queue:
        return
    worker.spec = queue.popleft()
    attempts[worker.spec.run_id] += 1
    with contextlib.suppress(OSError):
        worker.conn.send(worker.spec)


def _reply(worker: _Worker) -> tuple[bool, Any, str] | None:
    """The worker's answer, or None if it died without one."""
    try:
        return worker.conn.recv() if worker.conn.poll() else None
    except (EOFError, OSError):
        return None


def _exit_reason(code: int | None) -> str:
    return f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"


def _serve(conn, parent: int) -> None:
    """A worker process: compute the runs it is sent, one at a time, until its pipe
    closes or the sweep's process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sweep's to handle (see LocalPool._start_worker)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, execute(spec), "")
        except Exception as exc:
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            reply = (False, exc, traceback.format_exc())
        conn.send(reply)


def _exit_with_parent(parent: int) -> None:
    """A worker outlives no sweep, even one killed with SIGKILL (it is re-parented then)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class _TerminateAsInterrupt:
    """While a sweep runs, SIGTERM stops it as Ctrl-C does (KeyboardInterrupt), so the
    workers are stopped and the caller says what was kept; another handler is left alone."""

    _previous: Any = None

    def install(self) -> None:
        if _main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._previous = signal.signal(signal.SIGTERM, _interrupt)

    def restore(self) -> None:
        if self._previous is not None and _main_thread():
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the sweep as Ctrl-C does while this lasts (from taking the folder's lock
    to the end of the report), so that the lock is released (see sim.sweep.lock)."""
    handler = _TerminateAsInterrupt()
    handler.install()
    try:
        yield
    finally:
        handler.restore()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _main_thread() -> bool:  # only the main thread may set signal handlers
    return threading.current_thread() is threading.main_thread()


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
            _check_scheduler(address)
            self.client = Client(address, timeout=f"{CONNECT_TIMEOUT}s")
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


CONNECT_TIMEOUT = 10  # seconds: how long a Dask scheduler has to answer


def _check_scheduler(address: str) -> None:
    """Raise unless a Dask scheduler answers at ``address`` within CONNECT_TIMEOUT
    seconds. (Dask's own client waits for the greeting without a deadline, so
    something else listening on that port would keep it waiting for ever.)"""
    import asyncio

    from distributed.comm import connect

    async def greet() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT + 2)
        await comm.close()

    outcome: list[BaseException] = []

    def probe() -> None:  # in a thread of its own: this thread may already run an event loop
        try:
            asyncio.run(greet())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=probe, name="kerjasama-scheduler-probe", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT + 5)
    error = outcome[0] if outcome else TimeoutError() if thread.is_alive() else None
    if isinstance(error, TimeoutError):  # asyncio's too (Python >= 3.11)
        raise TimeoutError(
            f"no Dask scheduler answered within {CONNECT_TIMEOUT + 2} s (is it the scheduler's address?)"
        )
    if error is not None:
        raise error


@dataclass(frozen=True)
class Execution:
    """Where a sweep's runs execute: ``workers`` local processes (None: all cores; 1: in
    this process), or the Dask cluster whose scheduler is at ``scheduler`` (tcp://HOST:PORT)."""

    workers: int | None = None
    scheduler: str | None = None


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")  # Dask's network protocols


def check_execution(workers: int | None, scheduler: str | None) -> None:
    """A one-line error for a bad ``--workers`` or ``--scheduler``, before any work or file."""
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers: must be >= 1, got {workers}")
    if scheduler is None:
        return
    scheme, sep, rest = scheduler.partition("://")
    host, colon, port = rest.rpartition(":")
    allowed = (
        f"allowed: SCHEME://HOST:PORT, a scheme of {', '.join(SCHEDULER_SCHEMES)}, a host and a port number 1-65535"
    )
    if not sep or scheme not in SCHEDULER_SCHEMES or not colon or not host:
        raise ScenarioError(f"--scheduler: {scheduler!r} is not a scheduler address; {allowed} (e.g. tcp://host:8786)")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ScenarioError(f"--scheduler: port {port!r} of {scheduler!r} is not a port number; {allowed}")


def make_executor(workers: int | None, scheduler: str | None):
    """The executor for ``--workers`` / ``--scheduler`` (default: all local cores)."""
    check_execution(workers, scheduler)
    if scheduler is not None:
        return DaskCluster(scheduler)
    count = workers if workers is not None else (os.cpu_count() or 1)
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
