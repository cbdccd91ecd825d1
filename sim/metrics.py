"""Welfare, resilience and cooperation measures: pure functions over arrays.

Households inside a village are represented by a lognormal distribution of
consumption around the village mean (log-sd ``within_village_sd``), so poverty
and food insecurity are shares of households, not of whole villages.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy.special import ndtr, ndtri

N_QUANTILES = 5  # points per village used to approximate within-village inequality


def share_below(line: float, mean_consumption: np.ndarray, households: np.ndarray, sd: float) -> float:
    """Share of all households whose consumption is below ``line`` (0-1)."""
    c = np.maximum(mean_consumption, 1e-12)
    if sd <= 1e-9:  # no spread within villages (a vanishing sd would overflow the z-score)
        below = (c < line).astype(float)
    else:
        mu = np.log(c) - 0.5 * sd**2
        below = ndtr((math.log(line) - mu) / sd)
    return float(np.sum(below * households) / np.sum(households))


def weighted_gini(values: np.ndarray, weights: np.ndarray, order: np.ndarray | None = None) -> float:
    """Gini coefficient of a weighted distribution (0 = complete equality, 1 = one holds all).
    ``order``: the indices that sort ``values``, when already known."""
    if order is None:
        order = np.argsort(values)  # the order among equal values does not change the Lorenz curve
    return _gini_of_sorted(
        np.ascontiguousarray(values[order], dtype=float), np.ascontiguousarray(weights[order], dtype=float)
    )


@njit(cache=True)
def _gini_of_sorted(v: np.ndarray, w: np.ndarray) -> float:
    """1 - 2 x the area under the Lorenz curve (by trapezoids) of values ``v`` sorted
    ascending with weights ``w``. One compiled pass: numpy's cumulative sums cost
    more than the rest of a model step's measurement."""
    total_w = 0.0
    total_vw = 0.0
    for k in range(v.shape[0]):
        total_w += w[k]
        total_vw += v[k] * w[k]
    if total_vw <= 0:
        return 0.0
    area = 0.0
    cum_vw = 0.0
    previous = 0.0  # the Lorenz curve at the previous point
    for k in range(v.shape[0]):
        cum_vw += v[k] * w[k]
        lorenz = cum_vw / total_vw
        area += (lorenz + previous) * w[k]
        previous = lorenz
    return 1.0 - 2.0 * area / (2.0 * total_w)


def household_gini(
    mean_consumption: np.ndarray, households: np.ndarray, sd: float, order: np.ndarray | None = None
) -> float:
    """Gini of household consumption: between villages and, via quantile points of
    each village's lognormal, within them. ``order``: the indices that sort
    ``mean_consumption``, when already known (see weighted_median)."""
    c = np.maximum(mean_consumption, 1e-12)
    if order is None:
        order = np.argsort(c)
    if sd <= 1e-9:
        return weighted_gini(c, households, order)
    q = ndtri((np.arange(N_QUANTILES) + 0.5) / N_QUANTILES)
    # one row per quantile, villages in order: each row is sorted already (scaling keeps
    # the order), so a stable sort (Timsort) of all points only merges the rows
    points = np.exp(sd * q - 0.5 * sd**2)[:, None] * c[order][None, :]
    weights = np.broadcast_to(households[order] / N_QUANTILES, points.shape)
    flat = points.ravel()
    return weighted_gini(flat, weights.ravel(), np.argsort(flat, kind="stable"))


def weighted_median(values: np.ndarray, weights: np.ndarray, order: np.ndarray | None = None) -> float:
    """The value below which half the total weight lies. ``order``: the indices that
    sort ``values``, when already known (how equal values are ordered does not matter)."""
    if order is None:
        order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def cvar(values: np.ndarray, alpha: float = 0.05) -> float:
    """Conditional value at risk: the mean of the worst ``alpha`` share of outcomes."""
    flat = np.sort(np.asarray(values, dtype=float).ravel())
    if flat.size == 0:
        return float("nan")
    n = max(1, int(math.ceil(alpha * flat.size)))
    return float(flat[:n].mean())


def resilience(
    welfare: np.ndarray,
    counterfactual: np.ndarray,
    shock_step: int,
    village_consumption: np.ndarray | None = None,
    poverty_line: float = 1.0,
    tolerance: float = 0.05,
) -> dict[str, float | bool | int | None]:
    """Resilience of a welfare series to a shock at ``shock_step``, against the same
    run without the shock. ``welfare[t]`` and ``counterfactual[t]`` are indexed by
    step (0 = initial state).

    * resistance: lowest welfare from the shock on / welfare the step before it;
    * recovery_steps: steps from the shock until welfare is back within
      ``tolerance`` of the counterfactual and stays there; None (not recovered)
      when it never is by the end of the run;
    * loss: the resilience triangle (Bruneau et al. 2003), the relative shortfall
      against the counterfactual summed from the shock until recovery (to the end of
      the run when not recovered), in step-fractions (1.0 = one whole step of
      welfare lost). Stopping at recovery keeps later run-to-run noise out of it;
    * robustness: share of villages that never fall below the poverty line from
      the shock on (``village_consumption`` is steps x villages).
    """
    w = np.asarray(welfare, dtype=float)
    c = np.asarray(counterfactual, dtype=float)
    after = slice(shock_step, len(w))
    resistance = float(w[after].min() / w[shock_step - 1])
    within = w[after] >= (1.0 - tolerance) * c[after]
    # first index from which `within` holds to the end
    bad = np.flatnonzero(~within)
    if bad.size == 0:
        recovery: int | None = 0
    elif bad[-1] == within.size - 1:
        recovery = None
    else:
        recovery = int(bad[-1] + 1)
    shortfall = np.maximum(c[after] - w[after], 0.0) / np.maximum(c[after], 1e-12)
    if recovery is not None:
        shortfall = shortfall[:recovery]
    out: dict[str, float | bool | int | None] = {
        "resistance": resistance,
        "recovered": recovery is not None,
        "recovery_steps": recovery,
        "loss": float(shortfall.sum()),
    }
    if village_consumption is not None:
        vc = np.asarray(village_consumption)[after]
        out["robustness"] = float(np.mean(np.all(vc >= poverty_line, axis=0)))
    return out


@njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def partner_network(partnership, members, size):
    """The network of partners: mean number of distinct partners per village (over all
    its partnerships), and the number of groups of two or more villages linked by
    partnerships (connected components, by union-find)."""
    n = partnership.shape[0]
    parent = np.arange(n)
    for pid in range(size.shape[0]):
        for a in range(1, size[pid]):
            ra, rb = _root(parent, members[pid, 0]), _root(parent, members[pid, a])
            if ra != rb:
                parent[rb] = ra
    links = 0
    counted_for = np.full(n, -1, dtype=np.int64)  # the village whose partners j was last counted for
    for i in range(n):
        for d in range(3):
            pid = partnership[i, d]
            if pid < 0 or (d > 0 and pid == partnership[i, 0]) or (d > 1 and pid == partnership[i, 1]):
                continue  # alone, or a bundle already visited
            for a in range(size[pid]):
                j = members[pid, a]
                if j != i and counted_for[j] != i:
                    counted_for[j] = i
                    links += 1
    component_size = np.zeros(n, dtype=np.int64)
    for i in range(n):
        component_size[_root(parent, i)] += 1
    return links / n if n else 0.0, int(np.sum(component_size > 1))
