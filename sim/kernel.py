"""The villages' decisions and the partnerships' bookkeeping, compiled (Numba).

This module is the fast path of what ``sim/agents.py`` says in plain Python: the
same rules (:meth:`Village.decide`, :meth:`Village.consider_joining`,
:meth:`Village.consider_leaving`, :meth:`Village.seek_partners`) written as loops
over numpy arrays so that Numba can compile them. ``VillageModel(engine="python")``
runs the readable version instead; ``tests/test_kernel.py`` checks that both give
identical runs. The bookkeeping of membership (join, leave, form, dissolve) and the
expected gains of a prospective group exist once, here, and both engines use them.

Arrays are passed in named tuples (built by the model from its own arrays):

* ``V`` (:data:`Villages`): village state, one row per village;
* ``T`` (:data:`Table`): the partnership table, one row per partnership id ever made;
* ``E`` (:data:`TieArrays`): the tie graph (CSR) with distance and trust per edge, and
  what distance fixes for each tie (shock correlation, service quality lost to a host);
* ``F``: the allowed forms, a structured array of :data:`FORM_RULE` records, by form index;
* ``P`` (:data:`Constants`): the scenario's numbers, and the services as a matrix.

The expected gains of a prospective group, evaluated tens of thousands of times per
step, take plain arrays instead (``g``, from :func:`gain_inputs`, and the ties' CSR
arrays): reading an array out of a named tuple costs Numba a reference count each
time, and that, not the arithmetic, dominated the cost. For the same reason the
per-village steps of the review (consider_joining, seek_partners, nearby_partnerships)
are inlined into it: each call handing on V, T and E re-counted references to all of
their arrays.

Money is per household per step unless a name says otherwise, as in the model.
"""

from __future__ import annotations

import hashlib
from collections import namedtuple
from pathlib import Path

import numpy as np
from numba import njit

from sim import behaviour
from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES, agriculture
from sim.domains import infrastructure as infra
from sim.domains import services as svc
from sim.shocks import correlation

# Why a partnership ended (Table.reason); "left" is a voluntary exit, not an ending.
REASONS = ("term ended", "collapsed", "too few members", "not renewed")
TERM_ENDED, COLLAPSED, TOO_FEW, NOT_RENEWED = range(4)
LEFT = -1

Villages = namedtuple(
    "Villages",
    "x y district households budget income_mean income_var reference_consumption risk_aversion expertise "
    "partnership contributed tenure expected_gain experience pending_cost fund pledged served_until upkeep_due "
    "host_distance",
)
Table = namedtuple(
    "Table",
    "form domains alive size members consent start years term_years fund contributions defections without "
    "end_step reason final_size next_pid",
)
# corr and loss: pair_geometry of each tie (pair_tables), fixed at set-up.
TieArrays = namedtuple("TieArrays", "indptr cols distance trust reverse corr loss")
# The allowed forms, one record per form (F[form].setup ...): a structured array, which
# compiled code indexes as fast as a plain array.
FORM_RULE = np.dtype(
    [
        ("setup", np.float64),  # set-up cost per member village, after any subsidy
        ("running", np.float64),  # running cost per member village per step, after any subsidy
        ("compliance", np.float64),  # how far enforcement alone makes partners comply, [0, 1]
        ("exit_penalty", np.float64),  # per village leaving before the term ends
        ("term", np.int64),  # steps; 0 = open-ended
        ("renewable", np.bool_),
        ("bundle", np.bool_),  # one partnership covers all the form's domains
        ("max_members", np.int64),
        ("covers_agriculture", np.bool_),
        ("covers_services", np.bool_),
        ("covers_infrastructure", np.bool_),
        ("allowed_agriculture", np.bool_),  # may a village seek it for this domain (allowed, mandate)?
        ("allowed_services", np.bool_),
        ("allowed_infrastructure", np.bool_),
    ]
)
Constants = namedtuple(
    "Constants",
    "now in_step temperature amortisation search_cost initial_trust split_by_population pool_share "
    "marketing_premium marketing_share district_weight local_weight correlation_km overhead "
    "pledge_share infra_weight irrigates irrigation_bonus build_cost lifetime "
    "upkeep build_saving joint_budget_share collapse_steps services",
)
# Columns of the gain-input matrix g (one row per village), and rows of P.services.
X, Y, DISTRICT, HOUSEHOLDS, BUDGET, INCOME_MEAN, INCOME_VAR, REFERENCE_CONSUMPTION, RISK_AVERSION = range(9)
FIXED_COST, DECAY_KM, UTILITY_WEIGHT = range(3)


def _invalidate_stale_cache() -> None:
    """Numba's on-disk cache only notices edits to this file, not to the rules it
    inlines from sim/domains, sim/behaviour.py and sim/shocks.py: drop the cache
    when any of them changed, so an edited rule always takes effect."""
    here = Path(__file__).resolve().parent
    sources = [here / "kernel.py", here / "behaviour.py", here / "shocks.py", *sorted((here / "domains").glob("*.py"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    cache = here / "__pycache__"
    stamp = cache / "kernel.sources"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        cache.mkdir(exist_ok=True)
        for old in cache.glob("kernel.*.nb[ic]"):
            old.unlink(missing_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: Numba then compiles in memory
        pass


_invalidate_stale_cache()


# --- small queries -----------------------------------------------------------------
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
def allowed(form, domain):
    """May a village choose ``form`` (a FORM_RULE record) for ``domain``? (allowed, covering it, mandate)"""
    if domain == AGRICULTURE:
        return form.allowed_agriculture
    if domain == SERVICES:
        return form.allowed_services
    return form.allowed_infrastructure


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


# --- expected gains of a prospective group -------------------------------------------
@njit(cache=True)
def gain_inputs(V):
    """What the expected gains read of each village, one row per village (columns X ...
    RISK_AVERSION). None of it changes while villages review their partnerships."""
    g = np.empty((V.x.shape[0], 9))
    g[:, X] = V.x
    g[:, Y] = V.y
    g[:, DISTRICT] = V.district
    g[:, HOUSEHOLDS] = V.households
    g[:, BUDGET] = V.budget
    g[:, INCOME_MEAN] = V.income_mean
    g[:, INCOME_VAR] = V.income_var
    g[:, REFERENCE_CONSUMPTION] = V.reference_consumption
    g[:, RISK_AVERSION] = V.risk_aversion
    return g


@njit(cache=True, inline="always")
def pair_geometry(g, P, i, j):
    """What the distance between villages i and j fixes for good: the correlation of
    their drought shocks, and the service quality i loses (utility, summed over
    services) when j hosts the services it shares."""
    distance = np.hypot(g[i, X] - g[j, X], g[i, Y] - g[j, Y])
    same = g[i, DISTRICT] == g[j, DISTRICT]
    corr = correlation(distance, same, P.district_weight, P.local_weight, P.correlation_km)
    return corr, svc.quality_loss(distance, P.services[DECAY_KM], P.services[UTILITY_WEIGHT])


@njit(cache=True)
def pair_tables(g, P, indptr, cols):
    """pair_geometry for every tie, once at set-up: (correlation, quality loss) per
    tie. Positions and districts never change, so decisions look these up."""
    corr = np.empty(cols.shape[0])
    loss = np.empty(cols.shape[0])
    for i in range(indptr.shape[0] - 1):
        for e in range(indptr[i], indptr[i + 1]):
            corr[e], loss[e] = pair_geometry(g, P, i, cols[e])
    return corr, loss


@njit(cache=True, inline="always")
def member_gain(
    g, indptr, cols, trust, corr, loss, services, P, form, covered, members, a, total_households, total_pledge, host
):  # fmt: skip
    """Expected gain (money per household per step) of member ``a`` of the group
    ``members`` (hosted by member ``host``) under ``form`` (a FORM_RULE record) covering
    ``covered`` domains, net of running costs and the amortised set-up cost; -inf when
    it cannot afford the set-up. Pairs that are tied read their terms off the tie
    (``trust``, ``corr``, ``loss``: per tie); i's trust in an untied village is the prior."""
    i = members[a]
    trust_sum = 0.0
    corr_sum = 0.0
    to_host = 0.0
    for b in range(members.shape[0]):
        if b == a:
            continue
        e = edge(indptr, cols, i, members[b])
        if e >= 0:
            trusted, pair_corr, pair_loss = trust[e], corr[e], loss[e]
        else:
            pair_corr, pair_loss = pair_geometry(g, P, i, members[b])
            trusted = P.initial_trust
        trust_sum += trusted
        corr_sum += pair_corr
        if b == host:
            to_host = pair_loss
    return gain_from_sums(
        g, services, P, form, covered, members.shape[0], i, trust_sum, corr_sum, to_host, total_households,
        total_pledge,
    )  # fmt: skip


@njit(cache=True, inline="always")
def gain_from_sums(g, services, P, form, covered, k, i, trust_sum, corr_sum, to_host, total_households, total_pledge):
    """member_gain of village ``i`` in a group of ``k``, given its sums over partners of
    trust and of shock correlation, and ``to_host``: the service quality it loses to
    the host's distance (pair_geometry; 0 when it hosts)."""
    h = g[i, HOUSEHOLDS]
    mean_trust = trust_sum / max(k - 1, 1)
    corr = corr_sum / max(k - 1, 1)
    compliance = mean_trust + (1.0 - mean_trust) * form.compliance  # share of partners expected to contribute
    consumption = g[i, REFERENCE_CONSUMPTION]
    gain = 0.0
    if covered[AGRICULTURE]:
        gain += agriculture.expected_gain(
            k,
            corr,
            P.pool_share,
            g[i, INCOME_VAR],
            g[i, INCOME_MEAN],
            consumption,
            g[i, RISK_AVERSION],
            P.marketing_premium,
            P.marketing_share,
            compliance,
        )
    if covered[SERVICES]:
        weight = h / total_households if P.split_by_population else 1.0 / k
        gain += svc.expected_gain(services[FIXED_COST], P.overhead, k, weight, to_host, consumption, h, compliance)
    if covered[INFRASTRUCTURE]:
        benefit = P.infra_weight * consumption
        if P.irrigates:
            benefit += P.irrigation_bonus * g[i, INCOME_MEAN]
        pledge = P.pledge_share * g[i, BUDGET]
        gain += infra.expected_gain(
            P.build_cost, P.lifetime, P.upkeep, pledge, total_pledge, h / total_households, h, benefit, compliance
        )
    if form.setup > P.joint_budget_share * g[i, BUDGET]:
        return -np.inf
    return gain - (form.running + form.setup / P.amortisation) / h


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


@njit(cache=True, inline="always")
def group_totals(g, P, members):
    """A prospective group's households, yearly infrastructure pledges (money), and
    which member would host shared services (the one with the most households)."""
    total_households = 0.0
    total_pledge = 0.0
    host = 0
    for a in range(members.shape[0]):
        total_households += g[members[a], HOUSEHOLDS]
        total_pledge += P.pledge_share * g[members[a], BUDGET]
        if g[members[a], HOUSEHOLDS] > g[members[host], HOUSEHOLDS]:
            host = a
    return total_households, total_pledge, host


@njit(cache=True)
def group_gains(g, indptr, cols, trust, corr, loss, services, P, form, covered, members):
    """Each member's expected gain (money per household per step) from a group of
    ``members`` under ``form`` covering ``covered`` domains (see member_gain). A
    group forms, or admits a new member, only if all of these are >= 0."""
    total_households, total_pledge, host = group_totals(g, P, members)
    gains = np.empty(members.shape[0])
    for a in range(members.shape[0]):
        gains[a] = member_gain(
            g, indptr, cols, trust, corr, loss, services, P, form, covered, members, a, total_households,
            total_pledge, host,
        )  # fmt: skip
    return gains


@njit(cache=True)
def group_accepts(g, indptr, cols, trust, corr, loss, services, P, form, covered, members):
    """Does every member of ``members`` expect to gain (all group_gains >= 0)? Asks the
    newest member (the last) first and stops at the first refusal."""
    total_households, total_pledge, host = group_totals(g, P, members)
    k = members.shape[0]
    for step in range(k):
        a = k - 1 - step
        gain = member_gain(
            g, indptr, cols, trust, corr, loss, services, P, form, covered, members, a, total_households,
            total_pledge, host,
        )  # fmt: skip
        if not gain >= 0.0:
            return False
    return True


# --- membership bookkeeping (both engines) --------------------------------------------
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
    of the set-up cost and brings its own savings for a project into the common fund."""
    form = T.form[pid]
    size = T.size
    T.members[pid, size[pid]] = i
    T.consent[pid, size[pid]] = gain
    size[pid] += 1
    covers = T.domains[pid]
    n_domains = covers.sum()
    experience, expected_gain, partnership = V.experience, V.expected_gain, V.partnership
    contributed, tenure, pending_cost = V.contributed, V.tenure, V.pending_cost
    for d in range(3):
        if not covers[d]:
            continue
        if experience[i, d, form] == 0:  # no experience yet: start from the expectation that led it to join
            expected_gain[i, d, form] = gain / n_domains
        partnership[i, d] = pid
        contributed[i, d] = True
        tenure[i, d] = 0
        pending_cost[i, d] += F[form].setup / n_domains
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


# --- the decisions (fast path of sim/agents.py) ---------------------------------------
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
        # the pair's totals as group_totals adds them up; j hosts if it has more households
        households = 0.0 + g[i, HOUSEHOLDS]
        households += g[j, HOUSEHOLDS]
        pledges = 0.0 + P.pledge_share * g[i, BUDGET]
        pledges += P.pledge_share * g[j, BUDGET]
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
def consider_joining(V, T, E, F, P, g, i, domain, u):
    """Stay alone or seek a partnership of some form: logit choice on the learned gain
    of each form, net of set-up (amortised) and search costs; going alone is worth 0."""
    n_forms = len(F)
    options = np.empty(n_forms, dtype=np.int64)
    values = np.zeros(n_forms + 1)
    count = 0
    h = V.households[i]
    partnership, expected_gain = V.partnership, V.expected_gain
    for form in range(n_forms):
        rule = F[form]
        if not allowed(rule, domain) or not free_for(partnership, i, rule, domain):
            continue
        options[count] = form
        values[count + 1] = expected_gain[i, domain, form] - rule.setup / (h * P.amortisation) - P.search_cost / h
        count += 1
    if count == 0:
        return
    choice = behaviour.logit_choice(values[: count + 1], P.temperature, u)
    if choice > 0:
        seek_partners(V, T, E, F, P, g, i, domain, options[choice - 1])


@njit(cache=True, inline="always")
def wants_to_leave(expected_gain, households, form_of, term_years, F, temperature, i, domain, pid, u, values):
    """Stay (worth the learned gain of its form) or leave (worth minus the exit penalty)?
    (Village.consider_leaving; ``values``: room for the two values.)"""
    values[0] = expected_gain[i, domain, form_of[pid]]
    values[1] = -exit_penalty(form_of, term_years, F, pid) / households[i]
    return behaviour.logit_choice(values, temperature, u) == 1


@njit(cache=True, nogil=True)
def review(V, T, E, F, P, order, reviews, u):
    """Villages review the domains drawn for them this step, one village at a time in
    ``order`` (see Village.decide); ``u`` holds one uniform draw per village and domain."""
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
            elif tenure[i, d] > 0:  # not if it joined this very step (e.g. a bundle sought for another domain)
                leaving = wants_to_leave(
                    expected_gain, households, form_of, term_years, F, P.temperature, i, d, pid, u[i, d], values
                )
                if leaving:
                    leave(V, T, F, P, i, pid, LEFT)


# --- the partnerships' year -------------------------------------------------------------
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
def pool_infrastructure(V, T, P, expertise, households, pledge_paid):
    """Members' pledges go into each infrastructure partnership's fund; a project is
    built when the fund reaches its cost (lower with the members' mean expertise) and
    then serves every member for its lifetime, upkeep split by households."""
    domains, fund, size, members_table = T.domains, T.fund, T.size, T.members
    pledged, served_until, upkeep_due = V.pledged, V.served_until, V.upkeep_due
    for pid in np.flatnonzero(T.alive[: T.next_pid[0]]):
        if not domains[pid, INFRASTRUCTURE]:
            continue
        members = members_table[pid, : size[pid]]
        waiting = False
        mean_expertise = 0.0
        for m in members:
            fund[pid] += pledge_paid[m]
            pledged[m] += pledge_paid[m]
            mean_expertise += expertise[m]
            waiting = waiting or served_until[m] <= P.now
        cost = infra.effective_build_cost(P.build_cost, mean_expertise / members.shape[0], P.build_saving)
        if waiting and infra.is_built(fund[pid], cost):
            fund[pid] -= cost
            share = households[members] / households[members].sum()
            for a in range(members.shape[0]):  # what is left stays owned in proportion to households
                pledged[members[a]] = fund[pid] * share[a]
                served_until[members[a]] = P.now + P.lifetime
                upkeep_due[members[a]] = P.upkeep * share[a]


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


@njit(cache=True, nogil=True)
def any_neighbour(indptr, cols, flag):
    """For each village, is ``flag`` true for any of its neighbours (CSR ``indptr``, ``cols``)?"""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if flag[cols[e]]:
                out[i] = True
                break
    return out


@njit(cache=True, nogil=True)
def mean_identity(years_together, scale):
    """Mean over ties of shared identity, 1 - exp(-years together / scale) (0 for most ties)."""
    total = 0.0
    for years in years_together:
        if years > 0:
            total += 1.0 - np.exp(-years / scale)
    return total / years_together.shape[0] if years_together.shape[0] else 0.0


@njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def partner_network(partnership, members, size):
    """The network of partners: mean number of distinct partners per village (over all
    its partnerships), and the number of groups of two or more villages linked by
    partnerships (connected components, by union-find)."""
    n = partnership.shape[0]
    parent = np.arange(n)
    for pid in range(size.shape[0]):
        for a in range(1, size[pid]):
            ra, rb = _root(parent, members[pid, 0]), _root(parent, members[pid, a])
            if ra != rb:
                parent[rb] = ra
    links = 0
    counted_for = np.full(n, -1, dtype=np.int64)  # the village whose partners j was last counted for
    for i in range(n):
        for d in range(3):
            pid = partnership[i, d]
            if pid < 0 or (d > 0 and pid == partnership[i, 0]) or (d > 1 and pid == partnership[i, 1]):
                continue  # alone, or a bundle already visited
            for a in range(size[pid]):
                j = members[pid, a]
                if j != i and counted_for[j] != i:
                    counted_for[j] = i
                    links += 1
    component_size = np.zeros(n, dtype=np.int64)
    for i in range(n):
        component_size[_root(parent, i)] += 1
    return links / n if n else 0.0, int(np.sum(component_size > 1))
