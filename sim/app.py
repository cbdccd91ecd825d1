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
import re
import warnings
from dataclasses import dataclass, replace
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

from sim import i18n, outputs
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
from sim.i18n import N_, Language
from sim.model import VillageModel
from sim.plots import DOMAIN_COLOURS, localize_ticks
from sim.scenario import ScenarioError, VillageScenario, load_scenario
from sim.village_map import CONSUMPTION, Colouring, Look, form_colours, update_village_map, village_map

TITLE = N_("Kerjasama explorer")
LANG_ENV = "KERJASAMA_LANG"  # the page's language (what ``kerjasama explore --lang`` sets; default English)

# Every short text the page shows (besides ABOUT below, the map's colourings, the plots'
# titles in PANELS and the output registry's labels), in English: the page shows each in its
# language (``sim/i18n.py``, ``page_language``).
TEXT = {
    "colour_by": N_("Colour villages by"),
    "km": N_("km"),
    "map_title": N_("{scenario}: villages and partnerships, {unit} {year}"),
    "status": N_(
        "Scenario {scenario} · seed {seed} · {villages} villages · {unit} {year} of {horizon} · "
        "forms allowed: {forms} · rule: {rule}"
    ),
    "status_changed": N_(" · {changed} control(s) changed"),
    "no_forms": N_("none (autarky)"),
    "poverty_line": N_("poverty line"),
    "scheduled_shock": N_("scheduled {kind}"),
    "no_such_scenario": N_("No scenario {name!r} here; the scenarios are: {names}."),
    "cannot_open": N_("Cannot open scenario {name!r}: {problem}."),
    "showing_default": N_("{problem} Showing the default scenario instead."),
    "scenario_links": N_("**Scenario:** {links} — another scenario opens a fresh page with its own controls."),
    "controls_details": N_("The controls: what each sets, its unit, its value in this run"),
}


def page_language() -> Language:
    """The page's language: ``$KERJASAMA_LANG`` (what ``kerjasama explore --lang`` sets), else English."""
    return i18n.language(os.environ.get(LANG_ENV) or "en")


def _pretty(name: str) -> str:
    return name.replace("_", " ")


# An offline classroom tool does not report usage to Solara's telemetry service,
# unless someone asks for it explicitly.
if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
    solara.server.settings.telemetry.mixpanel_enable = False

ABOUT = N_("""\
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
""")


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


def model_params(scenario: str, lang: Language | None = None) -> dict[str, Any]:
    """Mesa ``model_params`` for the page of ``scenario``: its controls, and the scenario
    itself as a fixed parameter (Reset rebuilds the same scenario with the controls).

    The set of controls depends on the scenario (its forms, services, shocks), and Mesa
    3.5's SolaraViz assumes ``model_params`` never change during a session (its sidebar
    inputs keep their state), so another scenario is another page: the page's scenario
    links reload it with ``?scenario=NAME``."""
    params: dict[str, Any] = {"scenario_name": scenario}
    for control in page_controls(scenario, lang or page_language()):
        params[control.name] = mesa_param(control)
    return params


def page_controls(scenario: str, lang: Language) -> list[Control]:
    """The controls of ``scenario`` with their label, meaning and unit in ``lang``
    (``sim.controls.scenario_controls``, translated by :func:`translated_controls`)."""
    controls = scenario_controls(scenario)
    return controls if lang.code == "en" else translated_controls(controls, load_scenario(scenario).params, lang)


def start_scenario(search: str | None = None) -> str:
    """The page's scenario: ``?scenario=NAME`` in the address, else ``$KERJASAMA_SCENARIO``
    (what ``kerjasama explore SCENARIO`` sets), else the default."""
    chosen = parse_qs(search or "").get("scenario")
    return chosen[0] if chosen else os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def _check_scenario(name: str, lang: Language | None = None) -> str | None:
    """Why the page cannot show ``name`` (None when it can). The address may name only a
    shipped village scenario, or the one the server was started with (which may be a path):
    a page never opens files the person running the server did not choose."""
    t = (lang or page_language()).gettext
    if name not in village_scenarios() and name != (os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO):
        return t(TEXT["no_such_scenario"]).format(name=name, names=", ".join(village_scenarios()))
    try:
        load_scenario(name)
    except ScenarioError as exc:
        return t(TEXT["cannot_open"]).format(name=name, problem=exc)
    return None


# The texts of the controls that sim/controls.py writes itself (the rest are the schema's), in English.
CONTROL_TEXT = {
    "seed": N_("Seed"),
    "seed_meaning": N_("random seed: the same seed gives the same villages and the same shocks"),
    "integer": N_("integer"),
    "allow": N_("Allow {form}"),
    "allow_meaning": N_("allow partnerships of this form: {label}"),
    "yes/no": N_("yes/no"),
    "money": N_("money"),  # the word a money unit starts with; the page puts the scenario's currency instead
    "shock": N_("{Kind} y{step}"),
    "shock_meaning": N_("the scheduled {kind} in year {step} ({where}, {duration} year(s))"),
    "all_districts": N_("all districts"),
    "district": N_("district {district}"),
    "header": N_("| control | sets | meaning | unit | this run |"),
    "yes": N_("yes"),
    "no": N_("no"),
    "changed": N_("(changed)"),
}


def translated_controls(controls: list[Control], params: dict, lang: Language) -> list[Control]:
    """The controls (``sim.controls.scenario_controls`` of a scenario with parameter tree
    ``params``) with their label, meaning and unit in ``lang``: the schema's texts from the
    catalogue, and the page's own (seed, allowed forms, scheduled shocks) from CONTROL_TEXT."""
    from sim.controls import PAGE_NOTES, declared

    t = lang.gettext
    out = []
    for c in controls:
        if c.name == "seed":
            out.append(replace(c, label=t(CONTROL_TEXT["seed"]), meaning=t(CONTROL_TEXT["seed_meaning"]),
                               unit=t(CONTROL_TEXT["integer"])))  # fmt: skip
            continue
        if c.name.startswith("allow_"):
            form = c.name[len("allow_") :]
            label = lang.label("text", params["forms"][form].get("label", _pretty(form)))
            out.append(replace(c, label=t(CONTROL_TEXT["allow"]).format(form=lang.label("form", form)),
                               meaning=t(CONTROL_TEXT["allow_meaning"]).format(label=label),
                               unit=t(CONTROL_TEXT["yes/no"])))  # fmt: skip
            continue
        p = declared(c.path)
        meaning = "; ".join(t(text) for text in (p.meaning, PAGE_NOTES.get(p.path)) if text)
        unit = t(p.unit)
        if p.money:
            unit = unit.replace(t(CONTROL_TEXT["money"]), lang.label("text", params["economy"]["currency"]))
        label = t(p.short_label)
        entry = _control_entry(c.path, params, lang)
        if entry is not None:
            label, meaning = f"{entry[0]}: {label}", f"{entry[1]}: {meaning}"
        out.append(replace(c, label=label, meaning=meaning, unit=unit))
    return out


def _control_entry(path: str, params: dict, lang: Language) -> tuple[str, str] | None:
    """The label prefix and the meaning prefix of a control of one form, service or scheduled
    shock (``sim.controls._entries``) in ``lang``; None for a key of no such entry."""
    t = lang.gettext
    parts = path.split(".")
    if parts[0] in ("forms", "services") and len(parts) == 3:
        kind = "form" if parts[0] == "forms" else "service"
        return lang.label(kind, parts[1]), lang.label(
            "text", params[parts[0]][parts[1]].get("label", _pretty(parts[1]))
        )
    if path.startswith("shocks.scheduled.") and len(parts) == 4:
        event = params["shocks"]["scheduled"][int(parts[2])]
        kind = lang.label("shock", event["kind"])
        where = t(CONTROL_TEXT["all_districts"]) if event["district"] < 0 else t(CONTROL_TEXT["district"])
        label = t(CONTROL_TEXT["shock"]).format(Kind=kind[:1].upper() + kind[1:], step=event["step"])
        meaning = t(CONTROL_TEXT["shock_meaning"]).format(
            kind=kind, step=event["step"], where=where.format(district=event["district"]), duration=event["duration"]
        )
        return label, meaning
    return None


def translated_table(table: str, lang: Language) -> str:
    """The Markdown table of ``sim.controls.controls_table`` (its controls already translated)
    with its header and the values of its last column in ``lang``."""
    t = lang.gettext
    words = {"yes": t(CONTROL_TEXT["yes"]), "no": t(CONTROL_TEXT["no"])}

    def value(text: str) -> str:
        return words.get(text) or lang.localize(text)

    lines = table.split("\n")
    lines[0] = t(CONTROL_TEXT["header"])
    for i in range(2, len(lines)):
        head, _, last = lines[i].removesuffix(" |").rpartition(" | ")
        changed = re.fullmatch(r"\*\*(.*)\*\* \(changed\)", last)
        shown = f"**{value(changed.group(1))}** {t(CONTROL_TEXT['changed'])}" if changed else value(last)
        lines[i] = f"{head} | {shown} |"
    return "\n".join(lines)


# --- the map -----------------------------------------------------------------------------
def _shocks_this_year(model) -> np.ndarray:
    shocks = model.last_shocks  # None before the first year
    return shocks.crop if shocks is not None else np.zeros(model.state.n)


MAP_VARIABLES: dict[str, Colouring] = {  # what the page may colour the villages by
    c.label: c
    for c in (
        CONSUMPTION,
        Colouring(N_("savings per household (poverty lines)"), lambda m: m.state.wealth, "viridis", 0.0, None),
        Colouring(N_("agricultural expertise"), lambda m: m.state.expertise[:, 0], "viridis", 0.0, 1.0),
        Colouring(N_("drought or flood this year (share of output lost)"), _shocks_this_year, "YlOrBr", 0.0, 1.0),
        Colouring(N_("district"), lambda m: m.state.district, "tab10"),
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

    def __init__(self, model: VillageModel, variable: str = DEFAULT_VARIABLE, lang: Language | None = None):
        self.model, self.lang = model, lang or page_language()
        self.colouring = MAP_VARIABLES.get(variable, MAP_VARIABLES[DEFAULT_VARIABLE])
        self.figure = Figure(figsize=MAP_SIZE, layout="constrained")
        ax = self.figure.add_subplot()
        self.look = EXPLORER_MAP
        if self.lang.code != "en":
            self.look = replace(EXPLORER_MAP, translate=self.lang.gettext, form_label=self._form_label)
        self.drawn = village_map(ax, model, self.colouring, self.look)
        area = model.params["landscape"]["area_km"]
        ax.set_xlim(0, area)
        ax.set_ylim(0, area)
        ax.set_xlabel(self.lang.gettext(TEXT["km"]), fontsize=8)
        ax.tick_params(labelsize=7)
        self.title = ax.set_title(self._title(), fontsize=9)
        localize_ticks(self.figure, self.lang)
        self.live = LiveFigure(self.figure, [*self.drawn.changing(), self.title], MAP_DPI)
        self.year, self.image = None, b""

    def _form_label(self, name: str) -> str:
        return self.lang.label("form", name)

    def _title(self) -> str:
        m, lang = self.model, self.lang
        unit = lang.label("text", m.params["run"]["step_unit"])
        return lang.gettext(TEXT["map_title"]).format(scenario=m.scenario.name, unit=unit, year=m.steps)

    def png(self) -> bytes:
        """The map at the model's year, as PNG bytes (drawn again only when the year changed)."""
        if self.year != self.model.steps:
            first = self.year is None
            widened = first or update_village_map(self.drawn, self.model, self.colouring, self.look)
            self.title.set_text(self._title())
            self.image, self.year = self.live.png(full=first or widened), self.model.steps
        return self.image


def map_figure(model: VillageModel, variable: str = DEFAULT_VARIABLE) -> Figure:
    """The explorer's map of ``model`` now (a matplotlib figure; see :class:`LiveMap`)."""
    return LiveMap(model, variable).figure


def status_line(model: VillageModel, lang: Language | None = None) -> str:
    """One line saying which run is on the page."""
    lang = lang or page_language()
    t = lang.gettext
    forms = ", ".join(lang.label("form", f) for f in model.params["cooperation"]["forms"]) or t(TEXT["no_forms"])
    changed = len(getattr(model, "explorer_overrides", {}))
    rule = model.params["behaviour"]["rule"]
    line = t(TEXT["status"]).format(
        scenario=model.scenario.name,
        seed=model.seed,
        villages=model.state.n,
        unit=lang.label("text", model.params["run"]["step_unit"]),
        year=model.steps,
        horizon=model.horizon,
        forms=forms,
        rule=rule if lang.code == "en" else lang.label("rule", rule),
    )
    return line + (t(TEXT["status_changed"]).format(changed=changed) if changed else "")


@solara.component
def VillageMap(model):
    """The map, moved on whenever Mesa's controls step the model."""
    update_counter.get()  # Mesa's Step/Play bump this counter after each step
    lang = page_language()
    variable, set_variable = solara.use_state(DEFAULT_VARIABLE)
    live = solara.use_memo(lambda: LiveMap(model, variable, lang), [model, variable])
    shown = {lang.gettext(name): name for name in MAP_VARIABLES}  # what the list shows -> the colouring
    with solara.Column(gap="4px"):
        solara.Select(
            label=lang.gettext(TEXT["colour_by"]),
            values=list(shown),
            value=lang.gettext(variable),
            on_value=lambda chosen: set_variable(shown[chosen]),
            dense=True,
        )
        solara.Text(status_line(model, lang), classes=["kerjasama-status"])
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
    Panel({"mean_consumption": "black", "poverty_rate": "firebrick"}, N_("Welfare"), hline=(1.0, "poverty_line")),
    Panel({f"participation_{d}": DOMAIN_COLOURS[d] for d in DOMAIN_NAMES}, N_("Participation by domain"), (0, 1)),
    Panel({"mean_trust": "teal", "contribution_rate": "black"}, N_("Trust and contributions"), (0, 1)),
    Panel({"shock_intensity": "saddlebrown"}),
)


def panel_text(panel: Panel, lang: Language | None = None) -> tuple[str, dict[str, str], str]:
    """A panel's title, legend label per column and y-axis label, from the output registry
    (in ``lang``): with one unit the axis says it; with several each legend label carries its own."""
    lang = lang or page_language()
    for column in panel.columns:
        if outputs.measure_info(column) is None:
            raise KeyError(f"the output registry has no measure {column!r}")
    measures = {column: lang.measure(column) for column in panel.columns}
    units = list(dict.fromkeys(unit for _, unit in measures.values()))
    if len(units) == 1:
        labels = {column: label for column, (label, _) in measures.items()}
    else:
        labels = {column: f"{label} [{unit}]" for column, (label, unit) in measures.items()}
    title = lang.gettext(panel.title) if panel.title else next(iter(measures.values()))[0].capitalize()
    return title, labels, " / ".join(units)


class LivePlot:
    """One panel's plot of one model, year on the x axis from 0 to the horizon: a line per
    column, the reference line and the scheduled shocks (shaded years), each in the legend
    below the plot. Drawn once, then only its lines are drawn again each year (and all of it
    when a line leaves the y range, which then widens)."""

    def __init__(self, model: VillageModel, panel: Panel, scheduled=(), lang: Language | None = None):
        self.model, self.panel = model, panel
        lang = lang or page_language()
        title, labels, ylabel = panel_text(panel, lang)
        self.figure = Figure(figsize=PLOT_SIZE, layout="constrained")
        ax = self.ax = self.figure.add_subplot()
        self.lines = {
            column: ax.plot([], [], color=colour, lw=1.3, label=labels[column])[0]
            for column, colour in panel.columns.items()
        }
        if panel.hline is not None:
            value, key = panel.hline
            ax.axhline(value, color="firebrick", lw=0.8, ls=":", label=lang.gettext(TEXT[key]))
        shaded = set()
        for event in scheduled:
            kind = lang.label("shock", event["kind"])
            label = lang.gettext(TEXT["scheduled_shock"]).format(kind=kind) if event["kind"] not in shaded else None
            shaded.add(event["kind"])
            start = event["step"] - 0.5
            ax.axvspan(start, start + event["duration"], color="red", alpha=0.12, lw=0, label=label)
        ax.set_xlim(0, max(model.horizon, 1))
        ax.set_ylim(*(panel.ylim or (0.0, panel.top_per_village * model.state.n if panel.top_per_village else 1.0)))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(lang.label("text", model.params["run"]["step_unit"]), fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25, lw=0.5)
        self.figure.legend(loc="outside lower center", ncol=3, fontsize=7, frameon=False)
        localize_ticks(self.figure, lang)
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
    return Panel(columns, N_("Partnerships by form"), top_per_village=0.5)  # two villages or more in each


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
    lang = page_language()
    controls = solara.use_memo(lambda: page_controls(model.scenario_name, lang), [model.scenario_name])
    Text(page_controls_table(model, controls, lang))


def page_controls_table(model, controls: list[Control], lang: Language) -> str:
    """The page's table of the controls (``sim.controls.controls_table``) in ``lang``."""
    table = controls_table(model, controls)
    return table if lang.code == "en" else translated_table(table, lang)


def scenario_links(current: str, lang: Language | None = None) -> str:
    """Markdown links to the page of each scenario (a link reloads the page with it)."""
    links = [f"**{n}**" if n == current else f"[{n}](?scenario={quote(n)})" for n in village_scenarios()]
    if current not in village_scenarios():
        links.insert(0, f"**{current}**")
    return (lang or page_language()).gettext(TEXT["scenario_links"]).format(links=" · ".join(links))


@solara.component
def Page():
    """The explorer page (what ``solara run sim.app`` serves)."""
    lang = page_language()
    requested = start_scenario(solara.use_router().search)
    problem = solara.use_memo(lambda: _check_scenario(requested, lang), [requested])
    name = DEFAULT_SCENARIO if problem else requested
    start = solara.use_memo(lambda: ExplorerModel(scenario_name=name), [name])
    model = solara.use_reactive(start)
    params = solara.use_memo(lambda: model_params(name, lang), [name])
    components = solara.use_memo(lambda: plot_components(start.scenario), [name])
    title = lang.gettext(TITLE)
    solara.Title(title)
    solara.Style(CSS)
    if problem:
        solara.Error(lang.gettext(TEXT["showing_default"]).format(problem=problem))
    with solara.Row(gap="24px", style={"flex-wrap": "wrap", "align-items": "flex-start", "padding": "0 12px"}):
        with solara.Column(style={"flex": "0 1 600px", "min-width": "420px"}):
            VillageMap(model.value)  # Page re-renders when Reset builds a new model
        with solara.Column(style={"flex": "1 1 360px"}):
            Text(lang.gettext(ABOUT))
            Text(scenario_links(name, lang))
    with solara.Details(lang.gettext(TEXT["controls_details"]), expand=False):
        ControlsTable(model.value)
    SolaraViz(model, components=components, model_params=params, name=title)


def serve(scenario: str = DEFAULT_SCENARIO, host: str = "127.0.0.1", port: int = 8765, lang: str = "en") -> int:
    """Serve the explorer (blocking) with Solara's server in production mode, its texts in ``lang``."""
    import click
    from solara.__main__ import run

    os.environ[SCENARIO_ENV] = str(scenario)
    os.environ[LANG_ENV] = lang
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
