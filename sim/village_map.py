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

FORM_COLOURS = {"formal": "#1f77b4", "informal": "#2ca02c", "long_term": "#9467bd", "temporary": "#ff7f0e"}
EXTRA_COLOURS = ("#d62728", "#e377c2", "#bcbd22", "#8c564b", "#17becf", "#7f7f7f")  # forms a scenario adds
NATIONAL_SCALE = 5000  # villages above which every village is one small dot and ties are thin, drawn as an image
HOST_STAR = {"s": 90, "marker": "*", "color": "white", "edgecolor": "k", "linewidths": 0.6}
SERVED_RING = {"facecolors": "none", "edgecolors": "#1f4e9c", "linewidths": 1.2}


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


CONSUMPTION = Colouring("consumption per household (poverty lines)", lambda m: m.state.consumption, "RdYlGn", 0.5, 2.0)


@dataclass(frozen=True)
class Look:
    """How one figure draws the map. A village's dot has an area (points²) of ``dot_base``
    plus ``dot_scale`` times its households over the largest village's (at national scale,
    ``national_dot`` for every village). ``markers``: stars on hosts of shared services and
    rings on villages served by infrastructure. ``legend``: matplotlib ``legend`` keywords;
    ``form_label``: how a form's name reads in the legend."""

    tie_alpha: float
    dot_base: float
    dot_scale: float
    colorbar_shrink: float
    markers: bool = False
    form_label: Callable[[str], str] = lambda name: name.replace("_", " ")
    legend: dict = field(default_factory=dict)
    national_dot: float = 2.0


def draw_ties(ax, model, colours: dict[str, str], alpha: float) -> np.ndarray:
    """Draw each partnership as lines from its hub (largest member) to the other members,
    coloured by form: one line per form broken by NaNs, fast at any size (thin and drawn as
    an image at national scale). Returns the hubs of the partnerships sharing services."""
    s = model.state
    large = s.n > NATIONAL_SCALE
    hub, member, form, hosts = model.partnership_ties()
    for index, f in enumerate(model.form_list):
        lines = form == index
        if lines.any():
            gap = np.full(lines.sum(), np.nan)
            xs = np.column_stack([s.x[hub[lines]], s.x[member[lines]], gap]).ravel()
            ys = np.column_stack([s.y[hub[lines]], s.y[member[lines]], gap]).ravel()
            colour = colours.get(f.name, "k")
            ax.plot(xs, ys, color=colour, lw=0.3 if large else 1.0, alpha=alpha, zorder=1, rasterized=large)
    return hosts


def village_map(ax, model, colouring: Colouring, look: Look) -> None:
    """Draw the villages of ``model`` now, their partnerships and (with ``look.markers``)
    hosts and infrastructure served on ``ax``, with a colour bar for ``colouring`` and a
    legend of the forms (``model.form_names``). The axes keep equal scales in km."""
    s = model.state
    large = s.n > NATIONAL_SCALE
    colours = form_colours(model.form_names)
    hosts = draw_ties(ax, model, colours, alpha=look.tie_alpha)
    size = look.national_dot if large else look.dot_base + look.dot_scale * s.households / s.households.max()
    points = ax.scatter(
        s.x, s.y, s=size, c=colouring.values(model), cmap=colouring.cmap, vmin=colouring.vmin, vmax=colouring.vmax,
        zorder=2, edgecolor="none" if large else "k", linewidths=0.3, rasterized=large,
    )  # fmt: skip
    ax.figure.colorbar(points, ax=ax, label=colouring.label, shrink=look.colorbar_shrink)
    for name in model.form_names:
        ax.plot([], [], color=colours[name], label=look.form_label(name))
    if look.markers:
        served = np.flatnonzero(s.served_until > model.steps)
        if served.size:
            ring = np.broadcast_to(size, s.x.shape)[served] + 60
            ax.scatter(s.x[served], s.y[served], s=ring, zorder=3, **SERVED_RING)
        if hosts.size:
            ax.scatter(s.x[hosts], s.y[hosts], zorder=4, **HOST_STAR)
        ax.scatter([], [], label="hosts shared services", **HOST_STAR)
        ax.scatter([], [], s=60, label="served by infrastructure", **SERVED_RING)
    ax.legend(**look.legend)
    ax.set_aspect("equal")
