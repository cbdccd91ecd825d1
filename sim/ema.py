"""Kerjasama as a model of the EMA Workbench (exploratory modelling; Kwakkel 2017).

:func:`ema_model` turns a scenario into an ``ema_workbench.ReplicatorModel`` whose
uncertainties and levers are scenario keys and whose outcomes are run-summary measures,
so that a researcher's script is a few lines::

    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import prim
    from sim.ema import ema_model

    model = ema_model("default", uncertainties=["shocks.drought.severity", "behaviour.initial_trust"],
                      levers=["forms.formal.enforcement"], outcomes=["welfare.mean_utility"],
                      replications=3, steps=20, n_villages=60)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=30, policies=2)

Where the values come from:

* **Parameters** come from the scenario schema (``sim/scenario/schema.py``): a bare key
  takes its kind and its plausible range (the schema's ``sweep``, else its finite bounds;
  money in the scenario's own currency, as in its file); a number key is a
  ``RealParameter`` or an ``IntegerParameter``, a key with fixed choices a
  ``CategoricalParameter``, a yes/no key a ``BooleanParameter``. ``(key, low, high)``
  gives another range, ``(key, [values...])`` a set of categories. The schema still
  checks every sampled value when the run loads it.
* **Names**: EMA names must be Python identifiers, scenario keys are dotted
  (``forms.formal.enforcement``); :func:`ema_name` writes the dots as ``__``
  (``forms__formal__enforcement``) and :func:`scenario_key` reads them back. No scenario key
  contains ``__``, so the mapping is exact both ways.
* **Outcomes** are keys of the run summary (the output registry, ``sim/outputs.py``); a
  measure that is better higher is ``MAXIMIZE``, better lower ``MINIMIZE``, else ``INFO``.
  Each outcome is the mean over the replications; ``model.seeds`` remakes each of them.
* **Replications** get the seeds of a sweep's replicates (``replicate_seed(seed, r)``), so
  replication ``r`` faces the same villages and shocks in every experiment (common random
  numbers) and a run can be remade exactly: ``model.seeds`` lists them.

Needs the ``ema`` extra: ``pip install 'kerjasama[ema]'``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.scenario import ScenarioError, ScenarioWarning, load_scenario
from sim.scenario.parameter import did_you_mean
from sim.scenario.schema import parameter as declared_parameter

SEPARATOR = "__"  # what a dot of a scenario key becomes in an EMA name
EXTRA = "pip install 'kerjasama[ema]' (or pip install ema_workbench)"

ParameterSpec = str | tuple  # "key", (key, low, high) or (key, [categories])


def ema_name(key: str) -> str:
    """The EMA Workbench name of a scenario key: dots as ``__`` (a Python identifier)."""
    if SEPARATOR in key:
        raise ScenarioError(f"{key}: a scenario key has no {SEPARATOR!r}")
    name = key.replace(".", SEPARATOR)
    if not name.isidentifier():
        raise ScenarioError(f"{key}: not a scenario key (its EMA name {name!r} is not a Python identifier)")
    return name


def scenario_key(name: str) -> str:
    """The scenario key of an EMA name (the inverse of :func:`ema_name`)."""
    return name.replace(SEPARATOR, ".")


def workbench():
    """The ``ema_workbench`` module, or a one-line error naming the extra."""
    try:
        with warnings.catch_warnings():  # it warns at import about optional back ends (ipyparallel)
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise ScenarioError(f"the EMA Workbench connector needs the ema extra: {EXTRA}") from None
    return ema_workbench


@dataclass(frozen=True)
class Varied:
    """One scenario key the EMA Workbench varies: its kind and its range or categories."""

    key: str
    kind: str  # "real", "integer", "categorical" or "boolean"
    low: float | None = None
    high: float | None = None
    categories: tuple = ()

    def ema_parameter(self):
        """The ``ema_workbench`` parameter (uncertainty or lever) of this key."""
        ema, name = workbench(), ema_name(self.key)
        if self.kind == "real":
            return ema.RealParameter(name, self.low, self.high)
        if self.kind == "integer":
            return ema.IntegerParameter(name, int(self.low), int(self.high))
        if self.kind == "boolean":
            return ema.BooleanParameter(name)
        return ema.CategoricalParameter(name, list(self.categories))


def varied(spec: ParameterSpec, scenario) -> Varied:
    """What one uncertainty or lever given as ``spec`` means for ``scenario`` (loaded)."""
    key, rest = (spec, ()) if isinstance(spec, str) else (spec[0], tuple(spec[1:]))
    if not isinstance(key, str):
        raise ScenarioError(f"{spec!r}: an uncertainty or lever is a scenario key, (key, low, high) or (key, [values])")
    declared = declared_parameter(key)
    try:
        current = scenario.get(key)
    except (KeyError, IndexError, ValueError):
        current = None
    if declared is None or current is None:
        from sim.scenario.schema import PARAMETERS

        raise ScenarioError(f"{key}: not a key of scenario {scenario.name!r}{did_you_mean(key, PARAMETERS)}")
    if declared.kind is bool:
        return Varied(key, "boolean")
    if declared.kind is str or rest and isinstance(rest[0], (list, tuple)):
        categories = tuple(rest[0]) if rest else tuple(declared.choices or ())
        if not categories:
            raise ScenarioError(f"{key}: free text; give its categories: ({key!r}, [value, ...])")
        return Varied(key, "categorical", categories=categories)
    if declared.kind not in (int, float):
        raise ScenarioError(
            f"{key}: a {declared.kind.__name__} value cannot be varied; vary a number, a choice or a yes/no key"
        )
    if rest:
        if (
            len(rest) != 2
            or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in rest)
            or rest[0] >= rest[1]
        ):
            raise ScenarioError(f"{key}: give (key, low, high) with low < high, got {spec!r}")
        low, high = float(rest[0]), float(rest[1])
    else:
        found = declared.sweep_range_in(scenario.params["economy"]["poverty_line"])
        if found is None:
            raise ScenarioError(f"{key}: the schema declares no range for it: give ({key!r}, low, high)")
        low, high = found
    return Varied(key, "integer" if declared.kind is int else "real", low, high)


class _Run:
    """The function the Workbench calls once per replication: scenario values in, outcomes
    out (a top-level class, so a multiprocessing evaluator can send it to its workers)."""

    def __init__(self, scenario, outcomes: list[str], fixed: dict[str, Any]):
        self.scenario, self.outcomes, self.fixed = scenario, outcomes, fixed

    def __call__(self, seed: int, **values: Any) -> dict[str, float]:
        from sim.model import VillageModel

        overrides = {scenario_key(name): _plain(value) for name, value in values.items()}
        with warnings.catch_warnings():  # said once, by ema_model, not once per run
            warnings.simplefilter("ignore", ScenarioWarning)
            model = VillageModel(self.scenario, rng=int(seed), **self.fixed, **overrides)
        model.run()
        summary = model.summary()
        return {ema_name(key): _number(summary[key]) for key in self.outcomes}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value a scenario holds."""
    return value.item() if hasattr(value, "item") else value


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def ema_model(
    scenario: str = "default",
    uncertainties: Sequence[ParameterSpec] = (),
    levers: Sequence[ParameterSpec] = (),
    outcomes: Sequence[str] = ("welfare.mean_utility",),
    *,
    replications: int = 3,
    seed: int = 0,
    steps: int | None = None,
    n_villages: int | None = None,
    overrides: dict[str, Any] | None = None,
    name: str = "kerjasama",
):
    """An EMA Workbench ``ReplicatorModel`` of ``scenario`` (a name or a file).

    ``uncertainties`` and ``levers``: scenario keys (see the module's docstring for the
    range each takes); ``outcomes``: run-summary keys; ``replications``: runs per
    experiment, replication ``r`` with seed ``replicate_seed(seed, r)`` (``model.seeds``);
    ``steps``, ``n_villages`` and ``overrides``: fixed for every run. Bad keys, ranges or
    outcomes raise :class:`~sim.scenario.ScenarioError` with one line.
    """
    from sim.outputs import measure_info, scenario_summary_keys
    from sim.sweep.experiment import replicate_seed

    ema = workbench()
    fixed = {
        **({"steps": steps} if steps is not None else {}),
        **({"n_villages": n_villages} if n_villages is not None else {}),
        **(overrides or {}),
    }
    loaded = load_scenario(scenario, fixed)
    specs = [varied(s, loaded) for s in uncertainties], [varied(s, loaded) for s in levers]
    keys = [v.key for v in (*specs[0], *specs[1])]
    if len(set(keys)) != len(keys):
        raise ScenarioError(f"a key is both an uncertainty and a lever, or given twice: {sorted(keys)}")
    known = scenario_summary_keys(loaded.params)
    for key in outcomes:
        if key not in known:
            raise ScenarioError(f"{key}: not a run-summary measure{did_you_mean(key, known)}")
    if not isinstance(replications, int) or replications < 1:
        raise ScenarioError(f"replications: a whole number >= 1, got {replications!r}")
    model = ema.ReplicatorModel(name, function=_Run(load_scenario(scenario), list(outcomes), fixed))
    model.uncertainties = [v.ema_parameter() for v in specs[0]]
    model.levers = [v.ema_parameter() for v in specs[1]]
    model.outcomes = [_outcome(ema, key, measure_info(key)) for key in outcomes]
    model.seeds = [replicate_seed(seed, r) for r in range(replications)]
    model.replications = [{"seed": s} for s in model.seeds]
    return model


def _outcome(ema, key: str, info):
    import numpy as np

    kind = {"higher": ema.ScalarOutcome.MAXIMIZE, "lower": ema.ScalarOutcome.MINIMIZE}.get(
        info.better if info else None, ema.ScalarOutcome.INFO
    )
    return ema.ScalarOutcome(ema_name(key), kind=kind, function=np.mean)


def as_scenario_keys(frame):
    """A Workbench table (experiments or outcomes) with its columns named by scenario key."""
    return frame.rename(columns={c: scenario_key(c) for c in frame.columns if SEPARATOR in c})
