"""Who gains, where: each arm's paired gain in mean consumption per district and per village.

Every arm of a replicate runs on the same villages (the landscape's stream depends on the
replicate's seed only), so a village's gain under an arm is its mean consumption under the
arm minus under the reference arm in the same replicate and condition, averaged over the
replicates, with a Student-t interval over the replicates (as ``analysis.paired_comparison``
for the whole region). A district's gain is that of its household-weighted mean consumption,
computed by ``analysis.paired_comparison`` itself. Consumption is a village's mean over the
summary's steps (``sim.outputs.village_table``); intervals cover replicate noise only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from sim.sweep import analysis

VALUE = "mean_consumption"  # the per-village measure compared (poverty lines per household)
KEYS = ("arm", "condition", "replicate")  # what a village row takes from its run


def load_villages(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame | None:
    """Every run's per-village rows (``villages.parquet``) with the run's arm, condition and
    replicate; None for a folder made before villages were stored."""
    path = Path(results_dir) / "villages.parquet"
    if not path.exists():
        return None
    villages = pd.read_parquet(path)
    keys = ["run_id", *(k for k in KEYS if k in runs.columns)]
    return villages.merge(runs[keys], on="run_id", how="inner")


def district_gains(villages: pd.DataFrame, reference: str, confidence: float = 0.95) -> pd.DataFrame:
    """``analysis.paired_comparison`` of each district's household-weighted mean consumption,
    grouped by condition and district: one row per (condition, district, arm)."""
    frame = villages.assign(_weighted=villages[VALUE] * villages["households"])
    by = [c for c in ("run_id", *KEYS) if c in frame.columns] + ["district"]
    sums = frame.groupby(by, sort=True, dropna=False)[["_weighted", "households"]].sum().reset_index()
    sums[VALUE] = sums["_weighted"] / sums["households"]
    groups = [c for c in ("condition", "district") if c in sums.columns]
    return analysis.paired_comparison(sums, VALUE, reference, group_cols=groups, confidence=confidence)


def village_gains(villages: pd.DataFrame, reference: str, confidence: float = 0.95) -> pd.DataFrame:
    """Each village's paired gain under each arm other than ``reference``: one row per
    (condition, arm, village) with ``n_pairs``, ``diff``, ``diff_low``, ``diff_high`` (Student
    t over the replicates), ``rel`` (% of the village's mean under the reference), and the
    village's district, position and households."""
    condition = ["condition"] if "condition" in villages.columns else []
    pair = [*condition, "replicate", "village"]
    ref = villages[villages["arm"].astype(str) == reference][[*pair, VALUE]].rename(columns={VALUE: "_ref"})
    others = villages[villages["arm"].astype(str) != reference]
    paired = others.merge(ref, on=pair, how="inner")
    paired["_d"] = paired[VALUE] - paired["_ref"]
    by = [*condition, "arm", "village"]
    stats = paired.groupby(by, sort=True, dropna=False).agg(
        n_pairs=("_d", "count"), diff=("_d", "mean"), sd=("_d", "std"), ref_mean=("_ref", "mean")
    )
    n = stats["n_pairs"].to_numpy()
    half = np.full(len(stats), np.nan)
    ok = n >= 2
    half[ok] = special.stdtrit(n[ok] - 1, 0.5 + confidence / 2.0) * stats["sd"].to_numpy()[ok] / np.sqrt(n[ok])
    stats["diff_low"] = stats["diff"] - half
    stats["diff_high"] = stats["diff"] + half
    stats["rel"] = 100.0 * stats["diff"] / stats["ref_mean"]
    place = villages.drop_duplicates([*condition, "village"])[
        [*condition, "village", "district", "x_km", "y_km", "households"]
    ]
    out = stats.drop(columns="sd").reset_index().merge(place, on=[*condition, "village"], how="left")
    return out


def left_behind(gains: pd.DataFrame) -> pd.DataFrame:
    """Per (condition, arm): villages, those whose gain interval lies below 0 (``lose``) and
    above 0 (``gain``), and the share of households in losing villages."""
    condition = ["condition"] if "condition" in gains.columns else []
    frame = gains.assign(
        lose=gains["diff_high"] < 0,
        gain=gains["diff_low"] > 0,
        _lost_households=np.where(gains["diff_high"] < 0, gains["households"], 0.0),
    )
    out = frame.groupby([*condition, "arm"], sort=False, dropna=False).agg(
        villages=("village", "count"),
        lose=("lose", "sum"),
        gain=("gain", "sum"),
        _lost=("_lost_households", "sum"),
        _all=("households", "sum"),
    )
    out["households_losing"] = out.pop("_lost") / out.pop("_all")
    return out.reset_index()
