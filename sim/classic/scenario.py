"""Classic scenarios: every key declared once (default, unit, meaning, what it may be),
loading on the shared scenario machinery (``extends``, dotted overrides, one-line errors),
and the combinations each game allows.

``scenarios/classic/nowak_may.toml`` is the readable file of defaults (the root of every
classic file's ``extends`` chain); a test keeps it equal to :data:`PARAMETERS`. Payoffs are
in units of the prisoner's dilemma's reward for mutual cooperation (R = 1); time is in
generations (steps).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.classic.shapes import exact_ratio, graph_shape
from sim.scenario import (
    CLASSIC_MODEL,
    Chain,
    Parameter,
    ScenarioError,
    available_scenarios,
    blame_overrides,
    check_flat_tree,
    extended_file,
    is_loaded,
    read_toml,
    scenario_path,
    set_declared,
    starting_tree,
)
from sim.scenario.files import is_classic_game

if TYPE_CHECKING:
    from sim.classic.model import ClassicScenario

MODEL_NAME = CLASSIC_MODEL  # "spatial_game": what the top of a classic file says
ROOT = "classic/nowak_may"  # the classic file that holds the default of every key
GAMES = ("prisoners_dilemma", "donation", "public_goods")
UPDATES = ("synchronous", "asynchronous", "death_birth", "reinforcement")
NEIGHBOURHOODS = ("moore", "von_neumann", "ring", "well_mixed")
PATTERNS = ("random", "single_defector", "single_cooperator")
MAX_LATTICE_SIDE = 4096  # moore, von_neumann: at most 4096 x 4096 cells
MAX_REPLICA_CELLS = 200_000_000  # death_birth: replicas x nodes x copies held in memory at once

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

P = Parameter
_DECLARED: tuple[Parameter, ...] = (
    P("model", MODEL_NAME, "name", "which model runs this file: the classic spatial games", choices=(MODEL_NAME,)),
    P("name", "", "name", 'the scenario\'s name ("": the name of its file)'),
    P("description", "", "text", "one line: what the scenario shows"),
    P("extends", "", "scenario name", 'classic scenario this one starts from ("": none; only the root file)'),
    P(
        "steps",
        300,
        "generations",
        "generations to run (death_birth: at most; it stops when every replica is absorbed)",
        lo=1,
        hi=10_000_000,
    ),
    P(
        "burn_in",
        100,
        "generations",
        "generations left out of the summary means (window: burn_in + 1 .. steps)",
        lo=0,
        hi=10_000_000,
    ),
    P(
        "update",
        "synchronous",
        "name",
        "how players update: synchronous or asynchronous (prisoners_dilemma), death_birth (donation), reinforcement (public_goods)",
        choices=UPDATES,
    ),
    P(
        "lattice.size",
        200,
        "cells per side, nodes or players",
        "side L of the L x L lattice (moore, von_neumann); nodes of the cycle (ring); players (well_mixed)",
        lo=3,
        hi=10_000_000,
    ),
    P(
        "lattice.boundary",
        "periodic",
        "name",
        "periodic (a torus) or fixed (nobody beyond the edge)",
        choices=("periodic", "fixed"),
    ),
    P(
        "lattice.neighbourhood",
        "moore",
        "name",
        "moore (8 neighbours), von_neumann (4), ring (a cycle, 2) or well_mixed (random groups each step)",
        choices=NEIGHBOURHOODS,
    ),
    P(
        "game.kind",
        "prisoners_dilemma",
        "name",
        "prisoners_dilemma (R = 1, T = b, S = P = 0), donation (a cooperator pays c per neighbour, who gets b) or public_goods",
        choices=GAMES,
    ),
    P(
        "game.b",
        1.9,
        "payoff",
        "prisoners_dilemma: temptation T = b, read as the decimal written (scores are exact); donation: benefit",
        lo=0.0,
        hi=1000.0,
    ),
    P("game.c", 1.0, "payoff", "donation: cost per neighbour; public_goods: one contribution", lo=0.0, hi=1000.0),
    P("game.r", 3.0, "1", "public_goods: multiplication factor of the pot", lo=0.0, hi=1_000_000.0),
    P("game.group_size", 5, "players", "public_goods: group size G", lo=2, hi=1_000_000),
    P("game.self_interaction", True, "yes/no", "prisoners_dilemma: each player also plays itself (Nowak & May)"),
    P(
        "init.cooperator_fraction",
        0.9,
        "share",
        "random start: probability that a player cooperates (public_goods: initial probability of contributing)",
        lo=0.0,
        hi=1.0,
    ),
    P(
        "init.pattern",
        "random",
        "name",
        "random, single_defector (one D in the centre cell of all C) or single_cooperator (one C among D; death_birth: at a uniformly random node)",
        choices=PATTERNS,
    ),
    P("death_birth.selection", 0.01, "1", "intensity of selection w: fitness = 1 - w + w x payoff", lo=0.0, hi=1.0),
    P(
        "death_birth.replicas",
        100_000,
        "replicas",
        "independent runs, simulated at once (rows of one array)",
        lo=1,
        hi=100_000_000,
    ),
    P(
        "death_birth.neutral_control",
        True,
        "yes/no",
        "also run each replica with w = 0 on the same random numbers (a control variate)",
    ),
    P(
        "learning.rate",
        0.05,
        "share per step",
        "weight of the newest payoff in the chosen action's propensity, per step",
        lo=1e-6,
        hi=1.0,
    ),
    P("learning.temperature", 0.05, "payoff", "softmax temperature over the propensities", lo=1e-9),
    P("learning.error_rate", 0.0, "probability", "probability that a decision is flipped by mistake", lo=0.0, hi=0.5),
    P(
        "learning.initial_propensity",
        10.0,
        "payoff",
        "both actions' propensity at the start: optimistic (above every payoff, which is at most r c (G - 1)/G), so each action is tried until its propensity falls to what it pays",
        lo=-1e9,
        hi=1e9,
    ),
)
PARAMETERS: dict[str, Parameter] = {p.path: p for p in _DECLARED}  # in the order of the root file
TABLES = sorted({key.split(".")[0] for key in PARAMETERS if "." in key})


CLASSIC_SCENARIO = "sim.classic.model:ClassicScenario"  # defined with the model: it is Mesa's Scenario


def is_spatial_game(name_or_path: str | Path) -> bool:
    """Whether a scenario name or file is a classic game (its top level says
    ``model = "spatial_game"``). Raises ScenarioError for a missing or malformed file."""
    if is_loaded(name_or_path, CLASSIC_SCENARIO):
        return True
    if not isinstance(name_or_path, (str, Path)):
        return False
    return is_classic_game(scenario_path(name_or_path))


def _classic_parent(path: Path, data: dict[str, Any]) -> Path | None:
    """A classic file's parent: the file it ``extends``; None for the root (``extends = ""``)."""
    if data.get("model") != MODEL_NAME:
        raise ScenarioError(f"{path}: model: a classic game file must say model = {MODEL_NAME!r}")
    name = data.get("extends", "")
    if name == "":
        return None
    parent = extended_file(path, name)
    if read_toml(parent).get("model") != MODEL_NAME:
        raise ScenarioError(
            f"{path}: extends: {name!r} is a village scenario, not a classic game; "
            f"a classic game extends one of: {', '.join(classic_scenarios())}"
        )
    return parent


CLASSIC_CHAIN = Chain(_classic_parent, cycle_names_repeat=True)


def load_classic(
    scenario: str | Path | ClassicScenario = ROOT, overrides: dict[str, Any] | None = None, rng: Any = None
) -> ClassicScenario:
    """Load a classic scenario by name (``"classic/nowak_may"``), path, or from a loaded one;
    apply dotted overrides (``{"game.b": 1.95, "steps": 50}``); validate everything."""
    raw, source, applied = starting_tree(scenario, CLASSIC_SCENARIO, CLASSIC_CHAIN)
    for key, value in (overrides or {}).items():
        if value is None and key == "steps":
            continue
        if key in ("n_villages", "villages"):
            raise ScenarioError(f"override: {key}: a spatial_game scenario has no villages; use lattice.size")
        if key in ("extends", "model"):
            raise ScenarioError(f"override: {key}: a file's own choice; write a scenario file that sets it")
        set_declared(raw, key, value, "override", PARAMETERS)
        applied[key] = value
    try:
        params = validate(raw, source)
    except ScenarioError as exc:
        raise blame_overrides(exc, source, applied, across_keys=False) from None
    from sim.classic.model import ClassicScenario  # Mesa, once the file is known to be good

    return ClassicScenario(
        rng=rng,
        name=params["name"] or Path(source).stem,
        source=source,
        params=params,
        raw=raw,
        overrides=applied,
    )


def validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Check a merged classic tree against :data:`PARAMETERS` (every key present, types,
    ranges) and the combinations each game allows; return the checked parameter tree."""
    params = check_flat_tree(raw, PARAMETERS, source)
    _check_combinations(params, source)
    return params


def _check_combinations(p: dict[str, Any], source: str) -> None:
    """The rules across keys: the update and neighbourhood each game allows, exact scores,
    a regular graph and positive fitness for death-birth, the memory its replicas take,
    whole groups for public goods."""
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
    if where in ("moore", "von_neumann") and size > MAX_LATTICE_SIDE:
        raise ScenarioError(
            f"{source}: lattice.size: {size} is out of range; allowed: a number in [3, {MAX_LATTICE_SIDE}]"
        )
    if game == "prisoners_dilemma":
        try:
            exact_ratio(p["game"]["b"])
        except ValueError:
            raise ScenarioError(
                f"{source}: game.b: use at most 9 decimals (scores are exact), got {p['game']['b']!r}"
            ) from None
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
    return available_scenarios(MODEL_NAME)
