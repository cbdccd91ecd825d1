"""Known-answer tests of the sweep statistics (sim/sweep/analysis.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami
from scipy import stats

from sim.sweep import analysis
from sim.sweep.analysis import (
    grid_means,
    mean_ci,
    morris_indices,
    paired_comparison,
    rank_correlations,
    series_bands,
    sobol_indices,
)

LABELS = {"autarky": "No cooperation", "formal": "Formal agreement", "informal": "Informal"}


def t_interval(x: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Independent computation: mean ± t_{n-1} quantile × sample sd / sqrt(n)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * np.std(x, ddof=1) / math.sqrt(n)
    return (x.mean() - half, x.mean() + half)


def paired_runs(
    effects: dict[str, float], n: int = 20, noise: float = 0.02, seed: int = 7, metric: str = "welfare.mean_consumption"
) -> pd.DataFrame:
    """arm value = the replicate's shared level + the arm's constant effect + independent noise."""
    rng = np.random.default_rng(seed)
    shared = 1.2 + 0.2 * rng.standard_normal(n)  # what replicate r's villages and shocks make of it
    rows = []
    for arm, effect in effects.items():
        values = shared + effect + (noise * rng.standard_normal(n) if noise else 0.0)
        rows += [{"arm": arm, "condition": "base", "replicate": r, metric: v} for r, v in enumerate(values)]
    return pd.DataFrame(rows)


def row_of(table: pd.DataFrame, arm: str) -> pd.Series:
    return table[table["arm"] == arm].iloc[0]


# ----------------------------------------------------------------------------- mean_ci


def test_mean_ci_matches_an_independent_t_interval():
    x = np.random.default_rng(1).normal(3.0, 2.0, 17)
    n, mean, low, high = mean_ci(x)
    assert n == 17 and mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(t_interval(x), rel=1e-12)
    n90, _, low90, high90 = mean_ci(x, confidence=0.90)
    assert (low90, high90) == pytest.approx(t_interval(x, 0.90), rel=1e-12)
    assert high90 - low90 < high - low


def test_mean_ci_drops_missing_values_and_needs_two():
    n, mean, low, high = mean_ci([1.0, None, np.nan, 3.0, 5.0])
    assert (n, mean) == (3, 3.0)
    assert (low, high) == pytest.approx(t_interval(np.array([1.0, 3.0, 5.0])))
    n, mean, low, high = mean_ci([2.0, None])
    assert (n, mean) == (1, 2.0) and math.isnan(low) and math.isnan(high)
    n, mean, low, high = mean_ci([])
    assert n == 0 and math.isnan(mean)


def test_mean_ci_of_booleans_is_a_share():
    n, mean, _, _ = mean_ci(pd.Series([True, False, True, True, None], dtype=object))
    assert (n, mean) == (4, 0.75)


# ----------------------------------------------------------------------------- paired_comparison


def test_paired_difference_matches_an_independent_computation():
    runs = paired_runs({"autarky": 0.0, "formal": 0.05, "informal": -0.03})
    table = paired_comparison(runs, "welfare.mean_consumption", "autarky", arm_labels=LABELS)
    assert list(table["arm"]) == ["autarky", "formal", "informal"]
    assert list(table["label"]) == ["No cooperation", "Formal agreement", "Informal"]
    ref = runs[runs["arm"] == "autarky"].sort_values("replicate")["welfare.mean_consumption"].to_numpy()
    for arm, effect in (("formal", 0.05), ("informal", -0.03)):
        x = runs[runs["arm"] == arm].sort_values("replicate")["welfare.mean_consumption"].to_numpy()
        row = row_of(table, arm)
        d = x - ref
        assert row["n"] == 20 and row["n_pairs"] == 20
        assert row["mean"] == pytest.approx(x.mean())
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(x))
        assert row["diff"] == pytest.approx(d.mean())
        assert (row["diff_low"], row["diff_high"]) == pytest.approx(t_interval(d))
        assert row["diff"] == pytest.approx(effect, abs=0.015)  # the known effect, up to noise (sd 0.02 × √2 / √20)
        # relative: the difference and its interval in % of the reference mean
        assert row["rel"] == pytest.approx(100 * d.mean() / ref.mean())
        assert (row["rel_low"], row["rel_high"]) == pytest.approx(tuple(100 * np.array(t_interval(d)) / ref.mean()))
        # paired t test, computed by hand from the t distribution
        t = d.mean() / (np.std(d, ddof=1) / math.sqrt(d.size))
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), d.size - 1))
        assert row["scale"] == "relative"
    # pairing removes the shared replicate level: the paired interval is far narrower than the arms'
    formal = row_of(table, "formal")
    assert formal["diff_high"] - formal["diff_low"] < 0.2 * (formal["ci_high"] - formal["ci_low"])
    reference = row_of(table, "autarky")
    assert math.isnan(reference["diff"]) and reference["scale"] == ""
    assert "reading" not in table.columns  # statistics only: the sentences are sim/report/wording.py's


def test_constant_difference_gives_a_zero_width_interval():
    # values on a binary grid, so every per-replicate difference is exactly 0.25
    reference = np.arange(10) / 8 + 1.0
    runs = pd.DataFrame(
        [{"arm": "autarky", "replicate": r, "m": v} for r, v in enumerate(reference)]
        + [{"arm": "formal", "replicate": r, "m": v + 0.25} for r, v in enumerate(reference)]
    )
    row = row_of(paired_comparison(runs, "m", "autarky", group_cols=(), arm_labels=LABELS), "formal")
    assert row["diff"] == row["diff_low"] == row["diff_high"] == 0.25
    assert math.isnan(row["p_value"])  # all differences identical: no t test
    rel = 100 * 0.25 / reference.mean()
    assert row["rel"] == pytest.approx(rel) and row["rel_low"] == row["rel_high"] == pytest.approx(rel)
    # a constant zero difference
    same = runs.assign(m=np.where(runs["arm"] == "formal", runs["m"] - 0.25, runs["m"]))
    row = row_of(paired_comparison(same, "m", "autarky", group_cols=(), arm_labels=LABELS), "formal")
    assert row["diff"] == row["diff_low"] == row["diff_high"] == 0.0


def test_missing_values_drop_the_pair():
    runs = paired_runs({"autarky": 0.0, "formal": 0.1}, n=12)
    metric = "welfare.mean_consumption"
    runs[metric] = runs[metric].astype(object)
    runs.loc[(runs["arm"] == "autarky") & runs["replicate"].isin([0, 5]), metric] = np.nan
    runs.loc[(runs["arm"] == "formal") & runs["replicate"].isin([5, 7]), metric] = None
    table = paired_comparison(runs, metric, "autarky", arm_labels=LABELS)
    row = row_of(table, "formal")
    kept = [r for r in range(12) if r not in (0, 5, 7)]
    ref = runs[(runs["arm"] == "autarky") & runs["replicate"].isin(kept)].sort_values("replicate")[metric]
    x = runs[(runs["arm"] == "formal") & runs["replicate"].isin(kept)].sort_values("replicate")[metric]
    d = x.to_numpy(dtype=float) - ref.to_numpy(dtype=float)
    assert row["n"] == 10 and row["n_pairs"] == 9
    assert row["diff"] == pytest.approx(d.mean())
    assert (row["diff_low"], row["diff_high"]) == pytest.approx(t_interval(d))
    assert row_of(table, "autarky")["n"] == 10


def test_pairs_are_matched_on_the_replicate_not_the_row_order():
    runs = paired_runs({"autarky": 0.0, "formal": 0.05})
    shuffled = runs.sample(frac=1.0, random_state=3)
    a = row_of(paired_comparison(runs, "welfare.mean_consumption", "autarky"), "formal")
    b = row_of(paired_comparison(shuffled, "welfare.mean_consumption", "autarky"), "formal")
    assert (a["diff"], a["diff_low"], a["diff_high"]) == pytest.approx((b["diff"], b["diff_low"], b["diff_high"]))


def test_groups_are_compared_separately():
    base = paired_runs({"autarky": 0.0, "formal": 0.05}, seed=1)
    drought = paired_runs({"autarky": 0.0, "formal": -0.05}, seed=2).assign(condition="drought")
    table = paired_comparison(pd.concat([base, drought]), "welfare.mean_consumption", "autarky")
    assert len(table) == 4 and list(table.columns[:2]) == ["condition", "arm"]
    by = {(r["condition"], r["arm"]): r for r in table.to_dict("records")}
    assert by[("base", "formal")]["diff"] > 0 > by[("drought", "formal")]["diff"]


def test_shares_are_compared_in_percentage_points():
    runs = paired_runs({"autarky": 0.0, "formal": -0.05}, metric="welfare.poverty_rate", noise=0.005)
    runs["welfare.poverty_rate"] -= 0.9  # shares around 0.3
    row = row_of(paired_comparison(runs, "welfare.poverty_rate", "autarky", arm_labels=LABELS), "formal")
    assert row["scale"] == "points"
    assert analysis.display_difference(row)[0] == pytest.approx(100 * row["diff"])
    assert analysis.display_difference(row)[0] < 0


def test_boolean_metric_is_a_share_of_runs():
    runs = pd.DataFrame(
        [{"arm": "autarky", "replicate": r, "resilience.recovered": r < 4} for r in range(10)]
        + [{"arm": "formal", "replicate": r, "resilience.recovered": r < 9} for r in range(10)]
    )
    table = paired_comparison(runs, "resilience.recovered", "autarky", group_cols=("condition",))
    row = row_of(table, "formal")
    assert row["mean"] == pytest.approx(0.9) and row_of(table, "autarky")["mean"] == pytest.approx(0.4)
    assert row["diff"] == pytest.approx(0.5) and row["scale"] == "points"
    d = np.array([0.0] * 4 + [1.0] * 5 + [0.0])
    assert (row["diff_low"], row["diff_high"]) == pytest.approx(t_interval(d))


def test_reference_near_zero_reports_own_units():
    rng = np.random.default_rng(2)
    runs = pd.DataFrame(
        [{"arm": "autarky", "replicate": r, "x.count": 0.0} for r in range(8)]
        + [{"arm": "formal", "replicate": r, "x.count": 2.0 + rng.normal(0, 0.1)} for r in range(8)]
    )
    row = row_of(paired_comparison(runs, "x.count", "autarky", arm_labels=LABELS), "formal")
    assert row["scale"] == "absolute" and math.isnan(row["rel"])
    assert analysis.display_difference(row) == (row["diff"], row["diff_low"], row["diff_high"])
    assert row["diff"] == pytest.approx(2.0, abs=0.1)


# ----------------------------------------------------------------------------- bands, grids, correlations


def test_series_bands_match_per_step_t_intervals():
    rng = np.random.default_rng(4)
    frames = []
    for arm in ("autarky", "formal"):
        for r in range(6):
            frames.append(
                pd.DataFrame(
                    {
                        "run_id": f"{arm}{r}",
                        "arm": arm,
                        "condition": "base",
                        "step": np.arange(5),
                        "mean_consumption": rng.normal(1.0 + (arm == "formal"), 0.1, 5),
                    }
                )
            )
    ts = pd.concat(frames, ignore_index=True)
    bands = series_bands(ts, "mean_consumption")
    assert len(bands) == 2 * 5 and set(bands.columns) >= {"arm", "condition", "step", "n", "mean", "low", "high"}
    for row in bands.to_dict("records"):
        x = ts[(ts["arm"] == row["arm"]) & (ts["step"] == row["step"])]["mean_consumption"].to_numpy()
        assert row["n"] == 6 and row["mean"] == pytest.approx(x.mean())
        assert (row["low"], row["high"]) == pytest.approx(t_interval(x))
    one = series_bands(ts[ts["run_id"] == "formal0"], "mean_consumption", by=("arm",))
    assert one["low"].isna().all()


def test_grid_means_pivot():
    rows = [
        {"a": a, "b": b, "replicate": r, "m": a * 10 + b + r}
        for a in (0.0, 0.5, 1.0)
        for b in (1, 2, 3, 4)
        for r in (0, 1)
    ]
    pivot = grid_means(pd.DataFrame(rows), "m", x="a", y="b")
    assert pivot.shape == (4, 3)
    assert list(pivot.index) == [1, 2, 3, 4] and list(pivot.columns) == [0.0, 0.5, 1.0]
    assert pivot.loc[3, 0.5] == pytest.approx(5 + 3 + 0.5)


def test_rank_correlations():
    x = np.linspace(0, 1, 12)
    runs = pd.DataFrame({"f": x, "g": x[::-1], "m": np.exp(x)})
    table = rank_correlations(runs, ["m"], ["f", "g"])
    assert table.set_index("factor")["rho"].to_dict() == pytest.approx({"f": 1.0, "g": -1.0})


# ----------------------------------------------------------------------------- sensitivity


def test_sobol_recovers_the_ishigami_indices():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(problem, 1024, calc_second_order=True, seed=42)
    table = sobol_indices(problem["names"], problem["bounds"], Ishigami.evaluate(X), True, seed=42)
    assert list(table.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    analytic = {"S1": (0.314, 0.442, 0.0), "ST": (0.558, 0.442, 0.244)}
    for index, truth in analytic.items():
        estimate, conf = table[index].to_numpy(), table[f"{index}_conf"].to_numpy()
        assert np.all(np.abs(estimate - truth) <= np.maximum(conf, 0.03)), (index, estimate, conf)
        assert np.all(np.abs(estimate - truth) <= 0.05)
    # reproducible with a seed
    again = sobol_indices(problem["names"], problem["bounds"], Ishigami.evaluate(X), True, seed=42)
    pd.testing.assert_frame_equal(table, again)


def test_morris_effects_of_a_linear_model():
    names, bounds = ["a", "b", "c"], [[0.0, 10.0], [0.0, 1.0], [-1.0, 1.0]]
    problem = {"num_vars": 3, "names": names, "bounds": bounds}
    X = morris_sample.sample(problem, 10, num_levels=4, seed=1)
    Y = 3.0 * X[:, 0] - 2.0 * X[:, 1] + 0.0 * X[:, 2]
    table = morris_indices(names, bounds, X, Y, num_levels=4, seed=1)
    assert list(table["parameter"]) == names
    # elementary effects are per full range of each parameter
    assert table["mu_star"].to_numpy() == pytest.approx([30.0, 2.0, 0.0], abs=1e-9)
    assert table["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert table["mu"].to_numpy() == pytest.approx([30.0, -2.0, 0.0], abs=1e-9)


def test_decimals_never_print_a_nonzero_interval_end_as_zero():
    assert analysis.decimals(4.1, 3.2, 5.0) == 1
    assert analysis.decimals(-0.03, -0.056, -0.0046) == 3
    assert analysis.fmt(-0.0046, 3) == "\u22120.005" and analysis.fmt(-0.0001, 2) == "0.00"
