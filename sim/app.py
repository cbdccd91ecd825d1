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
* live plots of welfare, participation by domain, partnerships by form, trust and
  the shock series, in years from 0 to the horizon, with the poverty line and the
  scheduled shocks (shaded) in each legend;
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

Why a Step is fast (about 0.2 s in a browser at 200 villages; ``benchmarks/bench_explorer.py``):
each figure is drawn in full once per run (:class:`LiveFigure`); a Step draws only what
changed (ties, dots, markers, lines) over the kept image of the rest (axes, legends, colour
bar), and sends a 256-colour PNG. Mesa's own plot component rebuilt every figure at each
Step (~1.5 s).

This module imports ``mesa.visualization`` (seconds): nothing on the import path
of ``sim`` or of the command line imports it.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

import markdown
import numpy as np
import PIL.Image
import reacton.ipywidgets as rw
import solara
import solara.server.settings
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
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
from sim.village_map import CONSUMPTION, Colouring, Look, form_colours, update_village_map, village_map

TITLE = "Kerjasama explorer"

# Every short text the page shows (besides ABOUT below, the map's colourings, the plots'
# titles in PANELS and the output registry's labels), in one place to be translated.
TEXT = {
    "colour_by": "Colour villages by",
    "km": "km",
    "map_title": "{scenario}: villages and partnerships, {unit} {year}",
    "status": (
        "Scenario {scenario} · seed {seed} · {villages} villages · {unit} {year} of {horizon} · "
        "forms allowed: {forms} · rule: {rule}"
    ),
    "status_changed": " · {changed} control(s) changed",
    "no_forms": "none (autarky)",
    "poverty_line": "poverty line",
    "scheduled_shock": "scheduled {kind}",
    "no_such_scenario": "No scenario {name!r} here; the scenarios are: {names}.",
    "cannot_open": "Cannot open scenario {name!r}: {problem}.",
    "showing_default": "{problem} Showing the default scenario instead.",
    "scenario_links": "**Scenario:** {links} — another scenario opens a fresh page with its own controls.",
    "controls_details": "The controls: what each sets, its unit, its value in this run",
}


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
trust rises or falls. The plots below run from year 0 to the horizon; shaded years are the
scheduled shocks. **Step** runs one year, **▶** plays, **Reset** starts again with the
controls on the left. Where a village decides: `sim/decisions.py`; a guided first hour:
`docs/tutorial.md`.
"""


CSS = """
.kerjasama-text { font-size: 14px; line-height: 1.45; }
.kerjasama-text table { border-collapse: collapse; font-size: 12px; }
.kerjasama-text th, .kerjasama-text td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
.kerjasama-text code { font-size: 11px; }
.kerjasama-text strong { font-weight: 700; }
/* every slider shows its value at all times (Solara shows it only while dragging), with room above */
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { margin-top: 30px; }
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
        return TEXT["no_such_scenario"].format(name=name, names=", ".join(village_scenarios()))
    try:
        load_scenario(name)
    except ScenarioError as exc:
        return TEXT["cannot_open"].format(name=name, problem=exc)
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
MAP_SIZE, MAP_DPI = (6.4, 5.2), 90  # inches, dots per inch: 576 x 468 pixels
PLOT_SIZE, PLOT_DPI = (6.4, 3.9), 100  # fits the grid cell Mesa gives each plot


class LiveFigure:
    """A matplotlib figure drawn in full once, then updated cheaply: the artists that change
    from year to year (``changing``: lines, dots, markers, a title) are drawn over a kept
    image of everything else (axes, ticks, labels, legends, colour bar), which is what makes
    a Step fast. ``png(full=True)`` draws everything again, for when something in the kept
    image changed (an axis range, the colour bar)."""

    def __init__(self, figure: Figure, changing: list, dpi: float):
        self.figure = figure
        figure.set_dpi(dpi)
        self.canvas = FigureCanvasAgg(figure)
        self.changing = sorted(changing, key=lambda artist: artist.get_zorder())
        for artist in self.changing:
            artist.set_animated(True)  # left out of the kept image, drawn over it
        self.background = None

    def png(self, full: bool = False) -> bytes:
        """The figure now, as PNG bytes."""
        if full or self.background is None:
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in self.changing:
            self.figure.draw_artist(artist)
        size = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        # 256 colours: a third of the bytes for the page to receive and decode, and faster to write
        palette = image.convert("RGB").quantize(256, method=PIL.Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        palette.save(out, format="png", compress_level=1)
        return out.getvalue()


class LiveMap:
    """The explorer's map of one model, coloured by one variable: villages at their
    coordinates, sized by households, coloured by ``variable``; ties coloured by form;
    shared-service hosts (stars) and infrastructure served (rings). Drawn once by
    ``sim/village_map.py`` (the run figures' map), then moved year by year."""

    def __init__(self, model: VillageModel, variable: str = DEFAULT_VARIABLE):
        self.model = model
        self.colouring = MAP_VARIABLES.get(variable, MAP_VARIABLES[DEFAULT_VARIABLE])
        self.figure = Figure(figsize=MAP_SIZE, layout="constrained")
        ax = self.figure.add_subplot()
        self.drawn = village_map(ax, model, self.colouring, EXPLORER_MAP)
        area = model.params["landscape"]["area_km"]
        ax.set_xlim(0, area)
        ax.set_ylim(0, area)
        ax.set_xlabel(TEXT["km"], fontsize=8)
        ax.tick_params(labelsize=7)
        self.title = ax.set_title(self._title(), fontsize=9)
        self.live = LiveFigure(self.figure, [*self.drawn.changing(), self.title], MAP_DPI)
        self.year, self.image = None, b""

    def _title(self) -> str:
        m = self.model
        return TEXT["map_title"].format(scenario=m.scenario.name, unit=m.params["run"]["step_unit"], year=m.steps)

    def png(self) -> bytes:
        """The map at the model's year, as PNG bytes (drawn again only when the year changed)."""
        if self.year != self.model.steps:
            first = self.year is None
            widened = first or update_village_map(self.drawn, self.model, self.colouring, EXPLORER_MAP)
            self.title.set_text(self._title())
            self.image, self.year = self.live.png(full=first or widened), self.model.steps
        return self.image


def map_figure(model: VillageModel, variable: str = DEFAULT_VARIABLE) -> Figure:
    """The explorer's map of ``model`` now (a matplotlib figure; see :class:`LiveMap`)."""
    return LiveMap(model, variable).figure


def status_line(model: VillageModel) -> str:
    """One line saying which run is on the page."""
    forms = ", ".join(_pretty(f) for f in model.params["cooperation"]["forms"]) or TEXT["no_forms"]
    changed = len(getattr(model, "explorer_overrides", {}))
    line = TEXT["status"].format(
        scenario=model.scenario.name,
        seed=model.seed,
        villages=model.state.n,
        unit=model.params["run"]["step_unit"],
        year=model.steps,
        horizon=model.horizon,
        forms=forms,
        rule=model.params["behaviour"]["rule"],
    )
    return line + (TEXT["status_changed"].format(changed=changed) if changed else "")


@solara.component
def VillageMap(model):
    """The map, moved on whenever Mesa's controls step the model."""
    update_counter.get()  # Mesa's Step/Play bump this counter after each step
    variable, set_variable = solara.use_state(DEFAULT_VARIABLE)
    live = solara.use_memo(lambda: LiveMap(model, variable), [model, variable])
    with solara.Column(gap="4px"):
        solara.Select(
            label=TEXT["colour_by"], values=list(MAP_VARIABLES), value=variable, on_value=set_variable, dense=True
        )
        solara.Text(status_line(model), classes=["kerjasama-status"])
        rw.Image(value=live.png(), format="png")


# --- live plots --------------------------------------------------------------------------
@dataclass(frozen=True)
class Panel:
    """One live plot: the per-step columns it draws (with their colours), its title (None:
    the one measure's label), y range (None: fitted to the data, widened when it leaves it),
    and a reference line (``hline``: its value, and its legend label's key in ``TEXT``).
    ``top_per_village``: a fitted range's top before the first year, per village (a count
    that will grow, so that the first years need no widening). Legend labels and the y
    axis's unit are the measures' declarations in ``sim/outputs.py``."""

    columns: dict[str, str]
    title: str | None = None
    ylim: tuple[float, float] | None = None
    hline: tuple[float, str] | None = None
    top_per_village: float | None = None


PANELS = (
    Panel({"mean_consumption": "black", "poverty_rate": "firebrick"}, "Welfare", hline=(1.0, "poverty_line")),
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


class LivePlot:
    """One panel's plot of one model, year on the x axis from 0 to the horizon: a line per
    column, the reference line and the scheduled shocks (shaded years), each in the legend
    below the plot. Drawn once, then only its lines are drawn again each year (and all of it
    when a line leaves the y range, which then widens)."""

    def __init__(self, model: VillageModel, panel: Panel, scheduled=()):
        self.model, self.panel = model, panel
        title, labels, ylabel = panel_text(panel)
        self.figure = Figure(figsize=PLOT_SIZE, layout="constrained")
        ax = self.ax = self.figure.add_subplot()
        self.lines = {
            column: ax.plot([], [], color=colour, lw=1.3, label=labels[column])[0]
            for column, colour in panel.columns.items()
        }
        if panel.hline is not None:
            value, key = panel.hline
            ax.axhline(value, color="firebrick", lw=0.8, ls=":", label=TEXT[key])
        shaded = set()
        for event in scheduled:
            label = TEXT["scheduled_shock"].format(kind=event["kind"]) if event["kind"] not in shaded else None
            shaded.add(event["kind"])
            start = event["step"] - 0.5
            ax.axvspan(start, start + event["duration"], color="red", alpha=0.12, lw=0, label=label)
        ax.set_xlim(0, max(model.horizon, 1))
        ax.set_ylim(*(panel.ylim or (0.0, panel.top_per_village * model.state.n if panel.top_per_village else 1.0)))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(model.params["run"]["step_unit"], fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25, lw=0.5)
        self.figure.legend(loc="outside lower center", ncol=3, fontsize=7, frameon=False)
        self.live = LiveFigure(self.figure, list(self.lines.values()), PLOT_DPI)
        self.year, self.image = None, b""

    def _fit(self, values: list[np.ndarray]) -> bool:
        """Widen the y range to hold ``values`` (and the reference line), with room above
        (half again at the first drawing, as much again later: each widening draws the whole
        plot); True when it changed. A panel with a fixed range keeps it."""
        if self.panel.ylim is not None:
            return False
        finite = np.concatenate([v[np.isfinite(v)] for v in values] + [np.zeros(1)])
        if self.panel.hline is not None:
            finite = np.append(finite, self.panel.hline[0])
        lo, hi = self.ax.get_ylim()
        if finite.min() >= lo and finite.max() <= hi:
            return False
        room = 1.5 if self.year is None else 2.0  # a range that had to widen once will again: more room
        top = finite.max() * room if finite.max() > 0 else 1.0
        self.ax.set_ylim(min(0.0, finite.min() * room), top)
        return True

    def png(self) -> bytes:
        """The plot up to the model's year, as PNG bytes (drawn again only when the year changed)."""
        if self.year != self.model.steps:
            table = self.model.datacollector.model_vars
            years = np.asarray(table["step"], dtype=float)
            values = [np.asarray(table[column], dtype=float) for column in self.lines]
            for line, y in zip(self.lines.values(), values, strict=True):
                line.set_data(years, y)
            widened = self._fit(values)
            self.image = self.live.png(full=self.year is None or widened)
            self.year = self.model.steps
        return self.image


def plot_component(panel_of, scheduled=()):
    """A SolaraViz component showing the :class:`LivePlot` of ``panel_of(model)``, moved on
    after each step (a Solara component, so Mesa does not wrap it anew at each render)."""

    @solara.component
    def LivePlotView(model):
        update_counter.get()  # Mesa's Step/Play bump this counter after each step
        plot = solara.use_memo(lambda: LivePlot(model, panel_of(model), scheduled), [model])
        return rw.Image(value=plot.png(), format="png")

    return LivePlotView


def partnerships_panel(model: VillageModel) -> Panel:
    """Partnerships by form, for the model's own forms (a form can be switched off with the controls)."""
    colours = form_colours(model.form_names)
    columns = {f"partnerships_{name}": colours[name] for name in model.form_names}
    return Panel(columns, "Partnerships by form", top_per_village=0.5)  # two villages or more in each


def plot_components(scenario: VillageScenario) -> list:
    """The live plots for ``scenario`` as SolaraViz components (all on page 0).

    The map is not one of them: Mesa 3.5's SolaraViz gives every component the same
    fixed grid cell, too small for a readable map, so the page shows it above the grid
    (it follows Mesa's Step/Play through the same update counter)."""
    scheduled = scenario.params["shocks"]["scheduled"]
    welfare, participation, trust, shocks = (plot_component(lambda m, p=p: p, scheduled) for p in PANELS)
    return [welfare, participation, (plot_component(partnerships_panel, scheduled), 0), trust, shocks]


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
    return TEXT["scenario_links"].format(links=" · ".join(links))


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
        solara.Error(TEXT["showing_default"].format(problem=problem))
    with solara.Row(gap="24px", style={"flex-wrap": "wrap", "align-items": "flex-start", "padding": "0 12px"}):
        with solara.Column(style={"flex": "0 1 600px", "min-width": "420px"}):
            VillageMap(model.value)  # Page re-renders when Reset builds a new model
        with solara.Column(style={"flex": "1 1 360px"}):
            Text(ABOUT)
            Text(scenario_links(name))
    with solara.Details(TEXT["controls_details"], expand=False):
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
