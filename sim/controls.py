"""The explorer's controls (pure: no Solara, no Mesa visualisation).

A :class:`Control` is one input of the explorer's page: a keyword argument of
:class:`ExplorerModel` and the scenario key it overrides. :func:`scenario_controls` builds
the controls of a scenario with its own values (money in its own currency);
:func:`controls_to_overrides` turns the controls a student changed into the scenario's
dotted overrides, so that controls left untouched change nothing and a scenario runs
exactly as ``kerjasama run`` runs it with the same seed; :func:`controls_table` is the
page's Markdown table of what each control sets. The page itself is ``sim/app.py``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Any

from sim.model import VillageModel
from sim.scenario import RULES, VillageScenario, load_scenario

SCENARIO_ENV = "KERJASAMA_SCENARIO"  # scenario the page starts with (name or path)
DEFAULT_SCENARIO = "default"
DEFAULT_SEED = 42  # as `kerjasama run`


@dataclass(frozen=True)
class Control:
    """One control of the page: an :class:`ExplorerModel` keyword argument and the
    scenario key it overrides (``key`` None: handled specially). ``label`` is short (a
    slider's track shares the sidebar's width with it); ``meaning`` says what it is, with
    its unit, in the page's table of controls."""

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
    money: bool = False  # shown in the scenario's currency


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


def _rounded(value: float, step: float) -> float:
    """``value`` on the slider's grid (kept float-clean for display)."""
    return float(f"{round(value / step) * step:.10g}")


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def scenario_controls(scenario: str | VillageScenario) -> list[Control]:
    """The page's controls for ``scenario``, with its values as defaults. Money is shown
    in the scenario's own currency (as in its file and in ``--set``)."""
    sc = scenario if isinstance(scenario, VillageScenario) else load_scenario(scenario)
    p = sc.params
    line = p["economy"]["poverty_line"]
    currency = p["economy"]["currency"]
    land, beh = p["landscape"], p["behaviour"]
    n_villages, steps = land["n_villages"], p["run"]["steps"]
    controls = [
        Control("seed", "Seed", DEFAULT_SEED, None, "int", 0, 999, 1,
                meaning="random seed: the same seed gives the same villages and the same shocks"),
        Control("n_villages", "Villages", n_villages, "n_villages", "int", max(10, land["n_districts"]),
                max(500, n_villages), 10, meaning="number of villages"),
        Control("steps", "Horizon (years)", steps, "steps", "int", 5, max(200, steps), 5,
                meaning="steps (years) the run lasts; Play stops there"),
        Control("rule", "Behaviour rule", beh["rule"], "behaviour.rule", "select", values=RULES,
                meaning="how partners decide to contribute or free-ride (sim/behaviour.py)"),
        Control("threshold_mean", "Coop. threshold", _clean(beh["threshold_mean"]), "behaviour.threshold_mean",
                meaning="conditional cooperation: trust-weighted share of partners who contributed last year "
                "that a village needs to see to contribute (mean over villages), [0, 1]"),
        Control("initial_trust", "Initial trust", _clean(beh["initial_trust"]), "behaviour.initial_trust",
                meaning="trust between neighbouring villages at the start, [0, 1]"),
    ]  # fmt: skip
    allowed = p["cooperation"]["forms"]
    forms = [name for name, f in p["forms"].items() if isinstance(f, dict)]
    for name in forms:
        label = p["forms"][name].get("label", _pretty(name))
        controls.append(
            Control(f"allow_{name}", f"Allow {_pretty(name)}", name in allowed, None, "bool",
                    meaning=f"allow partnerships of this form: {label}")
        )  # fmt: skip
    for name in forms:
        f = p["forms"][name]
        setup = f["setup_cost"] * line
        hi = max(4.0 * setup, 5.0 * line)
        step = _nice_step(hi)
        controls.append(
            Control(f"setup_cost_{name}", f"{_pretty(name)}: setup cost", _clean(setup),
                    f"forms.{name}.setup_cost", "float", 0.0, _rounded(hi, step), step,
                    meaning=f"{currency} per member village, paid once when joining", money=True)
        )  # fmt: skip
        controls.append(
            Control(f"enforcement_{name}", f"{_pretty(name)}: enforcement", _clean(f["enforcement"]),
                    f"forms.{name}.enforcement", meaning="probability that a free-ride is detected and fined, [0, 1]")
        )  # fmt: skip
    for name, s in p["services"].items():
        if isinstance(s, dict):
            controls.append(
                Control(f"decay_{name}", f"{_pretty(name)}: decay km", _clean(s["decay_km"]),
                        f"services.{name}.decay_km", "float", 1.0, max(100.0, 2.0 * s["decay_km"]), 1.0,
                        meaning=f"{s.get('label', _pretty(name))}: km; quality = exp(-distance to the host / decay)")
            )  # fmt: skip
    d = p["shocks"]["drought"]
    severity = _clean(d["severity"])
    controls += [
        Control("drought_severity", "Drought severity", severity, "shocks.drought.severity", "float", 0.0,
                max(2.0, severity), 0.05,
                meaning="background droughts: share of output lost per standard deviation of the drought index "
                "above its threshold"),
        Control("drought_district_share", "Drought: district share", _clean(d["district_weight"]),
                "shocks.drought.district_weight", "float", 0.0,
                _clean(1.0 - d["local_weight"]), 0.05,  # the rest of the index is local: shares sum to <= 1
                meaning="correlation of droughts: share of the drought index common to a whole district, [0, 1]"),
        Control("drought_correlation_km", "Drought: corr. km", _clean(d["correlation_length_km"]),
                "shocks.drought.correlation_length_km", "float", 1.0, max(100.0, 2 * d["correlation_length_km"]), 1.0,
                meaning="correlation of droughts: km over which neighbouring villages' droughts are alike"),
    ]  # fmt: skip
    for i, event in enumerate(p["shocks"]["scheduled"]):
        where = "all districts" if event["district"] < 0 else f"district {event['district']}"
        controls.append(
            Control(f"shock_{i}_intensity", f"{event['kind'].capitalize()} y{event['step']}: intensity",
                    _clean(event["intensity"]), f"shocks.scheduled.{i}.intensity",
                    meaning=f"the scheduled {event['kind']} in year {event['step']} ({where}, "
                    f"{event['duration']} year(s)): share of farm output lost, [0, 1]")
        )  # fmt: skip
    return [replace(c, step=_fit_step(c.value, c.step)) if c.kind == "float" and c.step else c for c in controls]


def control_value_in(model: VillageModel, control: Control) -> Any:
    """The value a control stands for in a running model (money in the scenario's currency)."""
    if control.name == "seed":
        return model.seed
    if control.name.startswith("allow_"):
        return control.name[len("allow_") :] in model.params["cooperation"]["forms"]
    key = {"n_villages": "landscape.n_villages", "steps": "run.steps"}.get(control.key, control.key)
    value = model.scenario.get(key)
    return value * model.params["economy"]["poverty_line"] if control.money else value


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def controls_table(model: VillageModel, controls: list[Control]) -> str:
    """A Markdown table of the controls: what each sets, its unit, and its value in this run."""
    overrides = getattr(model, "explorer_overrides", {})
    rows = ["| control | sets | meaning | this run |", "|---|---|---|---|"]
    for c in controls:
        key = f"`{c.key}`" if c.key else ("`cooperation.forms`" if c.name.startswith("allow_") else "`rng`")
        if c.name.startswith("allow_"):
            overridden = control_value_in(model, c) != c.value
        else:
            overridden = c.key in overrides
        value = _fmt(control_value_in(model, c))
        rows.append(f"| {c.label} | {key} | {c.meaning} | {f'**{value}** (changed)' if overridden else value} |")
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
        scenario_name: the page's scenario (name or path).
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
