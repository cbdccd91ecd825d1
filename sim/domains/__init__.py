"""The three domains of cooperation, as pure functions over village arrays.

Each module turns the state of all villages (numpy arrays, one entry per village)
and their groups into this step's economics. A village that cooperates with nobody
is a group of one, so the same formulas give autarky when k = 1.
"""

import numpy as np


def jitable(rule):
    """Mark a rule as plain Python when called from Python, and compiled into the compiled
    rules (sim/decisions.py, sim/gains.py ...) that call it: one definition for both
    (numba's ``register_jitable``, imported here so that reading DOMAIN_NAMES needs no numba)."""
    from numba.extending import register_jitable

    return register_jitable(rule)


AGRICULTURE, SERVICES, INFRASTRUCTURE = 0, 1, 2
DOMAIN_NAMES = ("agriculture", "services", "infrastructure")


def group_labels(partnership_of: np.ndarray) -> tuple[np.ndarray, int]:
    """Compact group labels for one domain: members of a partnership share a label,
    every village outside one is a group of its own.

    ``partnership_of`` holds a partnership id (>= 0) or -1 per village. Returns
    ``(label per village, number of groups)``; labels run from 0.
    """
    n = partnership_of.shape[0]
    member = partnership_of >= 0
    alone = np.flatnonzero(~member)
    if alone.size == n:
        return np.arange(n, dtype=np.int64), n
    present = np.zeros(int(partnership_of.max()) + 1, dtype=bool)
    present[partnership_of[member]] = True
    rank = np.cumsum(present) - 1  # label of each partnership id (no sort: ids are small integers)
    shared = int(rank[-1]) + 1
    labels = np.empty(n, dtype=np.int64)
    labels[member] = rank[partnership_of[member]]
    labels[alone] = shared + np.arange(alone.size)
    return labels, shared + alone.size


def group_sum(labels: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of ``values`` within each group, one entry per group."""
    return np.bincount(labels, weights=values, minlength=n_groups)
