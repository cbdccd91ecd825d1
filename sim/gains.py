"""What a village expects to gain from a prospective partnership.

The expected gain (money per household per step) of each member of a prospective
group under a form covering some domains, net of running costs and the amortised
set-up cost: the sum of what each domain's formula (``sim/domains/``) expects from
the group, given the member's trust in its partners, the correlation of their
shocks, and its distance to the member that would host shared services. A group
forms, or admits a new member, only if every member's gain is >= 0 (mutual consent).

These functions are evaluated tens of thousands of times per step, so they take
plain arrays (``g``, from :func:`gain_inputs`, and the ties' CSR arrays) rather than
the records of ``sim/state.py``: reading an array out of a named tuple costs Numba a
reference count each time, and that, not the arithmetic, dominated the cost.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES, agriculture
from sim.domains import infrastructure as infra
from sim.domains import services as svc
from sim.forms import expected_compliance
from sim.shocks import correlation
from sim.ties import edge

# Columns of the gain-input matrix g (one row per village), and rows of P.services.
X, Y, DISTRICT, HOUSEHOLDS, BUDGET, INCOME_MEAN, INCOME_VAR, REFERENCE_CONSUMPTION, RISK_AVERSION = range(9)
FIXED_COST, DECAY_KM, UTILITY_WEIGHT = range(3)


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
    corr = correlation(distance, same, P.district_weight, P.local_weight, P.correlation_length_km)
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
    compliance = expected_compliance(
        mean_trust, form.enforcement, form.fine
    )  # share of partners expected to contribute
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
            P.marketing_cost,
            P.marketing_scale,
            P.marketing_share,
            h,
            total_households,
            compliance,
        )
    if covered[SERVICES]:
        weight = h / total_households if P.split_by_population else 1.0 / k
        gain += svc.expected_gain(
            services[FIXED_COST], P.coordination_overhead, k, weight, to_host, consumption, h, compliance
        )
    if covered[INFRASTRUCTURE]:
        benefit = P.infrastructure_utility_weight * consumption
        if P.irrigates:
            benefit += P.irrigation_bonus * g[i, INCOME_MEAN]
        benefit += infra.expected_averted_loss(P.perceived_risk, P.perceived_intensity, P.protection, g[i, INCOME_MEAN])
        pledge = P.pledge_share * g[i, BUDGET]
        gain += infra.expected_gain(
            infra.project_cost(P.build_cost, P.build_cost_per_household, h),
            infra.project_cost(P.build_cost, P.build_cost_per_household, total_households),
            P.lifetime,
            infra.project_cost(P.upkeep, P.upkeep_per_household, h),
            infra.project_cost(P.upkeep, P.upkeep_per_household, total_households),
            pledge,
            total_pledge,
            h / total_households,
            h,
            benefit,
            compliance,
        )
    if form.setup_cost > P.joint_budget_share * g[i, BUDGET]:
        return -np.inf
    return gain - (form.running_cost + form.setup_cost / P.amortisation_steps) / h


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
