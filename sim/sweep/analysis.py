"""What sweep results mean: confidence intervals, paired comparisons, bands, sensitivity indices.

Pure functions on pandas DataFrames (the ``runs.parquet`` table and the per-step
``timeseries`` tables described in ``docs/experiments.md``). Distributions come from
scipy and sensitivity indices from SALib; nothing here draws figures or writes files.

Conventions:

* missing values (NaN/None, e.g. ``resilience.recovery_steps`` of a run that never
  recovered) are dropped, and boolean metrics (``resilience.recovered``) count as 0/1,
  so their mean is a share of runs;
* intervals are two-sided Student-t intervals (``scipy.stats.t``) with the standard
  error ``scipy.stats.sem``; with fewer than two values they are NaN;
* comparisons between arms are *paired*: replicate ``r`` of every arm has the same
  seed (the same villages and shocks), so the difference is taken within each
  replicate and the interval is the t interval of those differences.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from sim import outputs

# metrics whose differences read better in their own units than in % of the reference
ABSOLUTE_METRICS = frozenset(
    {"resilience.recovery_steps", "welfare.mean_utility"}
)  # utility: log scale, % is meaningless

NEAR_ZERO = 1e-6  # |reference mean| <= NEAR_ZERO * (1 + mean |values|) counts as ~0


def is_share(metric: str) -> bool:
    """A share or rate in [0, 1] (or a flag, whose mean over runs is a share): differences
    are reported in percentage points."""
    found = outputs.measure_info(metric)
    return found is not None and found.kind in (outputs.SHARE, outputs.FLAG)


def as_float(values: Any) -> np.ndarray:
    """Values as a float array: None/NA -> NaN, booleans -> 0/1."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(float, copy=False)
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.dtype == object or str(series.dtype) in ("boolean", "bool"):
        series = series.map(_to_float)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _to_float(value: Any) -> float:
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@functools.cache
def _t_quantile(confidence: float, df: int) -> float:
    """The two-sided Student-t critical value, computed once per size (``scipy.special.stdtrit``,
    the function ``scipy.stats.t.ppf`` evaluates: the same numbers without importing scipy.stats)."""
    return float(special.stdtrit(df, 0.5 + confidence / 2.0))


def _sem(x: np.ndarray) -> float:
    """The standard error of the mean, as ``scipy.stats.sem`` computes it (ddof 1), without its per-call overhead."""
    return float(np.std(x, ddof=1) / math.sqrt(x.size))


def _t_interval(mean: float, sem: float, n: int, confidence: float) -> tuple[float, float]:
    if n < 2 or not math.isfinite(sem):
        return (math.nan, math.nan)
    half = _t_quantile(confidence, n - 1) * sem
    return (mean - half, mean + half)


def mean_ci(values: Any, confidence: float = 0.95) -> tuple[int, float, float, float]:
    """(n, mean, low, high): the mean of the non-missing values and its Student-t interval.

    With n < 2 the interval is (NaN, NaN); with n == 0 the mean is NaN too.
    """
    x = as_float(values)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return (0, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return (n, mean, math.nan, math.nan)
    low, high = _t_interval(mean, _sem(x), n, confidence)
    return (n, mean, low, high)


def share_ci(values: Any, confidence: float = 0.95, flag: bool = False) -> tuple[int, float, float, float]:
    """(n, mean, low, high) of a share in [0, 1], with an interval that stays inside [0, 1].

    A flag (one 0/1 per run: "did the run recover?") gives a share of runs, whose interval is
    the Wilson score interval (``sim.sweep.robustness.wilson``). A share measured in each run
    (the share of households in poverty) gives a mean of shares, whose interval is the Student-t
    interval on the logit scale, by the delta method (``logit(m) +- t * sem / (m (1 - m))``),
    mapped back: close to the plain t interval away from 0 and 1, and never beyond them
    (a plain t interval of shares near 1 can end above 1). A mean of exactly 0 or 1 (every run
    at the bound) has the interval [0, 0] or [1, 1]."""
    n, mean, low, high = mean_ci(values, confidence)
    if n < 2 or not math.isfinite(low):
        return (n, mean, low, high)
    if flag:
        from sim.sweep.robustness import wilson

        x = as_float(values)
        return (n, mean, *wilson(int(round(float(np.nansum(x)))), n, confidence))
    if mean <= 0.0 or mean >= 1.0 or high == low:
        return (n, mean, mean, mean) if high == low else (n, mean, max(low, 0.0), min(high, 1.0))
    half = (high - low) / 2.0 / (mean * (1.0 - mean))  # the t half-width on the logit scale
    centre = float(special.logit(mean))
    return (n, mean, float(special.expit(centre - half)), float(special.expit(centre + half)))


def level_ci(metric: str, values: Any, confidence: float = 0.95) -> tuple[int, float, float, float]:
    """(n, mean, low, high) of one arm's values of ``metric``: the t interval, or for shares
    and flags an interval inside [0, 1] (:func:`share_ci`)."""
    found = outputs.measure_info(metric)
    if found is not None and found.kind in (outputs.SHARE, outputs.FLAG):
        return share_ci(values, confidence, flag=found.kind == outputs.FLAG)
    return mean_ci(values, confidence)


def level_method(metric: str) -> str:
    """How :func:`level_ci` builds ``metric``'s interval: "student_t", "logit_student_t" (a
    mean of shares) or "wilson" (a share of runs)."""
    found = outputs.measure_info(metric)
    kind = found.kind if found is not None else None
    return {outputs.SHARE: "logit_student_t", outputs.FLAG: "wilson"}.get(kind, "student_t")


def difference_scale(metric: str, reference_mean: float, values: Any = None) -> str:
    """How a difference is read: "relative" (% of the reference mean), "points"
    (percentage points, for shares and rates) or "absolute" (the metric's own units,
    for metrics listed in ABSOLUTE_METRICS and whenever the reference mean is ~0)."""
    if is_share(metric):
        return "points"
    if metric in ABSOLUTE_METRICS or near_zero(reference_mean, values):
        return "absolute"
    return "relative"


def near_zero(reference_mean: float, values: Any = None) -> bool:
    """Whether a reference mean is too close to 0 to express a difference in % of it:
    ``|mean| <= NEAR_ZERO * (1 + mean |values|)`` (or not finite)."""
    scale = 1.0
    if values is not None:
        x = as_float(values)
        x = x[~np.isnan(x)]
        if x.size:
            scale += float(np.mean(np.abs(x)))
    return not math.isfinite(reference_mean) or abs(reference_mean) <= NEAR_ZERO * scale


# ----------------------------------------------------------------------------- precision
# how many decimals an estimate and its interval support (sim/report/wording.py prints with them)


def decimals(value: float, low: float = math.nan, high: float = math.nan, minimum: int = 0) -> int:
    """Decimals to show: one significant digit of the interval's half-width, else three
    significant digits of the value; at least ``minimum``, at most 6."""
    half = (high - low) / 2.0
    if math.isfinite(half) and half > 1e-9 * max(1.0, abs(value) if math.isfinite(value) else 1.0):
        d = -math.floor(math.log10(half))
    elif math.isfinite(value) and value != 0:
        d = 2 - math.floor(math.log10(abs(value)))
    else:
        d = 1
    d = int(min(max(d, minimum), 6))
    # an interval end that is not 0 must not print as 0 (it would look as if the interval touched 0)
    while d < 6 and any(math.isfinite(v) and v != 0 and round(v, d) == 0 for v in (low, high)):
        d += 1
    return d


def fmt(value: float, digits: int) -> str:
    """A number with ``digits`` decimals and a typographic minus (no "-0.0")."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = f"{0.0:.{digits}f}"
    return text.replace("-", "\u2212")


# ----------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class RunColumns:
    """The columns of a runs table that name a run's arm and its pair: the replicate, whose
    seed (villages and shocks) every arm shares."""

    arm: str = "arm"
    pair: str = "replicate"


# a row of paired_comparison before its paired difference is known (the reference arm's row stays so)
_UNPAIRED: dict[str, Any] = {
    "n_pairs": np.nan,
    "diff": np.nan,
    "diff_low": np.nan,
    "diff_high": np.nan,
    "rel": np.nan,
    "rel_low": np.nan,
    "rel_high": np.nan,
    "p_value": np.nan,
    "scale": "",
}


def paired_comparison(
    runs: pd.DataFrame,
    metric: str,
    reference: str,
    group_cols: Sequence[str] = ("condition",),
    confidence: float = 0.95,
    arm_labels: Mapping[str, str] | None = None,
    columns: RunColumns = RunColumns(),
) -> pd.DataFrame:
    """One row per (group, arm): the arm's mean with its t interval and, for arms other
    than ``reference``, the paired difference against the reference arm of the same
    group, matched on the pair column (pairs with a missing value on either side are dropped).

    Columns: the group columns, ``arm``, ``label``, ``n``, ``mean``, ``ci_low``, ``ci_high``
    (a t interval; for shares and flags one inside [0, 1], see :func:`level_ci`),
    ``n_pairs``, ``diff``, ``diff_low``, ``diff_high`` (t interval of the per-pair
    differences), ``rel``, ``rel_low``, ``rel_high`` (the difference and its interval in
    % of the reference arm's mean over the same pairs; NaN when that mean is ~0),
    ``p_value`` (``scipy.stats.ttest_rel``; NaN when all differences are identical or
    there are fewer than two pairs) and ``scale`` ("relative", "points" or "absolute", see
    ``difference_scale``; "" for the reference arm). The report's sentences are in
    ``sim/report/wording.py``.

    The relative interval divides the interval of the difference by the reference mean
    as if that mean were known exactly; it ignores the reference mean's own
    uncertainty, which is an approximation (good when the reference mean is far from 0
    relative to its standard error). Group columns missing from ``runs`` are ignored.
    """
    group_cols = [c for c in group_cols if c in runs.columns]
    labels = dict(arm_labels or {})
    arm_col = columns.arm
    table = runs[[*group_cols, arm_col, columns.pair]].copy()
    table["_value"] = as_float(runs[metric])
    rows: list[dict[str, Any]] = []
    groups = table.groupby(group_cols, dropna=False, sort=False) if group_cols else [((), table)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        base = dict(zip(group_cols, key, strict=True))
        by_arm = {arm: sub for arm, sub in group.groupby(arm_col, sort=False, dropna=False)}
        ref_pairs, ref_values = _by_pair(by_arm.get(reference, group.iloc[:0]), reference, base, columns.pair)
        for arm in pd.unique(group[arm_col]):
            sub = by_arm[arm]
            n, mean, low, high = level_ci(metric, sub["_value"].to_numpy(), confidence)
            row = {**base, "arm": arm, "label": labels.get(arm, str(arm)), "n": n, "mean": mean}
            row.update(ci_low=low, ci_high=high, **_UNPAIRED)
            if arm != reference and len(ref_values):
                pairs, values = _by_pair(sub, arm, base, columns.pair)
                _, mine, theirs = np.intersect1d(pairs, ref_pairs, assume_unique=True, return_indices=True)
                x, r = values[mine], ref_values[theirs]
                keep = ~(np.isnan(x) | np.isnan(r))  # a pair with a missing value on either side is dropped
                row.update(_paired(x[keep], r[keep], metric, confidence))
            rows.append(row)
    return pd.DataFrame(rows)


def _by_pair(runs: pd.DataFrame, arm: str, group: dict[str, Any], pair_col: str) -> tuple[np.ndarray, np.ndarray]:
    """One arm's pairs and values in one group; a ValueError when two runs share a pair."""
    pairs = runs[pair_col].to_numpy()
    if len(np.unique(pairs)) != len(pairs):
        raise ValueError(f"paired_comparison: several {arm!r} runs share a {pair_col} value in group {group}")
    return pairs, runs["_value"].to_numpy(dtype=float)


def _paired(x: np.ndarray, r: np.ndarray, metric: str, confidence: float) -> dict[str, Any]:
    d = x - r
    n = int(d.size)
    out: dict[str, Any] = {"n_pairs": n}
    if n == 0:
        out["scale"] = difference_scale(metric, math.nan)
        return out
    diff = float(d.mean())
    sem = _sem(d) if n >= 2 else math.nan
    low, high = _t_interval(diff, sem, n, confidence)
    ref_mean = float(r.mean())
    out.update(diff=diff, diff_low=low, diff_high=high)
    if n >= 2 and np.ptp(d) > 1e-12 * (1.0 + float(np.max(np.abs(d)))):
        # the paired t-test (scipy.stats.ttest_rel: t = mean / sem on n - 1 degrees of freedom)
        out["p_value"] = float(2.0 * special.stdtr(n - 1, -abs(diff / sem)))  # = scipy.stats.t.sf(|t|, n - 1)
    both = np.concatenate([x, r])
    out["scale"] = difference_scale(metric, ref_mean, both)
    if not near_zero(ref_mean, both):
        bounds = sorted((100.0 * low / ref_mean, 100.0 * high / ref_mean)) if math.isfinite(low) else [np.nan] * 2
        out.update(rel=100.0 * diff / ref_mean, rel_low=bounds[0], rel_high=bounds[1])
    return out


def display_difference(row: Mapping[str, Any]) -> tuple[float, float, float]:
    """(estimate, low, high) of a paired-comparison row in the units of its ``scale``:
    % for "relative", percentage points for "points", own units for "absolute"."""
    scale = row.get("scale")
    if scale == "relative":
        return (row["rel"], row["rel_low"], row["rel_high"])
    factor = 100.0 if scale == "points" else 1.0
    return (factor * row["diff"], factor * row["diff_low"], factor * row["diff_high"])


# ----------------------------------------------------------------------------- time series, grids


def series_bands(
    timeseries: pd.DataFrame,
    column: str,
    by: Sequence[str] = ("arm", "condition"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group and step: ``n`` runs, ``mean``, and the t interval ``low``/``high``
    across runs (NaN where fewer than two runs have a value). Grouping columns
    missing from ``timeseries`` are ignored."""
    by = [c for c in by if c in timeseries.columns]
    frame = timeseries[[*by, "step"]].copy()
    frame["_value"] = as_float(timeseries[column])
    grouped = frame.groupby([*by, "step"], dropna=False, sort=True)["_value"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    n = out["n"].to_numpy()
    sem = out.pop("sd").to_numpy() / np.sqrt(np.maximum(n, 1))  # = scipy.stats.sem (ddof=1)
    half = np.full(len(out), np.nan)
    ok = (n >= 2) & np.isfinite(sem)
    half[ok] = special.stdtrit(n[ok] - 1, 0.5 + confidence / 2.0) * sem[ok]  # = scipy.stats.t.ppf
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out


def grid_means(runs: pd.DataFrame, metric: str, x: str, y: str) -> pd.DataFrame:
    """Mean of ``metric`` over runs for each (y, x) cell: index = y values, columns = x values."""
    frame = runs[[x, y]].copy()
    frame[metric] = as_float(runs[metric])
    return frame.pivot_table(index=y, columns=x, values=metric, aggfunc="mean", dropna=False)


def point_means(runs: pd.DataFrame, columns: Iterable[str], point_col: str = "point") -> pd.DataFrame:
    """Runs averaged over replicates per design point (in point order)."""
    columns = list(columns)
    frame = runs[[point_col]].copy()
    for c in columns:
        frame[c] = as_float(runs[c])
    return frame.groupby(point_col, sort=True)[columns].mean().reset_index()


def rank_correlations(runs: pd.DataFrame, metrics: Sequence[str], factors: Sequence[str]) -> pd.DataFrame:
    """Spearman rank correlation (``scipy.stats.spearmanr``) of each metric with each
    factor: columns metric, factor, n, rho, p_value. Missing values are dropped pairwise."""
    from scipy import stats

    rows = []
    for metric in metrics:
        y = as_float(runs[metric])
        for factor in factors:
            x = as_float(runs[factor])
            ok = ~(np.isnan(x) | np.isnan(y))
            n = int(ok.sum())
            rho = p = math.nan
            if n >= 3 and np.ptp(x[ok]) > 0 and np.ptp(y[ok]) > 0:
                result = stats.spearmanr(x[ok], y[ok])
                rho, p = float(result.statistic), float(result.pvalue)
            rows.append({"metric": metric, "factor": factor, "n": n, "rho": rho, "p_value": p})
    return pd.DataFrame(rows, columns=["metric", "factor", "n", "rho", "p_value"])


# ----------------------------------------------------------------------------- sensitivity (SALib)

BOOTSTRAP_RESAMPLES = 1000  # resamples of the trajectory bootstrap (Morris μ and σ)
MIN_TRAJECTORIES = 10  # fewer Morris trajectories rank nothing reliably (Saltelli et al. 2008: r = 10 to 20)
LEADING = 3  # a warning reads the (up to) three parameters with the largest index ...
MAIN_SHARE = 0.1  # ... Sobol: that explain at least a tenth of the variance (S1 or ST >= 0.1)
LEADING_SHARE = 0.1  # ... Morris (μ* has units): whose μ* is at least a tenth of the largest
MAX_STEP = 16  # the advice raises a sample at most this many times at once (then check again)
# An impossible value (S1 summing above 1, S1 above ST, an index outside [0, 1]) counts only when
# its interval clears the bound by more than this share of the variance: with 2 D intervals per
# measure a few near-zero indices miss 0 by a little by chance, at any N, and that matters to no one.
MARGIN = 0.05


def _problem(names: Sequence[str], bounds: Sequence[Sequence[float]] | None) -> dict[str, Any]:
    names = list(names)
    if bounds is None:  # Sobol's estimators read only the outputs; SALib still wants bounds
        bounds = [[0.0, 1.0]] * len(names)
    bounds = [[float(lo), float(hi)] for lo, hi in bounds]
    if len(names) != len(bounds):
        raise ValueError(f"{len(names)} names but {len(bounds)} bounds")
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def sobol_indices(
    names: Sequence[str],
    bounds: Sequence[Sequence[float]] | None,
    Y: Any,
    calc_second_order: bool,
    seed: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """First-order and total Sobol indices (``SALib.analyze.sobol.analyze``) from outputs
    ``Y`` in the order of ``SALib.sample.sobol.sample`` (whatever the parameters'
    distributions: the estimators read only the outputs, so ``bounds`` may be None).
    Columns: parameter, S1, S1_conf, ST, ST_conf (``*_conf``: half-width of SALib's
    bootstrap interval, z times the standard deviation of the index over 100 resamples of
    the N base rows). ``table.attrs``: ``design`` ("sobol"), ``samples`` (N), ``S1_sum``
    and ``S1_sum_conf``: the sum of the first-order indices and the half-width of its
    interval, from the same resamples (each resample's S1 summed, then z times their
    standard deviation: a bootstrap of the sum, which keeps the indices' correlation)."""
    from SALib.analyze import sobol

    problem = _problem(names, bounds)
    y = np.asarray(as_float(np.asarray(Y).ravel()), dtype=float)
    result = sobol.analyze(
        problem, y, calc_second_order=calc_second_order, conf_level=confidence, seed=seed, keep_resamples=True
    )
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )
    resampled_sums = np.asarray(result["S1_conf_all"], dtype=float).sum(axis=1)
    z = float(special.ndtri(0.5 + confidence / 2.0))  # = scipy.stats.norm.ppf
    table.attrs.update(
        design="sobol",
        samples=y.size // (problem["num_vars"] * (2 if calc_second_order else 1) + 2),
        S1_sum=float(np.sum(result["S1"])),
        S1_sum_conf=z * float(np.std(resampled_sums, ddof=1)),
    )
    return table


def elementary_effects(X: Any, Y: Any, num_levels: int = 4) -> np.ndarray:
    """The elementary effects of a Morris design: one row per trajectory, one column per
    parameter, as ``SALib.analyze.morris`` computes them. A trajectory is D + 1
    consecutive points, each differing from the one before in one parameter; that
    parameter's effect is the change in the output divided by the design's step in the
    unit cube, ``delta = L / (2 (L - 1))`` for L levels, with the sign of the parameter's
    move (only the direction of each step is read from ``X``)."""
    x = np.asarray(X, dtype=float)
    y = np.asarray(as_float(np.asarray(Y).ravel()), dtype=float)
    dims = x.shape[1]
    trajectories = y.size // (dims + 1)
    if trajectories < 1 or trajectories * (dims + 1) != y.size or len(x) != y.size:
        raise ValueError(f"{y.size} outputs do not make whole trajectories of {dims + 1} points")
    moves = np.diff(x.reshape(trajectories, dims + 1, dims), axis=1)  # trajectory, step, parameter
    changes = np.diff(y.reshape(trajectories, dims + 1), axis=1)  # trajectory, step
    moved = np.argmax(np.abs(moves), axis=2)  # the parameter each step moves
    direction = np.sign(np.take_along_axis(moves, moved[..., None], axis=2)[..., 0])
    delta = num_levels / (2.0 * (num_levels - 1))
    effects = np.full((trajectories, dims), np.nan)
    effects[np.arange(trajectories)[:, None], moved] = direction * changes / delta
    return effects


def morris_indices(
    names: Sequence[str],
    bounds: Sequence[Sequence[float]],
    X: Any,
    Y: Any,
    num_levels: int = 4,
    seed: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Morris elementary effects (``SALib.analyze.morris.analyze``) from the trajectories
    ``X`` and outputs ``Y``. Columns: parameter, mu, mu_low, mu_high, mu_star,
    mu_star_conf, sigma, sigma_low, sigma_high.

    μ* and ``mu_star_conf`` (its interval's half-width) are SALib's: a bootstrap of each
    parameter's effects, z times the standard deviation of μ* over the resamples. SALib
    gives μ and σ no interval; theirs (``*_low``, ``*_high``) is a percentile bootstrap over
    trajectories: the trajectories are resampled with replacement
    (:data:`BOOTSTRAP_RESAMPLES` times, by a numpy Generator seeded with ``seed``), μ and σ
    are recomputed on each resample, and the interval runs between the resamples'
    (1 - confidence) / 2 and (1 + confidence) / 2 quantiles (σ's is NaN below two
    trajectories). ``table.attrs``: ``design`` ("morris"), ``samples`` (trajectories)."""
    from SALib.analyze import morris

    problem = _problem(names, bounds)
    x = np.asarray(X, dtype=float)
    y = np.asarray(as_float(np.asarray(Y).ravel()), dtype=float)
    result = morris.analyze(problem, x, y, conf_level=confidence, num_levels=num_levels, seed=seed)
    effects = elementary_effects(x, y, num_levels)
    rng = np.random.default_rng(seed)
    resampled = effects[rng.integers(len(effects), size=(BOOTSTRAP_RESAMPLES, len(effects)))]
    tails = [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0]
    mu_low, mu_high = np.quantile(resampled.mean(axis=1), tails, axis=0)
    if len(effects) >= 2:
        sigma_low, sigma_high = np.quantile(resampled.std(axis=1, ddof=1), tails, axis=0)
    else:
        sigma_low = sigma_high = np.full(len(problem["names"]), np.nan)
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(result["mu"], dtype=float),
            "mu_low": mu_low,
            "mu_high": mu_high,
            "mu_star": np.asarray(result["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
            "sigma": np.asarray(result["sigma"], dtype=float),
            "sigma_low": sigma_low,
            "sigma_high": sigma_high,
        }
    )
    table.attrs.update(design="morris", samples=len(effects))
    return table


@dataclass(frozen=True)
class Finding:
    """A check of :func:`sensitivity_warnings` that fired: ``key`` names the check (and the
    report's sentence for it), ``values`` hold what that sentence shows."""

    key: str
    values: dict[str, Any]


def sensitivity_warnings(table: pd.DataFrame) -> list[Finding]:
    """Signs that a Sobol or Morris sample is too small for its indices to mean anything,
    from a table of :func:`sobol_indices` or :func:`morris_indices` (design and sample size
    read from ``table.attrs``, the design else from the columns). Empty when none fired;
    otherwise the findings, then ``advice``: the present sample size (``samples``) and
    the size it should be raised to (``needed``; None when the size is not known).

    Sobol: ``s1_sum`` (the first-order indices add up to more than 1 beyond the interval of
    their sum: from the bootstrap of the sum, ``attrs["S1_sum_conf"]``, else the
    conservative sum of the half-widths; ``method`` says which), ``s1_above_st`` (a
    parameter's S1 interval lies wholly above its ST interval), ``outside_unit`` (an
    index's interval lies wholly outside [0, 1]) -- each by more than :data:`MARGIN` --,
    ``wide`` and ``wide_s1`` (the ST, or S1,
    interval of a parameter leading by that index is wider than the index itself). Morris:
    ``few_trajectories`` (fewer than :data:`MIN_TRAJECTORIES`), ``wide_mu_star`` and
    ``wide_sigma`` (a leading parameter's μ* or σ interval is wider than the index itself).
    Leading parameters: the :data:`LEADING` with the largest index (ST, S1; Morris: μ*),
    of at least :data:`MAIN_SHARE` (Sobol: a tenth of the variance; an index of 0.03 whose
    interval is wider than it is no main parameter, and would need a vast N to settle) or,
    Morris, of at least :data:`LEADING_SHARE` of the largest μ*.

    ``needed`` assumes interval widths shrink as 1/√N and the indices stay put: the N at
    which the leading parameters' intervals would be no wider than their indices, at least
    twice the present N (Sobol: a power of 2; Morris: at least :data:`MIN_TRAJECTORIES`).
    From a tiny sample the intervals, and so this estimate, are rough: ``first`` is the size
    to try next, ``needed`` but at most :data:`MAX_STEP` times the present N."""
    design = table.attrs.get("design") or ("sobol" if "S1" in table.columns else "morris")
    if design == "sobol":
        findings, ratio = _sobol_findings(table)
    else:
        findings, ratio = _morris_findings(table)
    if not findings:
        return []
    samples = table.attrs.get("samples")
    needed = _needed(samples, ratio, design)
    first = min(needed, _needed(samples, math.sqrt(MAX_STEP), design)) if needed else None
    return [*findings, Finding("advice", {"samples": samples, "needed": needed, "first": first})]


def _leading(table: pd.DataFrame, column: str, floor: float | None = None) -> pd.DataFrame:
    """The rows of the leading parameters by ``column``: the :data:`LEADING` largest of at
    least ``floor`` (default: :data:`LEADING_SHARE` of the largest)."""
    ranked = table[np.isfinite(table[column].to_numpy(dtype=float))].sort_values(column, ascending=False)
    if ranked.empty or ranked[column].iloc[0] <= 0:
        return ranked.iloc[:0]
    floor = LEADING_SHARE * ranked[column].iloc[0] if floor is None else floor
    return ranked[ranked[column] >= floor].head(LEADING)


def _widths(rows: pd.DataFrame, index: str, low: str, high: str) -> tuple[list[str], float]:
    """Leading parameters whose interval of ``index`` is wider than the index, and the
    largest ratio width / index (NaN when there is none to read)."""
    ratios = (rows[high] - rows[low]).to_numpy(dtype=float) / rows[index].to_numpy(dtype=float)
    wide = [name for name, ratio in zip(rows["parameter"], ratios, strict=True) if ratio > 1.0]
    finite = ratios[np.isfinite(ratios)]
    return wide, float(finite.max()) if finite.size else math.nan


def _sobol_findings(table: pd.DataFrame) -> tuple[list[Finding], float]:
    s1, s1_conf = table["S1"].to_numpy(dtype=float), table["S1_conf"].to_numpy(dtype=float)
    st, st_conf = table["ST"].to_numpy(dtype=float), table["ST_conf"].to_numpy(dtype=float)
    names = list(table["parameter"])
    findings = []
    total = float(table.attrs.get("S1_sum", np.sum(s1)))
    if "S1_sum_conf" in table.attrs:
        half, method = float(table.attrs["S1_sum_conf"]), "bootstrap"
    else:
        half, method = float(np.sum(s1_conf)), "half_widths"
    if total - half > 1.0 + MARGIN:
        findings.append(Finding("s1_sum", {"sum": total, "low": total - half, "high": total + half, "method": method}))
    above = [n for n, a, ac, b, bc in zip(names, s1, s1_conf, st, st_conf, strict=True) if a - ac > b + bc + MARGIN]
    if above:
        findings.append(Finding("s1_above_st", {"parameters": above}))
    outside = []
    for name, a, a_conf, b, b_conf in zip(names, s1, s1_conf, st, st_conf, strict=True):
        for key, value, half in (("S1", a, a_conf), ("ST", b, b_conf)):
            if value - half > 1.0 + MARGIN or value + half < -MARGIN:
                outside.append(
                    {"parameter": name, "index": key, "value": value, "low": value - half, "high": value + half}
                )
    if outside:
        findings.append(Finding("outside_unit", {"indices": outside}))
    ratios = []
    for index, key in (("ST", "wide"), ("S1", "wide_s1")):
        rows = _leading(table, index, MAIN_SHARE).assign(
            _low=lambda t, i=index: t[i] - t[f"{i}_conf"], _high=lambda t, i=index: t[i] + t[f"{i}_conf"]
        )
        wide, ratio = _widths(rows, index, "_low", "_high")
        ratios.append(ratio)
        if wide:
            findings.append(Finding(key, {"parameters": wide}))
    return findings, float(np.nanmax([*ratios, 0.0]))


def _morris_findings(table: pd.DataFrame) -> tuple[list[Finding], float]:
    findings = []
    trajectories = table.attrs.get("samples")
    if trajectories is not None and trajectories < MIN_TRAJECTORIES:
        findings.append(Finding("few_trajectories", {"trajectories": trajectories, "minimum": MIN_TRAJECTORIES}))
    rows = _leading(table, "mu_star").assign(
        _low=lambda t: t["mu_star"] - t["mu_star_conf"], _high=lambda t: t["mu_star"] + t["mu_star_conf"]
    )
    wide_mu_star, ratio_mu_star = _widths(rows, "mu_star", "_low", "_high")
    if wide_mu_star:
        findings.append(Finding("wide_mu_star", {"parameters": wide_mu_star}))
    wide_sigma, ratio_sigma = _widths(rows, "sigma", "sigma_low", "sigma_high") if "sigma_low" in rows else ([], 0.0)
    if wide_sigma:
        findings.append(Finding("wide_sigma", {"parameters": wide_sigma}))
    return findings, float(np.nanmax([ratio_mu_star, ratio_sigma, 0.0]))


def _needed(samples: int | None, ratio: float, design: str) -> int | None:
    """The sample size at which intervals ``ratio`` times as wide as their index would be
    no wider than it (widths ~ 1/√N), at least twice ``samples``."""
    if not samples:
        return None
    needed = max(2.0 * samples, samples * ratio**2 if math.isfinite(ratio) else 0.0)
    if design == "sobol":
        return int(2 ** math.ceil(math.log2(needed)))
    return max(MIN_TRAJECTORIES, math.ceil(needed))
