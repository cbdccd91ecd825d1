"""Ties between villages (sim/ties.py): the tie graph, made symmetric, and its queries."""

from __future__ import annotations

import numpy as np

from sim import ties as tie_queries
from sim.ties import Ties
from tests.conftest import isolated_model


def test_facilitator_widens_search():
    narrow = isolated_model()
    wide = isolated_model(**{"policy.facilitator_radius": 2.0})
    assert wide.ties.degree().mean() > narrow.ties.degree().mean()


def _line() -> Ties:
    """Villages at 0, 1, 3 and 10 km along a line; ties within 2.5 km, at most one nearest each."""
    return Ties(np.array([0.0, 1.0, 3.0, 10.0]), np.zeros(4), 2.5, 1)


def test_ties_are_made_symmetric_and_each_direction_is_its_own_edge():
    """Village 2's nearest is 1 (2 km) though 1's nearest is 0: the tie is made both
    ways, so village 1 has two ties; village 3 is out of reach of everybody."""
    t = _line()
    assert [list(t.neighbours(i)) for i in range(4)] == [[1], [0, 2], [1], []]
    assert list(t.degree()) == [1, 2, 1, 0]
    assert t.rows.tolist() == [0, 1, 1, 2] and t.cols.tolist() == [1, 0, 2, 1]
    np.testing.assert_allclose(t.distance, [1.0, 1.0, 2.0, 2.0])
    assert t.trust.shape == t.years_together.shape == t.scratch.shape == (4,)


def test_the_reverse_of_an_edge_runs_the_other_way():
    t = _line()
    np.testing.assert_array_equal(t.rows[t.reverse], t.cols)
    np.testing.assert_array_equal(t.cols[t.reverse], t.rows)
    np.testing.assert_array_equal(t.reverse[t.reverse], np.arange(t.cols.size))


def test_edge_lookup_finds_each_tie_and_minus_one_where_there_is_none():
    t = _line()
    assert [t.edge(0, 1), t.edge(1, 0), t.edge(1, 2), t.edge(2, 1)] == [0, 1, 2, 3]
    assert t.edge(0, 2) == -1 and t.edge(3, 0) == -1 and t.edge(0, 0) == -1
    np.testing.assert_array_equal(t.edges(np.array([0, 2, 0]), np.array([1, 1, 3])), [0, 3, -1])
    for i in range(4):  # the compiled query agrees with the array one
        assert t.edges_of(i) == slice(t.indptr[i], t.indptr[i + 1])
        for j in range(4):
            assert tie_queries.edge(t.indptr, t.cols, i, j) == t.edge(i, j)
    assert tie_queries.tied_to_all(t.indptr, t.cols, 1, np.array([0, 2]), 2)
    assert not tie_queries.tied_to_all(t.indptr, t.cols, 0, np.array([1, 2]), 2)
    assert Ties(np.zeros(1), np.zeros(1), 5.0, 3).edge(0, 0) == -1  # one village: no ties at all


def test_a_copy_shares_the_graph_but_not_trust_or_years_together():
    t = _line()
    other = t.copy()
    other.trust[:] = 0.9
    other.years_together[:] = 2.0
    assert not t.trust.any() and not t.years_together.any()
    assert other.cols is t.cols and other.scratch is not t.scratch
