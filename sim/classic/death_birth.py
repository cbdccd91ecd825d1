"""Death-birth updating on regular graphs (Ohtsuki et al. 2006): the graphs, the exact
results it is checked against, and many independent replicas run as the rows of one array."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.classic.shapes import OFFSETS


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


# ----------------------------------------------------------------------------- one death-birth run


class DonationGame:
    """One run of the donation game under death-birth updating: the replicas of the
    scenario's graph (plus, with ``death_birth.neutral_control``, a neutral copy of each on
    the same random numbers) and the measures of the current generation."""

    columns = ("fixed_cooperators", "fixed_defectors", "running_replicas")  # besides cooperator_fraction

    def __init__(self, params: dict[str, Any], rng: np.random.Generator):
        self.params = params
        neighbours = regular_graph(params["lattice"]["neighbourhood"], params["lattice"]["size"])
        self.nodes, self.degree = neighbours.shape
        db, init, b = params["death_birth"], params["init"], params["game"]["b"]
        start = initial_replicas(db["replicas"], self.nodes, init["pattern"], init["cooperator_fraction"], rng)
        bs, ws = [b], [db["selection"]]
        if db["neutral_control"]:
            bs.append(b)
            ws.append(0.0)
        self.replicas = DeathBirthReplicas(neighbours, np.array(bs), np.array(ws), params["game"]["c"], start)
        self.neutral = self.replicas.initial_fraction  # exact neutral fixation probability (regular graph)
        self.measures: dict[str, float] = {}
        self._measure()

    @property
    def players(self) -> int:
        return self.nodes

    @property
    def finished(self) -> bool:
        """Whether every replica is absorbed (all cooperators or all defectors)."""
        return self.replicas.running == 0

    def step(self, rng: np.random.Generator, step: int) -> None:
        """One generation: N death-birth events in every running replica."""
        self.replicas.generation(rng)
        self._measure()

    def _measure(self) -> None:
        rep = self.replicas
        fixed_c, fixed_d = rep.fixed(0)
        self.measures.update(
            cooperator_fraction=rep.cooperator_fraction(0),
            fixed_cooperators=fixed_c,
            fixed_defectors=fixed_d,
            running_replicas=rep.running,
        )

    def summary(self, after) -> dict[str, Any]:
        """The death-birth summary entries: the fixation probability of cooperators (plain
        and control-variate estimates, with standard errors) against the neutral 1/N."""
        p, rep = self.params, self.replicas
        est = fixation_estimates(rep.fixation_indicators(), self.neutral if rep.copies > 1 else None)
        threshold = threshold_bc(self.nodes, self.degree)
        return {
            "classic.b": p["game"]["b"],
            "classic.c": p["game"]["c"],
            "classic.nodes": int(self.nodes),
            "classic.degree": int(self.degree),
            "classic.selection": p["death_birth"]["selection"],
            "classic.replicas": int(rep.replicas),
            "classic.unabsorbed_replicas": rep.running,
            "classic.fixation_probability": float(est["rho"][0]),
            "classic.fixation_probability_se": float(est["se"][0]),
            "classic.fixation_probability_cv": float(est["rho_cv"][0]) if "rho_cv" in est else None,
            "classic.fixation_probability_cv_se": float(est["se_cv"][0]) if "se_cv" in est else None,
            "classic.neutral_fixation_probability": self.neutral,
            "classic.threshold_bc": threshold if math.isfinite(threshold) else None,
            "classic.benefit_cost_ratio": p["game"]["b"] / p["game"]["c"] if p["game"]["c"] > 0 else None,
        }
