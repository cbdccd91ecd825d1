"""Every key of a village scenario, declared once: default, unit, meaning, allowed values, money.

``PARAMETERS`` maps each dotted key path (in the order of ``scenarios/default.toml``)
to its :class:`~sim.scenario.parameter.Parameter`; ``*`` stands for the name of a form
or a service (open tables: a scenario may add its own), for the position of a scheduled
shock, or for a domain of a mandate. The default scenario file stays the readable file
of defaults; a test keeps it equal to this schema. Validation and money conversion
read this schema, and so should explorer controls, sweep ranges and the docs table
(:func:`markdown_table`): nothing else declares a key's range, unit or meaning.

Units: one step is one year; "money" is in units of the poverty line in the default
(1.0 = one household's consumption at the poverty line for one year), or in a file's
own currency, divided by its ``economy.poverty_line`` on load.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

from sim.scenario.parameter import Parameter

DOMAINS = ("agriculture", "services", "infrastructure")
RULES = ("conditional", "always_cooperate", "always_defect", "reinforcement", "imitate_best")
OPENINGS = ("trust", "good_faith")  # how a conditional cooperator opens a new partnership
SHOCK_KINDS = ("drought", "flood", "fire", "price", "market", "income")
FORMS = ("formal", "informal", "long_term", "temporary")  # the default's forms
SERVICES = ("fire", "social", "library")  # the default's services
OPEN_TABLES = ("forms", "services")  # tables whose sub-table names users may choose (a new form, a new service)
LIST_TABLES = ("shocks.scheduled",)  # lists of tables ([[shocks.scheduled]])
MAP_TABLES = ("policy.mandate",)  # tables of name = value chosen by the user (domain = "form")

P = Parameter
MAX_STEPS = 100_000


def _forms(*values: Any) -> dict[str, Any]:
    """A ``forms.*`` default: one value per default form, in the order of FORMS."""
    return dict(zip(FORMS, values, strict=True))


def _services(*values: Any) -> dict[str, Any]:
    """A ``services.*`` default: one value per default service, in the order of SERVICES."""
    return dict(zip(SERVICES, values, strict=True))


# fmt: off
_DECLARED: tuple[Parameter, ...] = (
    P("name", "default", "text", "the scenario's name, shown in outputs"),
    P("description", "Synthetic region of 200 villages in 8 districts; all four partnership forms allowed; "
      "a severe drought hits district 3 in year 20", "text", "one line saying what the scenario is"),
    P("model", "villages", "model name", "which model runs this file", choices=("villages",)),
    P("extends", "", "scenario name", 'scenario this one starts from ("" = none; only the default has none)'),
    # [run]
    P("run.steps", 50, "steps", "horizon of a run", 1, MAX_STEPS, sweep=(5, 200), label="Horizon (years)"),
    P("run.step_unit", "year", "text", "what one step is (label only; rates are per step)", choices=("year", "season")),
    P("run.burn_in", 5, "steps", "first steps, excluded from run averages in the summary", 0, MAX_STEPS),
    # [economy]
    P("economy.currency", "poverty-line units", "text", "name of the money unit used in this file"),
    P("economy.poverty_line", 1.0, "currency per household per step",
      "the poverty line; money values in this file are divided by it", 1e-12, None),
    P("economy.save_rate", 0.25, "share", "share of income above the poverty line that households save", 0.0, 1.0),
    P("economy.subsistence", 0.25, "money per household per step",
      "with allow_debt, households borrow to consume at least this", 0.0, None, money=True),
    P("economy.food_line", 0.6, "money per household per step", "consumption below this counts as food insecure",
      0.0, None, money=True),
    P("economy.within_village_sd", 0.35, "1", "log-standard deviation of household consumption inside a village",
      0.0, 3.0),
    P("economy.smoothing", 0.9, "share",
      "households draw food stocks and savings to keep consumption at this share of their usual (reference) "
      "consumption, and at least at the poverty line", 0.0, 1.0),
    P("economy.allow_debt", False, "yes/no", "may households borrow (negative savings) to reach subsistence?"),
    # [landscape]
    P("landscape.n_villages", 200, "villages", "number of villages", 1, 10_000_000, sweep=(10, 500), label="Villages"),
    P("landscape.n_districts", 8, "districts", "districts (kecamatan-like clusters of villages)", 1, 1_000_000),
    P("landscape.area_km", 60.0, "km", "side of the square region", 1e-3, None),
    P("landscape.reference_villages", 200, "villages",
      "villages that area_km and n_districts describe; more villages grow the region at the same density "
      "and villages per district; 0 = never scale", 0, 10_000_000),
    P("landscape.district_spread_km", 6.0, "km", "standard deviation of village positions around their district centre",
      0.0, None),
    P("landscape.households_mean", 400.0, "households per village", "households per village, mean (lognormal)",
      1.0, None),
    P("landscape.households_cv", 0.5, "1", "coefficient of variation of households per village", 0.0, 5.0),
    P("landscape.land_per_household", 1.0, "ha per household", "land per household, mean (lognormal)", 1e-6, None),
    P("landscape.land_cv", 0.4, "1", "coefficient of variation of land per household", 0.0, 5.0),
    P("landscape.productivity_mean", 0.9, "money per household per ha^alpha per step", "mean farm productivity",
      1e-6, None, money=True),
    P("landscape.productivity_cv", 0.2, "1", "coefficient of variation of farm productivity", 0.0, 5.0),
    P("landscape.nonfarm_income", 0.35, "money per household per step", "income that is not from farming",
      0.0, None, money=True),
    P("landscape.initial_wealth", 0.5, "money per household", "mean initial savings (exponential)",
      0.0, None, money=True),
    P("landscape.initial_food_stock", 0.1, "money-equivalent per household", "initial food stock",
      0.0, None, money=True),
    P("landscape.expertise_mean", 0.3, "1", "expertise per domain at start, mean (0 none, 1 full)", 0.0, 1.0),
    P("landscape.expertise_sd", 0.15, "1", "expertise per domain at start, standard deviation", 0.0, 1.0),
    P("landscape.budget_transfer", 20.0, "money per village per step",
      "central transfer to the village government (like Indonesia's Dana Desa)", 0.0, None, money=True),
    P("landscape.budget_per_household", 0.05, "money per household per step",
      "local revenue of the village government", 0.0, None, money=True),
    # [behaviour]
    P("behaviour.rule", "conditional", "rule name", "contribution rule: how partners decide to contribute or free-ride",
      choices=RULES, label="Behaviour rule"),
    P("behaviour.threshold_mean", 0.5, "share",
      "conditional cooperation: trust-weighted share of partners who contributed last step needed to contribute, "
      "mean over villages", 0.0, 1.0, sweep=(0.0, 1.0), label="Coop. threshold"),
    P("behaviour.opening", "trust", "rule name",
      "conditional cooperation in a partnership's first step: trust = the same rule as later steps (partners "
      "trusted and last seen contributing); good_faith = every new member contributes first", choices=OPENINGS),
    P("behaviour.threshold_sd", 0.15, "1", "standard deviation of that threshold across villages", 0.0, 1.0),
    P("behaviour.free_rider_share", 0.0, "share of villages",
      "share of villages disposed to free-ride: they never contribute of their own accord (no threshold is low "
      "enough), only when enforcement deters free-riding or by mistake; drawn at random, after every other "
      "endowment (0 = none, every village a conditional cooperator)", 0.0, 1.0),
    P("behaviour.impunity_share", 0.0, "share of villages",
      "share of villages beyond the reach of sanctions: a free-ride of theirs may be detected but its fine is "
      "never collected, so no form's enforcement deters them (e.g. a village head protected by the district's "
      "elite); drawn at random, independently of the free riders, after every other endowment (0 = none)",
      0.0, 1.0),
    P("behaviour.risk_aversion_mean", 2.0, "1", "relative risk aversion (CRRA), mean; values the risk pool", 0.0, 20.0),
    P("behaviour.learning_rate", 0.3, "weight per step",
      "weight of the newest realised payoff in an expected payoff", 1e-6, 1.0),
    P("behaviour.temperature", 0.002, "money per household",
      "logit-choice temperature (0 would be perfectly rational)", 1e-9, None, money=True),
    P("behaviour.review_probability", 0.3, "probability per step and domain",
      "probability that a village reconsiders its choice in a domain", 0.0, 1.0),
    P("behaviour.error_rate", 0.02, "probability per decision",
      "probability that a contribution decision is flipped by mistake", 0.0, 0.5),
    P("behaviour.initial_trust", 0.5, "trust", "trust between neighbouring villages at start, mean (0 none, 1 full)",
      0.0, 1.0, sweep=(0.0, 1.0), label="Initial trust"),
    P("behaviour.initial_trust_sd", 0.1, "1", "standard deviation of initial trust", 0.0, 1.0),
    P("behaviour.trust_gain", 0.15, "share",
      "share of the remaining distance to full trust gained per reciprocated contribution", 0.0, 1.0),
    P("behaviour.trust_loss", 0.25, "share", "share of trust lost when a partner free-rides", 0.0, 1.0),
    P("behaviour.rl_temperature", 0.05, "money per household",
      "reinforcement rule: softmax temperature over propensities", 1e-9, None, money=True),
    # [cooperation]
    P("cooperation.forms", FORMS, "form names", "allowed partnership forms (each defined under [forms]); [] = autarky",
      label="Allowed forms"),
    P("cooperation.domains", DOMAINS, "domain names", "domains open to cooperation", item_choices=DOMAINS),
    P("cooperation.search_radius_km", 15.0, "km", "how far a village looks for partners", 0.0, None, sweep=(5.0, 30.0)),
    P("cooperation.max_ties", 24, "villages",
      "nearest villages within the search radius that a village knows (its ties)", 1, 1000),
    P("cooperation.search_cost", 0.5, "money per village per search", "cost of one search for partners",
      0.0, None, money=True),
    P("cooperation.amortisation_steps", 10, "steps",
      "steps over which a village spreads a setup cost when comparing options", 1, 1000),
    P("cooperation.collapse_steps", 3, "steps",
      "a partnership with no contribution for this many steps in a row dissolves", 1, 1000),
    P("cooperation.capacity.spill_rate", 0.2, "share per step",
      "share of the expertise gap to contributing better partners closed (trust-weighted)", 0.0, 1.0),
    P("cooperation.capacity.self_learning", 0.01, "share per step",
      "share of the gap to full expertise a village closes on its own", 0.0, 1.0),
    P("cooperation.innovation.base_rate", 0.02, "probability per step",
      "probability that a village adopts a new practice on its own", 0.0, 1.0),
    P("cooperation.innovation.diversity_rate", 0.6, "probability per unit of diversity",
      "extra probability per unit of partners' expertise diversity (standard deviation)", 0.0, 100.0),
    P("cooperation.innovation.productivity_gain", 0.03, "1 per new practice",
      "relative gain of farm productivity (agriculture) or of the per-household service cost saving (services)",
      0.0, 1.0),
    P("cooperation.identity.scale_steps", 6.0, "steps", "identity = 1 - exp(-years together / scale)", 1e-6, None),
    P("cooperation.identity.cost_discount", 0.5, "share", "share of running costs saved at full identity", 0.0, 1.0),
    P("cooperation.identity.threshold_discount", 0.5, "share",
      "share of the conditional-cooperation threshold waived at full identity", 0.0, 1.0),
    # [forms.NAME]: each form is a named bundle of parameters
    P("forms.*.label", _forms("Formal agreement (MoU / contract)", "Informal working group", "Long-term partnership",
                              "Temporary partnership"), "text", "the form's name in outputs and the explorer"),
    P("forms.*.based_on", _forms("", "", "", ""), "form name", 'form whose values this one starts from ("" = none)'),
    P("forms.*.setup_cost", _forms(3.0, 0.0, 1.5, 0.5), "money per member village", "paid once when joining",
      0.0, None, money=True, sweep=(0.0, 10.0), label="setup cost"),
    P("forms.*.running_cost", _forms(0.8, 0.2, 0.8, 0.3), "money per member village per step",
      "cost of taking part in the partnership", 0.0, None, money=True),
    P("forms.*.enforcement", _forms(0.8, 0.0, 0.0, 0.3), "probability", "probability that a free-ride is detected and fined",
      0.0, 1.0, sweep=(0.0, 1.0), label="enforcement"),
    P("forms.*.fine", _forms(1.5, 0.0, 0.0, 1.0), "multiple of the withheld contribution",
      "fine paid by a detected free-rider", 0.0, 100.0),
    P("forms.*.sanction_trust_loss", _forms(0.0, 0.0, 0.3, 0.0), "share",
      "social sanction: extra share of partners' trust lost by any free-rider they see", 0.0, 1.0),
    P("forms.*.term", _forms(5, 0, 0, 3), "steps", "length of an agreement; 0 = open-ended", 0, MAX_STEPS),
    P("forms.*.renewable", _forms(True, False, False, False), "yes/no", "may members renew at term?"),
    P("forms.*.exit_penalty", _forms(2.0, 0.0, 0.5, 0.0), "money per village",
      "paid by a village leaving before the term ends, to the remaining members", 0.0, None, money=True),
    P("forms.*.trust_multiplier", _forms(1.5, 1.0, 1.2, 1.0), "1",
      "transparency: trust gains are multiplied by this", 0.0, 10.0),
    P("forms.*.identity_rate", _forms(1.0, 1.0, 1.5, 1.0), "years per step",
      "years of shared identity accrued per step together", 0.0, 100.0),
    P("forms.*.bundle", _forms(False, False, True, False), "yes/no",
      "does one partnership cover all its domains at once?"),
    P("forms.*.domains", _forms(DOMAINS, DOMAINS, DOMAINS, DOMAINS), "domain names", "domains this form can cover",
      item_choices=DOMAINS),
    P("forms.*.max_members", _forms(8, 6, 8, 6), "villages", "largest number of member villages", 2, 10_000),
    P("forms.*.enterprise", _forms(False, False, False, False), "yes/no",
      "does a partnership of this form run a business (joint marketing) with its own capital account, which "
      "goes dormant when its capital is exhausted? (agriculture only)"),
    P("forms.*.capital_share", _forms(0.0, 0.0, 0.0, 0.0), "share",
      "enterprise: share of each member's setup cost (before subsidies) paid in as the enterprise's capital",
      0.0, 1.0),
    P("forms.*.trading_margin", _forms(0.0, 0.0, 0.0, 0.0), "share",
      "enterprise: of the marketing costs members pay (agriculture.marketing_cost of their pooled sales), the share "
      "of pooled sales it keeps over its variable costs: its trading revenue", 0.0, 1.0),
    P("forms.*.operating_cost", _forms(0.0, 0.0, 0.0, 0.0), "money per enterprise per step",
      "enterprise: its fixed operating costs, paid from its trading revenue and capital while it trades",
      0.0, None, money=True),
    # [agriculture]
    P("agriculture.alpha", 0.7, "1", "land elasticity of output", 0.0, 1.0),
    P("agriculture.irrigation_bonus", 0.04, "1", "relative output gain on irrigated land", 0.0, 10.0),
    P("agriculture.adaptation_max", 0.6, "share", "share of shock damage avoided at full agricultural expertise",
      0.0, 1.0),
    P("agriculture.pool_share", 0.3, "share", "risk pool: share of agricultural income a contributing member pays in",
      0.0, 1.0, sweep=(0.0, 0.6)),
    P("agriculture.marketing_premium", 0.12, "1",
      "joint marketing: price premium on pooled sales at full scale, before its costs", 0.0, 10.0),
    P("agriculture.marketing_cost", 0.04, "share",
      "joint marketing: its costs as a share of the pooled sales", 0.0, 10.0),
    P("agriculture.marketing_scale", 1000.0, "households",
      "joint marketing: contributing farm households at which the premium is full (in proportion below)",
      1e-9, None),
    P("agriculture.marketing_share", 0.5, "share", "joint marketing: share of output sold through the partnership",
      0.0, 1.0),
    P("agriculture.food_store_share", 0.1, "share", "share of farm output stored as food", 0.0, 1.0),
    P("agriculture.food_spoilage", 0.3, "share per step", "share of the food stock lost per step", 0.0, 1.0),
    # [services] and [services.NAME]: services every village needs
    P("services.coordination_overhead", 0.15, "1", "phi: a group of k pays F * (1 + phi * (k - 1)) in fixed costs",
      0.0, 10.0, sweep=(0.0, 0.6)),
    P("services.cost_split", "population", "rule name", "how a group splits the shared fixed cost",
      choices=("population", "equal")),
    P("services.expertise_cost_saving", 0.3, "share",
      "share of per-household service costs saved at full services expertise", 0.0, 1.0),
    P("services.*.label", _services("Fire service", "Social services", "Library"), "text", "the service's name"),
    P("services.*.fixed_cost", _services(6.0, 4.0, 2.0), "money per village (or per group) per step",
      "F, the fixed cost of providing the service", 0.0, None, money=True),
    P("services.*.cost_per_household", _services(0.01, 0.01, 0.005), "money per household per step",
      "cost of serving one household", 0.0, None, money=True),
    P("services.*.decay_km", _services(8.0, 20.0, 15.0), "km", "quality = exp(-distance to host / decay)",
      1e-6, None, sweep=(1.0, 100.0), label="decay km"),
    P("services.*.utility_weight", _services(0.05, 0.04, 0.02), "utility per household",
      "utility per household at full quality", 0.0, 100.0),
    P("services.*.fire_protection", _services(0.7, 0.0, 0.0), "share",
      "share of fire damage avoided at full quality (0 for non-fire services)", 0.0, 1.0),
    # [infrastructure]: a lumpy project
    P("infrastructure.project", "Shared irrigation scheme", "text", "what the lumpy project is"),
    P("infrastructure.build_cost", 80.0, "money per project",
      "fixed part of the build cost (headworks, design), paid once when pledges reach the whole cost",
      1e-9, None, money=True),
    P("infrastructure.build_cost_per_household", 0.1, "money per household served",
      "part of the build cost that grows with the households served", 0.0, None, money=True),
    P("infrastructure.lifetime", 25, "steps", "steps a built project lasts", 1, MAX_STEPS),
    P("infrastructure.upkeep", 1.0, "money per project per step", "fixed part of the upkeep, split among members by households",
      0.0, None, money=True),
    P("infrastructure.upkeep_per_household", 0.0025, "money per household served per step",
      "part of the upkeep that grows with the households served", 0.0, None, money=True),
    P("infrastructure.utility_weight", 0.0, "utility per household", "utility per household served by a built project",
      0.0, 100.0),
    P("infrastructure.irrigates", True, "yes/no", "does the project irrigate members' farmland?"),
    P("infrastructure.expertise_cost_saving", 0.2, "share",
      "share of the build cost saved at full infrastructure expertise", 0.0, 1.0),
    P("infrastructure.pledge_share", 0.15, "share per step",
      "share of the village budget pledged per step toward a project (alone: saved in its own fund)", 0.0, 1.0),
    P("infrastructure.spillover_share", 0.3, "share",
      "share of the benefit (utility, and irrigation: recharged groundwater) reaching villages nearby that the "
      "project does not serve (free riding)", 0.0, 1.0),
    P("infrastructure.spillover_radius_km", 8.0, "km", "how far the benefit spills over to non-member villages",
      0.0, None),
    P("infrastructure.protection", 0.0, "share",
      "share of the damage of droughts and floods (farm output lost, and lasting asset damage) that a project "
      "averts on the land it serves; 0 = it protects nothing", 0.0, 1.0),
    P("infrastructure.perceived_risk", 0.0, "probability per step",
      "villages' perceived yearly probability of the drought or flood a protecting project guards against", 0.0, 1.0),
    P("infrastructure.perceived_intensity", 0.7, "share",
      "perceived intensity of that drought or flood: share of farm output it would destroy", 0.0, 1.0),
    # [shocks]
    P("shocks.background", True, "yes/no", "draw yearly background shocks?"),
    P("shocks.drought.district_weight", 0.4, "share", "share of the variance of the drought index common to a district",
      0.0, 1.0, sweep=(0.0, 1.0), label="Drought: district share"),
    P("shocks.drought.local_weight", 0.3, "share",
      "share from a spatially smooth field; the rest is village-specific", 0.0, 1.0),
    P("shocks.drought.correlation_length_km", 15.0, "km", "km over which neighbouring villages' droughts are alike (correlation length of the drought index's smooth field)",
      1e-6, None, sweep=(1.0, 100.0), label="Drought: corr. km"),
    P("shocks.drought.threshold", 1.0, "standard deviations", "the drought index must exceed this to hurt",
      -10.0, 10.0),
    P("shocks.drought.severity", 0.35, "intensity per standard deviation",
      "background droughts: share of farm output lost per standard deviation of the drought index above its threshold (capped at 1)",
      0.0, 10.0, sweep=(0.0, 2.0), label="Drought severity"),
    P("shocks.fire.probability", 0.03, "probability per village per step", "probability of a fire", 0.0, 1.0),
    P("shocks.fire.damage", 0.3, "share", "share of savings and of farm output lost to an unprotected fire", 0.0, 1.0),
    P("shocks.price.volatility", 0.1, "1", "log-standard deviation of the region-wide farm price per step", 0.0, 3.0),
    P("shocks.damage.asset_loss", 0.5, "share",
      "scheduled droughts and floods: share of the farm output they destroy (after adaptation) that is also lost "
      "as productive assets (livestock, seed, soil), lowering output until repaired", 0.0, 1.0),
    P("shocks.damage.recovery_rate", 0.2, "share per step", "share of the remaining asset damage repaired per step",
      0.0, 1.0),
    # [[shocks.scheduled]]: shocks at a given step
    P("shocks.scheduled.*.kind", {"0": "drought"}, "shock kind", "what hits", choices=SHOCK_KINDS),
    P("shocks.scheduled.*.step", {"0": 20}, "step", "when it starts", 1, MAX_STEPS),
    P("shocks.scheduled.*.duration", {"0": 1}, "steps", "how long it lasts", 1, MAX_STEPS),
    P("shocks.scheduled.*.intensity", {"0": 0.7}, "share",
      "drought/flood: share of farm output lost (before adaptation); fire: probability that each village hit burns; "
      "price: relative drop of the farm price; market: share of joint sales the markets no longer take (closures); "
      "income: relative drop of non-farm income", 0.0, 1.0, sweep=(0.0, 1.0), label="intensity"),
    P("shocks.scheduled.*.district", {"0": 3}, "district number",
      "the district hit, or -1 for all (price and market shocks hit the whole region whatever it says)", -1, 1_000_000),
    # [policy]
    P("policy.subsidy_setup", 0.0, "share", "share of setup costs paid by a district or national programme",
      0.0, 1.0, sweep=(0.0, 1.0)),
    P("policy.subsidy_running", 0.0, "share", "share of running costs paid by the programme", 0.0, 1.0),
    P("policy.facilitator_radius", 1.0, "1", "facilitator (a BKAD or Camat): multiplies the search radius",
      1.0, 100.0),
    P("policy.facilitator_search_cost", 1.0, "1", "facilitator: multiplies the search cost", 0.0, 1.0),
    P("policy.joint_budget_share", 0.5, "share",
      "budget rule: maximal share of the village budget for partnership costs and pledges", 0.0, 1.0),
    P("policy.mandate.*", {}, "form name", 'domain = "form": cooperation in that domain must use that form', kind=str),
)
# fmt: on

PARAMETERS: dict[str, Parameter] = {p.path: p for p in _DECLARED}
SCHEDULED_SHOCK_KEYS: dict[str, Parameter] = {
    p.name: p for p in _DECLARED if p.path.startswith("shocks.scheduled.*.")
}  # the keys of one [[shocks.scheduled]] table, in order


def parameter(path: str) -> Parameter | None:
    """The declaration of a concrete dotted key ("forms.formal.enforcement" -> "forms.*.enforcement"),
    None for a key the schema does not declare."""
    if path in PARAMETERS:
        return PARAMETERS[path]
    for pattern, p in PARAMETERS.items():
        if "*" in pattern and fnmatch.fnmatchcase(path, pattern):
            return p
    return None


_rule_for = parameter  # the older name (tests and sim.classic use it)
RULES_BY_KEY = PARAMETERS  # the older name of the schema


def default_tree() -> dict[str, Any]:
    """The default scenario as a nested tree (what ``scenarios/default.toml`` reads as),
    built from the schema; a fresh copy on every call."""
    tree: dict[str, Any] = {}
    for p in PARAMETERS.values():
        parts = p.path.split(".")
        if not p.is_open:
            _node(tree, parts[:-1])[parts[-1]] = copy.deepcopy(p.file_value(p.default))
            continue
        star = parts.index("*")
        table = ".".join(parts[:star])
        if table in LIST_TABLES:
            entries = _node(tree, parts[: star - 1]).setdefault(parts[star - 1], [])
            for position, value in p.default.items():
                while len(entries) <= int(position):
                    entries.append({})
                entries[int(position)][parts[-1]] = copy.deepcopy(p.file_value(value))
            continue
        node = _node(tree, parts[:star])
        for entry, value in p.default.items():
            _node(node, [entry, *parts[star + 1 : -1]])[parts[-1]] = copy.deepcopy(p.file_value(value))
    return tree


def _node(tree: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    for part in parts:
        tree = tree.setdefault(part, {})
    return tree


def markdown_table(schema: dict[str, Parameter] | None = None) -> str:
    """The schema as a Markdown table (key, default, unit, allowed range, meaning), one row
    per declared key; ``schema`` defaults to the villages' ``PARAMETERS``. Money (units
    that say "money") is in poverty-line units, as in ``scenarios/default.toml``."""
    rows = ["| key | default | unit | allowed | meaning |", "|---|---|---|---|---|"]
    for p in (PARAMETERS if schema is None else schema).values():
        if p.is_open:
            default = "; ".join(f"{name}: {_shown(value)}" for name, value in p.default.items()) or "(none)"
        else:
            default = _shown(p.default)
        cells = [f"`{p.path}`", default, p.unit, p.range_text(), p.meaning]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _shown(value: Any) -> str:
    """A default as a scenario file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return repr(value)
