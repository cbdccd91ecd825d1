"""Decision rules: whether a partner contributes or free-rides, and logit choice.

The rules are vectorised over all villages in partnerships (one boolean per
village and domain); ``sim/agents.py`` shows the same rules for one village.
A scenario selects the rule with ``behaviour.rule``:

* ``conditional`` (default): in a new partnership, open with a contribution (good
  faith); afterwards contribute when the trust-weighted share of partners who
  contributed last step reaches your threshold, or when enforcement makes
  free-riding unprofitable. Shared identity lowers the threshold.
* ``always_cooperate`` / ``always_defect``: the two benchmarks.
* ``reinforcement``: payoff-based learning; propensities for contributing and for
  free-riding follow realised payoffs; choice by softmax.
* ``imitate_best``: copy what the best-earning partner (or yourself) did last step.

Every rule then makes a mistake with probability ``behaviour.error_rate``.
"""

from __future__ import annotations

import math

import numpy as np

from sim.domains import jitable


def conditional_cooperation(
    signal: np.ndarray,
    threshold: np.ndarray,
    identity: np.ndarray,
    threshold_discount: float,
    deterred: np.ndarray,
    first_step: np.ndarray | bool = False,
) -> np.ndarray:
    """Contribute in the first step of a partnership (an opening move of good
    faith), when enough partners did last step (``signal``: mean over partners of
    trust x contributed-last-step, in [0, 1]), or when free-riding does not pay."""
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
