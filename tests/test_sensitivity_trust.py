"""Sensitivity indices you can trust (sim/sweep/analysis.py, issue 14): every index has an
interval, and ``sensitivity_warnings`` says when a sample is too small for them to mean
anything, on hand-made tables and on the Ishigami function (known answers)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from sim.sweep.analysis import (
    elementary_effects,
    morris_indices,
    sensitivity_warnings,
    sobol_indices,
)

NAMES = ["x1", "x2", "x3"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[-math.pi, math.pi]] * 3}


def ishigami_sobol(n: int) -> pd.DataFrame:
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=3)
    return sobol_indices(NAMES, None, Ishigami.evaluate(x), False, seed=5)


def ishigami_morris(trajectories: int, seed: int = 5) -> pd.DataFrame:
    x = morris_sample.sample(PROBLEM, trajectories, num_levels=4, seed=3)
    return morris_indices(NAMES, PROBLEM["bounds"], x, Ishigami.evaluate(x), seed=seed)


def keys(findings) -> list[str]:
    return [f.key for f in findings]


# ----------------------------------------------------------------------------- intervals


def test_elementary_effects_are_salibs():
    """The trajectory bootstrap resamples the same effects SALib averages."""
    x = morris_sample.sample(PROBLEM, 15, num_levels=4, seed=8)
    y = Ishigami.evaluate(x)
    effects = elementary_effects(x, y, num_levels=4)
    salib = morris_analyze.analyze(PROBLEM, x, y, num_levels=4, seed=1)
    assert effects.shape == (15, 3)
    np.testing.assert_allclose(effects.mean(axis=0), salib["mu"])
    np.testing.assert_allclose(np.abs(effects).mean(axis=0), salib["mu_star"])
    np.testing.assert_allclose(effects.std(axis=0, ddof=1), salib["sigma"])


def test_morris_mu_and_sigma_have_seeded_percentile_intervals_over_trajectories():
    table = ishigami_morris(40)
    for index in ("mu", "sigma"):
        low, value, high = (table[f"{index}{end}"].to_numpy() for end in ("_low", "", "_high"))
        assert np.all(low < high) and np.all(low <= value + 1e-12) and np.all(value <= high + 1e-12)
    pd.testing.assert_frame_equal(table, ishigami_morris(40))  # seeded: the same intervals again
    assert not table["sigma_low"].equals(ishigami_morris(40, seed=6)["sigma_low"])
    assert table.attrs == {"design": "morris", "samples": 40}


def test_morris_intervals_shrink_like_one_over_root_trajectories():
    """A noisy linear model (continuous effects): 16 times the trajectories, a quarter of the width."""
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}

    def widths(trajectories: int) -> np.ndarray:
        x = morris_sample.sample(problem, trajectories, num_levels=4, seed=2)
        y = 2 * x[:, 0] + x[:, 1] + np.random.default_rng(4).normal(0.0, 0.3, len(x))
        table = morris_indices(["a", "b"], problem["bounds"], x, y, seed=1)
        return np.array([table[f"{k}_high"] - table[f"{k}_low"] for k in ("mu", "sigma")])

    ratio = widths(25) / widths(400)
    assert np.all((ratio > 2.5) & (ratio < 6.5)), ratio  # sqrt(400 / 25) = 4


def test_morris_intervals_of_a_linear_model_have_no_width():
    """y = 3 x1 - x2: every trajectory has the same effects, so resampling moves nothing."""
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    x = morris_sample.sample(problem, 12, num_levels=4, seed=2)
    table = morris_indices(["a", "b"], problem["bounds"], x, 3 * x[:, 0] - x[:, 1], seed=1)
    np.testing.assert_allclose(table[["mu", "mu_low", "mu_high"]].to_numpy(), [[3, 3, 3], [-1, -1, -1]], atol=1e-9)
    np.testing.assert_allclose(table[["sigma_low", "sigma_high"]].to_numpy(), 0.0, atol=1e-9)


def test_the_sum_of_first_order_indices_is_bootstrapped():
    table = ishigami_sobol(256)
    assert table.attrs["samples"] == 256 and table.attrs["design"] == "sobol"
    assert table.attrs["S1_sum"] == pytest.approx(table["S1"].sum())
    # the sum's own bootstrap is never wider than the half-widths added up (and here narrower)
    assert 0 < table.attrs["S1_sum_conf"] < table["S1_conf"].sum()


# ----------------------------------------------------------------------------- the warnings: hand-made tables


def sobol_table(rows, samples=64, **attrs) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["parameter", "S1", "S1_conf", "ST", "ST_conf"])
    table.attrs.update(design="sobol", samples=samples, **attrs)
    return table


CLEAN = [("a", 0.5, 0.05, 0.6, 0.05), ("b", 0.2, 0.05, 0.3, 0.04), ("c", 0.0, 0.03, 0.01, 0.01)]


def test_a_clean_sobol_table_warns_of_nothing():
    assert sensitivity_warnings(sobol_table(CLEAN)) == []
    assert sensitivity_warnings(sobol_table(CLEAN, S1_sum=0.7, S1_sum_conf=0.05)) == []


def test_first_order_indices_adding_up_beyond_one():
    """Beyond the sum's interval: the bootstrap's when the table carries it, else the
    conservative sum of the half-widths."""
    rows = [("a", 0.7, 0.1, 0.75, 0.05), ("b", 0.5, 0.1, 0.55, 0.05)]  # S1 sums to 1.2
    (finding, advice) = sensitivity_warnings(sobol_table(rows, S1_sum=1.2, S1_sum_conf=0.1))
    assert finding.key == "s1_sum" and finding.values["method"] == "bootstrap"
    assert finding.values["low"] == pytest.approx(1.1) and finding.values["high"] == pytest.approx(1.3)
    assert advice.key == "advice"
    assert sensitivity_warnings(sobol_table(rows, S1_sum=1.2, S1_sum_conf=0.3)) == []  # 1 inside the interval
    assert sensitivity_warnings(sobol_table(rows)) == []  # half-widths: 1.2 - 0.2 is not beyond 1
    rows = [("a", 0.7, 0.05, 0.75, 0.05), ("b", 0.5, 0.05, 0.55, 0.05)]
    assert [f.values.get("method") for f in sensitivity_warnings(sobol_table(rows))] == ["half_widths", None]


def test_first_order_above_total_beyond_both_intervals():
    rows = [("a", 0.6, 0.05, 0.4, 0.05), ("b", 0.35, 0.1, 0.3, 0.1), *CLEAN[1:]]
    findings = sensitivity_warnings(sobol_table(rows))
    assert keys(findings) == ["s1_above_st", "advice"]
    assert findings[0].values == {"parameters": ["a"]}  # b's intervals overlap


def test_indices_outside_zero_to_one_beyond_their_intervals():
    rows = [("a", 0.3, 0.05, 1.3, 0.2), ("b", -0.2, 0.1, 0.2, 0.05), ("c", -0.05, 0.1, 0.1, 0.04)]
    findings = sensitivity_warnings(sobol_table(rows))
    assert keys(findings) == ["outside_unit", "advice"]
    outside = findings[0].values["indices"]
    assert [(i["parameter"], i["index"]) for i in outside] == [("a", "ST"), ("b", "S1")]
    assert outside[0]["low"] == pytest.approx(1.1) and outside[1]["high"] == pytest.approx(-0.1)


def test_an_impossible_value_by_a_hair_is_chance_not_a_warning():
    """N = 512 of the shipped experiment: S1 of a parameter without effect at -0.005, its
    interval [-0.0095, -0.0006] just below 0 (a few of 30 intervals miss by chance); S1 just
    above ST, S1 adding up to just above 1. None clears its bound by more than MARGIN (0.05)."""
    rows = [("none", -0.005, 0.0045, 0.002, 0.001), ("a", 0.62, 0.01, 0.58, 0.01), ("b", 0.42, 0.01, 0.45, 0.02)]
    assert sensitivity_warnings(sobol_table(rows, S1_sum=1.037, S1_sum_conf=0.01)) == []
    rows[0] = ("none", -0.07, 0.0045, 0.002, 0.001)
    assert keys(sensitivity_warnings(sobol_table(rows, S1_sum=1.037, S1_sum_conf=0.01))) == ["outside_unit", "advice"]


def test_intervals_wider_than_the_leading_indices_and_the_sample_they_need():
    """Leading: the three largest ST of at least 0.1 (a tenth of the variance). N to ask for: the
    widest leading interval (width / ST = 2) shrinks as 1/sqrt(N): 64 x 2^2 = 256."""
    rows = [("a", 0.3, 0.1, 0.4, 0.4), ("b", 0.1, 0.04, 0.3, 0.1), ("tiny", 0.0, 0.02, 0.02, 0.03)]
    findings = sensitivity_warnings(sobol_table(rows, samples=64))
    assert keys(findings) == ["wide", "advice"]
    assert findings[0].values == {"parameters": ["a"]}  # tiny's wide interval is not a leading one
    assert findings[1].values == {"samples": 64, "needed": 256, "first": 256}
    rows[0] = ("a", 0.3, 0.1, 0.4, 0.21)  # ratio 1.05: still twice the sample at least
    assert sensitivity_warnings(sobol_table(rows, samples=64))[-1].values["needed"] == 128
    rows[0] = ("a", 0.3, 0.1, 0.4, 2.0)  # ratio 10: 6,400 -> 8,192, but try 16 x 64 first
    assert sensitivity_warnings(sobol_table(rows, samples=64))[-1].values == {
        "samples": 64,
        "needed": 8192,
        "first": 1024,
    }
    assert sensitivity_warnings(sobol_table(rows, samples=None))[-1].values["needed"] is None


def test_first_order_intervals_wider_than_the_leading_first_order_indices():
    """Leading by S1 this time: a parameter acting only through interactions (S1 about 0,
    its interval wider than that) is not one of them, nor one explaining 5 % alone (N = 1024
    of the shipped experiment's resilience.loss: S1 0.049 +- 0.065)."""
    rows = [("a", 0.4, 0.1, 0.5, 0.05), ("b", 0.2, 0.15, 0.3, 0.05), ("pure interaction", 0.0, 0.1, 0.2, 0.05)]
    rows.append(("small", 0.049, 0.065, 0.48, 0.06))
    findings = sensitivity_warnings(sobol_table(rows, samples=128))
    assert keys(findings) == ["wide_s1", "advice"]
    assert findings[0].values == {"parameters": ["b"]}
    assert findings[1].values["needed"] == 512  # 128 x (0.3 / 0.2)^2 = 288 -> a power of 2


def morris_table(rows, trajectories=40) -> pd.DataFrame:
    columns = ["parameter", "mu_star", "mu_star_conf", "sigma", "sigma_low", "sigma_high"]
    table = pd.DataFrame(rows, columns=columns)
    table.attrs.update(design="morris", samples=trajectories)
    return table


def test_morris_warnings():
    clean = [("a", 2.0, 0.2, 1.0, 0.8, 1.3), ("b", 1.0, 0.2, 0.5, 0.3, 0.7), ("c", 0.01, 0.05, 0.01, 0.0, 0.1)]
    assert sensitivity_warnings(morris_table(clean)) == []
    few = sensitivity_warnings(morris_table(clean, trajectories=6))
    assert keys(few) == ["few_trajectories", "advice"]
    assert few[-1].values["needed"] == 12  # twice the trajectories (at least MIN_TRAJECTORIES)
    wide = [("a", 2.0, 1.5, 1.0, 0.2, 2.2), ("b", 1.0, 0.2, 0.5, 0.3, 0.7)]
    findings = sensitivity_warnings(morris_table(wide, trajectories=40))
    assert keys(findings) == ["wide_mu_star", "wide_sigma", "advice"]
    assert findings[0].values == findings[1].values == {"parameters": ["a"]}
    assert findings[-1].values["needed"] == math.ceil(40 * 2.0**2)  # σ's interval: 2 x σ


# ----------------------------------------------------------------------------- the warnings: Ishigami


def test_a_small_sobol_sample_of_the_ishigami_function_is_flagged():
    findings = sensitivity_warnings(ishigami_sobol(8))
    assert "wide" in keys(findings) and findings[-1].key == "advice"
    assert findings[-1].values["needed"] > 8


def test_a_large_sobol_sample_of_the_ishigami_function_is_not():
    assert sensitivity_warnings(ishigami_sobol(1024)) == []


def test_morris_screening_of_the_ishigami_function():
    assert "few_trajectories" in keys(sensitivity_warnings(ishigami_morris(4)))
    assert sensitivity_warnings(ishigami_morris(100)) == []
