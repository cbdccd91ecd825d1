"""Grid designs (a heatmap or a line per metric over the factors) and LHS designs (rank correlations, scatter plots)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from sim.report.document import _slug
from sim.report.results import CONFIDENCE, _Context
from sim.report.wording import _ci_text, _metric_title, _p_text, _tick, _upper_first
from sim.sweep import analysis
from sim.sweep.analysis import as_float, decimals, fmt, metric_info


def _heat_colours(metric: str) -> str:
    better = metric_info(metric)[2]
    return {"higher": "RdYlGn", "lower": "RdYlGn_r"}.get(better, "viridis")


def _grid(ctx: _Context) -> None:
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("factors") or {}) if f in runs.columns]
    if not factors:
        doc.para("No factor columns found in runs.parquet: nothing to draw.")
        return
    reps = int(runs.groupby("point").size().max()) if "point" in runs.columns else 1
    if len(factors) == 1:
        _grid_one(ctx, factors[0], reps)
        return
    x, y = factors[0], factors[1]
    text = (
        f"Each cell is the mean over the {reps} replicate(s) of that combination of {x} (columns) and {y} (rows); "
        "colours run from worse (red) to better (green) when the metric has a direction."
    )
    if len(factors) > 2:
        text += " Cells also average over the other factors: " + ", ".join(factors[2:]) + "."
    doc.para(text)
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        pivot = analysis.grid_means(runs, metric, x, y)
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
                colour = "w" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "k"
            ax.text(j, i, fmt(v, d), ha="center", va="center", fontsize=8, color=colour)
        ax.set_xticks(range(len(pivot.columns)), [_tick(v) for v in pivot.columns])
        ax.set_yticks(range(len(pivot.index)), [_tick(v) for v in pivot.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        label, unit, _ = metric_info(metric)
        fig.colorbar(image, ax=ax, label=unit or label, shrink=0.9)
        ax.set_title(f"{label}: mean over replicates", fontsize=10)
        ctx.save(fig, f"grid_{_slug(metric)}", f"{_upper_first(label)} over {x} and {y} (mean over replicates).")
        header = [f"{y} \\ {x}", *(_tick(v) for v in pivot.columns)]
        rows = [[_tick(idx), *(fmt(v, d) for v in pivot.loc[idx].to_numpy(dtype=float))] for idx in pivot.index]
        doc.table(header, rows)


def _grid_one(ctx: _Context, factor: str, reps: int) -> None:
    runs, doc = ctx.runs, ctx.doc
    doc.para(f"One factor, {factor}: each value shows the mean over its {reps} replicate(s) with a 95 % CI.")
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
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
        label, unit, _ = metric_info(metric)
        ax.set_xlabel(factor)
        ax.set_ylabel(unit or label)
        ax.set_title(f"{label}: mean with 95 % CI", fontsize=10)
        ctx.save(
            fig,
            f"grid_{_slug(metric)}",
            f"{_upper_first(label)} against {factor} (mean over replicates, 95 % CI band).",
        )
        doc.table(
            [factor, "n", "mean [95 % CI]"], [[_tick(r[0]), str(r[1]), _ci_text(r[2], r[3], r[4])] for r in stats_rows]
        )


# ----------------------------------------------------------------------------- lhs


def _lhs(ctx: _Context) -> None:
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("ranges") or {}) if f in runs.columns]
    if not factors:
        doc.para("No factor columns found in runs.parquet: nothing to draw.")
        return
    points = analysis.point_means(runs, [*factors, *ctx.metrics]) if "point" in runs.columns else runs
    doc.para(
        "Spearman's rank correlation ρ measures how consistently a metric rises (ρ > 0) or falls (ρ < 0) "
        f"as one factor grows across the {len(points)} sampled design points (metrics averaged over the "
        "replicates of each point). It ignores interactions, and with many factors and metrics a few "
        "small p-values are expected by chance."
    )
    corr = analysis.rank_correlations(points, ctx.metrics, factors)
    header = ["factor", *(metric_info(m)[0] for m in ctx.metrics)]
    rows = []
    for factor in factors:
        cells = [factor]
        for metric in ctx.metrics:
            r = corr[(corr["metric"] == metric) & (corr["factor"] == factor)].iloc[0]
            cells.append("n/a" if not math.isfinite(r["rho"]) else f"{fmt(r['rho'], 2)} (p {_p_text(r['p_value'])})")
        rows.append(cells)
    doc.heading(2, "Rank correlations (Spearman ρ, p)")
    doc.table(header, rows)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    for metric in ctx.metrics:
        label, unit, _ = metric_info(metric)
        doc.heading(2, _metric_title(metric))
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), constrained_layout=True, squeeze=False, sharey=True
        )
        y = as_float(runs[metric])
        for ax, factor in zip(axes.ravel(), factors, strict=False):
            ax.scatter(as_float(runs[factor]), y, s=12, alpha=0.55, color="tab:blue", edgecolor="none")
            r = corr[(corr["metric"] == metric) & (corr["factor"] == factor)].iloc[0]
            rho = "n/a" if not math.isfinite(r["rho"]) else fmt(r["rho"], 2)
            ax.set_title(f"ρ = {rho}", fontsize=9)
            ax.set_xlabel(factor, fontsize=8)
        for ax in axes[:, 0]:
            ax.set_ylabel(unit or label)
        for ax in axes.ravel()[len(factors) :]:
            ax.axis("off")
        fig.suptitle(f"{_upper_first(label)} against each factor (one dot per run)")
        ctx.save(
            fig,
            f"lhs_{_slug(metric)}",
            f"{_upper_first(label)} against each sampled factor (one dot per run); ρ: Spearman rank correlation.",
        )
