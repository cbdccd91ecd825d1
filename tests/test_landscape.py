"""The landscape: spill-over reach and the numbering of villages along space."""

from __future__ import annotations

import numpy as np

from sim import VillageModel


def test_any_neighbour_equals_a_brute_force_search():
    from scipy.spatial import cKDTree

    from sim import landscape

    m = VillageModel("default", rng=6, n_villages=150, steps=1)
    s = m.state
    flag = np.random.default_rng(0).random(s.n) < 0.1
    radius = m.params["infrastructure"]["spillover_radius_km"]
    pairs = cKDTree(np.column_stack([s.x, s.y])).query_pairs(radius, output_type="ndarray")
    expected = np.zeros(s.n, dtype=bool)
    expected[pairs[:, 0][flag[pairs[:, 1]]]] = True
    expected[pairs[:, 1][flag[pairs[:, 0]]]] = True
    np.testing.assert_array_equal(landscape.any_neighbour(*m._spillover, flag), expected)


def test_villages_are_numbered_along_space_keeping_their_draws():
    from sim.landscape import morton_order

    m = VillageModel("default", rng=8, n_villages=400, steps=1)
    s, t = m.state, m.ties
    area = m.params["landscape"]["area_km"]
    np.testing.assert_array_equal(morton_order(s.x, s.y, area), np.arange(s.n))  # already in that order
    # partners-to-be (tied villages) are close in number: far closer than in a random numbering
    gap = np.abs(t.rows.astype(np.int64) - t.cols).mean()
    assert gap < s.n / 8
    # renumbering moves whole villages: each still lies around its own district's centre
    spread = m.params["landscape"]["district_spread_km"]
    for d in range(m.params["landscape"]["n_districts"]):
        inside = s.district == d
        assert np.std(s.x[inside]) < 2 * spread and np.std(s.y[inside]) < 2 * spread
    sizes = np.bincount(s.district)
    assert sizes.max() - sizes.min() <= 1  # districts are still equal-sized
