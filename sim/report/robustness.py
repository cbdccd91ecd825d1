"""The report of a robustness design: the answer first (per policy, how often it beats the
reference, its regret and where it fails), then the regret distribution, the failure boxes
(PRIM), each metric's win shares and the policies compared with each other.

The numbers come from ``sim.sweep.robustness``; every sentence from ``sim/report/wording.py``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import measures
from sim.report.results import CONFIDENCE, Context
from sim.report.sensitivity import Ranges
from sim.report.wording import count, interval, label, listing, number, plural_subject, say, tick, translated
from sim.sweep import robustness as rb
from sim.sweep.robustness import Box


def _share(row) -> str:
    """A share of worlds with its Wilson interval, in %: "71 % [52, 85]"."""
    return interval(row["share"], row["low"], row["high"], scale=100.0, unit="percent", digits=0)


def _limit_text(limit: rb.Limit) -> str:
    """One side or both of a box, with two significant digits ("drought severity ≥ 0.52")."""
    low, high = (None if v is None else tick(float(f"{v:.2g}")) for v in (limit.low, limit.high))
    if low is not None and high is not None:
        return label("robust.between", name=limit.key, low=low, high=high)
    if low is not None:
        return label("robust.at_least", name=limit.key, value=low)
    return label("robust.at_most", name=limit.key, value=high)


def _box_text(box: Box) -> str:
    """Where a policy fails, in words (the table's last column)."""
    if box.reason == "none":
        return label("robust.fails_nowhere")
    if box.reason == "all":
        return label("robust.fails_everywhere")
    if box.reason == "few" or not box.limits:
        return label("robust.fails_scattered", failing=box.failing, worlds=box.worlds)
    return listing([_limit_text(lim) for lim in box.limits], "and_list")


def robustness_section(ctx: Context) -> None:
    """The body of a robustness report."""
    exp, doc = ctx.exp, ctx.doc
    uncertainties = list(exp.get("ranges") or {})
    arms = exp.get("arms") or []
    labels = {a["name"]: translated(a.get("label", a["name"])) for a in arms}
    policies = [a["name"] for a in arms if a["name"] in set(ctx.runs["arm"])]
    reference = exp.get("reference") or (policies[0] if policies else "")
    objective = exp.get("objective") or (ctx.metrics[0] if ctx.metrics else "")
    missing = [u for u in uncertainties if u not in ctx.runs.columns]
    if missing or reference not in policies or objective not in ctx.metrics or len(policies) < 2:
        doc.para(say("robust.unreadable", missing=listing(missing) or label("n/a")))
        return
    table = rb.world_table(ctx.runs, ctx.metrics, uncertainties)
    worlds = table[rb.WORLD].nunique()
    better = measures.better(objective) or "higher"
    measure = measures.label(objective)
    doc.para(
        say(
            "robust.intro",
            policies=len(policies),
            worlds=worlds,
            uncertainties=len(uncertainties),
            replicates=exp.get("replicates", label("n/a")),
            reference=labels[reference],
            measure=measure,
        )
    )
    doc.para(say("robust.basis"))
    regrets = rb.regret(table, objective, better, policies)
    choice = rb.regret_summary(regrets)
    wins = rb.win_shares(table, objective, better, policies, [reference], CONFIDENCE)
    x = table.drop_duplicates(rb.WORLD).set_index(rb.WORLD)[uncertainties]
    boxes = {
        p: rb.failure_box(x, rb.failures(table, objective, better, p, reference)) for p in policies if p != reference
    }
    _answer(ctx, policies, labels, reference, wins, choice, boxes, objective)
    _failures(ctx, policies, labels, reference, boxes, x, table, objective, better)
    _regret_figure(ctx, regrets, labels, objective)
    _every_metric(ctx, table, policies, labels, reference)
    _pairwise(ctx, table, policies, labels, objective, better)
    doc.heading(2, label("robust.ranges_heading"))
    _ranges_table(ctx)


def _answer(ctx, policies, labels, reference, wins, choice, boxes, objective) -> None:
    doc = ctx.doc
    doc.heading(2, label("robust.answer_heading"))
    summary = choice.summary.set_index("policy")
    unit = measures.unit(objective)
    d = _regret_decimals(summary["max"].to_numpy(dtype=float))
    by_policy = wins.set_index("policy")
    rows = []
    for p in policies:
        beats = _share(by_policy.loc[p]) if p in by_policy.index else label("robust.is_reference")
        fails = _box_text(boxes[p]) if p in boxes else label("robust.is_reference")
        r = summary.loc[p]
        rows.append([labels[p], beats, number(r["median"], d), number(r["p90"], d), number(r["max"], d), fails])
    header = [
        label("col.policy"),
        label("robust.col_beats", reference=labels[reference]),
        label("robust.col_median"),
        label("robust.col_p90"),
        label("robust.col_max"),
        label("robust.col_fails"),
    ]
    doc.table(header, rows)
    maximum = number(summary.loc[choice.minimax, "max"], d)
    p90 = number(summary.loc[choice.percentile, "p90"], d)
    key = "robust.choice.same" if choice.minimax == choice.percentile else "robust.choice"
    doc.para(
        say(
            key,
            minimax=labels[choice.minimax],
            maximum=maximum,
            percentile=labels[choice.percentile],
            p90=p90,
            measure=measures.label(objective),
            unit=unit or label("metric_units"),
        )
    )


def _regret_decimals(largest: np.ndarray) -> int:
    """Decimals that give the largest regret two significant digits (the smaller ones follow)."""
    top = float(np.nanmax(largest)) if np.isfinite(largest).any() else 0.0
    return 2 if top <= 0 else max(0, 1 - math.floor(math.log10(top)))


def _failures(ctx, policies, labels, reference, boxes, x, table, objective, better) -> None:
    doc = ctx.doc
    doc.heading(2, label("robust.failures_heading"))
    doc.para(say("robust.failures_intro", reference=labels[reference], measure=measures.label(objective)))
    items = []
    for p, box in boxes.items():
        names = {"policy": labels[p], "reference": labels[reference], "failing": box.failing, "worlds": box.worlds}
        grammar = ".plural" if plural_subject(labels[p]) else ""
        if box.reason in ("none", "all", "few"):
            items.append(say(f"robust.box.{box.reason}{grammar}", **names))
        elif not box.limits:
            items.append(say(f"robust.box.few{grammar}", **names))
        else:
            items.append(
                say(
                    f"robust.box{grammar}",
                    where=_box_text(box),
                    coverage=number(100 * box.coverage, 0),
                    density=number(100 * box.density, 0),
                    inside=round(box.mass * box.worlds),
                    **names,
                )
            )
    doc.bullets(items)
    shown = [p for p in policies if p in boxes]
    if not shown or len(x.columns) < 1:
        return
    fig = _box_figure(shown, labels, boxes, x, table, objective, better, reference)
    ctx.save(fig, "robustness_failures", say("robust.box_caption", reference=labels[reference]))


def _box_axes(box: Box, columns: list[str]) -> list[str]:
    """The two uncertainties a policy's panel shows: the box's restricted ones first."""
    chosen = [lim.key for lim in box.limits][:2]
    chosen += [c for c in columns if c not in chosen][: 2 - len(chosen)]
    return chosen


def _box_figure(shown, labels, boxes, x, table, objective, better, reference):
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.0 * rows), constrained_layout=True, squeeze=False)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_visible(False)
    for ax, p in zip(axes.ravel(), shown, strict=False):
        box = boxes[p]
        fail = rb.failures(table, objective, better, p, reference).reindex(x.index).fillna(False).to_numpy(bool)
        keys = _box_axes(box, list(x.columns))
        xs = x[keys[0]].to_numpy(float)
        ys = x[keys[1]].to_numpy(float) if len(keys) > 1 else np.zeros(len(xs))
        ax.scatter(xs[~fail], ys[~fail], s=14, color="0.6", label=label("robust.legend_beats"))
        ax.scatter(xs[fail], ys[fail], s=22, color="C3", marker="x", label=label("robust.legend_fails"))
        if box.limits:
            lims = {lim.key: lim for lim in box.limits}
            x0, x1 = _span(lims.get(keys[0]), xs)
            y0, y1 = _span(lims.get(keys[1]) if len(keys) > 1 else None, ys)
            ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="C3", lw=1.4, ls="--"))
        ax.set_xlabel(keys[0], fontsize=7)
        if len(keys) > 1:
            ax.set_ylabel(keys[1], fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_title(labels[p], fontsize=9)
    axes.ravel()[0].legend(fontsize=7, loc="best")
    return fig


def _span(limit: rb.Limit | None, values: np.ndarray) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    if limit is None:
        return low, high
    return (limit.low if limit.low is not None else low), (limit.high if limit.high is not None else high)


def _regret_figure(ctx, regrets: pd.DataFrame, labels, objective) -> None:
    measure = measures.label(objective)
    fig, ax = plt.subplots(figsize=(7.0, 1.2 + 0.45 * regrets.shape[1]), constrained_layout=True)
    ax.boxplot([regrets[p].to_numpy() for p in regrets.columns][::-1], orientation="horizontal", whis=(0, 100))
    ax.set_yticks(range(1, regrets.shape[1] + 1), [labels[p] for p in regrets.columns][::-1], fontsize=8)
    ax.set_xlabel(label("robust.regret_axis", measure=measure, unit=measures.unit(objective) or label("metric_units")))
    ax.set_title(label("robust.regret_title", measure=measure), fontsize=10)
    ctx.save(fig, "robustness_regret", say("robust.regret_caption", measure=measure))


def _every_metric(ctx, table, policies, labels, reference) -> None:
    doc = ctx.doc
    shown = [m for m in ctx.metrics if measures.better(m)]
    if not shown:
        return
    doc.heading(2, label("robust.metrics_heading", reference=labels[reference]))
    doc.para(say("robust.metrics_intro", reference=labels[reference]))
    cells = {}
    for m in shown:
        for _, row in rb.win_shares(table, m, measures.better(m), policies, [reference], CONFIDENCE).iterrows():
            cells[(row["policy"], m)] = _share(row)
    rows = [[labels[p], *(cells.get((p, m), label("n/a")) for m in shown)] for p in policies if p != reference]
    doc.table([label("col.policy"), *(measures.label(m) for m in shown)], rows)


def _pairwise(ctx, table, policies, labels, objective, better) -> None:
    doc = ctx.doc
    doc.heading(2, label("robust.pairwise_heading"))
    doc.para(say("robust.pairwise_intro", measure=measures.label(objective)))
    shares = rb.win_shares(table, objective, better, policies, policies, CONFIDENCE).set_index(["policy", "other"])
    rows = []
    for p in policies:
        row = [labels[p]]
        for q in policies:
            row.append("—" if p == q else _share(shares.loc[(p, q)]))
        rows.append(row)
    doc.table([label("robust.col_row_beats"), *(labels[q] for q in policies)], rows)
    doc.para(count("robust.worlds_note", int(table[rb.WORLD].nunique())))


def _ranges_table(ctx) -> None:
    Ranges.of(ctx.exp).table(ctx.doc, meanings=True)
