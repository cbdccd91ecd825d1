"""The output registry: every measure of a village run, declared once.

A :class:`Measure` says what a number is (summary key, per-step column, label, unit,
which direction is better, and its kind), so that the run summary, the per-step
table, the sweep's metric check, reports, the command line and the explorer all read
the same declaration. :func:`measure` computes one step's row of the per-step table;
:func:`summary` condenses a finished run into one flat dict.

Some measures exist once per form, service, domain or ending reason: their key,
column and label carry a ``{form}``, ``{service}``, ``{domain}`` or ``{reason}``
placeholder, and :func:`measures` expands them for a model's forms and services.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.domains import DOMAIN_NAMES, INFRASTRUCTURE

# The registry (everything above ``measure``) is read by reports, the command line and experiment
# checks, which need no model; the measurements import the model's modules (numba kernels, SciPy)
# inside the functions that take a model, which has imported them already.

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import VillageModel

STANDARD_FORMS = ("formal", "informal", "long_term", "temporary")  # always reported, 0 when not allowed
KINDS = ("share", "money", "count", "index", "steps", "flag")
SHARE, MONEY, COUNT, INDEX, STEPS, FLAG = KINDS
MONEY_PER_HOUSEHOLD = "poverty lines per household"


@dataclass(frozen=True)
class Measure:
    """One output of a village run.

    ``key``: its name in the run summary (``None``: per-step only); ``column``: its
    column in the per-step table (``None``: run-level only); ``better``: ``"higher"``,
    ``"lower"`` or ``None`` (neither: a description, not a goal); ``kind``: share (in
    [0, 1]: differences read in percentage points), money, count, index, steps or flag
    (true/false; its mean over runs is a share). ``summary``: how the run summary gets
    it: ``"mean"`` over the steps after the burn-in of its column, or ``"run"``
    (computed from the whole run: endings, durations, resilience).
    """

    key: str | None
    column: str | None
    label: str
    unit: str
    better: str | None
    kind: str
    summary: str | None = "mean"

    def expand(self, **names: str) -> Measure:
        """This measure for one form, service, domain or reason (its placeholders filled)."""
        return replace(
            self,
            key=self.key.format(**names) if self.key else None,
            column=self.column.format(**names) if self.column else None,
            label=self.label.format(**{k: v.replace("_", " ") for k, v in names.items()}),
        )


def _m(key, column, label, unit, better, kind, summary="mean") -> Measure:
    return Measure(key, column, label, unit, better, kind, summary)


H = MONEY_PER_HOUSEHOLD
# In the order of the run summary (summary.json), which is also the per-step table's order.
# fmt: off
MEASURES: tuple[Measure, ...] = (
    #  summary key                                 per-step column               label                                   unit                                     better    kind   summary
    _m("welfare.mean_consumption",                 "mean_consumption",           "mean consumption",                     H,                                       "higher", MONEY),
    _m("welfare.median_consumption",               "median_consumption",         "median consumption",                   H,                                       "higher", MONEY),
    _m("welfare.mean_utility",                     "mean_utility",               "mean utility",                         "utility units (log consumption)",      "higher", INDEX),
    _m("welfare.gini",                             "gini",                       "Gini of consumption",                  "Gini index (0-1)",                      "lower",  INDEX),
    _m("welfare.poverty_rate",                     "poverty_rate",               "poverty rate",                         "share of households",                   "lower",  SHARE),
    _m("welfare.food_insecurity_rate",             "food_insecurity_rate",       "food-insecurity rate",                 "share of households",                   "lower",  SHARE),
    _m("efficiency.service_cost_per_household",    "service_cost_per_household", "service cost per household",           "poverty lines per household per step",  "lower",  MONEY),
    _m("efficiency.service_cost_per_quality",      "service_cost_per_quality",   "service cost per unit of quality",     "poverty lines per quality",             "lower",  MONEY),
    _m("cooperation.participation.{domain}",       "participation_{domain}",     "participation in {domain}",            "share of villages",                     "higher", SHARE),
    _m("cooperation.partnerships.{form}",          "partnerships_{form}",        "partnerships of form {form}",          "active partnerships",                   None,     COUNT),
    _m(None,                                       "partnerships_total",         "partnerships",                         "active partnerships",                   None,     COUNT, None),
    _m("cooperation.partnerships_by_domain.{domain}", "partnerships_{domain}",   "partnerships in {domain}",             "active partnerships",                   None,     COUNT),
    _m("cooperation.contribution_rate",            "contribution_rate",          "contribution rate",                    "share of member-domain pairs",          "higher", SHARE),
    _m("cooperation.mean_trust",                   "mean_trust",                 "mean trust",                           "trust index (0-1)",                     "higher", INDEX),
    _m("cooperation.mean_identity",                "mean_identity",              "mean shared identity",                 "identity index (0-1)",                  "higher", INDEX),
    _m("cooperation.network.mean_degree",          "network_mean_degree",        "partners per village",                 "villages",                              None,     COUNT),
    _m("cooperation.network.components",           "network_components",         "groups of linked villages",            "groups",                                None,     COUNT),
    _m("capacity.mean_expertise",                  "mean_expertise",             "mean expertise",                       "expertise index (0-1)",                 "higher", INDEX),
    _m("innovation.new_practices_per_step",        "innovations",                "new practices",                        "villages per step",                     "higher", COUNT),
    _m("infrastructure.served",                    "infrastructure_served",      "households served by infrastructure",  "share of households",                   "higher", SHARE),
    _m("services.quality.{service}",               "quality_{service}",          "quality of {service}",                 "quality index (0-1)",                   "higher", INDEX),
    _m(None,                                       "mean_wealth",                "mean savings",                         H,                                       "higher", MONEY, None),
    _m(None,                                       "shock_intensity",            "mean crop-shock intensity",            "share of output lost",                  None,     SHARE, None),
    _m(None,                                       "fires",                      "fires",                                "villages",                              None,     COUNT, None),
    _m(None,                                       "price",                      "crop price",                           "relative to normal",                    None,     INDEX, None),
    _m("welfare.terminal_stocks",                  None,                         "stocks left at the end",               H,                                       "higher", MONEY, "run"),
    _m("cooperation.ended.total",                  None,                         "partnerships ended",                   "partnerships",                          None,     COUNT, "run"),
    _m("cooperation.ended.{reason}",               None,                         "partnerships ended: {reason}",         "partnerships",                          None,     COUNT, "run"),
    _m("cooperation.duration.all",                 None,                         "partnership duration",                 "economic years",                        None,     STEPS, "run"),
    _m("cooperation.duration.{form}",              None,                         "duration of {form} partnerships",      "economic years",                        None,     STEPS, "run"),
    _m("resilience.cvar5",                         None,                         "worst-5 % consumption (CVaR 5 %)",     H,                                       "higher", MONEY, "run"),
    _m("resilience.resistance",                    None,                         "resistance to the shock",              "lowest / pre-shock consumption",        "higher", INDEX, "run"),
    _m("resilience.recovered",                     None,                         "share of runs that recovered",         "share of runs",                         "higher", FLAG,  "run"),
    _m("resilience.recovery_steps",                None,                         "recovery time",                        "steps",                                 "lower",  STEPS, "run"),
    _m("resilience.loss",                          None,                         "welfare loss after the shock",         "step-fractions of welfare",             "lower",  INDEX, "run"),
    _m("resilience.robustness",                    None,                         "robustness to the shock",              "share of villages",                     "higher", SHARE, "run"),
)
# measures of the first scheduled shock's villages, per step (only in runs that schedule one)
SHOCK_COLUMNS: tuple[Measure, ...] = (
    _m(None, "counterfactual_mean_consumption",          "mean consumption without the shock",                       H, "higher", MONEY, None),
    _m(None, "affected_mean_consumption",                "mean consumption of the villages hit",                     H, "higher", MONEY, None),
    _m(None, "counterfactual_affected_mean_consumption", "mean consumption of the villages hit, without the shock",  H, "higher", MONEY, None),
)
# fmt: on
# the outcomes that matter most to a policy reader, in order: the brief that opens a report
# ranks the arms on those the experiment reports (sim/report/brief.py)
HEADLINE = ("welfare.mean_consumption", "welfare.poverty_rate", "resilience.robustness")
RUN_KEYS = ("scenario", "seed", "steps", "n_villages")  # what the summary says first: which run this is
RESILIENCE_KEYS = ("resistance", "recovered", "recovery_steps", "loss", "robustness")


def _placeholder(measure: Measure) -> str | None:
    text = f"{measure.key}{measure.column}"
    return next((name for name in ("form", "service", "domain", "reason") if "{" + name + "}" in text), None)


def measures(form_names, service_names, reasons=None) -> list[Measure]:
    """The registry expanded for a model: one measure per form, service, domain or reason
    (default: every reason a partnership ends, ``sim.membership.REASONS``) where the
    declaration has a placeholder, in the registry's order."""
    if reasons is None:
        from sim.membership import REASONS as reasons
    values = {
        "form": list(form_names),
        "service": list(service_names),
        "domain": list(DOMAIN_NAMES),
        "reason": [r.replace(" ", "_") for r in reasons],
    }
    out: list[Measure] = []
    for m in MEASURES:
        name = _placeholder(m)
        out.extend([m] if name is None else [m.expand(**{name: v}) for v in values[name]])
    return out


def measure_info(key: str) -> Measure | None:
    """The declaration of a summary key (or per-step column), placeholders resolved;
    None when the registry does not know it."""
    for m in MEASURES:
        if key in (m.key, m.column) and _placeholder(m) is None:
            return m
    for m in MEASURES:
        name = _placeholder(m)
        for pattern in (m.key, m.column):
            if name is None or pattern is None:
                continue
            head, tail = pattern.split("{" + name + "}")
            if key.startswith(head) and key.endswith(tail) and len(key) > len(head) + len(tail):
                return m.expand(**{name: key[len(head) : len(key) - len(tail)]})
    return None


def columns(form_names, service_names, with_shock: bool) -> list[str]:
    """The per-step table's columns: ``step``, then every measure with a column."""
    found = [m.column for m in measures(form_names, service_names) if m.column]
    return ["step", *found, *((m.column for m in SHOCK_COLUMNS) if with_shock else ())]


def summary_keys(form_names, service_names) -> list[str]:
    """Every key :func:`summary` returns for a model with these forms and services."""
    return [*RUN_KEYS, *(m.key for m in measures(form_names, service_names) if m.key)]


def reported_forms(params: dict) -> list[str]:
    """The forms a run reports: the four standard ones (0 when not allowed), then the others it allows."""
    return list(dict.fromkeys([*STANDARD_FORMS, *params["cooperation"]["forms"]]))


def service_names(params: dict) -> list[str]:
    """The services a scenario defines (the sub-tables of ``[services]``)."""
    return [k for k, v in params["services"].items() if isinstance(v, dict)]


def scenario_summary_keys(params: dict) -> list[str]:
    """Every key the summary of a run of a scenario (its parameter tree) has."""
    return summary_keys(reported_forms(params), service_names(params))


# --- measures read while a run goes -----------------------------------------------------
class MissingShare:
    """Leakage from joint infrastructure, the model's analogue of Olken's (2007) missing
    expenditures: of what the villages in an infrastructure partnership owed (pledges to a
    common fund and upkeep), the share they withheld, summed over the steps after the burn-in:
    sum of withheld / sum of (withheld + paid), members being the villages in an infrastructure
    partnership at the end of the step. Call it with the model after every step; ``value()`` is
    the share (NaN when nothing was owed)."""

    def __init__(self) -> None:
        self.withheld = 0.0  # money, summed over steps
        self.owed = 0.0

    def __call__(self, model: VillageModel) -> None:
        if model.steps <= model.params["run"]["burn_in"]:
            return
        members = model.state.partnership[:, INFRASTRUCTURE] >= 0
        building = model.last_economy.building
        withheld = float(building.withheld[members].sum())
        self.withheld += withheld
        self.owed += withheld + float(building.paid[members].sum())

    def value(self) -> float:
        return self.withheld / self.owed if self.owed > 0 else float("nan")


# B:C bins of Wani et al. (2009), 636 micro-watersheds: <1, 1-2, 2-3, 3-4, 4-5, >5 (label -> [low, high))
JOINT_RETURN_BINS: dict[str, tuple[float, float]] = {
    "below_1": (0.0, 1.0),
    "1_2": (1.0, 2.0),
    "2_3": (2.0, 3.0),
    "3_4": (3.0, 4.0),
    "4_5": (4.0, 5.0),
    "above_5": (5.0, float("inf")),
}


class JointReturns:
    """Returns of the projects partnerships build: the benefit-cost ratio of every project an
    infrastructure partnership builds during the run (members whose project starts serving them
    this step), as Wani et al. (2009) measured it for community watersheds: the members' lifetime
    irrigation gain, the bonus on their no-shock output (``A l^alpha`` per household x households)
    x lifetime, over the build cost paid plus the lifetime upkeep of the group's project;
    undiscounted, as the scenarios' calibration of the bonus; spill-overs to non-members not
    counted. Call it with the model after every step; ``ratios`` lists them in build order.
    ``value()`` is the share of ratios in the bin ``[low, high)`` (``bin_name``, a key of
    :data:`JOINT_RETURN_BINS`) or, with no bin, their mean; NaN when nothing was built."""

    def __init__(self, bin_name: str | None = None) -> None:
        self.bounds = None if bin_name is None else JOINT_RETURN_BINS[bin_name]
        self.ratios: list[float] = []

    def __call__(self, model: VillageModel) -> None:
        from sim.domains.infrastructure import project_cost

        s, t = model.state, model.steps
        q, a = model.params["infrastructure"], model.params["agriculture"]
        built = (s.served_until == t + q["lifetime"]) & (s.partnership[:, INFRASTRUCTURE] >= 0)
        for pid in np.unique(s.partnership[built, INFRASTRUCTURE]):
            group = built & (s.partnership[:, INFRASTRUCTURE] == pid)
            h = s.households[group]
            output = s.productivity[group] * s.land[group] ** a["alpha"]
            benefit = a["irrigation_bonus"] * float(np.sum(h * output)) * q["lifetime"]
            upkeep = project_cost(q["upkeep"], q["upkeep_per_household"], h.sum()) * q["lifetime"]
            self.ratios.append(benefit / (float(s.project_value[group].sum()) + upkeep))

    def value(self) -> float:
        if not self.ratios:
            return float("nan")
        x = np.asarray(self.ratios)
        if self.bounds is None:
            return float(x.mean())
        low, high = self.bounds
        return float(np.mean((x >= low) & (x < high)))


# Measures that are not in every run's summary: each is read by a meter called after every step
# of a run that asks for it. The empirical patterns compare them with observations
# (sim/validation/patterns) and a calibration can fit them ({ pattern = KEY } in its [statistics]).
# key -> (declaration, what makes a fresh meter: a class or a function of no arguments)
PATTERN_MEASURES: dict[str, tuple[Measure, Any]] = {
    "infrastructure.missing_share": (
        _m(
            "infrastructure.missing_share",
            None,
            "missing share of infrastructure dues",
            "share of what infrastructure members owed",
            "lower",
            SHARE,
            None,
        ),
        MissingShare,
    ),
    "infrastructure.joint_return_mean": (
        _m(
            "infrastructure.joint_return_mean",
            None,
            "mean benefit-cost ratio of joint projects",
            "ratio (benefit / cost, undiscounted)",
            "higher",
            INDEX,
            None,
        ),
        JointReturns,
    ),
    **{
        f"infrastructure.joint_return_share_{bin_name}": (
            _m(
                f"infrastructure.joint_return_share_{bin_name}",
                None,
                "share of joint projects with B:C in [{:g}, {:g})".format(*JOINT_RETURN_BINS[bin_name]),
                "share of projects built by partnerships",
                None,
                SHARE,
                None,
            ),
            partial(JointReturns, bin_name),
        )
        for bin_name in JOINT_RETURN_BINS
    },
}


def pattern_meter(key: str):
    """A fresh meter of the pattern measure ``key`` (``PATTERN_MEASURES``), for one run."""
    return PATTERN_MEASURES[key][1]()


# --- one step's row ------------------------------------------------------------------
def measure(model: VillageModel, contributed: np.ndarray | None) -> dict[str, float]:
    """Model-level measures of the current step (a row of the per-step table);
    ``contributed``: who contributed this step (None before the first step)."""
    from sim import metrics

    s, p = model.state, model.params
    h = s.households
    stats: dict[str, float] = {"step": model.steps}
    stats["mean_consumption"] = float(np.sum(s.consumption * h) / h.sum())
    if model.is_counterfactual:  # its model reads only this (and the villages' consumption)
        return stats
    sd = p["economy"]["within_village_sd"]
    order = np.argsort(s.consumption)  # one sort for the median and the Gini
    stats["median_consumption"] = metrics.weighted_median(s.consumption, h, order)
    stats["mean_utility"] = float(np.sum(s.utility * h) / h.sum())
    stats["gini"] = metrics.household_gini(s.consumption, h, sd, order)
    stats["poverty_rate"] = metrics.share_below(1.0, s.consumption, h, sd)
    stats["food_insecurity_rate"] = metrics.share_below(p["economy"]["food_line"], s.consumption, h, sd)
    stats.update(_services(model))
    stats.update(_cooperation(model, contributed))
    stats["mean_expertise"] = float(s.expertise.mean())
    stats["innovations"] = model.innovations
    stats["infrastructure_served"] = float(np.sum((s.served_until > model.steps) * h) / h.sum())
    stats["mean_wealth"] = float(np.sum(s.wealth * h) / h.sum())
    shocks = model.last_shocks
    stats["shock_intensity"] = float(shocks.crop.mean()) if shocks is not None else 0.0
    stats["fires"] = int(shocks.fire.sum()) if shocks is not None else 0
    stats["price"] = float(shocks.price) if shocks is not None else 1.0
    return stats


def _services(model: VillageModel) -> dict[str, float]:
    """Public spending on services per household and per unit of quality delivered, and
    the mean quality of each service (weighted by households)."""
    s, p = model.state, model.params
    h = s.households
    if model.last_economy is None:  # initial state: every village runs its own services
        spending = sum(
            p["services"][name]["fixed_cost"] * s.n + p["services"][name]["cost_per_household"] * h.sum()
            for name in model.service_names
        )
        quality_households = float(h.sum())
    else:
        spending = model.last_economy.servicing.spending
        quality_households = model.last_economy.servicing.quality_households
    out = {
        "service_cost_per_household": float(spending / h.sum()),
        "service_cost_per_quality": float(spending / max(quality_households, 1e-12)),
    }
    for k_s, name in enumerate(model.service_names):
        out[f"quality_{name}"] = float(np.sum(s.quality[:, k_s] * h) / h.sum())
    return out


def _cooperation(model: VillageModel, contributed: np.ndarray | None) -> dict[str, float]:
    """Participation, partnerships by form and domain, contributions, trust, identity and
    the partner network, now."""
    s, table, ties = model.state, model.table, model.ties
    member = s.partnership >= 0
    out: dict[str, float] = {}
    for d, name in enumerate(DOMAIN_NAMES):
        out[f"participation_{name}"] = float(member[:, d].mean())
    live = table.live()
    by_form = np.bincount(table.form[live], minlength=len(model.form_list))
    for name in model.form_names:
        out[f"partnerships_{name}"] = int(by_form[model.forms[name].index]) if name in model.forms else 0
    out["partnerships_total"] = int(live.size)
    by_domain = table.domains[live].sum(axis=0)
    for d, name in enumerate(DOMAIN_NAMES):
        out[f"partnerships_{name}"] = int(by_domain[d])
    if contributed is None or not member.any():
        out["contribution_rate"] = 0.0
    else:
        out["contribution_rate"] = float(contributed[member].mean())
    out["mean_trust"] = float(ties.trust.mean()) if ties.trust.size else 0.0
    out["mean_identity"] = float(model._identity_sum / ties.cols.size) if ties.cols.size else 0.0
    out["network_mean_degree"], out["network_components"] = partner_network(model)
    return out


def partner_network(model: VillageModel) -> tuple[float, int]:
    """Mean number of distinct partners per village, and the number of groups of two or
    more villages linked by partnerships (``metrics.partner_network``)."""
    from sim import metrics

    table = model.table
    made = int(table.next_pid[0])
    degree, components = metrics.partner_network(model.state.partnership, table.members[:made], table.size[:made])
    return float(degree), int(components)


# --- each village ----------------------------------------------------------------------
# The per-village table of a run (``village_table``): its columns, with unit and meaning.
VILLAGE_COLUMNS = {
    "village": ("", "the village's index in the run (the same village in every arm of a replicate)"),
    "district": ("", "its district"),
    "x_km": ("km", "its position, east"),
    "y_km": ("km", "its position, north"),
    "households": ("households", "its number of households"),
    "mean_consumption": (MONEY_PER_HOUSEHOLD, "its consumption, averaged over the summary's steps"),
    "final_consumption": (MONEY_PER_HOUSEHOLD, "its consumption at the last step"),
    "wealth": (MONEY_PER_HOUSEHOLD, "its savings at the last step"),
    "domains_shared": ("domains", "in how many of the three domains it was in a partnership at the last step"),
}


def village_table(model: VillageModel, every_step: bool = False) -> pd.DataFrame:
    """One row per village at the end of the run (the columns of ``VILLAGE_COLUMNS``), or,
    with ``every_step``, one row per village and step (village, district, step, consumption):
    who gains where. Consumption is in poverty lines per household, as every money measure."""
    import pandas as pd

    s = model.state
    history = np.array(model._village_consumption)  # (steps + 1, villages), step 0 first
    if every_step:
        steps, n = history.shape
        return pd.DataFrame(
            {
                "village": np.tile(np.arange(n), steps),
                "district": np.tile(s.district.astype(np.int64), steps),
                "step": np.repeat(np.arange(steps), n),
                "consumption": history.ravel(),
            }
        )
    first, last = averaged_steps(model.steps, model.params["run"]["burn_in"])
    return pd.DataFrame(
        {
            "village": np.arange(s.n),
            "district": s.district.astype(np.int64),
            "x_km": s.x,
            "y_km": s.y,
            "households": s.households,
            "mean_consumption": history[first : last + 1].mean(axis=0),
            "final_consumption": s.consumption,
            "wealth": s.wealth,
            "domains_shared": (s.partnership >= 0).sum(axis=1).astype(np.int64),
        }
    )


# --- the run in one dict -------------------------------------------------------------
def averaged_steps(steps: int, burn_in: int) -> tuple[int, int]:
    """The first and last step that the summary's means average over: the steps after the
    burn-in, or every step from 0 when the run is not longer than its burn-in."""
    return (burn_in + 1, steps) if steps > burn_in else (0, steps)


def averaging_note(steps: int, burn_in: int) -> str:
    """Which steps the summary's means average over, in words (for the console and reports)."""
    first, last = averaged_steps(steps, burn_in)
    if first == 0:
        return f"averages over every step, 0-{last}: the run is not longer than its burn-in of {burn_in} steps"
    return f"averages over steps {first}-{last}, after a burn-in of {burn_in} steps"


def summary(model: VillageModel) -> dict[str, Any]:
    """The run in one flat dict with dotted keys (the registry's keys; README, "Outputs").

    Welfare and cooperation values are averages over the steps of :func:`averaged_steps`
    (those after the burn-in); resilience compares the run with the same run without the
    scheduled shock (None when the scenario schedules none)."""
    df = model.timeseries()
    burn = model.params["run"]["burn_in"]
    first, last = averaged_steps(int(model.steps), burn)
    after = df[(df["step"] >= first) & (df["step"] <= last)]
    out: dict[str, Any] = {
        "scenario": model.scenario.name,
        "seed": model.seed,
        "steps": int(model.steps),
        "n_villages": int(model.state.n),
    }
    for m in measures(model.form_names, model.service_names):
        if m.summary == "mean":
            out[m.key] = float(after[m.column].mean())
    out["welfare.terminal_stocks"] = terminal_stocks(model)
    out.update(_endings(model))
    out.update(_resilience(model, df, burn))
    return out


def terminal_stocks(model: VillageModel) -> float:
    """What the run leaves behind, money per household (mean over households): savings and
    food stocks, the village's infrastructure funds (its own, and its pledges in a common
    fund), and the remaining life of the project serving it at its share of the build cost
    (straight-line). A run that ends with stocks consumed is not better off for having
    consumed them: this is the terminal value its mean consumption leaves out."""
    s, now = model.state, int(model.steps)
    lifetime = model.params["infrastructure"]["lifetime"]
    remaining = np.clip(s.served_until - now, 0, lifetime) / lifetime
    village = s.fund + s.pledged + remaining * s.project_value  # money per village
    per_household = s.wealth + s.food + village / s.households
    return float(np.sum(per_household * s.households) / s.households.sum())


def _endings(model: VillageModel) -> dict[str, Any]:
    """How many partnerships ended, why, and how long partnerships ran (economic years)."""
    from sim import membership

    t = model.table
    made = int(t.next_pid[0])
    done = ~t.alive[:made]
    out: dict[str, Any] = {"cooperation.ended.total": int(done.sum())}
    for code, reason in enumerate(membership.REASONS):
        out[f"cooperation.ended.{reason.replace(' ', '_')}"] = int(np.sum(done & (t.reason[:made] == code)))
    years = t.years[:made]  # economic years run, ended or not
    out["cooperation.duration.all"] = float(years.mean()) if made else None
    for name in model.form_names:
        of_form = years[t.form[:made] == model.forms[name].index] if name in model.forms else years[:0]
        out[f"cooperation.duration.{name}"] = float(of_form.mean()) if of_form.size else None
    return out


def _resilience(model: VillageModel, df, burn: int) -> dict[str, Any]:
    """Downside risk under background shocks, and resilience to the first scheduled shock
    against the same run without it (None without a scheduled shock)."""
    from sim import metrics

    village_c = np.array(model._village_consumption)
    # downside risk under background shocks: with a scheduled shock, read it off the
    # same run without that shock
    background = np.array(model.twin()._village_consumption)
    out: dict[str, Any] = {
        "resilience.cvar5": metrics.cvar(background[burn + 1 :] if background.shape[0] > burn + 1 else background, 0.05)
    }
    for key in RESILIENCE_KEYS:
        out[f"resilience.{key}"] = None
    if model.counterfactual is not None and model.shock_step <= model.steps:
        res = metrics.resilience(
            df["affected_mean_consumption"].to_numpy(),
            df["counterfactual_affected_mean_consumption"].to_numpy(),
            model.shock_step,
            village_c[:, model.affected],
            1.0,
        )
        for key in RESILIENCE_KEYS:
            out[f"resilience.{key}"] = res[key]
    return out
