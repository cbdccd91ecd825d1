"""SpatialGame: the Mesa model that runs one classic scenario and measures it.

The game's own state and rules live in the module of its game (:class:`LatticeGame`,
:class:`DonationGame`, :class:`PublicGoodsGame`); the model seeds it, steps it, collects
its per-step measures and summarises the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.classic.death_birth import DonationGame
from sim.classic.lattice import LatticeGame
from sim.classic.public_goods import PublicGoodsGame
from sim.classic.scenario import MODEL_NAME, ROOT, load_classic
from sim.scenario.loaded import LoadedScenario
from sim.scenario.parameter import python_value

# Random streams (numpy SeedSequence spawn keys under the run's seed), one per purpose.
STREAM_INIT, STREAM_UPDATE = range(2)

# Which class plays each game.kind.
GAME_CLASSES = {"prisoners_dilemma": LatticeGame, "donation": DonationGame, "public_goods": PublicGoodsGame}


class ClassicScenario(LoadedScenario):
    """A loaded, validated classic-game scenario; what ``SpatialGame.scenario`` holds.

    Like :class:`sim.scenario.VillageScenario`: Mesa's ``Scenario`` carrying the run's
    ``rng``, with ``name``, ``source`` (the file), ``params`` (the checked parameter tree),
    ``raw`` (the merged tree before checking) and ``overrides`` (the dotted overrides applied).
    """


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

    ``state`` is the game being played (a :class:`LatticeGame`, :class:`DonationGame` or
    :class:`PublicGoodsGame`); ``lattice`` names it in the prisoner's dilemma.

    The per-step table (``timeseries()``) has ``step`` and ``cooperator_fraction`` and,
    per update: ``changed_fraction`` (lattice games: share of cells that switched),
    ``fixed_cooperators``, ``fixed_defectors``, ``running_replicas`` (death-birth) or
    ``mean_payoff`` (public goods).
    """

    def __init__(self, scenario: str | Path | ClassicScenario = ROOT, *, rng: Any = None, steps=None, **overrides):
        loaded = load_classic(scenario, {"steps": steps, **overrides})
        super().__init__(scenario=loaded.with_rng(python_value(rng)))  # a numpy integer seeds as the int
        self.params: dict = self.scenario.params
        self.seed = int(self._seed) if isinstance(self._seed, (int, np.integer)) else self._seed
        self._root = np.random.SeedSequence(self.seed)
        p = self.params
        self.horizon: int = p["steps"]
        self.update_rule: str = p["update"]
        self.game: str = p["game"]["kind"]
        init_rng = np.random.default_rng(self._stream(STREAM_INIT))
        self.state = GAME_CLASSES[self.game](p, init_rng)
        self.players: int = self.state.players
        reporters = {
            name: (lambda m, k=name: m.state.measures[k]) for name in ("cooperator_fraction", *self.state.columns)
        }
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def _stream(self, purpose: int, *extra: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self._root.entropy, spawn_key=(purpose, *extra))

    @property
    def lattice(self) -> LatticeGame:
        """The lattice of the prisoner's dilemma (``cooperate``: True where a cell cooperates)."""
        if not isinstance(self.state, LatticeGame):
            raise AttributeError(f"a {self.game} game has no lattice")
        return self.state

    # --- dynamics -----------------------------------------------------------------
    def step(self) -> None:
        """One generation: a synchronous update, one asynchronous sweep, N death-birth
        events per replica, or one public-goods round."""
        rng = np.random.default_rng(self._stream(STREAM_UPDATE, self.steps))
        self.state.step(rng, self.steps)
        if self.state.finished:
            self.running = False
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

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

    def summary(self) -> dict[str, Any]:
        """The run in one flat dict with dotted keys; ``classic.cooperator_fraction_mean``
        is the mean over the window of steps ``classic.window_start`` .. ``classic.window_end``
        (after ``burn_in``); then the game's own entries."""
        df = self.timeseries()
        burn = self.params["burn_in"]
        after = df[df["step"] > burn] if (df["step"] > burn).any() else df
        return {
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
            **self.state.summary(after),
        }
