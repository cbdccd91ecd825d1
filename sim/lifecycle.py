"""How partnerships end (ODD 7): terms run out, collapse, renewal.

At the end of each year every partnership records its members' contributions and
defections; it collapses after ``cooperation.collapse_steps`` years in which nobody
contributed; at the end of a term it ends (a temporary partnership) or is renewed by
the members that still expect to gain, the others leaving.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.membership import COLLAPSED, NOT_RENEWED, TERM_ENDED, dissolve, leave, members_of, term_over


@njit(cache=True, nogil=True)
def end_of_year(V, T, F, P, contributes):
    """Each partnership records its year: contributions, defections; it collapses after
    ``collapse_steps`` years with no contribution; at the end of a term it ends, or is
    renewed by the members that still expect to gain (the others leave)."""
    years, term_years, contributions, defections, without = (
        T.years,
        T.term_years,
        T.contributions,
        T.defections,
        T.without,
    )
    form_of, domains, size, members_table = T.form, T.domains, T.size, T.members
    expected_gain = V.expected_gain
    for pid in np.flatnonzero(T.alive[: T.next_pid[0]]):
        years[pid] += 1
        term_years[pid] += 1
        form = form_of[pid]
        did = 0
        cells = 0
        for a in range(size[pid]):
            for d in range(3):
                if domains[pid, d]:
                    cells += 1
                    if contributes[members_table[pid, a], d]:
                        did += 1
        contributions[pid] += did
        defections[pid] += cells - did
        without[pid] = 0 if did > 0 else without[pid] + 1
        if without[pid] >= P.collapse_steps:
            dissolve(V, T, P, pid, COLLAPSED)
            continue
        if not term_over(form_of, term_years, F, pid):
            continue
        if not F[form].renewable:
            dissolve(V, T, P, pid, TERM_ENDED)
            continue
        members = members_of(T, pid)
        stays = np.zeros(members.shape[0], dtype=np.bool_)
        n_domains = domains[pid].sum()
        for a in range(members.shape[0]):
            total = 0.0
            for d in range(3):
                if domains[pid, d]:
                    total += expected_gain[members[a], d, form]
            stays[a] = total / n_domains >= 0.0
        if stays.sum() < 2:
            dissolve(V, T, P, pid, NOT_RENEWED)
            continue
        for a in range(members.shape[0]):
            if not stays[a]:
                leave(V, T, F, P, members[a], pid, TERM_ENDED)
        term_years[pid] = 0  # a new term starts next year
