"""Decision rules (ODD 3): whether a partner contributes or free-rides, and logit choice.

The rules are vectorised over all villages in partnerships (one boolean per
village and domain): :func:`contributions` applies the scenario's rule to every
member of every partnership each year. A scenario selects the rule with
``behaviour.rule``:

* ``conditional`` (default): contribute when the trust-weighted share of partners who
  contributed last step reaches your threshold, or when enforcement makes free-riding
  unprofitable. Shared identity lowers the threshold. In infrastructure, the risk of a loss
  the project would avert deters free-riding too, where it outweighs what free-riding saves
  (``sim.domains.infrastructure.risk_deters_free_riding``; off unless the scenario's project
  protects, ``infrastructure.protection`` > 0, against a perceived risk). A new member opens the same way,
  on what it knows of its new partners (``behaviour.opening = "trust"``: trust and their
  last contributions, a reputation that churn does not reset), or with a contribution
  whatever it knows (``"good_faith"``).
* ``always_cooperate`` / ``always_defect``: the two benchmarks.
* ``reinforcement``: payoff-based learning; propensities for contributing and for
  free-riding follow realised payoffs; choice by softmax.
* ``imitate_best``: copy what the best-earning partner (or yourself) did last step.

Every rule then makes a mistake with probability ``behaviour.error_rate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.domains import INFRASTRUCTURE, group_sum, jitable
from sim.domains import infrastructure as infra

if TYPE_CHECKING:
    from sim.forms import Form
    from sim.state import VillageState
    from sim.ties import Ties
    from sim.year import Year


@dataclass(frozen=True)
class ContributionRule:
    """The scenario's contribution rule and its parameters (``[behaviour]``, and the
    identity discount of ``[cooperation.identity]``); ``deters[form]``: does the form's
    enforcement make free-riding unprofitable (``Form.deters_free_riding``; the last
    entry, for a village alone, is False). ``expected_loss_share``: the share of its farm
    income per household a village expects a serving project to keep from droughts and
    floods each year (``infrastructure.perceived_risk`` x ``perceived_intensity`` x
    ``protection``; 0: the risk deters nobody), and ``pledge_share`` the share of its budget
    each member pledges (``infrastructure.pledge_share``)."""

    rule: str
    error_rate: float
    rl_temperature: float
    threshold_discount: float
    good_faith_opening: bool
    deters: np.ndarray
    expected_loss_share: float = 0.0
    pledge_share: float = 0.0

    @classmethod
    def of(cls, params: dict, forms: list[Form]) -> ContributionRule:
        beh = params["behaviour"]
        discount = params["cooperation"]["identity"]["threshold_discount"]
        deters = np.array([f.deters_free_riding for f in forms] + [False])
        good_faith = beh["opening"] == "good_faith"
        q = params["infrastructure"]
        loss_share = infra.expected_averted_loss(q["perceived_risk"], q["perceived_intensity"], q["protection"], 1.0)
        return cls(
            beh["rule"], beh["error_rate"], beh["rl_temperature"], discount, good_faith, deters, loss_share,
            q["pledge_share"],
        )  # fmt: skip


def contributions(year: Year, s: VillageState, ties: Ties, rule: ContributionRule, u_rule, u_error):
    """Contribute or free-ride, for every member of every partnership this year: the
    scenario's rule, then a trembling hand. Alone, a village pays its own way (True).
    ``u_rule``, ``u_error``: this year's uniform draws, villages x domains."""
    n = s.n
    out = np.ones((n, 3), dtype=bool)
    for d in range(3):
        member = year.member[:, d]
        if not member.any():
            continue
        action = _rule_action(year, s, ties, rule, d, u_rule)
        action = with_errors(action, rule.error_rate, u_error[:, d])
        out[:, d] = np.where(member, action, True)
    return out


def _rule_action(year: Year, s: VillageState, ties: Ties, rule: ContributionRule, d: int, u_rule):
    """What the rule says each village does in domain ``d``, before mistakes."""
    n = s.n
    if rule.rule == "always_cooperate":
        return np.ones(n, dtype=bool)
    if rule.rule == "always_defect":
        return np.zeros(n, dtype=bool)
    if rule.rule == "conditional":
        return conditional_cooperation(
            year.signal(d),  # mean over partners of trust x contributed
            s.threshold,
            year.identity(d),
            rule.threshold_discount,
            deterred(year, s, rule, d),
            rule.good_faith_opening & (s.tenure[:, d] == 0),
        )
    if rule.rule == "reinforcement":
        return reinforcement(s.propensity[:, d, 0], s.propensity[:, d, 1], rule.rl_temperature, u_rule[:, d])
    # imitate_best: the best-earning partner's last action, from the ties between partners
    same = year.partner_edges[d]
    best = np.full(n, -np.inf)
    np.maximum.at(best, ties.rows[same], s.payoff[ties.cols[same], d])
    is_best = same[s.payoff[ties.cols[same], d] == best[ties.rows[same]]]
    best_action = np.bincount(ties.rows[is_best], weights=s.contributed[ties.cols[is_best], d], minlength=n) > 0
    return imitate_best(s.contributed[:, d], s.payoff[:, d], best, best_action)


def deterred(year: Year, s: VillageState, rule: ContributionRule, d: int) -> np.ndarray:
    """Which villages are deterred from free-riding in domain ``d`` whatever their partners do:
    those whose form's enforcement makes free-riding unprofitable, unless the village is beyond
    the sanctions' reach (``s.impunity``: its fines are never collected), and in infrastructure
    those the risk of an unprotected loss deters (:func:`risk_deterred`)."""
    by_enforcement = rule.deters[year.form_index[:, d]]
    if s.impunity is not None:
        by_enforcement = by_enforcement & ~s.impunity
    return by_enforcement | (d == INFRASTRUCTURE and risk_deterred(year, s, rule))


def risk_deterred(year: Year, s: VillageState, rule: ContributionRule) -> np.ndarray | bool:
    """Which infrastructure members does the risk deter from free-riding this year? Those
    whose project is not built yet (none serves them) and whose own expected averted loss
    (money per village per step: ``expected_loss_share`` x farm income x households) is at
    least their group's yearly pledges (:func:`infra.risk_deters_free_riding`). False for
    all when the project protects nothing or nobody perceives a risk."""
    if rule.expected_loss_share <= 0.0:
        return False
    lab, ng = year.labels[INFRASTRUCTURE]
    member = year.member[:, INFRASTRUCTURE]
    group_pledge = group_sum(lab, np.where(member, rule.pledge_share * s.budget, 0.0), ng)[lab]
    loss = rule.expected_loss_share * s.income_mean * s.households
    waiting = member & (s.served_until <= year.step)
    return waiting & infra.risk_deters_free_riding(loss, group_pledge)


def conditional_cooperation(
    signal: np.ndarray,
    threshold: np.ndarray,
    identity: np.ndarray,
    threshold_discount: float,
    deterred: np.ndarray,
    first_step: np.ndarray | bool = False,
) -> np.ndarray:
    """Contribute when enough partners did last step (``signal``: mean over partners of
    trust x contributed-last-step, in [0, 1]), when free-riding does not pay, or in
    ``first_step`` (a good-faith opening move, where the scenario asks for one)."""
    return first_step | deterred | (signal >= threshold * (1.0 - threshold_discount * identity))


def reinforcement(
    propensity_contribute: np.ndarray, propensity_free_ride: np.ndarray, temperature: float, u: np.ndarray
) -> np.ndarray:
    """Softmax choice between the two learned propensities (money per household)."""
    z = np.clip((propensity_free_ride - propensity_contribute) / temperature, -50.0, 50.0)
    return u < 1.0 / (1.0 + np.exp(z))


def imitate_best(
    own_action: np.ndarray, own_payoff: np.ndarray, best_payoff: np.ndarray, best_action: np.ndarray
) -> np.ndarray:
    """Take the last action of the best-earning partner, unless you did better yourself."""
    return np.where(best_payoff > own_payoff, best_action, own_action)


def with_errors(action: np.ndarray, error_rate: float, u: np.ndarray) -> np.ndarray:
    """Flip each decision with probability ``error_rate`` (a trembling hand)."""
    return np.where(u < error_rate, ~action, action)


@jitable
def logit_choice(values: np.ndarray, temperature: float, u: float) -> int:
    """Index of the option chosen with probability proportional to exp(value / T)
    (bounded rationality; T -> 0 picks the best option). ``u`` is a uniform draw: the
    choice is the first option whose cumulative probability exceeds it."""
    best = values.max()
    total = 0.0
    for value in values:
        total += math.exp((value - best) / temperature)
    cumulative = 0.0
    for k in range(len(values) - 1):
        cumulative += math.exp((values[k] - best) / temperature) / total
        if u < cumulative:
            return k
    return len(values) - 1


def reinforce(propensity: np.ndarray, payoff: np.ndarray, learning_rate: float) -> np.ndarray:
    """Move an expectation toward the payoff just realised (exponential recency
    weighting): the learning step of the ``reinforcement`` rule, of the villages'
    expected gains of each form, and of the classic games' learners."""
    return propensity + learning_rate * (payoff - propensity)


def public_good_payoff(
    contributes: np.ndarray, labels: np.ndarray, n_groups: int, multiplier: float, cost: float = 1.0
) -> np.ndarray:
    """Payoff of each player in a linear public-goods game: a contributor pays
    ``cost`` into its group's pot, the pot is multiplied by ``multiplier`` (r)
    and shared equally among all the group's members, contributors or not.
    ``labels`` gives each player's group (0 .. n_groups - 1). Contributing changes
    one's own payoff by cost x (r / G - 1) whatever the others do: it lowers it
    exactly when r < G (the group size)."""
    contributes = np.asarray(contributes, dtype=bool)
    pot = np.bincount(labels, weights=np.where(contributes, cost, 0.0), minlength=n_groups)
    size = np.bincount(labels, minlength=n_groups)
    return multiplier * pot[labels] / size[labels] - np.where(contributes, cost, 0.0)
