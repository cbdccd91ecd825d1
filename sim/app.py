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
* controls built from the scenario schema and the scenario's values (Mesa
  ``model_params``: sliders, selects, checkboxes) and Mesa's own Step, Play/Pause and
  Reset; the plots' labels and units are the output registry's (``sim/outputs.py``).

How a control reaches the model (``sim/controls.py``): :class:`~sim.controls.ExplorerModel`
is a thin :class:`~sim.model.VillageModel` whose keyword arguments are the controls; it
turns the controls a student changed into the scenario's dotted overrides. Controls left
untouched change nothing, so a scenario runs exactly as ``kerjasama run`` runs it with the
same seed. The controls depend on the scenario (its forms, services, scheduled shocks), so
each scenario has its own page, ``?scenario=NAME``; the page links to the others. The map
is ``sim/village_map.py``, the same as the run figures' map.

This module imports ``mesa.visualization`` (seconds): nothing on the import path
of ``sim`` or of the command line imports it.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
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

from sim import outputs
from sim.controls import (
    DEFAULT_SCENARIO,
    SCENARIO_ENV,
    Control,
    ExplorerModel,
    controls_table,
    scenario_controls,
    village_scenarios,
)
from sim.domains import DOMAIN_NAMES
from sim.model import VillageModel
from sim.plots import DOMAIN_COLOURS
from sim.scenario import ScenarioError, VillageScenario, load_scenario
from sim.village_map import CONSUMPTION, Colouring, Look, form_colours, village_map

TITLE = "Kerjasama explorer"


def _pretty(name: str) -> str:
    return name.replace("_", " ")


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
controls on the left. Where a village decides: `sim/decisions.py`; a guided first hour:
`docs/tutorial.md`.
"""


CSS = """
.kerjasama-text { font-size: 14px; line-height: 1.45; }
.kerjasama-text table { border-collapse: collapse; font-size: 12px; }
.kerjasama-text th, .kerjasama-text td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
.kerjasama-text code { font-size: 11px; }
.kerjasama-text strong { font-weight: 700; }
"""


# --- controls on the page ---------------------------------------------------------------------------
def mesa_param(control: Control):
    """A control as a Mesa ``model_params`` entry (a slider, a checkbox or a select)."""
    c = control
    if c.kind in ("float", "int"):
        return Slider(c.label, c.value, c.lo, c.hi, c.step, dtype=float if c.kind == "float" else int)
    if c.kind == "bool":
        return {"type": "Checkbox", "value": c.value, "label": c.label}
    return {"type": "Select", "value": c.value, "values": list(c.values), "label": c.label}


def model_params(scenario: str) -> dict[str, Any]:
    """Mesa ``model_params`` for the page of ``scenario``: its controls, and the scenario
    itself as a fixed parameter (Reset rebuilds the same scenario with the controls).

    The set of controls depends on the scenario (its forms, services, shocks), and Mesa
    3.5's SolaraViz assumes ``model_params`` never change during a session (its sidebar
    inputs keep their state), so another scenario is another page: the page's scenario
    links reload it with ``?scenario=NAME``."""
    params: dict[str, Any] = {"scenario_name": scenario}
    for control in scenario_controls(scenario):
        params[control.name] = mesa_param(control)
    return params


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


# --- the map -----------------------------------------------------------------------------
def _shocks_this_year(model) -> np.ndarray:
    shocks = model.last_shocks  # None before the first year
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
@dataclass(frozen=True)
class Panel:
    """One live plot: the per-step columns it draws (with their colours), its title (None:
    the one measure's label), y range, and a reference line (the poverty line). Legend
    labels and the y axis's unit are the measures' declarations in ``sim/outputs.py``."""

    columns: dict[str, str]
    title: str | None = None
    ylim: tuple[float, float] | None = None
    hline: float | None = None


PANELS = (
    Panel({"mean_consumption": "black", "poverty_rate": "firebrick"}, "Welfare", hline=1.0),
    Panel({f"participation_{d}": DOMAIN_COLOURS[d] for d in DOMAIN_NAMES}, "Participation by domain", (0, 1)),
    Panel({"mean_trust": "teal", "contribution_rate": "black"}, "Trust and contributions", (0, 1)),
    Panel({"shock_intensity": "saddlebrown"}),
)


def panel_text(panel: Panel) -> tuple[str, dict[str, str], str]:
    """A panel's title, legend label per column and y-axis label, from the output registry:
    with one unit the axis says it; with several each legend label carries its own."""
    measures = {column: outputs.measure_info(column) for column in panel.columns}
    units = list(dict.fromkeys(m.unit for m in measures.values()))
    if len(units) == 1:
        labels = {column: m.label for column, m in measures.items()}
    else:
        labels = {column: f"{m.label} [{m.unit}]" for column, m in measures.items()}
    title = panel.title or next(iter(measures.values())).label.capitalize()
    return title, labels, " / ".join(units)


def _finish(panel: Panel, scheduled=()):
    """A Mesa ``post_process`` giving a plot its title, legend labels and unit, and shading
    the scheduled shocks."""
    title, labels, ylabel = panel_text(panel)

    def post_process(ax):
        for line in ax.get_lines():
            line.set_label(labels.get(line.get_label(), line.get_label()))
        if panel.hline is not None:
            ax.axhline(panel.hline, color="firebrick", lw=0.7, ls=":")
        for event in scheduled:
            ax.axvspan(event["step"] - 0.5, event["step"] + event["duration"] - 0.5, color="red", alpha=0.12, lw=0)
        if panel.ylim is not None:
            ax.set_ylim(*panel.ylim)
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
    scheduled = scenario.params["shocks"]["scheduled"]
    welfare, participation, trust, shocks = (
        make_plot_component(panel.columns, post_process=_finish(panel, scheduled)) for panel in PANELS
    )

    def PartnershipsByForm(model):
        # the model's own forms: a form can be switched off with the controls
        colours = form_colours(model.form_names)
        panel = Panel({f"partnerships_{name}": colours[name] for name in model.form_names}, "Partnerships by form")
        return PlotMatplotlib(model, panel.columns, post_process=_finish(panel, scheduled))

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
