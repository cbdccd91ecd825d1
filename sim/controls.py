"""The explorer's controls, built from the scenario schema (pure: no Solara, no Mesa visualisation).

A :class:`Control` is one input of the explorer's page: a keyword argument of
:class:`ExplorerModel` and the scenario key it overrides. Which keys the page offers is
:data:`CONTROLLED`; everything else about a control (its label, unit, meaning, slider range
and whether it is money) is the key's declaration in ``sim/scenario/schema.py``.
:func:`scenario_controls` builds the controls of a scenario with its own values (money in
its own currency, as in its file and in ``--set``); :func:`controls_to_overrides` turns the
controls a student changed into the scenario's dotted overrides, so that controls left
untouched change nothing and a scenario runs exactly as ``kerjasama run`` runs it with the
same seed; :func:`controls_table` is the page's Markdown table of what each control sets.
The page itself is ``sim/app.py``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Any

from sim.model import VillageModel
from sim.scenario import ScenarioError, VillageScenario, available_scenarios, load_scenario
from sim.scenario.parameter import Parameter
from sim.scenario.schema import parameter

SCENARIO_ENV = "KERJASAMA_SCENARIO"  # scenario the page starts with (name or path)
DEFAULT_SCENARIO = "default"
DEFAULT_SEED = 42  # as `kerjasama run`
SEED_RANGE = (0, 999)

# The scenario keys the page offers, in the sidebar's order, with each control's name (an
# ExplorerModel keyword; ``{entry}``: a form, service or scheduled shock's position). Keys of
# one open table in one group take turns per entry: each form's setup cost, then its enforcement.
CONTROLLED: tuple[tuple[tuple[str, str], ...], ...] = (
    (("n_villages", "landscape.n_villages"),),
    (("steps", "run.steps"),),
    (("rule", "behaviour.rule"),),
    (("threshold_mean", "behaviour.threshold_mean"),),
    (("initial_trust", "behaviour.initial_trust"),),
    (("allow_{entry}", "cooperation.forms"),),
    (("setup_cost_{entry}", "forms.*.setup_cost"), ("enforcement_{entry}", "forms.*.enforcement")),
    (("decay_{entry}", "services.*.decay_km"),),
    (("drought_severity", "shocks.drought.severity"),),
    (("drought_district_share", "shocks.drought.district_weight"),),
    (("drought_correlation_km", "shocks.drought.correlation_length_km"),),
    (("shock_{entry}_intensity", "shocks.scheduled.*.intensity"),),
)
SHORTCUTS = {"landscape.n_villages": "n_villages", "run.steps": "steps"}  # VillageModel's own keywords

# What the page adds to a key's meaning: about the page, not about the parameter.
PAGE_NOTES = {
    "run.steps": "Play stops there",
    "behaviour.rule": "the rules are in sim/behaviour.py",
}


@dataclass(frozen=True)
class Control:
    """One control of the page: an :class:`ExplorerModel` keyword argument (``name``) and
    the override it makes (``key``, a dotted scenario key or a ``VillageModel`` keyword;
    None: handled specially, the seed and the allowed forms). ``path`` is the scenario key
    it stands for (None for the seed). ``label`` is short (a slider's track shares the
    sidebar's width with it); ``meaning`` and ``unit`` say what it is in the page's table of
    controls. Money (``money``) is in the scenario's currency, as ``value``, ``lo``, ``hi``
    and ``step`` are."""

    name: str
    label: str
    value: Any
    key: str | None = None
    kind: str = "float"  # float, int, bool, select
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    values: tuple = ()
    meaning: str = ""
    money: bool = False
    path: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class Currency:
    """A scenario's money: its name and its poverty line (currency per household per step)."""

    name: str
    poverty_line: float


# --- slider grids ------------------------------------------------------------------------
def _nice_step(hi: float, divisions: int = 50) -> float:
    """A 1-2-5 step giving about ``divisions`` positions between 0 and ``hi``."""
    if hi <= 0:
        return 0.1
    raw = hi / divisions
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _clean(value: float) -> float:
    """A float without conversion noise (3.0000000000000004 -> 3.0)."""
    return float(f"{value:.10g}")


def _fit_step(value: float, step: float) -> float:
    """``step``, or the next smaller 1-2-5 step, such that ``value`` lies on the slider's
    grid: a slider shows the scenario's own value, not a rounded one."""
    while step > 1e-6:
        if math.isclose(value / step, round(value / step), abs_tol=1e-6):
            return step
        mantissa = round(step / 10 ** math.floor(math.log10(step)))
        step = _clean(step / 2.5 if mantissa == 5 else step / 2)
    return step


def slider_grid(value: float, lo: float, hi: float, integer: bool) -> tuple[float, float, float]:
    """``(lo, hi, step)`` of a slider from about ``lo`` to ``hi`` that shows ``value``: the
    range widened to hold it, a 1-2-5 step (about 50 positions for whole numbers, 20 for
    others: a share moves by 0.05) on whose grid both ``lo`` and ``value`` lie, ``hi`` the
    last grid point within range."""
    lo, hi = min(lo, value), max(hi, value)
    step = _fit_step(value, _fit_step(lo, _nice_step(hi - lo, 50 if integer else 20)))
    if integer:
        lo, hi, value = math.ceil(lo), math.floor(hi), int(value)
        step = max(1, round(step))
        while lo % step or value % step:
            step -= 1
        return lo, lo + (hi - lo) // step * step, step
    hi = lo + math.floor(round((hi - lo) / step, 6)) * step
    return _clean(lo), _clean(hi), _clean(step)


# --- controls from the schema --------------------------------------------------------------
def _pretty(name: str) -> str:
    return name.replace("_", " ")


def declared(path: str) -> Parameter:
    """The schema's declaration of a concrete key."""
    found = parameter(path)
    if found is None:
        raise ScenarioError(f"the explorer offers {path!r}, which sim/scenario/schema.py does not declare")
    return found


def _unit(p: Parameter, currency: Currency) -> str:
    return p.unit.replace("money", currency.name) if p.money else p.unit


@dataclass(frozen=True)
class Where:
    """Which control a scenario key gets: the control's name, the concrete key, its label
    ("" : the schema's) and what the entry of an open table it belongs to is (``context``,
    before its meaning: a form, a service, a scheduled shock), and the bounds its slider
    needs in this scenario beyond the schema's."""

    name: str
    path: str
    label: str = ""
    context: str = ""
    at_least: float | None = None
    at_most: float | None = None


def schema_control(where: Where, value: Any, currency: Currency) -> Control:
    """The control of one scenario key: label, unit, meaning, range and money from its
    declaration; ``value`` is the scenario's own (in poverty lines when money)."""
    p = declared(where.path)
    scale = currency.poverty_line if p.money else 1.0
    meaning = "; ".join(filter(None, [p.meaning, PAGE_NOTES.get(p.path)]))
    base = Control(
        name=where.name,
        label=where.label or p.short_label,
        value=value,
        key=SHORTCUTS.get(where.path, where.path),
        meaning=f"{where.context}: {meaning}" if where.context else meaning,
        money=p.money,
        path=where.path,
        unit=_unit(p, currency),
    )
    if p.choices:
        return replace(base, kind="select", values=tuple(p.choices))
    if p.kind is bool:
        return replace(base, kind="bool")
    sweep = p.sweep_range() or (p.lo if p.lo is not None else 0.0, p.hi if p.hi is not None else 2.0 * value)
    lo, hi = (bound * scale for bound in sweep)
    if where.at_least is not None:
        lo = max(lo, where.at_least)
    if where.at_most is not None:
        hi = min(hi, where.at_most)
    integer = p.kind is int
    shown = int(value) if integer else _clean(value * scale)
    lo, hi, step = slider_grid(shown, lo, hi, integer)
    return replace(base, kind="int" if integer else "float", value=shown, lo=lo, hi=hi, step=step)


def _entries(p: dict, pattern: str) -> list[tuple[str, str, str]]:
    """``(entry, label prefix, meaning prefix)`` of each entry a ``*`` key has in the scenario."""
    table = pattern.split(".*.")[0]
    if table == "shocks.scheduled":
        out = []
        for i, event in enumerate(p["shocks"]["scheduled"]):
            where = "all districts" if event["district"] < 0 else f"district {event['district']}"
            out.append((str(i), f"{event['kind'].capitalize()} y{event['step']}",
                        f"the scheduled {event['kind']} in year {event['step']} ({where}, "
                        f"{event['duration']} year(s))"))  # fmt: skip
        return out
    named = [(k, v) for k, v in p[table].items() if isinstance(v, dict)]
    return [(k, _pretty(k), v.get("label", _pretty(k))) for k, v in named]


def _allow_controls(p: dict) -> list[Control]:
    """One checkbox per form of the scenario: is it among ``cooperation.forms``?"""
    allowed = p["cooperation"]["forms"]
    return [
        Control(f"allow_{name}", f"Allow {_pretty(name)}", name in allowed, None, "bool", path="cooperation.forms",
                meaning=f"allow partnerships of this form: {f.get('label', _pretty(name))}", unit="yes/no")
        for name, f in p["forms"].items() if isinstance(f, dict)
    ]  # fmt: skip


def _limits(p: dict, path: str) -> tuple[float | None, float | None]:
    """Bounds a slider needs in this scenario beyond the schema's."""
    if path == "landscape.n_villages":
        return p["landscape"]["n_districts"], None  # at least one village per district
    if path == "shocks.drought.district_weight":  # the rest of the drought index is local: shares sum to <= 1
        return None, 1.0 - p["shocks"]["drought"]["local_weight"]
    return None, None


def scenario_controls(scenario: str | VillageScenario) -> list[Control]:
    """The page's controls for ``scenario``, with its values as defaults (money in its currency)."""
    sc = scenario if isinstance(scenario, VillageScenario) else load_scenario(scenario)
    p = sc.params
    currency = Currency(p["economy"]["currency"], p["economy"]["poverty_line"])
    controls = [
        Control("seed", "Seed", DEFAULT_SEED, None, "int", *SEED_RANGE, 1, unit="integer",
                meaning="random seed: the same seed gives the same villages and the same shocks")
    ]  # fmt: skip
    for group in CONTROLLED:
        name, path = group[0]
        if path == "cooperation.forms":
            controls += _allow_controls(p)
        elif "*" in path:
            for entry, label, context in _entries(p, path):
                for control_name, pattern in group:
                    key = pattern.replace("*", entry)
                    where = Where(
                        control_name.format(entry=entry), key, f"{label}: {declared(key).short_label}", context
                    )
                    controls.append(schema_control(where, sc.get(key), currency))
        else:
            at_least, at_most = _limits(p, path)
            controls.append(
                schema_control(Where(name, path, at_least=at_least, at_most=at_most), sc.get(path), currency)
            )
    return controls


# --- a model's values, the table, the overrides ------------------------------------------
def control_value_in(model: VillageModel, control: Control) -> Any:
    """The value a control stands for in a running model (money in the scenario's currency)."""
    if control.name == "seed":
        return model.seed
    if control.name.startswith("allow_"):
        return control.name[len("allow_") :] in model.params["cooperation"]["forms"]
    value = model.scenario.get(control.path)
    return value * model.params["economy"]["poverty_line"] if control.money else value


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def controls_table(model: VillageModel, controls: list[Control]) -> str:
    """A Markdown table of the controls: what each sets, its meaning and unit, and its value in this run."""
    overrides = getattr(model, "explorer_overrides", {})
    rows = ["| control | sets | meaning | unit | this run |", "|---|---|---|---|---|"]
    for c in controls:
        if c.name.startswith("allow_"):
            overridden = control_value_in(model, c) != c.value
        else:
            overridden = c.key in overrides
        value = _fmt(control_value_in(model, c))
        shown = f"**{value}** (changed)" if overridden else value
        rows.append(f"| {c.label} | `{c.path or 'rng'}` | {c.meaning} | {c.unit} | {shown} |")
    return "\n".join(rows)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def controls_to_overrides(scenario: str, values: dict[str, Any]) -> dict[str, Any]:
    """The dotted overrides (``VillageModel`` keywords) for the controls of ``scenario``
    whose value differs from the scenario's own. Unknown control names are refused."""
    controls = {c.name: c for c in scenario_controls(scenario)}
    unknown = sorted(set(values) - set(controls))
    if unknown:
        raise TypeError(f"unknown explorer control(s) for scenario {scenario!r}: {', '.join(unknown)}")
    overrides: dict[str, Any] = {}
    for name, value in values.items():
        control = controls[name]
        if control.key is None or _same(value, control.value):
            continue
        overrides[control.key] = int(round(value)) if control.kind == "int" else value
    allow = [c for c in controls.values() if c.name.startswith("allow_")]
    chosen = {c.name[len("allow_") :]: bool(values.get(c.name, c.value)) for c in allow}
    if any(chosen[c.name[len("allow_") :]] != c.value for c in allow):
        overrides["cooperation.forms"] = [name for name, on in chosen.items() if on]
    return overrides


class ExplorerModel(VillageModel):
    """A :class:`~sim.model.VillageModel` built from the page's controls.

    Args:
        scenario_name: the page's scenario (name or path; default: ``$KERJASAMA_SCENARIO``,
            else the default scenario).
        seed: the run's seed (``rng``).
        scenario: accepted and ignored: Mesa's Reset passes an empty Scenario object
            (its own scenario mechanism), which this model does not use.
        **controls: the control values (names from :func:`scenario_controls`); those
            that differ from the scenario's own values become overrides.
    """

    def __init__(
        self,
        scenario_name: str | None = None,
        seed: int = DEFAULT_SEED,
        scenario: Any = None,
        **controls: Any,
    ):
        name = scenario_name or os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO
        overrides = controls_to_overrides(name, controls)
        self.scenario_name = name
        self.explorer_overrides = overrides
        super().__init__(name, rng=int(seed), **overrides)


def village_scenarios() -> list[str]:
    """The shipped scenarios the explorer can run: those that load as village scenarios
    (``scenarios/`` may also hold other models' files). About 20 ms."""
    names = []
    for name in available_scenarios():
        try:
            load_scenario(name)
        except ScenarioError:
            continue
        names.append(name)
    return names
