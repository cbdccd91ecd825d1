"""The public-goods game: a well-mixed population re-grouped at random every step, whose
players learn with the villages' :func:`sim.behaviour.reinforcement` rule and are paid by
:func:`sim.behaviour.public_good_payoff`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim import behaviour


class PublicGoodsGame:
    """One run of the public-goods game: every player's propensities to contribute and to
    free-ride (column 0 and 1), what each did last round, and the round's measures."""

    columns = ("mean_payoff",)  # besides cooperator_fraction

    def __init__(self, params: dict[str, Any], rng: np.random.Generator | None = None):
        self.params = params
        n = params["lattice"]["size"]
        learn = params["learning"]
        f0 = min(max(params["init"]["cooperator_fraction"], 1e-12), 1.0 - 1e-12)
        # contribute, free-ride: both start at `initial_propensity`, contributing shifted so that
        # P(contribute) = init.cooperator_fraction at the start
        self.propensity = np.full((n, 2), learn["initial_propensity"])
        self.propensity[:, 0] += learn["temperature"] * math.log(f0 / (1.0 - f0))
        self.contributes = np.zeros(n, dtype=bool)
        self.measures: dict[str, float] = {"cooperator_fraction": f0, "mean_payoff": float("nan")}

    @property
    def players(self) -> int:
        return self.contributes.size

    @property
    def finished(self) -> bool:
        """A public-goods game runs to its horizon."""
        return False

    def step(self, rng: np.random.Generator, step: int) -> None:
        """One round: random groups of ``game.group_size``; everyone chooses (logit on its
        propensities, then errors), is paid, and reinforces the action it took."""
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
        self.measures.update(cooperator_fraction=float(act.mean()), mean_payoff=float(payoff.mean()))

    def summary(self, after) -> dict[str, Any]:
        """The public-goods summary entries; ``after`` is the per-step table over the window."""
        return {
            "classic.r": self.params["game"]["r"],
            "classic.group_size": self.params["game"]["group_size"],
            "classic.mean_payoff": float(after["mean_payoff"].mean()),
        }
