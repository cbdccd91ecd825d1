"""Ties between villages: who knows whom, how far apart, how much they trust each other.

Ties link each village to its nearest villages within the search radius, made
symmetric. They are stored as a sparse (CSR) edge list, one entry per direction,
so that trust can be asymmetric (i's trust in j) and 75,000 villages fit:
``rows[e] -> cols[e]`` with ``distance``, ``trust`` and ``years_together`` per edge.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.sparse import coo_matrix
from scipy.spatial import cKDTree


class Ties:
    """The tie graph and its per-edge state (numpy arrays, one entry per directed edge)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, radius_km: float, max_ties: int):
        n = x.shape[0]
        points = np.column_stack([x, y])
        k = min(max_ties + 1, n)
        if n > 1 and radius_km > 0:
            dist, idx = cKDTree(points).query(points, k=k, distance_upper_bound=radius_km)
            dist, idx = np.atleast_2d(dist), np.atleast_2d(idx)
            src = np.repeat(np.arange(n), k)
            dst = idx.ravel()
            ok = (dst < n) & (dst != src)
            src, dst = src[ok], dst[ok]
        else:
            src = dst = np.zeros(0, dtype=np.int64)
        both_src = np.concatenate([src, dst])
        both_dst = np.concatenate([dst, src])
        graph = coo_matrix((np.ones(both_src.size), (both_src, both_dst)), shape=(n, n)).tocsr()
        graph.sum_duplicates()
        graph.sort_indices()
        self.n = n
        # 32-bit positions and village numbers (75,000 villages have ~2 million ties): half
        # the memory traffic of the loops over ties
        self.indptr = graph.indptr.astype(np.int32)
        self.cols = graph.indices.astype(np.int32)
        self.rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(self.indptr))
        self.distance = np.hypot(x[self.rows] - x[self.cols], y[self.rows] - y[self.cols])
        # reverse[e] is the edge j -> i of edge e = i -> j
        self.reverse = self._reverse()
        self.trust = np.zeros(self.cols.size)
        self.years_together = np.zeros(self.cols.size)
        self.scratch = np.zeros(self.cols.size)  # working space of learning.learn_on_ties (left as zeros)

    def copy(self) -> Ties:
        """The same graph with its own trust and years together (the topology is shared)."""
        other = object.__new__(Ties)
        other.__dict__.update(self.__dict__)
        other.trust = self.trust.copy()
        other.years_together = self.years_together.copy()
        other.scratch = np.zeros_like(self.scratch)  # its own: a twin learns in another thread
        return other

    def _reverse(self) -> np.ndarray:
        rows, cols = self.rows.astype(np.int64), self.cols.astype(np.int64)
        self.key = rows * self.n + cols  # sorted: CSR is ordered by row, then column
        return np.searchsorted(self.key, cols * self.n + rows).astype(np.int32)

    def edges(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Positions of the edges i -> j (arrays), -1 where there is no tie."""
        wanted = np.asarray(i, dtype=np.int64) * self.n + np.asarray(j, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.key, wanted), max(self.key.size - 1, 0))
        found = (self.key.size > 0) & (self.key[pos] == wanted) if self.key.size else np.zeros(wanted.shape, bool)
        return np.where(found, pos, -1)

    def neighbours(self, i: int) -> np.ndarray:
        """Villages village ``i`` is tied to."""
        return self.cols[self.indptr[i] : self.indptr[i + 1]]

    def edges_of(self, i: int) -> slice:
        """Edge positions of village ``i``'s ties."""
        return slice(self.indptr[i], self.indptr[i + 1])

    def edge(self, i: int, j: int) -> int:
        """Position of the edge i -> j, or -1 when i and j are not tied."""
        return int(self.edges(np.array([i]), np.array([j]))[0])

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)


# --- queries compiled code uses (each village's ties are sorted by the other end) ---------
@njit(cache=True, inline="always")
def edge(indptr, cols, i, j):
    """Position of the tie i -> j in the edge arrays, or -1 when i and j are not tied
    (a binary search: each village's ties are sorted by the other end)."""
    lo, hi = indptr[i], indptr[i + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if cols[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < indptr[i + 1] and cols[lo] == j else -1


@njit(cache=True, inline="always")
def tied_to_all(indptr, cols, candidate, members, k):
    """Is ``candidate`` tied to each of the first ``k`` villages of ``members``?"""
    for a in range(k):
        if edge(indptr, cols, candidate, members[a]) < 0:
            return False
    return True
