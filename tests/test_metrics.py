"""Welfare, resilience and network measures (sim/metrics.py) on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from sim import metrics, outputs
from tests.conftest import run_small


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


def test_network_statistics_match_a_graph_of_co_members():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = run_small(3, steps=8)
    n = m.state.n
    pairs = {(a, b) for p in m.partnerships.values() for a in p.members for b in p.members if a != b}
    assert pairs, "partnerships should exist after 8 steps"
    rows, cols = np.array(sorted(pairs)).T
    graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    degree, components = outputs.partner_network(m)
    assert degree == pytest.approx(len(pairs) / n)  # distinct partners per village, over all domains
    assert components == int(np.sum(np.bincount(labels) > 1))


def test_partner_network_of_a_hand_built_table():
    """Partnerships {0, 1, 2} (agriculture), {2, 3} (services), {0, 1} again
    (infrastructure), {5, 6}, and an ended one (size 0) that once held 4 and 5. Distinct
    partners: 2, 2, 3, 1, 0, 1, 1, so 10 / 7 per village; linked groups {0, 1, 2, 3} and {5, 6}."""
    partnership = np.full((7, 3), -1, dtype=np.int64)
    partnership[[0, 1, 2], 0] = 0
    partnership[[2, 3], 1] = 1
    partnership[[0, 1], 2] = 2
    partnership[[5, 6], 0] = 3
    members = np.array([[0, 1, 2], [2, 3, 0], [0, 1, 0], [5, 6, 0], [4, 5, 0]], dtype=np.int64)
    size = np.array([3, 2, 2, 2, 0], dtype=np.int64)
    degree, components = metrics.partner_network(partnership, members, size)
    assert degree == pytest.approx(10 / 7)
    assert components == 2
    assert metrics.partner_network(np.full((3, 3), -1, dtype=np.int64), members[:0], size[:0]) == (0.0, 0)
