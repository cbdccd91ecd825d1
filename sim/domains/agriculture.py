"""Agriculture (the India example): farm output, risk pools, shared know-how, joint marketing.

Output per household = productivity x land^alpha x (1 + irrigation bonus)
x (1 - shock x (1 - adaptation)), where adaptation grows with agricultural expertise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.domains import AGRICULTURE, group_sum, jitable


def farm_output(
    productivity: np.ndarray,
    land: np.ndarray,
    alpha: float,
    irrigated: np.ndarray,
    irrigation_bonus: float,
    shock: np.ndarray,
    expertise: np.ndarray,
    adaptation_max: float,
) -> np.ndarray:
    """Farm output per household (money at the reference price) this step."""
    adaptation = adaptation_max * expertise
    return productivity * land**alpha * (1.0 + irrigation_bonus * irrigated) * (1.0 - shock * (1.0 - adaptation))


def risk_pool_transfers(
    income: np.ndarray,
    labels: np.ndarray,
    n_groups: int,
    pays: np.ndarray,
    pool_share: float,
    households: np.ndarray | None = None,
) -> np.ndarray:
    """Net transfer to each village from a risk pool (money per village; sums to zero in each group).

    Every paying member puts ``pool_share`` of its farm income (village total) into
    the pool, and the pool is shared among all members in proportion to their
    households: equal per household. A member hit harder than the group after a
    shock gets more than it paid in (the surplus of the others covers its deficit);
    a free-rider pays nothing and still draws its share. Without ``households``
    every member counts as one household.
    """
    weight = np.ones_like(income) if households is None else households
    paid = np.where(pays, pool_share * income, 0.0)
    pool = group_sum(labels, paid, n_groups)
    member_weight = group_sum(labels, weight, n_groups)
    return pool[labels] * weight / member_weight[labels] - paid


@jitable
def pooled_variance_factor(k: int, mean_correlation, pool_share: float):
    """Share of a member's income variance that pooling removes (0-1), for k
    equal members with mean pairwise correlation of shocks ``mean_correlation``:
    (1 - a) (1 - (1 - pi)^2) with a = 1/k + (k - 1) rho / k.
    It is zero when shocks are perfectly correlated (rho = 1) or k = 1."""
    a = 1.0 / k + (k - 1.0) * mean_correlation / k
    return (1.0 - a) * (1.0 - (1.0 - pool_share) ** 2)


@jitable
def expected_gain(
    k: int,
    mean_correlation: np.ndarray,
    pool_share: float,
    income_variance: np.ndarray,
    mean_income: np.ndarray,
    consumption: np.ndarray,
    risk_aversion: np.ndarray,
    marketing_premium: float,
    marketing_share: float,
    expected_compliance: np.ndarray,
) -> np.ndarray:
    """Expected gain per household per step (money) of a member of an agricultural
    partnership (numbers, or arrays over members):
    the risk premium saved by pooling (0.5 x risk aversion / consumption x variance
    removed) plus the joint-marketing premium, both scaled by how reliably partners
    are expected to contribute."""
    removed = pooled_variance_factor(k, mean_correlation, pool_share) * income_variance
    insurance = 0.5 * risk_aversion * removed / np.maximum(consumption, 1e-9)
    marketing = marketing_premium * marketing_share * mean_income
    return expected_compliance * (insurance + marketing)


def crra_money_gain(
    with_partnership: np.ndarray, without: np.ndarray, reference: np.ndarray, risk_aversion: np.ndarray
) -> np.ndarray:
    """Money-metric utility gain of consuming ``with_partnership`` rather than
    ``without``: (u(c1) - u(c0)) / u'(reference), u CRRA with the village's risk
    aversion. A transfer received in a bad year is worth more than one paid in a good year."""
    c1 = np.maximum(with_partnership, 1e-6)
    c0 = np.maximum(without, 1e-6)
    rho = risk_aversion
    log_case = np.isclose(rho, 1.0)
    safe = np.where(log_case, 2.0, rho)
    u1 = np.where(log_case, np.log(c1), c1 ** (1.0 - safe) / (1.0 - safe))
    u0 = np.where(log_case, np.log(c0), c0 ** (1.0 - safe) / (1.0 - safe))
    return (u1 - u0) * np.maximum(reference, 1e-6) ** rho


@dataclass(frozen=True)
class Farming:
    """One year of farming, per village (money per household unless said otherwise)."""

    revenue: np.ndarray  # farm output after shocks and fires, at this year's price
    stored: np.ndarray  # kept as food stock
    sold: np.ndarray
    transfer: np.ndarray  # net transfer from the risk pool
    marketing: np.ndarray  # joint-marketing premium earned
    fire_loss: np.ndarray  # share of output (and savings) a fire destroyed
    irrigated: np.ndarray  # served by a built irrigation project (bool)
    withheld: np.ndarray  # money per village a free-rider kept back from the pool
    pool_imbalance: float  # largest |sum| of transfers within a pool (0 up to rounding)


def farm_year(s, year, shocks, protection: np.ndarray, params: dict) -> Farming:
    """Output, fires, the price, the risk pool and joint marketing of every village this
    year (``protection``: how far its services' quality protects it from fires, [0, 1];
    ``year.pays``: who paid into its pool)."""
    a, q = params["agriculture"], params["infrastructure"]
    h = s.households
    served = s.served_until > year.step
    irrigated = served & q["irrigates"]
    output = farm_output(
        s.productivity, s.land, a["alpha"], irrigated, a["irrigation_bonus"], shocks.crop, s.expertise[:, 0],
        a["adaptation_max"],
    )  # fmt: skip
    fire_loss = np.where(shocks.fire, params["shocks"]["fire"]["damage"] * (1.0 - np.minimum(protection, 1.0)), 0.0)
    revenue = output * (1.0 - fire_loss) * shocks.price
    stored = a["food_store_share"] * revenue
    sold = revenue - stored
    lab, ng = year.labels[AGRICULTURE]
    in_pool = year.member[:, AGRICULTURE]
    pays = year.pays[:, AGRICULTURE]
    transfer = risk_pool_transfers(sold * h, lab, ng, pays & in_pool, a["pool_share"], h) / h
    imbalance = float(np.max(np.abs(group_sum(lab, transfer * h, ng)))) if s.n else 0.0
    marketing = np.where(in_pool & pays, a["marketing_premium"] * a["marketing_share"] * sold, 0.0)
    withheld = np.where(in_pool & ~pays, a["pool_share"] * sold * h, 0.0)
    return Farming(revenue, stored, sold, transfer, marketing, fire_loss, irrigated, withheld, imbalance)
