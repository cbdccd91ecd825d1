"""Invariants for any valid parameters: no negative stocks, pools that balance, no NaN."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import VillageModel
from sim.scenario import RULES, _rule_for

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
