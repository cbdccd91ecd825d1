"""The report's sentences and number formats."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.sweep.analysis import decimals, fmt, metric_info

INTERVALS = (
    "Every interval is a 95 % confidence interval (Student t, across replicates): if the whole "
    "experiment were repeated with fresh replicates, intervals built this way would contain the "
    "true mean in 95 % of the repetitions."
)
PAIRING = (
    "Comparisons between arms are paired by replicate: replicate r of every arm uses the same seed, "
    "so it faces the same villages and the same shocks; the difference is taken within each "
    "replicate and its interval is the t interval of those per-replicate differences. Relative "
    "differences divide that difference and its interval by the reference arm's mean, treating the "
    "reference mean as exact (an approximation that ignores its own uncertainty). Shares and rates "
    "are compared in percentage points (pp) instead. Replicates with a missing value in either arm "
    "(for example runs that never recovered have no recovery time) are left out of the pair count."
)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _metric_title(metric: str) -> str:
    """Heading of a metric: "Mean consumption (poverty lines per household)"."""
    label, unit, _ = metric_info(metric)
    return _upper_first(f"{label} ({unit})" if unit and unit not in label else label)


def _ci_decimals(triples: Sequence[tuple[float, float, float]], scale: float = 1.0, minimum: int = 0) -> int:
    """One number of decimals for a column of (estimate, low, high): the finest any row needs."""
    found = [
        decimals(scale * m, scale * lo, scale * hi, minimum)
        for m, lo, hi in triples
        if m is not None and math.isfinite(m)
    ]
    return max(found) if found else minimum


def _ci_text(
    mean: float, low: float, high: float, scale: float = 1.0, suffix: str = "", digits: int | None = None
) -> str:
    if mean is None or not math.isfinite(mean):
        return "n/a"
    mean, low, high = scale * mean, scale * low, scale * high
    d = decimals(mean, low, high, 1 if suffix else 0) if digits is None else digits
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{fmt(mean, d)}{suffix}"
    return f"{fmt(mean, d)}{suffix} [{fmt(low, d)}, {fmt(high, d)}]"


def _p_text(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _tick(value: Any) -> str:
    return f"{value:g}".replace("-", "\u2212") if isinstance(value, (int, float, np.number)) else str(value)
