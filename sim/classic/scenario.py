"""Classic scenarios: their schema, loading (``extends``, dotted overrides) and validation,
including the combinations each game allows."""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path
from typing import Any

from sim.classic.death_birth import graph_shape
from sim.classic.lattice import MAX_DENOMINATOR
from sim.scenario import (
    LoadedScenario,
    Rule,
    ScenarioError,
    _check_value,
    merge_tables,
    read_toml,
    scenario_path,
)

MODEL_NAME = "spatial_game"
ROOT = "classic/nowak_may"  # the classic file that holds the default of every key
GAMES = ("prisoners_dilemma", "donation", "public_goods")
UPDATES = ("synchronous", "asynchronous", "death_birth", "reinforcement")
NEIGHBOURHOODS = ("moore", "von_neumann", "ring", "well_mixed")
PATTERNS = ("random", "single_defector", "single_cooperator")
MAX_REPLICA_CELLS = 200_000_000  # death_birth: replicas x nodes x copies held in memory at once

# Random streams (numpy SeedSequence spawn keys under the run's seed), one per purpose.
STREAM_INIT, STREAM_UPDATE = range(2)

# What each game allows: its updates, its neighbourhoods.
GAME_UPDATES = {
    "prisoners_dilemma": ("synchronous", "asynchronous"),
    "donation": ("death_birth",),
    "public_goods": ("reinforcement",),
}
GAME_NEIGHBOURHOODS = {
    "prisoners_dilemma": ("moore", "von_neumann"),
    "donation": ("ring", "von_neumann", "moore"),
    "public_goods": ("well_mixed",),
}

# The schema: every key of a classic scenario, its type and what it may be.
SCHEMA: dict[str, tuple[type, Rule | None]] = {
    "model": (str, Rule(choices=(MODEL_NAME,))),
    "name": (str, None),
    "description": (str, None),
    "extends": (str, None),
    "steps": (int, Rule(1, 10_000_000)),
    "burn_in": (int, Rule(0, 10_000_000)),
    "update": (str, Rule(choices=UPDATES)),
    "lattice.size": (int, Rule(3, 10_000_000)),
    "lattice.boundary": (str, Rule(choices=("periodic", "fixed"))),
    "lattice.neighbourhood": (str, Rule(choices=NEIGHBOURHOODS)),
    "game.kind": (str, Rule(choices=GAMES)),
    "game.b": (float, Rule(0.0, 1000.0)),
    "game.c": (float, Rule(0.0, 1000.0)),
    "game.r": (float, Rule(0.0, 1_000_000.0)),
    "game.group_size": (int, Rule(2, 1_000_000)),
    "game.self_interaction": (bool, None),
    "init.cooperator_fraction": (float, Rule(0.0, 1.0)),
    "init.pattern": (str, Rule(choices=PATTERNS)),
    "death_birth.selection": (float, Rule(0.0, 1.0)),
    "death_birth.replicas": (int, Rule(1, 100_000_000)),
    "death_birth.neutral_control": (bool, None),
    "learning.rate": (float, Rule(1e-6, 1.0)),
    "learning.temperature": (float, Rule(1e-9, None)),
    "learning.error_rate": (float, Rule(0.0, 0.5)),
    "learning.initial_propensity": (float, Rule(-1e9, 1e9)),
}
TABLES = sorted({key.split(".")[0] for key in SCHEMA if "." in key})
_DEFAULT_OF = {int: 0, float: 0.0, str: "", bool: False}


class ClassicScenario(LoadedScenario):
    """A loaded, validated classic-game scenario; what ``SpatialGame.scenario`` holds.

    Like :class:`sim.scenario.VillageScenario`: Mesa's ``Scenario`` carrying the run's
    ``rng``, with ``name``, ``source`` (the file), ``params`` (the checked parameter tree),
    ``raw`` (the merged tree before checking) and ``overrides`` (the dotted overrides applied).
    """


def is_spatial_game(name_or_path: str | Path) -> bool:
    """Whether a scenario name or file is a classic game (its top level says
    ``model = "spatial_game"``). Raises ScenarioError for a missing or malformed file."""
    if isinstance(name_or_path, ClassicScenario):
        return True
    if not isinstance(name_or_path, (str, Path)):
        return False
    return read_toml(scenario_path(name_or_path)).get("model") == MODEL_NAME


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw tree of a classic file merged onto the chain of files it extends."""
    if path in seen:
        raise ScenarioError(f"{path}: extends: circular chain {' -> '.join(p.stem for p in (*seen, path))}")
    data = read_toml(path)
    if data.get("model") != MODEL_NAME:
        raise ScenarioError(f"{path}: model: a classic game file must say model = {MODEL_NAME!r}")
    parent = data.get("extends", "")
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be a scenario name (a string)")
    if not parent:
        return data
    try:
        parent_path = scenario_path(parent)
    except ScenarioError:
        raise ScenarioError(f"{path}: extends: no scenario named {parent!r}") from None
    return merge_tables(_resolve(parent_path, (*seen, path)), data)


def _unknown(path: str, source: str) -> ScenarioError:
    """The one-line error for a key the schema does not know, listing what is allowed."""
    head = path.split(".")[0]
    if head in TABLES and "." in path:
        allowed = ", ".join(k for k in SCHEMA if k.startswith(head + "."))
    else:
        allowed = ", ".join([*(k for k in SCHEMA if "." not in k), *(f"[{t}]" for t in TABLES)])
    return ScenarioError(f"{source}: {path}: unknown key; allowed: {allowed}")


def _set(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set a dotted key that the schema knows (an override)."""
    if path not in SCHEMA:
        if path in TABLES:
            raise ScenarioError(f"{source}: {path}: is a table; set one of its keys instead")
        raise _unknown(path, source)
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def load_classic(
    scenario: str | Path | ClassicScenario = ROOT, overrides: dict[str, Any] | None = None, rng: Any = None
) -> ClassicScenario:
    """Load a classic scenario by name (``"classic/nowak_may"``), path, or from a loaded one;
    apply dotted overrides (``{"game.b": 1.95, "steps": 50}``); validate everything."""
    if isinstance(scenario, ClassicScenario):
        raw = copy.deepcopy(scenario.raw)
        source = scenario.source
        applied = dict(scenario.overrides)
    else:
        path = scenario_path(scenario)
        raw = _resolve(path)
        source = str(path)
        applied = {}
    for key, value in (overrides or {}).items():
        if value is None and key == "steps":
            continue
        if key in ("n_villages", "villages"):
            raise ScenarioError(f"override: {key}: a spatial_game scenario has no villages; use lattice.size")
        _set(raw, key, value, "override")
        applied[key] = value
    try:
        params = validate(raw, source)
    except ScenarioError as exc:
        text = str(exc)
        for key in applied:
            if text.startswith(f"{source}: {key}:"):
                raise ScenarioError("override: " + text[len(source) + 2 :]) from None
        raise
    return ClassicScenario(
        rng=rng,
        name=params["name"] or Path(source).stem,
        source=source,
        params=params,
        raw=raw,
        overrides=applied,
    )


def validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Check a merged classic tree against the schema (every key present, types, ranges,
    and the combinations each game allows); return the checked parameter tree."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise ScenarioError(f"{source}: {key}: must be a table ([{key}])")
            out[key] = {}
            for sub, item in value.items():
                path = f"{key}.{sub}"
                if path not in SCHEMA:
                    raise _unknown(path, source)
                kind, rule = SCHEMA[path]
                out[key][sub] = _check_value(item, _DEFAULT_OF[kind], rule, f"{source}: {path}")
        elif key in SCHEMA:
            kind, rule = SCHEMA[key]
            out[key] = _check_value(value, _DEFAULT_OF[kind], rule, f"{source}: {key}")
        else:
            raise _unknown(key, source)
    for path in SCHEMA:
        node: Any = out
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"{source}: {path}: missing (required key)")
            node = node[part]
    _check_combinations(out, source)
    return out


def _check_combinations(p: dict[str, Any], source: str) -> None:
    game, update = p["game"]["kind"], p["update"]
    where = p["lattice"]["neighbourhood"]
    size = p["lattice"]["size"]
    if update not in GAME_UPDATES[game]:
        raise ScenarioError(
            f"{source}: update: {update!r} does not play game.kind = {game!r}; allowed: "
            + ", ".join(repr(u) for u in GAME_UPDATES[game])
        )
    if where not in GAME_NEIGHBOURHOODS[game]:
        raise ScenarioError(
            f"{source}: lattice.neighbourhood: {where!r} does not play game.kind = {game!r}; allowed: "
            + ", ".join(repr(n) for n in GAME_NEIGHBOURHOODS[game])
        )
    if where in ("moore", "von_neumann") and size > 4096:
        raise ScenarioError(f"{source}: lattice.size: {size} is out of range; allowed: a number in [3, 4096]")
    if game == "prisoners_dilemma":
        fraction = Fraction(repr(p["game"]["b"]))
        if fraction.denominator > MAX_DENOMINATOR:
            raise ScenarioError(f"{source}: game.b: use at most 9 decimals (scores are exact), got {p['game']['b']!r}")
    if game == "donation":
        if p["lattice"]["boundary"] != "periodic":
            raise ScenarioError(f"{source}: lattice.boundary: death_birth needs 'periodic' (a regular graph)")
        nodes, k = graph_shape(where, size)
        w, c = p["death_birth"]["selection"], p["game"]["c"]
        if 1.0 - w - w * c * k <= 0.0:
            raise ScenarioError(
                f"{source}: death_birth.selection: fitness 1 - w + w x payoff must stay > 0; "
                f"allowed: w < 1 / (1 + c k) = {1.0 / (1.0 + c * k):.4g}"
            )
        copies = 2 if p["death_birth"]["neutral_control"] else 1
        if p["death_birth"]["replicas"] * nodes * copies > MAX_REPLICA_CELLS:
            raise ScenarioError(
                f"{source}: death_birth.replicas: replicas x nodes x copies must be <= {MAX_REPLICA_CELLS:,} (memory)"
            )
    if game == "public_goods":
        group = p["game"]["group_size"]
        if size % group:
            raise ScenarioError(f"{source}: lattice.size: {size} players must split into groups of {group}")
        if p["init"]["pattern"] != "random":
            raise ScenarioError(f"{source}: init.pattern: public_goods starts from 'random' only")


def classic_scenarios() -> list[str]:
    """Names of the shipped classic scenarios (``classic/NAME``)."""
    from sim.scenario import CLASSIC_MODEL, available_scenarios

    return available_scenarios(CLASSIC_MODEL)
