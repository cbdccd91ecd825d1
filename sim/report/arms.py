"""Arms x conditions: each arm's mean and its paired difference against the reference arm, as tables,
reading sentences, a forest plot, time-series bands and resilience to the scheduled shock."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report.document import _Doc, _slug
from sim.report.measures import SERIES
from sim.report.results import CONFIDENCE, _Context, _load_timeseries
from sim.report.wording import _ci_decimals, _ci_text, _metric_title, _p_text
from sim.sweep import analysis
from sim.sweep.analysis import as_float, metric_info


def _colours(names: Sequence[str], reference: str | None = None) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    out, i = {}, 0
    for name in names:
        if name == reference:
            out[name] = "0.15"
        else:
            out[name] = cmap(i % 10)
            i += 1
    return out


def _labels(items: Any) -> dict[str, str]:
    return {str(item["name"]): str(item.get("label") or item["name"]) for item in (items or [])}


def _ordered(declared: Sequence[str], present: Sequence[Any]) -> list[str]:
    present = [str(v) for v in pd.unique(pd.Series(present)) if v is not None and not pd.isna(v)]
    return [n for n in declared if n in present] + [n for n in present if n not in declared]


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(np.isfinite(as_float(frame[column])).any())


def _arms(ctx: _Context) -> None:
    exp, runs, doc = ctx.exp, ctx.runs, ctx.doc
    arm_labels = _labels(exp.get("arms"))
    cond_labels = _labels(exp.get("conditions"))
    arms = _ordered(list(arm_labels), runs["arm"]) if "arm" in runs.columns else []
    if not arms:
        doc.para("runs.parquet has no arm column: nothing to compare.")
        return
    reference = str(exp.get("reference") or arms[0])
    if reference not in arms:
        doc.para(f"The reference arm {reference!r} has no runs; differences are not computed.")
    ref_label = arm_labels.get(reference, reference)
    ctx.reference = reference
    conditions: list[str | None] = [None]
    if "condition" in runs.columns:
        present = runs["condition"].map(lambda v: None if v is None or (isinstance(v, str) and not v) else v)
        found = _ordered(list(cond_labels), present)
        if found:
            conditions = found
    group_cols = ("condition",) if conditions != [None] else ()
    colours = _colours(arms, reference)
    ts = _load_timeseries(ctx.results_dir, runs)

    tables = {
        m: analysis.paired_comparison(
            runs, m, reference, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=arm_labels
        )
        for m in ctx.metrics
    }
    if ctx.metrics:
        _forest(ctx, tables[ctx.metrics[0]], ctx.metrics[0], conditions, cond_labels, ref_label, colours)

    for condition in conditions:
        sub_runs = runs if condition is None else runs[runs["condition"].astype(str) == condition]
        sub_ts = ts if (condition is None or ts.empty) else ts[ts["condition"].astype(str) == condition]
        suffix = "" if condition is None else f"_{_slug(condition)}"
        if condition is not None:
            doc.heading(2, f"Condition: {cond_labels.get(condition, condition)}")
        else:
            doc.heading(2, "Results")
        not_measured = []
        for metric in ctx.metrics:
            table = tables[metric]
            if condition is not None:
                table = table[table["condition"].astype(str) == condition]
            if table.empty or int(table["n"].fillna(0).sum()) == 0:
                not_measured.append(_metric_title(metric))
                continue
            _arm_table(doc, table, metric, ref_label)
        if not_measured:
            doc.para(
                "Not measured in this condition (no run has a value, e.g. resilience to a scheduled shock "
                "when none is scheduled): " + "; ".join(not_measured) + "."
            )
        if not sub_ts.empty:
            _series_figure(ctx, sub_ts, arms, arm_labels, colours, condition, cond_labels, suffix)
            _resilience_figure(ctx, sub_runs, sub_ts, arms, arm_labels, colours, condition, cond_labels, suffix)


def _arm_table(doc: _Doc, table: pd.DataFrame, metric: str, ref_label: str) -> None:
    doc.heading(3, _metric_title(metric))
    rows, readings, short = [], [], []
    records = table.to_dict("records")
    compared = [r for r in records if r["scale"]]
    points = any(r["scale"] == "points" for r in compared)
    d_mean = _ci_decimals([(r["mean"], r["ci_low"], r["ci_high"]) for r in records])
    d_diff = _ci_decimals(
        [(r["diff"], r["diff_low"], r["diff_high"]) for r in compared], 100.0 if points else 1.0, 1 if points else 0
    )
    d_rel = _ci_decimals([(r["rel"], r["rel_low"], r["rel_high"]) for r in compared], 1.0, 1)
    for row in records:
        scale = row["scale"]
        if not scale:  # the reference arm (or no reference runs)
            diff_text, rel_text = ("reference", "") if row["label"] == ref_label else ("n/a", "n/a")
        else:
            factor, suffix = (100.0, " pp") if scale == "points" else (1.0, "")
            diff_text = _ci_text(row["diff"], row["diff_low"], row["diff_high"], factor, suffix, d_diff)
            rel_text = _ci_text(row["rel"], row["rel_low"], row["rel_high"], 1.0, " %", d_rel)
            if scale == "absolute":  # % of this metric's mean means nothing (e.g. log utility)
                rel_text = "—"
            if row["reading"]:
                readings.append(row["reading"])
            if row["n_pairs"] < row["n"]:
                short.append(f"{row['label']} ({int(row['n_pairs'])} of {row['n']})")
        rows.append(
            [
                row["label"],
                str(row["n"]),
                _ci_text(row["mean"], row["ci_low"], row["ci_high"], digits=d_mean),
                diff_text,
                rel_text,
                _p_text(row["p_value"]) if scale else "",
            ]
        )
    header = [
        "arm",
        "n",
        "mean [95 % CI]",
        f"difference vs {ref_label} [95 % CI]",
        "relative [95 % CI]",
        "p (paired t)",
    ]
    doc.table(header, rows)
    doc.bullets(readings)
    if short:
        doc.para("Fewer pairs than runs (missing values on one side): " + ", ".join(short) + ".")


def _band(ax, frame: pd.DataFrame, colour: Any, label: str, reference: bool = False) -> None:
    z = 3 if reference else 2
    ax.plot(frame["step"], frame["mean"], color=colour, lw=1.4, label=label, ls="--" if reference else "-", zorder=z)
    ax.fill_between(frame["step"], frame["low"], frame["high"], color=colour, alpha=0.18, lw=0, zorder=1)


def _series_figure(ctx, ts, arms, arm_labels, colours, condition, cond_labels, suffix) -> None:
    columns = [c for c in SERIES if _has_values(ts, c)]
    if not columns:
        return
    ncols = min(3, len(columns))
    nrows = math.ceil(len(columns) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.3 * nrows), constrained_layout=True, squeeze=False)
    for ax, column in zip(axes.ravel(), columns, strict=False):
        bands = analysis.series_bands(ts, column, by=("arm",), confidence=CONFIDENCE)
        for arm in arms:
            _band(
                ax, bands[bands["arm"].astype(str) == arm], colours[arm], arm_labels.get(arm, arm), arm == ctx.reference
            )
        title, ylabel, share = SERIES[column]
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("step (year)")
        if share:
            ax.set_ylim(0, 1)
    for ax in axes.ravel()[len(columns) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    where = f" - {cond_labels.get(condition, condition)}" if condition is not None else ""
    fig.suptitle(f"Over time by arm{where}: mean over replicates with 95 % CI band")
    caption = (
        f"Per-step mean over replicates by arm (dashed: the reference arm), shaded: 95 % confidence interval{where}. "
        "Bands show the spread between replicates; overlapping bands do not rule out a clear paired difference "
        "(see the tables, which compare arms replicate by replicate)."
    )
    ctx.save(fig, f"timeseries{suffix}", caption)


def _bar_ci(ax, runs: pd.DataFrame, metric: str, arms, arm_labels, colours) -> None:
    means, errs = [], []
    for arm in arms:
        _, mean, low, high = analysis.mean_ci(runs.loc[runs["arm"].astype(str) == arm, metric], CONFIDENCE)
        means.append(mean)
        errs.append([mean - low, high - mean] if math.isfinite(low) else [0.0, 0.0])
    positions = np.arange(len(arms))
    ax.bar(positions, means, color=[colours[a] for a in arms], alpha=0.85)
    ax.errorbar(positions, means, yerr=np.array(errs).T, fmt="none", ecolor="k", capsize=4, lw=1)
    ax.set_xticks(positions, [arm_labels.get(a, a) for a in arms], rotation=30, ha="right", fontsize=8)
    label, unit, better = metric_info(metric)
    ax.set_title(f"{label}" + (f" ({better} is better)" if better else ""), fontsize=10)
    ax.set_ylabel(unit or metric)


def _resilience_figure(ctx, runs, ts, arms, arm_labels, colours, condition, cond_labels, suffix) -> None:
    if not (
        _has_values(ts, "affected_mean_consumption") and _has_values(ts, "counterfactual_affected_mean_consumption")
    ):
        return
    frame = ts[["arm", "step"]].copy()
    observed = as_float(ts["affected_mean_consumption"])
    counterfactual = as_float(ts["counterfactual_affected_mean_consumption"])
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["drop"] = np.where(counterfactual > 0, 100.0 * (counterfactual - observed) / counterfactual, np.nan)
    bars = [m for m in ("resilience.resistance", "resilience.loss") if _has_values(runs, m)]
    fig, axes = plt.subplots(
        1, 1 + len(bars), figsize=(6.5 + 3.6 * len(bars), 4.2), constrained_layout=True, squeeze=False
    )
    ax = axes[0, 0]
    bands = analysis.series_bands(frame, "drop", by=("arm",), confidence=CONFIDENCE)
    for arm in arms:
        _band(ax, bands[bands["arm"].astype(str) == arm], colours[arm], arm_labels.get(arm, arm), arm == ctx.reference)
    ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
    ax.set_xlabel("step (year)")
    ax.set_ylabel("% below the same run without the shock")
    ax.set_title("consumption drop of the villages hit", fontsize=10)
    ax.legend(fontsize=8)
    for ax, metric in zip(axes[0, 1:], bars, strict=True):
        _bar_ci(ax, runs, metric, arms, arm_labels, colours)
    where = f" - {cond_labels.get(condition, condition)}" if condition is not None else ""
    fig.suptitle(f"Resilience to the scheduled shock{where}")
    caption = (
        "Left: mean shortfall of the villages hit, in % of the same run without the shock, with 95 % CI band. "
        "Bars: mean over replicates with 95 % CI whiskers" + (f"{where}." if where else ".") + " Whiskers show the "
        "spread between replicates; the paired differences in the tables are the sharper comparison."
    )
    ctx.save(fig, f"resilience{suffix}", caption)


def _forest(ctx, table, metric, conditions, cond_labels, ref_label, colours) -> None:
    rows = table[table["scale"] != ""] if "scale" in table.columns else table.iloc[0:0]
    if rows.empty:
        return
    scales = set(rows["scale"])
    scale = "relative" if scales == {"relative"} else ("points" if scales == {"points"} else "absolute")
    estimates = []
    for row in rows.to_dict("records"):
        if scale == "absolute":
            estimates.append((row["diff"], row["diff_low"], row["diff_high"]))
        else:
            estimates.append(analysis.display_difference(row))
    names = []
    for row in rows.to_dict("records"):
        name = row["label"]
        if conditions != [None]:
            name += f" - {cond_labels.get(str(row['condition']), str(row['condition']))}"
        names.append(name)
    est = np.array(estimates, dtype=float)
    y = np.arange(len(names))[::-1]
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.42 * len(names)), constrained_layout=True)
    err = np.vstack([est[:, 0] - est[:, 1], est[:, 2] - est[:, 0]])
    err = np.where(np.isfinite(err), err, 0.0)
    row_colours = [colours.get(str(a), "k") for a in rows["arm"]]
    for yi, e, lo, hi, c in zip(y, est[:, 0], err[0], err[1], row_colours, strict=True):
        ax.errorbar([e], [yi], xerr=[[lo], [hi]], fmt="o", color=c, ecolor=c, capsize=4, lw=1.4)
    ax.axvline(0.0, color="0.3", lw=0.9, ls="--")
    ax.set_yticks(y, names, fontsize=9)
    label, unit, _ = metric_info(metric)
    unit_text = {"relative": "% of the reference mean", "points": "percentage points"}.get(scale, unit or "own units")
    ax.set_xlabel(f"paired difference vs {ref_label}\n({unit_text})")
    ax.set_title(f"{label}: paired difference with 95 % CI", fontsize=10)
    caption = f"Paired difference in {label} against {ref_label} ({unit_text}); whiskers: 95 % CI; dashed line: no difference."
    ctx.doc.heading(2, f"Overview: {label}")
    ctx.save(fig, "forest", caption)
