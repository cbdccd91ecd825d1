"""Learning (ODD 6): expected payoffs, trust, shared identity, expertise, innovation.

* Expected gains: each member updates what it expects a partnership of its form to
  bring in each domain toward the gain it realised this year over going alone
  (:func:`realised_gains`, money per household; recurring costs only).
* Trust rises with reciprocated contributions and falls with free-riding (and a
  form's social sanction); years together (shared identity) grow on the ties between
  partners; expertise spills from better, contributing partners (capacity).
* Innovation: new practices appear more often where contributing partners bring diverse expertise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim import behaviour
from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES, agriculture, group_sum
from sim.domains import infrastructure as infra
from sim.economy import Economy
from sim.enforcement import Fines
from sim.forms import Form
from sim.state import VillageState
from sim.ties import Ties
from sim.year import Year


@dataclass(frozen=True)
class FormRates:
    """How each form shapes learning on ties, one entry per form, then one for a village alone."""

    trust_multiplier: np.ndarray  # transparency: trust gains are multiplied by this
    sanction_trust_loss: np.ndarray  # social sanction: extra trust lost in a partner seen free-riding
    identity_rate: np.ndarray  # years of shared identity accrued per year together

    @classmethod
    def of(cls, forms: list[Form]) -> FormRates:
        return cls(
            np.array([f.trust_multiplier for f in forms] + [1.0]),
            np.array([f.sanction_trust_loss for f in forms] + [0.0]),
            np.array([f.identity_rate for f in forms] + [0.0]),
        )


def realised_gains(s: VillageState, economy: Economy, fines: Fines, params: dict) -> np.ndarray:
    """What each village gained this year in each domain over going alone (money per
    household): the risk pool and marketing valued by its risk aversion (CRRA), the
    services' saving net of the quality lost to distance, the infrastructure it paid
    less for or enjoyed more years of (its yield, and the drought and flood damage a protecting
    project keeps away). Learning sees recurring costs only: set-up,
    search and exit penalties are one-off and enter decisions explicitly (amortised),
    so they are not learned as yearly losses."""
    a, q = params["agriculture"], params["infrastructure"]
    h, consumption = s.households, s.consumption
    farming, servicing, building = economy.farming, economy.servicing, economy.building
    cost_per_hh = (economy.running + fines.paid - fines.received) / h[:, None]
    gain = np.zeros((s.n, 3))
    gain[:, AGRICULTURE] = agriculture.crra_money_gain(
        consumption,
        consumption - (farming.transfer + farming.marketing) + cost_per_hh[:, AGRICULTURE],
        s.reference_consumption,
        s.risk_aversion,
    )
    gain[:, SERVICES] = (
        (servicing.alone_cost - servicing.bill) / h - cost_per_hh[:, SERVICES] + servicing.quality_gap * consumption
    )
    own_upkeep = infra.project_cost(q["upkeep"], q["upkeep_per_household"], h)
    own_cost = infra.project_cost(q["build_cost"], q["build_cost_per_household"], h)
    alone_payment = np.where(building.served_before, own_upkeep, q["pledge_share"] * s.budget)
    duty_alone = infra.duty_cycle(q["lifetime"], own_cost, q["pledge_share"] * s.budget)
    irrigation_value = (
        a["irrigation_bonus"] * farming.revenue / (1.0 + a["irrigation_bonus"] * farming.irrigation)
        if q["irrigates"]
        else 0.0
    )
    if economy.averted is not None:  # a protecting project: the drought and flood damage it keeps away
        irrigation_value = irrigation_value + economy.averted
    gain[:, INFRASTRUCTURE] = (
        (alone_payment - building.paid) / h
        - cost_per_hh[:, INFRASTRUCTURE]
        + (building.served_now - duty_alone) * (q["utility_weight"] * consumption + irrigation_value)
    )
    return gain


def learn(s: VillageState, ties: Ties, year: Year, gain: np.ndarray, rates: FormRates, params: dict, u_innovation):
    """Every village learns from its year (updates ``s`` and ``ties``): expected gains
    and contribution propensities, trust and identity on ties, expertise, innovation.
    ``u_innovation``: this year's uniform draws, villages x (agriculture, services).
    Returns (new practices adopted, growth of the sum over ties of shared identity)."""
    learn_expectations(s, year, gain, params["behaviour"]["learning_rate"])
    growth = learn_on_partner_ties(s, ties, year, rates, params)
    innovations = innovate(s, year, params["cooperation"]["innovation"], u_innovation)
    s.contributed = year.contributes.copy()
    s.tenure = np.where(year.member, s.tenure + 1, 0)
    return innovations, growth


def learn_expectations(s: VillageState, year: Year, gain: np.ndarray, lr: float) -> None:
    """Members move their expected gain of their form, and the propensity of what they
    did (contribute or free-ride), toward the gain realised (``lr``: learning rate)."""
    for d in range(3):
        m = year.member[:, d]
        if not m.any():
            continue
        rows = np.flatnonzero(m)
        cols = year.form_index[:, d][rows]
        s.expected_gain[rows, d, cols] = behaviour.reinforce(s.expected_gain[rows, d, cols], gain[rows, d], lr)
        s.experience[rows, d, cols] += 1
        action = np.where(year.contributes[rows, d], 0, 1)
        s.propensity[rows, d, action] = behaviour.reinforce(s.propensity[rows, d, action], gain[rows, d], lr)
    s.payoff = np.where(year.member, gain, 0.0)


def learn_on_partner_ties(s: VillageState, ties: Ties, year: Year, rates: FormRates, params: dict) -> float:
    """Trust and years together on the ties between partners, and expertise: spill-over
    from better, contributing partners (capacity) plus learning by doing. Returns the
    growth of the sum over ties of shared identity."""
    beh, cap = params["behaviour"], params["cooperation"]["capacity"]
    new_expertise = s.expertise.copy()
    spill, identity_growth = learn_on_ties(
        ties.rows, ties.cols, ties.trust, ties.years_together, year.partner_edges, year.form_index, year.pays,
        s.expertise, rates.trust_multiplier, rates.sanction_trust_loss, rates.identity_rate,
        float(beh["trust_gain"]), float(beh["trust_loss"]), ties.scratch,
        float(params["cooperation"]["identity"]["scale_steps"]),
    )  # fmt: skip
    new_expertise += cap["spill_rate"] * spill
    new_expertise += cap["self_learning"] * (1.0 - s.expertise)
    s.expertise = np.clip(new_expertise, 0.0, 1.0)
    return identity_growth


def partner_diversity(s: VillageState, year: Year, domain: int) -> np.ndarray:
    """Standard deviation, across the members of each village's group who contributed
    this year, of the expertise in ``domain`` each brought (its expertise at the start:
    local knowledge, which learning from partners does not erase). 0 alone, and 0 for a
    free-rider (it took no part in the exchange). Measured on the learned expertise
    instead, capacity spill-over would by construction erase the diversity innovation
    draws on (at the defaults that made capacity lower welfare: issue 12, finding 6)."""
    lab, ng = year.labels[domain]
    shares = (year.member[:, domain] & year.contributes[:, domain]).astype(float)
    e = s.local_knowledge[:, domain]
    k = np.maximum(group_sum(lab, shares, ng), 1.0)
    mean = group_sum(lab, e * shares, ng) / k
    var = np.maximum(group_sum(lab, e * e * shares, ng) / k - mean**2, 0.0)
    return np.where(shares > 0, np.sqrt(var)[lab], 0.0)


def innovate(s: VillageState, year: Year, inn: dict, u: np.ndarray) -> int:
    """New practices appear with probability ``base_rate`` + ``diversity_rate`` x the
    diversity of the expertise its contributing partners exchanged: in farming they raise productivity, in services
    they lower per-household costs (to at most 80 % off). Returns how many appeared."""
    innovations = 0
    for col, d in enumerate((AGRICULTURE, SERVICES)):
        diversity = partner_diversity(s, year, d)
        new_practice = u[:, col] < inn["base_rate"] + inn["diversity_rate"] * diversity
        innovations += int(new_practice.sum())
        if d == AGRICULTURE:
            s.productivity = np.where(new_practice, s.productivity * (1.0 + inn["productivity_gain"]), s.productivity)
        else:
            s.service_efficiency = np.where(
                new_practice,
                np.maximum(s.service_efficiency * (1.0 - inn["productivity_gain"]), 0.2),
                s.service_efficiency,
            )
    return innovations


def update_income_expectations(s: VillageState, economy: Economy, params: dict) -> None:
    """Moving averages of farm income (mean and variance, what the risk pool is valued
    on) and of consumption (the reference against which gains are valued)."""
    lr = params["behaviour"]["learning_rate"]
    deviation = economy.farming.revenue * (1.0 - params["agriculture"]["food_store_share"]) - s.income_mean
    s.income_mean = s.income_mean + lr * 0.5 * deviation
    s.income_var = (1.0 - lr * 0.5) * (s.income_var + lr * 0.5 * deviation**2)
    s.reference_consumption = s.reference_consumption + lr * (s.consumption - s.reference_consumption)


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
def mean_identity(years_together, scale):
    """Mean over ties of shared identity, 1 - exp(-years together / scale) (0 for most ties)."""
    total = 0.0
    for years in years_together:
        if years > 0:
            total += 1.0 - np.exp(-years / scale)
    return total / years_together.shape[0] if years_together.shape[0] else 0.0
