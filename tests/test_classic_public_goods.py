"""The public-goods game (sim/classic/public_goods.py): the villages' payoff and learning
rules, and learners that stop contributing exactly when r is below the group size."""

from __future__ import annotations

import numpy as np
import pytest

from sim import behaviour
from sim.classic import SpatialGame

# ----------------------------------------------------------------------------- public goods


def test_public_good_payoff():
    labels = np.array([0, 0, 0, 1, 1])
    act = np.array([True, False, True, False, False])
    pay = behaviour.public_good_payoff(act, labels, 2, 3.0, 1.0)
    assert pay == pytest.approx([3 * 2 / 3 - 1, 2.0, 1.0, 0.0, 0.0])
    # contributing changes one's own payoff by c (r/G - 1), whatever the others do
    for others in range(3):
        a = np.array([False] + [True] * others + [False] * (2 - others))
        gain = behaviour.public_good_payoff(~a & (np.arange(3) == 0) | a, np.zeros(3, int), 1, 2.4, 1.0)[0]
        gain -= behaviour.public_good_payoff(a, np.zeros(3, int), 1, 2.4, 1.0)[0]
        assert gain == pytest.approx(2.4 / 3 - 1)


def test_reinforce_is_the_village_learning_step(monkeypatch):
    assert behaviour.reinforce(np.array([1.0]), np.array([3.0]), 0.25) == pytest.approx([1.5])
    from sim import VillageModel

    calls = []
    original = behaviour.reinforce
    monkeypatch.setattr(behaviour, "reinforce", lambda *a: calls.append(1) or original(*a))
    VillageModel("default", rng=1, n_villages=40, steps=4).run()
    assert calls, "the village model learns through behaviour.reinforce"


def test_learners_stop_contributing_exactly_when_r_below_group_size():
    low = SpatialGame("classic/public_goods", rng=1, **{"game.r": 3.0, "steps": 600, "burn_in": 300}).run()
    high = SpatialGame("classic/public_goods", rng=1, **{"game.r": 7.0, "steps": 600, "burn_in": 300}).run()
    assert low.summary()["classic.cooperator_fraction_mean"] < 0.1
    assert high.summary()["classic.cooperator_fraction_mean"] > 0.7
