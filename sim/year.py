"""What is fixed for a year once the reviews are done: who is whose partner.

Membership does not change from the end of the review to the end of the year, so the
ties between partners and each village's means over them (trust-weighted
contributions, shared identity) are computed once per year.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def partner_edges(indptr, cols, partnership):
    """For each domain, the positions of the ties i -> j whose two ends are in the same
    partnership (``partnership``: each village's partnership id per domain, -1 alone)."""
    found = np.empty((3, cols.shape[0]), dtype=np.int32)  # positions of ties fit in 32 bits (see Ties)
    counts = np.zeros(3, dtype=np.int64)
    for i in range(partnership.shape[0]):
        p0, p1, p2 = partnership[i, 0], partnership[i, 1], partnership[i, 2]
        if p0 < 0 and p1 < 0 and p2 < 0:
            continue
        for e in range(indptr[i], indptr[i + 1]):  # one pass over i's ties for the three domains
            j = cols[e]
            if p0 >= 0 and partnership[j, 0] == p0:
                found[0, counts[0]] = e
                counts[0] += 1
            if p1 >= 0 and partnership[j, 1] == p1:
                found[1, counts[1]] = e
                counts[1] += 1
            if p2 >= 0 and partnership[j, 2] == p2:
                found[2, counts[2]] = e
                counts[2] += 1
    return found[0, : counts[0]].copy(), found[1, : counts[1]].copy(), found[2, : counts[2]].copy()


@njit(cache=True, nogil=True)
def partner_means(rows, cols, edges, trust, did, years_together, identity_scale, n):
    """Over each village's ties to its partners in one domain (``edges``, from
    partner_edges): how many partners it has, the mean of trust x contributed (``did``:
    each village's contribution last step), and the mean shared identity,
    1 - exp(-years together / ``identity_scale``). Means are 0 without partners."""
    count = np.zeros(n)
    signal = np.zeros(n)
    identity = np.zeros(n)
    for e in edges:
        i = rows[e]
        count[i] += 1.0
        signal[i] += trust[e] * did[cols[e]]
        if years_together[e] > 0.0:  # 0 for a new partner
            identity[i] += 1.0 - np.exp(-years_together[e] / identity_scale)
    for i in range(n):
        if count[i] > 0:
            signal[i] /= count[i]
            identity[i] /= count[i]
    return count, signal, identity
