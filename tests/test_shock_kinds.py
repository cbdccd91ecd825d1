"""The scheduled shocks of a COVID-like crisis (sim/shocks.py): a closure of the markets joint
marketing sells to, and a fall of non-farm income; neither draws a random number, so adding one
leaves every other shock as it was."""

from __future__ import annotations

import numpy as np

from sim import VillageModel, load_scenario
from sim.shocks import Environment


def _environment(scheduled):
    params = load_scenario("default", {"shocks.scheduled": scheduled}).params["shocks"]
    x = y = np.linspace(0.0, 10.0, 6)
    district = np.array([0, 0, 0, 1, 1, 1])
    return Environment(params, x, y, district, 2, np.random.SeedSequence(3))


def test_market_and_income_shocks_hit_what_they_say_and_nothing_else():
    events = [
        {"kind": "market", "step": 2, "duration": 2, "intensity": 0.7, "district": 1},
        {"kind": "income", "step": 2, "duration": 1, "intensity": 0.25, "district": 1},
        {"kind": "income", "step": 2, "duration": 1, "intensity": 0.2, "district": -1},
    ]
    calm, shocked = _environment([]), _environment(events)
    for step in (1, 2, 3):
        a, b = calm.draw(step), shocked.draw(step)
        np.testing.assert_array_equal(a.crop, b.crop)
        np.testing.assert_array_equal(a.fire, b.fire)
        assert a.price == b.price and a.market == 1.0 and a.nonfarm is None
    during = shocked.draw(2)
    assert np.isclose(during.market, 0.3)  # region-wide, whatever district the event names
    np.testing.assert_allclose(during.nonfarm, [0.8, 0.8, 0.8, 0.6, 0.6, 0.6])  # the two compound where both hit
    after = shocked.draw(3)
    assert np.isclose(after.market, 0.3) and after.nonfarm is None
    assert shocked.draw(4).market == 1.0


def test_an_income_shock_lowers_consumption_and_a_market_closure_the_joint_marketing_gain():
    """Paired runs of the default scenario: in the year of the shock, mean consumption falls with
    non-farm income; with the markets closed, joint marketing earns nothing."""
    base = {"n_villages": 60, "steps": 4}

    def last_year(scheduled):
        model = VillageModel("default", rng=4, **base, **{"shocks.scheduled": scheduled})
        model.run()
        return model.state.consumption.mean(), model.last_economy.farming.marketing.sum()

    calm = last_year([])
    income = last_year([{"kind": "income", "step": 4, "duration": 1, "intensity": 0.5, "district": -1}])
    closed = last_year([{"kind": "market", "step": 4, "duration": 1, "intensity": 1.0, "district": -1}])
    assert calm[1] > 0.0 and closed[1] == 0.0
    assert income[0] < calm[0] - 0.02  # half of a non-farm income of 0.35 poverty lines, partly smoothed by savings
