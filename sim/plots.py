"""Figures of one run: welfare, cooperation, resilience against the counterfactual, and a map.

All functions take the per-step table (and the model for the map) and write PNGs
with matplotlib's non-interactive backend. The map is drawn by ``sim/village_map.py``,
which the explorer uses too. Every figure, here and in the sweep report, is written by
:func:`save_png`, so the same figure is the same bytes whoever draws it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim import render  # noqa: E402
from sim.domains import DOMAIN_NAMES  # noqa: E402
from sim.village_map import CONSUMPTION, FORM_COLOURS, Look, village_map  # noqa: E402

DOMAIN_COLOURS = {"agriculture": "#8c564b", "services": "#17becf", "infrastructure": "#7f7f7f"}
DPI = 110  # figure resolution, dots per inch
# matplotlib tags a PNG with its own version ("Software"); without the tag a figure's bytes depend
# only on what it shows, so a committed figure changes when the picture does, not with an upgrade
PNG_METADATA = {"Software": None}


def save_png(fig, path) -> None:
    """Write ``fig`` as a PNG to ``path`` (a file name or an open binary file): DPI dots per inch,
    no metadata that changes between machines or versions (the run's manifest records those)."""
    fig.savefig(path, format="png", dpi=DPI, metadata=PNG_METADATA)


def _shade_shocks(ax, scheduled: list[dict]) -> None:
    for event in scheduled:
        ax.axvspan(event["step"] - 0.5, event["step"] + event["duration"] - 0.5, color="red", alpha=0.12, lw=0)


def welfare_figure(df, title: str, scheduled: list[dict]):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    ax = axes[0]
    ax.plot(df["step"], df["mean_consumption"], label="mean consumption", color="k")
    ax.plot(df["step"], df["median_consumption"], label="median consumption", color="0.5", ls="--")
    ax.axhline(1.0, color="firebrick", lw=0.8, ls=":", label="poverty line")
    ax.set_xlabel("step (year)")
    ax.set_ylabel("consumption per household (poverty lines)")
    ax.legend(loc="lower right", fontsize=8)
    _shade_shocks(ax, scheduled)
    ax = axes[1]
    ax.plot(df["step"], df["poverty_rate"], label="poverty rate", color="firebrick")
    ax.plot(df["step"], df["food_insecurity_rate"], label="food-insecurity rate", color="darkorange")
    ax.plot(df["step"], df["gini"], label="Gini of consumption", color="purple")
    ax.set_ylim(0, 1)
    ax.set_xlabel("step (year)")
    ax.set_ylabel("share of households / Gini")
    ax.legend(loc="upper right", fontsize=8)
    _shade_shocks(ax, scheduled)
    fig.suptitle(f"Welfare - {title}")
    return fig


def cooperation_figure(df, title: str, scheduled: list[dict]):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    ax = axes[0]
    for name in DOMAIN_NAMES:
        ax.plot(df["step"], df[f"participation_{name}"], label=name, color=DOMAIN_COLOURS[name])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of villages in a partnership")
    ax.set_title("participation by domain", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    for name, colour in FORM_COLOURS.items():
        ax.plot(df["step"], df[f"partnerships_{name}"], label=name.replace("_", "-"), color=colour)
    ax.set_ylabel("active partnerships")
    ax.set_title("partnerships by form", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(df["step"], df["contribution_rate"], label="contribution rate", color="k")
    ax.plot(df["step"], df["mean_trust"], label="mean trust", color="teal")
    ax.plot(df["step"], df["mean_identity"], label="shared identity", color="olive")
    ax.set_ylim(0, 1)
    ax.set_title("behaviour inside partnerships", fontsize=10)
    ax.legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("step (year)")
        _shade_shocks(ax, scheduled)
    fig.suptitle(f"Cooperation - {title}")
    return fig


def resilience_figure(df, title: str, summary: dict, shock_step: int):
    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    w = df["affected_mean_consumption"].to_numpy()
    c = df["counterfactual_affected_mean_consumption"].to_numpy()
    steps = df["step"].to_numpy()
    ax.plot(steps, c, color="0.4", ls="--", label="same run without the shock")
    ax.plot(steps, w, color="k", label="with the shock")
    ax.fill_between(
        steps, w, c, where=(c > w) & (steps >= shock_step), color="firebrick", alpha=0.3, label="welfare lost"
    )
    ax.axvline(shock_step, color="red", lw=0.8)
    recovery = summary.get("resilience.recovery_steps")
    text = (
        f"resistance {summary['resilience.resistance']:.2f}   "
        f"recovery {'not recovered' if recovery is None else f'{recovery} steps'}   "
        f"loss {summary['resilience.loss']:.2f}   robustness {summary['resilience.robustness']:.2f}"
    )
    ax.set_title(text, fontsize=9)
    ax.set_xlabel("step (year)")
    ax.set_ylabel("consumption per household, villages hit")
    ax.legend(fontsize=8)
    fig.suptitle(f"Resilience to the scheduled shock - {title}")
    return fig


CLI_MAP = Look(
    tie_alpha=0.7,
    dot_base=15.0,
    dot_scale=60.0,
    colorbar_shrink=0.8,
    form_label=lambda name: name.replace("_", "-"),
    legend={"fontsize": 8, "loc": "upper right", "title": "partnership ties", "title_fontsize": 8},
)


def map_figure(model, title: str):
    """Villages at their positions, sized by households, coloured by consumption,
    with partnership ties coloured by form (``sim/village_map.py``)."""
    fig, ax = plt.subplots(figsize=(7, 6.2), constrained_layout=True)
    village_map(ax, model, CONSUMPTION, CLI_MAP)
    ax.set_xlabel("km")
    ax.set_ylabel("km")
    ax.set_title(f"Villages and partnerships at step {model.steps} - {title}", fontsize=10)
    return fig


def run_figures(model, summary: dict, folder: Path) -> list[Path]:
    """All figures of one run into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    df = model.timeseries()
    title = model.scenario.name
    scheduled = model.params["shocks"]["scheduled"]
    pending = [
        (welfare_figure(df, title, scheduled), folder / "welfare.png"),
        (cooperation_figure(df, title, scheduled), folder / "cooperation.png"),
        (map_figure(model, title), folder / "map.png"),
    ]
    if summary.get("resilience.resistance") is not None:
        pending.append((resilience_figure(df, title, summary, model.shock_step), folder / "resilience.png"))
    render.save_all(pending, save_png)  # on all cores: rendering is most of a run's figure time
    return [path for _, path in pending]
