"""Every key of a village scenario: what its value may be (types and ranges)."""

from __future__ import annotations

import fnmatch

from sim.scenario.parameter import Rule

DOMAINS = ("agriculture", "services", "infrastructure")
RULES = ("conditional", "always_cooperate", "always_defect", "reinforcement", "imitate_best")
SHOCK_KINDS = ("drought", "flood", "fire", "price")

SHARE = Rule(0.0, 1.0)
POS = Rule(0.0, None)
MONEY = Rule(0.0, None, money=True)

# Allowed values, by key path. `*` stands for the name of a form or a service.
RULES_BY_KEY: dict[str, Rule] = {
    "model": Rule(choices=("villages",)),
    "run.steps": Rule(1, 100_000),
    "run.step_unit": Rule(choices=("year", "season")),
    "run.burn_in": Rule(0, 100_000),
    "economy.poverty_line": Rule(1e-12, None),
    "economy.save_rate": SHARE,
    "economy.subsistence": MONEY,
    "economy.food_line": MONEY,
    "economy.within_village_sd": Rule(0.0, 3.0),
    "landscape.n_villages": Rule(1, 10_000_000),
    "landscape.n_districts": Rule(1, 1_000_000),
    "landscape.reference_villages": Rule(0, 10_000_000),
    "landscape.area_km": Rule(1e-3, None),
    "landscape.district_spread_km": POS,
    "landscape.households_mean": Rule(1.0, None),
    "landscape.households_cv": Rule(0.0, 5.0),
    "landscape.land_per_household": Rule(1e-6, None),
    "landscape.land_cv": Rule(0.0, 5.0),
    "landscape.productivity_mean": Rule(1e-6, None, money=True),
    "landscape.productivity_cv": Rule(0.0, 5.0),
    "landscape.nonfarm_income": MONEY,
    "landscape.initial_wealth": MONEY,
    "landscape.initial_food_stock": MONEY,
    "landscape.expertise_mean": SHARE,
    "landscape.expertise_sd": Rule(0.0, 1.0),
    "landscape.budget_transfer": MONEY,
    "landscape.budget_per_household": MONEY,
    "behaviour.rule": Rule(choices=RULES),
    "behaviour.threshold_mean": SHARE,
    "behaviour.threshold_sd": Rule(0.0, 1.0),
    "behaviour.risk_aversion_mean": Rule(0.0, 20.0),
    "behaviour.learning_rate": Rule(1e-6, 1.0),
    "behaviour.temperature": Rule(1e-9, None, money=True),
    "behaviour.review_probability": SHARE,
    "behaviour.error_rate": Rule(0.0, 0.5),
    "behaviour.initial_trust": SHARE,
    "behaviour.initial_trust_sd": Rule(0.0, 1.0),
    "behaviour.trust_gain": SHARE,
    "behaviour.trust_loss": SHARE,
    "behaviour.rl_temperature": Rule(1e-9, None, money=True),
    "cooperation.forms": Rule(),  # checked against the defined forms
    "cooperation.domains": Rule(item_choices=DOMAINS),
    "cooperation.search_radius_km": POS,
    "cooperation.max_ties": Rule(1, 1000),
    "cooperation.search_cost": MONEY,
    "cooperation.amortisation_steps": Rule(1, 1000),
    "cooperation.collapse_steps": Rule(1, 1000),
    "cooperation.capacity.spill_rate": SHARE,
    "cooperation.capacity.self_learning": SHARE,
    "cooperation.innovation.base_rate": SHARE,
    "cooperation.innovation.diversity_rate": Rule(0.0, 100.0),
    "cooperation.innovation.productivity_gain": Rule(0.0, 1.0),
    "cooperation.identity.scale_steps": Rule(1e-6, None),
    "cooperation.identity.cost_discount": SHARE,
    "cooperation.identity.threshold_discount": SHARE,
    "forms.*.setup_cost": MONEY,
    "forms.*.running_cost": MONEY,
    "forms.*.enforcement": SHARE,
    "forms.*.fine": Rule(0.0, 100.0),
    "forms.*.sanction_trust_loss": SHARE,
    "forms.*.term": Rule(0, 100_000),
    "forms.*.exit_penalty": MONEY,
    "forms.*.trust_multiplier": Rule(0.0, 10.0),
    "forms.*.identity_rate": Rule(0.0, 100.0),
    "forms.*.domains": Rule(item_choices=DOMAINS),
    "forms.*.max_members": Rule(2, 10_000),
    "agriculture.alpha": Rule(0.0, 1.0),
    "agriculture.irrigation_bonus": Rule(0.0, 10.0),
    "agriculture.adaptation_max": SHARE,
    "agriculture.pool_share": SHARE,
    "agriculture.marketing_premium": Rule(0.0, 10.0),
    "agriculture.marketing_share": SHARE,
    "agriculture.food_store_share": SHARE,
    "agriculture.food_spoilage": SHARE,
    "services.coordination_overhead": Rule(0.0, 10.0),
    "services.cost_split": Rule(choices=("population", "equal")),
    "services.expertise_cost_saving": SHARE,
    "services.*.fixed_cost": MONEY,
    "services.*.cost_per_household": MONEY,
    "services.*.decay_km": Rule(1e-6, None),
    "services.*.utility_weight": Rule(0.0, 100.0),
    "services.*.fire_protection": SHARE,
    "infrastructure.build_cost": Rule(1e-9, None, money=True),
    "infrastructure.lifetime": Rule(1, 100_000),
    "infrastructure.upkeep": MONEY,
    "infrastructure.utility_weight": Rule(0.0, 100.0),
    "infrastructure.pledge_share": SHARE,
    "infrastructure.expertise_cost_saving": SHARE,
    "infrastructure.spillover_share": SHARE,
    "infrastructure.spillover_radius_km": POS,
    "shocks.drought.district_weight": SHARE,
    "shocks.drought.local_weight": SHARE,
    "shocks.drought.correlation_length_km": Rule(1e-6, None),
    "shocks.drought.threshold": Rule(-10.0, 10.0),
    "shocks.drought.severity": Rule(0.0, 10.0),
    "shocks.fire.probability": SHARE,
    "shocks.fire.damage": SHARE,
    "shocks.price.volatility": Rule(0.0, 3.0),
    "policy.subsidy_setup": SHARE,
    "policy.subsidy_running": SHARE,
    "policy.facilitator_radius": Rule(1.0, 100.0),
    "policy.facilitator_search_cost": SHARE,
    "policy.joint_budget_share": SHARE,
}

SCHEDULED_SHOCK_KEYS: dict[str, Rule] = {
    "kind": Rule(choices=SHOCK_KINDS),
    "step": Rule(1, 100_000),
    "duration": Rule(1, 100_000),
    "intensity": SHARE,
    "district": Rule(-1, 1_000_000),
}
# Tables whose sub-table names users may choose (a new form, a new service).
OPEN_TABLES = ("forms", "services")


def _rule_for(path: str) -> Rule | None:
    if path in RULES_BY_KEY:
        return RULES_BY_KEY[path]
    for pattern, rule in RULES_BY_KEY.items():
        if "*" in pattern and fnmatch.fnmatchcase(path, pattern):
            return rule
    return None
