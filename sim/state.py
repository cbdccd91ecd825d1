"""The records compiled code reads: villages, partnerships, ties, forms and the scenario's numbers.

The model owns its state as numpy arrays (:class:`VillageState`, one row per village;
:class:`PartnershipTable`, one row per partnership); the compiled rules of ``sim/decisions.py``, ``sim/membership.py``,
``sim/gains.py`` and ``sim/lifecycle.py`` receive them bundled in these named tuples,
built by the model from its own arrays (so the rules update them in place):

* ``V`` (:data:`Villages`): village state, one row per village;
* ``T`` (:data:`Table`): the partnership table, one row per partnership id ever made;
* ``E`` (:data:`TieArrays`): the tie graph (CSR) with distance and trust per edge, and
  what distance fixes for each tie (shock correlation, service quality lost to a host);
* ``F``: the allowed forms, a structured array of :data:`FORM_RULE` records, by form index;
* ``P`` (:data:`Constants`): the scenario's numbers, and the services as a matrix.

Money is per household per step unless a name says otherwise.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

# Random streams, one per purpose (numpy SeedSequence spawn keys). Endowments and
# shocks never depend on what villages do: common random numbers across scenarios.
STREAM_ENDOWMENTS, STREAM_SHOCKS, STREAM_TRUST, STREAM_DECISIONS, STREAM_BEHAVIOUR, STREAM_INNOVATION = range(6)

Villages = namedtuple(
    "Villages",
    "x y district households budget income_mean income_var reference_consumption risk_aversion expertise "
    "partnership contributed tenure expected_gain experience pending_cost fund pledged served_until upkeep_due "
    "project_value host_distance",
)
Table = namedtuple(
    "Table",
    "form domains alive size members consent start years term_years fund contributions defections without "
    "end_step reason final_size capital dormant next_pid",
)
# corr and loss: pair_geometry of each tie (pair_tables), fixed at set-up.
TieArrays = namedtuple("TieArrays", "indptr cols distance trust reverse corr loss")
# The allowed forms, one record per form (F[form].setup ...): a structured array, which
# compiled code indexes as fast as a plain array.
FORM_RULE = np.dtype(
    [
        ("setup_cost", np.float64),  # per member village, after any subsidy
        ("running_cost", np.float64),  # per member village per step, after any subsidy
        ("enforcement", np.float64),  # probability that a free-ride is detected
        ("fine", np.float64),  # multiple of the withheld contribution a detected free-rider pays
        ("exit_penalty", np.float64),  # per village leaving before the term ends
        ("term", np.int64),  # steps; 0 = open-ended
        ("renewable", np.bool_),
        ("bundle", np.bool_),  # one partnership covers all the form's domains
        ("max_members", np.int64),
        ("covers_agriculture", np.bool_),
        ("covers_services", np.bool_),
        ("covers_infrastructure", np.bool_),
        ("allowed_agriculture", np.bool_),  # may a village seek it for this domain (allowed, mandate)?
        ("allowed_services", np.bool_),
        ("allowed_infrastructure", np.bool_),
        ("enterprise", np.bool_),  # runs a business with its own capital account (sim/enterprise.py)
        ("capital", np.float64),  # enterprise: capital each joining member pays in (share of setup cost)
        ("trading_margin", np.float64),  # enterprise: share of members' pooled sales it keeps of their marketing costs
    ]
)
Constants = namedtuple(
    "Constants",
    "now in_step temperature amortisation_steps search_cost initial_trust split_by_population pool_share "
    "marketing_premium marketing_cost marketing_scale marketing_share district_weight local_weight correlation_length_km coordination_overhead "
    "pledge_share infrastructure_utility_weight irrigates irrigation_bonus build_cost build_cost_per_household "
    "lifetime upkeep upkeep_per_household infrastructure_expertise_cost_saving protection perceived_risk perceived_intensity "
    "joint_budget_share collapse_steps services",
)


@dataclass
class VillageState:
    """All villages' state, one row per village (struct of arrays)."""

    n: int
    x: np.ndarray = field(default=None)  # km
    y: np.ndarray = field(default=None)  # km
    district: np.ndarray = field(default=None)
    households: np.ndarray = field(default=None)
    land: np.ndarray = field(default=None)  # ha per household
    productivity: np.ndarray = field(default=None)  # money per household per ha^alpha
    asset_damage: np.ndarray = field(
        default=None
    )  # share of farm output lost to assets a scheduled shock destroyed, [0, 1)
    budget: np.ndarray = field(default=None)  # money per village per step
    wealth: np.ndarray = field(default=None)  # savings, money per household
    food: np.ndarray = field(default=None)  # food stock, money-equivalent per household
    expertise: np.ndarray = field(default=None)  # (n, 3), [0, 1]
    local_knowledge: np.ndarray = field(
        default=None
    )  # (n, 3): expertise at the start, what each village brings (innovation)
    threshold: np.ndarray = field(default=None)  # conditional-cooperation threshold
    impunity: np.ndarray = field(default=None)  # bool: its fines are never collected (behaviour.impunity_share)
    risk_aversion: np.ndarray = field(default=None)
    service_efficiency: np.ndarray = field(default=None)  # multiplier on per-household service cost
    fund: np.ndarray = field(default=None)  # own infrastructure fund, money
    served_until: np.ndarray = field(default=None)  # step until which a built project serves the village
    upkeep_due: np.ndarray = field(default=None)  # money per step for the project serving it
    project_value: np.ndarray = field(default=None)  # money: its share of the build cost of the project serving it
    partnership: np.ndarray = field(default=None)  # (n, 3) partnership id per domain, -1 = alone
    contributed: np.ndarray = field(default=None)  # (n, 3) bool, did it contribute last step
    tenure: np.ndarray = field(default=None)  # (n, 3) steps spent in its current partnership
    payoff: np.ndarray = field(default=None)  # (n, 3) realised gain over going alone last step, money/household
    expected_gain: np.ndarray = field(default=None)  # (n, 3, forms) learned gain of each form over alone
    experience: np.ndarray = field(default=None)  # (n, 3, forms) steps spent in each form, per domain
    propensity: np.ndarray = field(default=None)  # (n, 3, 2) reinforcement: contribute, free-ride
    consumption: np.ndarray = field(default=None)  # money per household, last step
    reference_consumption: np.ndarray = field(default=None)  # its moving average
    utility: np.ndarray = field(default=None)
    income_mean: np.ndarray = field(default=None)  # moving average of farm income per household
    income_var: np.ndarray = field(default=None)  # its moving variance
    quality: np.ndarray = field(default=None)  # (n, services) service quality, [0, 1]
    host_distance: np.ndarray = field(default=None)  # km to the host of its shared services (0 alone)
    pledged: np.ndarray = field(default=None)  # money it has put into its infrastructure partnership's fund
    pending_cost: np.ndarray = field(default=None)  # (n, 3) money owed from this step's decisions, by domain


class PartnershipTable:
    """All partnerships ever made, one row per partnership id (ids only increase).

    A :class:`~sim.agents.Partnership` is a view of one row. Members are kept in
    joining order in ``members[pid, :size[pid]]``; a partnership that ended keeps
    its row, with ``alive`` False and why it ended in ``reason`` (membership.REASONS).
    """

    FIELDS = {
        "form": np.int64,  # index of its form in the scenario's allowed forms
        "alive": np.bool_,
        "size": np.int64,  # current number of members
        "start": np.int64,  # first economic year
        "years": np.int64,  # economic years it has run
        "term_years": np.int64,  # economic years of the current term
        "fund": np.float64,  # infrastructure pledges collected, money
        "contributions": np.int64,  # member-domain-years in which a member contributed
        "defections": np.int64,  # ... and in which one free-rode
        "without": np.int64,  # consecutive years with no contribution at all
        "end_step": np.int64,
        "reason": np.int64,
        "final_size": np.int64,  # members when it ended
        "capital": np.float64,  # an enterprise's capital: paid-in capital plus retained trading results, money (>= 0)
        "dormant": np.bool_,  # an enterprise whose capital ran out: it does not trade (sim/enterprise.py)
        "traded": np.bool_,  # an enterprise that has traded at least one year
        "normal_revenue": np.float64,  # its revenue in its last trading year at full market access, money
        "closed": np.bool_,  # an enterprise closed this year: its revenue would not cover its costs (sim/enterprise.py)
    }

    def __init__(self, max_members: int):
        self.max_members = max(max_members, 2)
        self.capacity = 0
        self.next_pid = np.zeros(1, dtype=np.int64)
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.domains = np.zeros((0, 3), dtype=bool)  # domains it covers
        self.members = np.zeros((0, self.max_members), dtype=np.int64)
        self.consent = np.zeros((0, self.max_members))  # each member's expected gain when it joined
        self.reserve(64)

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more partnerships (grows by doubling)."""
        needed = int(self.next_pid[0]) + extra
        if needed <= self.capacity:
            return
        capacity = max(needed, 2 * self.capacity)
        for name in [*self.FIELDS, "domains", "members", "consent"]:
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)
        self.capacity = capacity

    def arrays(self) -> Table:
        return Table(**{name: getattr(self, name) for name in Table._fields})

    def live(self) -> np.ndarray:
        """Ids of the partnerships that exist now, oldest first."""
        return np.flatnonzero(self.alive[: self.next_pid[0]])


def villages_record(s: VillageState) -> Villages:
    """The villages' current arrays as the compiled rules take them (they update them in place)."""
    return Villages(**{name: getattr(s, name) for name in Villages._fields})


def constants_of(params: dict, services: np.ndarray, now: int, in_step: bool) -> Constants:
    """The scenario's numbers for the compiled rules, at step ``now`` (``in_step``: during a
    step's review, when a partnership formed starts this year). ``services``: rows fixed
    cost, decay km and utility weight, one column per service."""
    p = params
    drought, q, a = p["shocks"]["drought"], p["infrastructure"], p["agriculture"]
    return Constants(
        now=int(now),
        in_step=bool(in_step),
        temperature=float(p["behaviour"]["temperature"]),
        amortisation_steps=float(p["cooperation"]["amortisation_steps"]),
        search_cost=float(p["cooperation"]["search_cost"] * p["policy"]["facilitator_search_cost"]),
        initial_trust=float(p["behaviour"]["initial_trust"]),
        split_by_population=p["services"]["cost_split"] == "population",
        pool_share=float(a["pool_share"]),
        marketing_premium=float(a["marketing_premium"]),
        marketing_cost=float(a["marketing_cost"]),
        marketing_scale=float(a["marketing_scale"]),
        marketing_share=float(a["marketing_share"]),
        district_weight=float(drought["district_weight"]),
        local_weight=float(drought["local_weight"]),
        correlation_length_km=float(drought["correlation_length_km"]),
        coordination_overhead=float(p["services"]["coordination_overhead"]),
        pledge_share=float(q["pledge_share"]),
        infrastructure_utility_weight=float(q["utility_weight"]),
        irrigates=bool(q["irrigates"]),
        irrigation_bonus=float(a["irrigation_bonus"]),
        build_cost=float(q["build_cost"]),
        build_cost_per_household=float(q["build_cost_per_household"]),
        lifetime=int(q["lifetime"]),
        upkeep=float(q["upkeep"]),
        upkeep_per_household=float(q["upkeep_per_household"]),
        infrastructure_expertise_cost_saving=float(q["expertise_cost_saving"]),
        protection=float(q["protection"]),
        perceived_risk=float(q["perceived_risk"]),
        perceived_intensity=float(q["perceived_intensity"]),
        joint_budget_share=float(p["policy"]["joint_budget_share"]),
        collapse_steps=int(p["cooperation"]["collapse_steps"]),
        services=services,
    )
