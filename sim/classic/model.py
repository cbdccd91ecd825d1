"""SpatialGame: the Mesa model that runs one classic scenario (lattice, death-birth or
public goods) and measures it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import behaviour
from sim.classic.death_birth import (
    DeathBirthReplicas,
    fixation_estimates,
    initial_replicas,
    regular_graph,
    threshold_bc,
)
from sim.classic.lattice import asynchronous_sweep, exact_ratio, initial_lattice, synchronous_step
from sim.classic.scenario import MODEL_NAME, ROOT, ClassicScenario, load_classic

# Random streams (numpy SeedSequence spawn keys under the run's seed), one per purpose.
STREAM_INIT, STREAM_UPDATE = range(2)


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
