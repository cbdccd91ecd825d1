"""Classic games: a small spatial-game model that reproduces published cooperation results.

Scenario files in ``scenarios/classic/`` say ``model = "spatial_game"`` and run through the
same ``kerjasama run`` as the village scenarios (``--set`` works on their keys), writing the
same outputs. ``scenarios/classic/nowak_may.toml`` holds the default of every key, with its
meaning; every other classic file ``extends`` it. Three games, each with its own update:

* ``prisoners_dilemma`` on a square lattice (Nowak & May 1992): every player plays its
  neighbours (and itself), scores R = 1, T = b, S = P = 0, then takes the strategy of the
  best-scoring player among itself and its neighbours -- the villages' own
  :func:`sim.behaviour.imitate_best` -- ``synchronous``\\ ly (all at once) or
  ``asynchronous``\\ ly (random sequential order, one sweep of L x L single-cell updates
  per step);
* ``donation`` on a regular graph with ``death_birth`` updating under weak selection
  (Ohtsuki, Hauert, Lieberman & Nowak 2006), many independent replicas at once, to
  estimate the fixation probability of one cooperator;
* ``public_goods`` in a well-mixed population re-grouped at random every step, whose
  players learn with the villages' :func:`sim.behaviour.reinforcement` rule and are paid by
  :func:`sim.behaviour.public_good_payoff`.

Scores of the prisoner's dilemma are exact integers: ``b`` is read as the decimal written in
the file (1.9 = 19/10 = p/q) and scores are kept in units of 1/q, so a cooperator with n
cooperators around it (itself included) scores q x n and a defector p x n; comparisons are
integer comparisons and no spurious ties (or missed ties) can occur.

Everything is vectorised with numpy: lattices are updated with shifted copies (``np.pad``
with ``wrap`` for periodic boundaries, with an empty border for fixed ones), and death-birth
replicas are the rows of one array. See docs/validation.md.
"""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import behaviour
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
MAX_DENOMINATOR = 10**9  # b must be a decimal with at most 9 decimals (exact integer scores)
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


# ----------------------------------------------------------------------------- scenarios


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


# ----------------------------------------------------------------------------- lattice kernels

OFFSETS = {
    "moore": tuple((di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)),
    "von_neumann": ((-1, 0), (1, 0), (0, -1), (0, 1)),
}


def exact_ratio(b: float) -> tuple[int, int]:
    """``b`` as the fraction p/q of the decimal written (1.9 -> (19, 10))."""
    fraction = Fraction(repr(float(b)))
    if fraction.denominator > MAX_DENOMINATOR:
        raise ValueError(f"b = {b!r} has more than 9 decimals")
    return fraction.numerator, fraction.denominator


def _pad(a: np.ndarray, boundary: str, fill: Any, width: int = 1) -> np.ndarray:
    if boundary == "periodic":
        return np.pad(a, width, mode="wrap")
    return np.pad(a, width, constant_values=fill)


def _shifted(padded: np.ndarray, di: int, dj: int, n: int, width: int = 1) -> np.ndarray:
    """The view of a padded array at offset (di, dj): element [i, j] is the original [i + di, j + dj]."""
    return padded[width + di : width + di + n, width + dj : width + dj + n]


def pd_scores(
    cooperate: np.ndarray, p: int, q: int, neighbourhood: str, boundary: str, self_interaction: bool
) -> np.ndarray:
    """Exact Nowak-May scores in units of 1/q (int64): a cooperator with n cooperators among
    its neighbours (and itself, with self-interaction) scores q x n, a defector p x n
    (R = 1, T = b = p/q, S = P = 0). Beyond a fixed boundary there is nobody."""
    n_side = cooperate.shape[0]
    c = cooperate.astype(np.int64)
    padded = _pad(c, boundary, 0)
    count = c.copy() if self_interaction else np.zeros_like(c)
    for di, dj in OFFSETS[neighbourhood]:
        count += _shifted(padded, di, dj, n_side)
    return np.where(cooperate, q * count, p * count)


def best_neighbour(
    scores: np.ndarray, cooperate: np.ndarray, neighbourhood: str, boundary: str
) -> tuple[np.ndarray, np.ndarray]:
    """For every cell: the best score among its neighbours, and whether a neighbour with
    that score cooperates (ties between neighbours: cooperation wins, as in the village
    model's ``imitate_best``). Scores must be >= 0 (-1 marks "nobody" beyond a fixed edge)."""
    n_side = scores.shape[0]
    padded_s = _pad(scores, boundary, -1)
    padded_c = _pad(cooperate, boundary, False)
    best = np.full(scores.shape, -1, dtype=scores.dtype)
    action = np.zeros(cooperate.shape, dtype=bool)
    for di, dj in OFFSETS[neighbourhood]:
        s = _shifted(padded_s, di, dj, n_side)
        a = _shifted(padded_c, di, dj, n_side)
        action = np.where(s > best, a, action | ((s == best) & a))
        np.maximum(best, s, out=best)
    return best, action


def synchronous_step(
    cooperate: np.ndarray, p: int, q: int, neighbourhood: str, boundary: str, self_interaction: bool
) -> np.ndarray:
    """One Nowak-May generation: everyone scores, then everyone at once takes the strategy
    of the best scorer among itself and its neighbours (:func:`behaviour.imitate_best`)."""
    scores = pd_scores(cooperate, p, q, neighbourhood, boundary, self_interaction)
    best, action = best_neighbour(scores, cooperate, neighbourhood, boundary)
    return behaviour.imitate_best(cooperate, scores, best, action)


def _window_min(values: np.ndarray, boundary: str, radius: int) -> np.ndarray:
    """Minimum over the (2 radius + 1)^2 window around every cell (separable)."""
    n_side = values.shape[0]
    big = np.iinfo(values.dtype).max
    padded = _pad(values, boundary, big, radius)
    rows = padded[:, radius : radius + n_side].copy()
    for d in range(-radius, radius + 1):
        if d:
            np.minimum(rows, padded[:, radius + d : radius + d + n_side], out=rows)
    out = rows[radius : radius + n_side].copy()
    for d in range(-radius, radius + 1):
        if d:
            np.minimum(out, rows[radius + d : radius + d + n_side], out=out)
    return out


def asynchronous_sweep(
    cooperate: np.ndarray,
    order: np.ndarray,
    p: int,
    q: int,
    neighbourhood: str,
    boundary: str,
    self_interaction: bool,
) -> tuple[np.ndarray, int]:
    """One sweep of random sequential updating: the L x L cells update one at a time in
    ``order`` (a permutation of the flat cell indices), each with the current state
    (:func:`behaviour.imitate_best` on its own score and its best neighbour's).

    Vectorised without changing the result: a cell's update reads only the cells within
    distance 2 (its neighbours' neighbours) and writes only itself, so two updates further
    apart commute. Each round updates, all at once, every not-yet-updated cell that comes
    first in ``order`` within its 5 x 5 window of not-yet-updated cells: every earlier
    update it depends on is done, no later one is, and no two cells of a round are within
    distance 2. The result is identical to the cell-by-cell loop (tested). Returns the new
    lattice and the number of rounds (about 45 for a random order)."""
    n_side = cooperate.shape[0]
    cooperate = cooperate.copy()
    big = np.iinfo(np.int64).max
    rank = np.empty(n_side * n_side, dtype=np.int64)
    rank[order] = np.arange(n_side * n_side)
    rank = rank.reshape(n_side, n_side)
    left = n_side * n_side
    rounds = 0
    while left:
        ready_mask = (rank == _window_min(rank, boundary, 2)) & (rank != big)
        ii, jj = np.nonzero(ready_mask)
        scores = pd_scores(cooperate, p, q, neighbourhood, boundary, self_interaction)
        padded_s = _pad(scores, boundary, -1)
        padded_c = _pad(cooperate, boundary, False)
        best = np.full(ii.size, -1, dtype=np.int64)
        action = np.zeros(ii.size, dtype=bool)
        for di, dj in OFFSETS[neighbourhood]:
            s = padded_s[ii + 1 + di, jj + 1 + dj]
            a = padded_c[ii + 1 + di, jj + 1 + dj]
            action = np.where(s > best, a, action | ((s == best) & a))
            np.maximum(best, s, out=best)
        cooperate[ii, jj] = behaviour.imitate_best(cooperate[ii, jj], scores[ii, jj], best, action)
        rank[ii, jj] = big
        left -= ii.size
        rounds += 1
    return cooperate, rounds


def initial_lattice(size: int, pattern: str, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """The starting lattice: random (each cell cooperates with probability ``fraction``),
    or one defector (cooperator) in the centre cell (size // 2, size // 2) of an
    all-cooperator (all-defector) lattice."""
    if pattern == "random":
        return rng.random((size, size)) < fraction
    lattice = np.full((size, size), pattern == "single_defector")
    lattice[size // 2, size // 2] = pattern != "single_defector"
    return lattice


# ----------------------------------------------------------------------------- graphs, exact results


def graph_shape(neighbourhood: str, size: int) -> tuple[int, int]:
    """(nodes, degree) of the regular graph of a death-birth scenario."""
    if neighbourhood == "ring":
        return size, 2
    return size * size, 4 if neighbourhood == "von_neumann" else 8


def regular_graph(neighbourhood: str, size: int) -> np.ndarray:
    """Neighbour table (nodes x degree) of a cycle of ``size`` nodes (``ring``) or of a
    ``size`` x ``size`` torus (``von_neumann``: 4 neighbours; ``moore``: 8)."""
    if neighbourhood == "ring":
        i = np.arange(size)
        return np.stack([(i - 1) % size, (i + 1) % size], axis=1)
    r, c = np.divmod(np.arange(size * size), size)
    return np.stack([((r + di) % size) * size + (c + dj) % size for di, dj in OFFSETS[neighbourhood]], axis=1)


def threshold_bc(nodes: int, degree: int) -> float:
    """The critical benefit-to-cost ratio of death-birth updating on a k-regular graph of N
    nodes (Ohtsuki et al. 2006 for large N; finite-N form, Allen et al. 2017):
    (N - 2) / (N / k - 2); cooperation is never favoured (inf) when N <= 2k."""
    return (nodes - 2) / (nodes / degree - 2) if nodes > 2 * degree else math.inf


def cycle_fixation_exact(nodes: int, b: float, c: float, w: float) -> float:
    """Exact fixation probability of one cooperator on a cycle under death-birth updating
    (accumulated donation-game payoffs, fitness 1 - w + w x payoff), from the birth-death
    chain of the size of the cooperators' cluster (on a cycle it stays one arc)."""
    n = nodes

    def fit(payoff: float) -> float:
        return 1.0 - w + w * payoff

    ratios = []
    for i in range(1, n):
        d = n - i  # defectors
        if d == 1:
            up = 1.0 / n  # the lone defector dies; both neighbours cooperate
        else:
            edge_c = fit(b * (1 if i >= 2 else 0) - 2 * c)
            other_d = fit(b if d == 2 else 0.0)
            up = 2.0 / n * edge_c / (edge_c + other_d)
        if i == 1:
            down = 1.0 / n  # the lone cooperator dies; both neighbours defect
        else:
            inner_c = fit((2 * b if i >= 3 else b) - 2 * c)
            outer_d = fit(2 * b if d == 1 else b)
            down = 2.0 / n * outer_d / (inner_c + outer_d)
        ratios.append(down / up)
    return float(1.0 / (1.0 + np.sum(np.cumprod(ratios))))


# ----------------------------------------------------------------------------- death-birth replicas


class DeathBirthReplicas:
    """Independent replicas of death-birth updating on one regular graph, as array rows.

    Each replica is run in several *copies* that differ only in their (b, w) and share
    every random number (the same node dies, the same uniform picks the newcomer), e.g.
    several values of b, plus a neutral copy (w = 0) used as a control variate. Per event
    and replica: a uniformly random node dies; each neighbour y competes for the empty
    node with fitness 1 - w + w x payoff_y, payoff_y = b x (cooperating neighbours of y)
    - c x k if y cooperates (accumulated donation game; the dying node still counts); the
    newcomer copies the winner's strategy. A generation is N events per replica. Replicas
    whose copies are all absorbed (all-C or all-D) are dropped from the arrays.
    """

    def __init__(
        self,
        neighbours: np.ndarray,
        b: np.ndarray,
        w: np.ndarray,
        c: float,
        initial: np.ndarray,
    ):
        self.neighbours = np.asarray(neighbours, dtype=np.int64)
        self.nodes, self.degree = self.neighbours.shape
        self.b = np.asarray(b, dtype=float).reshape(-1, 1, 1)
        self.w = np.asarray(w, dtype=float).reshape(-1, 1, 1)
        self.c = float(c)
        copies = self.b.shape[0]
        initial = np.asarray(initial, dtype=bool)
        self.replicas = initial.shape[0]
        self.initial_fraction = float(initial.mean())
        self.state = np.repeat(initial[None], copies, axis=0)  # copies x replicas x nodes
        counts = np.zeros(initial.shape, dtype=np.int16)
        for j in range(self.degree):
            counts += initial[:, self.neighbours[:, j]]
        self.counts = np.repeat(counts[None], copies, axis=0)  # cooperating neighbours of each node
        self.cooperators = self.state.sum(axis=2, dtype=np.int32)  # copies x replicas
        self.ids = np.arange(self.replicas)  # replicas still running (some copy not absorbed)
        self.outcome = np.full((copies, self.replicas), -1, dtype=np.int8)  # 1 = all C, 0 = all D
        self.events = 0
        self._drop_absorbed()

    @property
    def copies(self) -> int:
        return self.b.shape[0]

    def _drop_absorbed(self) -> None:
        absorbed = (self.cooperators == 0) | (self.cooperators == self.nodes)
        done = absorbed.all(axis=0)
        if done.any():
            self.outcome[:, self.ids[done]] = self.cooperators[:, done] == self.nodes
            keep = ~done
            self.ids = self.ids[keep]
            self.state = self.state[:, keep]
            self.counts = self.counts[:, keep]
            self.cooperators = self.cooperators[:, keep]

    def generation(self, rng: np.random.Generator) -> None:
        """N death-birth events in every running replica (all copies)."""
        k, nodes = self.degree, self.nodes
        nbr = self.neighbours
        for _ in range(nodes):
            m = self.ids.size
            if m == 0:
                return
            dying = rng.integers(0, nodes, size=m)
            u = rng.random(m)
            around = nbr[dying]  # m x k
            index = np.broadcast_to(around[None], (self.copies, m, k))
            strategy = np.take_along_axis(self.state, index, axis=2)
            counts = np.take_along_axis(self.counts, index, axis=2)
            fitness = 1.0 - self.w + self.w * (self.b * counts - (self.c * k) * strategy)
            cumulative = np.cumsum(fitness, axis=2)
            pick = (cumulative <= u[None, :, None] * cumulative[:, :, -1:]).sum(axis=2)
            np.minimum(pick, k - 1, out=pick)
            newcomer = np.take_along_axis(strategy, pick[:, :, None], axis=2)[:, :, 0]
            old = np.take_along_axis(self.state, np.broadcast_to(dying[None, :, None], (self.copies, m, 1)), axis=2)
            changed = newcomer != old[:, :, 0]
            if changed.any():
                cc, rr = np.nonzero(changed)
                xs = dying[rr]
                sign = np.where(newcomer[cc, rr], 1, -1).astype(np.int16)
                self.state[cc, rr, xs] = newcomer[cc, rr]
                self.counts[cc[:, None], rr[:, None], nbr[xs]] += sign[:, None]
                self.cooperators[cc, rr] += sign
            self.events += 1
        self._drop_absorbed()

    @property
    def running(self) -> int:
        return int(self.ids.size)

    def fixed(self, copy: int = 0) -> tuple[float, float]:
        """(share of replicas fixed at all-C, at all-D) so far, for one copy."""
        cooperators = self.cooperators[copy]
        done_c = np.count_nonzero(self.outcome[copy] == 1) + np.count_nonzero(cooperators == self.nodes)
        done_d = np.count_nonzero(self.outcome[copy] == 0) + np.count_nonzero(cooperators == 0)
        return done_c / self.replicas, done_d / self.replicas

    def cooperator_fraction(self, copy: int = 0) -> float:
        """Mean share of cooperators over all replicas (finished ones at 0 or 1)."""
        finished = np.count_nonzero(self.outcome[copy] == 1) * self.nodes
        return float((finished + self.cooperators[copy].sum()) / (self.replicas * self.nodes))

    def fixation_indicators(self) -> np.ndarray:
        """copies x replicas: 1.0 fixed at all-C, 0.0 at all-D, NaN still running."""
        out = self.outcome.astype(float)
        out[out < 0] = np.nan
        return out


def fixation_estimates(indicators: np.ndarray, neutral: float | None = None) -> dict[str, np.ndarray]:
    """Fixation probabilities from ``indicators`` (copies x replicas, finished replicas
    only): the plain estimate and its standard error per copy and, when the last copy is
    the neutral control (``neutral`` = its exact fixation probability, the initial share of
    cooperators on a regular graph), the control-variate estimate
    rho_cv = rho_w - rho_0 + neutral with its standard error (paired by replica)."""
    x = indicators[:, ~np.isnan(indicators).any(axis=0)]
    n = x.shape[1]
    rho = x.mean(axis=1)
    out = {"rho": rho, "se": np.sqrt(rho * (1.0 - rho) / max(n - 1, 1)), "n": np.array(n)}
    if neutral is not None:
        diff = x[:-1] - x[-1]
        out["rho_cv"] = diff.mean(axis=1) + neutral
        out["se_cv"] = diff.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else np.full(diff.shape[0], np.nan)
        out["diff"] = diff
    return out


def initial_replicas(replicas: int, nodes: int, pattern: str, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Starting states (replicas x nodes): one cooperator (defector) at a uniformly random
    node among defectors (cooperators), or each node cooperating with ``fraction``."""
    if pattern == "random":
        return rng.random((replicas, nodes)) < fraction
    single = pattern == "single_cooperator"
    state = np.full((replicas, nodes), not single)
    state[np.arange(replicas), rng.integers(0, nodes, size=replicas)] = single
    return state


# ----------------------------------------------------------------------------- the model


@dataclass
class _Lattice:
    cooperate: np.ndarray
    previous: np.ndarray
    p: int
    q: int
    static: np.ndarray | None = None  # cells cooperating at every step of the window so far
    first_edge: int | None = None
    symmetric: bool | None = None
    history: list | None = None  # recent states (bytes) to detect a period


class SpatialGame(mesa.Model):
    """The classic games of ``scenarios/classic/`` (see the module docstring).

    Args:
        scenario: a classic scenario name (``"classic/nowak_may"``), a path, or a loaded
            :class:`ClassicScenario`.
        rng: seed (Mesa 3.5 convention); one seed reproduces a run exactly. Random numbers
            come from ``numpy.random.SeedSequence`` streams under it: the initial state
            (``STREAM_INIT``) and each step's updating (``STREAM_UPDATE``, step).
        steps: shortcut for the ``steps`` key.
        **overrides: dotted keys of the scenario file, e.g. ``**{"game.b": 1.95}``.

    The per-step table (``timeseries()``) has ``step`` and ``cooperator_fraction`` and,
    per update: ``changed_fraction`` (lattice games: share of cells that switched),
    ``fixed_cooperators``, ``fixed_defectors``, ``running_replicas`` (death-birth) or
    ``mean_payoff`` (public goods).
    """

    def __init__(self, scenario: str | Path | ClassicScenario = ROOT, *, rng: Any = None, steps=None, **overrides):
        loaded = load_classic(scenario, {"steps": steps, **overrides})
        super().__init__(scenario=loaded.with_rng(rng))
        self.params: dict = self.scenario.params
        self.seed = int(self._seed) if isinstance(self._seed, (int, np.integer)) else self._seed
        self._root = np.random.SeedSequence(self.seed)
        p = self.params
        self.horizon: int = p["steps"]
        self.update_rule: str = p["update"]
        self.game: str = p["game"]["kind"]
        init_rng = np.random.default_rng(self._stream(STREAM_INIT))
        reporters: dict[str, Any] = {"cooperator_fraction": lambda m: m._stats["cooperator_fraction"]}
        self._stats: dict[str, float] = {}
        if self.game == "prisoners_dilemma":
            size = p["lattice"]["size"]
            start = initial_lattice(size, p["init"]["pattern"], p["init"]["cooperator_fraction"], init_rng)
            b_p, b_q = exact_ratio(p["game"]["b"])
            centred = p["init"]["pattern"] != "random" and size % 2 == 1
            self.lattice = _Lattice(
                start, start.copy(), b_p, b_q, symmetric=True if centred else None, history=[start.tobytes()]
            )
            self._track_edge()
            reporters["changed_fraction"] = lambda m: m._stats["changed_fraction"]
            self._stats.update(cooperator_fraction=float(start.mean()), changed_fraction=0.0)
            self.players = size * size
        elif self.game == "donation":
            neighbours = regular_graph(p["lattice"]["neighbourhood"], p["lattice"]["size"])
            self.nodes, self.degree = neighbours.shape
            db = p["death_birth"]
            start = initial_replicas(
                db["replicas"], self.nodes, p["init"]["pattern"], p["init"]["cooperator_fraction"], init_rng
            )
            bs, ws = [p["game"]["b"]], [db["selection"]]
            if db["neutral_control"]:
                bs.append(p["game"]["b"])
                ws.append(0.0)
            self.replicas = DeathBirthReplicas(neighbours, np.array(bs), np.array(ws), p["game"]["c"], start)
            self.neutral = self.replicas.initial_fraction  # exact neutral fixation probability (regular graph)
            for name in ("fixed_cooperators", "fixed_defectors", "running_replicas"):
                reporters[name] = lambda m, k=name: m._stats[k]
            self._measure_replicas()
            self.players = self.nodes
        else:
            n = p["lattice"]["size"]
            learn = p["learning"]
            f0 = min(max(p["init"]["cooperator_fraction"], 1e-12), 1.0 - 1e-12)
            # contribute, free-ride: both start at `initial_propensity`, contributing shifted so that
            # P(contribute) = init.cooperator_fraction at the start
            self.propensity = np.full((n, 2), learn["initial_propensity"])
            self.propensity[:, 0] += learn["temperature"] * math.log(f0 / (1.0 - f0))
            self.contributes = np.zeros(n, dtype=bool)
            reporters["mean_payoff"] = lambda m: m._stats["mean_payoff"]
            self._stats.update(cooperator_fraction=f0, mean_payoff=float("nan"))
            self.players = n
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def _stream(self, purpose: int, *extra: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self._root.entropy, spawn_key=(purpose, *extra))

    # --- dynamics -----------------------------------------------------------------
    def step(self) -> None:
        """One generation: a synchronous update, one asynchronous sweep, N death-birth
        events per replica, or one public-goods round."""
        rng = np.random.default_rng(self._stream(STREAM_UPDATE, self.steps))
        if self.game == "prisoners_dilemma":
            self._step_lattice(rng)
        elif self.game == "donation":
            self.replicas.generation(rng)
            self._measure_replicas()
            if self.replicas.running == 0:
                self.running = False
        else:
            self._step_public_goods(rng)
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

    def _step_lattice(self, rng: np.random.Generator) -> None:
        p, lat = self.params, self.lattice
        args = (lat.p, lat.q, p["lattice"]["neighbourhood"], p["lattice"]["boundary"], p["game"]["self_interaction"])
        lat.previous = lat.cooperate
        if self.update_rule == "synchronous":
            lat.cooperate = synchronous_step(lat.cooperate, *args)
        else:
            order = rng.permutation(lat.cooperate.size)
            lat.cooperate, _ = asynchronous_sweep(lat.cooperate, order, *args)
        c = lat.cooperate
        self._stats["cooperator_fraction"] = float(c.mean())
        self._stats["changed_fraction"] = float(np.count_nonzero(c != lat.previous) / c.size)
        if self.steps > p["burn_in"]:
            lat.static = c.copy() if lat.static is None else lat.static & c
        if lat.symmetric:
            lat.symmetric = bool(
                np.array_equal(c, c[::-1]) and np.array_equal(c, c[:, ::-1]) and np.array_equal(c, c.T)
            )
        self._track_edge()
        lat.history.append(c.tobytes())
        del lat.history[:-65]

    def _track_edge(self) -> None:
        lat = self.lattice
        if lat.first_edge is None and self.params["init"]["pattern"] != "random":
            odd = ~lat.cooperate if self.params["init"]["pattern"] == "single_defector" else lat.cooperate
            if odd[0].any() or odd[-1].any() or odd[:, 0].any() or odd[:, -1].any():
                lat.first_edge = int(self.steps)

    def _measure_replicas(self) -> None:
        rep = self.replicas
        fixed_c, fixed_d = rep.fixed(0)
        self._stats.update(
            cooperator_fraction=rep.cooperator_fraction(0),
            fixed_cooperators=fixed_c,
            fixed_defectors=fixed_d,
            running_replicas=rep.running,
        )

    def _step_public_goods(self, rng: np.random.Generator) -> None:
        p = self.params
        n, group = p["lattice"]["size"], p["game"]["group_size"]
        learn = p["learning"]
        labels = np.empty(n, dtype=np.int64)
        labels[rng.permutation(n)] = np.arange(n) // group  # random groups of G
        u_rule, u_error = rng.random(n), rng.random(n)
        choice = behaviour.reinforcement(self.propensity[:, 0], self.propensity[:, 1], learn["temperature"], u_rule)
        act = behaviour.with_errors(choice, learn["error_rate"], u_error)
        payoff = behaviour.public_good_payoff(act, labels, n // group, p["game"]["r"], p["game"]["c"])
        chosen = np.where(act, 0, 1)
        rows = np.arange(n)
        self.propensity[rows, chosen] = behaviour.reinforce(self.propensity[rows, chosen], payoff, learn["rate"])
        self.contributes = act
        self._stats.update(cooperator_fraction=float(act.mean()), mean_payoff=float(payoff.mean()))

    def run(self) -> SpatialGame:
        """Run to the horizon (``steps``), or until every death-birth replica is absorbed."""
        while self.running and self.steps < self.horizon:
            self.step()
        return self

    # --- results --------------------------------------------------------------------
    def timeseries(self):
        """The per-step table (pandas DataFrame, one row per step, step 0 first)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df)))
        return df

    def period(self) -> int | None:
        """Smallest k <= 64 with the last lattice equal to the one k steps before (1 = frozen)."""
        history = self.lattice.history
        for k in range(1, len(history)):
            if history[-1 - k] == history[-1]:
                return k
        return None

    def summary(self) -> dict[str, Any]:
        """The run in one flat dict with dotted keys; ``classic.cooperator_fraction_mean``
        is the mean over the window of steps ``classic.window_start`` .. ``classic.window_end``
        (after ``burn_in``)."""
        p = self.params
        df = self.timeseries()
        burn = p["burn_in"]
        after = df[df["step"] > burn] if (df["step"] > burn).any() else df
        out: dict[str, Any] = {
            "scenario": self.scenario.name,
            "model": MODEL_NAME,
            "seed": self.seed,
            "steps": int(self.steps),
            "classic.game": self.game,
            "classic.update": self.update_rule,
            "classic.players": int(self.players),
            "classic.window_start": int(after["step"].iloc[0]),
            "classic.window_end": int(after["step"].iloc[-1]),
            "classic.cooperator_fraction_mean": float(after["cooperator_fraction"].mean()),
            "classic.cooperator_fraction_sd": float(after["cooperator_fraction"].std(ddof=0)),
            "classic.cooperator_fraction_final": float(df["cooperator_fraction"].iloc[-1]),
        }
        if self.game == "prisoners_dilemma":
            lat = self.lattice
            out["classic.b"] = p["game"]["b"]
            out["classic.changed_fraction_mean"] = float(after["changed_fraction"].mean())
            out["classic.static_cooperator_share"] = None if lat.static is None else float(lat.static.mean())
            out["classic.period"] = self.period()
            out["classic.first_edge_step"] = lat.first_edge
            out["classic.symmetric"] = lat.symmetric
        elif self.game == "donation":
            rep = self.replicas
            est = fixation_estimates(rep.fixation_indicators(), self.neutral if rep.copies > 1 else None)
            out["classic.b"] = p["game"]["b"]
            out["classic.c"] = p["game"]["c"]
            out["classic.nodes"] = int(self.nodes)
            out["classic.degree"] = int(self.degree)
            out["classic.selection"] = p["death_birth"]["selection"]
            out["classic.replicas"] = int(rep.replicas)
            out["classic.unabsorbed_replicas"] = rep.running
            out["classic.fixation_probability"] = float(est["rho"][0])
            out["classic.fixation_probability_se"] = float(est["se"][0])
            out["classic.fixation_probability_cv"] = float(est["rho_cv"][0]) if "rho_cv" in est else None
            out["classic.fixation_probability_cv_se"] = float(est["se_cv"][0]) if "se_cv" in est else None
            out["classic.neutral_fixation_probability"] = self.neutral
            threshold = threshold_bc(self.nodes, self.degree)
            out["classic.threshold_bc"] = threshold if math.isfinite(threshold) else None
            out["classic.benefit_cost_ratio"] = p["game"]["b"] / p["game"]["c"] if p["game"]["c"] > 0 else None
        else:
            out["classic.r"] = p["game"]["r"]
            out["classic.group_size"] = p["game"]["group_size"]
            out["classic.mean_payoff"] = float(after["mean_payoff"].mean())
        return out


# ----------------------------------------------------------------------------- outputs


def figures(model: SpatialGame, summary: dict, folder: Path) -> list[Path]:
    """The run's figures: ``cooperators.png`` (cooperator fraction per step, the summary
    window shaded) and ``lattice.png`` (lattice games: the last step in Nowak & May's
    colours) or ``fixation.png`` (death-birth: replicas fixed per generation)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    folder.mkdir(parents=True, exist_ok=True)
    df = model.timeseries()
    title = model.scenario.name
    written = []
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(df["step"], df["cooperator_fraction"], color="#1f4e9c", lw=1.2)
    ax.axvspan(summary["classic.window_start"], summary["classic.window_end"], color="0.9", lw=0)
    ax.axhline(summary["classic.cooperator_fraction_mean"], color="k", lw=0.8, ls="--", label="mean over the window")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step (generation)")
    ax.set_ylabel("share of cooperators")
    ax.legend(fontsize=8)
    ax.set_title(f"Cooperators - {title}", fontsize=10)
    written.append(folder / "cooperators.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)
    if model.game == "prisoners_dilemma":
        lat = model.lattice
        # Nowak & May's colours: blue C->C, red D->D, green D->C, yellow C->D
        code = np.where(lat.cooperate, np.where(lat.previous, 0, 2), np.where(lat.previous, 3, 1))
        cmap = ListedColormap(["#1f4e9c", "#d62728", "#2ca02c", "#f2c80f"])
        side = max(4.0, min(8.0, lat.cooperate.shape[0] / 25))
        fig, ax = plt.subplots(figsize=(side, side), constrained_layout=True)
        ax.imshow(code, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{title}, step {model.steps}: blue C, red D, green new C, yellow new D", fontsize=9)
        written.append(folder / "lattice.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    elif model.game == "donation":
        fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
        ax.plot(df["step"], df["fixed_cooperators"], color="#1f4e9c", label="fixed at all-C")
        ax.axhline(model.neutral, color="#1f4e9c", lw=0.8, ls=":", label="neutral (initial share of C)")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("generation")
        ax.set_ylabel("share of replicas fixed at all-C")
        ax2 = ax.twinx()
        ax2.plot(df["step"], df["fixed_defectors"], color="#d62728", label="fixed at all-D")
        ax2.set_ylabel("share of replicas fixed at all-D", color="#d62728")
        ax.legend(fontsize=8, loc="center right")
        ax.set_title(f"Fixation - {title}", fontsize=10)
        written.append(folder / "fixation.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    return written


def _fmt(value: Any) -> str:
    from sim.io import format_value

    return format_value(value, 4)


def print_summary(summary: dict, out: Path | None = None) -> None:
    """A short, readable summary of one classic run."""
    s = summary
    lines = [
        f"Scenario {s['scenario']}  (seed {s['seed']}, {s['classic.game']}, {s['classic.update']} update, "
        f"{s['classic.players']} players, {s['steps']} steps)",
        f"  cooperators  mean {_fmt(s['classic.cooperator_fraction_mean'])} over steps "
        f"{s['classic.window_start']}-{s['classic.window_end']} | final {_fmt(s['classic.cooperator_fraction_final'])}",
    ]
    if s["classic.game"] == "prisoners_dilemma":
        lines.append(
            f"  lattice      b = {s['classic.b']} | changed per step {_fmt(s['classic.changed_fraction_mean'])} | "
            f"cooperating throughout the window {_fmt(s['classic.static_cooperator_share'])} | "
            f"period {_fmt(s['classic.period'])}"
        )
        if s["classic.first_edge_step"] is not None or s["classic.symmetric"] is not None:
            lines.append(
                f"  pattern      first reaches the edge at step {_fmt(s['classic.first_edge_step'])} | "
                f"four-fold symmetric throughout {_fmt(s['classic.symmetric'])}"
            )
    elif s["classic.game"] == "donation":
        lines.append(
            f"  fixation     rho_C = {_fmt(s['classic.fixation_probability'])} +- "
            f"{_fmt(s['classic.fixation_probability_se'])} (control variate "
            f"{_fmt(s['classic.fixation_probability_cv'])} +- {_fmt(s['classic.fixation_probability_cv_se'])}) "
            f"vs neutral {_fmt(s['classic.neutral_fixation_probability'])}"
        )
        lines.append(
            f"               b/c = {_fmt(s['classic.benefit_cost_ratio'])}, threshold (N-2)/(N/k-2) = "
            f"{_fmt(s['classic.threshold_bc'])}; {s['classic.replicas']} replicas, "
            f"{s['classic.unabsorbed_replicas']} not absorbed"
        )
    else:
        lines.append(
            f"  public good  r = {s['classic.r']}, group size {s['classic.group_size']} | "
            f"mean payoff {_fmt(s['classic.mean_payoff'])}"
        )
    if out is not None:
        lines.append(f"Wrote {out}/summary.json, timeseries.csv, manifest.json and figures/")
    print("\n".join(lines))


def write_run(scenario: ClassicScenario, seed: int, out: Path, quiet: bool = False) -> dict:
    """Run a classic scenario and write its results folder atomically (like ``kerjasama run``
    for villages: summary.json, timeseries.csv, manifest.json, figures/)."""
    from sim import io

    started = io.now()
    model = SpatialGame(scenario, rng=seed)
    model.run()
    summary = model.summary()
    finished = io.now()
    io.write_run_folder(model, summary, out, started, finished, figures, {"model": MODEL_NAME})
    if not quiet:
        print_summary(summary, out)
    return summary


def describe(scenario: ClassicScenario) -> str:
    """One line for ``kerjasama check``."""
    p = scenario.params
    game, where = p["game"]["kind"], p["lattice"]["neighbourhood"]
    size = p["lattice"]["size"]
    if where in ("moore", "von_neumann"):
        shape = f"{size} x {size} {'torus' if p['lattice']['boundary'] == 'periodic' else 'lattice'} ({where})"
    else:
        shape = f"{size} players, well mixed" if where == "well_mixed" else f"a cycle of {size} nodes"
    return (
        f"{scenario.source}: OK - classic scenario {scenario.name!r}: {game}, {p['update']} update, {shape}, "
        f"{p['steps']} steps"
    )


if __name__ == "__main__":  # pragma: no cover
    print(describe(load_classic(sys.argv[1] if len(sys.argv) > 1 else ROOT)))
