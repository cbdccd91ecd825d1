"""Infrastructure (the Canada example): lumpy projects as threshold public goods.

A project costs more than most villages can pay in one year: a fixed part (headworks,
design) plus a part per household served, and so does its upkeep. Members pledge part
of their budget each step into a fund; the project is built only when the fund
reaches its cost. It then serves its members for its lifetime, with upkeep split
among them by households. Building together saves the fixed parts, not the parts per
household. Villages it does not serve within the spill-over radius get a share of the
benefit (free riding). Irrigation raises farm output.

A project may also protect the land it serves against droughts and floods
(``infrastructure.protection``: the share of their damage it averts, 0 by default), and
villages weigh that protection by the perceived yearly probability of such a shock
(``infrastructure.perceived_risk``) and its perceived intensity
(``infrastructure.perceived_intensity``): :func:`expected_averted_loss` enters the expected
gain of building together, and :func:`risk_deters_free_riding` the contribution rule
(``sim/behaviour.py``), as the collective-risk dilemma of Milinski et al. (2008) has it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from sim.domains import INFRASTRUCTURE, agriculture, group_sum, jitable
from sim.landscape import any_neighbour
from sim.state import villages_record


@jitable
def is_built(fund: float | np.ndarray, build_cost: float | np.ndarray) -> np.ndarray:
    """A threshold public good: built exactly when pledges reach the cost."""
    return fund >= build_cost


@jitable
def project_cost(fixed: float, per_household: float, households):
    """Build cost (or upkeep) of a project serving ``households``: its fixed part plus the part per household."""
    return fixed + per_household * households


def irrigation(served: np.ndarray, spillover, q: dict) -> np.ndarray:
    """Share of the irrigation bonus each village's land gets, [0, 1]: 1 where a project
    serves it, ``spillover_share`` where one serves a neighbour within the spill-over
    radius (recharged groundwater), 0 otherwise and for projects that do not irrigate.
    ``served``: is a project serving the village; ``spillover``: neighbours (CSR)."""
    if not q["irrigates"]:
        return np.zeros(served.shape[0])
    near = any_neighbour(*spillover, served) & ~served
    return served + q["spillover_share"] * near


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
    cost_alone: float,
    cost_together: float,
    lifetime: float,
    upkeep_alone: float,
    upkeep_together: float,
    own_pledge: np.ndarray,
    group_pledge: float,
    weight: np.ndarray,
    households: np.ndarray,
    benefit_money: np.ndarray,
    expected_compliance: np.ndarray,
) -> np.ndarray:
    """Expected gain per household per step (money) of a member (numbers, or arrays
    over members) building together rather than alone: the project is up a larger share of
    the time where the group's pledges (the partners' as far as they are expected to pay)
    cover its cost sooner than the member's own cover its own project's, and the member
    pays its share (``weight``) of the group's upkeep instead of its own project's upkeep."""
    reliable_group = own_pledge + expected_compliance * np.maximum(group_pledge - own_pledge, 0.0)
    alone = duty_cycle(lifetime, cost_alone, own_pledge)
    together = duty_cycle(lifetime, cost_together, reliable_group)
    upkeep_saving = (upkeep_alone * alone - weight * upkeep_together * together) / households
    return (together - alone) * benefit_money + upkeep_saving


@jitable
def expected_averted_loss(perceived_risk: float, perceived_intensity: float, protection: float, farm_income):
    """Expected loss (money per household per step) that a project serving a village keeps
    from it: the perceived yearly probability of a drought or flood x the share of farm
    output it would destroy x the share of that damage the project averts x the village's
    farm income per household. 0 when the project protects nothing (``protection`` 0)."""
    return perceived_risk * perceived_intensity * protection * farm_income


def risk_deters_free_riding(expected_loss: np.ndarray, group_pledge: np.ndarray) -> np.ndarray:
    """Does the risk make free-riding on a project not yet built unprofitable? Withholding a
    pledge p from a group whose pledges add up to G a year delays the build by p / G years,
    and for that long the member goes without the loss the project would avert
    (``expected_loss``, money per village per step): free-riding does not pay when
    expected_loss x p / G >= p, that is expected_loss >= G, whatever p. Only the member's own
    loss counts (the group's is k times larger: the collective-risk social dilemma), and
    only a loss deters (``expected_loss`` > 0)."""
    return (expected_loss > 0.0) & (expected_loss >= group_pledge)


def shielded(shocks, served: np.ndarray, protection: float):
    """The year's shocks as the farmland feels them: on land a project serves (``served``)
    a drought or flood destroys (1 - ``protection``) of what it otherwise would, this
    year's output and the lasting asset damage alike; fires and the price are unchanged.
    With ``protection`` 0 the shocks themselves are returned."""
    if protection == 0.0:
        return shocks
    kept = 1.0 - protection * served
    lasting = None if shocks.lasting is None else shocks.lasting * kept
    return replace(shocks, crop=shocks.crop * kept, lasting=lasting)


def averted_output(s, shocks, irrigation: np.ndarray, params: dict) -> np.ndarray:
    """Farm output per household (money at the reference price) that a project serving the
    village would keep from this year's droughts and floods, served or not: ``protection``
    x the output they destroy after adaptation (``shocks``: as drawn, before any shielding;
    ``irrigation``: its land's share of the irrigation bonus). This year's output only, not
    the lasting asset damage. What learning counts as the protection's realised value."""
    a = params["agriculture"]
    expertise = s.expertise[:, 0]
    potential = (1.0 - s.asset_damage) * agriculture.farm_output(
        s.productivity, s.land, a["alpha"], irrigation, a["irrigation_bonus"], 0.0, expertise, a["adaptation_max"]
    )
    return params["infrastructure"]["protection"] * shocks.crop * (1.0 - a["adaptation_max"] * expertise) * potential


@njit(cache=True, nogil=True)
def pool_infrastructure(V, T, P, expertise, households, pledge_paid):
    """Members' pledges go into each infrastructure partnership's fund; a project is
    built when the fund reaches its cost for the members' households (lower with their
    mean expertise) and then serves every member for its lifetime, upkeep split by households."""
    domains, fund, size, members_table = T.domains, T.fund, T.size, T.members
    pledged, served_until, upkeep_due, project_value = V.pledged, V.served_until, V.upkeep_due, V.project_value
    for pid in np.flatnonzero(T.alive[: T.next_pid[0]]):
        if not domains[pid, INFRASTRUCTURE]:
            continue
        members = members_table[pid, : size[pid]]
        waiting = False
        mean_expertise = 0.0
        group_households = 0.0
        for m in members:
            group_households += households[m]
            fund[pid] += pledge_paid[m]
            pledged[m] += pledge_paid[m]
            mean_expertise += expertise[m]
            waiting = waiting or served_until[m] <= P.now
        cost = effective_build_cost(
            project_cost(P.build_cost, P.build_cost_per_household, group_households),
            mean_expertise / members.shape[0],
            P.infrastructure_expertise_cost_saving,
        )
        upkeep = project_cost(P.upkeep, P.upkeep_per_household, group_households)
        if waiting and is_built(fund[pid], cost):
            fund[pid] -= cost
            share = households[members] / group_households
            for a in range(members.shape[0]):  # what is left stays owned in proportion to households
                pledged[members[a]] = fund[pid] * share[a]
                served_until[members[a]] = P.now + P.lifetime
                upkeep_due[members[a]] = upkeep * share[a]
                project_value[members[a]] = cost * share[a]


@dataclass(frozen=True)
class Building:
    """One year of infrastructure, per village (money per village unless said otherwise)."""

    paid: np.ndarray  # pledges and upkeep it paid (including upkeep it covered for free-riders)
    served_before: np.ndarray  # was a project serving it at the start of the year? (bool)
    served_now: np.ndarray  # ... and at the end (bool)
    utility: np.ndarray  # utility from a project serving it, or from one within spill-over reach
    withheld: np.ndarray  # what a free-rider left unpaid


def infrastructure_year(s, year, running: np.ndarray, table, constants, spillover, params: dict) -> Building:
    """Pledges into funds, threshold builds, upkeep, for every village this year: alone,
    a village saves into its own fund and builds when it can pay the whole cost; in a
    partnership, members pledge into the common fund (capped by the budget rule,
    ``policy.joint_budget_share``, after ``running`` costs and what it owes), which builds
    when it reaches the cost (:func:`pool_infrastructure`). Upkeep a free-rider leaves
    unpaid is covered by the paying members; with none, the project decays a year.
    ``spillover``: each village's neighbours (CSR) within reach of a project."""
    q = params["infrastructure"]
    now = year.step
    lab, ng = year.labels[INFRASTRUCTURE]
    in_infra = year.member[:, INFRASTRUCTURE]
    pays = year.pays[:, INFRASTRUCTURE]
    served = s.served_until > now
    pledge = q["pledge_share"] * s.budget
    cap = params["policy"]["joint_budget_share"] * s.budget - running.sum(axis=1) - s.pending_cost.sum(axis=1)
    pledge = np.where(in_infra, np.clip(np.minimum(pledge, cap), 0.0, None), pledge)
    amount = np.where(served, s.upkeep_due, pledge)
    paid = np.where(pays, amount, 0.0)
    withheld = np.where(~pays, amount, 0.0)
    # upkeep left unpaid by free-riders is covered by the paying members of the group
    gap = group_sum(lab, np.where(served & ~pays & in_infra, s.upkeep_due, 0.0), ng)
    payers_upkeep = group_sum(lab, np.where(served & pays & in_infra, s.upkeep_due, 0.0), ng)
    cover = np.where(payers_upkeep[lab] > 0, gap[lab] * s.upkeep_due / np.maximum(payers_upkeep[lab], 1e-12), 0.0)
    paid += np.where(served & pays & in_infra, cover, 0.0)
    unmaintained = (gap > 0) & (payers_upkeep <= 0)
    s.served_until = np.where(served & in_infra & unmaintained[lab], s.served_until - 1, s.served_until)
    pledge_paid = np.where(~served, paid, 0.0)
    # alone: into its own fund; in a partnership: into the common fund
    s.fund += np.where(in_infra, 0.0, pledge_paid)
    own_cost = project_cost(q["build_cost"], q["build_cost_per_household"], s.households)
    built_cost = effective_build_cost(own_cost, s.expertise[:, INFRASTRUCTURE], q["expertise_cost_saving"])
    own_built = ~in_infra & ~served & is_built(s.fund, built_cost)
    s.fund = np.where(own_built, s.fund - built_cost, s.fund)
    s.served_until = np.where(own_built, now + q["lifetime"], s.served_until)
    s.project_value = np.where(own_built, built_cost, s.project_value)
    s.upkeep_due = np.where(own_built, project_cost(q["upkeep"], q["upkeep_per_household"], s.households), s.upkeep_due)
    # in a partnership: into the common fund, which builds when it reaches the cost
    pool_infrastructure(
        villages_record(s), table.arrays(), constants, s.expertise[:, INFRASTRUCTURE].copy(), s.households, pledge_paid
    )
    served_now = s.served_until > now
    spill = any_neighbour(*spillover, served_now)  # a project is within reach
    utility = q["utility_weight"] * (served_now + q["spillover_share"] * (spill & ~served_now))
    return Building(paid, served, served_now, utility, withheld)
