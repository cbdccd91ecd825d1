"""Agriculture: farm output, risk pools and their value under correlated shocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.domains import AGRICULTURE, agriculture, group_labels
from sim.scenario import load_scenario
from sim.shocks import Environment, Shocks
from sim.state import VillageState
from tests.conftest import hand_year, isolated_model


@given(
    incomes=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=30),
    groups=st.integers(1, 5),
    pool_share=st.floats(0.0, 1.0),
    seed=st.integers(0, 1000),
)
def test_pool_transfers_sum_to_zero_in_every_group(incomes, groups, pool_share, seed):
    rng = np.random.default_rng(seed)
    income = np.array(incomes)
    pid = rng.integers(-1, groups, size=income.size)
    pays = rng.random(income.size) < 0.7
    households = rng.uniform(10, 2000, size=income.size)
    labels, n = group_labels(pid)
    for weights in (None, households):
        transfer = agriculture.risk_pool_transfers(income, labels, n, pays, pool_share, weights)
        sums = np.bincount(labels, weights=transfer, minlength=n)
        assert np.allclose(sums, 0.0, atol=1e-7 * max(1.0, income.sum()))
        assert np.allclose(transfer[pid < 0], 0.0)  # alone: no pool


def test_pool_shares_equally_per_household():
    """Two members with equal income per household: no transfer, whatever their sizes."""
    households = np.array([100.0, 900.0])
    income = 1.5 * households  # village totals, 1.5 per household each
    labels, n = group_labels(np.array([0, 0]))
    transfer = agriculture.risk_pool_transfers(income, labels, n, np.ones(2, bool), 0.3, households)
    assert np.allclose(transfer, 0.0)
    hit = income * np.array([0.5, 1.0])  # the small village loses half its harvest
    transfer = agriculture.risk_pool_transfers(hit, labels, n, np.ones(2, bool), 0.3, households)
    assert transfer[0] > 0 > transfer[1] and transfer.sum() == pytest.approx(0.0)


def test_output_follows_the_formula():
    out = agriculture.farm_output(
        np.array([1.0]), np.array([2.0]), 0.5, np.array([True]), 0.25, np.array([0.4]), np.array([0.5]), 0.6
    )
    assert out[0] == pytest.approx(1.0 * 2.0**0.5 * 1.25 * (1 - 0.4 * (1 - 0.3)))


def test_expertise_lowers_the_output_a_shock_destroys():
    from sim.domains import agriculture

    low = agriculture.farm_output(np.ones(1), np.ones(1), 0.7, np.zeros(1), 0.0, np.array([0.5]), np.array([0.1]), 0.6)
    high = agriculture.farm_output(np.ones(1), np.ones(1), 0.7, np.zeros(1), 0.0, np.array([0.5]), np.array([0.9]), 0.6)
    assert high[0] > low[0]


def _pool_variance_ratio(shock_overrides: dict) -> float:
    """Variance of members' farm income with a pool / without, under the model's own shocks."""
    base = {
        "landscape.n_villages": 200,
        "landscape.n_districts": 1,
        "shocks.scheduled": [],
        "shocks.drought.threshold": -0.5,
        "shocks.drought.severity": 0.4,
        "shocks.price.volatility": 0.0,
        "shocks.fire.probability": 0.0,
    }
    scenario = load_scenario("default", {**base, **shock_overrides})
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 10, 200), rng.uniform(0, 10, 200)
    env = Environment(scenario.params["shocks"], x, y, np.zeros(200, dtype=int), 1, np.random.SeedSequence(5))
    labels = np.repeat(np.arange(40), 5)  # 40 pools of 5
    before, after = [], []
    for step in range(1, 301):
        income = 1.0 - env.draw(step).crop
        before.append(income)
        after.append(income + agriculture.risk_pool_transfers(income, labels, 40, np.ones(200, bool), 0.5))
    return float(np.var(np.array(after), axis=0).mean() / np.var(np.array(before), axis=0).mean())


def test_risk_pool_lowers_variance_under_independent_shocks_and_helps_less_when_correlated():
    """Pools of 5 paying half their income in: independent shocks leave 0.4 of the variance
    (theory: 1 - (1 - 1/5)(1 - 0.25)); shocks that share a district-wide half (correlated,
    not identical: each village still has its own part) leave more, and still less than all."""
    independent = _pool_variance_ratio({"shocks.drought.district_weight": 0.0, "shocks.drought.local_weight": 0.0})
    correlated = _pool_variance_ratio({"shocks.drought.district_weight": 0.5, "shocks.drought.local_weight": 0.0})
    assert independent < 0.5
    assert independent + 0.15 < correlated < 0.9
    assert _pool_variance_ratio({"shocks.drought.district_weight": 1.0, "shocks.drought.local_weight": 0.0}) > 0.99
    assert agriculture.pooled_variance_factor(5, 1.0, 0.5) == pytest.approx(0.0)
    assert agriculture.pooled_variance_factor(5, 0.0, 0.5) == pytest.approx(0.8 * 0.75)


def test_risk_pool_smooths_members_consumption_in_the_model():
    """Members' consumption varies less with a pool than alone, when shocks are independent."""
    common = {
        "cooperation.domains": ["agriculture"],
        "cooperation.forms": ["formal"],
        "behaviour.rule": "always_cooperate",
        "behaviour.error_rate": 0.0,
        "economy.save_rate": 0.0,
        "agriculture.food_store_share": 0.0,
        "agriculture.marketing_premium": 0.0,
        "shocks.price.volatility": 0.0,
        "shocks.fire.probability": 0.0,
        "shocks.drought.threshold": 0.0,
        "shocks.drought.severity": 0.5,
        "shocks.drought.district_weight": 0.0,
        "shocks.drought.local_weight": 0.0,
        "cooperation.innovation.base_rate": 0.0,
        "cooperation.innovation.diversity_rate": 0.0,
        "cooperation.capacity.spill_rate": 0.0,
        "cooperation.capacity.self_learning": 0.0,
        "landscape.initial_wealth": 0.0,
        "landscape.initial_food_stock": 0.0,
        "forms.formal.term": 0,
        "forms.formal.exit_penalty": 0.0,
    }

    def consumption_variance(forms, pool_share):
        m = isolated_model(
            **{
                **common,
                "cooperation.forms": forms,
                "agriculture.pool_share": pool_share,
                "n_villages": 40,
                "steps": 60,
            }
        )
        if forms:
            for start in range(0, 40, 4):
                m.form_partnership(m.forms["formal"], (AGRICULTURE,), list(range(start, start + 4)))
        history = []
        for _ in range(60):
            m.step()
            history.append(m.state.consumption.copy())
        return np.var(np.array(history), axis=0).mean(), m

    alone, _ = consumption_variance([], 0.3)
    pooled, model = consumption_variance(["formal"], 0.5)
    assert (model.state.partnership[:, AGRICULTURE] >= 0).all()
    assert pooled < 0.8 * alone


def test_farm_year_of_a_hand_built_pool_with_and_without_a_free_rider():
    """Land 4 ha per household (x 4^0.5 = 2), productivity 1, price 1.5. Village 1 loses
    half its harvest to drought, village 2 a fire (damage 0.5, protection 0.4: 30 %
    lost): revenue 3.0, 1.5, 2.1; a fifth is stored. Villages 0 (100 households) and 1
    (300) pool half their sales; village 2 (50) is alone. Both expect the same farm income
    per household, so their claims on the pool are in proportion to households. Both
    paying: the pool of 120 + 180 is 0.75 per household, so village 0 pays 0.45 per
    household to village 1; marketing together 400 households (the full scale), each earns
    the premium 0.1 less the cost 0.02 on half its sales. If village 1 free-rides, the pool
    is village 0's alone (no transfer), village 1 is uninsured and keeps back nothing net
    (its claim, 300 x 3/4 = 225, was worth more than the 180 it owed), and village 0 markets
    100 households alone: a quarter of the premium, 0.025 - 0.02."""
    params = {
        "agriculture": {"alpha": 0.5, "irrigation_bonus": 0.2, "adaptation_max": 0.5, "food_store_share": 0.2,
                        "pool_share": 0.5, "marketing_premium": 0.1, "marketing_cost": 0.02,
                        "marketing_scale": 400.0, "marketing_share": 0.5},
        "shocks": {"fire": {"damage": 0.5}, "damage": {"asset_loss": 0.5, "recovery_rate": 0.2}},
    }  # fmt: skip
    s = VillageState(
        3,
        households=np.array([100.0, 300.0, 50.0]),
        productivity=np.ones(3),
        land=np.full(3, 4.0),
        expertise=np.zeros((3, 3)),
        income_mean=np.full(3, 2.0),
        asset_damage=np.zeros(3),
    )
    shocks = Shocks(crop=np.array([0.0, 0.5, 0.0]), fire=np.array([False, False, True]), price=1.5)
    protection = np.array([0.0, 0.0, 0.4])
    no_irrigation = np.zeros(3)
    partnership = np.full((3, 3), -1)
    partnership[[0, 1], AGRICULTURE] = 0
    both = agriculture.farm_year(s, hand_year(partnership), shocks, protection, no_irrigation, params)
    np.testing.assert_allclose(both.revenue, [3.0, 1.5, 2.1])
    np.testing.assert_allclose(both.stored, [0.6, 0.3, 0.42])
    np.testing.assert_allclose(both.sold, [2.4, 1.2, 1.68])
    np.testing.assert_allclose(both.fire_loss, [0.0, 0.0, 0.3])
    np.testing.assert_allclose(both.transfer, [-0.45, 0.15, 0.0], atol=1e-12)
    np.testing.assert_allclose(both.marketing, [0.096, 0.048, 0.0])
    assert not both.withheld.any() and not both.irrigation.any() and both.pool_imbalance < 1e-12
    contributes = np.ones((3, 3), bool)
    contributes[1, AGRICULTURE] = False
    one = agriculture.farm_year(
        s, hand_year(partnership, contributes=contributes), shocks, protection, no_irrigation, params
    )
    np.testing.assert_allclose(one.transfer, [0.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(one.marketing, [0.006, 0.0, 0.0])
    np.testing.assert_allclose(one.withheld, [0.0, 0.0, 0.0], atol=1e-12)
    village_1_lucky = Shocks(crop=np.array([0.5, 0.0, 0.0]), fire=shocks.fire, price=1.5)
    lucky = agriculture.farm_year(
        s, hand_year(partnership, contributes=contributes), village_1_lucky, protection, no_irrigation, params
    )
    # now village 1 owes 0.5 x 2.4 x 300 = 360 and forfeits (60 + 360) x 3/4 = 315: it kept back 45
    np.testing.assert_allclose(lucky.withheld, [0.0, 45.0, 0.0])
