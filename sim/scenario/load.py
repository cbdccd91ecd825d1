"""Load a village scenario: read its file, resolve ``extends``, convert money, apply overrides."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario

from sim.scenario.files import CLASSIC_MODEL, DEFAULT_NAME, SCENARIO_DIR, read_toml, scenario_path
from sim.scenario.parameter import ScenarioError
from sim.scenario.schema import OPEN_TABLES, parameter
from sim.scenario.validate import validate


class LoadedScenario(Scenario):
    """A scenario file after loading and checking: Mesa's ``Scenario`` (carrying the
    run's ``rng``) with ``name``, ``source`` (the file), ``params`` (the checked
    parameter tree), ``raw`` (the merged tree before checking) and ``overrides``."""

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``"forms.formal.enforcement"``."""
        node: Any = self.params
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat ``{dotted.key: value}`` dict (for manifests)."""
        return flatten(self.params)

    def with_rng(self, rng: Any):
        """The same scenario carrying another ``rng`` (a fresh object, never shared)."""
        return type(self)(
            rng=rng,
            name=self.name,
            source=self.source,
            params=copy.deepcopy(self.params),
            raw=copy.deepcopy(self.raw),
            overrides=dict(self.overrides),
        )


class VillageScenario(LoadedScenario):
    """A loaded, validated village scenario; what ``model.scenario`` holds.

    It is Mesa's :class:`~mesa.experimental.scenarios.Scenario` (so it carries the
    run's ``rng`` and Mesa tools see one consistent object) with these parameters:

    * ``name``: the scenario's name; ``source``: the file it came from;
    * ``params``: the resolved parameter tree (nested dicts) after ``extends`` and
      overrides, all money in poverty-line units (each file's and each override's
      own currency converted with its ``economy.poverty_line``);
    * ``overrides``: the dotted overrides that were applied.
    """

    def without_scheduled_shocks(self) -> VillageScenario:
        """The counterfactual scenario: identical, but no scheduled shock."""
        twin = self.with_rng(self.rng)
        twin.params["shocks"]["scheduled"] = []
        twin.raw["shocks"]["scheduled"] = []
        return twin


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to ``{dotted.path: value}`` (lists are kept as values)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def merge_tables(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` onto ``base`` (tables merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw tree of ``path`` merged onto its parent chain (the default at the root)."""
    if path in seen:
        raise ScenarioError(f"{path}: extends: circular chain {' -> '.join(p.stem for p in seen)}")
    data = read_toml(path)
    if data.get("model") == CLASSIC_MODEL:
        raise ScenarioError(
            f"{path}: model: {CLASSIC_MODEL!r} is a classic-game scenario, not a village one; "
            "run it with `kerjasama run` or sim.classic.SpatialGame"
        )
    default_path = (SCENARIO_DIR / f"{DEFAULT_NAME}.toml").resolve()
    if path == default_path:
        return data  # the default is in poverty-line units
    parent_name = data.get("extends") or DEFAULT_NAME
    if not isinstance(parent_name, str):
        raise ScenarioError(f"{path}: extends: must be a scenario name (a string)")
    try:
        parent_path = scenario_path(parent_name)
    except ScenarioError:
        raise ScenarioError(f"{path}: extends: no scenario named {parent_name!r}") from None
    parent = _resolve_extends(parent_path, (*seen, path))
    line = data.get("economy", {}).get("poverty_line", parent["economy"]["poverty_line"])
    data = _in_poverty_lines(data, line, str(path))
    merged = merge_tables(parent, _prepare_open_tables(data, parent, path))
    return merged


def _in_poverty_lines(tree: dict[str, Any], line: Any, source: str) -> dict[str, Any]:
    """Money values written in a file's own currency, converted to poverty-line
    units (what the model uses). Inherited values are already converted, so a
    child file's currency applies to the values it writes, and only to those."""
    if not isinstance(line, (int, float)) or isinstance(line, bool) or not line > 0:
        raise ScenarioError(f"{source}: economy.poverty_line: must be a number > 0, got {line!r}")
    if line == 1.0:
        return tree
    tree = copy.deepcopy(tree)
    for path, value in flatten(tree).items():
        rule = parameter(path)
        if rule is not None and rule.money and isinstance(value, (int, float)) and not isinstance(value, bool):
            node = tree
            parts = path.split(".")
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value / line
    return tree


def _prepare_open_tables(data: dict[str, Any], parent: dict[str, Any], path: Path) -> dict[str, Any]:
    """Fill new forms/services from their ``based_on`` entry before merging."""
    data = copy.deepcopy(data)
    for table in OPEN_TABLES:
        entries = data.get(table)
        if not isinstance(entries, dict):
            continue
        known = parent.get(table, {})
        for name, entry in entries.items():
            if not isinstance(entry, dict) or name in known:
                continue
            base_name = entry.get("based_on", "")
            if base_name:
                if base_name not in known or not isinstance(known[base_name], dict):
                    raise ScenarioError(
                        f"{path}: {table}.{name}.based_on: no {table[:-1]} named {base_name!r}; "
                        f"allowed: {', '.join(k for k, v in known.items() if isinstance(v, dict))}"
                    )
                entries[name] = merge_tables(known[base_name], entry)
    return data


def parse_value(text: str) -> Any:
    """Read a ``--set`` value as TOML (numbers, booleans, lists); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set the dotted key ``path`` in ``tree``; the key must already exist there
    (or name a field of a new form/service built with ``based_on``)."""
    parts = path.split(".")
    node: Any = tree
    for depth, part in enumerate(parts[:-1]):
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{source}: {path}: index {part!r} out of range at {where}")
            node = node[int(part)]
        elif isinstance(node, dict) and part in node and isinstance(node[part], (dict, list)):
            node = node[part]
        else:
            raise ScenarioError(f"{source}: {path}: unknown key {where!r}")
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ScenarioError(f"{source}: {path}: index {last!r} out of range")
        node[int(last)] = value
        return
    if last not in node:
        if parts[:-1] == ["policy", "mandate"]:  # mandates name a domain of the caller's choice
            node[last] = value
            return
        raise ScenarioError(f"{source}: {path}: unknown key {last!r}")
    if isinstance(node[last], dict):
        raise ScenarioError(f"{source}: {path}: is a table; set one of its keys instead")
    node[last] = value


def load_scenario(
    scenario: str | Path | VillageScenario = DEFAULT_NAME,
    overrides: dict[str, Any] | None = None,
    rng: Any = None,
) -> VillageScenario:
    """Load a scenario by name, path, or from a loaded one, apply dotted overrides,
    validate everything, and return a :class:`VillageScenario`.

    ``overrides`` maps dotted key paths of the scenario file (``"forms.formal.enforcement"``)
    to values; the shortcuts ``n_villages`` and ``steps`` set ``landscape.n_villages``
    and ``run.steps``.
    """
    overrides = dict(overrides or {})
    if isinstance(scenario, VillageScenario):
        raw = copy.deepcopy(scenario.raw)
        source = scenario.source
        applied = dict(scenario.overrides)
    else:
        path = scenario_path(scenario)
        raw = _resolve_extends(path)
        source = str(path)
        applied = {}
    for key, value in overrides.items():
        target = {"n_villages": "landscape.n_villages", "steps": "run.steps"}.get(key, key)
        if value is None and key in ("n_villages", "steps"):
            continue
        rule = parameter(target)
        if rule is not None and rule.money and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = value / raw["economy"]["poverty_line"]  # given in the scenario's currency
        apply_override(raw, target, value, "override")
        applied[target] = value
    try:
        params = validate(raw, source)
    except ScenarioError as exc:
        # name the override, not the file, when the bad value came from one
        text = str(exc)
        for key in applied:
            if text.startswith(f"{source}: {key}:"):
                raise ScenarioError("override: " + text[len(source) + 2 :]) from None
        if applied and text.startswith(f"{source}: "):  # a rule across keys, broken with overrides
            given = ", ".join(f"{k}={v!r}" for k, v in applied.items())
            raise ScenarioError(f"{text} (with overrides {given})") from None
        raise
    return VillageScenario(
        rng=rng,
        name=raw.get("name", Path(source).stem),
        source=source,
        params=params,
        raw=raw,
        overrides=applied,
    )
