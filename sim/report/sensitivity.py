"""Sobol and Morris designs: sensitivity indices with their intervals (SALib), as a table and a bar chart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report.document import _Doc, _slug
from sim.report.results import CONFIDENCE, _Context
from sim.report.wording import _ci_decimals, _ci_text, _metric_title, _tick, _upper_first
from sim.sweep import analysis
from sim.sweep.analysis import as_float, fmt, metric_info


def _index_outputs(doc: _Doc, points: pd.DataFrame, metric: str) -> np.ndarray | None:
    """A metric's values per design point, or None (and a note) when sensitivity
    indices cannot be computed from them: missing values, or no variation at all."""
    y = as_float(points[metric])
    if np.isnan(y).any():
        doc.para(f"{int(np.isnan(y).sum())} design points have no value for this metric; indices not computed.")
        return None
    if np.ptp(y) == 0:
        doc.para("The metric takes the same value at every design point: no parameter influences it here.")
        return None
    return y


def _design_points(ctx: _Context, columns: list[str]) -> pd.DataFrame:
    runs = ctx.runs
    if "point" in runs.columns:
        return analysis.point_means(runs, columns)
    return runs[columns].reset_index(drop=True)


def _index_bars(ctx: _Context, table: pd.DataFrame, series: list[tuple[str, str, str]], metric: str, name: str):
    """Horizontal bars (one group per parameter) with CI whiskers."""
    label = metric_info(metric)[0]
    params = list(table["parameter"])
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.55 * len(params) * max(1, len(series) / 1.5)), constrained_layout=True)
    height = 0.8 / len(series)
    y = np.arange(len(params))[::-1].astype(float)
    for k, (col, conf, text) in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * height
        values = table[col].to_numpy(dtype=float)
        errors = np.nan_to_num(table[conf].to_numpy(dtype=float)) if conf else None
        ax.barh(y - offset, values, height=height, xerr=errors, capsize=3, label=text, color=f"C{k}", alpha=0.85)
    ax.set_yticks(y, params, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.legend(fontsize=8)
    title = "Sobol indices" if name == "sobol" else "Morris screening"
    ax.set_title(f"{_upper_first(label)}: {title} (whiskers: 95 % CI)", fontsize=10)
    return fig, label


def _sobol(ctx: _Context) -> None:
    exp, doc = ctx.exp, ctx.doc
    ranges = exp.get("ranges") or {}
    names = list(ranges)
    bounds = [ranges[n] for n in names]
    second = bool(exp.get("calc_second_order", False))
    points = _design_points(ctx, ctx.metrics)
    n_base = exp.get("samples")
    expected = int(n_base) * (2 * len(names) + 2 if second else len(names) + 2) if n_base else None
    doc.para(
        "Sobol indices split the variance of a metric over the sampled ranges: S1 is the share explained by a "
        "parameter alone, ST the share it explains including all its interactions (ST − S1 large: the parameter "
        "acts through interactions). Intervals are SALib's 95 % bootstrap intervals; with a small N they can be "
        "wide and indices can come out slightly negative."
    )
    doc.table(["parameter", "low", "high"], [[n, _tick(float(lo)), _tick(float(hi))] for n, (lo, hi) in ranges.items()])
    if expected is not None and len(points) != expected:
        doc.para(
            f"The Saltelli design needs {expected} design points (N = {n_base}, {len(names)} parameters) but "
            f"{len(points)} are stored; the indices cannot be computed until the sweep is complete."
        )
        return
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.sobol_indices(names, bounds, y, second, seed=ctx.seed, confidence=CONFIDENCE)
        except (ValueError, RuntimeError) as error:
            doc.para(f"Sobol indices could not be computed: {error}")
            continue
        records = table.to_dict("records")
        triples = [(r[k], r[k] - r[f"{k}_conf"], r[k] + r[f"{k}_conf"]) for r in records for k in ("S1", "ST")]
        d = _ci_decimals(triples, minimum=2)
        rows = [
            [
                r["parameter"],
                _ci_text(r["S1"], r["S1"] - r["S1_conf"], r["S1"] + r["S1_conf"], digits=d),
                _ci_text(r["ST"], r["ST"] - r["ST_conf"], r["ST"] + r["ST_conf"], digits=d),
            ]
            for r in records
        ]
        doc.table(["parameter", "S1 [95 % CI]", "ST [95 % CI]"], rows)
        fig, label = _index_bars(
            ctx, table, [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")], metric, "sobol"
        )
        ax = fig.axes[0]
        ax.set_xlabel("share of variance")
        ctx.save(fig, f"sobol_{_slug(metric)}", f"Sobol indices of {label}; whiskers: 95 % bootstrap CI.")


def _morris(ctx: _Context) -> None:
    exp, doc, runs = ctx.exp, ctx.doc, ctx.runs
    ranges = exp.get("ranges") or {}
    names = list(ranges)
    bounds = [ranges[n] for n in names]
    missing = [n for n in names if n not in runs.columns]
    doc.para(
        "Morris screening moves one parameter at a time along random trajectories: μ* (the mean absolute "
        "elementary effect) ranks overall influence, σ (their spread) flags non-linear effects or "
        "interactions. Intervals on μ* are SALib's 95 % bootstrap intervals. Effects are in the metric's units "
        "per full range of the parameter."
    )
    doc.table(["parameter", "low", "high"], [[n, _tick(float(lo)), _tick(float(hi))] for n, (lo, hi) in ranges.items()])
    if missing:
        doc.para("Parameter columns missing from runs.parquet: " + ", ".join(missing) + "; indices not computed.")
        return
    points = _design_points(ctx, [*names, *ctx.metrics])
    trajectories = int(exp.get("samples") or 0) or len(points) // (len(names) + 1)
    if len(points) != trajectories * (len(names) + 1):
        doc.para(
            f"The Morris design needs {trajectories * (len(names) + 1)} design points ({trajectories} trajectories "
            f"of {len(names) + 1}) but {len(points)} are stored; the indices cannot be computed until the sweep is "
            "complete."
        )
        return
    num_levels = int(exp.get("num_levels") or 4)
    # the values the runs used (integer parameters rounded): SALib reads only the direction of each
    # step from them and divides by the design's nominal step
    X = points[names].to_numpy(dtype=float)
    rounded = [n for n, column in zip(names, X.T, strict=True) if np.all(column == np.round(column))]
    if rounded:
        doc.para(
            "Integer parameters (" + ", ".join(rounded) + ") ran with rounded values, while the effects divide "
            "by the design's unrounded step: their μ* and σ are approximate."
        )
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.morris_indices(
                names, bounds, X, y, num_levels=num_levels, seed=ctx.seed, confidence=CONFIDENCE
            )
        except (ValueError, RuntimeError) as error:
            doc.para(f"Morris indices could not be computed: {error}")
            continue
        records = table.to_dict("records")
        d = _ci_decimals(
            [(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"]) for r in records]
        )
        rows = [
            [
                r["parameter"],
                _ci_text(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"], digits=d),
                fmt(r["sigma"], d),
                fmt(r["mu"], d),
            ]
            for r in records
        ]
        doc.table(["parameter", "μ* [95 % CI]", "σ", "μ"], rows)
        fig, label = _index_bars(ctx, table, [("mu_star", "mu_star_conf", "μ*"), ("sigma", "", "σ")], metric, "morris")
        fig.axes[0].set_xlabel(f"elementary effect ({metric_info(metric)[1] or 'metric units'})")
        ctx.save(fig, f"morris_{_slug(metric)}", f"Morris μ* (whiskers: 95 % bootstrap CI) and σ of {label}.")
