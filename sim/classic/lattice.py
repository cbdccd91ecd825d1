"""The Nowak-May lattice: exact prisoner's-dilemma scores and the two imitation updates.

A lattice is an L x L boolean array (True = cooperates). Scores are exact integers in units
of 1/q for b = p/q (see :func:`exact_ratio`); neighbours are read through shifted copies of a
padded array (``wrap`` for a periodic boundary, an empty border for a fixed one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim import behaviour
from sim.classic.shapes import OFFSETS, exact_ratio


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


# ----------------------------------------------------------------------------- one lattice run


class LatticeGame:
    """One run of the lattice prisoner's dilemma: the lattice now (``cooperate``) and one
    step before (``previous``), b as the exact ratio ``p``/``q``, and what the summary
    tracks: ``static`` (cells cooperating at every step of the window so far),
    ``first_edge`` (the step a single odd cell's pattern first reaches the edge),
    ``symmetric`` (whether that pattern has stayed four-fold symmetric), ``history``
    (recent lattices as bytes, to find a period)."""

    columns = ("changed_fraction",)  # per-step measures besides cooperator_fraction

    def __init__(self, params: dict[str, Any], rng: np.random.Generator):
        self.params = params
        size, init = params["lattice"]["size"], params["init"]
        start = initial_lattice(size, init["pattern"], init["cooperator_fraction"], rng)
        self.p, self.q = exact_ratio(params["game"]["b"])
        self.cooperate, self.previous = start, start.copy()
        self.static: np.ndarray | None = None
        self.first_edge: int | None = None
        centred = init["pattern"] != "random" and size % 2 == 1
        self.symmetric: bool | None = True if centred else None
        self.history: list[bytes] = [start.tobytes()]
        self.track_edge(0)
        self.measures: dict[str, float] = {"cooperator_fraction": float(start.mean()), "changed_fraction": 0.0}

    @property
    def players(self) -> int:
        return self.cooperate.size

    @property
    def finished(self) -> bool:
        """A lattice game runs to its horizon."""
        return False

    def step(self, rng: np.random.Generator, step: int) -> None:
        """One generation (synchronous), or one sweep of single-cell updates in the random
        order ``rng`` draws (asynchronous); then the measures of step ``step``."""
        p = self.params
        args = (self.p, self.q, p["lattice"]["neighbourhood"], p["lattice"]["boundary"], p["game"]["self_interaction"])
        self.previous = self.cooperate
        if p["update"] == "synchronous":
            self.cooperate = synchronous_step(self.cooperate, *args)
        else:
            order = rng.permutation(self.cooperate.size)
            self.cooperate, _ = asynchronous_sweep(self.cooperate, order, *args)
        c = self.cooperate
        self.measures["cooperator_fraction"] = float(c.mean())
        self.measures["changed_fraction"] = float(np.count_nonzero(c != self.previous) / c.size)
        if step > p["burn_in"]:
            self.static = c.copy() if self.static is None else self.static & c
        if self.symmetric:
            self.symmetric = bool(
                np.array_equal(c, c[::-1]) and np.array_equal(c, c[:, ::-1]) and np.array_equal(c, c.T)
            )
        self.track_edge(step)
        self.history.append(c.tobytes())
        del self.history[:-65]

    def track_edge(self, step: int) -> None:
        """Note ``step`` if it is the first at which the pattern grown from a single odd
        cell touches the lattice's edge."""
        pattern = self.params["init"]["pattern"]
        if self.first_edge is None and pattern != "random":
            odd = ~self.cooperate if pattern == "single_defector" else self.cooperate
            if odd[0].any() or odd[-1].any() or odd[:, 0].any() or odd[:, -1].any():
                self.first_edge = int(step)

    def period(self) -> int | None:
        """Smallest k <= 64 with the last lattice equal to the one k steps before (1 = frozen)."""
        history = self.history
        for k in range(1, len(history)):
            if history[-1 - k] == history[-1]:
                return k
        return None

    def summary(self, after) -> dict[str, Any]:
        """The lattice game's summary entries; ``after`` is the per-step table over the window."""
        return {
            "classic.b": self.params["game"]["b"],
            "classic.changed_fraction_mean": float(after["changed_fraction"].mean()),
            "classic.static_cooperator_share": None if self.static is None else float(self.static.mean()),
            "classic.period": self.period(),
            "classic.first_edge_step": self.first_edge,
            "classic.symmetric": self.symmetric,
        }
