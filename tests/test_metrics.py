"""Welfare and resilience measures on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from sim import metrics


def test_resilience_of_a_known_dip():
    counterfactual = np.full(10, 2.0)
    welfare = counterfactual.copy()
    welfare[5], welfare[6] = 1.0, 1.8  # a 50 % drop, then 10 % below, then back
    welfare[8] = 2.1  # noise above the counterfactual after recovery is not a loss
    out = metrics.resilience(welfare, counterfactual, 5)
    assert out["resistance"] == pytest.approx(0.5)
    assert out["recovered"] and out["recovery_steps"] == 2
    assert out["loss"] == pytest.approx(0.5 + 0.1)


def test_not_recovered_is_reported_as_such():
    counterfactual = np.full(8, 1.0)
    welfare = np.array([1.0, 1.0, 1.0, 0.5, 0.7, 0.8, 0.9, 0.9])
    out = metrics.resilience(welfare, counterfactual, 3)
    assert out["recovered"] is False and out["recovery_steps"] is None
    assert out["loss"] == pytest.approx(0.5 + 0.3 + 0.2 + 0.1 + 0.1)


def test_robustness_counts_villages_never_below_the_line():
    villages = np.array([[1.5, 0.8, 2.0], [1.2, 1.5, 2.0], [1.1, 1.2, 0.9]])  # steps x villages
    out = metrics.resilience(np.ones(3), np.ones(3), 1, villages)
    assert out["robustness"] == pytest.approx(2 / 3)  # from the shock on, only village 2 falls below 1


def test_gini_and_poverty_known_values():
    assert metrics.weighted_gini(np.array([1.0, 1.0, 1.0]), np.ones(3)) == pytest.approx(0.0)
    assert metrics.weighted_gini(np.array([0.0, 0.0, 0.0, 1.0]), np.ones(4)) == pytest.approx(0.75)
    assert metrics.weighted_gini(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(0.25)
    assert metrics.share_below(1.0, np.array([0.5, 2.0]), np.array([1.0, 3.0]), 0.0) == pytest.approx(0.25)
    # lognormal within villages: a village whose mean is the line has a bit over half its households below it
    assert 0.5 < metrics.share_below(1.0, np.array([1.0]), np.array([1.0]), 0.4) < 0.6
    assert metrics.cvar(np.arange(100.0), 0.05) == pytest.approx(2.0)


def test_household_gini_equals_the_gini_of_every_quantile_point():
    """The merged, compiled Gini equals the plain definition over all villages' quantile
    points, and a sort passed in gives the same median and Gini."""
    from scipy.special import ndtri

    rng = np.random.default_rng(3)
    c, h, sd = rng.lognormal(0.0, 0.5, 400), rng.lognormal(5.0, 0.3, 400), 0.4
    q = ndtri((np.arange(metrics.N_QUANTILES) + 0.5) / metrics.N_QUANTILES)
    points = (c[:, None] * np.exp(sd * q[None, :] - 0.5 * sd**2)).ravel()
    weights = np.repeat(h / metrics.N_QUANTILES, metrics.N_QUANTILES)
    order = np.argsort(points)
    v, w = points[order], weights[order]
    lorenz = np.cumsum(v * w) / np.sum(v * w)
    area = np.sum((lorenz + np.r_[0.0, lorenz[:-1]]) * w) / (2.0 * w.sum())
    assert metrics.household_gini(c, h, sd) == pytest.approx(1.0 - 2.0 * area, rel=1e-12)
    by_c = np.argsort(c)
    assert metrics.household_gini(c, h, sd, by_c) == metrics.household_gini(c, h, sd)
    assert metrics.weighted_median(c, h, by_c) == metrics.weighted_median(c, h)
