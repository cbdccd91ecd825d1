"""Arms x conditions: per condition and measure, each arm's mean with its 95 % interval and
its paired difference against the reference arm, as a table; a
forest plot of the first measure (shown in the brief, sim/report/brief.py); per condition, time-series bands and resilience to the
scheduled shock."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import components, measures
from sim.report.brief import arms_brief
from sim.report.document import Document, slug
from sim.report.results import CONFIDENCE, Context, load_timeseries
from sim.report.villages import villages_part
from sim.report.wording import (
    SENTENCES,
    Difference,
    column_decimals,
    interval,
    label,
    listing,
    money_text,
    p_value,
    quoted,
    say,
    tick,
    translated,
)
from sim.scenario import ScenarioError
from sim.sweep import analysis
from sim.sweep.analysis import as_float


@dataclass(frozen=True)
class Arms:
    """The arms as shown: their order, labels (from the experiment file), colours, and the
    reference arm every other arm is compared with."""

    names: list[str]
    labels: dict[str, str]
    colours: dict[str, Any]
    reference: str

    def label(self, arm: str) -> str:
        return self.labels.get(arm, arm)

    @property
    def reference_label(self) -> str:
        return self.label(self.reference)


@dataclass(frozen=True)
class Conditions:
    """The conditions every arm ran under (``[None]``: the experiment has none) and their labels."""

    names: list[str | None]
    labels: dict[str, str]

    def label(self, condition: str) -> str:
        return self.labels.get(condition, condition)

    @property
    def declared(self) -> bool:
        return self.names != [None]


@dataclass(frozen=True)
class Part:
    """The runs and per-step rows of one condition (all of them when there are no conditions)."""

    name: str | None  # the condition; None: the experiment has no conditions
    label: str | None  # its label in headings and captions
    suffix: str  # of its figures' file names: "" or "_<condition>"
    runs: pd.DataFrame
    ts: pd.DataFrame


@dataclass(frozen=True)
class Comparisons:
    """The arms, the conditions, and per measure ``analysis.paired_comparison``'s table."""

    arms: Arms
    conditions: Conditions
    tables: dict[str, pd.DataFrame]
    runs: pd.DataFrame  # the runs compared (for comparisons between two arms: sim/report/brief.py)

    def shown(self, metric: str, condition: str | None) -> pd.DataFrame | None:
        """A measure's rows in one condition (all rows: no conditions); None when no run there has a value."""
        table = self.tables[metric]
        if condition is not None:
            table = table[table["condition"].astype(str) == condition]
        return None if table.empty or int(table["n"].fillna(0).sum()) == 0 else table


def arms_section(ctx: Context) -> None:
    """The body of an arms report: the forest plot, then one part per condition."""
    compared = _comparisons(ctx)
    if compared is None:
        ctx.doc.para(say("no_arm_column"))
        return
    arms, conditions = compared.arms, compared.conditions
    if arms.reference not in arms.names:
        ctx.doc.para(say("reference_missing", reference=quoted(arms.reference)))
    ts = load_timeseries(ctx.results_dir, ctx.runs)
    forest = _forest(ctx, compared.tables[ctx.metrics[0]], ctx.metrics[0], arms, conditions) if ctx.metrics else None
    if ctx.metrics:
        ctx.brief = arms_brief(ctx, compared, forest)
    _explained_by(ctx)
    for condition in conditions.names:
        _condition_part(ctx, _part(ctx.runs, ts, condition, conditions), compared)
    _components(ctx, compared)


def _components(ctx: Context, compared: Comparisons) -> None:
    """Arms that name the arm they change one thing of (``compare_with``): how much each such
    change moves each measure, paired with that arm, per condition (a decomposition)."""
    arms = [a for a in ctx.exp.get("arms") or [] if a.get("compare_with") in compared.arms.names]
    arms = [a for a in arms if a["name"] in compared.arms.names]
    if not arms or not ctx.metrics:
        return
    doc, labels = ctx.doc, compared.arms.labels
    group_cols = ("condition",) if compared.conditions.declared else ()
    doc.heading(2, label("components"))
    doc.para(say("components"))
    found = components.explanations(ctx.runs, ctx.exp, ctx.metrics[0])
    if found:
        reference = compared.arms.reference_label
        doc.heading(3, label("explained_heading"))
        doc.para(say("explained_intro", measure=measures.label(ctx.metrics[0]), reference=reference))
        _explanation_bullets(doc, found, compared.conditions.labels, reference, ctx.metrics[0])
    for metric in ctx.metrics:
        rows = []
        for base in dict.fromkeys(a["compare_with"] for a in arms):
            table = analysis.paired_comparison(
                ctx.runs, metric, base, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=labels
            )
            changed = {a["name"] for a in arms if a["compare_with"] == base}
            for condition in compared.conditions.names:
                part = table if condition is None else table[table["condition"].astype(str) == condition]
                for row in part.to_dict("records"):
                    if str(row["arm"]) not in changed or not row["scale"]:
                        continue
                    against = compared.arms.label(base)
                    factor, unit = (100.0, "pp") if row["scale"] == "points" else (1.0, "")
                    diff = interval(row["diff"], row["diff_low"], row["diff_high"], factor, unit, 3 if not unit else 1)
                    rel = (
                        label("not_relative")
                        if row["scale"] == "absolute"
                        else interval(row["rel"], row["rel_low"], row["rel_high"], 1.0, "percent", 1)
                    )
                    where = "" if condition is None else compared.conditions.label(condition)
                    rows.append([row["label"], against, where, str(int(row["n_pairs"])), diff, rel])
        if rows:
            doc.heading(3, measures.title(metric))
            header = [label("col.arm"), label("col.against"), label("col.condition"), label("col.pairs"),
                      label("col.difference_against"), label("col.relative")]  # fmt: skip
            doc.table(header, rows)


def _explanation_bullets(doc: Document, found: list, condition_labels: dict, reference: str, metric: str) -> None:
    """The explanations' sentences, under the label of their condition when there are conditions."""
    for condition, items in components.by_condition(found, condition_labels):
        if condition is not None:
            doc.para(label("condition", condition=condition))
        doc.bullets(components.explanation_bullets(items, reference, metric))


def _explained_by(ctx: Context) -> None:
    """What the arms' effects rest on, from the decomposition experiment the experiment
    names (``explained_by``), read from its results folder beside this one."""
    name = ctx.exp.get("explained_by")
    if not name:
        return
    doc = ctx.doc
    doc.heading(2, label("explained_by_heading", name=name))
    shown = Path("..") / str(name)  # relative to this folder: the report reads the same wherever it lies
    try:
        stored = components.decomposition_of(ctx.beside or ctx.results_dir.parent, str(name))
    except ScenarioError as error:  # damaged: this report still stands, and says why that part is missing
        doc.para(say("explained_by.unreadable", name=quoted(name), folder=shown, error=str(error)))
        return
    if stored is None:
        doc.para(say("explained_by.missing", name=quoted(name), experiment=name, folder=shown))
        return
    _, manifest, runs = stored
    exp = manifest.get("experiment") or {}
    declared = [m for m in exp.get("metrics") or [] if m in runs.columns]
    metric = ctx.metrics[0] if ctx.metrics and ctx.metrics[0] in declared else (declared or [None])[0]
    found = components.explanations(runs, exp, metric) if metric else []
    doc.para(say("explained_by", name=quoted(name), folder=shown, **components.facts(manifest, runs)))
    if found:
        reference = _labels(exp.get("arms")).get(str(exp.get("reference")), str(exp.get("reference")))
        _explanation_bullets(doc, found, _labels(exp.get("conditions")), reference, metric)


def differences(ctx: Context) -> list[Difference]:
    """Every paired difference the arms report reads out, in its order: by condition, measure, arm."""
    compared = _comparisons(ctx)
    if compared is None:
        return []
    return [
        difference(row, metric, compared.arms.reference_label)
        for condition in compared.conditions.names
        for metric in ctx.metrics
        if (table := compared.shown(metric, condition)) is not None
        for row in table.to_dict("records")
        if row["scale"]  # an arm compared with the reference
    ]


def _comparisons(ctx: Context) -> Comparisons | None:
    """The arms as shown and every measure's comparison table; None when the runs have no arm
    column. Computed once per report (the brief, the full report and the exports read it)."""
    if "comparisons" not in ctx.cache:
        ctx.cache["comparisons"] = _compare(ctx)
    return ctx.cache["comparisons"]


def _compare(ctx: Context) -> Comparisons | None:
    exp, runs = ctx.exp, ctx.runs
    arm_labels = _labels(exp.get("arms"))
    names = _ordered(list(arm_labels), runs["arm"]) if "arm" in runs.columns else []
    if not names:
        return None
    reference = str(exp.get("reference") or names[0])
    conditions = _conditions(runs, _labels(exp.get("conditions")))
    arms = Arms(names, arm_labels, _colours(names, reference), reference)
    group_cols = ("condition",) if conditions.declared else ()
    tables = {
        m: analysis.paired_comparison(
            runs, m, reference, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=arm_labels
        )
        for m in ctx.metrics
    }
    return Comparisons(arms, conditions, tables, runs)


def _labels(items: Any) -> dict[str, str]:
    """Arms' or conditions' labels (from the experiment file), in the language being written."""
    return {str(item["name"]): translated(str(item.get("label") or item["name"])) for item in (items or [])}


def _ordered(declared: Sequence[str], present: Sequence[Any]) -> list[str]:
    """The names present, in the order declared; undeclared ones after, in order of appearance."""
    present = [str(v) for v in pd.unique(pd.Series(present)) if v is not None and not pd.isna(v)]
    return [n for n in declared if n in present] + [n for n in present if n not in declared]


def _conditions(runs: pd.DataFrame, labels: dict[str, str]) -> Conditions:
    if "condition" in runs.columns:
        present = runs["condition"].map(lambda v: None if v is None or (isinstance(v, str) and not v) else v)
        found = _ordered(list(labels), present)
        if found:
            return Conditions(list(found), labels)
    return Conditions([None], labels)


def _colours(names: Sequence[str], reference: str | None = None) -> dict[str, Any]:
    """One colour per arm; the reference arm dark grey."""
    cmap = plt.get_cmap("tab10")
    out, i = {}, 0
    for name in names:
        if name == reference:
            out[name] = "0.15"
        else:
            out[name] = cmap(i % 10)
            i += 1
    return out


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(np.isfinite(as_float(frame[column])).any())


def _part(runs: pd.DataFrame, ts: pd.DataFrame, condition: str | None, conditions: Conditions) -> Part:
    if condition is None:
        return Part(None, None, "", runs, ts)
    sub_runs = runs[runs["condition"].astype(str) == condition]
    sub_ts = ts if ts.empty else ts[ts["condition"].astype(str) == condition]
    return Part(condition, conditions.label(condition), f"_{slug(condition)}", sub_runs, sub_ts)


def _condition_part(ctx: Context, part: Part, compared: Comparisons) -> None:
    """One condition: a table per measure with its readings, then the figures over time."""
    doc = ctx.doc
    doc.heading(2, label("results") if part.name is None else label("condition", condition=part.label))
    not_measured = []
    for metric in ctx.metrics:
        table = compared.shown(metric, part.name)
        if table is None:
            not_measured.append(measures.title(metric))
            continue
        _arm_table(doc, table, metric, compared.arms.reference_label, money(ctx) if measures.is_money(metric) else None)
    if not_measured:
        doc.para(say("not_measured", measures=listing(not_measured, "list.long")))
    villages_part(ctx, part, compared.arms)
    if not part.ts.empty:
        _series_figure(ctx, part, compared.arms)
        _resilience_figure(ctx, part, compared.arms)


# ----------------------------------------------------------------------------- tables and readings


def _arm_table(doc: Document, table: pd.DataFrame, metric: str, reference: str, in_money=None) -> None:
    """A measure's table (one row per arm) and which arms had fewer pairs than runs. The table
    is the reading: the brief says in words what matters. A measure with the same value in every
    run of every arm is one sentence instead; a measure that is 0 in every run of the reference
    arm (a cooperation measure under no cooperation) shows each arm's level only, since a
    difference from a quantity that is 0 by construction would only repeat it."""
    records = table.to_dict("records")
    constant = _constant(records)
    if constant is not None:
        value = tick(constant)
        doc.para(
            say("arms.constant", measure=measures.label(metric), value=value, unit=measures.unit(metric))
            + _why_constant(metric)
        )
        return
    doc.heading(3, measures.title(metric))
    compared = [r for r in records if r["scale"]]  # the arms compared with the reference
    zero = any(r["label"] == reference and _always(r, 0.0) for r in records)
    if zero:
        doc.para(say("zero_by_construction", measure=measures.label(metric), reference=reference))
        header = [label("col.arm"), label("col.n"), label("col.mean")]
        d_mean = column_decimals([(r["mean"], r["ci_low"], r["ci_high"]) for r in records])
        rows = [
            [r["label"], str(r["n"]), interval(r["mean"], r["ci_low"], r["ci_high"], digits=d_mean)] for r in records
        ]
        doc.table(header, rows)
        return
    header = [
        label("col.arm"),
        label("col.n"),
        label("col.mean"),
        label("col.difference", reference=reference),
        label("col.relative"),
        label("col.p"),
    ]
    rows = _arm_rows(records, compared, reference)
    if in_money is not None:  # the mean also in the scenario's currency ("Rp34,8 juta")
        for row, record in zip(rows, records, strict=True):
            row[2] = label("with_money", value=row[2], money=in_money(record["mean"]))
    doc.table(header, rows)
    short = [
        label("pairs_of_runs", arm=row["label"], pairs=int(row["n_pairs"]), runs=row["n"])
        for row in compared
        if row["n_pairs"] < row["n"]
    ]
    if short:
        doc.para(say("fewer_pairs", arms=listing(short)))


def money(ctx: Context):
    """A function writing an amount in poverty lines in the base scenario's currency when that
    is money (``economy.currency`` an ISO code, "IDR million"; ``sim.i18n.is_currency``), else None."""
    from sim.i18n import is_currency

    parameters = (ctx.manifest.get("base_scenario") or {}).get("parameters") or {}
    currency, line = parameters.get("economy.currency"), parameters.get("economy.poverty_line")
    if not is_currency(currency) or not isinstance(line, (int, float)):
        return None
    return lambda amount: money_text(amount * line, currency)


def _always(row: dict, value: float | None = None) -> bool:
    """Whether every run of an arm had the same value (``value``, when given): its interval has no width."""
    same = row["n"] >= 2 and row["ci_low"] == row["ci_high"] == row["mean"]
    return same and (value is None or row["mean"] == value)


def _constant(records: list[dict]) -> float | None:
    """The value of a measure that is the same in every run of every arm; None when it varies."""
    values = {r["mean"] for r in records}
    return values.pop() if records and all(_always(r) for r in records) and len(values) == 1 else None


def _why_constant(metric: str) -> str:
    key = f"arms.constant.why.{metric}"
    return " " + say(key) if key in SENTENCES else ""


def _arm_rows(records: list[dict], compared: list[dict], reference: str) -> list[list[str]]:
    """Cells of an arm table; one number of decimals per column."""
    points = any(r["scale"] == "points" for r in compared)
    d_mean = column_decimals([(r["mean"], r["ci_low"], r["ci_high"]) for r in records])
    d_diff = column_decimals(
        [(r["diff"], r["diff_low"], r["diff_high"]) for r in compared], 100.0 if points else 1.0, 1 if points else 0
    )
    d_rel = column_decimals([(r["rel"], r["rel_low"], r["rel_high"]) for r in compared], 1.0, 1)
    rows = []
    for row in records:
        scale = row["scale"]
        if not scale:  # the reference arm (or no reference runs)
            missing = label("n/a")
            diff_text, rel_text = (label("reference"), "") if row["label"] == reference else (missing, missing)
        else:
            factor, unit = (100.0, "pp") if scale == "points" else (1.0, "")
            diff_text = interval(row["diff"], row["diff_low"], row["diff_high"], factor, unit, d_diff)
            rel_text = interval(row["rel"], row["rel_low"], row["rel_high"], 1.0, "percent", d_rel)
            if scale == "absolute":  # % of this metric's mean means nothing (e.g. log utility)
                rel_text = label("not_relative")
        mean = interval(row["mean"], row["ci_low"], row["ci_high"], digits=d_mean)
        rows.append([row["label"], str(row["n"]), mean, diff_text, rel_text, p_value(row["p_value"]) if scale else ""])
    return rows


def difference(row: dict, metric: str, reference: str) -> Difference:
    """A compared row of ``analysis.paired_comparison`` as the reading sentences take it
    (``reference``: the reference arm's label)."""
    estimate, low, high = analysis.display_difference(row)
    return Difference(
        arm=row["label"],
        reference=reference,
        measure=measures.label(metric),
        unit=measures.unit(metric),
        scale=row["scale"],
        estimate=estimate,
        low=low,
        high=high,
        pairs=int(row["n_pairs"]),
        near_zero=row["scale"] == "absolute" and not measures.reads_in_own_units(metric),
    )


# ----------------------------------------------------------------------------- figures


def _band(ax, frame: pd.DataFrame, colour: Any, label: str, reference: bool = False) -> None:
    """A mean line over the steps with its 95 % band (dashed for the reference arm)."""
    z = 3 if reference else 2
    ax.plot(frame["step"], frame["mean"], color=colour, lw=1.4, label=label, ls="--" if reference else "-", zorder=z)
    ax.fill_between(frame["step"], frame["low"], frame["high"], color=colour, alpha=0.18, lw=0, zorder=1)


def _arm_bands(ax, bands: pd.DataFrame, arms: Arms) -> None:
    for arm in arms.names:
        _band(ax, bands[bands["arm"].astype(str) == arm], arms.colours[arm], arms.label(arm), arm == arms.reference)


def _series_figure(ctx: Context, part: Part, arms: Arms) -> None:
    """The per-step means of the ``measures.SERIES`` columns by arm, with 95 % bands."""
    series = [s for s in measures.SERIES if _has_values(part.ts, s.column)]
    if not series:
        return
    ncols = min(3, len(series))
    nrows = math.ceil(len(series) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.3 * nrows), constrained_layout=True, squeeze=False)
    for ax, shown in zip(axes.ravel(), series, strict=False):
        _arm_bands(ax, analysis.series_bands(part.ts, shown.column, by=("arm",), confidence=CONFIDENCE), arms)
        ax.set_title(shown.title, fontsize=10)
        ax.set_ylabel(shown.unit)
        ax.set_xlabel(label("step_year"))
        if shown.share:
            ax.set_ylim(0, 1)
    for ax in axes.ravel()[len(series) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    if part.label is None:
        fig.suptitle(label("series_title"))
        caption = say("series_caption")
    else:
        fig.suptitle(label("series_title.condition", condition=part.label))
        caption = say("series_caption.condition", condition=part.label)
    ctx.save(fig, f"timeseries{part.suffix}", caption)


def _bar_ci(ax, runs: pd.DataFrame, metric: str, arms: Arms) -> None:
    """Each arm's mean of a run-level measure, with 95 % whiskers."""
    means, errs = [], []
    for arm in arms.names:
        _, mean, low, high = analysis.mean_ci(runs.loc[runs["arm"].astype(str) == arm, metric], CONFIDENCE)
        means.append(mean)
        errs.append([mean - low, high - mean] if math.isfinite(low) else [0.0, 0.0])
    positions = np.arange(len(arms.names))
    ax.bar(positions, means, color=[arms.colours[a] for a in arms.names], alpha=0.85)
    ax.errorbar(positions, means, yerr=np.array(errs).T, fmt="none", ecolor="k", capsize=4, lw=1)
    ax.set_xticks(positions, [arms.label(a) for a in arms.names], rotation=30, ha="right", fontsize=8)
    measure, better = measures.label(metric), measures.better(metric)
    ax.set_title(label(f"better.{better}", measure=measure) if better else measure, fontsize=10)
    ax.set_ylabel(measures.unit(metric) or metric)


def _resilience_figure(ctx: Context, part: Part, arms: Arms) -> None:
    """The consumption drop of the villages hit by the scheduled shock (against the same run
    without it), and the run-level resilience measures as bars."""
    ts, runs = part.ts, part.runs
    if not (_has_values(ts, measures.AFFECTED) and _has_values(ts, measures.COUNTERFACTUAL_AFFECTED)):
        return
    frame = ts[["arm", "step"]].copy()
    observed = as_float(ts[measures.AFFECTED])
    counterfactual = as_float(ts[measures.COUNTERFACTUAL_AFFECTED])
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["drop"] = np.where(counterfactual > 0, 100.0 * (counterfactual - observed) / counterfactual, np.nan)
    bars = [m for m in measures.RESILIENCE_BARS if _has_values(runs, m)]
    fig, axes = plt.subplots(
        1, 1 + len(bars), figsize=(6.5 + 3.6 * len(bars), 4.2), constrained_layout=True, squeeze=False
    )
    ax = axes[0, 0]
    _arm_bands(ax, analysis.series_bands(frame, "drop", by=("arm",), confidence=CONFIDENCE), arms)
    ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
    ax.set_xlabel(label("step_year"))
    ax.set_ylabel(label("drop_axis"))
    ax.set_title(label("drop_title"), fontsize=10)
    ax.legend(fontsize=8)
    for ax, metric in zip(axes[0, 1:], bars, strict=True):
        _bar_ci(ax, runs, metric, arms)
    if part.label is None:
        fig.suptitle(label("resilience_title"))
        caption = say("resilience_caption")
    else:
        fig.suptitle(label("resilience_title.condition", condition=part.label))
        caption = say("resilience_caption.condition", condition=part.label)
    ctx.save(fig, f"resilience{part.suffix}", caption)


def _forest(
    ctx: Context, table: pd.DataFrame, metric: str, arms: Arms, conditions: Conditions
) -> tuple[str, str] | None:
    """Every arm's (and condition's) paired difference in one measure, with its 95 % interval:
    the brief's figure (its file name in ``figures/`` and its caption; None when nothing is compared)."""
    rows = table[table["scale"] != ""] if "scale" in table.columns else table.iloc[0:0]
    if rows.empty:
        return None
    scales = set(rows["scale"])
    scale = "relative" if scales == {"relative"} else ("points" if scales == {"points"} else "absolute")
    records = rows.to_dict("records")
    estimates = [
        (r["diff"], r["diff_low"], r["diff_high"]) if scale == "absolute" else analysis.display_difference(r)
        for r in records
    ]
    names = [
        label("arm_in_condition", arm=r["label"], condition=conditions.label(str(r["condition"])))
        if conditions.declared
        else r["label"]
        for r in records
    ]
    colours = [arms.colours.get(str(a), "k") for a in rows["arm"]]
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.42 * len(names)), constrained_layout=True)
    _forest_points(ax, np.array(estimates, dtype=float), names, colours)
    measure, reference = measures.label(metric), arms.reference_label
    unit = label(f"scale.{scale}") if scale != "absolute" else (measures.unit(metric) or label("own_units"))
    ax.set_xlabel(label("forest_axis", reference=reference, unit=unit))
    ax.set_title(label("forest_title", measure=measure), fontsize=10)
    caption = say("forest_caption", measure=measure, reference=reference, unit=unit)
    return ctx.place(fig, "forest").name, caption  # shown in the brief, which opens the report


def _forest_points(ax, est: np.ndarray, names: list[str], colours: list[Any]) -> None:
    """One point with whiskers per row of ``est`` (estimate, low, high), first row on top."""
    y = np.arange(len(names))[::-1]
    err = np.vstack([est[:, 0] - est[:, 1], est[:, 2] - est[:, 0]])
    err = np.where(np.isfinite(err), err, 0.0)
    for yi, e, lo, hi, c in zip(y, est[:, 0], err[0], err[1], colours, strict=True):
        ax.errorbar([e], [yi], xerr=[[lo], [hi]], fmt="o", color=c, ecolor=c, capsize=4, lw=1.4)
    ax.axvline(0.0, color="0.3", lw=0.9, ls="--")
    ax.set_yticks(y, names, fontsize=9)
