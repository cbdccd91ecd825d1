"""The map of the villages, drawn once for the run figures (``sim/plots.py``) and the explorer (``sim/app.py``).

Villages sit at their coordinates (km), sized by their number of households and coloured
by one value per village (a :class:`Colouring`); each partnership is drawn as lines from
its hub (its largest member) to the other members, coloured by form. The explorer also
marks the villages hosting services shared with their partners (stars) and the villages
served by a built infrastructure project (rings). What differs between the two figures
(sizes, transparency, markers, legend placement) is a :class:`Look`; titles, axis labels
and limits are the figure's own.

Plain matplotlib on a given ``Axes``: no pyplot state, no Solara, no Mesa visualisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.i18n import N_

FORM_COLOURS = {"formal": "#1f77b4", "informal": "#2ca02c", "long_term": "#9467bd", "temporary": "#ff7f0e"}
EXTRA_COLOURS = ("#d62728", "#e377c2", "#bcbd22", "#8c564b", "#17becf", "#7f7f7f")  # forms a scenario adds
NATIONAL_SCALE = 5000  # villages above which every village is one small dot and ties are thin, drawn as an image
HOST_STAR = {"s": 90, "marker": "*", "color": "white", "edgecolor": "k", "linewidths": 0.6}
SERVED_RING = {"facecolors": "none", "edgecolors": "#1f4e9c", "linewidths": 1.2}
# the markers' legend entries (the explorer's map)
VILLAGE_LABEL = N_("village (dot area: households)")
HOST_LABEL = N_("hosts shared services")
SERVED_LABEL = N_("served by infrastructure")


def form_colours(names: Iterable[str]) -> dict[str, str]:
    """A colour per form: the project's colours for the four standard forms, then others."""
    extra = iter(EXTRA_COLOURS * 4)
    return {name: FORM_COLOURS.get(name) or next(extra) for name in names}


@dataclass(frozen=True)
class Colouring:
    """What colours the villages: one value per village (``values(model)``), in the unit its
    ``label`` names (the colour bar's label), on the colour map ``cmap`` from ``vmin`` to
    ``vmax`` (None: the values' own minimum or maximum)."""

    label: str
    values: Callable[[Any], np.ndarray]
    cmap: str
    vmin: float | None = None
    vmax: float | None = None


CONSUMPTION = Colouring(
    N_("consumption per household (poverty lines)"), lambda m: m.state.consumption, "RdYlGn", 0.5, 2.0
)


@dataclass(frozen=True)
class Look:
    """How one figure draws the map. A village's dot has an area (points²) of ``dot_base``
    plus ``dot_scale`` times its households over the largest village's (at national scale,
    ``national_dot`` for every village). ``markers``: stars on hosts of shared services and
    rings on villages served by infrastructure. ``legend``: matplotlib ``legend`` keywords;
    ``form_label``: how a form's name reads in the legend; ``translate``: how the map's own
    texts (the markers' legend entries, the colour bar's label) read in the figure's language
    (``Language.gettext``, ``sim/i18n.py``)."""

    tie_alpha: float
    dot_base: float
    dot_scale: float
    colorbar_shrink: float
    markers: bool = False
    form_label: Callable[[str], str] = lambda name: name.replace("_", " ")
    legend: dict = field(default_factory=dict)
    national_dot: float = 2.0
    translate: Callable[[str], str] = lambda text: text


def _tie_lines(model, lines: np.ndarray, hub: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of the ties selected by ``lines``: hub -> member segments separated by NaNs."""
    s = model.state
    gap = np.full(lines.sum(), np.nan)
    xs = np.column_stack([s.x[hub[lines]], s.x[member[lines]], gap]).ravel()
    ys = np.column_stack([s.y[hub[lines]], s.y[member[lines]], gap]).ravel()
    return xs, ys


def draw_ties(ax, model, colours: dict[str, str], alpha: float) -> tuple[dict[str, Any], np.ndarray]:
    """Draw each partnership as lines from its hub (largest member) to the other members,
    coloured by form: one line per form (of ``model.form_list``, empty when the form has no
    partnership now) broken by NaNs, fast at any size (thin and drawn as an image at national
    scale). Returns each form's line and the hubs of the partnerships sharing services."""
    large = model.state.n > NATIONAL_SCALE
    hub, member, form, hosts = model.partnership_ties()
    ties = {}
    for index, f in enumerate(model.form_list):
        xs, ys = _tie_lines(model, form == index, hub, member)
        colour = colours.get(f.name, "k")
        (ties[f.name],) = ax.plot(
            xs, ys, color=colour, lw=0.3 if large else 1.0, alpha=alpha, zorder=1, rasterized=large
        )
    return ties, hosts


@dataclass
class MapArtists:
    """What :func:`village_map` drew that changes from year to year: the ties (a line per
    form), the villages' dots, and (with markers) the rings of villages served by
    infrastructure and the stars of hosts of shared services. :func:`update_village_map`
    moves them to a later year of the same model without drawing the map again."""

    ties: dict[str, Any]
    villages: Any
    served: Any = None
    hosts: Any = None

    def changing(self) -> list:
        """The artists that change, in drawing order."""
        found = [*self.ties.values(), self.villages, self.served, self.hosts]
        return [a for a in found if a is not None]


def _sizes(model, look: Look) -> np.ndarray:
    """Each village's dot area (points²)."""
    s = model.state
    if s.n > NATIONAL_SCALE:
        return np.full(s.n, look.national_dot)
    return look.dot_base + look.dot_scale * s.households / s.households.max()


def _served(model) -> np.ndarray:
    return np.flatnonzero(model.state.served_until > model.steps)


def village_map(ax, model, colouring: Colouring, look: Look) -> MapArtists:
    """Draw the villages of ``model`` now, their partnerships and (with ``look.markers``)
    hosts and infrastructure served on ``ax``, with a colour bar for ``colouring`` and a
    legend of the forms (``model.form_names``). The axes keep equal scales in km. Returns
    the artists that change from year to year (for :func:`update_village_map`)."""
    s = model.state
    large = s.n > NATIONAL_SCALE
    colours = form_colours(model.form_names)
    ties, hosts = draw_ties(ax, model, colours, alpha=look.tie_alpha)
    size = _sizes(model, look)
    points = ax.scatter(
        s.x, s.y, s=size, c=colouring.values(model), cmap=colouring.cmap, vmin=colouring.vmin, vmax=colouring.vmax,
        zorder=2, edgecolor="none" if large else "k", linewidths=0.3, rasterized=large,
    )  # fmt: skip
    drawn = MapArtists(ties, points)
    ax.figure.colorbar(points, ax=ax, label=look.translate(colouring.label), shrink=look.colorbar_shrink)
    if look.markers:
        ax.scatter([], [], s=look.dot_base + look.dot_scale / 2, color="0.6", edgecolor="k", linewidths=0.3,
                   label=look.translate(VILLAGE_LABEL))  # fmt: skip
    for name in model.form_names:
        ax.plot([], [], color=colours[name], label=look.form_label(name))
    if look.markers:
        served = _served(model)
        drawn.served = ax.scatter(s.x[served], s.y[served], s=size[served] + 60, zorder=3, **SERVED_RING)
        drawn.hosts = ax.scatter(s.x[hosts], s.y[hosts], zorder=4, **HOST_STAR)
        ax.scatter([], [], label=look.translate(HOST_LABEL), **HOST_STAR)
        ax.scatter([], [], s=60, label=look.translate(SERVED_LABEL), **SERVED_RING)
    ax.legend(**look.legend)
    ax.set_aspect("equal")
    return drawn


def update_village_map(drawn: MapArtists, model, colouring: Colouring, look: Look) -> bool:
    """Move the map drawn by :func:`village_map` (with the same ``colouring`` and ``look``)
    to ``model`` now: ties, dots' sizes and colours, markers. Returns whether the colour
    bar's range had to widen (a colouring without fixed limits whose values left it), in
    which case the colour bar changed too."""
    s = model.state
    hub, member, form, hosts = model.partnership_ties()
    for index, f in enumerate(model.form_list):
        drawn.ties[f.name].set_data(*_tie_lines(model, form == index, hub, member))
    size = _sizes(model, look)
    values = np.asarray(colouring.values(model), dtype=float)
    drawn.villages.set_sizes(size)
    drawn.villages.set_array(values)
    widened = False
    if (colouring.vmin is None or colouring.vmax is None) and values.size:
        lo, hi = drawn.villages.get_clim()
        new_lo = min(lo, np.nanmin(values)) if colouring.vmin is None else lo
        new_hi = max(hi, np.nanmax(values)) if colouring.vmax is None else hi
        if (new_lo, new_hi) != (lo, hi):
            drawn.villages.set_clim(new_lo, new_hi)
            widened = True
    if drawn.served is not None:
        served = _served(model)
        drawn.served.set_offsets(np.column_stack([s.x[served], s.y[served]]))
        drawn.served.set_sizes(size[served] + 60)
    if drawn.hosts is not None:
        drawn.hosts.set_offsets(np.column_stack([s.x[hosts], s.y[hosts]]))
    return widened
