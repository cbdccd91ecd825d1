"""VillageModel: villages deciding whether, with whom and how to cooperate.

``VillageModel.step`` follows the ODD process overview (docs/ODD.md, section 3), one
call per step, each in the module named for it:

1. villages review their partnerships: stay, leave, seek, form (``sim/decisions.py``);
2. the environment draws this year's shocks (``sim/shocks.py``);
3. partners contribute or free-ride (``sim/behaviour.py``);
4. the three domains' year: farming and risk pools, services, infrastructure
   (``sim/economy.py``, ``sim/domains/``); free-riders detected and fined (``sim/enforcement.py``);
5. budgets and households: costs, dividends, consumption, savings, food (``sim/households.py``);
6. learning: expected payoffs, trust, identity, expertise (capacity), innovation (``sim/learning.py``);
7. partnerships end at their term, collapse, or are renewed (``sim/lifecycle.py``);
8. measurement: one DataCollector row per step, step 0 the initial state (``sim/outputs.py``).

Village state lives in numpy arrays (``state.VillageState``), partnerships in a table
(``state.PartnershipTable``); the mechanisms take arrays and small records, never the
model. The villages' decisions are compiled by Numba (``NUMBA_DISABLE_JIT=1`` runs the
same functions as plain Python).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import (
    behaviour,
    decisions,
    economy,
    enforcement,
    gains,
    households,
    landscape,
    learning,
    lifecycle,
    membership,
    outputs,
    state,
    twin,
)
from sim.agents import Partnership, Village
from sim.domains import DOMAIN_NAMES, SERVICES
from sim.forms import Form, form_records, forms_for, load_forms
from sim.scenario import VillageScenario, load_scenario
from sim.scenario.parameter import python_value
from sim.shocks import Environment
from sim.ties import Ties
from sim.year import Year


class VillageModel(mesa.Model):
    """Villages that may cooperate on agriculture, services and infrastructure.

    Args:
        scenario: a scenario name from ``scenarios/``, a path to a TOML file, or a
            loaded :class:`~sim.scenario.VillageScenario`.
        rng: seed (Mesa 3.5 convention); one seed reproduces a run exactly. A numpy
            integer seeds as the Python int of the same value.
        n_villages, steps: shortcuts for ``landscape.n_villages`` and ``run.steps``.
        **overrides: dotted key paths of the scenario file, e.g.
            ``**{"forms.formal.enforcement": 0.9}``. Values may be numpy numbers
            (``np.int64(20)``): they run exactly as the Python number of the same value.

    With ``mesa.batch_run``, give the horizon as the ``steps`` parameter and the seeds as
    ``rng=[...]`` (``iterations=`` is deprecated in Mesa 3.5: it means ``rng=[None] * n``,
    runs that cannot be repeated); each run's row at its last step carries its summary
    measures (``summary()`` without the keys naming the run)::

        rows = mesa.batch_run(VillageModel, parameters={"n_villages": [20, 40], "steps": 30},
                              rng=[1, 2, 3], number_processes=1, data_collection_period=-1)
        rows[0]["welfare.mean_utility"], rows[0]["resilience.loss"]
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
        rng = python_value(rng)  # np.int64(3) seeds as 3 (Mesa's stdlib generator refuses numpy integers)
        loaded = load_scenario(scenario, {"n_villages": n_villages, "steps": steps, **overrides})
        super().__init__(scenario=loaded.with_rng(rng))
        self.params: dict = self.scenario.params
        self.seed = int(self._seed) if isinstance(self._seed, (int, np.integer)) else self._seed
        self._root = np.random.SeedSequence(self.seed)
        p = self.params
        self.horizon: int = p["run"]["steps"]
        self.is_counterfactual = _counterfactual
        self._setup_rules(p)
        self.decision_rng = np.random.default_rng(self._stream(state.STREAM_DECISIONS))
        self.in_step = False  # True while step() runs (partnerships formed then start this year)
        self.forked = not (_counterfactual and self.FORK_TWIN)  # a twin runs from its model's shock on
        self.table = state.PartnershipTable(max((f.max_members for f in self.form_list), default=2))
        self.transfers_log: list[float] = []  # per step, the largest |sum| of transfers within a pool (should be 0)
        self.fine_imbalance: list[float] = []  # per step, fines paid minus fines received (should be 0)
        rng_endowments = np.random.default_rng(self._stream(state.STREAM_ENDOWMENTS))
        self.state = landscape.draw_villages(p, len(self.form_list), len(self.service_names), rng_endowments)
        self._setup_ties(_template)
        # the twin's villages are never looked at one by one: it needs no agents
        self.villages = [Village(self, i) for i in range(self.state.n)] if not _counterfactual else []
        self.region = economy.Region.of(p, self.form_list, self._spillover)
        s = self.state
        self.environment = Environment(
            p["shocks"], s.x, s.y, s.district, p["landscape"]["n_districts"], self._stream(state.STREAM_SHOCKS)
        )
        self.last_shocks = self.last_economy = self.last_fines = self.last_year = None
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
        self._setup_measurement()

    # --- set-up -----------------------------------------------------------------
    def _stream(self, purpose: int, *extra: int) -> np.random.SeedSequence:
        """The random stream for one purpose (``state.STREAM_*``), e.g. per step."""
        return np.random.SeedSequence(self._root.entropy, spawn_key=(purpose, *extra))

    def _setup_rules(self, p: dict) -> None:
        """The scenario's forms, services and rules, as the mechanisms read them."""
        self.forms: dict[str, Form] = load_forms(p)
        self.form_list: list[Form] = list(self.forms.values())
        self.form_names = outputs.reported_forms(p)
        self.open_domains = [DOMAIN_NAMES.index(d) for d in p["cooperation"]["domains"]] if self.forms else []
        self.service_names = outputs.service_names(p)
        self._service_fixed, self._service_decay, self._service_weights = (
            np.array([p["services"][name][key] for name in self.service_names])
            for key in ("fixed_cost", "decay_km", "utility_weight")
        )
        self._services = np.array([self._service_fixed, self._service_decay, self._service_weights], dtype=float)
        self.form_rules = form_records(self.form_list, self.open_domains, p["policy"])
        self.contribution_rule = behaviour.ContributionRule.of(p, self.form_list)
        self.form_rates = learning.FormRates.of(self.form_list)
        self.enforcement = enforcement.Enforcement.of(self.form_list)

    def _setup_ties(self, template: VillageModel | None) -> None:
        """Who knows whom (ties within the search radius, with initial trust) and who is
        within a project's reach. ``template``: a model of the same landscape (seed and
        scenario but for scheduled shocks) whose tie graph can be shared, not rebuilt."""
        p, s = self.params, self.state
        beh = p["behaviour"]
        radius = p["cooperation"]["search_radius_km"] * p["policy"]["facilitator_radius"]
        if template is not None:
            assert np.array_equal(template.state.x, s.x), "a template must have the same landscape"
            self.ties = template.ties.copy()
            self._spillover = template._spillover
        else:
            self.ties = Ties(s.x, s.y, radius, p["cooperation"]["max_ties"])
            self._spillover = landscape.spillover_neighbours(s.x, s.y, p["infrastructure"]["spillover_radius_km"])
        trust_rng = np.random.default_rng(self._stream(state.STREAM_TRUST))
        self.ties.trust = np.clip(
            trust_rng.normal(beh["initial_trust"], beh["initial_trust_sd"], size=self.ties.cols.size), 0.0, 1.0
        )
        if beh["initial_trust_sd"] == 0:
            self.ties.trust[:] = beh["initial_trust"]
        t = self.ties
        if template is None:  # what distance fixes for each tie (a twin's landscape and parameters are its model's)
            t.corr, t.loss = gains.pair_tables(
                gains.gain_inputs(state.villages_record(s)), self.constants(), t.indptr, t.cols
            )
        self._ties = state.TieArrays(t.indptr, t.cols, t.distance, t.trust, t.reverse, t.corr, t.loss)
        scale = float(p["cooperation"]["identity"]["scale_steps"])
        self._identity_sum = learning.mean_identity(t.years_together, scale) * t.cols.size  # sum over ties

    def _setup_measurement(self) -> None:
        """The DataCollector, one reporter per column of the output registry, and step 0."""
        columns = outputs.columns(self.form_names, self.service_names, with_shock=False)
        reporters = {name: (lambda m, k=name: m._stats[k]) for name in columns}
        if self.counterfactual is not None:
            first = min(self.params["shocks"]["scheduled"], key=lambda e: e["step"])
            self.shock_step = first["step"]
            s = self.state
            self.affected = np.ones(s.n, bool) if first["district"] < 0 else s.district == first["district"]
            if not self.affected.any():
                self.affected[:] = True  # a district with no village: measure the whole region
            shock_reporters = (
                lambda m: m.twin()._stats["mean_consumption"],
                lambda m: m.affected_welfare(m),
                lambda m: m.affected_welfare(m.twin()),
            )
            reporters.update(zip((c.column for c in outputs.SHOCK_COLUMNS), shock_reporters, strict=True))
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self._table_columns = list(reporters)  # the per-step table's (timeseries()) columns
        self._summary: tuple[int, dict[str, Any]] | None = None  # (step, summary) recorded at the end
        self.measure(contributed=None)

    def constants(self) -> state.Constants:
        """The scenario's numbers for the compiled rules, at the current step."""
        return state.constants_of(self.params, self._services, self.steps, self.in_step)

    def records(self) -> tuple:
        """(villages, partnerships, ties, forms, constants): the records the compiled rules take (sim/state.py)."""
        self._summary = None  # whoever takes them may change the run: a recorded summary may no longer hold
        self._ties = self._ties._replace(trust=self.ties.trust)
        return state.villages_record(self.state), self.table.arrays(), self._ties, self.form_rules, self.constants()

    # --- the year -----------------------------------------------------------------
    def step(self) -> None:
        """One year, in the order of the ODD process overview (docs/ODD.md, section 3)."""
        if not self.forked:
            return  # a twin before the shock: its model stands for it (see twin())
        with twin.alongside(self, self.PARALLEL_TWIN):
            self.in_step = True
            self.review_partnerships()  # 1 stay, leave, seek, form
            year = self.fix_year()  # memberships are fixed until the end of the year
            shocks = self.draw_shocks()  # 2
            u_rule, u_error, u_detect = self.behaviour_draws()
            year.contributes = self.contributions(year, u_rule, u_error)  # 3
            if year.dormant.any():  # a dormant enterprise has no business to contribute to
                year.contributes &= ~year.dormant
            year.pays = year.contributes | ~year.member  # alone, a village pays its own way
            result = economy.run_year(self.state, year, shocks, self.region, self.table, self.constants())  # 4
            fines = self.settle_fines(year, result, u_detect)
            households.spend_and_consume(self.state, result, fines, self.region)  # 5
            self.learn(year, result, fines)  # 6
            self.end_of_year(year)  # 7
        self.measure(year.contributes)  # 8
        self.in_step = False
        if self.steps >= self.horizon:
            self.running = False

    def review_partnerships(self) -> None:
        """Villages that review a domain this step decide, in random order (``decisions.review``)."""
        if not self.open_domains:
            return
        order, reviews, u = self.decision_draws()
        self.table.reserve(3 * self.state.n // 2 + 1)  # at most this many partnerships can form in one review
        decisions.review(*self.records(), order, reviews, u)

    def fix_year(self) -> Year:
        """Who is whose partner this year, and what follows from it (``year.Year``)."""
        scale = float(self.params["cooperation"]["identity"]["scale_steps"])
        self.last_year = Year.fixed(self.state, self.table, self.ties, len(self.form_list), scale, self.steps)
        return self.last_year

    def draw_shocks(self):
        """This year's shocks; the next year's are drawn meanwhile, on the other core."""
        shocks = self.environment.draw(self.steps)
        if not self.is_counterfactual and self.steps < self.horizon:
            self.environment.prefetch(self.steps + 1)
        self.last_shocks = shocks
        return shocks

    def contributions(self, year: Year, u_rule=None, u_error=None) -> np.ndarray:
        """Who contributes in each domain this year (``behaviour.contributions``); the draws
        default to this step's behaviour stream."""
        if u_rule is None:
            u_rule, u_error, _ = self.behaviour_draws()
        return behaviour.contributions(year, self.state, self.ties, self.contribution_rule, u_rule, u_error)

    def settle_fines(self, year: Year, result: economy.Economy, u_detect: np.ndarray) -> enforcement.Fines:
        """Free-riders detected and fined; fines paid to the group's paying members."""
        self.transfers_log.append(result.farming.pool_imbalance)
        detected = enforcement.detect(year, self.enforcement.enforcement, u_detect)
        fines = enforcement.settle(year, detected, self.enforcement.fine, result.withheld, self.state.impunity)
        self.fine_imbalance.append(fines.imbalance)
        self.last_economy, self.last_fines = result, fines
        return fines

    def learn(self, year: Year, result: economy.Economy, fines: enforcement.Fines) -> None:
        """Villages learn from the year (``learning.learn``), then update what they expect
        of farm income and consumption."""
        s, p = self.state, self.params
        gain = learning.realised_gains(s, result, fines, p)
        u = np.random.default_rng(self._stream(state.STREAM_INNOVATION, self.steps)).random((s.n, 2))
        self.innovations, growth = learning.learn(s, self.ties, year, gain, self.form_rates, p, u)
        self._identity_sum += growth  # kept up to date instead of summed over all ties each step
        learning.update_income_expectations(s, result, p)

    def end_of_year(self, year: Year) -> None:
        """Terms run out, partnerships collapse when nobody contributes, renewals (``lifecycle.end_of_year``)."""
        V, T, _, F, P = self.records()
        lifecycle.end_of_year(V, T, F, P, year.contributes)

    def decision_draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This step's draws for the reviews: the order in which villages decide, which
        (village, domain) pairs are reviewed, and one uniform per pair for its choice."""
        n = self.state.n
        order = self.decision_rng.permutation(n)
        reviews = self.decision_rng.random((n, 3)) < self.params["behaviour"]["review_probability"]
        reviews[:, [d for d in range(3) if d not in self.open_domains]] = False
        return order, reviews, self.decision_rng.random((n, 3))

    def behaviour_draws(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This step's uniform draws for contribution decisions: (rule, error, detection),
        each (villages x domains), from the behaviour stream seeded by the step."""
        rng = np.random.default_rng(self._stream(state.STREAM_BEHAVIOUR, self.steps))
        n = self.state.n
        return rng.random((n, 3)), rng.random((n, 3)), rng.random((n, 3))

    def run(self, observe: Callable[[VillageModel], Any] | None = None) -> VillageModel:
        """Run to the scenario's horizon (``run.steps``); ``observe(model)``, when given, is
        called after every step (e.g. a meter of ``sim.outputs.PATTERN_MEASURES``). Returns the model."""
        collecting = gc.isenabled()
        gc.disable()  # a run makes no reference cycles to collect; scanning 75,000 agents costs seconds
        try:
            while self.running and self.steps < self.horizon:
                self.step()
                if observe is not None:
                    observe(self)
        finally:
            if collecting:
                gc.enable()
        return self

    def twin(self) -> VillageModel:
        """The counterfactual run without the scheduled shock. Until the shock's first
        step the two runs are the same run, so this model stands for its twin until then."""
        other = self.counterfactual
        return other if other is not None and other.forked else self

    # --- measurement --------------------------------------------------------------
    def measure(self, contributed: np.ndarray | None) -> None:
        """This step's row of the per-step table (``outputs.measure``), collected (a twin
        is read through its model's reporters); at the horizon, with the run's summary."""
        self._village_consumption.append(self.state.consumption.copy())
        self._stats = outputs.measure(self, contributed)
        if not self.is_counterfactual:
            self.datacollector.collect(self)
            if self.steps >= self.horizon:
                self.record_summary()

    def record_summary(self) -> None:
        """Put the run's summary measures (``outputs.summary``, every key but those naming the
        run: scenario, seed, steps, n_villages) in the DataCollector's last row, so that the
        rows ``mesa.batch_run`` makes of it carry welfare and resilience.

        A summary measure describes the whole run, so it exists once the run has ended: its
        column holds None (not measured) in every earlier row, as ``summary()`` says None for a
        measure that does not apply. Mesa keeps one list per column, one value per collection,
        all of the same length (``batch_run`` reads every column at the row it reports), hence
        the filled-in earlier rows. The columns are added at the end, not collected at every
        step: a run pays for one summary (which ``summary()`` then returns) and no more.
        ``timeseries()`` keeps the per-step columns only."""
        found = outputs.summary(self)
        collector = self.datacollector
        rows = len(collector.model_vars["step"])
        for key, value in found.items():
            if key in outputs.RUN_KEYS:  # a batch_run row names its run already (its parameters, rng)
                continue
            if key not in collector.model_reporters:
                collector.model_reporters[key] = _not_measured  # a step after the horizon: filled in again
                collector.model_vars[key] = [None] * rows
            collector.model_vars[key][-1] = value
        self._summary = (self.steps, found)

    def affected_welfare(self, model: VillageModel) -> float:
        """Mean consumption per household in the villages hit by the first scheduled
        shock, in ``model`` (this run or its counterfactual)."""
        h = model.state.households[self.affected]
        return float(np.sum(model.state.consumption[self.affected] * h) / h.sum())

    def timeseries(self):
        """The per-step table (pandas DataFrame, one row per step, step 0 first): the columns of
        the output registry, without the summary measures that the last row also carries."""
        values = self.datacollector.model_vars
        return pd.DataFrame({column: values[column] for column in self._table_columns})

    def village_table(self, every_step: bool = False):
        """One row per village at the end of the run, or per village and step with
        ``every_step`` (``sim.outputs.village_table``): who gains where."""
        return outputs.village_table(self, every_step)

    def summary(self) -> dict[str, Any]:
        """The run in one flat dict with dotted keys (``sim.outputs.summary``; README, "Outputs").
        At the horizon it is the summary recorded by the last step (``record_summary``), unless
        the run was changed since through the model (``records()``: by-hand partnerships,
        a village's decisions); changing its arrays directly is not seen."""
        if self._summary is not None and self._summary[0] == self.steps:
            return dict(self._summary[1])
        return outputs.summary(self)

    # --- the partnerships, as views -----------------------------------------------
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

    def partnership_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What a map draws: for each partnership, a line from its hub (the member with
        the most households, who hosts shared services) to each other member. Returns
        ``(hub, member, form index)`` per line, and the hubs of the partnerships sharing services."""
        t = self.table
        live = t.live()
        members = t.members[live]
        slot = np.arange(members.shape[1])[None, :]
        valid = slot < t.size[live][:, None]
        households_of = np.where(valid, self.state.households[members], -np.inf)
        hub = members[np.arange(live.size), np.argmax(households_of, axis=1)] if live.size else live
        line = valid & (members != hub[:, None])
        hubs = np.broadcast_to(hub[:, None], members.shape)[line]
        forms = np.broadcast_to(t.form[live][:, None], members.shape)[line]
        return hubs, members[line], forms, hub[t.domains[live, SERVICES]]

    # --- by hand, for experiments (the bookkeeping: sim/membership.py; the gains: sim/gains.py) ---
    def forms_for(self, domain: int) -> list[Form]:
        """Forms a village may choose for ``domain`` (``forms.forms_for``)."""
        return forms_for(self.form_list, domain, self.open_domains, self.params["policy"]["mandate"])

    def expected_gains(self, form: Form, covered: tuple[int, ...], members: list[int]) -> np.ndarray:
        """Each member's expected gain (money per household per step) from a group of
        ``members`` under ``form`` covering ``covered`` domains, net of costs. The group
        forms (or admits a new member) only if all of these are >= 0."""
        V, _, E, _, P = self.records()
        g = gains.gain_inputs(V)
        group = np.asarray(members, dtype=np.int64)
        rule, mask = self.form_rules[form.index], _domain_mask(covered)
        return gains.group_gains(g, E.indptr, E.cols, E.trust, E.corr, E.loss, P.services, P, rule, mask, group)

    def form_partnership(self, form: Form, covered: tuple[int, ...], members: list[int]) -> Partnership:
        """A new partnership of ``form`` on ``covered`` with ``members`` (joining in that order)."""
        self.table.reserve(1)
        V, T, E, F, P = self.records()
        group = np.asarray(members, dtype=np.int64)
        pid = membership.form_partnership(V, T, E, F, P, gains.gain_inputs(V), form.index, _domain_mask(covered), group)
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
        """``partnership`` ends; ``reason`` is one of ``membership.REASONS``."""
        V, T, _, _, P = self.records()
        membership.dissolve(V, T, P, partnership.pid, membership.REASONS.index(reason))


def _not_measured(model: VillageModel) -> None:
    """The reporter of a summary measure: not measured while the run goes on (see ``record_summary``)."""
    return None


def _domain_mask(domains: tuple[int, ...]) -> np.ndarray:
    """The domains as the compiled rules take them (bool[3])."""
    mask = np.zeros(3, dtype=bool)
    mask[list(domains)] = True
    return mask
