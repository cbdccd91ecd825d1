"""A deterministic ABC-SMC sampler: the same posterior wherever the particles are simulated.

pyabc's own samplers accept particles in the order they finish and reseed NumPy's global random
state from the operating system in every task, so a calibration on 2 processes, 8 processes or a
Dask cluster gives a different posterior each time. :class:`DeterministicSampler` instead
evaluates, in each generation ``t``, the candidate particles 0, 1, 2, ... in rounds (as many at
a time as the workers can take) and accepts, **in index order**, the first ``n`` candidates that
pass. What candidate ``i`` of generation ``t`` proposes and simulates depends only on the
calibration seed, ``t`` and ``i``:

* its proposal (pyabc draws it from the prior or the fitted transition kernel with NumPy's
  *global* random state, which it offers no way to pass in) is drawn after seeding that global
  state (and Python's ``random``) from ``SeedSequence(seed, spawn_key=(PROPOSAL, t + 1, i))``;
  the previous global state is restored afterwards, and a process-wide lock makes the seeding,
  the proposal and the simulation one step even on a multi-threaded Dask worker;
* its model runs take the seeds ``SeedSequence(seed, spawn_key=(RUNS, t + 1, i, r))`` for
  replicates ``r`` (:meth:`Particle.run_seeds`), read by :class:`~sim.calibrate.statistics.ParticleModel`.

How many candidates a round holds, how they are split into tasks and which worker finishes first
change only how much is simulated beyond the ``n``-th acceptance (discarded), never the result:
the number of simulations pyabc records is the index of the ``n``-th accepted candidate + 1.
"""

from __future__ import annotations

import os
import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PROPOSAL, RUNS, MAIN = 0, 1, 2  # purposes of the seed sequences (spawn_key's first entry)
_LOCK = threading.Lock()  # one particle at a time per process: NumPy's global state is shared by threads
_CURRENT = threading.local()


def _state(seed: int, *key: int, words: int = 4) -> np.ndarray:
    return np.random.SeedSequence(seed, spawn_key=key).generate_state(words)


@dataclass(frozen=True)
class Particle:
    """Candidate ``index`` of generation ``generation`` (-1: a calibration sample from the prior)
    of the calibration seeded ``seed``: where all its randomness comes from."""

    seed: int
    generation: int
    index: int

    def run_seeds(self, replicates: int) -> list[int]:
        """The seeds of its model runs, one per replicate."""
        return [int(_state(self.seed, RUNS, self.generation + 1, self.index, r, words=1)[0]) for r in range(replicates)]

    def proposal_state(self) -> np.ndarray:
        """The seed of NumPy's global state while pyabc draws its proposal."""
        return _state(self.seed, PROPOSAL, self.generation + 1, self.index)


def current_particle() -> Particle:
    """The particle this thread is evaluating (set by :func:`evaluate`)."""
    particle = getattr(_CURRENT, "particle", None)
    if particle is None:
        raise RuntimeError("a calibration model ran outside DeterministicSampler: its particle seed is unknown")
    return particle


class seeded_globals:
    """NumPy's and Python's global random states seeded from ``state`` while the block runs,
    restored after it (pyabc draws proposals from them)."""

    def __init__(self, state: np.ndarray):
        self.state = state

    def __enter__(self) -> None:
        self.saved = (np.random.get_state(), random.getstate())
        np.random.seed(self.state)
        random.seed(int(self.state[0]))

    def __exit__(self, *exc: Any) -> None:
        np.random.set_state(self.saved[0])
        random.setstate(self.saved[1])


def evaluate(simulate_one: Callable, particle: Particle) -> Any:
    """pyabc's ``simulate_one`` for one candidate: its proposal and runs from its own seeds."""
    with _LOCK, seeded_globals(particle.proposal_state()):
        _CURRENT.particle = particle
        try:
            return simulate_one()
        finally:
            _CURRENT.particle = None


def evaluate_batch(simulate_one: bytes, seed: int, generation: int, indices: list[int]) -> list[Any]:
    """Candidates ``indices`` of a generation (one task of a worker); ``simulate_one`` cloudpickled."""
    import cloudpickle

    function = cloudpickle.loads(simulate_one)
    return [evaluate(function, Particle(seed, generation, i)) for i in indices]


# ----------------------------------------------------------------------------- where tasks run


class InProcessMap:
    """Tasks one after another in this process (``--workers 1``)."""

    name = "in-process"
    slots = 1

    def map(self, function: Callable, tasks: list[tuple]) -> list[Any]:
        return [function(*task) for task in tasks]

    def close(self) -> None:
        pass


def _worker_start(parent: int) -> None:
    """A local worker ignores Ctrl-C (the calibration's to handle) and dies with its parent, even
    one killed with SIGKILL (sim.sweep.runner's rule for sweep workers)."""
    from sim.sweep.runner import _exit_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


class ProcessMap:
    """Tasks on ``workers`` local processes (fresh interpreters: "spawn")."""

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.slots = workers
        self.name = f"local processes ({workers} workers)"
        self.pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start, initargs=(os.getpid(),)
        )

    def map(self, function: Callable, tasks: list[tuple]) -> list[Any]:
        futures = [self.pool.submit(function, *task) for task in tasks]
        return [future.result() for future in futures]

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class DaskMap:
    """Tasks on a Dask cluster (``--scheduler``), connected with the sweep's deadline and
    one-line errors (``sim.sweep.runner.DaskCluster``); a task lost with its worker is retried."""

    def __init__(self, address: str):
        from sim.sweep.runner import DaskCluster

        self.cluster = DaskCluster(address)
        self.client = self.cluster.client
        self.name = self.cluster.name

    @property
    def slots(self) -> int:
        info = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))

    def map(self, function: Callable, tasks: list[tuple]) -> list[Any]:
        from sim.sweep.runner import MAX_ATTEMPTS

        shared = self.client.scatter(tasks[0][0], broadcast=True, hash=False) if tasks else None
        futures = [self.client.submit(function, shared, *task[1:], pure=False, retries=MAX_ATTEMPTS) for task in tasks]
        return self.client.gather(futures)

    def close(self) -> None:
        self.cluster.close()


def make_map(workers: int | None, scheduler: str | None):
    """Where particles are simulated, for ``--workers`` / ``--scheduler`` (default: all cores)."""
    from sim.sweep.runner import check_execution

    check_execution(workers, scheduler)
    if scheduler is not None:
        return DaskMap(scheduler)
    count = workers if workers is not None else (os.cpu_count() or 1)
    return InProcessMap() if count == 1 else ProcessMap(count)


def main_state(seed: int, generation: int) -> np.ndarray:
    """The seed of the global random states in the calibration's own process while it prepares
    and runs generation ``generation`` (pyabc's fitting between generations draws nothing today;
    this keeps it so should a future version draw)."""
    return _state(seed, MAIN, generation + 1)
