"""Who gains, where (per condition of an arms report): for each arm, how many villages gain
and lose against the reference arm, which districts gain most and least, and a map of each
village's paired gain. The numbers are ``sim.sweep.villages``'; the sentences ``wording``'s."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from sim.report.results import CONFIDENCE, Context
from sim.report.wording import interval, label, number, say
from sim.sweep import villages as gains


def _gains(ctx: Context, reference: str, condition: str | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Each village's and each district's paired gain in one condition (computed once per
    report); None for a folder made before villages were stored."""
    key = ("village_gains", condition)
    if key not in ctx.cache:
        table = ctx.cache.get("villages")
        if "villages" not in ctx.cache:
            table = ctx.cache["villages"] = gains.load_villages(ctx.results_dir, ctx.runs)
        found = None
        if table is not None and not table.empty and reference in set(table["arm"].astype(str)):
            if condition is not None:
                table = table[table["condition"].astype(str) == condition]
            villages = gains.village_gains(table, reference, CONFIDENCE)
            if not villages.empty:
                found = (villages, gains.district_gains(table, reference, CONFIDENCE))
        ctx.cache[key] = found
    return ctx.cache[key]


def who_gains_rows(ctx: Context, compared) -> list[list[str]]:
    """The brief's "who gains, where" table: per condition and compared arm, the villages that
    gain and lose, the households in losing villages, and the districts that gain most and least."""
    arms, rows = compared.arms, []
    for condition in compared.conditions.names:
        found = _gains(ctx, arms.reference, condition)
        if found is None:
            continue
        villages, districts = found
        summary = gains.left_behind(villages).set_index("arm")
        where = compared.conditions.label(condition) if condition is not None else ""
        for i, arm in enumerate(a for a in arms.names if a != arms.reference and a in summary.index):
            counts = summary.loc[arm]
            ranked = districts[(districts["arm"].astype(str) == arm) & districts["rel"].notna()].sort_values("rel")
            rows.append(
                [
                    where if i == 0 else "",  # the condition in its first row only
                    arms.label(arm),
                    label("where.of", count=int(counts["gain"]), total=int(counts["villages"])),
                    label("where.of", count=int(counts["lose"]), total=int(counts["villages"])),
                    label("percent", value=number(100.0 * counts["households_losing"], 0)),
                    _district(ranked.iloc[-1]) if len(ranked) else label("n/a"),
                    _district(ranked.iloc[0]) if len(ranked) else label("n/a"),
                ]
            )
    return rows


def villages_part(ctx: Context, part, arms) -> None:
    """The map of each village's paired gain in one condition (``arms.Part``); the brief holds
    the table of who gains and loses. Nothing for a folder made before villages were stored."""
    found = _gains(ctx, arms.reference, part.name)
    if found is None:
        return
    ctx.doc.heading(3, label("where.heading"))
    if not ctx.cache.get("where.intro"):  # how a gain is measured: said once, before the first map
        ctx.doc.para(say("where.intro", reference=arms.reference_label))
        ctx.cache["where.intro"] = True
    _map(ctx, found[0], arms, part.suffix, part.label)


def _district(row: pd.Series) -> str:
    """A district and its paired gain: "district 5: 4.8 % [4.1, 5.4]"."""
    gain = interval(row["rel"], row["rel_low"], row["rel_high"], 1.0, "percent", 1)
    return label("where.district", district=int(row["district"]), gain=gain)


def _map(ctx: Context, villages: pd.DataFrame, arms, suffix: str, condition: str | None) -> None:
    """One panel per compared arm: each village at its place, sized by households, coloured by
    its paired gain in % (blue gains, red loses; one colour scale for all panels)."""
    shown = [a for a in arms.names if a != arms.reference and a in set(villages["arm"].astype(str))]
    if not shown:
        return
    ncols = min(3, len(shown))
    nrows = -(-len(shown) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.9 * nrows), squeeze=False, layout="constrained")
    span = float(np.nanmax(np.abs(villages["rel"]))) if villages["rel"].notna().any() else 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-max(span, 1e-9), vmax=max(span, 1e-9))
    size = 12.0 + 60.0 * villages["households"] / villages["households"].max()
    points = None
    for ax, arm in zip(axes.ravel(), shown, strict=False):
        mine = villages["arm"].astype(str) == arm
        points = ax.scatter(
            villages.loc[mine, "x_km"], villages.loc[mine, "y_km"], c=villages.loc[mine, "rel"], s=size[mine],
            cmap="RdBu", norm=norm, edgecolors="0.3", linewidths=0.3,
        )  # fmt: skip
        ax.set_title(arms.label(arm), fontsize=10)
        ax.set_aspect("equal")
        ax.set_xlabel(label("where.km_east"))
        ax.set_ylabel(label("where.km_north"))
    for ax in axes.ravel()[len(shown) :]:
        ax.axis("off")
    fig.colorbar(points, ax=axes, shrink=0.8, label=label("where.colour", reference=arms.reference_label))
    caption = say("where.caption", reference=arms.reference_label)
    if condition is not None:
        caption = f"{caption} {label('where.condition', condition=condition)}"
    ctx.save(fig, f"villages{suffix}", caption)
