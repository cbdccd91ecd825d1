"""Infrastructure (the Canada example): lumpy projects as threshold public goods.

A project costs more than most villages can pay in one year. Members pledge part
of their budget each step into a fund; the project is built only when the fund
reaches its cost. It then serves its members for its lifetime, with upkeep split
among them. Villages it does not serve within the spill-over radius get a share
of the benefit (free riding). Irrigation
raises farm output.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.domains import INFRASTRUCTURE, jitable


@jitable
def is_built(fund: float | np.ndarray, build_cost: float | np.ndarray) -> np.ndarray:
    """A threshold public good: built exactly when pledges reach the cost."""
    return fund >= build_cost


@jitable
def effective_build_cost(build_cost: float, expertise: np.ndarray, saving: float) -> np.ndarray:
    """Build cost after the builders' infrastructure expertise (mean over members)."""
    return build_cost * (1.0 - saving * expertise)


@jitable
def duty_cycle(lifetime: float, build_cost: float, yearly_pledge):
    """Long-run share of years served when a project is rebuilt whenever the fund
    allows: lifetime / (lifetime + years to save the cost); 0 without pledges."""
    years = build_cost / np.maximum(yearly_pledge, 1e-300)
    return (yearly_pledge > 0) * lifetime / (lifetime + years)


@jitable
def expected_gain(
    build_cost: float,
    lifetime: float,
    upkeep: float,
    own_pledge: np.ndarray,
    group_pledge: float,
    weight: np.ndarray,
    households: np.ndarray,
    benefit_money: np.ndarray,
    partner_compliance: np.ndarray,
) -> np.ndarray:
    """Expected gain per household per step (money) of a member (numbers, or arrays
    over members) building together: the project is up a larger share of the time (the group saves
    faster) and each member bears only its share of the upkeep."""
    reliable_group = own_pledge + partner_compliance * np.maximum(group_pledge - own_pledge, 0.0)
    alone = duty_cycle(lifetime, build_cost, own_pledge)
    together = duty_cycle(lifetime, build_cost, reliable_group)
    upkeep_saving = upkeep * (1.0 - weight) * together / households
    return (together - alone) * benefit_money + upkeep_saving


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
        cost = effective_build_cost(P.build_cost, mean_expertise / members.shape[0], P.build_saving)
        if waiting and is_built(fund[pid], cost):
            fund[pid] -= cost
            share = households[members] / households[members].sum()
            for a in range(members.shape[0]):  # what is left stays owned in proportion to households
                pledged[members[a]] = fund[pid] * share[a]
                served_until[members[a]] = P.now + P.lifetime
                upkeep_due[members[a]] = P.upkeep * share[a]
