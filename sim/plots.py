"""Figures of one run: welfare, cooperation, resilience against the counterfactual, and a map.

All functions take the per-step table (and the model for the map) and write PNGs
with matplotlib's non-interactive backend. The map is drawn by ``sim/village_map.py``,
which the explorer uses too. Every figure, here and in the sweep report, is written by
:func:`save_png`, so the same figure is the same bytes whoever draws it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from sim import render  # noqa: E402
from sim.domains import DOMAIN_NAMES  # noqa: E402
from sim.i18n import N_, Language, language  # noqa: E402
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


# Every text of the figures, in English; a figure shows them in its language (``sim/i18n.py``).
TEXT = {
    "mean_consumption": N_("mean consumption"),
    "median_consumption": N_("median consumption"),
    "poverty_line": N_("poverty line"),
    "step_year": N_("step (year)"),
    "consumption_axis": N_("consumption per household (poverty lines)"),
    "poverty_rate": N_("poverty rate"),
    "food_insecurity_rate": N_("food-insecurity rate"),
    "gini": N_("Gini of consumption"),
    "shares_axis": N_("share of households / Gini"),
    "welfare_title": N_("Welfare - {scenario}"),
    "participation_axis": N_("share of villages in a partnership"),
    "participation_title": N_("participation by domain"),
    "partnerships_axis": N_("active partnerships"),
    "partnerships_title": N_("partnerships by form"),
    "contribution_rate": N_("contribution rate"),
    "mean_trust": N_("mean trust"),
    "identity": N_("shared identity"),
    "behaviour_title": N_("behaviour inside partnerships"),
    "cooperation_title": N_("Cooperation - {scenario}"),
    "without_shock": N_("same run without the shock"),
    "with_shock": N_("with the shock"),
    "welfare_lost": N_("welfare lost"),
    "resilience_numbers": N_("resistance {resistance}   recovery {recovery}   loss {loss}   robustness {robustness}"),
    "not_recovered": N_("not recovered"),
    "recovery_steps": N_("{steps} steps"),
    "hit_axis": N_("consumption per household, villages hit"),
    "resilience_title": N_("Resilience to the scheduled shock - {scenario}"),
    "km": N_("km"),
    "ties_legend": N_("partnership ties"),
    "map_title": N_("Villages and partnerships at step {step} - {scenario}"),
}
ENGLISH = language("en")


class _LocaleTicks(ScalarFormatter):
    """matplotlib's tick numbers in a language's symbols ("0,2" in Indonesian)."""

    def __init__(self, lang: Language):
        super().__init__()
        self.lang = lang

    def __call__(self, x, pos=None) -> str:
        return self.lang.localize(super().__call__(x, pos))


def localize_ticks(fig, lang: Language) -> None:
    """Write the numbers on every axis of ``fig`` (colour bars too) in ``lang``'s symbols;
    English keeps matplotlib's own."""
    if lang.code == "en":
        return
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(_LocaleTicks(lang))


def _form_name(name: str, lang: Language) -> str:
    """A form's name in a figure's legend: "long-term" in English, translated otherwise."""
    return name.replace("_", "-") if lang.code == "en" else lang.label("form", name)


def welfare_figure(df, title: str, scheduled: list[dict], lang: Language = ENGLISH):
    t = lang.gettext
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    ax = axes[0]
    ax.plot(df["step"], df["mean_consumption"], label=t(TEXT["mean_consumption"]), color="k")
    ax.plot(df["step"], df["median_consumption"], label=t(TEXT["median_consumption"]), color="0.5", ls="--")
    ax.axhline(1.0, color="firebrick", lw=0.8, ls=":", label=t(TEXT["poverty_line"]))
    ax.set_xlabel(t(TEXT["step_year"]))
    ax.set_ylabel(t(TEXT["consumption_axis"]))
    ax.legend(loc="lower right", fontsize=8)
    _shade_shocks(ax, scheduled)
    ax = axes[1]
    ax.plot(df["step"], df["poverty_rate"], label=t(TEXT["poverty_rate"]), color="firebrick")
    ax.plot(df["step"], df["food_insecurity_rate"], label=t(TEXT["food_insecurity_rate"]), color="darkorange")
    ax.plot(df["step"], df["gini"], label=t(TEXT["gini"]), color="purple")
    ax.set_ylim(0, 1)
    ax.set_xlabel(t(TEXT["step_year"]))
    ax.set_ylabel(t(TEXT["shares_axis"]))
    ax.legend(loc="upper right", fontsize=8)
    _shade_shocks(ax, scheduled)
    fig.suptitle(t(TEXT["welfare_title"]).format(scenario=title))
    return fig


def cooperation_figure(df, title: str, scheduled: list[dict], lang: Language = ENGLISH):
    t = lang.gettext
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    ax = axes[0]
    for name in DOMAIN_NAMES:
        ax.plot(df["step"], df[f"participation_{name}"], label=lang.label("domain", name), color=DOMAIN_COLOURS[name])
    ax.set_ylim(0, 1)
    ax.set_ylabel(t(TEXT["participation_axis"]))
    ax.set_title(t(TEXT["participation_title"]), fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    for name, colour in FORM_COLOURS.items():
        ax.plot(df["step"], df[f"partnerships_{name}"], label=_form_name(name, lang), color=colour)
    ax.set_ylabel(t(TEXT["partnerships_axis"]))
    ax.set_title(t(TEXT["partnerships_title"]), fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(df["step"], df["contribution_rate"], label=t(TEXT["contribution_rate"]), color="k")
    ax.plot(df["step"], df["mean_trust"], label=t(TEXT["mean_trust"]), color="teal")
    ax.plot(df["step"], df["mean_identity"], label=t(TEXT["identity"]), color="olive")
    ax.set_ylim(0, 1)
    ax.set_title(t(TEXT["behaviour_title"]), fontsize=10)
    ax.legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel(t(TEXT["step_year"]))
        _shade_shocks(ax, scheduled)
    fig.suptitle(t(TEXT["cooperation_title"]).format(scenario=title))
    return fig


def resilience_figure(df, title: str, summary: dict, shock_step: int, lang: Language = ENGLISH):
    t = lang.gettext
    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    w = df["affected_mean_consumption"].to_numpy()
    c = df["counterfactual_affected_mean_consumption"].to_numpy()
    steps = df["step"].to_numpy()
    ax.plot(steps, c, color="0.4", ls="--", label=t(TEXT["without_shock"]))
    ax.plot(steps, w, color="k", label=t(TEXT["with_shock"]))
    ax.fill_between(
        steps, w, c, where=(c > w) & (steps >= shock_step), color="firebrick", alpha=0.3, label=t(TEXT["welfare_lost"])
    )
    ax.axvline(shock_step, color="red", lw=0.8)
    recovery = summary.get("resilience.recovery_steps")
    shown = {key: lang.localize(f"{summary[f'resilience.{key}']:.2f}") for key in ("resistance", "loss", "robustness")}
    text = t(TEXT["resilience_numbers"]).format(
        recovery=t(TEXT["not_recovered"]) if recovery is None else t(TEXT["recovery_steps"]).format(steps=recovery),
        **shown,
    )
    ax.set_title(text, fontsize=9)
    ax.set_xlabel(t(TEXT["step_year"]))
    ax.set_ylabel(t(TEXT["hit_axis"]))
    ax.legend(fontsize=8)
    fig.suptitle(t(TEXT["resilience_title"]).format(scenario=title))
    return fig


CLI_MAP = Look(
    tie_alpha=0.7,
    dot_base=15.0,
    dot_scale=60.0,
    colorbar_shrink=0.8,
    form_label=lambda name: name.replace("_", "-"),
    legend={"fontsize": 8, "loc": "upper right", "title": "partnership ties", "title_fontsize": 8},
)


def map_figure(model, title: str, lang: Language = ENGLISH):
    """Villages at their positions, sized by households, coloured by consumption,
    with partnership ties coloured by form (``sim/village_map.py``)."""
    t = lang.gettext
    fig, ax = plt.subplots(figsize=(7, 6.2), constrained_layout=True)
    look = CLI_MAP
    if lang.code != "en":
        legend = {**CLI_MAP.legend, "title": t(TEXT["ties_legend"])}
        look = replace(CLI_MAP, form_label=lambda name: _form_name(name, lang), legend=legend, translate=t)
    village_map(ax, model, CONSUMPTION, look)
    ax.set_xlabel(t(TEXT["km"]))
    ax.set_ylabel(t(TEXT["km"]))
    ax.set_title(t(TEXT["map_title"]).format(step=model.steps, scenario=title), fontsize=10)
    return fig


def run_figures(model, summary: dict, folder: Path, lang: Language = ENGLISH) -> list[Path]:
    """All figures of one run into ``folder``, their texts in ``lang``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    df = model.timeseries()
    title = model.scenario.name
    scheduled = model.params["shocks"]["scheduled"]
    pending = [
        (welfare_figure(df, title, scheduled, lang), folder / "welfare.png"),
        (cooperation_figure(df, title, scheduled, lang), folder / "cooperation.png"),
        (map_figure(model, title, lang), folder / "map.png"),
    ]
    if summary.get("resilience.resistance") is not None:
        pending.append((resilience_figure(df, title, summary, model.shock_step, lang), folder / "resilience.png"))
    for fig, _ in pending:
        localize_ticks(fig, lang)
    render.save_all(pending, save_png)  # on all cores: rendering is most of a run's figure time
    return [path for _, path in pending]
