"""Robust policy comparison over sampled worlds: how often a policy wins, its regret, and
where it fails (scenario discovery with the EMA Workbench's PRIM).

A robustness experiment (``design = "robustness"``) runs every policy (an arm) in every
world (a sampled point of the uncertainty ranges) for every replicate, replicate ``r`` with
the same seed everywhere (common random numbers). The functions here read its stored runs:

* :func:`world_table`: each (world, policy)'s mean over its replicates;
* :func:`win_shares`: in how many worlds a policy does better than another (the reference,
  or every other policy), with a Wilson interval over the sample of worlds;
* :func:`regret` and :func:`regret_summary`: in each world, how far each policy falls short
  of the best policy of that world (Savage's regret), and the minimax and
  percentile-regret choices;
* :func:`failure_box`: PRIM's box of the uncertainty space that holds the worlds where a
  policy fails (does not beat the reference), with coverage and density.

Sources: Lempert, Popper & Bankes 2003 (RAND MR-1626) and Lempert & Collins 2007 (Risk
Analysis 27:1009) for regret-based robustness; Bryant & Lempert 2010 (Technological
Forecasting and Social Change 77:34) for PRIM scenario discovery; Kwakkel 2017
(Environmental Modelling & Software 96:239) for the EMA Workbench.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from scipy import special

from sim.sweep.analysis import as_float

WORLD = "condition"  # the runs' column that names the world (w000, w001, ...)
PERCENTILE = 90  # the percentile-regret choice minimises this percentile of regret over worlds


def world_name(index: int) -> str:
    """The name of world ``index`` (its value in the runs' ``condition`` column)."""
    return f"w{index:03d}"


def world_table(runs: pd.DataFrame, metrics: Sequence[str], uncertainties: Sequence[str]) -> pd.DataFrame:
    """One row per (world, policy): the world's uncertainty values and each metric's mean
    over the replicates (replicates with a missing value are left out of that mean)."""
    frame = runs[[WORLD, "arm", *uncertainties]].copy()
    for metric in metrics:
        frame[metric] = as_float(runs[metric])
    grouped = frame.groupby([WORLD, "arm"], sort=True)
    means = grouped[list(metrics)].mean()
    values = grouped[list(uncertainties)].first()
    return pd.concat([values, means], axis=1).reset_index()


def _wide(table: pd.DataFrame, metric: str, policies: Sequence[str]) -> pd.DataFrame:
    """worlds x policies of one metric (worlds missing a policy are dropped)."""
    wide = table.pivot(index=WORLD, columns="arm", values=metric)
    return wide[[p for p in policies if p in wide.columns]].dropna()


def _signed(wide: pd.DataFrame, better: str) -> pd.DataFrame:
    """Values oriented so that larger is better."""
    return wide if better == "higher" else -wide


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share (Newcombe 1998, Statistics in Medicine 17:857, method 3;
    it stays inside [0, 1]). The same operations as ``scipy.stats.binomtest(...).proportion_ci(
    method="wilson")`` (``tests/test_robustness.py`` checks they agree), on ``scipy.special``
    alone: importing ``scipy.stats`` would add about a second to every report."""
    if trials == 0:
        return math.nan, math.nan
    k, n = successes, trials
    p = k / n
    z = float(special.ndtri(0.5 + 0.5 * confidence))
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    return (0.0 if k == 0 else center - delta), (1.0 if k == n else center + delta)


def win_shares(
    table: pd.DataFrame,
    metric: str,
    better: str,
    policies: Sequence[str],
    against: Sequence[str],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """For each policy and each other policy in ``against``: the worlds in which it does
    strictly better on ``metric`` (its mean over replicates), their share and its Wilson
    interval. Columns: ``policy``, ``other``, ``wins``, ``ties``, ``worlds``, ``share``,
    ``low``, ``high``. The interval covers the sampling of worlds, not the replicate noise
    inside a world (each world's comparison is of replicate means, paired by seed)."""
    wide = _signed(_wide(table, metric, policies), better)
    rows = []
    for policy in wide.columns:
        for other in against:
            if other == policy or other not in wide.columns:
                continue
            wins = int((wide[policy] > wide[other]).sum())
            ties = int((wide[policy] == wide[other]).sum())
            worlds = len(wide)
            low, high = wilson(wins, worlds, confidence)
            rows.append(
                {"policy": policy, "other": other, "wins": wins, "ties": ties, "worlds": worlds}
                | {"share": wins / worlds if worlds else math.nan, "low": low, "high": high}
            )
    return pd.DataFrame(rows, columns=["policy", "other", "wins", "ties", "worlds", "share", "low", "high"])


def regret(table: pd.DataFrame, metric: str, better: str, policies: Sequence[str]) -> pd.DataFrame:
    """worlds x policies: in each world, how far the policy falls short of the best policy
    of that world on ``metric`` (in the metric's units; 0 for the best, never negative)."""
    wide = _signed(_wide(table, metric, policies), better)
    return wide.rsub(wide.max(axis=1), axis=0)


@dataclass(frozen=True)
class RegretChoice:
    """Regret per policy over the worlds, and the policies a regret rule chooses."""

    summary: pd.DataFrame  # policy, median, p90, max, mean, best_in (share of worlds where it is best)
    minimax: str  # smallest maximum regret
    percentile: str  # smallest PERCENTILE-th percentile of regret


def regret_summary(regrets: pd.DataFrame) -> RegretChoice:
    """The distribution of each policy's regret and the minimax and percentile-regret
    choices (ties go to the policy listed first)."""
    summary = pd.DataFrame(
        {
            "policy": regrets.columns,
            "median": regrets.median().to_numpy(),
            "p90": regrets.quantile(PERCENTILE / 100).to_numpy(),
            "max": regrets.max().to_numpy(),
            "mean": regrets.mean().to_numpy(),
            "best_in": (regrets == 0).mean().to_numpy(),
        }
    )
    minimax = str(summary.loc[summary["max"].idxmin(), "policy"])
    percentile = str(summary.loc[summary["p90"].idxmin(), "policy"])
    return RegretChoice(summary, minimax, percentile)


def failures(table: pd.DataFrame, metric: str, better: str, policy: str, reference: str) -> pd.Series:
    """Per world, whether ``policy`` fails: does not do strictly better than ``reference``."""
    wide = _signed(_wide(table, metric, [policy, reference]), better)
    return ~(wide[policy] > wide[reference])


@dataclass(frozen=True)
class Limit:
    """One restricted dimension of a box: the uncertainty and the bounds it keeps."""

    key: str
    low: float | None  # None: not raised above the sampled minimum
    high: float | None  # None: not lowered below the sampled maximum


@dataclass(frozen=True)
class Box:
    """PRIM's box of the worlds where a policy fails."""

    limits: list[Limit] = field(default_factory=list)
    coverage: float = math.nan  # share of the failing worlds that lie inside the box
    density: float = math.nan  # share of the worlds inside the box that fail
    mass: float = math.nan  # share of all worlds inside the box
    failing: int = 0  # failing worlds in all
    worlds: int = 0
    reason: str = ""  # why there is no box: "none" (never fails), "all" (always), "few" (too few
    # failures, or no box of few restrictions that could not be chance); "" when a box was found


MIN_FAILING = 3  # fewer failing worlds than this: no box is sought
MIN_COVERAGE = 0.5  # the box kept: the densest on PRIM's peeling trajectory with at least this coverage ...
MAX_DIMENSIONS = 3  # ... that restricts at most this many uncertainties (a box people can read and check)


def failure_box(x: pd.DataFrame, failing: pd.Series, mass_min: float = 0.05) -> Box:
    """PRIM (EMA Workbench, ``ema_workbench.analysis.prim.Prim``) on the worlds: ``x`` holds
    the uncertainties (one row per world), ``failing`` whether the policy fails there. Of the
    boxes on PRIM's peeling trajectory, the one kept is the densest whose coverage is at
    least ``MIN_COVERAGE`` (it holds at least half of the failures) and that restricts at most
    ``MAX_DIMENSIONS`` uncertainties: the trade-off of scenario discovery between coverage,
    density and interpretability (Bryant & Lempert 2010). No box when the policy fails in
    fewer than ``MIN_FAILING`` worlds or in every world, or when no such box is denser in
    failures than the whole sample (``reason`` says which)."""
    from sim.ema import workbench

    y = failing.reindex(x.index).fillna(False).to_numpy(dtype=bool)
    n, k = len(y), int(y.sum())
    if k == 0 or k < MIN_FAILING:
        return Box(failing=k, worlds=n, reason="none" if k == 0 else "few")
    if k == n:
        return Box(failing=k, worlds=n, coverage=1.0, density=1.0, mass=1.0, reason="all")
    workbench()  # the one-line error naming the extra when it is missing
    from ema_workbench.analysis import prim

    frame = x.reset_index(drop=True).astype(float)
    with warnings.catch_warnings():  # pandas deprecations inside the Workbench
        warnings.simplefilter("ignore")
        found = prim.Prim(frame, y, mass_min=mass_min).find_box()
    trajectory = found.peeling_trajectory
    base_rate = k / n
    eligible = trajectory[
        (trajectory["coverage"] >= MIN_COVERAGE)
        & (trajectory["res_dim"] <= MAX_DIMENSIONS)
        & (trajectory["density"] > base_rate)
    ]
    if eligible.empty:  # no readable box concentrates the failures more than the whole space does
        return Box(failing=k, worlds=n, reason="few")
    best = int(eligible.sort_values(["density", "coverage"], ascending=[False, False]).index[0])
    best = _significant(found, best, frame.columns)
    trajectory = found.peeling_trajectory
    lims = found.box_lims[best]
    limits = []
    for key in frame.columns:
        low, high = float(lims.loc[0, key]), float(lims.loc[1, key])
        raised, lowered = low > frame[key].min(), high < frame[key].max()
        if raised or lowered:
            limits.append(Limit(key, low if raised else None, high if lowered else None))
    if not limits:  # every restriction could be chance
        return Box(failing=k, worlds=n, reason="few")
    row = trajectory.loc[best]
    return Box(limits, float(row["coverage"]), float(row["density"]), float(row["mass"]), k, n)


QP_LIMIT = 0.05  # a restriction is kept when one of its sides has a quasi-p value below this


def _significant(found, i: int, columns) -> int:
    """Box ``i`` without its restrictions that could be chance: PRIM's quasi-p value of each
    restricted side (the binomial test of Bryant & Lempert 2010) must be below ``QP_LIMIT`` on
    at least one side, else the restriction is dropped (``PrimBox.drop_restriction``, which
    appends the wider box to the trajectory). Returns the index of the box kept."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in columns:
            sides = [q for q in found.p_values[i].get(key, []) if q is not None and q >= 0]
            if sides and min(sides) >= QP_LIMIT:
                found.drop_restriction(key, i)
                i = len(found.box_lims) - 1
    return i
