"""Comparison rules of the empirical pattern suite: each says whether a simulated figure
reproduces an observed one, in one of five ways (sign, rank, monotone shape, interval,
distribution distance).

Each rule is a plain function of numbers that returns a :class:`Verdict`: whether the
simulated value passes, and the statistic it was judged on. The tolerance is an argument,
so that a pattern states it beside its source; nothing here knows about the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Verdict(NamedTuple):
    """The outcome of one comparison: ``passed``, and ``statistic``, the number it was judged on
    (a z-score, a rank correlation, the largest wrong-way step, a value, a distance)."""

    passed: bool
    statistic: float


def mean_and_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean of independent replicates and its standard error (0 for a single value)."""
    x = np.asarray(values, dtype=float)
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0
    return float(x.mean()), se


def sign_rule(differences: Sequence[float], expected_sign: int, z: float = 3.0) -> Verdict:
    """Replicates' (paired) differences have the expected sign (+1 or -1): their mean lies
    on that side of 0 by at least ``z`` standard errors. The statistic is that z-score,
    signed so that a positive value is the expected direction."""
    if expected_sign not in (-1, 1):
        raise ValueError("expected_sign must be +1 or -1")
    mean, se = mean_and_se(differences)
    if se == 0.0:
        score = math.copysign(math.inf, mean * expected_sign) if mean != 0 else 0.0
    else:
        score = expected_sign * mean / se
    return Verdict(score >= z, score)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation of x and y (average ranks for ties); 0 if either is constant."""
    rx = _ranks(np.asarray(x, dtype=float))
    ry = _ranks(np.asarray(y, dtype=float))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    norm = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / norm if norm > 0 else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(values.size, dtype=float)
    sorted_values = values[order]
    start = 0
    for end in range(1, values.size + 1):  # ties share their mean rank
        if end == values.size or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end - 1) / 2.0
            start = end
    return ranks


def rank_rule(x: Sequence[float], y: Sequence[float], expected_sign: int, minimum: float) -> Verdict:
    """y rises (+1) or falls (-1) with x: Spearman's rank correlation, signed so that the
    expected direction is positive, is at least ``minimum`` (in (0, 1])."""
    if expected_sign not in (-1, 1):
        raise ValueError("expected_sign must be +1 or -1")
    rho = expected_sign * spearman(x, y)
    return Verdict(rho >= minimum, rho)


def monotone_rule(series: Sequence[float], direction: int, slack: float, minimum_change: float) -> Verdict:
    """The series moves one way throughout: falls (direction -1) or rises (+1) from point to
    point, no step going the wrong way by more than ``slack``, and its total change from
    first to last point in that direction is at least ``minimum_change`` (0: "stays up",
    a flat series passes). The statistic is the largest wrong-way step."""
    if direction not in (-1, 1):
        raise ValueError("direction must be +1 or -1")
    x = np.asarray(series, dtype=float)
    steps = direction * np.diff(x)
    worst = float(-steps.min()) if steps.size else 0.0
    total = float(direction * (x[-1] - x[0]))
    return Verdict(worst <= slack and total >= minimum_change, worst)


def interval_rule(value: float, low: float, high: float) -> Verdict:
    """The simulated value lies in the observed band [low, high]."""
    return Verdict(bool(low <= value <= high), float(value))


def total_variation(simulated: Sequence[float], observed: Sequence[float]) -> float:
    """Total variation distance of two distributions over the same bins: half the summed
    absolute difference of their shares (0 = identical, 1 = disjoint). Each is normalised
    to sum to 1 first."""
    p = np.asarray(simulated, dtype=float)
    q = np.asarray(observed, dtype=float)
    if p.shape != q.shape or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError("two non-empty distributions over the same bins are needed")
    return 0.5 * float(np.abs(p / p.sum() - q / q.sum()).sum())


def distribution_rule(simulated: Sequence[float], observed: Sequence[float], threshold: float) -> Verdict:
    """The simulated shares over the observed bins are within ``threshold`` of the observed
    shares in total variation distance."""
    distance = total_variation(simulated, observed)
    return Verdict(distance <= threshold, distance)


def binned_shares(values: Sequence[float], edges: Sequence[float]) -> np.ndarray:
    """Shares of values in the bins [edges[k], edges[k+1]); the first bin takes everything
    below edges[1], the last everything from edges[-2] up (open-ended end bins)."""
    x = np.asarray(values, dtype=float)
    inner = np.asarray(edges, dtype=float)[1:-1]
    counts = np.bincount(np.searchsorted(inner, x, side="right"), minlength=inner.size + 1)
    return counts / max(x.size, 1)
