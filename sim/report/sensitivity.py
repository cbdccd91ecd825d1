"""Sobol and Morris designs: per measure, sensitivity indices with their 95 % bootstrap
intervals (SALib, through ``sim.sweep.analysis``), as a table and a bar chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import measures
from sim.report.document import Document, slug
from sim.report.results import CONFIDENCE, Context
from sim.report.wording import column_decimals, interval, label, listing, say, tick
from sim.sweep import analysis
from sim.sweep.analysis import Finding, as_float, sensitivity_warnings
from sim.sweep.design import TAILS, UNBOUNDED
from sim.sweep.experiment import quantile


@dataclass(frozen=True)
class Ranges:
    """The sampled parameters and their ranges, in the experiment's order: [low, high]
    (uniform) or a distribution table (``sim.sweep.experiment.DISTRIBUTIONS``), as the
    manifest records them."""

    names: list[str]
    specs: list[Any]

    @classmethod
    def of(cls, exp: dict) -> Ranges:
        ranges = exp.get("ranges") or {}
        return cls(list(ranges), [ranges[n] for n in ranges])

    @property
    def bounds(self) -> list[list[float]] | None:
        """[low, high] per parameter when every range is uniform (Morris), else None
        (Sobol's estimators need none)."""
        if any(isinstance(spec, dict) and spec.get("dist") != "uniform" for spec in self.specs):
            return None
        return [[s["low"], s["high"]] if isinstance(s, dict) else list(s) for s in self.specs]

    def table(self, doc: Document, meanings: bool = False) -> None:
        """The ranges as a table; ``meanings``: with each key's meaning from the scenario schema."""
        from sim.scenario.schema import parameter

        def meaning(name: str) -> list[str]:
            declared = parameter(name)
            return [declared.meaning if declared else ""] if meanings else []

        rows = [
            [name, *meaning(name), *_distribution_cells(spec)]
            for name, spec in zip(self.names, self.specs, strict=True)
        ]
        extra = [label("col.meaning")] if meanings else []
        doc.table(
            [label("col.parameter"), *extra, label("col.distribution"), label("col.low"), label("col.high")], rows
        )
        if any(isinstance(s, dict) and s.get("dist") in UNBOUNDED for s in self.specs):
            doc.para(say("ranges_quantiles"))


def _distribution_cells(spec: Any) -> list[str]:
    """A range's distribution, low and high, for the ranges table: the bounds of a uniform,
    triangular or truncated normal range, the smallest and largest of a discrete range's
    numbers, the 0.1 % and 99.9 % quantiles of a normal or lognormal one."""
    if not isinstance(spec, dict):
        return [label("dist.uniform"), tick(float(spec[0])), tick(float(spec[1]))]
    dist = spec["dist"]
    if dist == "discrete":
        values = spec["values"]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        ends = [tick(min(numbers)), tick(max(numbers))] if len(numbers) == len(values) else ["", ""]
        return [label("dist.discrete", values=listing([tick(v) for v in values])), *ends]
    shown = {key: tick(value) for key, value in spec.items() if key != "dist"}
    if dist in UNBOUNDED:
        low, high = (tick(quantile(spec, q)) for q in TAILS)
    else:
        low, high = shown["low"], shown["high"]
    return [label(f"dist.{dist}", **shown), low, high]


@dataclass(frozen=True)
class Bars:
    """One kind of bar of an index chart: the index column, its interval (a half-width
    column ``conf``, or ``low`` and ``high`` columns; "" for none) and the legend entry."""

    column: str
    conf: str
    legend: str
    low: str = ""
    high: str = ""

    def errors(self, table: pd.DataFrame) -> np.ndarray | None:
        """The whiskers' lengths below and above each bar (matplotlib's ``xerr``)."""
        values = table[self.column].to_numpy(dtype=float)
        if self.low:
            below = values - table[self.low].to_numpy(dtype=float)
            above = table[self.high].to_numpy(dtype=float) - values
            return np.nan_to_num(np.clip(np.vstack([below, above]), 0.0, None))
        return np.nan_to_num(table[self.conf].to_numpy(dtype=float)) if self.conf else None


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
        errors = bars.errors(table)
        ax.barh(y - offset, values, height=height, xerr=errors, capsize=3, label=bars.legend, color=f"C{k}", alpha=0.85)
    ax.set_yticks(y, params, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig


def _with_interval(record: dict, key: str, digits: int) -> str:
    """An index with its bootstrap interval: index ± its ``_conf`` half-width, or its
    ``_low`` and ``_high`` bounds."""
    value = record[key]
    if f"{key}_low" in record:
        return interval(value, record[f"{key}_low"], record[f"{key}_high"], digits=digits)
    half = record[f"{key}_conf"]
    return interval(value, value - half, value + half, digits=digits)


def _warning(doc: Document, findings: list[Finding], design: str, digits: int) -> None:
    """The warning of one measure, one paragraph: that the sample is too small, each check
    that fired (``sensitivity_warnings``), what to do. Nothing when no check fired."""
    if not findings:
        return
    samples = findings[-1].values.get("samples") or label("n/a")
    sentences = [say(f"warning.{design}", samples=samples), *(_warning_sentence(f, digits) for f in findings)]
    doc.para(" ".join(sentences))


def _warning_sentence(finding: Finding, digits: int) -> str:
    values = finding.values
    if finding.key == "s1_sum":
        total = interval(values["sum"], values["low"], values["high"], digits=digits)
        return say("warning.s1_sum" + (".half_widths" if values["method"] == "half_widths" else ""), total=total)
    if finding.key == "outside_unit":
        indices = [
            label(
                "index_value",
                index=i["index"],
                parameter=i["parameter"],
                value=interval(i["value"], i["low"], i["high"], digits=digits),
            )
            for i in values["indices"]
        ]
        return say("warning.outside_unit", indices=listing(indices, "list.long"))
    if finding.key == "advice":
        if values["needed"] is None:
            return say("warning.advice.unknown")
        rough = values["first"] < values["needed"]
        return say("warning.advice" + (".rough" if rough else ""), needed=values["needed"], first=values["first"])
    if "parameters" in values:
        return say(f"warning.{finding.key}", parameters=listing(values["parameters"]))
    return say(f"warning.{finding.key}", **values)


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
            table = analysis.sobol_indices(ranges.names, None, y, second, seed=ctx.seed, confidence=CONFIDENCE)
        except (ValueError, RuntimeError) as error:
            doc.para(say("sobol_failed", error=error))
            continue
        _sobol_results(ctx, table, metric)


def _sobol_results(ctx: Context, table: pd.DataFrame, metric: str) -> None:
    records = table.to_dict("records")
    triples = [(r[k], r[k] - r[f"{k}_conf"], r[k] + r[f"{k}_conf"]) for r in records for k in ("S1", "ST")]
    d = column_decimals(triples, minimum=2)
    _warning(ctx.doc, sensitivity_warnings(table), "sobol", d)
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
    doc.para(say("morris_intro") + " " + say("morris_intervals"))
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
    triples = [(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"]) for r in records]
    triples += [(r[k], r[f"{k}_low"], r[f"{k}_high"]) for r in records for k in ("sigma", "mu")]
    d = column_decimals(triples)
    _warning(ctx.doc, sensitivity_warnings(table), "morris", d)
    rows = [[r["parameter"], *(_with_interval(r, k, d) for k in ("mu_star", "sigma", "mu"))] for r in records]
    header = [label("col.parameter"), label("col.mu_star"), label("col.sigma_ci"), label("col.mu_ci")]
    ctx.doc.table(header, rows)
    measure = measures.label(metric)
    series = [
        Bars("mu_star", "mu_star_conf", label("legend.mu_star")),
        Bars("sigma", "", label("legend.sigma"), low="sigma_low", high="sigma_high"),
    ]
    fig = _index_bars(table, series, label("morris_title", measure=measure))
    fig.axes[0].set_xlabel(label("effect_axis", unit=measures.unit(metric) or label("metric_units")))
    ctx.save(fig, f"morris_{slug(metric)}", say("morris_caption.intervals", measure=measure))
