"""The explorer: an interactive Mesa SolaraViz app for students (``kerjasama explore``).

Run it with ``kerjasama explore [SCENARIO]`` (binds 127.0.0.1:8765) or, like Mesa's
examples, with ``solara run sim.app`` (the scenario is then read from the
``KERJASAMA_SCENARIO`` environment variable, ``default`` when unset). It needs the
optional extra: ``pip install 'kerjasama[explore]'``; it works offline.

What is on the page:

* a map of the villages at their coordinates (drawn here with matplotlib, not
  Mesa's network layout), sized by households, coloured by welfare or a chosen
  variable, with partnership ties coloured by form, shared-service hosts and
  villages served by built infrastructure marked;
* live plots (Mesa's matplotlib plot component) of welfare, participation by
  domain, partnerships by form, trust and the shock series;
* controls built from the scenario (Mesa ``model_params``: sliders, selects,
  checkboxes) and Mesa's own Step, Play/Pause and Reset.

How a control reaches the model: :class:`ExplorerModel` is a thin
:class:`~sim.model.VillageModel` whose keyword arguments are the controls; it
turns the controls a student changed into the scenario's dotted overrides (see
:func:`controls_to_overrides`). Controls left untouched change nothing, so a
scenario runs exactly as ``kerjasama run`` runs it with the same seed. The controls
depend on the scenario (its forms, services, scheduled shocks), so each scenario has
its own page, ``?scenario=NAME``; the page links to the others.

This module imports ``mesa.visualization`` (seconds): nothing on the import path
of ``sim`` or of the command line imports it.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, quote

import markdown
import numpy as np
import solara
import solara.server.settings
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.components.matplotlib_components import PlotMatplotlib
from mesa.visualization.utils import update_counter

from sim.domains import DOMAIN_NAMES
from sim.model import VillageModel
from sim.plots import DOMAIN_COLOURS
from sim.scenario import RULES, ScenarioError, VillageScenario, available_scenarios, load_scenario
from sim.village_map import CONSUMPTION, Colouring, Look, form_colours, village_map

SCENARIO_ENV = "KERJASAMA_SCENARIO"  # scenario the page starts with (name or path)
DEFAULT_SCENARIO = "default"
DEFAULT_SEED = 42  # as `kerjasama run`
TITLE = "Kerjasama explorer"

# An offline classroom tool does not report usage to Solara's telemetry service,
# unless someone asks for it explicitly.
if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
    solara.server.settings.telemetry.mixpanel_enable = False

ABOUT = """\
**What am I looking at?** Each dot is a village at its position on the map (km), sized by its
number of households and coloured by consumption per household in poverty lines (red: below
the poverty line of 1, green: better off; choose another variable above the map). Lines are
partnerships, drawn from their largest member to the others and coloured by form. A star marks
a village that hosts services shared with its partners; a blue ring marks a village served by a
built infrastructure project. One step is one year: villages decide whether to join, stay in or
leave a partnership, shocks hit (droughts, fires, prices), partners contribute or free-ride, and
trust rises or falls. **Step** runs one year, **▶** plays, **Reset** starts again with the
controls on the left. Where a village decides: `sim/agents.py`; a guided first hour:
`docs/tutorial.md`.
"""


CSS = """
.kerjasama-text { font-size: 14px; line-height: 1.45; }
.kerjasama-text table { border-collapse: collapse; font-size: 12px; }
.kerjasama-text th, .kerjasama-text td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
.kerjasama-text code { font-size: 11px; }
.kerjasama-text strong { font-weight: 700; }
"""


# --- controls ---------------------------------------------------------------------------
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

    def param(self):
        """The control as a Mesa ``model_params`` entry."""
        if self.kind in ("float", "int"):
            return Slider(
                self.label, self.value, self.lo, self.hi, self.step, dtype=float if self.kind == "float" else int
            )
        if self.kind == "bool":
            return {"type": "Checkbox", "value": self.value, "label": self.label}
        return {"type": "Select", "value": self.value, "values": list(self.values), "label": self.label}


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


def model_params(scenario: str) -> dict[str, Any]:
    """Mesa ``model_params`` for the page of ``scenario``: its controls, and the scenario
    itself as a fixed parameter (Reset rebuilds the same scenario with the controls).

    The set of controls depends on the scenario (its forms, services, shocks), and Mesa
    3.5's SolaraViz assumes ``model_params`` never change during a session (its sidebar
    inputs keep their state), so another scenario is another page: the page's scenario
    links reload it with ``?scenario=NAME``."""
    params: dict[str, Any] = {"scenario_name": scenario}
    for control in scenario_controls(scenario):
        params[control.name] = control.param()
    return params


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


def start_scenario(search: str | None = None) -> str:
    """The page's scenario: ``?scenario=NAME`` in the address, else ``$KERJASAMA_SCENARIO``
    (what ``kerjasama explore SCENARIO`` sets), else the default."""
    chosen = parse_qs(search or "").get("scenario")
    return chosen[0] if chosen else os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def _check_scenario(name: str) -> str | None:
    """Why the page cannot show ``name`` (None when it can). The address may name only a
    shipped village scenario, or the one the server was started with (which may be a path):
    a page never opens files the person running the server did not choose."""
    if name not in village_scenarios() and name != (os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO):
        return f"No scenario {name!r} here; the scenarios are: {', '.join(village_scenarios())}."
    try:
        load_scenario(name)
    except ScenarioError as exc:
        return f"Cannot open scenario {name!r}: {exc}."
    return None


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
        name = scenario_name or start_scenario()
        overrides = controls_to_overrides(name, controls)
        self.scenario_name = name
        self.explorer_overrides = overrides
        super().__init__(name, rng=int(seed), **overrides)


# --- the map -----------------------------------------------------------------------------
def _shocks_this_year(model) -> np.ndarray:
    shocks = getattr(model, "_last_shocks", None)
    return shocks.crop if shocks is not None else np.zeros(model.state.n)


MAP_VARIABLES: dict[str, Colouring] = {  # what the page may colour the villages by
    c.label: c
    for c in (
        CONSUMPTION,
        Colouring("savings per household (poverty lines)", lambda m: m.state.wealth, "viridis", 0.0, None),
        Colouring("agricultural expertise", lambda m: m.state.expertise[:, 0], "viridis", 0.0, 1.0),
        Colouring("drought or flood this year (share of output lost)", _shocks_this_year, "YlOrBr", 0.0, 1.0),
        Colouring("district", lambda m: m.state.district, "tab10"),
    )
}
DEFAULT_VARIABLE = next(iter(MAP_VARIABLES))


EXPLORER_MAP = Look(
    tie_alpha=0.75,
    dot_base=12.0,
    dot_scale=70.0,
    colorbar_shrink=0.85,
    markers=True,
    legend={"fontsize": 7, "loc": "upper left", "bbox_to_anchor": (0.0, -0.09), "ncol": 3, "frameon": False},
)


def map_figure(model: VillageModel, variable: str = DEFAULT_VARIABLE) -> Figure:
    """Villages at their coordinates, sized by households, coloured by ``variable``; ties
    coloured by form; shared-service hosts (stars) and infrastructure served (rings)."""
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    village_map(ax, model, MAP_VARIABLES.get(variable, MAP_VARIABLES[DEFAULT_VARIABLE]), EXPLORER_MAP)
    area = model.params["landscape"]["area_km"]
    ax.set_xlim(0, area)
    ax.set_ylim(0, area)
    ax.set_xlabel("km", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{model.scenario.name}: villages and partnerships, year {model.steps}", fontsize=9)
    return fig


def status_line(model: VillageModel) -> str:
    """One line saying which run is on the page."""
    forms = ", ".join(_pretty(f) for f in model.params["cooperation"]["forms"]) or "none (autarky)"
    changed = len(getattr(model, "explorer_overrides", {}))
    return (
        f"Scenario {model.scenario.name} · seed {model.seed} · {model.state.n} villages · "
        f"year {model.steps} of {model.horizon} · forms allowed: {forms} · rule: {model.params['behaviour']['rule']}"
        + (f" · {changed} control(s) changed" if changed else "")
    )


@solara.component
def VillageMap(model):
    """The map, redrawn whenever Mesa's controls step the model."""
    update_counter.get()  # Mesa's Step/Play bump this counter after each step
    variable, set_variable = solara.use_state(DEFAULT_VARIABLE)
    with solara.Column(gap="4px"):
        solara.Select(
            label="Colour villages by", values=list(MAP_VARIABLES), value=variable, on_value=set_variable, dense=True
        )
        solara.Text(status_line(model), classes=["kerjasama-status"])
        solara.FigureMatplotlib(map_figure(model, variable), format="png", dpi=90)


# --- live plots --------------------------------------------------------------------------
def _finish(title: str, labels: dict[str, str], ylabel: str, ylim=None, scheduled=(), hline=None):
    """A Mesa ``post_process`` giving a plot readable titles and legend labels."""

    def post_process(ax):
        for line in ax.get_lines():
            line.set_label(labels.get(line.get_label(), line.get_label()))
        if hline is not None:
            ax.axhline(hline, color="firebrick", lw=0.7, ls=":")
        for event in scheduled:
            ax.axvspan(event["step"] - 0.5, event["step"] + event["duration"] - 0.5, color="red", alpha=0.12, lw=0)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.legend(fontsize=7, loc="best")
        ax.tick_params(labelsize=7)
        ax.figure.set_size_inches(6.4, 3.9)  # fits the grid cell Mesa gives each plot

    return post_process


def plot_components(scenario: VillageScenario) -> list:
    """The live plots for ``scenario`` as SolaraViz components (all on page 0).

    The map is not one of them: Mesa 3.5's SolaraViz gives every component the same
    fixed grid cell, too small for a readable map, so the page shows it above the grid
    (it follows Mesa's Step/Play through the same update counter)."""
    p = scenario.params
    scheduled = p["shocks"]["scheduled"]
    welfare = make_plot_component(
        {"mean_consumption": "black", "poverty_rate": "firebrick"},
        post_process=_finish(
            "Welfare",
            {"mean_consumption": "mean consumption (poverty lines)", "poverty_rate": "poverty rate (share)"},
            "poverty lines / share of households",
            scheduled=scheduled,
            hline=1.0,
        ),
    )
    participation = make_plot_component(
        {f"participation_{d}": DOMAIN_COLOURS[d] for d in DOMAIN_NAMES},
        post_process=_finish(
            "Participation by domain",
            {f"participation_{d}": d for d in DOMAIN_NAMES},
            "share of villages in a partnership",
            ylim=(0, 1),
            scheduled=scheduled,
        ),
    )

    def PartnershipsByForm(model):
        # the model's own forms: a form can be switched off with the controls
        colours = form_colours(model.form_names)
        measure = {f"partnerships_{name}": colours[name] for name in model.form_names}
        labels = {f"partnerships_{name}": _pretty(name) for name in model.form_names}
        return PlotMatplotlib(
            model,
            measure,
            post_process=_finish("Partnerships by form", labels, "active partnerships", scheduled=scheduled),
        )

    trust = make_plot_component(
        {"mean_trust": "teal", "contribution_rate": "black"},
        post_process=_finish(
            "Trust and contributions",
            {"mean_trust": "mean trust", "contribution_rate": "contribution rate"},
            "share",
            ylim=(0, 1),
            scheduled=scheduled,
        ),
    )
    shocks = make_plot_component(
        {"shock_intensity": "saddlebrown"},
        post_process=_finish(
            "Shocks: drought or flood intensity (mean over villages)",
            {"shock_intensity": "shock intensity"},
            "share of farm output lost",
            scheduled=scheduled,
        ),
    )
    return [welfare, participation, (PartnershipsByForm, 0), trust, shocks]


# --- the page ----------------------------------------------------------------------------
@solara.component
def Text(markdown_text: str):
    """Markdown shown as HTML. (``solara.Markdown`` loads KaTeX from a CDN for math, which
    fails offline and makes the server try the internet; this text has no math.)"""
    html = solara.use_memo(lambda: markdown.markdown(markdown_text, extensions=["tables"]), [markdown_text])
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["kerjasama-text"])


@solara.component
def ControlsTable(model):
    """What each control sets, its unit and its value in the run on the page."""
    controls = solara.use_memo(lambda: scenario_controls(model.scenario_name), [model.scenario_name])
    Text(controls_table(model, controls))


def scenario_links(current: str) -> str:
    """Markdown links to the page of each scenario (a link reloads the page with it)."""
    links = [f"**{n}**" if n == current else f"[{n}](?scenario={quote(n)})" for n in village_scenarios()]
    if current not in village_scenarios():
        links.insert(0, f"**{current}**")
    return "**Scenario:** " + " · ".join(links) + " — another scenario opens a fresh page with its own controls."


@solara.component
def Page():
    """The explorer page (what ``solara run sim.app`` serves)."""
    requested = start_scenario(solara.use_router().search)
    problem = solara.use_memo(lambda: _check_scenario(requested), [requested])
    name = DEFAULT_SCENARIO if problem else requested
    start = solara.use_memo(lambda: ExplorerModel(scenario_name=name), [name])
    model = solara.use_reactive(start)
    params = solara.use_memo(lambda: model_params(name), [name])
    components = solara.use_memo(lambda: plot_components(start.scenario), [name])
    solara.Title(TITLE)
    solara.Style(CSS)
    if problem:
        solara.Error(f"{problem} Showing the default scenario instead.")
    with solara.Row(gap="24px", style={"flex-wrap": "wrap", "align-items": "flex-start", "padding": "0 12px"}):
        with solara.Column(style={"flex": "0 1 600px", "min-width": "420px"}):
            VillageMap(model.value)  # Page re-renders when Reset builds a new model
        with solara.Column(style={"flex": "1 1 360px"}):
            Text(ABOUT)
            Text(scenario_links(name))
    with solara.Details("The controls: what each sets, its unit, its value in this run", expand=False):
        ControlsTable(model.value)
    SolaraViz(model, components=components, model_params=params, name=TITLE)


def serve(scenario: str = DEFAULT_SCENARIO, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the explorer (blocking) with Solara's server in production mode."""
    import click
    from solara.__main__ import run

    os.environ[SCENARIO_ENV] = str(scenario)
    solara.server.settings.telemetry.mixpanel_enable = False
    if "SOLARA_KERNEL_CULL_TIMEOUT" not in os.environ:
        # a page that vanished without closing (a crashed tab) has its session closed after
        # 5 minutes instead of Solara's 24 hours, as a closed tab has at once (which also
        # stops a run left playing)
        solara.server.settings.kernel.cull_timeout = "5m"
    # on plain http at 127.0.0.1 Solara warns about cookies meant for iframes on https; not our case
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    if port:
        print(f"Kerjasama explorer: open http://{host}:{port} in a browser (Ctrl-C stops it)", flush=True)
    args = ["sim.app", "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]
    try:
        run.main(args, prog_name="kerjasama explore", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C: the normal way to stop it
        pass
    print("Kerjasama explorer stopped.", flush=True)
    return 0
