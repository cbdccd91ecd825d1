"""What villages decide each year (ODD 1): stay, leave, or seek partners, and with whom.

Each year a village reviews each domain with probability ``behaviour.review_probability``:

* :func:`review` - villages decide one at a time, in random order;
* :func:`consider_joining` - stay alone, or look for a partnership of some form (logit
  choice on the learned gain of each form, or the best prospect's for a form never
  tried, net of set-up and search costs; only forms with a partner in reach);
* :func:`wants_to_leave` - stay (worth the learned gain) or leave (minus the exit penalty);
* :func:`seek_partners` - join a nearby partnership that accepts the village, or propose
  a new one to neighbours ranked by :func:`candidates`; a group forms only if every
  member gains in expectation (mutual consent, ``sim/gains.py``).

The functions are in reading order: the year's review first, the small queries it asks last.

This is the one source of these rules. It is compiled with Numba for speed; set
``NUMBA_DISABLE_JIT=1`` to run it as plain Python (and to step through it in a
debugger): the results are the same. The per-village steps are inlined into the
review (``inline="always"``): each call handing on the records re-counted references
to all of their arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim import behaviour
from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES
from sim.gains import BUDGET, HOUSEHOLDS, gain_from_sums, gain_inputs, group_accepts, group_totals, member_gain
from sim.membership import LEFT, exit_penalty, form_partnership, join, leave
from sim.ties import edge, tied_to_all


@njit(cache=True, nogil=True)
def review(V, T, E, F, P, order, reviews, u):
    """Villages review the domains drawn for them this step (``reviews[i, domain]``), one
    village at a time in ``order``: alone, a village considers joining; in a partnership
    (unless it joined this very step, e.g. a bundle sought for another domain), it
    considers leaving. ``u[i, domain]``: its uniform draw for that choice.

    (The arrays are read out of the records once, before the loop: reading them inside
    it, village by village, made the review a third slower.)"""
    g = gain_inputs(V)
    partnership, tenure, expected_gain, households = V.partnership, V.tenure, V.expected_gain, V.households
    form_of, term_years = T.form, T.term_years
    values = np.empty(2)
    for i in order:
        for d in range(3):
            if not reviews[i, d]:
                continue
            pid = partnership[i, d]
            if pid < 0:
                consider_joining(V, T, E, F, P, g, i, d, u[i, d])
            elif tenure[i, d] > 0:
                leaving = wants_to_leave(
                    expected_gain, households, form_of, term_years, F, P.temperature, i, d, pid, u[i, d], values
                )
                if leaving:
                    leave(V, T, F, P, i, pid, LEFT)


@njit(cache=True, inline="always")
def consider_joining(V, T, E, F, P, g, i, domain, u):
    """Stay alone or seek a partnership of some form: logit choice on what the village
    expects of each form, net of set-up (amortised) and search costs; going alone is
    worth 0. It expects the gain it has learned from years in that form, or, never having
    tried it, the gain its best prospective partner offers (:func:`prospect`). A form
    for which no partner is in reach (no neighbour both would gain with, no partnership
    it could join) is not an option: with none, the village stays alone and pays nothing."""
    n_forms = len(F)
    options = np.empty(n_forms, dtype=np.int64)
    values = np.zeros(n_forms + 1)
    count = 0
    h = V.households[i]
    partnership, expected_gain, experience = V.partnership, V.expected_gain, V.experience
    for form in range(n_forms):
        rule = F[form]
        if not allowed(rule, domain) or not free_for(partnership, i, rule, domain):
            continue
        covered = covered_domains(rule, domain)
        best = prospect(
            g, partnership, E.indptr, E.cols, E.trust, E.corr, E.loss, E.reverse, P.services, P, rule, covered, i
        )
        joinable = has_joinable(V, T, E, F, i, domain, form)
        if best == -np.inf and not joinable:
            continue
        setup = rule.setup_cost / (h * P.amortisation_steps)
        if experience[i, domain, form] > 0:
            expected = expected_gain[i, domain, form]
        elif best > -np.inf:  # per domain, as join() starts a member's expectation; set-up is weighed below
            expected = (best + setup) / covered.sum()
        else:
            expected = 0.0
        options[count] = form
        values[count + 1] = expected - setup - P.search_cost / h
        count += 1
    if count == 0:
        return
    choice = behaviour.logit_choice(values[: count + 1], P.temperature, u)
    if choice > 0:
        seek_partners(V, T, E, F, P, g, i, domain, options[choice - 1])


@njit(cache=True, inline="always")
def wants_to_leave(expected_gain, households, form_of, term_years, F, temperature, i, domain, pid, u, values):
    """Stay (worth the learned gain of its form) or leave (worth minus the exit penalty)?
    Logit choice; ``values``: room for the two values."""
    values[0] = expected_gain[i, domain, form_of[pid]]
    values[1] = -exit_penalty(form_of, term_years, F, pid) / households[i]
    return behaviour.logit_choice(values, temperature, u) == 1


@njit(cache=True, inline="always")
def seek_partners(V, T, E, F, P, g, i, domain, form):
    """Join a nearby partnership of ``form`` that accepts i, or propose a new one to
    neighbours in order of preference (see Village.seek_partners)."""
    indptr, cols, trust, corr, loss, services = E.indptr, E.cols, E.trust, E.corr, E.loss, P.services
    t_size, t_members = T.size, T.members
    rule = F[form]
    V.pending_cost[i, domain] += P.search_cost
    covered = covered_domains(rule, domain)
    for pid in nearby_partnerships(V, T, E, F, i, domain, form):
        size = t_size[pid]
        group = np.empty(size + 1, dtype=np.int64)
        group[:size] = t_members[pid, :size]
        group[size] = i
        if group_accepts(g, indptr, cols, trust, corr, loss, services, P, rule, covered, group):
            total_households, total_pledge, host = group_totals(g, P, group)
            gain = member_gain(
                g, indptr, cols, trust, corr, loss, services, P, rule, covered, group, size, total_households,
                total_pledge, host,
            )  # fmt: skip
            join(V, T, F, P, i, pid, gain)  # its own expected gain, as group_gains would give it
            return True
    # propose to neighbours in order of preference: each joins if it is tied to all
    # members so far and every member (itself included) still gains in expectation
    ranked = candidates(g, V.partnership, indptr, cols, E.distance, trust, corr, loss, services, P, rule, covered, i)
    group = grow_group(g, indptr, cols, trust, corr, loss, E.reverse, services, P, rule, covered, i, ranked)
    if group.shape[0] < 2:
        return False
    form_partnership(V, T, E, F, P, g, form, covered, group)
    return True


@njit(cache=True, inline="always")
def nearby_partnerships(V, T, E, F, i, domain, form):
    """Partnerships of ``form`` in ``domain`` among i's ties that could take i (room
    left, i tied to every member, i free in all their domains), nearest first."""
    indptr, cols, distance = E.indptr, E.cols, E.distance
    partnership, t_form, t_size, t_members, t_domains = V.partnership, T.form, T.size, T.members, T.domains
    start, stop = indptr[i], indptr[i + 1]
    pids = np.empty(stop - start, dtype=np.int64)
    dist = np.empty(stop - start)
    count = 0
    room = F[form].max_members
    for e in range(start, stop):
        pid = partnership[cols[e], domain]
        if pid < 0 or t_form[pid] != form or t_size[pid] >= room or not is_free(partnership, i, t_domains[pid]):
            continue
        seen = -1
        for a in range(count):
            if pids[a] == pid:
                seen = a
        if seen < 0:
            pids[count] = pid
            dist[count] = distance[e]
            count += 1
        elif distance[e] < dist[seen]:
            dist[seen] = distance[e]  # distance to its nearest member
    if count == 0:
        return pids[:0]
    order = np.arange(count)
    for a in range(1, count):  # insertion sort (a handful of items): by distance, then id
        b = a
        while b > 0 and (dist[order[b]], pids[order[b]]) < (dist[order[b - 1]], pids[order[b - 1]]):
            order[b], order[b - 1] = order[b - 1], order[b]
            b -= 1
    out = np.empty(count, dtype=np.int64)
    n_out = 0
    for a in order:
        pid = pids[a]
        if not tied_to_all(indptr, cols, i, t_members[pid], t_size[pid]):
            continue
        out[n_out] = pid
        n_out += 1
    return out[:n_out]


@njit(cache=True)
def prospect(g, partnership, indptr, cols, trust, corr, loss, reverse, services, P, form, covered, i):
    """The best expected gain (money per household per step, net of running and amortised
    set-up costs) that village i could have from a new pair under ``form`` with one of its
    neighbours free in all ``covered`` domains, where both would gain (mutual consent);
    -inf when there is no such pair."""
    best = -np.inf
    for e in range(indptr[i], indptr[i + 1]):
        j = cols[e]
        if not is_free(partnership, j, covered):
            continue
        households, pledges = pair_totals(g, P, i, j)
        j_hosts = g[j, HOUSEHOLDS] > g[i, HOUSEHOLDS]
        gain_i = gain_from_sums(
            g, services, P, form, covered, 2, i, trust[e], corr[e], loss[e] if j_hosts else 0.0, households, pledges
        )  # fmt: skip
        if gain_i <= best or gain_i < 0.0:
            continue
        back = reverse[e]
        gain_j = gain_from_sums(
            g, services, P, form, covered, 2, j, trust[back], corr[back], 0.0 if j_hosts else loss[back], households,
            pledges,
        )  # fmt: skip
        if gain_j >= 0.0:
            best = gain_i
    return best


@njit(cache=True, inline="always")
def pair_totals(g, P, i, j):
    """The households and yearly infrastructure pledges of the pair {i, j}, added up as
    group_totals adds them for the group [i, j]."""
    households = 0.0 + g[i, HOUSEHOLDS]
    households += g[j, HOUSEHOLDS]
    pledges = 0.0 + P.pledge_share * g[i, BUDGET]
    pledges += P.pledge_share * g[j, BUDGET]
    return households, pledges


@njit(cache=True, inline="always")
def has_joinable(V, T, E, F, i, domain, form):
    """Is a partnership of ``form`` in ``domain`` with room left among i's ties (a first
    look: nearby_partnerships also asks that i be tied to every member and free in all its domains)?"""
    partnership, t_form, t_size = V.partnership, T.form, T.size
    room = F[form].max_members
    for e in range(E.indptr[i], E.indptr[i + 1]):
        pid = partnership[E.cols[e], domain]
        if pid >= 0 and t_form[pid] == form and t_size[pid] < room:
            return True
    return False


@njit(cache=True)
def candidates(g, partnership, indptr, cols, distance, trust, corr, loss, services, P, form, covered, i):
    """Neighbours free in all ``covered`` domains, best prospective partners first:
    by i's expected gain from the pair weighted by trust, then distance, then index."""
    start, stop = indptr[i], indptr[i + 1]
    found = np.empty(stop - start, dtype=np.int64)
    score = np.empty(stop - start)
    dist = np.empty(stop - start)
    count = 0
    for e in range(start, stop):
        j = cols[e]
        if not is_free(partnership, j, covered):
            continue
        households, pledges = pair_totals(g, P, i, j)  # j hosts if it has more households
        to_host = loss[e] if g[j, HOUSEHOLDS] > g[i, HOUSEHOLDS] else 0.0
        gain = gain_from_sums(g, services, P, form, covered, 2, i, trust[e], corr[e], to_host, households, pledges)
        found[count] = j
        score[count] = -(gain * max(trust[e], 1e-3))
        dist[count] = distance[e]
        count += 1
    for a in range(1, count):  # insertion sort (at most max_ties items): by score, distance, index
        b = a
        while b > 0 and (score[b], dist[b], found[b]) < (score[b - 1], dist[b - 1], found[b - 1]):
            score[b], score[b - 1] = score[b - 1], score[b]
            dist[b], dist[b - 1] = dist[b - 1], dist[b]
            found[b], found[b - 1] = found[b - 1], found[b]
            b -= 1
    return found[:count]


@njit(cache=True)
def grow_group(g, indptr, cols, trust, corr, loss, reverse, services, P, form, covered, i, candidates):
    """Village i proposes to ``candidates`` in order: each joins if it is tied to all
    members so far and every member (itself included) still expects to gain. The same
    answer as calling group_accepts on each trial group, with each member's sums over
    its partners (and its loss to the host) kept from one trial to the next instead of
    recomputed."""
    size = form.max_members
    members = np.empty(size, dtype=np.int64)
    trust_sums = np.zeros(size)
    corr_sums = np.zeros(size)
    to_host = np.zeros(size)  # each member's service quality lost to the host's distance
    new_trust = np.empty(size)  # members' sums if the candidate joined
    new_corr = np.empty(size)
    new_to_host = np.empty(size)
    members[0] = i
    k = 1
    total_households = g[i, HOUSEHOLDS]
    total_pledge = P.pledge_share * g[i, BUDGET]
    host = 0  # position in members of the host: the member with the most households
    ties_to = np.empty(size, dtype=np.int64)  # the candidate's tie to each member
    for c in candidates:
        if k >= size:
            break
        tied = True
        for a in range(k):
            ties_to[a] = edge(indptr, cols, c, members[a])
            if ties_to[a] < 0:
                tied = False
                break
        if not tied:
            continue
        households = total_households + g[c, HOUSEHOLDS]
        pledges = total_pledge + P.pledge_share * g[c, BUDGET]
        c_hosts = g[c, HOUSEHOLDS] > g[members[host], HOUSEHOLDS]
        trust_c = 0.0
        corr_c = 0.0
        for a in range(k):  # each pair's terms, read off the tie found above
            e = ties_to[a]
            back = reverse[e]  # the member's tie to the candidate
            trust_c += trust[e]
            corr_c += corr[e]
            new_trust[a] = trust_sums[a] + trust[back]
            new_corr[a] = corr_sums[a] + corr[back]
            new_to_host[a] = loss[back] if c_hosts else to_host[a]
        to_host_c = 0.0 if c_hosts else loss[ties_to[host]]
        accepted = gain_from_sums(
            g, services, P, form, covered, k + 1, c, trust_c, corr_c, to_host_c, households, pledges
        ) >= 0.0  # fmt: skip
        a = k - 1
        while accepted and a >= 0:
            gain = gain_from_sums(
                g, services, P, form, covered, k + 1, members[a], new_trust[a], new_corr[a], new_to_host[a],
                households, pledges,
            )  # fmt: skip
            accepted = gain >= 0.0
            a -= 1
        if accepted:
            members[k] = c
            trust_sums[:k] = new_trust[:k]
            corr_sums[:k] = new_corr[:k]
            to_host[:k] = new_to_host[:k]
            trust_sums[k] = trust_c
            corr_sums[k] = corr_c
            to_host[k] = to_host_c
            total_households, total_pledge = households, pledges
            if c_hosts:
                host = k
            k += 1
    return members[:k].copy()


# --- small queries the decisions ask ------------------------------------------------------


@njit(cache=True, inline="always")
def allowed(form, domain):
    """May a village choose ``form`` (a FORM_RULE record) for ``domain``? (allowed, covering it, mandate)"""
    if domain == AGRICULTURE:
        return form.allowed_agriculture
    if domain == SERVICES:
        return form.allowed_services
    return form.allowed_infrastructure


@njit(cache=True, inline="always")
def free_for(partnership, i, form, domain):
    """Is village ``i`` free in every domain a partnership of ``form`` sought for ``domain`` covers?"""
    if not form.bundle:
        return partnership[i, domain] < 0
    if form.covers_agriculture and partnership[i, AGRICULTURE] >= 0:
        return False
    if form.covers_services and partnership[i, SERVICES] >= 0:
        return False
    return not (form.covers_infrastructure and partnership[i, INFRASTRUCTURE] >= 0)


@njit(cache=True, inline="always")
def is_free(partnership, i, covered):
    """Is village ``i`` outside any partnership in every domain of ``covered`` (bool[3])?"""
    for d in range(3):
        if covered[d] and partnership[i, d] >= 0:
            return False
    return True


@njit(cache=True)
def covered_domains(form, domain):
    """Domains (bool[3]) a partnership of ``form`` (a FORM_RULE record) covers when sought for ``domain``."""
    out = np.zeros(3, dtype=np.bool_)
    if form.bundle:
        out[AGRICULTURE] = form.covers_agriculture
        out[SERVICES] = form.covers_services
        out[INFRASTRUCTURE] = form.covers_infrastructure
    else:
        out[domain] = True
    return out
