"""Experiment designs: what varies, turned into a list of run specifications.

An experiment file (``experiments/*.toml``, see docs/experiments.md) names a base
scenario and what to vary on top of it: explicit arms (crossed with optional
conditions), a full-factorial grid, or a sampled design over ranges (Latin
hypercube, Sobol, Morris; SALib). :func:`load_experiment` reads, validates and expands
it into an :class:`~sim.sweep.experiment.Experiment` (its points and runs: ``experiment.py``).
Each design point is run for every replicate; replicate ``r`` gets the same seed in
every point (common random numbers).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError, available_scenarios, check_scenario, read_toml, scenario_path
from sim.scenario.files import EXPERIMENT_DIR, experiment_path, is_classic_game, refuse_scenario_file
from sim.scenario.parameter import did_you_mean
from sim.sweep.experiment import (
    DISTRIBUTIONS,
    Experiment,
    RunSpec,
    expected_points,
    posterior_draws,
    quantile,
    replicate_seed,
    sample_design,
    sampled_value,
    sizes,
)

DESIGNS = ("arms", "grid", "lhs", "sobol", "morris", "robustness")
TOP_KEYS = {
    "name": str,
    "description": str,
    "scenario": str,
    "design": str,
    "replicates": int,
    "seed": int,
    "steps": int,
    "metrics": list,
    "reference": str,
    "objective": str,
    "explained_by": str,
    "robustness_by": str,
    "posterior": str,
    "samples": int,
    "calc_second_order": bool,
    "num_levels": int,
    "set": dict,
    "arms": list,
    "conditions": list,
    "factors": dict,
    "ranges": dict,
    "quick": dict,
}
REQUIRED = ("name", "scenario", "design", "seed")
POSTERIOR_DESIGNS = ("arms", "grid")  # designs whose replicates may draw their parameters from a posterior
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")  # an experiment's name names its results folder


def _fail(source: str, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {message}")


def _check_type(data: dict, key: str, kind: type, source: str) -> None:
    value = data[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is int and isinstance(value, float) and value.is_integer():
        data[key] = int(value)
        ok = True
    if not ok:
        raise _fail(source, key, f"must be {kind.__name__}, got {value!r}")


def _labelled(entries: Any, key: str, source: str) -> list[dict[str, Any]]:
    """Arms or conditions: a list of tables with a unique name, a label and a `set` table."""
    if not isinstance(entries, list):
        raise _fail(source, key, "must be a list of tables ([[" + key + "]])")
    out, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"{key}.{i}"
        if not isinstance(entry, dict):
            raise _fail(source, where, "must be a table")
        allowed = ("name", "label", "set", "compare_with") if key == "arms" else ("name", "label", "set")
        unknown = set(entry) - set(allowed)
        if unknown:
            raise _fail(source, f"{where}.{sorted(unknown)[0]}", f"unknown key; allowed: {', '.join(allowed)}")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(source, f"{where}.name", "required: a non-empty string")
        if name in seen:
            raise _fail(source, f"{where}.name", f"duplicate name {name!r}")
        seen.add(name)
        overrides = entry.get("set", {})
        if not isinstance(overrides, dict):
            raise _fail(source, f"{where}.set", "must be a table of dotted scenario keys")
        label = entry.get("label", name)
        if not isinstance(label, str):
            raise _fail(source, f"{where}.label", f"must be a string, got {label!r}")
        item = {"name": name, "label": label, "set": dict(overrides)}
        if "compare_with" in entry:
            item["compare_with"] = entry["compare_with"]
        out.append(item)
    for i, item in enumerate(out):  # an arm may also be compared with the arm it changes one thing of
        other = item.get("compare_with")
        if other is not None and (not isinstance(other, str) or other not in seen or other == item["name"]):
            names = ", ".join(sorted(seen - {item["name"]}))
            raise _fail(source, f"{key}.{i}.compare_with", f"must name another arm ({names}), got {other!r}")
    return out


def _validate_overrides(base: str, overrides: dict[str, Any], source: str, where: str) -> None:
    """Check overrides against the base scenario; errors name the experiment file and key."""
    try:
        check_scenario(base, overrides)
    except ScenarioError as exc:
        text = str(exc).removeprefix("override: ")
        key, _, rest = text.partition(": ")
        if where.endswith(f".{key}") or key == f"run.{where}":  # factors.KEY, ranges.KEY, steps: the key once
            text = rest
        raise ScenarioError(f"{source}: {where}: {text}") from None


def _is_experiment_file(path: str) -> bool:
    """Whether the file at ``path`` reads as an experiment (it names a design), not a scenario."""
    return "design" in read_toml(Path(path))


def _integer_keys(base: str, keys: list[str]) -> set[str]:
    scenario = check_scenario(base)
    out = set()
    for key in keys:
        try:
            value = scenario.get(key)
        except (KeyError, IndexError, ValueError):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            out.add(key)
    return out


def load_experiment(name_or_path: str | Path, quick: bool = False) -> Experiment:
    """Read, validate and expand an experiment file (``quick`` applies its [quick] table)."""
    path = experiment_path(name_or_path)
    source = str(path)
    data = read_toml(path)  # first: it turns an unreadable or non-UTF-8 file into one line
    text = path.read_text(encoding="utf-8")
    refuse_scenario_file(data, path, TOP_KEYS)
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(source, key, f"unknown key; allowed: {', '.join(TOP_KEYS)}{did_you_mean(key, TOP_KEYS)}")
    for key in REQUIRED:
        if key not in data:
            raise _fail(source, key, "missing (required key)")
    quick_table = data.pop("quick", {})
    if not isinstance(quick_table, dict):
        raise _fail(source, "quick", "must be a table")
    if quick:
        _apply_quick(data, quick_table, source)
    try:
        exp = _checked(data, source, text, quick)
    except ScenarioError as exc:
        raise _named_in_quick(exc, source, quick_table if quick else {}) from None
    if quick_table and not quick:
        load_experiment(path, quick=True)  # a [quick] table is checked even when not used
    return exp


def _checked(data: dict, source: str, text: str, quick: bool) -> Experiment:
    """The experiment of a file's tree (its [quick] table already applied), checked and expanded."""
    for key, kind in TOP_KEYS.items():
        if key in data:
            _check_type(data, key, kind, source)
    exp = _experiment(data, source, text, quick)
    _expand(exp, data, source)
    if "posterior" in data:
        _posterior(exp, data["posterior"], source)
    _validate_points(exp, exp.scenario, source)
    _validate_metrics(exp, source)
    return exp


def _named_in_quick(error: ScenarioError, source: str, quick_table: dict) -> ScenarioError:
    """The error to show for a value that the [quick] table gave: named ``quick.KEY`` (or
    ``quick.set``), where the file says it; else ``error``."""
    text = str(error)
    for key in quick_table:
        heads = [f"{source}: set: {k}:" for k in quick_table[key]] if key == "set" else [f"{source}: {key}:"]
        if key != "set":
            heads.append(f"{source}: {key}.")
        if any(text.startswith(head) for head in heads):
            return ScenarioError(f"{source}: quick.{text[len(source) + 2 :]}")
    return error


def _apply_quick(data: dict, quick_table: dict, source: str) -> None:
    """The [quick] table's values replace the file's; its ``set`` adds to (and overrides) the file's."""
    allowed = [k for k in TOP_KEYS if k not in ("quick", "name")]
    for key, value in quick_table.items():
        if key not in allowed:
            raise _fail(
                source, f"quick.{key}", f"unknown key; allowed: {', '.join(allowed)}{did_you_mean(key, allowed)}"
            )
        if key == "set":
            if not isinstance(value, dict):
                raise _fail(source, "quick.set", "must be a table")
            data["set"] = {**data.get("set", {}), **value}
        else:
            data[key] = value


def _experiment(data: dict, source: str, text: str, quick: bool) -> Experiment:
    """The experiment's settings, checked (the base scenario and the common overrides too), before its points."""
    design = data["design"]
    if not NAME.fullmatch(data["name"]):
        raise _fail(source, "name", f"must be a folder name (letters, digits, _ - .), got {data['name']!r}")
    if design not in DESIGNS:
        raise _fail(source, "design", f"{design!r} is not allowed; allowed: one of {', '.join(DESIGNS)}")
    if "explained_by" in data and design != "arms":
        raise _fail(source, "explained_by", f"not used by design {design!r} (only arms are decomposed)")
    if "explained_by" in data and not NAME.fullmatch(data["explained_by"]):
        raise _fail(
            source, "explained_by", f"must name an experiment (letters, digits, _ - .), got {data['explained_by']!r}"
        )
    if "robustness_by" in data and design != "arms":
        raise _fail(source, "robustness_by", f"not used by design {design!r} (only an arms report reads it)")
    if "robustness_by" in data and not NAME.fullmatch(data["robustness_by"]):
        raise _fail(
            source, "robustness_by", f"must name an experiment (letters, digits, _ - .), got {data['robustness_by']!r}"
        )
    if "reference" in data and design not in ("arms", "robustness"):
        raise _fail(
            source, "reference", f"not used by design {design!r} (only arms and policies are compared with a reference)"
        )
    if "posterior" in data and design not in POSTERIOR_DESIGNS:
        raise _fail(
            source,
            "posterior",
            f"not used by design {design!r} (a sampled design varies its parameters itself; only "
            f"{' and '.join(POSTERIOR_DESIGNS)} designs draw them from a posterior, one set per replicate)",
        )
    if "objective" in data and design != "robustness":
        raise _fail(source, "objective", f"not used by design {design!r} (only a robustness design computes regret)")
    try:
        base = str(scenario_path(data["scenario"]))
    except ScenarioError:
        hint = did_you_mean(data["scenario"].removesuffix(".toml"), available_scenarios())
        raise _fail(source, "scenario", f"no scenario named {data['scenario']!r}{hint}") from None
    if _is_experiment_file(base):
        raise _fail(
            source,
            "scenario",
            f"{data['scenario']!r} is an experiment file, not a scenario (run it with `kerjasama sweep`): name a "
            f"scenario, one of {', '.join(n for n in available_scenarios() if not n.startswith('classic/'))}",
        )
    if is_classic_game(base):
        raise _fail(
            source,
            "scenario",
            f"{data['scenario']!r} is a classic game: a sweep varies village scenarios "
            f"(run a classic game with `kerjasama run {data['scenario']}`)",
        )
    sampled = design in ("sobol", "morris")
    replicates = data.get("replicates", 1 if sampled else 3 if design == "robustness" else 10)
    if replicates < 1:
        raise _fail(source, "replicates", "must be >= 1")
    if data["seed"] < 0:
        raise _fail(source, "seed", "must be >= 0")
    steps = data.get("steps")
    if steps is not None and steps < 1:
        raise _fail(source, "steps", "must be >= 1")
    metrics = data.get("metrics", ["welfare.mean_consumption"])
    if not metrics or not all(isinstance(m, str) for m in metrics):
        raise _fail(source, "metrics", "must be a non-empty list of summary keys")
    common = dict(data.get("set", {}))
    _validate_overrides(base, common, source, "set")
    if steps:
        _validate_overrides(base, {**common, "steps": steps}, source, "steps")
    return Experiment(
        name=data["name"],
        description=data.get("description", ""),
        scenario=base,
        design=design,
        replicates=replicates,
        seed=data["seed"],
        steps=steps,
        metrics=list(metrics),
        reference=data.get("reference"),
        objective=data.get("objective"),
        explained_by=data.get("explained_by"),
        robustness_by=data.get("robustness_by"),
        common=common,
        samples=data.get("samples", 0),
        calc_second_order=data.get("calc_second_order", False),
        num_levels=data.get("num_levels", 4),
        source=source,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        quick=quick,
    )


def _expand(exp: Experiment, data: dict, source: str) -> None:
    """The design's points: arms x conditions, the grid's combinations, or the sampled design."""
    needs = {"arms": ["arms"], "grid": ["factors"], "robustness": ["arms", "ranges"]}.get(exp.design, ["ranges"])
    for key in ("arms", "factors", "ranges", *(("conditions",) if exp.design == "robustness" else ())):
        if key in data and key not in needs:
            uses = " and ".join(f"[{n}]" for n in needs)
            raise _fail(source, key, f"not used by design {exp.design!r} (it uses {uses})")
    for key in needs:
        if key not in data:
            raise _fail(source, key, f"missing: design {exp.design!r} needs it")
    if exp.design == "robustness":
        _robustness_points(exp, data, exp.scenario, source)
    elif exp.design == "arms":
        _arms_points(exp, data, exp.scenario, source)
    elif exp.design == "grid":
        _grid_points(exp, data, exp.scenario, source)
    else:
        _sampled_points(exp, data, exp.scenario, source)


def _validate_points(exp: Experiment, base: str, source: str) -> None:
    """Every design point, as a whole, must be a valid scenario (values that are fine
    one by one can break a rule together, e.g. two shares that must sum to <= 1)."""
    steps = {"steps": exp.steps} if exp.steps else {}
    for p, point in enumerate(exp.points):
        if exp.design == "arms":
            where = f"arms.{point['arm']}" + (f" x conditions.{point['condition']}" if point["condition"] else "")
        elif exp.design == "robustness":
            values = ", ".join(f"{k}={v!r}" for k, v in point["factors"].items())
            where = f"arms.{point['arm']} x world {point['condition']} ({values})"
        else:
            values = ", ".join(f"{k}={v!r}" for k, v in point["factors"].items())
            where = f"{'factors' if exp.design == 'grid' else 'ranges'} (design point {p}: {values})"
        _validate_overrides(base, {**point["overrides"], **steps}, source, where)


def _read_arms(exp: Experiment, data: dict, base: str, source: str, fewest: int, fewest_text: str) -> None:
    """The arms (an arms design's, or a robustness design's policies), their reference and overrides, checked."""
    exp.arms = _labelled(data["arms"], "arms", source)
    if len(exp.arms) < fewest:
        raise _fail(source, "arms", fewest_text)
    names = [a["name"] for a in exp.arms]
    if exp.reference is None:
        exp.reference = names[0]
    elif exp.reference not in names:
        raise _fail(source, "reference", f"no arm named {exp.reference!r}; arms: {', '.join(names)}")
    for i, arm in enumerate(exp.arms):
        _validate_overrides(base, {**exp.common, **arm["set"]}, source, f"arms.{i}.set")


def _arms_points(exp: Experiment, data: dict, base: str, source: str) -> None:
    _read_arms(exp, data, base, source, 1, "needs at least one arm")
    exp.conditions = _labelled(data.get("conditions", []), "conditions", source)
    for i, condition in enumerate(exp.conditions):
        _validate_overrides(base, {**exp.common, **condition["set"]}, source, f"conditions.{i}.set")
    for arm in exp.arms:
        for condition in exp.conditions or [{"name": "", "set": {}}]:
            overrides = {**exp.common, **condition["set"], **arm["set"]}
            exp.points.append(
                {"arm": arm["name"], "condition": condition["name"], "factors": {}, "overrides": overrides}
            )


def _robustness_points(exp: Experiment, data: dict, base: str, source: str) -> None:
    """Policies (the arms) crossed with worlds (a Latin hypercube sample of the ranges, drawn
    as an lhs design draws it): every policy in every world, world by world."""
    from sim.sweep.robustness import world_name

    _read_arms(exp, data, base, source, 2, "a robustness design compares at least two policies (arms)")
    for i, arm in enumerate(exp.arms):
        both = sorted(set(arm["set"]) & set(data["ranges"]))
        if both:
            raise _fail(
                source, f"arms.{i}.set.{both[0]}", "is also an uncertainty in [ranges]: a policy may not set it"
            )
    if exp.samples < 1:
        raise _fail(source, "samples", "design 'robustness' needs samples >= 1 (the number of worlds)")
    exp.design = "lhs"  # the worlds: the ranges sampled exactly as an lhs design samples them
    try:
        _sampled_points(exp, data, base, source)
    finally:
        exp.design = "robustness"
    worlds, exp.points = exp.points, []
    for w, world in enumerate(worlds):
        for arm in exp.arms:
            overrides = {**world["overrides"], **arm["set"]}
            exp.points.append(
                {
                    "arm": arm["name"],
                    "condition": world_name(w),
                    "factors": dict(world["factors"]),
                    "overrides": overrides,
                }
            )
    if exp.objective is None:
        exp.objective = exp.metrics[0]
    elif exp.objective not in exp.metrics:
        raise _fail(
            source, "objective", f"must be one of the metrics ({', '.join(exp.metrics)}), got {exp.objective!r}"
        )
    from sim.outputs import measure_info

    info = measure_info(exp.objective)
    if info is not None and info.better is None:
        where = "objective" if "objective" in data else "metrics.0"
        raise _fail(
            source, where, f"{exp.objective!r} is neither better higher nor lower: regret needs a measure with a goal"
        )


def _posterior(exp: Experiment, given: str, source: str) -> None:
    """The posterior a replicate draws its parameter set from (``posterior = "PATH"``, relative
    to the experiment file: a ``posterior.parquet`` of ``kerjasama calibrate`` or its results
    folder), read and checked: a calibration's table with its manifest beside it, parameters of
    the scenario that nothing else in the file sets, and every drawn set a valid scenario."""
    from sim.calibrate.posterior import load_posterior

    path = Path(source).parent / given
    posterior = load_posterior(path, name=f"{source}: posterior:")
    fixed = [("set", exp.common)]
    fixed += [(f"arms.{i}.set", arm["set"]) for i, arm in enumerate(exp.arms)]
    fixed += [(f"conditions.{i}.set", condition["set"]) for i, condition in enumerate(exp.conditions)]
    fixed += [("factors", exp.factors)]
    for where, overrides in fixed:
        both = [key for key in posterior.keys if key in overrides]
        if both:
            raise _fail(
                source,
                f"{where}",
                f"{both[0]}: also drawn from the posterior (posterior = {given!r}); give it one way",
            )
    exp.posterior, exp.posterior_path = posterior, given
    exp.draws = posterior_draws(posterior, exp.seed, exp.replicates)
    checked = set()
    for particle, values in exp.draws:
        if particle not in checked:
            checked.add(particle)
            _validate_overrides(exp.scenario, {**exp.common, **values}, source, f"posterior: particle {particle}")


def _grid_points(exp: Experiment, data: dict, base: str, source: str) -> None:
    factors = data["factors"]
    if not factors:
        raise _fail(source, "factors", "needs at least one factor")
    for key, values in factors.items():
        if not isinstance(values, list) or not values:
            raise _fail(source, f"factors.{key}", "must be a non-empty list of values")
        for value in values:
            _validate_overrides(base, {**exp.common, key: value}, source, f"factors.{key}")
    exp.factors = {k: list(v) for k, v in factors.items()}
    keys = list(factors)
    for combo in itertools.product(*(factors[k] for k in keys)):
        chosen = dict(zip(keys, combo, strict=True))
        exp.points.append({"arm": "", "condition": "", "factors": chosen, "overrides": {**exp.common, **chosen}})


def _sampled_points(exp: Experiment, data: dict, base: str, source: str) -> None:
    ranges = data["ranges"]
    if len(ranges) < 1:
        raise _fail(source, "ranges", "needs at least one parameter")
    integers = _integer_keys(base, list(ranges))
    exp.ranges = {key: _range(exp, base, key, spec, key in integers, source) for key, spec in ranges.items()}
    if exp.samples < 1:
        raise _fail(source, "samples", f"design {exp.design!r} needs samples >= 1")
    if exp.design == "morris" and exp.num_levels < 2:
        raise _fail(
            source, "num_levels", f"Morris needs num_levels >= 2 (an even number, e.g. 4), got {exp.num_levels}"
        )
    if exp.design == "sobol" and exp.samples & (exp.samples - 1):
        raise _fail(source, "samples", f"Sobol needs a power of 2 (N), got {exp.samples}")
    x = sample_design(exp)
    for row in x:
        chosen = {}
        for key, value in zip(exp.ranges, row, strict=True):
            value = sampled_value(exp.ranges[key], value)
            if isinstance(value, float):
                value = int(round(value)) if key in integers else float(value)
            chosen[key] = value
        exp.points.append({"arm": "", "condition": "", "factors": chosen, "overrides": {**exp.common, **chosen}})
    _check_draws(exp, base, source)


RANGE_FORMS = (
    'must be [low, high] with low < high, "schema", or a distribution table { dist = ... } '
    f"(dist one of {', '.join(DISTRIBUTIONS)}; docs/experiments.md)"
)
UNBOUNDED = ("normal", "lognormal")  # checked against the schema at their 0.1 % and 99.9 % quantiles
TAILS = (0.001, 0.999)


def _range(exp: Experiment, base: str, key: str, spec: Any, integer: bool, source: str) -> Any:
    """One entry of [ranges], checked: [low, high] (uniform), or a distribution table
    (``DISTRIBUTIONS``); the values it can take must be allowed by the scenario schema."""
    where = f"ranges.{key}"
    if spec == "schema":
        spec = _schema_range(base, key, source)
    if isinstance(spec, dict):
        spec = _distribution(spec, where, source)
        if exp.design == "morris" and spec["dist"] != "uniform":
            raise _fail(
                source,
                where,
                f'Morris samples only uniform ranges ([low, high] or dist = "uniform"), got dist = {spec["dist"]!r}: '
                'use design = "sobol" or "lhs" for other distributions',
            )
        if spec["dist"] == "uniform":
            spec = [spec["low"], spec["high"]]
    elif not isinstance(spec, list) or len(spec) != 2 or not all(_is_number(b) for b in spec) or not spec[0] < spec[1]:
        raise _fail(source, where, RANGE_FORMS)
    for value, note in _extremes(spec, integer):
        try:
            _validate_overrides(base, {**exp.common, key: value}, source, where)
        except ScenarioError as exc:
            raise ScenarioError(f"{exc}{note}") from None
    return [float(spec[0]), float(spec[1])] if isinstance(spec, list) else spec


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _distribution(spec: dict, where: str, source: str) -> dict[str, Any]:
    """A distribution table, checked: a known ``dist``, exactly its keys, numbers where numbers
    go, and parameters SALib can sample (sd > 0, low < high, low <= mode < high, mean > 0)."""
    dist = spec.get("dist")
    if dist not in DISTRIBUTIONS:
        hint = did_you_mean(dist, DISTRIBUTIONS) if isinstance(dist, str) else ""
        got = "missing" if dist is None else f"got {dist!r}"
        raise _fail(source, f"{where}.dist", f"{got}; allowed: one of {', '.join(DISTRIBUTIONS)}{hint}")
    keys = DISTRIBUTIONS[dist]
    for name in spec:
        if name != "dist" and name not in keys:
            raise _fail(source, f"{where}.{name}", f"unknown key; allowed for dist = {dist!r}: dist, {', '.join(keys)}")
    for name in keys:
        if name not in spec:
            raise _fail(source, f"{where}.{name}", f"missing: dist = {dist!r} needs {', '.join(keys)}")
    if dist == "discrete":
        return {"dist": dist, "values": _discrete_values(spec["values"], f"{where}.values", source)}
    for name in keys:
        if not _is_number(spec[name]):
            raise _fail(source, f"{where}.{name}", f"must be a number, got {spec[name]!r}")
    out = {"dist": dist, **{name: float(spec[name]) for name in keys}}
    if "sd" in out and not out["sd"] > 0:
        raise _fail(source, f"{where}.sd", f"must be > 0, got {spec['sd']!r}")
    if "low" in out and not out["low"] < out["high"]:
        raise _fail(source, where, f"needs low < high, got low = {spec['low']!r}, high = {spec['high']!r}")
    if dist == "triangular" and not out["low"] <= out["mode"] < out["high"]:
        raise _fail(source, f"{where}.mode", f"must be in [low, high) (SALib's triangular), got {spec['mode']!r}")
    if dist == "lognormal" and not out["mean"] > 0:
        raise _fail(source, f"{where}.mean", f"must be > 0 (a lognormal value is positive), got {spec['mean']!r}")
    return out


def _discrete_values(values: Any, where: str, source: str) -> list[Any]:
    if not isinstance(values, list) or len({repr(v) for v in values}) < 2:
        raise _fail(source, where, f"must be a list of at least two different values, got {values!r}")
    if len({type(v) is bool for v in values}) > 1 or len({isinstance(v, str) for v in values}) > 1:
        raise _fail(source, where, f"must be values of one kind (numbers, strings or true/false), got {values!r}")
    return list(values)


def _extremes(spec: Any, integer: bool) -> list[tuple[Any, str]]:
    """The values to check against the scenario schema, each with what to add to its error:
    a uniform, triangular or truncated normal range's bounds, a discrete range's values,
    and a normal or lognormal range's 0.1 % and 99.9 % quantiles (rounded for an integer
    key, as its draws are); the design's actual draws are checked too (``_check_draws``)."""
    if isinstance(spec, list):
        return [(value, "") for value in spec]
    if spec["dist"] == "discrete":
        return [(value, "") for value in spec["values"]]
    if spec["dist"] not in UNBOUNDED:
        return [(spec["low"], ""), (spec["high"], "")]
    out = []
    for q in TAILS:
        value = quantile(spec, q)
        out.append(
            (
                int(round(value)) if integer else value,
                f" (the {100 * q:g} % quantile of that {spec['dist']} distribution: its 0.1 % to 99.9 % quantiles "
                "must be allowed; narrow it, or use truncnormal with low and high inside the allowed range)",
            )
        )
    return out


def _check_draws(exp: Experiment, base: str, source: str) -> None:
    """A normal or lognormal range's extreme draws must be allowed too (beyond its 0.1 % and
    99.9 % quantiles, a large design draws a few values)."""
    for key, spec in exp.ranges.items():
        if not isinstance(spec, dict) or spec["dist"] not in UNBOUNDED:
            continue
        drawn = [point["factors"][key] for point in exp.points]
        for value in (min(drawn), max(drawn)):
            try:
                _validate_overrides(base, {**exp.common, key: value}, source, f"ranges.{key}")
            except ScenarioError as exc:
                raise ScenarioError(
                    f"{exc} (drawn by the design from that {spec['dist']} distribution, among "
                    f"{len(drawn)} points: narrow it, or use truncnormal with low and high inside the allowed range)"
                ) from None


def _schema_range(base: str, key: str, source: str) -> list[float]:
    """The plausible range the scenario schema declares for ``key`` (its ``sweep``, else its
    finite bounds), in the base scenario's currency for money."""
    from sim.scenario.schema import parameter

    declared = parameter(key)
    if declared is None:  # an unknown key: the scenario's own message, with its "did you mean"
        _validate_overrides(base, {key: "schema"}, source, f"ranges.{key}")
    line = check_scenario(base).params["economy"]["poverty_line"] if declared is not None and declared.money else 1.0
    found = declared.sweep_range_in(line) if declared is not None else None
    if found is None:
        raise _fail(source, f"ranges.{key}", "the schema declares no range for it: give [low, high]")
    return [found[0], found[1]]


def _validate_metrics(exp: Experiment, source: str) -> None:
    """Metrics must be summary keys of the model (the output registry, sim/outputs.py)."""
    from sim.outputs import scenario_summary_keys

    keys = set(scenario_summary_keys(check_scenario(exp.scenario, exp.points[0]["overrides"]).params))
    for i, metric in enumerate(exp.metrics):
        if metric not in keys:
            close = sorted(k for k in keys if metric.split(".")[-1] in k)[:4]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise _fail(source, f"metrics.{i}", f"{metric!r} is not a summary key{hint}")


def ceil_div(a: int, b: int) -> int:
    return -(-a // b) if b else a


__all__ = [
    "DESIGNS",
    "EXPERIMENT_DIR",
    "Experiment",
    "RunSpec",
    "ceil_div",
    "expected_points",
    "experiment_path",
    "load_experiment",
    "replicate_seed",
    "sample_design",
    "sizes",
]
