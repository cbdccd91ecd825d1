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

import numpy as np


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


def logit_choice(values: np.ndarray, temperature: float, u: float) -> int:
    """Index of the option chosen with probability proportional to exp(value / T)
    (bounded rationality; T -> 0 picks the best option)."""
    z = (values - values.max()) / temperature
    p = np.exp(z)
    cumulative = np.cumsum(p / p.sum())
    return int(min(np.searchsorted(cumulative, u, side="right"), len(values) - 1))
