"""Sobol and Morris designs: per measure, sensitivity indices with their 95 % bootstrap
intervals (SALib, through ``sim.sweep.analysis``), as a table and a bar chart."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import measures
from sim.report.document import Document, slug
from sim.report.results import CONFIDENCE, Context
from sim.report.wording import column_decimals, interval, label, listing, number, say, tick
from sim.sweep import analysis
from sim.sweep.analysis import as_float


@dataclass(frozen=True)
class Ranges:
    """The sampled parameters and their [low, high] bounds, in the experiment's order."""

    names: list[str]
    bounds: list[list[float]]

    @classmethod
    def of(cls, exp: dict) -> Ranges:
        ranges = exp.get("ranges") or {}
        return cls(list(ranges), [ranges[n] for n in ranges])

    def table(self, doc: Document) -> None:
        rows = [[n, tick(float(lo)), tick(float(hi))] for n, (lo, hi) in zip(self.names, self.bounds, strict=True)]
        doc.table([label("col.parameter"), label("col.low"), label("col.high")], rows)


@dataclass(frozen=True)
class Bars:
    """One kind of bar of an index chart: the index column, its interval half-width column
    ("" for none) and the legend entry."""

    column: str
    conf: str
    legend: str


def _index_outputs(doc: Document, points: pd.DataFrame, metric: str) -> np.ndarray | None:
    """A metric's values per design point, or None (and a note) when sensitivity
    indices cannot be computed from them: missing values, or no variation at all."""
    y = as_float(points[metric])
    if np.isnan(y).any():
        doc.para(say("points_missing", count=int(np.isnan(y).sum())))
        return None
    if np.ptp(y) == 0:
        doc.para(say("constant"))
        return None
    return y


def _design_points(ctx: Context, columns: list[str]) -> pd.DataFrame:
    """The columns' means per design point (over its replicates)."""
    runs = ctx.runs
    if "point" in runs.columns:
        return analysis.point_means(runs, columns)
    return runs[columns].reset_index(drop=True)


def _index_bars(table: pd.DataFrame, series: list[Bars], title: str):
    """Horizontal bars (one group per parameter) with CI whiskers."""
    params = list(table["parameter"])
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.55 * len(params) * max(1, len(series) / 1.5)), constrained_layout=True)
    height = 0.8 / len(series)
    y = np.arange(len(params))[::-1].astype(float)
    for k, bars in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * height
        values = table[bars.column].to_numpy(dtype=float)
        errors = np.nan_to_num(table[bars.conf].to_numpy(dtype=float)) if bars.conf else None
        ax.barh(y - offset, values, height=height, xerr=errors, capsize=3, label=bars.legend, color=f"C{k}", alpha=0.85)
    ax.set_yticks(y, params, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig


def _with_interval(record: dict, key: str, digits: int) -> str:
    """An index with its bootstrap interval (index ± its ``_conf`` half-width)."""
    value, half = record[key], record[f"{key}_conf"]
    return interval(value, value - half, value + half, digits=digits)


# ----------------------------------------------------------------------------- sobol


def sobol_section(ctx: Context) -> None:
    """The body of a Sobol report: the ranges, then S1 and ST per measure."""
    exp, doc = ctx.exp, ctx.doc
    ranges = Ranges.of(exp)
    second = bool(exp.get("calc_second_order", False))
    points = _design_points(ctx, ctx.metrics)
    n_base = exp.get("samples")
    k = len(ranges.names)
    expected = int(n_base) * (2 * k + 2 if second else k + 2) if n_base else None
    doc.para(say("sobol_intro"))
    ranges.table(doc)
    if expected is not None and len(points) != expected:
        doc.para(say("sobol_incomplete", expected=expected, samples=n_base, parameters=k, stored=len(points)))
        return
    for metric in ctx.metrics:
        doc.heading(2, measures.title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.sobol_indices(ranges.names, ranges.bounds, y, second, seed=ctx.seed, confidence=CONFIDENCE)
        except (ValueError, RuntimeError) as error:
            doc.para(say("sobol_failed", error=error))
            continue
        _sobol_results(ctx, table, metric)


def _sobol_results(ctx: Context, table: pd.DataFrame, metric: str) -> None:
    records = table.to_dict("records")
    triples = [(r[k], r[k] - r[f"{k}_conf"], r[k] + r[f"{k}_conf"]) for r in records for k in ("S1", "ST")]
    d = column_decimals(triples, minimum=2)
    rows = [[r["parameter"], _with_interval(r, "S1", d), _with_interval(r, "ST", d)] for r in records]
    ctx.doc.table([label("col.parameter"), label("col.S1"), label("col.ST")], rows)
    measure = measures.label(metric)
    series = [Bars("S1", "S1_conf", label("legend.S1")), Bars("ST", "ST_conf", label("legend.ST"))]
    fig = _index_bars(table, series, label("sobol_title", measure=measure))
    fig.axes[0].set_xlabel(label("variance_share"))
    ctx.save(fig, f"sobol_{slug(metric)}", say("sobol_caption", measure=measure))


# ----------------------------------------------------------------------------- morris


def morris_section(ctx: Context) -> None:
    """The body of a Morris report: the ranges, then μ*, σ and μ per measure."""
    exp, doc, runs = ctx.exp, ctx.doc, ctx.runs
    ranges = Ranges.of(exp)
    names = ranges.names
    missing = [n for n in names if n not in runs.columns]
    doc.para(say("morris_intro"))
    ranges.table(doc)
    if missing:
        doc.para(say("morris_columns_missing", parameters=listing(missing)))
        return
    points = _design_points(ctx, [*names, *ctx.metrics])
    trajectories = int(exp.get("samples") or 0) or len(points) // (len(names) + 1)
    if len(points) != trajectories * (len(names) + 1):
        expected = trajectories * (len(names) + 1)
        doc.para(
            say(
                "morris_incomplete",
                expected=expected,
                trajectories=trajectories,
                length=len(names) + 1,
                stored=len(points),
            )
        )
        return
    num_levels = int(exp.get("num_levels") or 4)
    # the values the runs used (integer parameters rounded): SALib reads only the direction of each
    # step from them and divides by the design's nominal step
    X = points[names].to_numpy(dtype=float)
    rounded = [n for n, column in zip(names, X.T, strict=True) if np.all(column == np.round(column))]
    if rounded:
        doc.para(say("morris_rounded", parameters=listing(rounded)))
    for metric in ctx.metrics:
        doc.heading(2, measures.title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.morris_indices(
                names, ranges.bounds, X, y, num_levels=num_levels, seed=ctx.seed, confidence=CONFIDENCE
            )
        except (ValueError, RuntimeError) as error:
            doc.para(say("morris_failed", error=error))
            continue
        _morris_results(ctx, table, metric)


def _morris_results(ctx: Context, table: pd.DataFrame, metric: str) -> None:
    records = table.to_dict("records")
    d = column_decimals(
        [(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"]) for r in records]
    )
    rows = [
        [r["parameter"], _with_interval(r, "mu_star", d), number(r["sigma"], d), number(r["mu"], d)] for r in records
    ]
    header = [label("col.parameter"), label("col.mu_star"), label("col.sigma"), label("col.mu")]
    ctx.doc.table(header, rows)
    measure = measures.label(metric)
    series = [Bars("mu_star", "mu_star_conf", label("legend.mu_star")), Bars("sigma", "", label("legend.sigma"))]
    fig = _index_bars(table, series, label("morris_title", measure=measure))
    fig.axes[0].set_xlabel(label("effect_axis", unit=measures.unit(metric) or label("metric_units")))
    ctx.save(fig, f"morris_{slug(metric)}", say("morris_caption", measure=measure))
