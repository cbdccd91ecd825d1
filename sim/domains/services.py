"""Services (the Sweden example): fire, social services, a library...

Every village needs each service. Alone it pays a fixed cost F plus a cost per
household. A group of k villages sharing one pays F x (1 + phi (k - 1)) in fixed
costs, split among its members, but members far from the host get lower quality:
quality = exp(-distance to host / decay). Fire-service quality reduces fire losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.domains import SERVICES, group_sum, jitable


@jitable
def group_fixed_cost(fixed_cost: float, k: np.ndarray | int, overhead: float) -> np.ndarray:
    """Fixed cost of one service for a group of ``k`` villages: F (1 + phi (k - 1)).

    For k = 1 this is F, what a village pays alone; each extra member adds the
    coordination overhead phi x F instead of a whole F (less duplication).
    """
    return fixed_cost * (1.0 + overhead * (k - 1.0))


def cost_weights(households: np.ndarray, labels: np.ndarray, n_groups: int, split: str) -> np.ndarray:
    """Each member's share (0-1) of its group's fixed cost: by households or equal."""
    weight = households if split == "population" else np.ones_like(households)
    total = group_sum(labels, weight, n_groups)
    return weight / total[labels]


@jitable
def quality(distance_km: np.ndarray, decay_km: float) -> np.ndarray:
    """Service quality in (0, 1] at a distance from the host: exp(-d / decay)."""
    return np.exp(-distance_km / decay_km)


@jitable
def paying_share(weight: np.ndarray, expected_compliance: np.ndarray | float) -> np.ndarray:
    """Expected share of the group's fixed cost a member ends up paying when the
    others pay their part with probability ``expected_compliance`` and the payers
    cover the rest: w / (w + r (1 - w)). It is w when everyone pays, 1 when nobody else does."""
    return weight / (weight + expected_compliance * (1.0 - weight))


def shared_fixed_costs(
    fixed_cost: float,
    overhead: float,
    labels: np.ndarray,
    n_groups: int,
    weight: np.ndarray,
    pays: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """This step's fixed-cost bill of each village for one service.

    Members who pay (``pays``) split the group's fixed cost in proportion to their
    weights; members who free-ride pay nothing. Returns ``(bill, funded)``: the bill
    per village and whether its group's service ran (a group where nobody pays
    runs nothing).
    """
    k = np.bincount(labels, minlength=n_groups)
    group_cost = group_fixed_cost(fixed_cost, k, overhead)
    paying_weight = group_sum(labels, weight * pays, n_groups)
    funded = paying_weight[labels] > 0
    safe = np.where(paying_weight > 0, paying_weight, 1.0)
    bill = np.where(pays & funded, group_cost[labels] * weight / safe[labels], 0.0)
    return bill, funded


@jitable
def quality_loss(distance_km, decay_km: np.ndarray, utility_weights: np.ndarray):
    """Utility a member at ``distance_km`` from the host loses, summed over services
    (weighted by their utility weights), against running its own (0 at the host)."""
    loss = 0.0 * distance_km
    for service in range(decay_km.shape[0]):
        loss += utility_weights[service] * (1.0 - quality(distance_km, decay_km[service]))
    return loss


@jitable
def expected_gain(
    fixed_costs: np.ndarray,
    overhead: float,
    k: int,
    weight: np.ndarray,
    quality_loss: np.ndarray,
    consumption: np.ndarray,
    households: np.ndarray,
    expected_compliance: np.ndarray,
) -> np.ndarray:
    """Expected gain per household per step (money) of a member of a group of ``k``
    sharing all services rather than running them alone: the fixed-cost saving minus
    the money value of the quality lost by distance to the host (``quality_loss``, see
    :func:`quality_loss`). ``weight``, ``quality_loss``, ``consumption``, ``households``
    and ``expected_compliance`` are the member's (numbers, or arrays over members);
    ``fixed_costs`` is per service."""
    alone = fixed_costs.sum()
    shared = group_fixed_cost(alone, k, overhead) * paying_share(weight, expected_compliance)
    return (alone - shared) / households - quality_loss * consumption


@dataclass(frozen=True)
class Servicing:
    """One year of services, per village (money per village unless said otherwise)."""

    bill: np.ndarray  # what it paid for all its services: fixed-cost share plus per-household costs
    alone_cost: np.ndarray  # what running them all alone would have cost
    quality_gap: np.ndarray  # utility lost to the distance to the host, against running its own (<= 0)
    withheld: np.ndarray  # what a free-rider left unpaid of its group's fixed costs
    spending: float  # public spending on services, whole region
    quality_households: float  # households x mean quality, whole region


def fire_protection(quality_now: np.ndarray, services: dict, names: list[str]) -> np.ndarray:
    """How far each village's services protect it from fire losses (sum over services
    of ``fire_protection`` x quality; capped at 1 where it is used)."""
    protection = np.zeros(quality_now.shape[0])
    for k_s, name in enumerate(names):
        protection += services[name]["fire_protection"] * quality_now[:, k_s]
    return protection


def utility(quality_now: np.ndarray, services: dict, names: list[str]) -> np.ndarray:
    """Each village's utility from its services this year (sum of ``utility_weight`` x quality)."""
    total = np.zeros(quality_now.shape[0])
    for k_s, name in enumerate(names):
        total += services[name]["utility_weight"] * quality_now[:, k_s]
    return total


def services_year(s, year, services: dict, names: list[str]) -> Servicing:
    """Every village's services this year: shared fixed costs split among the group's
    paying members, per-household costs (lower with services expertise and innovations),
    and quality by distance to the host (0 for a group where nobody paid). Updates
    ``s.quality``. ``services``: the scenario's ``[services]`` table; ``names``: its services."""
    h = s.households
    n = s.n
    lab, ng = year.labels[SERVICES]
    pays = year.pays[:, SERVICES]
    overhead = services["coordination_overhead"]
    weight = cost_weights(h, lab, ng, services["cost_split"])
    bill_total, alone_cost, quality_gap, withheld = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    per_household_factor = (1.0 - services["expertise_cost_saving"] * s.expertise[:, SERVICES]) * s.service_efficiency
    for k_s, name in enumerate(names):
        sp = services[name]
        bill, funded = shared_fixed_costs(sp["fixed_cost"], overhead, lab, ng, weight, pays)
        k = np.bincount(lab, minlength=ng)[lab]
        due = group_fixed_cost(sp["fixed_cost"], k, overhead) * weight
        withheld += np.where(~pays, due, 0.0)
        per_household = sp["cost_per_household"] * h * per_household_factor
        s.quality[:, k_s] = np.where(funded, quality(s.host_distance, sp["decay_km"]), 0.0)
        bill_total += bill + per_household
        alone_cost += sp["fixed_cost"] + per_household
        quality_gap += sp["utility_weight"] * (s.quality[:, k_s] - 1.0)
    spending = bill_total.sum()
    quality_households = float(np.sum(s.quality.mean(axis=1) * h))
    return Servicing(bill_total, alone_cost, quality_gap, withheld, spending, quality_households)
