"""VillageModel: villages deciding whether, with whom and how to cooperate.

``VillageModel.step`` follows the ODD process overview (docs/ODD.md):

1. villages review their partnerships (decide: stay, leave, seek, form);
2. the environment draws this year's shocks;
3. partners contribute or free-ride;
4. the three domains' economics: farming and risk pools, services, infrastructure;
5. budgets and households: costs, fines, dividends, consumption, savings, food;
6. learning: expected payoffs, trust, identity, expertise (capacity), innovation;
7. partnerships end at their term, collapse, or are renewed;
8. measurement (one DataCollector row per step; step 0 is the initial state).

Village state lives in numpy arrays (:class:`VillageState`), partnerships in a table
(:class:`PartnershipTable`); per-step economics is vectorised over all villages; the
villages' decisions (a loop over villages, in random order) are the rules of
``sim/decisions.py``, compiled by Numba (``NUMBA_DISABLE_JIT=1`` runs them as plain Python).
"""

from __future__ import annotations

import gc
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree

from sim import behaviour, decisions, gains, landscape, learning, lifecycle, membership, outputs, state, year
from sim.agents import Partnership, Village
from sim.domains import AGRICULTURE, DOMAIN_NAMES, INFRASTRUCTURE, SERVICES, agriculture, group_labels, group_sum
from sim.domains import infrastructure as infra
from sim.domains import services as svc
from sim.forms import Form, load_forms
from sim.scenario import VillageScenario, load_scenario
from sim.shocks import Environment
from sim.ties import Ties

# Random streams, one per purpose (numpy SeedSequence spawn keys). Endowments and
# shocks never depend on what villages do: common random numbers across scenarios.
STREAM_ENDOWMENTS, STREAM_SHOCKS, STREAM_TRUST, STREAM_DECISIONS, STREAM_BEHAVIOUR, STREAM_INNOVATION = range(6)


def morton_order(x: np.ndarray, y: np.ndarray, extent: float) -> np.ndarray:
    """Order of points (x, y) in [0, extent]^2 along a Z-order (Morton) curve: points
    near each other in space come mostly near each other in the order."""
    cells = (1 << 16) - 1
    scale = cells / max(extent, 1e-12)

    def spread(v: np.ndarray) -> np.ndarray:  # bits b15..b0 -> b15 0 b14 0 ... 0 b0
        v = np.clip(v * scale, 0, cells).astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return np.argsort(spread(x) | (spread(y) << np.uint64(1)), kind="stable")


def _number_along_space(s: VillageState, extent: float) -> None:
    """Renumber freshly drawn villages along a space-filling curve (morton_order), so
    that a village's neighbours, whose rows its decisions read, sit near it in memory.
    Only the numbering changes: every village keeps its own draws."""
    order = morton_order(s.x, s.y, extent)
    for name, value in vars(s).items():
        if isinstance(value, np.ndarray) and value.shape[:1] == (s.n,):
            setattr(s, name, value[order])


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
    budget: np.ndarray = field(default=None)  # money per village per step
    wealth: np.ndarray = field(default=None)  # savings, money per household
    food: np.ndarray = field(default=None)  # food stock, money-equivalent per household
    expertise: np.ndarray = field(default=None)  # (n, 3), [0, 1]
    threshold: np.ndarray = field(default=None)  # conditional-cooperation threshold
    risk_aversion: np.ndarray = field(default=None)
    service_efficiency: np.ndarray = field(default=None)  # multiplier on per-household service cost
    fund: np.ndarray = field(default=None)  # own infrastructure fund, money
    served_until: np.ndarray = field(default=None)  # step until which a built project serves the village
    upkeep_due: np.ndarray = field(default=None)  # money per step for the project serving it
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

    def arrays(self) -> state.Table:
        return state.Table(**{name: getattr(self, name) for name in state.Table._fields})

    def live(self) -> np.ndarray:
        """Ids of the partnerships that exist now, oldest first."""
        return np.flatnonzero(self.alive[: self.next_pid[0]])


class VillageModel(mesa.Model):
    """Villages that may cooperate on agriculture, services and infrastructure.

    Args:
        scenario: a scenario name from ``scenarios/``, a path to a TOML file, or a
            loaded :class:`~sim.scenario.VillageScenario`.
        rng: seed (Mesa 3.5 convention); one seed reproduces a run exactly.
        n_villages, steps: shortcuts for ``landscape.n_villages`` and ``run.steps``.
        **overrides: dotted key paths of the scenario file, e.g.
            ``**{"forms.formal.enforcement": 0.9}``.
    """

    FORK_TWIN = True  # start the counterfactual twin at the shock (False: step it from the start; same run)
    PARALLEL_TWIN = True  # step the twin in a second thread, alongside this model (same run either way)

    def __init__(
        self,
        scenario: str | VillageScenario = "default",
        *,
        rng: Any = None,
        n_villages: int | None = None,
        steps: int | None = None,
        _counterfactual: bool = False,
        _template: VillageModel | None = None,
        **overrides: Any,
    ):
        if rng is None and isinstance(scenario, VillageScenario):
            rng = scenario.rng  # a loaded scenario may carry the run's seed
        loaded = load_scenario(scenario, {"n_villages": n_villages, "steps": steps, **overrides})
        super().__init__(scenario=loaded.with_rng(rng))
        self.params: dict = self.scenario.params
        self.seed = int(self._seed) if isinstance(self._seed, (int, np.integer)) else self._seed
        self._root = np.random.SeedSequence(self.seed)
        p = self.params
        self.horizon: int = p["run"]["steps"]
        self.is_counterfactual = _counterfactual
        self.forms: dict[str, Form] = load_forms(p)
        self.form_list: list[Form] = list(self.forms.values())
        self.open_domains = [DOMAIN_NAMES.index(d) for d in p["cooperation"]["domains"]] if self.forms else []
        self.service_names = outputs.service_names(p)
        self._service_fixed = np.array([p["services"][name]["fixed_cost"] for name in self.service_names])
        self._service_decay = np.array([p["services"][name]["decay_km"] for name in self.service_names])
        self._service_weights = np.array([p["services"][name]["utility_weight"] for name in self.service_names])
        self.temperature = p["behaviour"]["temperature"]
        self.rl_temperature = p["behaviour"]["rl_temperature"]
        self.amortisation = p["cooperation"]["amortisation_steps"]
        self.decision_rng = np.random.default_rng(self._stream(STREAM_DECISIONS))
        self.in_step = False  # True while step() runs (partnerships formed then start this year)
        self.forked = not (_counterfactual and self.FORK_TWIN)  # a twin runs from its model's shock on
        self._edge_cache: dict | None = None  # per-step membership facts (partner ties, forms), during a step
        self.table = PartnershipTable(max((f.max_members for f in self.form_list), default=2))
        self.transfers_log: list[float] = []  # per step, the largest |sum| of transfers within a pool (should be 0)
        self.fine_imbalance: list[float] = []  # per step, fines paid minus fines received (should be 0)
        self._setup_villages(_template)
        self.environment = Environment(
            p["shocks"],
            self.state.x,
            self.state.y,
            self.state.district,
            p["landscape"]["n_districts"],
            self._stream(STREAM_SHOCKS),
        )
        self._last_shocks = None
        self._village_consumption: list[np.ndarray] = []
        self.innovations = 0
        self._stats: dict[str, float] = {}
        self.counterfactual: VillageModel | None = None
        if p["shocks"]["scheduled"] and not _counterfactual:
            self.counterfactual = VillageModel(
                self.scenario.without_scheduled_shocks(),
                rng=self.seed,
                _counterfactual=True,
                _template=self,  # the same landscape: reuse its tie graph instead of rebuilding it
            )
            self.counterfactual.environment.share_draws_with(self.environment)
        self.form_names = outputs.reported_forms(p)
        columns = outputs.columns(self.form_names, self.service_names, with_shock=False)
        reporters = {name: (lambda m, k=name: m._stats[k]) for name in columns}
        if self.counterfactual is not None:
            first = min(p["shocks"]["scheduled"], key=lambda e: e["step"])
            self.shock_step = first["step"]
            self.affected = (
                np.ones(self.state.n, bool) if first["district"] < 0 else self.state.district == first["district"]
            )
            if not self.affected.any():
                self.affected[:] = True  # a district with no village: measure the whole region
            shock_reporters = (
                lambda m: m.twin()._stats["mean_consumption"],
                lambda m: m.affected_welfare(m),
                lambda m: m.affected_welfare(m.twin()),
            )
            reporters.update(zip((c.column for c in outputs.SHOCK_COLUMNS), shock_reporters, strict=True))
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self._measure(contributed=None)
        if not self.is_counterfactual:
            self.datacollector.collect(self)

    # --- set-up -----------------------------------------------------------------
    def _stream(self, purpose: int, *extra: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self._root.entropy, spawn_key=(purpose, *extra))

    def _setup_villages(self, template: VillageModel | None = None) -> None:
        """Draw the villages' endowments (endowment stream: independent of policy).
        ``template``: a model of the same landscape (seed and scenario but for scheduled
        shocks) whose tie graph and neighbourhoods can be shared instead of rebuilt."""
        p = self.params
        land_p, beh = p["landscape"], p["behaviour"]
        n = land_p["n_villages"]
        rng = np.random.default_rng(self._stream(STREAM_ENDOWMENTS))
        s = VillageState(n=n)
        self.state = s
        area = land_p["area_km"]
        centres = rng.uniform(0.15 * area, 0.85 * area, size=(land_p["n_districts"], 2))
        s.district = np.arange(n) % land_p["n_districts"]
        offsets = rng.normal(0.0, land_p["district_spread_km"], size=(n, 2))
        pos = np.clip(centres[s.district] + offsets, 0.0, area)
        s.x, s.y = pos[:, 0].copy(), pos[:, 1].copy()

        def lognormal(mean: float, cv: float, size) -> np.ndarray:
            sigma = math.sqrt(math.log1p(cv**2))
            return mean * np.exp(rng.normal(-0.5 * sigma**2, sigma, size=size))

        s.households = np.maximum(lognormal(land_p["households_mean"], land_p["households_cv"], n), 1.0)
        s.land = lognormal(land_p["land_per_household"], land_p["land_cv"], n)
        s.productivity = lognormal(land_p["productivity_mean"], land_p["productivity_cv"], n)
        s.wealth = rng.exponential(1.0, size=n) * land_p["initial_wealth"]
        s.food = np.full(n, land_p["initial_food_stock"])
        s.expertise = np.clip(rng.normal(land_p["expertise_mean"], land_p["expertise_sd"], size=(n, 3)), 0.0, 1.0)
        s.threshold = np.clip(rng.normal(beh["threshold_mean"], beh["threshold_sd"], size=n), 0.0, 1.0)
        s.risk_aversion = np.maximum(
            rng.normal(beh["risk_aversion_mean"], 0.25 * beh["risk_aversion_mean"], size=n), 0.0
        )
        s.budget = land_p["budget_transfer"] + land_p["budget_per_household"] * s.households
        s.service_efficiency = np.ones(n)
        s.fund = np.zeros(n)
        s.served_until = np.zeros(n, dtype=np.int64)
        s.upkeep_due = np.zeros(n)
        s.partnership = np.full((n, 3), -1, dtype=np.int64)
        s.contributed = np.ones((n, 3), dtype=bool)
        s.tenure = np.zeros((n, 3), dtype=np.int64)
        s.payoff = np.zeros((n, 3))
        s.expected_gain = np.zeros((n, 3, max(len(self.form_list), 1)))
        s.experience = np.zeros((n, 3, max(len(self.form_list), 1)), dtype=np.int64)
        s.propensity = np.zeros((n, 3, 2))
        s.quality = np.ones((n, len(self.service_names)))
        s.host_distance = np.zeros(n)
        s.pledged = np.zeros(n)
        s.pending_cost = np.zeros((n, 3))
        a = p["agriculture"]
        base = agriculture.farm_output(
            s.productivity, s.land, a["alpha"], np.zeros(n), 0.0, np.zeros(n), s.expertise[:, 0], 0.0
        )
        s.income_mean = base * (1.0 - a["food_store_share"])
        s.income_var = (0.15 * s.income_mean) ** 2
        s.consumption = s.income_mean + land_p["nonfarm_income"]
        s.reference_consumption = s.consumption.copy()
        s.utility = np.log(s.consumption)
        _number_along_space(s, area)
        radius = p["cooperation"]["search_radius_km"] * p["policy"]["facilitator_radius"]
        if template is not None:
            assert np.array_equal(template.state.x, s.x), "a template must have the same landscape"
            self.ties = template.ties.copy()
            self._spillover = template._spillover
        else:
            self.ties = Ties(s.x, s.y, radius, p["cooperation"]["max_ties"])
            # villages within reach of a neighbour's project (physical distance, not ties)
            pairs = cKDTree(np.column_stack([s.x, s.y])).query_pairs(
                p["infrastructure"]["spillover_radius_km"], output_type="ndarray"
            )
            pairs = pairs.astype(np.int64).reshape(-1, 2)
            near = coo_matrix(
                (np.ones(2 * len(pairs)), (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                shape=(n, n),
            ).tocsr()
            self._spillover = (near.indptr.astype(np.int64), near.indices.astype(np.int64))  # neighbours, CSR
        trust_rng = np.random.default_rng(self._stream(STREAM_TRUST))
        self.ties.trust = np.clip(
            trust_rng.normal(beh["initial_trust"], beh["initial_trust_sd"], size=self.ties.cols.size), 0.0, 1.0
        )
        if beh["initial_trust_sd"] == 0:
            self.ties.trust[:] = beh["initial_trust"]
        # the twin's villages are never looked at one by one: it needs no agents
        self.villages = [Village(self, i) for i in range(n)] if not self.is_counterfactual else []
        self.form_rules = self._form_rules()
        t = self.ties
        if template is None:  # what distance fixes for each tie (a twin's landscape and parameters are its model's)
            t.corr, t.loss = gains.pair_tables(gains.gain_inputs(self._villages()), self._constants(), t.indptr, t.cols)
        self._ties = state.TieArrays(t.indptr, t.cols, t.distance, t.trust, t.reverse, t.corr, t.loss)
        self._tie_scratch = np.zeros(t.cols.size)  # learning.learn_on_ties' working space
        scale = float(self.params["cooperation"]["identity"]["scale_steps"])
        self._identity_sum = learning.mean_identity(t.years_together, scale) * t.cols.size  # sum over ties

    def _form_rules(self) -> np.ndarray:
        """The allowed forms' parameters for the compiled rules, one record per form index (state.FORM_RULE)."""
        allowed = {d: {f.name for f in self.forms_for(d)} for d in range(3)}
        rules = [
            (
                self.setup_cost(f),
                self.running_cost(f),
                f.enforced_compliance,
                f.exit_penalty,
                f.term,
                f.renewable,
                f.bundle,
                f.max_members,
                AGRICULTURE in f.domains,
                SERVICES in f.domains,
                INFRASTRUCTURE in f.domains,
                f.name in allowed[AGRICULTURE],
                f.name in allowed[SERVICES],
                f.name in allowed[INFRASTRUCTURE],
            )
            for f in self.form_list
        ]
        return np.array(rules, dtype=state.FORM_RULE).view(np.recarray)  # F[form].setup in plain Python too

    def _constants(self) -> state.Constants:
        """The scenario's scalars for the compiled rules, with the current step."""
        p = self.params
        drought, q, a = p["shocks"]["drought"], p["infrastructure"], p["agriculture"]
        return state.Constants(
            now=int(self.steps),
            in_step=bool(self.in_step),
            temperature=float(self.temperature),
            amortisation=float(self.amortisation),
            search_cost=float(self.search_cost()),
            initial_trust=float(p["behaviour"]["initial_trust"]),
            split_by_population=p["services"]["cost_split"] == "population",
            pool_share=float(a["pool_share"]),
            marketing_premium=float(a["marketing_premium"]),
            marketing_share=float(a["marketing_share"]),
            district_weight=float(drought["district_weight"]),
            local_weight=float(drought["local_weight"]),
            correlation_km=float(drought["correlation_length_km"]),
            overhead=float(p["services"]["coordination_overhead"]),
            pledge_share=float(q["pledge_share"]),
            infra_weight=float(q["utility_weight"]),
            irrigates=bool(q["irrigates"]),
            irrigation_bonus=float(a["irrigation_bonus"]),
            build_cost=float(q["build_cost"]),
            lifetime=int(q["lifetime"]),
            upkeep=float(q["upkeep"]),
            build_saving=float(q["expertise_cost_saving"]),
            joint_budget_share=float(p["policy"]["joint_budget_share"]),
            collapse_steps=int(p["cooperation"]["collapse_steps"]),
            services=np.array([self._service_fixed, self._service_decay, self._service_weights], dtype=float),
        )

    def _villages(self) -> state.Villages:
        """The villages' current arrays, for the compiled rules (which update them in place)."""
        s = self.state
        return state.Villages(**{name: getattr(s, name) for name in state.Villages._fields})

    def records(self) -> tuple:
        """(villages, partnerships, ties, forms, constants): the records the compiled rules take (sim/state.py)."""
        self._ties = self._ties._replace(trust=self.ties.trust)
        return self._villages(), self.table.arrays(), self._ties, self.form_rules, self._constants()

    # --- what the forms cost, and who may choose them ---------------------------------
    def forms_for(self, domain: int) -> list[Form]:
        """Forms a village may choose for ``domain`` (allowed, covering it, and mandated if a mandate applies)."""
        if domain not in self.open_domains:
            return []
        mandate = self.params["policy"]["mandate"]

        def permitted(form: Form) -> bool:
            covered = form.covered_domains(domain)
            return all(d in self.open_domains and mandate.get(DOMAIN_NAMES[d], form.name) == form.name for d in covered)

        return [f for f in self.form_list if domain in f.domains and permitted(f)]

    def setup_cost(self, form: Form) -> float:
        return form.setup_cost * (1.0 - self.params["policy"]["subsidy_setup"])

    def running_cost(self, form: Form) -> float:
        return form.running_cost * (1.0 - self.params["policy"]["subsidy_running"])

    def search_cost(self) -> float:
        return self.params["cooperation"]["search_cost"] * self.params["policy"]["facilitator_search_cost"]

    @staticmethod
    def _domain_mask(domains: tuple[int, ...]) -> np.ndarray:
        mask = np.zeros(3, dtype=bool)
        mask[list(domains)] = True
        return mask

    def expected_gains(self, form: Form, covered: tuple[int, ...], members: list[int]) -> np.ndarray:
        """Each member's expected gain (money per household per step) from a group of
        ``members`` under ``form`` covering ``covered`` domains, net of costs. The
        group forms (or admits a new member) only if all of these are >= 0 (``sim/gains.py``)."""
        V, _, E, _, P = self.records()
        group = np.asarray(members, dtype=np.int64)
        rule, mask = self.form_rules[form.index], self._domain_mask(covered)
        g = gains.gain_inputs(V)
        return gains.group_gains(g, E.indptr, E.cols, E.trust, E.corr, E.loss, P.services, P, rule, mask, group)

    # --- membership changes by hand, for experiments (the bookkeeping: sim/membership.py) ---
    def form_partnership(self, form: Form, covered: tuple[int, ...], members: list[int]) -> Partnership:
        """A new partnership of ``form`` on ``covered`` with ``members`` (joining in that order)."""
        self.table.reserve(1)
        V, T, E, F, P = self.records()
        group = np.asarray(members, dtype=np.int64)
        g = gains.gain_inputs(V)
        pid = membership.form_partnership(V, T, E, F, P, g, form.index, self._domain_mask(covered), group)
        return Partnership(self, int(pid))

    def join(self, i: int, partnership: Partnership, expected_gain: float) -> None:
        """Village ``i`` joins ``partnership``, expecting ``expected_gain``."""
        V, T, _, F, P = self.records()
        membership.join(V, T, F, P, i, partnership.pid, expected_gain)

    def leave(self, i: int, partnership: Partnership, reason: str) -> None:
        """Village ``i`` leaves; on a voluntary exit (``reason="left"``) it pays the exit
        penalty to the remaining members."""
        code = membership.LEFT if reason == "left" else membership.REASONS.index(reason)
        V, T, _, F, P = self.records()
        membership.leave(V, T, F, P, i, partnership.pid, code)

    def dissolve(self, partnership: Partnership, reason: str) -> None:
        """``partnership`` ends; ``reason`` is one of membership.REASONS."""
        V, T, _, _, P = self.records()
        membership.dissolve(V, T, P, partnership.pid, membership.REASONS.index(reason))

    @property
    def partnerships(self) -> dict[int, Partnership]:
        """The partnerships that exist now, by id (views of the partnership table)."""
        return {int(pid): Partnership(self, int(pid)) for pid in self.table.live()}

    @property
    def ended(self) -> list[dict]:
        """Partnerships that ended: form, domains, start and end step, duration (economic
        years), why it ended and its size then."""
        t = self.table
        done = np.flatnonzero(~t.alive[: t.next_pid[0]])
        return [
            {
                "form": self.form_list[t.form[pid]].name,
                "domains": "+".join(DOMAIN_NAMES[d] for d in np.flatnonzero(t.domains[pid])),
                "start": int(t.start[pid]),
                "end": int(t.end_step[pid]),
                "duration": int(t.years[pid]),
                "reason": membership.REASONS[t.reason[pid]],
                "size": int(t.final_size[pid]),
            }
            for pid in done
        ]

    # --- the step -----------------------------------------------------------------
    def twin(self) -> VillageModel:
        """The counterfactual run without the scheduled shock. Until the shock's first
        step the two runs are the same run, so this model stands for its twin until then."""
        twin = self.counterfactual
        return twin if twin is not None and twin.forked else self

    def _fork_twin(self) -> None:
        """Make the twin a copy of this model as it stands before the shock's first step;
        from then on it steps on its own (the same streams, without the shock)."""
        twin = self.counterfactual
        for name in VillageState.__dataclass_fields__:
            value = getattr(self.state, name)
            setattr(twin.state, name, value.copy() if isinstance(value, np.ndarray) else value)
        for name in [*PartnershipTable.FIELDS, "domains", "members", "consent", "next_pid"]:
            setattr(twin.table, name, getattr(self.table, name).copy())
        twin.table.capacity = self.table.capacity
        twin.ties.trust = self.ties.trust.copy()
        twin.ties.years_together = self.ties.years_together.copy()
        twin._identity_sum = self._identity_sum
        twin.decision_rng.bit_generator.state = self.decision_rng.bit_generator.state
        twin.innovations = self.innovations
        twin._stats = dict(self._stats)
        twin._last_shocks = self._last_shocks
        twin._village_consumption = list(self._village_consumption)
        twin.transfers_log = list(self.transfers_log)
        twin.fine_imbalance = list(self.fine_imbalance)
        twin.forked = True

    def step(self) -> None:
        """One year, in the order of the ODD process overview."""
        if not self.forked:
            return  # a twin before the shock: its model stands for it (see twin())
        if self.counterfactual is not None and not self.counterfactual.forked and self.steps >= self.shock_step:
            self._fork_twin()
        twin = self.counterfactual if self.counterfactual is not None and self.counterfactual.forked else None
        helper, failure = None, []
        if twin is not None and self.PARALLEL_TWIN:
            # the twin shares nothing mutable with this model but the shock draws (locked)
            def step_twin() -> None:
                try:
                    twin.step()
                except BaseException as error:  # re-raised below, in this thread
                    failure.append(error)

            helper = threading.Thread(target=step_twin, name="kerjasama-twin")
            helper.start()
        elif self.counterfactual is not None:
            self.counterfactual.step()  # counts the step (and runs it, once forked)
        self.in_step = True
        self.review_partnerships()
        self._edge_cache = {}  # membership is now fixed until the end of the year
        shocks = self.environment.draw(self.steps)
        if not self.is_counterfactual and self.steps < self.horizon:
            self.environment.prefetch(self.steps + 1)  # made while this step runs, on the other core
        contributes = self.decide_contributions()
        self.run_economy(shocks, contributes)
        self._edge_cache = None
        self.end_partnerships(contributes)
        if helper is not None:
            helper.join()
            if failure:
                raise failure[0]
        self._measure(contributes)
        if not self.is_counterfactual:  # a twin is read through its model's reporters
            self.datacollector.collect(self)
        self.in_step = False
        if self.steps >= self.horizon:
            self.running = False

    def run(self) -> VillageModel:
        """Run to the scenario's horizon (``run.steps``). Returns the model."""
        collecting = gc.isenabled()
        gc.disable()  # a run makes no reference cycles to collect; scanning 75,000 agents costs seconds
        try:
            while self.running and self.steps < self.horizon:
                self.step()
        finally:
            if collecting:
                gc.enable()
        return self

    def decision_draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This step's draws for the reviews: the order in which villages decide, which
        (village, domain) pairs are reviewed, and one uniform per pair for its choice."""
        n = self.state.n
        order = self.decision_rng.permutation(n)
        reviews = self.decision_rng.random((n, 3)) < self.params["behaviour"]["review_probability"]
        reviews[:, [d for d in range(3) if d not in self.open_domains]] = False
        return order, reviews, self.decision_rng.random((n, 3))

    def review_partnerships(self) -> None:
        """Villages that review a domain this step decide, in random order (``decisions.review``)."""
        if not self.open_domains:
            return
        order, reviews, u = self.decision_draws()
        self.table.reserve(3 * self.state.n // 2 + 1)  # at most this many partnerships can form in one review
        decisions.review(*self.records(), order, reviews, u)

    def _partner_edges(self, domain: int) -> np.ndarray:
        """Positions of the ties whose two ends are partners in ``domain`` (ties i -> j
        with i and j in the same partnership). Membership is fixed from the end of the
        review to the end of the year, so within a step they are computed once."""
        cache = self._edge_cache
        if cache is not None and domain in cache:
            return cache[domain]
        by_domain = year.partner_edges(self.ties.indptr, self.ties.cols, self.state.partnership)
        if cache is not None:
            cache.update(enumerate(by_domain))
        return by_domain[domain]

    def decide_contributions(self) -> np.ndarray:
        """Contribute or free-ride, for every member of every partnership (batch
        version of :meth:`Village.will_contribute`). Alone, a village pays its own way."""
        s, t = self.state, self.ties
        n = s.n
        u_rule, u_error, self._u_detect = self.behaviour_draws()
        rule = self.params["behaviour"]["rule"]
        contributes = np.ones((n, 3), dtype=bool)
        deters = np.array([f.deters_free_riding for f in self.form_list] + [False])
        for d in range(3):
            member = s.partnership[:, d] >= 0
            if not member.any():
                continue
            same = self._partner_edges(d)
            if rule == "always_cooperate":
                action = np.ones(n, dtype=bool)
            elif rule == "always_defect":
                action = np.zeros(n, dtype=bool)
            elif rule == "conditional":
                signal = self._partner_means(d, same)[1]  # mean over partners of trust x contributed
                identity = self._identity(d, same)
                form_idx = self._form_index(d)
                action = behaviour.conditional_cooperation(
                    signal,
                    s.threshold,
                    identity,
                    self.params["cooperation"]["identity"]["threshold_discount"],
                    deters[form_idx],
                    s.tenure[:, d] == 0,
                )
            elif rule == "reinforcement":
                action = behaviour.reinforcement(
                    s.propensity[:, d, 0], s.propensity[:, d, 1], self.rl_temperature, u_rule[:, d]
                )
            else:  # imitate_best
                best = np.full(n, -np.inf)
                np.maximum.at(best, t.rows[same], s.payoff[t.cols[same], d])
                is_best = same[s.payoff[t.cols[same], d] == best[t.rows[same]]]
                best_action = np.bincount(t.rows[is_best], weights=s.contributed[t.cols[is_best], d], minlength=n) > 0
                action = behaviour.imitate_best(s.contributed[:, d], s.payoff[:, d], best, best_action)
            action = behaviour.with_errors(action, self.params["behaviour"]["error_rate"], u_error[:, d])
            contributes[:, d] = np.where(member, action, True)
        return contributes

    def behaviour_draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This step's uniform draws for contribution decisions: (rule, error, detection),
        each (villages x domains), from the behaviour stream seeded by the step."""
        rng = np.random.default_rng(self._stream(STREAM_BEHAVIOUR, self.steps))
        n = self.state.n
        return rng.random((n, 3)), rng.random((n, 3)), rng.random((n, 3))

    def _labels(self, domain: int) -> tuple[np.ndarray, int]:
        """Group labels in ``domain`` (``group_labels``): computed once per step while membership is fixed."""
        cache = self._edge_cache
        if cache is not None and ("labels", domain) in cache:
            return cache[("labels", domain)]
        labels = group_labels(self.state.partnership[:, domain])
        if cache is not None:
            cache[("labels", domain)] = labels
        return labels

    def _form_index(self, domain: int) -> np.ndarray:
        """Index of each village's form in ``domain`` (len(forms) when alone)."""
        cache = self._edge_cache
        if cache is not None and ("form", domain) in cache:
            return cache[("form", domain)]
        pid = self.state.partnership[:, domain]
        alone = len(self.form_list)
        index = np.where(pid >= 0, self.table.form[np.maximum(pid, 0)], alone)
        if cache is not None:  # membership is fixed from the review to the end of the year
            cache[("form", domain)] = index
        return index

    def running_costs(self) -> np.ndarray:
        """Running cost each village pays this step for its partnership in each domain
        (money per village; a bundle's cost is spread over its domains). Shared
        identity makes it cheaper: x (1 - cost_discount x identity)."""
        n = self.state.n
        forms = self.form_list
        running = np.zeros((n, 3))
        discount = self.params["cooperation"]["identity"]["cost_discount"]
        for d in range(3):
            idx = self._form_index(d)
            covers = np.array([len(f.domains) if f.bundle else 1 for f in forms] + [1])[idx]
            base = np.array([self.running_cost(f) for f in forms] + [0.0])[idx] / covers
            identity = self._identity(d, self._partner_edges(d))
            running[:, d] = base * (1.0 - discount * identity)
        return running

    def _identity(self, domain: int, same: np.ndarray) -> np.ndarray:
        """Mean shared identity of each village with its partners in ``domain``, [0, 1)."""
        return self._partner_means(domain, same)[2]

    def _partner_means(self, domain: int, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each village's number of partners in ``domain`` (its ties ``same``), mean over
        them of trust x contributed last step, and mean shared identity
        (``year.partner_means``). Kept for the step until learning changes them."""
        cache = self._edge_cache
        if cache is not None and ("means", domain) in cache:
            return cache[("means", domain)]
        t, s = self.ties, self.state
        scale = float(self.params["cooperation"]["identity"]["scale_steps"])
        means = year.partner_means(
            t.rows, t.cols, same, t.trust, s.contributed[:, domain], t.years_together, scale, s.n
        )
        if cache is not None:
            cache[("means", domain)] = means
        return means

    def run_economy(self, shocks, contributes: np.ndarray) -> None:
        """Farming, risk pools, services, infrastructure, budgets and households,
        vectorised over all villages (a village alone is a group of one)."""
        s, p = self.state, self.params
        n, now = s.n, self.steps
        a, q, econ = p["agriculture"], p["infrastructure"], p["economy"]
        h = s.households
        member = s.partnership >= 0
        pays = contributes | ~member
        form_idx = np.stack([self._form_index(d) for d in range(3)], axis=1)
        forms = self.form_list
        enforcement = np.array([f.enforcement for f in forms] + [0.0])[form_idx]
        fine_rate = np.array([f.fine for f in forms] + [0.0])[form_idx]
        detected = member & ~pays & (self._u_detect < enforcement)

        # Agriculture: output, fire, price, risk pool, joint marketing
        served = s.served_until > now
        irrigated = served & q["irrigates"]
        output = agriculture.farm_output(
            s.productivity,
            s.land,
            a["alpha"],
            irrigated,
            a["irrigation_bonus"],
            shocks.crop,
            s.expertise[:, 0],
            a["adaptation_max"],
        )
        protection = np.zeros(n)
        for k_s, name in enumerate(self.service_names):
            protection += p["services"][name]["fire_protection"] * s.quality[:, k_s]
        fire_loss = np.where(shocks.fire, p["shocks"]["fire"]["damage"] * (1.0 - np.minimum(protection, 1.0)), 0.0)
        revenue = output * (1.0 - fire_loss) * shocks.price
        stored = a["food_store_share"] * revenue
        sold = revenue - stored
        lab0, ng0 = self._labels(AGRICULTURE)
        in_pool = member[:, AGRICULTURE]
        transfer = (
            agriculture.risk_pool_transfers(sold * h, lab0, ng0, pays[:, AGRICULTURE] & in_pool, a["pool_share"], h) / h
        )
        self.transfers_log.append(float(np.max(np.abs(group_sum(lab0, transfer * h, ng0)))) if n else 0.0)
        marketing = np.where(in_pool & pays[:, AGRICULTURE], a["marketing_premium"] * a["marketing_share"] * sold, 0.0)
        withheld = np.zeros((n, 3))  # money per village a free-rider kept back, by domain
        withheld[:, AGRICULTURE] = np.where(in_pool & ~pays[:, AGRICULTURE], a["pool_share"] * sold * h, 0.0)

        # Services: shared fixed costs, quality by distance to the host
        lab1, ng1 = self._labels(SERVICES)
        weight = svc.cost_weights(h, lab1, ng1, p["services"]["cost_split"])
        service_bill = np.zeros(n)
        alone_service_cost = np.zeros(n)
        quality_gap = np.zeros(n)  # utility lost to distance vs running one's own
        per_household_factor = (
            1.0 - p["services"]["expertise_cost_saving"] * s.expertise[:, SERVICES]
        ) * s.service_efficiency
        for k_s, name in enumerate(self.service_names):
            sp = p["services"][name]
            bill, funded = svc.shared_fixed_costs(
                sp["fixed_cost"], p["services"]["coordination_overhead"], lab1, ng1, weight, pays[:, SERVICES]
            )
            k = np.bincount(lab1, minlength=ng1)[lab1]
            due = svc.group_fixed_cost(sp["fixed_cost"], k, p["services"]["coordination_overhead"]) * weight
            withheld[:, SERVICES] += np.where(~pays[:, SERVICES], due, 0.0)
            per_household = sp["cost_per_household"] * h * per_household_factor
            s.quality[:, k_s] = np.where(funded, svc.quality(s.host_distance, sp["decay_km"]), 0.0)
            service_bill += bill + per_household
            alone_service_cost += sp["fixed_cost"] + per_household
            quality_gap += sp["utility_weight"] * (s.quality[:, k_s] - 1.0)
        self._service_spending = service_bill.sum()
        self._service_quality_households = float(np.sum(s.quality.mean(axis=1) * h))

        # Infrastructure: pledges into funds, threshold builds, upkeep
        lab2, ng2 = self._labels(INFRASTRUCTURE)
        in_infra = member[:, INFRASTRUCTURE]
        running = self.running_costs()
        pledge = q["pledge_share"] * s.budget
        cap = p["policy"]["joint_budget_share"] * s.budget - running.sum(axis=1) - s.pending_cost.sum(axis=1)
        pledge = np.where(in_infra, np.clip(np.minimum(pledge, cap), 0.0, None), pledge)
        amount = np.where(served, s.upkeep_due, pledge)
        paid_infra = np.where(pays[:, INFRASTRUCTURE], amount, 0.0)
        withheld[:, INFRASTRUCTURE] = np.where(~pays[:, INFRASTRUCTURE], amount, 0.0)
        # upkeep left unpaid by free-riders is covered by the paying members of the group
        gap = group_sum(lab2, np.where(served & ~pays[:, INFRASTRUCTURE] & in_infra, s.upkeep_due, 0.0), ng2)
        payers_upkeep = group_sum(lab2, np.where(served & pays[:, INFRASTRUCTURE] & in_infra, s.upkeep_due, 0.0), ng2)
        cover = np.where(
            payers_upkeep[lab2] > 0, gap[lab2] * s.upkeep_due / np.maximum(payers_upkeep[lab2], 1e-12), 0.0
        )
        paid_infra += np.where(served & pays[:, INFRASTRUCTURE] & in_infra, cover, 0.0)
        unmaintained = (gap > 0) & (payers_upkeep <= 0)
        s.served_until = np.where(served & in_infra & unmaintained[lab2], s.served_until - 1, s.served_until)
        pledge_paid = np.where(~served, paid_infra, 0.0)
        # alone: into its own fund; in a partnership: into the common fund
        s.fund += np.where(in_infra, 0.0, pledge_paid)
        built_cost = infra.effective_build_cost(
            q["build_cost"], s.expertise[:, INFRASTRUCTURE], q["expertise_cost_saving"]
        )
        own_built = ~in_infra & ~served & infra.is_built(s.fund, built_cost)
        s.fund = np.where(own_built, s.fund - built_cost, s.fund)
        s.served_until = np.where(own_built, now + q["lifetime"], s.served_until)
        s.upkeep_due = np.where(own_built, q["upkeep"], s.upkeep_due)
        # in a partnership: into the common fund, which builds when it reaches the cost
        V, T, _, _, P = self.records()
        infra.pool_infrastructure(V, T, P, s.expertise[:, INFRASTRUCTURE].copy(), h, pledge_paid)
        served_now = s.served_until > now
        spill = landscape.any_neighbour(*self._spillover, served_now)  # a project is within reach
        infra_utility = q["utility_weight"] * (served_now + q["spillover_share"] * (spill & ~served_now))

        # Fines: detected free-riders pay; paying members of the group receive
        fines_paid = np.where(detected, fine_rate * withheld, 0.0)
        fines_received = np.zeros((n, 3))
        for d, (lab, ng) in enumerate(((lab0, ng0), (lab1, ng1), (lab2, ng2))):
            pot = group_sum(lab, fines_paid[:, d], ng)
            receivers = member[:, d] & pays[:, d]
            count = np.bincount(lab, weights=receivers.astype(float), minlength=ng)
            collectable = count > 0  # nobody to pay a fine to: none is collected
            fines_paid[:, d] = np.where(collectable[lab], fines_paid[:, d], 0.0)
            pot = group_sum(lab, fines_paid[:, d], ng)
            fines_received[:, d] = np.where(receivers, pot[lab] / np.maximum(count[lab], 1), 0.0)
        self._detected = detected
        self._fines = fines_paid
        self.fine_imbalance.append(float(fines_paid.sum() - fines_received.sum()))

        # Village budget: what is left goes to households (a negative rest is a local tax)
        partnership_costs = running + s.pending_cost + fines_paid - fines_received
        spending = service_bill + paid_infra + partnership_costs.sum(axis=1)
        dividend = (s.budget - spending) / h

        # Households: income, consumption, savings, food
        farm_income = sold + transfer + marketing
        income = farm_income + p["landscape"]["nonfarm_income"] + dividend
        s.wealth = s.wealth * (1.0 - fire_loss)
        line = 1.0
        saving = np.where(income > line, econ["save_rate"] * (income - line), 0.0)
        shortfall = np.where(income < line, line - income, 0.0)
        from_food = np.minimum(np.maximum(s.food, 0.0), shortfall)
        from_wealth = np.minimum(np.maximum(s.wealth, 0.0), shortfall - from_food)
        consumption = income - saving + from_food + from_wealth
        borrowed = np.zeros(n)
        if econ["allow_debt"]:
            borrowed = np.maximum(econ["subsistence"] - consumption, 0.0)
            consumption = consumption + borrowed
        consumption = np.maximum(consumption, 1e-3)  # emergency relief keeps consumption positive
        s.wealth = s.wealth + saving - from_wealth - borrowed
        s.food = (s.food - from_food) * (1.0 - a["food_spoilage"]) + stored
        s.consumption = consumption
        service_utility = np.zeros(n)
        for k_s, name in enumerate(self.service_names):
            service_utility += p["services"][name]["utility_weight"] * s.quality[:, k_s]
        s.utility = np.log(consumption) + service_utility + infra_utility

        # Learning from this step's payoffs (gain over going alone, money per household)
        # learning sees recurring costs only: set-up, search and exit penalties are one-off
        # and enter decisions explicitly (amortised), so they are not learned as yearly losses
        cost_per_hh = (running + fines_paid - fines_received) / h[:, None]
        gain = np.zeros((n, 3))
        gain[:, AGRICULTURE] = agriculture.crra_money_gain(
            consumption,
            consumption - (transfer + marketing) + cost_per_hh[:, AGRICULTURE],
            s.reference_consumption,
            s.risk_aversion,
        )
        gain[:, SERVICES] = (
            (alone_service_cost - service_bill) / h - cost_per_hh[:, SERVICES] + quality_gap * consumption
        )
        alone_payment = np.where(served, q["upkeep"], q["pledge_share"] * s.budget)
        duty_alone = infra.duty_cycle(q["lifetime"], q["build_cost"], q["pledge_share"] * s.budget)
        irrigation_value = (
            a["irrigation_bonus"] * revenue / (1.0 + a["irrigation_bonus"] * irrigated) if q["irrigates"] else 0.0
        )
        gain[:, INFRASTRUCTURE] = (
            (alone_payment - paid_infra) / h
            - cost_per_hh[:, INFRASTRUCTURE]
            + (served_now - duty_alone) * (q["utility_weight"] * consumption + irrigation_value)
        )
        self._learn(gain, contributes, member, detected, pays)
        s.pending_cost[:] = 0.0
        lr = p["behaviour"]["learning_rate"]
        deviation = revenue * (1.0 - a["food_store_share"]) - s.income_mean
        s.income_mean = s.income_mean + lr * 0.5 * deviation
        s.income_var = (1.0 - lr * 0.5) * (s.income_var + lr * 0.5 * deviation**2)
        s.reference_consumption = s.reference_consumption + lr * (consumption - s.reference_consumption)
        self._last_shocks = shocks

    def _learn(self, gain, contributes, member, detected, pays) -> None:
        """Expected payoffs, trust, identity, expertise (capacity) and innovation."""
        s, t, p = self.state, self.ties, self.params
        n = s.n
        lr = p["behaviour"]["learning_rate"]
        beh = p["behaviour"]
        for d in range(3):
            m = member[:, d]
            if not m.any():
                continue
            form_idx = self._form_index(d)
            rows = np.flatnonzero(m)
            cols = form_idx[rows]
            s.expected_gain[rows, d, cols] = behaviour.reinforce(s.expected_gain[rows, d, cols], gain[rows, d], lr)
            s.experience[rows, d, cols] += 1
            action = np.where(contributes[rows, d], 0, 1)
            s.propensity[rows, d, action] = behaviour.reinforce(s.propensity[rows, d, action], gain[rows, d], lr)
        s.payoff = np.where(member, gain, 0.0)
        # trust: rises when a partner contributes, falls when it free-rides; identity: years
        # together grow on partner ties; capacity: expertise spills from better, contributing partners
        multipliers = np.array([f.trust_multiplier for f in self.form_list] + [1.0])
        sanctions = np.array([f.sanction_trust_loss for f in self.form_list] + [0.0])
        identity_rates = np.array([f.identity_rate for f in self.form_list] + [0.0])
        new_expertise = s.expertise.copy()
        cap = p["cooperation"]["capacity"]
        form_idx = np.stack([self._form_index(d) for d in range(3)], axis=1)
        spill, identity_growth = learning.learn_on_ties(
            t.rows,
            t.cols,
            t.trust,
            t.years_together,
            tuple(self._partner_edges(d) for d in range(3)),
            form_idx,
            pays,
            s.expertise,
            multipliers,
            sanctions,
            identity_rates,
            float(beh["trust_gain"]),
            float(beh["trust_loss"]),
            self._tie_scratch,
            float(p["cooperation"]["identity"]["scale_steps"]),
        )
        self._identity_sum += identity_growth  # kept up to date instead of summed over all ties each step
        new_expertise += cap["spill_rate"] * spill
        if self._edge_cache is not None:  # trust and identity have changed
            for d in range(3):
                self._edge_cache.pop(("means", d), None)
        new_expertise += cap["self_learning"] * (1.0 - s.expertise)
        s.expertise = np.clip(new_expertise, 0.0, 1.0)
        # innovation: new practices appear more often with more diverse partners
        inn = p["cooperation"]["innovation"]
        rng = np.random.default_rng(self._stream(STREAM_INNOVATION, self.steps))
        u = rng.random((n, 2))
        self.innovations = 0
        for col, d in enumerate((AGRICULTURE, SERVICES)):
            diversity = self.partner_diversity(d)
            new_practice = u[:, col] < inn["base_rate"] + inn["diversity_rate"] * diversity
            self.innovations += int(new_practice.sum())
            if d == AGRICULTURE:
                s.productivity = np.where(
                    new_practice, s.productivity * (1.0 + inn["productivity_gain"]), s.productivity
                )
            else:
                s.service_efficiency = np.where(
                    new_practice,
                    np.maximum(s.service_efficiency * (1.0 - inn["productivity_gain"]), 0.2),
                    s.service_efficiency,
                )
        s.contributed = contributes.copy()
        s.tenure = np.where(member, s.tenure + 1, 0)

    def partner_diversity(self, domain: int) -> np.ndarray:
        """Standard deviation of expertise in ``domain`` across each village's group (0 alone)."""
        s = self.state
        lab, ng = self._labels(domain)
        e = s.expertise[:, domain]
        k = np.bincount(lab, minlength=ng)
        mean = group_sum(lab, e, ng) / k
        var = np.maximum(group_sum(lab, e * e, ng) / k - mean**2, 0.0)
        return np.sqrt(var)[lab]

    def end_partnerships(self, contributes: np.ndarray) -> None:
        """Terms run out, partnerships collapse when nobody contributes, renewals
        (``lifecycle.end_of_year``)."""
        V, T, _, F, P = self.records()
        lifecycle.end_of_year(V, T, F, P, contributes)

    # --- measurement -------------------------------------------------------------
    def _measure(self, contributed: np.ndarray | None) -> None:
        """This step's row of the per-step table (what the DataCollector reads; see sim/outputs.py)."""
        self._village_consumption.append(self.state.consumption.copy())
        self._stats = outputs.measure(self, contributed)

    def partnership_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What a map draws: for each partnership, a line from its hub (the member with
        the most households, who hosts shared services) to each other member. Returns
        ``(hub, member, form index)`` per line, and the hubs of the partnerships sharing services."""
        t = self.table
        live = t.live()
        members = t.members[live]
        slot = np.arange(members.shape[1])[None, :]
        valid = slot < t.size[live][:, None]
        households = np.where(valid, self.state.households[members], -np.inf)
        hub = members[np.arange(live.size), np.argmax(households, axis=1)] if live.size else live
        line = valid & (members != hub[:, None])
        hubs = np.broadcast_to(hub[:, None], members.shape)[line]
        forms = np.broadcast_to(t.form[live][:, None], members.shape)[line]
        return hubs, members[line], forms, hub[t.domains[live, SERVICES]]

    def affected_welfare(self, model: VillageModel) -> float:
        """Mean consumption per household in the villages hit by the first scheduled
        shock, in ``model`` (this run or its counterfactual)."""
        h = model.state.households[self.affected]
        return float(np.sum(model.state.consumption[self.affected] * h) / h.sum())

    # --- results -----------------------------------------------------------------
    def timeseries(self):
        """The per-step table (pandas DataFrame, one row per step, step 0 first)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """The run in one flat dict with dotted keys (``sim.outputs.summary``; README, "Outputs")."""
        return outputs.summary(self)
