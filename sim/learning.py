"""Learning between partners (ODD 6): trust, shared identity and expertise on the ties.

Trust rises with reciprocated contributions and falls with free-riding; years together
(shared identity) grow on the ties between partners; expertise spills from better,
contributing partners (capacity).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def learn_on_ties(
    rows, cols, trust, years_together, partner_edges, form_of, pays, expertise, multipliers, sanctions,
    identity_rates, trust_gain, trust_loss, rate, identity_scale,
):  # fmt: skip
    """Learning on the ties between partners, domain by domain (updates ``trust`` and
    ``years_together`` in place; returns each village's expertise spill-over per domain):

    * trust in a partner rises by ``trust_gain`` x the form's multiplier x (1 - trust) when the
      partner contributed, else falls by ``trust_loss``, and by the form's social sanction;
    * years together grow at the highest identity rate among the forms the two share;
    * spill-over: the mean over partners of max(partner's expertise - own, 0) x contributed x trust.

    ``rate``: zeros, one per tie (scratch space, left as zeros). Also returns by how much
    the sum over ties of identity, 1 - exp(-years together / ``identity_scale``), grew.
    """
    n = form_of.shape[0]
    spill = np.zeros((n, 3))
    partners = np.zeros(n)
    for d in range(3):
        edges = partner_edges[d]
        partners[:] = 0.0
        for e in edges:
            i, j = rows[e], cols[e]
            form = form_of[i, d]
            did = pays[j, d]
            tr = trust[e]
            tr = tr + trust_gain * multipliers[form] * (1.0 - tr) if did else tr * (1.0 - trust_loss)
            if not did:
                tr = tr * (1.0 - sanctions[form])
            tr = min(max(tr, 0.0), 1.0)
            trust[e] = tr
            rate[e] = max(rate[e], identity_rates[form])  # a tie shared in several domains: the highest rate
            partners[i] += 1.0
            spill[i, d] += max(expertise[j, d] - expertise[i, d], 0.0) * did * tr
        for i in range(n):
            spill[i, d] /= max(partners[i], 1.0)
    identity_growth = 0.0
    for d in range(3):
        for e in partner_edges[d]:
            if rate[e] > 0.0:  # once: the second visit of a tie finds the 0 left here
                before = years_together[e]
                years_together[e] += rate[e]
                identity_growth += np.exp(-before / identity_scale) - np.exp(-years_together[e] / identity_scale)
                rate[e] = 0.0
    return spill, identity_growth


@njit(cache=True, nogil=True)
def mean_identity(years_together, scale):
    """Mean over ties of shared identity, 1 - exp(-years together / scale) (0 for most ties)."""
    total = 0.0
    for years in years_together:
        if years > 0:
            total += 1.0 - np.exp(-years / scale)
    return total / years_together.shape[0] if years_together.shape[0] else 0.0
