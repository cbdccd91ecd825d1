"""Membership bookkeeping: join, leave, form, dissolve, refund, host.

What happens to the villages' and the partnership table's arrays when a village
joins or leaves a partnership, when a partnership forms or ends: set-up costs and
exit penalties owed, pledges brought in or refunded, who hosts shared services.
Compiled (Numba); the decisions of ``sim/decisions.py`` and the life cycle of
``sim/lifecycle.py`` call them, and so may hand-built experiments through the model.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.domains import INFRASTRUCTURE, SERVICES
from sim.gains import group_gains

# Why a partnership ended (Table.reason); "left" is a voluntary exit, not an ending.
REASONS = ("term ended", "collapsed", "too few members", "not renewed")
TERM_ENDED, COLLAPSED, TOO_FEW, NOT_RENEWED = range(4)
LEFT = -1


@njit(cache=True)
def members_of(T, pid):
    return T.members[pid, : T.size[pid]].copy()


@njit(cache=True, inline="always")
def term_over(form_of, term_years, F, pid):
    """Has the current term of ``pid`` run out (never, for open-ended forms)?
    (``form_of`` and ``term_years``: the table's columns T.form and T.term_years.)"""
    form = F[form_of[pid]]
    return form.term > 0 and term_years[pid] >= form.term


@njit(cache=True, inline="always")
def exit_penalty(form_of, term_years, F, pid):
    """Penalty (money per village) for leaving ``pid`` now: on any exit before the term ends."""
    form = F[form_of[pid]]
    if form.exit_penalty <= 0 or term_over(form_of, term_years, F, pid):
        return 0.0
    return form.exit_penalty


@njit(cache=True)
def update_host(V, T, pid):
    """Shared services are run by the member with the most households."""
    size = T.size[pid]
    if not T.domains[pid, SERVICES] or size == 0:
        return
    members = T.members[pid, :size]
    x, y, households, host_distance = V.x, V.y, V.households, V.host_distance
    host = members[0]
    for m in members:
        if households[m] > households[host]:
            host = m
    for m in members:
        host_distance[m] = np.hypot(x[m] - x[host], y[m] - y[host])


@njit(cache=True)
def refund(V, T, pid, leaver):
    """Give ``leaver`` back what it pledged toward a project not yet built."""
    fund = T.fund
    if fund[pid] <= 0:
        return
    pledged = V.pledged
    total = 0.0
    for m in T.members[pid, : T.size[pid]]:
        total += pledged[m]
    share = fund[pid] * pledged[leaver] / total if total > 0 else 0.0
    V.fund[leaver] += share
    fund[pid] -= share
    pledged[leaver] = 0.0


@njit(cache=True)
def join(V, T, F, P, i, pid, gain):
    """Village ``i`` joins partnership ``pid``, expecting ``gain``; it pays its share
    of the set-up cost (into an enterprise's capital, ``capital_share`` of it) and brings
    its own savings for a project into the common fund."""
    form = T.form[pid]
    size = T.size
    T.members[pid, size[pid]] = i
    T.consent[pid, size[pid]] = gain
    size[pid] += 1
    covers = T.domains[pid]
    n_domains = covers.sum()
    experience, expected_gain, partnership = V.experience, V.expected_gain, V.partnership
    tenure, pending_cost = V.tenure, V.pending_cost
    for d in range(3):
        if not covers[d]:
            continue
        if experience[i, d, form] == 0:  # no experience yet: start from the expectation that led it to join
            expected_gain[i, d, form] = gain / n_domains
        partnership[i, d] = pid  # its last contribution stays on record: new partners see it (no clean slate)
        tenure[i, d] = 0
        pending_cost[i, d] += F[form].setup_cost / n_domains
    if F[form].enterprise:  # it pays in its capital; fresh capital revives a dormant enterprise
        T.capital[pid] += F[form].capital
        if T.dormant[pid] and T.capital[pid] > 0.0:
            T.dormant[pid] = False
    if covers[INFRASTRUCTURE]:
        V.pledged[i] = 0.0
        if V.served_until[i] <= P.now:
            T.fund[pid] += V.fund[i]
            V.pledged[i] = V.fund[i]
            V.fund[i] = 0.0
    update_host(V, T, pid)


@njit(cache=True)
def form_partnership(V, T, E, F, P, g, form, covered, group):
    """A new partnership of ``form`` covering ``covered`` with the villages of ``group``
    (in order); returns its id. The caller has checked that all gain (``g``: gain_inputs)."""
    pid = T.next_pid[0]
    T.next_pid[0] += 1
    T.form[pid] = form
    T.domains[pid] = covered
    T.alive[pid] = True
    T.size[pid] = 0
    T.start[pid] = P.now if P.in_step else P.now + 1  # its first economic year
    gains = group_gains(g, E.indptr, E.cols, E.trust, E.corr, E.loss, P.services, P, F[form], covered, group)
    for a in range(group.shape[0]):
        join(V, T, F, P, group[a], pid, gains[a])
    return pid


@njit(cache=True)
def dissolve(V, T, P, pid, reason):
    """Partnership ``pid`` ends (``reason``: an index into REASONS)."""
    members = members_of(T, pid)
    for m in members:
        refund(V, T, pid, m)
    covers = T.domains[pid]
    partnership, host_distance, pledged = V.partnership, V.host_distance, V.pledged
    for m in members:
        for d in range(3):
            if covers[d]:
                partnership[m, d] = -1
        if covers[SERVICES]:
            host_distance[m] = 0.0
        if covers[INFRASTRUCTURE]:
            pledged[m] = 0.0
    T.final_size[pid] = T.size[pid]
    T.size[pid] = 0
    T.alive[pid] = False
    T.end_step[pid] = P.now
    T.reason[pid] = reason


@njit(cache=True)
def leave(V, T, F, P, i, pid, reason):
    """Village ``i`` leaves ``pid``. A voluntary exit (``reason`` = LEFT) pays the exit
    penalty to the remaining members; an exit at the end of a term pays nothing."""
    penalty = exit_penalty(T.form, T.term_years, F, pid) if reason == LEFT else 0.0
    size, members, consent = T.size, T.members, T.consent
    covers = T.domains[pid]
    others = size[pid] - 1
    n_domains = covers.sum()
    if penalty > 0 and others > 0:
        pending_cost = V.pending_cost
        for d in range(3):
            if covers[d]:
                pending_cost[i, d] += penalty / n_domains
                for m in members[pid, : size[pid]]:
                    if m != i:
                        pending_cost[m, d] -= penalty / others / n_domains
    refund(V, T, pid, i)
    slot = 0
    for a in range(size[pid]):  # remove i, keeping the others in joining order
        if members[pid, a] != i:
            members[pid, slot] = members[pid, a]
            consent[pid, slot] = consent[pid, a]
            slot += 1
    size[pid] = slot
    for d in range(3):
        if covers[d]:
            V.partnership[i, d] = -1
    if covers[SERVICES]:
        V.host_distance[i] = 0.0
    if covers[INFRASTRUCTURE]:
        V.pledged[i] = 0.0
    if slot < 2:
        dissolve(V, T, P, pid, TOO_FEW if reason == LEFT else reason)
    else:
        update_host(V, T, pid)
