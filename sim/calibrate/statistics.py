"""Summary statistics of a calibration, and what one particle's simulation gives.

A :class:`Statistic` is one number the calibration compares with an observation: its name, its
observed value, its scale (the distance weighs ``(simulated - observed) / scale``) and a
``value(summary, model, meter)`` that reads it off one finished run. Two kinds: ``measure``, a key
of the run summary (``sim/outputs.py``, the output registry), and ``pattern``, a measure an
empirical pattern reads while the run goes (``sim.outputs.PATTERN_MEASURES``, e.g. the missing
share of infrastructure dues of pattern 6): its :meth:`Statistic.meter` is called after every step
and gives the value at the end. A statistic may be observed under a condition of its own, ``set``
(overrides on top of the calibration's ``[set]``: e.g. the audited arm of an experiment beside its
control arm); statistics under the same condition share runs, and every condition runs on the same
seeds (paired, as the arms of a pattern). Another kind plugs in by adding a reader to
:data:`STATISTIC_KINDS`: a function ``(name, table, scenario params, source) -> Statistic``.

:class:`ParticleModel` is what pyabc calls for a particle: the scenario with the particle's
parameters, run ``replicates`` times with the seeds :func:`sim.calibrate.sampler.particle_seeds`
gives this particle (one run per condition and seed), and each statistic averaged over the
replicates (NaN when a run has no value for it, e.g. no partnership ever ended; such a particle is
never accepted).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.scenario import ScenarioError
from sim.scenario.parameter import did_you_mean

STATISTIC_KEYS = ("measure", "observed", "scale", "set")
PATTERN_KEYS = ("pattern", "observed", "scale", "set")


@dataclass(frozen=True)
class Statistic:
    """One summary statistic: ``name`` (its key in the calibration file and the results),
    ``observed`` (the value the calibration fits), ``scale`` (> 0, in the statistic's unit: a
    difference of one scale counts 1 in the distance), ``measure`` (the run-summary key it reads),
    ``condition`` (overrides of the calibration's scenario under which it was observed, in the file's
    units; empty: the calibration's ``[set]`` alone)."""

    name: str
    observed: float
    scale: float
    measure: str
    condition: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def condition_key(self) -> str:
        """The condition as one string: statistics with the same key share runs."""
        return json.dumps(self.condition, sort_keys=True)

    def meter(self) -> Callable[[Any], None] | None:
        """What reads this statistic while a run goes (called with the model after every step),
        fresh for each run; None when the finished run's summary holds it."""
        return None

    def value(self, summary: dict[str, Any], model: Any = None, meter: Any = None) -> float:
        """The statistic of one finished run (its summary; NaN when the run has none)."""
        found = summary.get(self.measure)
        return math.nan if found is None else float(found)

    def describe(self) -> dict[str, Any]:
        return {"measure": self.measure, "observed": self.observed, "scale": self.scale, **self._set()}

    def _set(self) -> dict[str, Any]:
        return {"set": dict(self.condition)} if self.condition else {}


@dataclass(frozen=True)
class PatternStatistic(Statistic):
    """A statistic an empirical pattern reads while the run goes: ``measure`` is its key in
    ``sim.outputs.PATTERN_MEASURES``, whose meter watches every step of the run."""

    def meter(self) -> Callable[[Any], None]:
        from sim.outputs import pattern_meter

        return pattern_meter(self.measure)

    def value(self, summary: dict[str, Any], model: Any = None, meter: Any = None) -> float:
        """The meter's reading at the end of the run (NaN without one)."""
        return math.nan if meter is None else float(meter.value())

    def describe(self) -> dict[str, Any]:
        return {"pattern": self.measure, "observed": self.observed, "scale": self.scale, **self._set()}


def _number(table: dict, key: str, where: str, source: str, positive: bool = False) -> float:
    if key not in table:
        raise ScenarioError(f"{source}: {where}.{key}: missing (required key)")
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{source}: {where}.{key}: must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ScenarioError(f"{source}: {where}.{key}: must be > 0, got {value!r}")
    return float(value)


def measure_statistic(name: str, table: dict, params: dict, source: str) -> Statistic:
    """A statistic read off the run summary: ``measure`` (default: the entry's name) must be a
    numeric summary key of the scenario (the output registry)."""
    from sim.outputs import RUN_KEYS, scenario_summary_keys

    where = f"statistics.{name}"
    for key in table:
        if key not in STATISTIC_KEYS:
            raise ScenarioError(f"{source}: {where}.{key}: unknown key; allowed: {', '.join(STATISTIC_KEYS)}")
    measure = table.get("measure", name)
    keys = [k for k in scenario_summary_keys(params) if k not in RUN_KEYS]
    if measure not in keys:
        hint = did_you_mean(str(measure), keys)
        raise ScenarioError(
            f"{source}: {where}{'.measure' if 'measure' in table else ''}: {measure!r} is not a measure of a run "
            f"summary (see README, Outputs){hint}"
        )
    return Statistic(
        name, _number(table, "observed", where, source), _number(table, "scale", where, source, True), measure
    )


def pattern_statistic(name: str, table: dict, params: dict, source: str) -> Statistic:
    """A statistic an empirical pattern reads while the run goes: ``pattern`` must be a key of
    ``sim.outputs.PATTERN_MEASURES`` (e.g. ``infrastructure.missing_share``)."""
    from sim.outputs import PATTERN_MEASURES

    where = f"statistics.{name}"
    for key in table:
        if key not in PATTERN_KEYS:
            raise ScenarioError(f"{source}: {where}.{key}: unknown key; allowed: {', '.join(PATTERN_KEYS)}")
    pattern = table["pattern"]
    if pattern not in PATTERN_MEASURES:
        hint = did_you_mean(str(pattern), list(PATTERN_MEASURES))
        raise ScenarioError(
            f"{source}: {where}.pattern: {pattern!r} is not a pattern measure; known: "
            f"{', '.join(PATTERN_MEASURES)}{hint}"
        )
    return PatternStatistic(
        name, _number(table, "observed", where, source), _number(table, "scale", where, source, True), pattern
    )


# kind key in a [statistics.NAME] table -> its reader; "measure" is also the default kind
STATISTIC_KINDS: dict[str, Callable[[str, dict, dict, str], Statistic]] = {
    "measure": measure_statistic,
    "pattern": pattern_statistic,
}


class ParticleModel:
    """The model pyabc simulates: a particle's parameters -> its summary statistics.

    ``base``: the checked scenario with the calibration's [set]; ``statistics``: what to return;
    ``replicates``: runs per particle. The runs' seeds are the particle's (set by the sampler for
    the particle it evaluates, :func:`sim.calibrate.sampler.particle_seeds`), never global state."""

    def __init__(self, base: Any, statistics: list[Statistic], replicates: int):
        self.base = base
        self.statistics = list(statistics)
        self.replicates = replicates
        self.__name__ = "kerjasama"  # pyabc names the model after its callable

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        from sim.calibrate.sampler import current_particle

        seeds = current_particle().run_seeds(self.replicates)
        values = [self.simulate(dict(parameters), seed) for seed in seeds]
        return {s.name: float(sum(v[s.name] for v in values) / len(values)) for s in self.statistics}

    def simulate(self, overrides: dict[str, float], seed: int) -> dict[str, float]:
        """The statistics of the scenario with ``overrides`` (free parameters, in the file's units):
        one run with ``seed`` under each statistic's condition."""
        conditions: dict[str, list[Statistic]] = {}
        for s in self.statistics:
            conditions.setdefault(s.condition_key, []).append(s)
        free = {k: float(v) for k, v in overrides.items()}
        found: dict[str, float] = {}
        for group in conditions.values():
            found.update(self._run(group, {**group[0].condition, **free}, seed))
        return {s.name: found[s.name] for s in self.statistics}

    def _run(self, statistics: list[Statistic], overrides: dict[str, Any], seed: int) -> dict[str, float]:
        """One run of the scenario with ``overrides`` and ``seed``: the values of ``statistics``."""
        from sim.model import VillageModel
        from sim.scenario import check_scenario

        meters = {s.name: s.meter() for s in statistics}
        watching = [m for m in meters.values() if m is not None]

        def observe(model) -> None:
            for meter in watching:
                meter(model)

        model = VillageModel(check_scenario(self.base, overrides), rng=seed)
        model.run(observe if watching else None)
        summary = model.summary()
        return {s.name: s.value(summary, model, meters[s.name]) for s in statistics}


def synthetic_observations(
    base: Any, statistics: list[Statistic], truth: dict[str, float], seeds: list[int]
) -> dict[str, tuple[float, float]]:
    """Synthetic "observations" for a recovery check: each statistic's mean and standard deviation
    over runs of ``base`` with the known parameter values ``truth``, one run per seed."""
    import numpy as np

    model = ParticleModel(base, statistics, 1)
    runs = [model.simulate(truth, seed) for seed in seeds]
    return {
        s.name: (float(np.mean([r[s.name] for r in runs])), float(np.std([r[s.name] for r in runs])))
        for s in statistics
    }
