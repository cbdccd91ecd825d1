"""Grid designs (per measure, a heatmap over the first two factors, or a line over a single
factor, with a table of means) and LHS designs (Spearman rank correlations of every measure
with every factor, and scatter plots)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import measures
from sim.report.document import slug
from sim.report.results import CONFIDENCE, Context
from sim.report.wording import decimals, interval, label, listing, number, p_value, say, tick
from sim.sweep import analysis
from sim.sweep.analysis import as_float


def grid_section(ctx: Context) -> None:
    """The body of a grid report."""
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("factors") or {}) if f in runs.columns]
    if not factors:
        doc.para(say("no_factors"))
        return
    reps = int(runs.groupby("point").size().max()) if "point" in runs.columns else 1
    if len(factors) == 1:
        _grid_one(ctx, factors[0], reps)
        return
    x, y = factors[0], factors[1]
    if len(factors) > 2:
        doc.para(say("grid_cells.more_factors", replicates=reps, x=x, y=y, others=listing(factors[2:])))
    else:
        doc.para(say("grid_cells", replicates=reps, x=x, y=y))
    for metric in ctx.metrics:
        doc.heading(2, measures.title(metric))
        _heatmap(ctx, metric, x, y)


def _heat_colours(metric: str) -> str:
    """Red (worse) to green (better) when the measure has a better direction."""
    return {"higher": "RdYlGn", "lower": "RdYlGn_r"}.get(measures.better(metric), "viridis")


def _heatmap(ctx: Context, metric: str, x: str, y: str) -> None:
    """A measure's mean per cell of the first two factors: a heatmap and the same numbers as a table."""
    pivot = analysis.grid_means(ctx.runs, metric, x, y)
    values = pivot.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    d = decimals(float(np.mean(np.abs(finite))) if finite.size else math.nan)
    fig, ax = plt.subplots(
        figsize=(1.4 + 0.95 * len(pivot.columns), 1.4 + 0.7 * len(pivot.index)), constrained_layout=True
    )
    image = ax.imshow(values, cmap=_heat_colours(metric), origin="lower", aspect="auto")
    norm, cmap = image.norm, image.cmap
    for (i, j), v in np.ndenumerate(values):
        colour = "k"
        if math.isfinite(v):
            r, g, b, _ = cmap(norm(v))
            colour = "w" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "k"  # light text on dark cells
        ax.text(j, i, number(v, d), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(len(pivot.columns)), [tick(v) for v in pivot.columns])
    ax.set_yticks(range(len(pivot.index)), [tick(v) for v in pivot.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    measure, unit = measures.label(metric), measures.unit(metric)
    fig.colorbar(image, ax=ax, label=unit or measure, shrink=0.9)
    ax.set_title(label("grid_title", measure=measure), fontsize=10)
    ctx.save(fig, f"grid_{slug(metric)}", say("grid_caption", measure=measure, x=x, y=y))
    header = [label("grid_corner", x=x, y=y), *(tick(v) for v in pivot.columns)]
    rows = [[tick(idx), *(number(v, d) for v in pivot.loc[idx].to_numpy(dtype=float))] for idx in pivot.index]
    ctx.doc.table(header, rows)


def _grid_one(ctx: Context, factor: str, reps: int) -> None:
    """One factor: per measure, the mean over replicates at each value with its 95 % interval."""
    runs, doc = ctx.runs, ctx.doc
    doc.para(say("grid_one", factor=factor, replicates=reps))
    for metric in ctx.metrics:
        doc.heading(2, measures.title(metric))
        stats_rows = []
        for value, group in runs.groupby(factor, sort=True):
            n, mean, low, high = analysis.mean_ci(group[metric], CONFIDENCE)
            stats_rows.append((value, n, mean, low, high))
        xs = np.array([float(r[0]) for r in stats_rows])
        means = np.array([r[2] for r in stats_rows], dtype=float)
        lows = np.array([r[3] for r in stats_rows], dtype=float)
        highs = np.array([r[4] for r in stats_rows], dtype=float)
        fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
        ax.plot(xs, means, "o-", color="k")
        ax.fill_between(xs, lows, highs, color="k", alpha=0.15, lw=0)
        measure, unit = measures.label(metric), measures.unit(metric)
        ax.set_xlabel(factor)
        ax.set_ylabel(unit or measure)
        ax.set_title(label("ci_title", measure=measure), fontsize=10)
        ctx.save(fig, f"grid_{slug(metric)}", say("grid_one_caption", measure=measure, factor=factor))
        doc.table(
            [factor, label("col.n"), label("col.mean")],
            [[tick(r[0]), str(r[1]), interval(r[2], r[3], r[4])] for r in stats_rows],
        )


# ----------------------------------------------------------------------------- lhs


def lhs_section(ctx: Context) -> None:
    """The body of an LHS report: a table of rank correlations, then a scatter figure per measure."""
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("ranges") or {}) if f in runs.columns]
    if not factors:
        doc.para(say("no_factors"))
        return
    points = analysis.point_means(runs, [*factors, *ctx.metrics]) if "point" in runs.columns else runs
    doc.para(say("lhs_correlations", points=len(points)))
    corr = analysis.rank_correlations(points, ctx.metrics, factors)
    header = [label("col.factor"), *(measures.label(m) for m in ctx.metrics)]
    rows = []
    for factor in factors:
        cells = [factor]
        for metric in ctx.metrics:
            r = _correlation(corr, metric, factor)
            rho = (
                label("n/a")
                if not math.isfinite(r["rho"])
                else label("rho_p", rho=number(r["rho"], 2), p=p_value(r["p_value"]))
            )
            cells.append(rho)
        rows.append(cells)
    doc.heading(2, label("correlations"))
    doc.table(header, rows)
    for metric in ctx.metrics:
        doc.heading(2, measures.title(metric))
        _scatter_figure(ctx, metric, factors, corr)


def _correlation(corr: pd.DataFrame, metric: str, factor: str) -> pd.Series:
    return corr[(corr["metric"] == metric) & (corr["factor"] == factor)].iloc[0]


def _scatter_figure(ctx: Context, metric: str, factors: list[str], corr: pd.DataFrame) -> None:
    """A measure against each factor, one dot per run, with the rank correlation in each panel's title."""
    runs = ctx.runs
    measure, unit = measures.label(metric), measures.unit(metric)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), constrained_layout=True, squeeze=False, sharey=True
    )
    y = as_float(runs[metric])
    for ax, factor in zip(axes.ravel(), factors, strict=False):
        ax.scatter(as_float(runs[factor]), y, s=12, alpha=0.55, color="tab:blue", edgecolor="none")
        r = _correlation(corr, metric, factor)
        rho = label("n/a") if not math.isfinite(r["rho"]) else number(r["rho"], 2)
        ax.set_title(label("rho", rho=rho), fontsize=9)
        ax.set_xlabel(factor, fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel(unit or measure)
    for ax in axes.ravel()[len(factors) :]:
        ax.axis("off")
    fig.suptitle(label("lhs_title", measure=measure))
    ctx.save(fig, f"lhs_{slug(metric)}", say("lhs_caption", measure=measure))
