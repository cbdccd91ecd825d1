"""Agriculture (the India example): farm output, risk pools, shared know-how, joint marketing.

Output per household = productivity x land^alpha x (1 + irrigation bonus x irrigation)
x (1 - shock x (1 - adaptation)), where adaptation grows with agricultural expertise and
irrigation is 1 for land a project serves (a share of it near one: the spill-over).

Joint marketing is earned: the premium on pooled sales grows with the farm households
that market together (full at ``marketing_scale``), and its costs are paid on every
pooled sale, so a member marketing with partners who hold back their produce can lose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.domains import AGRICULTURE, group_sum, jitable


def farm_output(
    productivity: np.ndarray,
    land: np.ndarray,
    alpha: float,
    irrigation: np.ndarray,
    irrigation_bonus: float,
    shock: np.ndarray,
    expertise: np.ndarray,
    adaptation_max: float,
) -> np.ndarray:
    """Farm output per household (money at the reference price) this step; ``irrigation``:
    the share of the bonus its land gets, [0, 1] (1 served by a project)."""
    adaptation = adaptation_max * expertise
    return productivity * land**alpha * (1.0 + irrigation_bonus * irrigation) * (1.0 - shock * (1.0 - adaptation))


@jitable
def marketing_rate(premium: float, cost: float, scale: float, contributing_households):
    """Net price gain (share of the value sold) on a member's pooled sales when
    ``contributing_households`` farm households market together: the premium, in
    proportion to that volume up to ``scale`` (bargaining power, the buyer's fixed costs),
    minus the marketing costs paid on every sale. Negative for a volume too small to cover them."""
    return premium * np.minimum(contributing_households / scale, 1.0) - cost


def lasting_damage(damage: np.ndarray, lasting, expertise: np.ndarray, adaptation_max: float, d: dict) -> np.ndarray:
    """Asset damage after this year (share of farm output lost, [0, 1)): last year's,
    ``recovery_rate`` of it repaired, then ``asset_loss`` x the output a scheduled drought
    or flood destroyed this year (``lasting``: its intensity; adaptation through expertise
    avoids part of it, as for the crop). Output is lower by that share until repaired."""
    repaired = damage * (1.0 - d["recovery_rate"])
    if lasting is None or not lasting.any():
        return repaired
    new = d["asset_loss"] * lasting * (1.0 - adaptation_max * expertise)
    return 1.0 - (1.0 - repaired) * (1.0 - new)


def risk_pool_transfers(
    income: np.ndarray,
    labels: np.ndarray,
    n_groups: int,
    pays: np.ndarray,
    pool_share: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Net transfer to each village from a risk pool (money per village; sums to zero in each group).

    Every paying member puts ``pool_share`` of its farm income (village total) into
    the pool, and the pool is shared among the paying members in proportion to their
    ``weights`` (in the model: expected farm income, so that no member expects to pay
    in more than it draws: insurance, not redistribution). A member hit harder than the group after a
    shock gets more than it paid in (the surplus of the others covers its deficit). A
    member that free-rides keeps its share of income and forfeits its claim for the
    year: it is uninsured, and pays what it would have received (the temptation is
    for members that would pay in more than they draw). Without ``weights`` every
    member counts as one.
    """
    weight = np.where(pays, 1.0 if weights is None else weights, 0.0)
    paid = np.where(pays, pool_share * income, 0.0)
    pool = group_sum(labels, paid, n_groups)
    paying_weight = group_sum(labels, weight, n_groups)
    return np.where(pays, pool[labels] * weight / np.maximum(paying_weight[labels], 1e-300), 0.0) - paid


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
    marketing_cost: float,
    marketing_scale: float,
    marketing_share: float,
    households: np.ndarray,
    group_households: float,
    expected_compliance: np.ndarray,
) -> np.ndarray:
    """Expected gain per household per step (money) of a member of an agricultural
    partnership of ``group_households`` households (numbers, or arrays over members):
    the risk premium saved by pooling (0.5 x risk aversion / consumption x variance
    removed), scaled by how reliably partners are expected to contribute, plus the net
    joint-marketing gain on its own pooled sales at the volume it expects to market
    with (its own households and the partners' expected to contribute)."""
    removed = pooled_variance_factor(k, mean_correlation, pool_share) * income_variance
    insurance = 0.5 * risk_aversion * removed / np.maximum(consumption, 1e-9)
    volume = households + expected_compliance * (group_households - households)
    rate = marketing_rate(marketing_premium, marketing_cost, marketing_scale, volume)
    return expected_compliance * insurance + rate * marketing_share * mean_income


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


def free_ride_gain(
    income: np.ndarray,
    labels: np.ndarray,
    n_groups: int,
    pays: np.ndarray,
    member: np.ndarray,
    pool_share: float,
    weights: np.ndarray,
) -> np.ndarray:
    """What each member that free-rode on its risk pool kept back (money per village):
    the pay-in it owed, net of the share of the pool it forfeited by not paying (the pool
    with its pay-in, shared with it too, by ``weights`` as risk_pool_transfers shares it);
    0 for a member whose claim was worth more. The base of its fine."""
    owed = pool_share * income
    paid = np.where(pays & member, owed, 0.0)
    pool = group_sum(labels, paid, n_groups)[labels]
    weight = group_sum(labels, np.where(pays & member, weights, 0.0), n_groups)[labels]
    forfeited = (pool + owed) * weights / (weight + weights)
    return np.where(member & ~pays, np.maximum(owed - forfeited, 0.0), 0.0)


@dataclass(frozen=True)
class Farming:
    """One year of farming, per village (money per household unless said otherwise)."""

    revenue: np.ndarray  # farm output after shocks and fires, at this year's price
    stored: np.ndarray  # kept as food stock
    sold: np.ndarray
    transfer: np.ndarray  # net transfer from the risk pool
    marketing: np.ndarray  # joint-marketing premium earned
    fire_loss: np.ndarray  # share of output (and savings) a fire destroyed
    irrigation: (
        np.ndarray
    )  # share of the irrigation bonus its land got, [0, 1]: 1 served by a project, the spill-over share near one
    withheld: np.ndarray  # money per village a free-rider kept back from the pool
    pool_imbalance: float  # largest |sum| of transfers within a pool (0 up to rounding)
    retained: np.ndarray | None = None  # of the marketing costs a member paid, what its enterprise kept as its margin


def farm_year(
    s,
    year,
    shocks,
    protection: np.ndarray,
    irrigation: np.ndarray,
    params: dict,
    margin: np.ndarray | None = None,
    closed: np.ndarray | None = None,
) -> Farming:
    """Output, fires, the price, the risk pool and joint marketing of every village this
    year (``protection``: how far its services' quality protects it from fires, [0, 1];
    ``irrigation``: the share of the irrigation bonus its land gets, [0, 1], see
    ``infrastructure.irrigation``; ``year.pays``: who paid into its pool; ``margin``: the
    trading margin of each village's enterprise, the share of its pooled sales that the
    enterprise keeps of the marketing costs members pay, 0 outside an enterprise; None: no
    enterprise, nothing retained; ``closed``: is the village's enterprise closed this year,
    so that its members sell on their own). Joint sales go ahead in the share of them that
    markets take this year (``shocks.market``: 1 unless a scheduled market closure)."""
    a = params["agriculture"]
    h = s.households
    output = (1.0 - s.asset_damage) * farm_output(
        s.productivity, s.land, a["alpha"], irrigation, a["irrigation_bonus"], shocks.crop, s.expertise[:, 0],
        a["adaptation_max"],
    )  # fmt: skip
    s.asset_damage = lasting_damage(
        s.asset_damage, shocks.lasting, s.expertise[:, 0], a["adaptation_max"], params["shocks"]["damage"]
    )
    fire_loss = np.where(shocks.fire, params["shocks"]["fire"]["damage"] * (1.0 - np.minimum(protection, 1.0)), 0.0)
    revenue = output * (1.0 - fire_loss) * shocks.price
    stored = a["food_store_share"] * revenue
    sold = revenue - stored
    lab, ng = year.labels[AGRICULTURE]
    in_pool = year.member[:, AGRICULTURE]
    pays = year.pays[:, AGRICULTURE]
    expected = s.income_mean * h  # each member's claim is in proportion to its expected farm income: a fair pool
    transfer = risk_pool_transfers(sold * h, lab, ng, pays & in_pool, a["pool_share"], expected) / h
    imbalance = float(np.max(np.abs(group_sum(lab, transfer * h, ng)))) if s.n else 0.0
    markets = in_pool & pays
    if closed is not None:
        markets = markets & ~closed
    volume = group_sum(lab, np.where(markets, h, 0.0), ng)  # farm households marketing together
    rate = marketing_rate(a["marketing_premium"], a["marketing_cost"], a["marketing_scale"], volume)
    # joint sales, money per household: the marketing share of what is sold, as far as markets take it
    marketing = np.where(markets, rate[lab] * a["marketing_share"] * sold * shocks.market, 0.0)
    retained = None if margin is None else np.where(markets, margin * a["marketing_share"] * sold * shocks.market, 0.0)
    withheld = free_ride_gain(sold * h, lab, ng, pays, in_pool, a["pool_share"], expected)
    return Farming(revenue, stored, sold, transfer, marketing, fire_loss, irrigation, withheld, imbalance, retained)
