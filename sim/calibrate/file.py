"""A calibration file (``calibrations/*.toml``, docs/calibration.md): read, check, apply [quick].

A calibration file names a scenario (and fixed overrides of it, ``[set]``), the free parameters
with their priors (``[parameters]``: uniform on the schema's range unless bounds are given), the
summary statistics with their observed values and scales (``[statistics]``), and the ABC-SMC
settings (population, generations and/or minimum epsilon, distance, seed, replicates). Every
problem a person can fix is one line naming the file and the key (``ScenarioError``: exit 2).
Checking a file imports neither pyabc nor Mesa.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.calibrate.statistics import STATISTIC_KINDS, Statistic
from sim.scenario import ScenarioError, check_scenario, read_toml
from sim.scenario.files import CALIBRATION_DIR
from sim.scenario.parameter import did_you_mean
from sim.scenario.schema import parameter

DISTANCES = {"euclidean": 2.0, "manhattan": 1.0, "chebyshev": math.inf}  # name -> p of the weighted p-norm
PRIORS = ("uniform",)
# what the [statistics]' observed values are: figures measured in the world, or made by the model
# itself (a recovery check); reports of sweeps that draw from the posterior say which
OBSERVATIONS = ("real", "synthetic")
# key -> (type, required); a [quick] table may replace the keys of QUICK_KEYS (and add to [set])
TOP_KEYS: dict[str, type] = {
    "name": str,
    "description": str,
    "observations": str,
    "scenario": str,
    "seed": int,
    "population": int,
    "generations": int,
    "min_epsilon": float,
    "min_acceptance_rate": float,
    "epsilon_quantile": float,
    "distance": str,
    "replicates": int,
    "set": dict,
    "parameters": dict,
    "statistics": dict,
    "quick": dict,
}
REQUIRED = ("scenario", "seed", "population", "parameters", "statistics")
QUICK_KEYS = (
    "population",
    "generations",
    "min_epsilon",
    "min_acceptance_rate",
    "epsilon_quantile",
    "replicates",
    "seed",
    "set",
)
PARAMETER_KEYS = ("prior", "low", "high")
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")  # a calibration's name names its results folder


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the calibration estimates: its dotted scenario key and its uniform prior
    ``[low, high]``, in the scenario file's own units (money in its currency, as ``--set``)."""

    key: str
    low: float
    high: float
    prior: str = "uniform"

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass
class Calibration:
    """A checked calibration file (its [quick] table applied when ``quick``).

    ``scenario``: the scenario file's path; ``common``: its ``[set]`` overrides (every run);
    ``base``: the scenario checked with them (``CheckedScenario``); ``generations``: the most
    generations (None: until ``min_epsilon``); ``min_epsilon``: stop once a generation's
    epsilon is at most this; ``min_acceptance_rate``: a generation that would need more than
    ``population / min_acceptance_rate`` simulations stops the calibration; ``replicates``:
    runs per particle, their statistics averaged; ``distance``: the weighted p-norm
    (``DISTANCES``) of (simulated - observed) / scale; ``epsilon_quantile``: each generation's
    epsilon is this weighted quantile of the previous generation's distances; ``observations``:
    ``"real"`` or ``"synthetic"`` (``OBSERVATIONS``), what the observed values are (None: the file
    does not say)."""

    name: str
    description: str
    scenario: str
    seed: int
    population: int
    generations: int | None
    min_epsilon: float
    min_acceptance_rate: float
    epsilon_quantile: float
    distance: str
    replicates: int
    common: dict[str, Any]
    observations: str | None
    parameters: list[FreeParameter]
    statistics: list[Statistic]
    base: Any = None
    source: str = ""
    text: str = ""
    sha256: str = ""
    quick: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def p_norm(self) -> float:
        return DISTANCES[self.distance]

    def describe(self) -> dict[str, Any]:
        """The settings as a manifest records them."""
        return {
            "name": self.name,
            "description": self.description,
            "observations": self.observations,
            "scenario": self.base.name,
            "seed": self.seed,
            "population": self.population,
            "generations": self.generations,
            "min_epsilon": self.min_epsilon,
            "min_acceptance_rate": self.min_acceptance_rate,
            "epsilon_quantile": self.epsilon_quantile,
            "distance": self.distance,
            "replicates": self.replicates,
            "set": self.common,
            "parameters": {p.key: {"prior": p.prior, "low": p.low, "high": p.high} for p in self.parameters},
            "statistics": {s.name: s.describe() for s in self.statistics},
        }


def _fail(source: str, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {message}")


def calibration_path(name_or_path: str | Path) -> Path:
    """Resolve a calibration name (``"default_synthetic"``) or a path to an existing file."""
    text = str(name_or_path)
    for candidate in (Path(text), CALIBRATION_DIR / text, CALIBRATION_DIR / f"{text}.toml"):
        if candidate.is_file():
            return candidate.resolve()
    names = sorted(p.stem for p in CALIBRATION_DIR.glob("*.toml"))
    hint = did_you_mean(text.removesuffix(".toml"), names)
    raise ScenarioError(f"{text}: no such calibration file or name; available: {', '.join(names)}{hint}")


def _typed(data: dict, key: str, kind: type, source: str, where: str | None = None) -> Any:
    """``data[key]`` checked to be of ``kind`` (an integral float is an int; an int is a float)."""
    value = data[key]
    where = where or key
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        name = {dict: "a table", str: "a string", int: "a whole number", float: "a number"}[kind]
        raise _fail(source, where, f"must be {name}, got {value!r}")
    return value


def load_calibration(name_or_path: str | Path, quick: bool = False) -> Calibration:
    """Read and check a calibration file; ``quick`` applies its [quick] table (which is checked
    either way)."""
    path = calibration_path(name_or_path)
    source = str(path)
    data = read_toml(path)  # an unreadable file or malformed TOML: one line
    text = path.read_text(encoding="utf-8")
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(source, key, f"unknown key; allowed: {', '.join(TOP_KEYS)}{did_you_mean(key, TOP_KEYS)}")
        data[key] = _typed(data, key, TOP_KEYS[key], source)
    for key in REQUIRED:
        if key not in data:
            raise _fail(source, key, "missing (required key)")
    quick_table = data.pop("quick", {})
    for key in quick_table:
        if key not in QUICK_KEYS:
            allowed = ", ".join(QUICK_KEYS)
            raise _fail(source, f"quick.{key}", f"unknown key; allowed: {allowed}{did_you_mean(key, QUICK_KEYS)}")
        quick_table[key] = _typed(quick_table, key, TOP_KEYS[key], source, f"quick.{key}")
    if quick_table and not quick:
        load_calibration(path, quick=True)  # a [quick] table is checked even when not used
    if quick:
        common = {**data.get("set", {}), **quick_table.pop("set", {})}
        data.update(quick_table, set=common)
    calibration = _checked(data, source, quick)
    calibration.text = text
    calibration.sha256 = hashlib.sha256(text.encode()).hexdigest()
    return calibration


def _checked(data: dict, source: str, quick: bool) -> Calibration:
    name = data.get("name", Path(source).stem)
    if not NAME.fullmatch(name):
        raise _fail(source, "name", f"{name!r} must be letters, digits, '-', '_' or '.' (it names the results folder)")
    distance = data.get("distance", "euclidean")
    if distance not in DISTANCES:
        raise _fail(
            source, "distance", f"{distance!r}; allowed: {', '.join(DISTANCES)}{did_you_mean(distance, DISTANCES)}"
        )
    observations = data.get("observations")
    if observations is not None and observations not in OBSERVATIONS:
        raise _fail(source, "observations", f"{observations!r}; allowed: {', '.join(OBSERVATIONS)}")
    calibration = Calibration(
        name=name,
        description=data.get("description", ""),
        scenario=str(data["scenario"]),
        seed=_bounded(data, "seed", 0, None, source),
        population=_bounded(data, "population", 2, None, source),
        generations=_bounded(data, "generations", 1, None, source) if "generations" in data else None,
        min_epsilon=_bounded(data, "min_epsilon", 0.0, None, source) if "min_epsilon" in data else 0.0,
        min_acceptance_rate=_bounded(data, "min_acceptance_rate", 0.0, 1.0, source, 0.01),
        epsilon_quantile=_bounded(data, "epsilon_quantile", 1e-9, 1.0, source, 0.5),
        distance=distance,
        replicates=_bounded(data, "replicates", 1, None, source, 1),
        common=dict(data.get("set", {})),
        observations=observations,
        parameters=[],
        statistics=[],
        source=source,
        quick=quick,
    )
    if calibration.generations is None and "min_epsilon" not in data:
        raise _fail(source, "generations", "missing: give generations, min_epsilon, or both (when to stop)")
    calibration.base = _base_scenario(calibration, source)
    calibration.parameters = [
        _free_parameter(calibration, key, spec, source) for key, spec in data["parameters"].items()
    ]
    if not calibration.parameters:
        raise _fail(source, "parameters", "empty: name at least one free parameter")
    calibration.statistics = [_statistic(calibration, n, spec, source) for n, spec in data["statistics"].items()]
    if not calibration.statistics:
        raise _fail(source, "statistics", "empty: name at least one summary statistic")
    return calibration


def _bounded(data: dict, key: str, lo, hi, source: str, default=None):
    """``data[key]`` (or ``default``) checked to lie in [lo, hi] (hi None: unbounded)."""
    value = data.get(key, default)
    if value < lo or (hi is not None and value > hi) or (isinstance(value, float) and not math.isfinite(value)):
        shown = f"[{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"
        raise _fail(source, key, f"must be a number {shown}, got {value!r}")
    return value


def _base_scenario(calibration: Calibration, source: str):
    """The scenario with the file's [set]: one line naming ``set.KEY`` (or ``scenario``) when it is bad."""
    try:
        check_scenario(calibration.scenario)
    except ScenarioError as exc:
        raise _fail(source, "scenario", str(exc)) from None
    return _checked_overrides(calibration.scenario, {}, calibration.common, source, "set")


def _checked_overrides(scenario: str, fixed: dict[str, Any], overrides: dict[str, Any], source: str, where: str):
    """The scenario checked with ``fixed`` and then ``overrides``; when that fails, one line naming
    ``WHERE.KEY``, the first key of ``overrides`` that is bad on its own (beside ``fixed``), or
    ``WHERE`` when only their combination is."""
    from sim.sweep.design import _validate_overrides

    try:
        return check_scenario(scenario, {**fixed, **overrides})
    except ScenarioError:
        with warnings.catch_warnings():  # each key alone, to name the bad one (a horizon cut alone warns)
            warnings.simplefilter("ignore")
            for key, value in overrides.items():
                _validate_overrides(scenario, {**fixed, key: value}, source, f"{where}.{key}")
        _validate_overrides(scenario, {**fixed, **overrides}, source, where)
        raise


def _free_parameter(calibration: Calibration, key: str, spec: Any, source: str) -> FreeParameter:
    """One entry of [parameters]: ``KEY = {}`` (uniform on the schema's range), ``KEY = [low, high]``
    or ``KEY = { prior = "uniform", low = ..., high = ... }``."""
    from sim.sweep.design import _validate_overrides

    where = f"parameters.{key}"
    declared = parameter(key)
    if declared is None:
        _validate_overrides(calibration.scenario, {key: 0.0}, source, where)  # the scenario's "unknown key"
        raise _fail(source, where, "not a scenario parameter")
    if declared.kind is not float:
        raise _fail(source, where, f"is a {declared.kind.__name__} parameter; only real-valued parameters can be free")
    if key in calibration.common:
        raise _fail(source, where, "is also fixed in [set]; a parameter is either free or fixed")
    if isinstance(spec, list):
        spec = dict(zip(("low", "high"), spec, strict=False)) if len(spec) == 2 else {"low": spec}
    if not isinstance(spec, dict):
        raise _fail(source, where, f"must be a table {{ low = ..., high = ... }} or [low, high], got {spec!r}")
    for name in spec:
        if name not in PARAMETER_KEYS:
            raise _fail(source, f"{where}.{name}", f"unknown key; allowed: {', '.join(PARAMETER_KEYS)}")
    prior = spec.get("prior", "uniform")
    if prior not in PRIORS:
        raise _fail(source, f"{where}.prior", f"{prior!r}; allowed: {', '.join(PRIORS)}")
    line = calibration.base.params["economy"]["poverty_line"] if declared.money else 1.0
    default = declared.sweep_range_in(line)
    bounds = []
    for end, fallback in zip(("low", "high"), default or (None, None), strict=True):
        if end not in spec:
            if fallback is None:
                raise _fail(
                    source, f"{where}.{end}", "missing: the schema declares no finite range for it: give low and high"
                )
            bounds.append(float(fallback))
            continue
        value = _typed(spec, end, float, source, f"{where}.{end}")
        _validate_overrides(calibration.scenario, {**calibration.common, key: value}, source, f"{where}.{end}")
        bounds.append(value)
    if not bounds[0] < bounds[1]:
        raise _fail(source, where, f"low must be below high, got [{bounds[0]:g}, {bounds[1]:g}]")
    return FreeParameter(key, bounds[0], bounds[1], prior)


def _statistic(calibration: Calibration, name: str, spec: Any, source: str) -> Statistic:
    """One entry of [statistics]: a table whose kind key (``measure``: a run-summary key, the
    default, named by the entry's name) says where the value comes from; see STATISTIC_KINDS."""
    where = f"statistics.{name}"
    if not isinstance(spec, dict):
        raise _fail(source, where, f"must be a table {{ observed = ..., scale = ... }}, got {spec!r}")
    kinds = [kind for kind in STATISTIC_KINDS if kind in spec] or ["measure"]
    if len(kinds) > 1:
        raise _fail(source, where, f"give one of {', '.join(STATISTIC_KINDS)}, not {' and '.join(kinds)}")
    statistic = STATISTIC_KINDS[kinds[0]](name, dict(spec), calibration.base.params, source)
    condition = _condition(calibration, spec.get("set", {}), source, f"{where}.set")
    return dataclasses.replace(statistic, condition=condition) if condition else statistic


def _condition(calibration: Calibration, condition: Any, source: str, where: str) -> dict[str, Any]:
    """A statistic's own ``set``: overrides on top of the file's [set] under which it was observed,
    checked like [set] (each key named ``statistics.NAME.set.KEY`` when bad); never a free parameter."""
    if not isinstance(condition, dict):
        raise _fail(source, where, f"must be a table of overrides {{ KEY = value, ... }}, got {condition!r}")
    free = {p.key for p in calibration.parameters}
    for key in condition:
        if key in free:
            raise _fail(source, f"{where}.{key}", "is a free parameter; a parameter is either free or set")
    _checked_overrides(calibration.scenario, calibration.common, condition, source, where)
    return dict(condition)
