"""What is fixed for a year once the reviews are done: who is whose partner.

Membership does not change from the end of the review to the end of the year, so the
ties between partners and each village's means over them (trust-weighted
contributions, shared identity) are computed once per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim.domains import group_labels
from sim.state import PartnershipTable, VillageState
from sim.ties import Ties


@dataclass
class Year:
    """One year's fixed facts, from the end of the review to the end of the year.

    ``member[i, d]``: is village i in a partnership in domain d; ``labels[d]``: its
    group labels in d (``domains.group_labels``: partners share a label, a village
    alone is a group of its own), with the number of groups; ``form_index[i, d]``: the
    index of its form in d (the number of forms when alone); ``partner_edges[d]``: the
    ties between partners in d; ``partners[d]``: for each village, its number of
    partners in d, the mean over them of trust x contributed last year, and its mean
    shared identity with them (:func:`partner_means`); ``dormant[i, d]``: is i a member
    of a dormant enterprise in d (counted as alone in all of the above). What villages then
    do in the year is added as it happens: ``contributes`` (who contributed, per domain) and
    ``pays`` (who paid their share: contributors and villages alone)."""

    step: int
    member: np.ndarray
    labels: tuple
    form_index: np.ndarray
    partner_edges: tuple
    partners: tuple
    dormant: np.ndarray | None = field(default=None)  # villages x domains: a member of a dormant enterprise
    contributes: np.ndarray | None = field(default=None)
    pays: np.ndarray | None = field(default=None)

    @classmethod
    def fixed(
        cls, s: VillageState, table: PartnershipTable, ties: Ties, n_forms: int, identity_scale: float, step: int
    ):
        """The year as membership now stands (after the review). Members of a dormant
        enterprise (``table.dormant``) are on their own this year: it does not trade."""
        partnership = s.partnership
        dormant = np.zeros(partnership.shape, dtype=bool)
        if table.dormant.any():  # only an enterprise form's partnerships can be dormant
            held = partnership >= 0
            dormant[held] = table.dormant[partnership[held]]
            partnership = np.where(dormant, -1, partnership)
        edges = partner_edges(ties.indptr, ties.cols, partnership)
        form_index = np.stack(
            [np.where(partnership[:, d] >= 0, table.form[np.maximum(partnership[:, d], 0)], n_forms) for d in range(3)],
            axis=1,
        )
        partners = tuple(
            partner_means(
                ties.rows,
                ties.cols,
                edges[d],
                ties.trust,
                s.contributed[:, d],
                ties.years_together,
                identity_scale,
                s.n,
            )
            for d in range(3)
        )
        labels = tuple(group_labels(partnership[:, d]) for d in range(3))
        return cls(step, partnership >= 0, labels, form_index, edges, partners, dormant)

    def identity(self, domain: int) -> np.ndarray:
        """Each village's mean shared identity with its partners in ``domain``, [0, 1)."""
        return self.partners[domain][2]

    def signal(self, domain: int) -> np.ndarray:
        """Each village's mean over its partners in ``domain`` of trust x contributed last year."""
        return self.partners[domain][1]


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
