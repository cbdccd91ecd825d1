"""The ABC-SMC of a calibration, built from pyabc's parts (this module imports pyabc).

* :class:`DeterministicSampler`: the sampler of ``sim.calibrate.sampler`` as pyabc's ``Sampler``;
* :class:`QuantileSchedule`: each generation's epsilon is a weighted quantile of the previous
  generation's distances, recomputed from ``history.db`` at the start of every generation
  (pyabc's ``QuantileEpsilon`` with a number as its first epsilon forgets the schedule when a
  run is loaded again, and would restart at that number); generation 0 accepts every prior draw;
* :func:`build_abc`: the ``pyabc.ABCSMC`` of a calibration (uniform priors, weighted p-norm
  distance of (simulated - observed) / scale, uniform acceptance).

Every generation is run by a fresh ``ABCSMC`` loaded from ``history.db`` (``sim.calibrate.run``),
so a calibration run straight through and one resumed after ``kill -9`` take the same path.
"""

from __future__ import annotations

import math

import numpy as np
import pyabc
from pyabc.epsilon import QuantileEpsilon
from pyabc.sampler import Sampler

from sim.calibrate.file import Calibration
from sim.calibrate.sampler import evaluate_batch
from sim.calibrate.statistics import ParticleModel


class DeterministicSampler(Sampler):
    """Candidates evaluated in index order, in rounds on ``mapper`` (``sim.calibrate.sampler``:
    InProcessMap, ProcessMap, DaskMap); the first ``n`` accepted in index order form the
    generation. ``seed``: the calibration's seed, from which every candidate's seeds come."""

    def __init__(self, mapper, seed: int):
        super().__init__()
        self.mapper, self.seed = mapper, seed
        self.acceptance = 1.0  # of the last generation sampled: sizes the first round of the next

    def _round(self, wanted: int, start: int, limit: float) -> list[list[int]]:
        """The candidate indices of the next round, split into tasks (about four per slot)."""
        size = int(min(max(wanted, 2 * self.mapper.slots), limit - start))
        per_task = max(1, math.ceil(size / (4 * self.mapper.slots)))
        return [list(range(i, min(i + per_task, start + size))) for i in range(start, start + size, per_task)]

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        import cloudpickle

        pickled = cloudpickle.dumps(simulate_one)
        limit = int(max_eval) if math.isfinite(max_eval) else math.inf
        accepted: list[int] = []
        evaluated: list = []
        while len(accepted) < n and len(evaluated) < limit:
            wanted = math.ceil((n - len(accepted)) / max(self.acceptance, 1e-3) * 1.2)
            tasks = [(pickled, self.seed, t, chunk) for chunk in self._round(wanted, len(evaluated), limit)]
            for batch in self.mapper.map(evaluate_batch, tasks):
                evaluated.extend(batch)
            accepted = [i for i, particle in enumerate(evaluated) if particle.accepted]
            self.acceptance = max(len(accepted), 1) / len(evaluated)
        last = accepted[n - 1] if len(accepted) >= n else len(evaluated) - 1
        sample = self._create_empty_sample()
        for particle in evaluated[: last + 1]:
            sample.append(particle)
        sample.ok = len(accepted) >= n
        self.nr_evaluations_ = last + 1  # whatever the rounds: the index of the n-th acceptance + 1
        self.acceptance = min(n, len(accepted)) / (last + 1)
        return sample


class QuantileSchedule(QuantileEpsilon):
    """Epsilon of generation t > 0: the ``alpha`` weighted quantile of generation t - 1's
    distances (read from the history when a run is loaded); generation 0: infinity."""

    def __init__(self, alpha: float):
        super().__init__(initial_epsilon=math.inf, alpha=alpha)

    def requires_calibration(self) -> bool:
        return False  # no extra sample from the prior: generation 0 is that sample

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
        if t > 0:
            self._update(t, get_weighted_distances())


def build_abc(calibration: Calibration, sampler: Sampler) -> pyabc.ABCSMC:
    """The ABCSMC of ``calibration`` on ``sampler`` (not yet bound to a history)."""
    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", p.low, p.width) for p in calibration.parameters})
    weights = {s.name: 1.0 / s.scale for s in calibration.statistics}
    return pyabc.ABCSMC(
        models=ParticleModel(calibration.base, calibration.statistics, calibration.replicates),
        parameter_priors=prior,
        distance_function=pyabc.PNormDistance(p=calibration.p_norm, fixed_weights=weights),
        population_size=calibration.population,
        sampler=sampler,
        eps=QuantileSchedule(calibration.epsilon_quantile),
    )


def observed(calibration: Calibration) -> dict[str, float]:
    """The observed summary statistics, as pyabc stores them in the history."""
    return {s.name: s.observed for s in calibration.statistics}
