"""Who gains, where (per condition of an arms report): for each arm, how many villages gain
and lose against the reference arm, which districts gain most and least, and a map of each
village's paired gain. The numbers are ``sim.sweep.villages``'; the sentences ``wording``'s."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from sim.report.results import CONFIDENCE, Context
from sim.report.wording import interval, label, say
from sim.sweep import villages as gains

DISTRICTS_SHOWN = 1  # districts named at each end (most and least gain) per arm


def villages_part(ctx: Context, part, arms) -> None:
    """The "who gains, where" table and map of one condition (``arms.Part``; nothing for a
    folder made before villages were stored)."""
    table = gains.load_villages(ctx.results_dir, ctx.runs)
    if table is None or table.empty or arms.reference not in set(table["arm"].astype(str)):
        return
    if part.name is not None:
        table = table[table["condition"].astype(str) == part.name]
    villages = gains.village_gains(table, arms.reference, CONFIDENCE)
    districts = gains.district_gains(table, arms.reference, CONFIDENCE)
    if villages.empty:
        return
    doc = ctx.doc
    doc.heading(3, label("where.heading"))
    doc.para(say("where.intro", reference=arms.reference_label))
    summary = gains.left_behind(villages).set_index("arm")
    rows = []
    for arm in [a for a in arms.names if a != arms.reference and a in summary.index]:
        counts = summary.loc[arm]
        ranked = districts[(districts["arm"].astype(str) == arm) & districts["rel"].notna()].sort_values("rel")
        rows.append(
            [
                arms.label(arm),
                label("where.of", count=int(counts["gain"]), total=int(counts["villages"])),
                label("where.of", count=int(counts["lose"]), total=int(counts["villages"])),
                label("percent", value=f"{100.0 * counts['households_losing']:.0f}"),
                _district(ranked.iloc[-1]) if len(ranked) else label("n/a"),
                _district(ranked.iloc[0]) if len(ranked) else label("n/a"),
            ]
        )
    header = [label(f"where.col.{key}") for key in ("arm", "gain", "lose", "households", "most", "least")]
    doc.table(header, rows)
    _map(ctx, villages, arms, part.suffix, part.label)


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
