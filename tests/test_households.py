"""Budgets and households (sim/households.py): the dividend a budget leaves, consumption,
savings, food stocks and utility; and, for any valid parameters, no negative stocks,
pools that balance, no NaN."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import VillageModel
from sim.domains.agriculture import Farming
from sim.domains.infrastructure import Building
from sim.domains.services import Servicing
from sim.economy import Economy, Region
from sim.enforcement import Fines
from sim.households import spend_and_consume
from sim.scenario import RULES, _rule_for
from sim.state import VillageState

# keys worth shaking, drawn within their allowed ranges (bounded to keep runs small)
SHAKEN = [
    "economy.save_rate",
    "economy.subsistence",
    "economy.within_village_sd",
    "landscape.households_cv",
    "landscape.productivity_mean",
    "landscape.nonfarm_income",
    "landscape.budget_transfer",
    "landscape.expertise_sd",
    "behaviour.threshold_mean",
    "behaviour.learning_rate",
    "behaviour.temperature",
    "behaviour.review_probability",
    "behaviour.error_rate",
    "behaviour.initial_trust",
    "behaviour.trust_gain",
    "behaviour.trust_loss",
    "cooperation.search_radius_km",
    "cooperation.search_cost",
    "cooperation.capacity.spill_rate",
    "cooperation.innovation.diversity_rate",
    "cooperation.identity.cost_discount",
    "forms.formal.setup_cost",
    "forms.formal.enforcement",
    "forms.formal.fine",
    "forms.informal.running_cost",
    "forms.temporary.term",
    "forms.long_term.exit_penalty",
    "agriculture.pool_share",
    "agriculture.marketing_premium",
    "agriculture.food_spoilage",
    "services.coordination_overhead",
    "services.fire.fixed_cost",
    "services.fire.decay_km",
    "infrastructure.build_cost",
    "infrastructure.pledge_share",
    "infrastructure.upkeep",
    "shocks.drought.severity",
    "shocks.drought.threshold",
    "shocks.fire.probability",
    "shocks.fire.damage",
    "shocks.price.volatility",
    "policy.subsidy_setup",
    "policy.subsidy_running",
    "policy.joint_budget_share",
]
CAPS = {
    "landscape.households_cv": 2.0,
    "landscape.productivity_mean": 5.0,
    "landscape.budget_transfer": 200.0,
    "economy.subsistence": 2.0,
    "economy.within_village_sd": 1.5,
    "behaviour.temperature": 1.0,
    "cooperation.search_radius_km": 60.0,
    "cooperation.search_cost": 20.0,
    "forms.formal.setup_cost": 50.0,
    "forms.formal.fine": 5.0,
    "forms.informal.running_cost": 10.0,
    "forms.temporary.term": 10,
    "forms.long_term.exit_penalty": 20.0,
    "agriculture.marketing_premium": 1.0,
    "services.coordination_overhead": 2.0,
    "services.fire.fixed_cost": 50.0,
    "services.fire.decay_km": 100.0,
    "infrastructure.build_cost": 1000.0,
    "infrastructure.upkeep": 20.0,
    "shocks.drought.severity": 3.0,
    "cooperation.innovation.diversity_rate": 5.0,
}


def _value(key: str):
    rule = _rule_for(key)
    lo = rule.lo if rule.lo is not None else 0.0
    hi = CAPS.get(key, rule.hi if rule.hi is not None else 10.0)
    if key.endswith(".term"):
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False)


overrides_strategy = st.dictionaries(st.sampled_from(SHAKEN), st.none(), max_size=8).flatmap(
    lambda keys: st.fixed_dictionaries({k: _value(k) for k in keys})
)


def _check_state(m: VillageModel) -> None:
    s = m.state
    for name in (
        "consumption",
        "wealth",
        "food",
        "fund",
        "expertise",
        "utility",
        "productivity",
        "quality",
        "payoff",
        "expected_gain",
        "income_mean",
        "income_var",
        "reference_consumption",
    ):
        assert np.all(np.isfinite(getattr(s, name))), name
    assert np.all(np.isfinite(m.ties.trust)) and np.all((m.ties.trust >= 0) & (m.ties.trust <= 1))
    if not m.params["economy"]["allow_debt"]:
        assert s.wealth.min() >= -1e-9
    assert s.food.min() >= -1e-9
    assert s.fund.min() >= -1e-9
    assert s.consumption.min() > 0
    assert np.all((s.expertise >= 0) & (s.expertise <= 1))
    assert all(p.fund >= -1e-9 for p in m.partnerships.values())
    scale = max(1.0, float(np.sum(s.households)))
    assert max(m.transfers_log, default=0.0) <= 1e-8 * scale  # risk pools balance exactly


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=overrides_strategy, rule=st.sampled_from(RULES), seed=st.integers(0, 2**31), debt=st.booleans())
def test_no_negative_stocks_balanced_pools_no_nan(overrides, rule, seed, debt):
    m = VillageModel(
        "default",
        rng=seed,
        n_villages=25,
        steps=8,
        **{**overrides, "behaviour.rule": rule, "economy.allow_debt": debt, "shocks.scheduled.0.step": 4},
    )
    for _ in range(8):
        m.step()
        _check_state(m)
    df = m.timeseries()
    assert np.all(np.isfinite(df.to_numpy(dtype=float)))
    summary = m.summary()
    for key, value in summary.items():
        if isinstance(value, float):
            assert np.isfinite(value), key


# --- spend_and_consume on hand-built villages (money per household unless said "per village") ---
PARAMS = {
    "economy": {"save_rate": 0.25, "allow_debt": False, "subsistence": 0.8, "smoothing": 0.9},
    "landscape": {"nonfarm_income": 0.5},
    "agriculture": {"food_spoilage": 0.1},
    "services": {"fire": {"utility_weight": 0.3}},
}
PER_DOMAIN = ("running", "pending_cost", "fines_paid", "fines_received")  # money per village, villages x 3


def _spend(n: int = 1, allow_debt: bool = False, spoilage: float = 0.1, **given) -> tuple[VillageState, dict]:
    """Run spend_and_consume on ``n`` villages of 100 households with nothing but
    non-farm income (0.5), unless ``given`` says otherwise (one value or one per village).
    Returns the villages after the year, and the inputs."""
    v = {"households": 100.0, "budget": 0.0, "wealth": 0.0, "food": 0.0, "quality": 0.0, "bill": 0.0,
         "building_paid": 0.0, "building_utility": 0.0, "sold": 0.0, "transfer": 0.0, "marketing": 0.0,
         "stored": 0.0, "fire_loss": 0.0, "reference_consumption": 0.0}  # fmt: skip
    v = {k: np.broadcast_to(np.asarray(given.get(k, d), dtype=float), (n,)).copy() for k, d in v.items()}
    v.update({k: np.broadcast_to(np.asarray(given.get(k, 0.0), dtype=float), (n, 3)).copy() for k in PER_DOMAIN})
    s = VillageState(n, households=v["households"], budget=v["budget"], wealth=v["wealth"].copy(),
                     food=v["food"].copy(), quality=v["quality"][:, None], pending_cost=v["pending_cost"].copy(),
                     reference_consumption=v["reference_consumption"])  # fmt: skip
    zeros, no = np.zeros(n), np.zeros(n, bool)
    farming = Farming(zeros, v["stored"], v["sold"], v["transfer"], v["marketing"], v["fire_loss"], no, zeros, 0.0)
    servicing = Servicing(v["bill"], v["bill"], zeros, zeros, 0.0, 0.0)
    building = Building(v["building_paid"], no, no, v["building_utility"], zeros)
    fines = Fines(np.zeros((n, 3), bool), v["fines_paid"], v["fines_received"])
    params = {
        **PARAMS,
        "economy": {**PARAMS["economy"], "allow_debt": allow_debt},
        "agriculture": {"food_spoilage": spoilage},
    }
    region = Region(params, ["fire"], None, np.zeros(1), np.ones(1, dtype=np.int64))
    spend_and_consume(s, Economy(farming, servicing, building, v["running"]), fines, region)
    return s, v


def test_the_dividend_is_what_the_budget_leaves_per_household():
    """Village 0: budget 300 less services 50, infrastructure 30, running costs 10, costs
    owed 5, fines paid 4 and received 1 leaves 202 for 100 households: 2.02 each. Village
    1: services cost 20 more than its budget, a local tax of 0.2 per household."""
    running, pending, paid, received = (np.zeros((2, 3)) for _ in range(4))
    running[0, 0], pending[0, 0], paid[0, 2], received[0, 1] = 10.0, 5.0, 4.0, 1.0
    s, _ = _spend(2, budget=[300.0, 0.0], bill=[50.0, 20.0], building_paid=[30.0, 0.0], sold=[0.0, 1.5],
                  running=running, pending_cost=pending, fines_paid=paid, fines_received=received)  # fmt: skip
    income = np.array([0.5 + 2.02, 1.5 + 0.5 - 0.2])  # non-farm + farm + dividend
    saving = 0.25 * (income - 1.0)  # both above the poverty line
    np.testing.assert_allclose(s.consumption, income - saving)
    np.testing.assert_allclose(s.wealth, saving)
    assert not s.pending_cost.any()  # what was owed is paid


def test_households_save_part_of_what_is_above_the_poverty_line():
    """Farm sales 1.0, risk-pool transfer 0.3, marketing 0.2 and non-farm 0.5: income 2.0,
    a quarter of the 1.0 above the line saved; food kept with 10 % spoilage plus this
    year's store; utility log(consumption) + services (0.3 x quality) + infrastructure."""
    s, _ = _spend(sold=1.0, transfer=0.3, marketing=0.2, wealth=1.0, food=0.4, stored=0.2, quality=0.5,
                  building_utility=0.1)  # fmt: skip
    assert s.consumption[0] == pytest.approx(1.75)
    assert s.wealth[0] == pytest.approx(1.0 + 0.25)
    assert s.food[0] == pytest.approx(0.4 * 0.9 + 0.2)
    assert s.utility[0] == pytest.approx(np.log(1.75) + 0.3 * 0.5 + 0.1)


def test_below_the_line_food_then_savings_are_drawn_to_defend_it():
    """Income 0.5, 0.5 short of the line. (a) food 0.2 then savings 0.3 close the gap;
    (b) food 0.1 and savings 0.1 are all drawn, consumption 0.7; (c) food alone closes
    it, savings untouched; (d) a fire burns half of savings 0.4, what is left is drawn."""
    s, _ = _spend(4, food=[0.2, 0.1, 1.0, 0.0], wealth=[1.0, 0.1, 1.0, 0.4], fire_loss=[0.0, 0.0, 0.0, 0.5])
    np.testing.assert_allclose(s.consumption, [1.0, 0.7, 1.0, 0.7])
    np.testing.assert_allclose(s.wealth, [0.7, 0.0, 1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(s.food, [0.0, 0.0, 0.5 * 0.9, 0.0], atol=1e-15)


def test_households_defend_most_of_their_usual_consumption_not_only_the_poverty_line():
    """Usual consumption 2.0 (smoothing 0.9: they defend 1.8). (a) Income 2.5: nothing to
    defend, a quarter of the 1.5 above the line saved (2.125, as anywhere). (b) Income 1.5: the saving of 0.125 is given up first, then 0.3 of
    savings is drawn: consumption 1.8. (c) The same without savings: 1.5, nothing saved."""
    s, _ = _spend(3, sold=[2.0, 1.0, 1.0], wealth=[1.0, 1.0, 0.0], reference_consumption=2.0)
    np.testing.assert_allclose(s.consumption, [2.125, 1.8, 1.5])
    np.testing.assert_allclose(s.wealth, [1.375, 0.7, 0.0], atol=1e-15)


def test_with_debt_allowed_households_borrow_up_to_subsistence_and_without_it_do_not():
    """Income 0.5 and subsistence 0.8: with nothing left to draw, a village borrows 0.3
    (savings -0.3); with food 0.2, it borrows 0.1. Without debt neither borrows; a tax
    larger than income leaves only emergency relief (consumption 0.001)."""
    s, _ = _spend(2, allow_debt=True, food=[0.0, 0.2])
    np.testing.assert_allclose(s.consumption, [0.8, 0.8])
    np.testing.assert_allclose(s.wealth, [-0.3, -0.1])
    s, _ = _spend(3, food=[0.0, 0.2, 0.0], bill=[0.0, 0.0, 200.0])
    np.testing.assert_allclose(s.consumption, [0.5, 0.7, 1e-3])
    np.testing.assert_allclose(s.wealth, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
    allow_debt=st.booleans(),
    spoilage=st.floats(0.0, 0.9),
)
def test_spend_and_consume_keeps_consumption_positive_and_accounts_for_every_unit(n, seed, allow_debt, spoilage):
    """Random budgets, incomes, costs and stocks: no NaN, consumption > 0, no negative
    stock unless debt is allowed, and (above emergency relief) consumption is income plus
    what was drawn from food and savings, less what was saved."""
    rng = np.random.default_rng(seed)
    given_values = {
        "households": rng.uniform(10, 2000, n), "budget": rng.uniform(0, 400, n), "bill": rng.uniform(0, 200, n),
        "building_paid": rng.uniform(0, 100, n), "sold": rng.uniform(0, 3, n), "transfer": rng.uniform(-0.5, 0.5, n),
        "marketing": rng.uniform(0, 0.3, n), "stored": rng.uniform(0, 0.5, n), "fire_loss": rng.uniform(0, 1, n),
        "wealth": rng.uniform(0, 3, n), "food": rng.uniform(0, 2, n), "quality": rng.uniform(0, 1, n),
        "running": rng.uniform(0, 20, (n, 3)), "pending_cost": rng.uniform(0, 20, (n, 3)),
        "fines_paid": rng.uniform(0, 5, (n, 3)), "fines_received": rng.uniform(0, 5, (n, 3)),
    }  # fmt: skip
    s, v = _spend(n, allow_debt, spoilage, **given_values)
    for name in ("consumption", "wealth", "food", "utility"):
        assert np.all(np.isfinite(getattr(s, name))), name
    assert s.consumption.min() > 0 and s.food.min() >= -1e-12
    if not allow_debt:
        assert s.wealth.min() >= -1e-12
    costs = v["running"] + v["pending_cost"] + v["fines_paid"] - v["fines_received"]
    dividend = (v["budget"] - v["bill"] - v["building_paid"] - costs.sum(axis=1)) / v["households"]
    income = v["sold"] + v["transfer"] + v["marketing"] + 0.5 + dividend
    from_food = v["food"] - (s.food - v["stored"]) / (1.0 - spoilage)
    from_savings = v["wealth"] * (1.0 - v["fire_loss"]) - s.wealth  # drawn and borrowed, less saved
    above_relief = s.consumption > 1e-3
    np.testing.assert_allclose((income + from_food + from_savings)[above_relief], s.consumption[above_relief])
