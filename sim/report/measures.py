"""The measures the report shows, and what it needs to know of each: label, unit, which
direction is better, whether a difference reads in the measure's own units.

This is the one place of the report that reads measure descriptions. Run-level measures
(the ``runs.parquet`` columns, e.g. ``welfare.mean_consumption``) are described by
``sim.sweep.analysis.metric_info``; the per-step columns drawn over time are ``SERIES``
below. Reading the output registry (``sim/outputs.py``) instead changes this file only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.report.wording import measure_title
from sim.sweep.analysis import ABSOLUTE_METRICS, metric_info

# what a report shows when the experiment names no metrics
DEFAULT_METRICS = ("welfare.mean_consumption", "welfare.poverty_rate", "welfare.gini")

# the resilience figure: the per-step consumption of the villages hit by the scheduled shock,
# observed and in the same run without the shock, and the run-level measures drawn as bars
AFFECTED = "affected_mean_consumption"
COUNTERFACTUAL_AFFECTED = "counterfactual_affected_mean_consumption"
RESILIENCE_BARS = ("resilience.resistance", "resilience.loss")


@dataclass(frozen=True)
class Series:
    """A per-step column drawn in the arms' time-series figure: its panel title, the y-axis
    label (its unit) and whether it is a share (drawn on [0, 1])."""

    column: str
    title: str
    unit: str
    share: bool


SERIES = (
    Series("mean_consumption", "mean consumption", "poverty lines per household", False),
    Series("poverty_rate", "poverty rate", "share of households", True),
    Series("food_insecurity_rate", "food-insecurity rate", "share of households", True),
    Series("participation_agriculture", "participation in agriculture", "share of villages", True),
    Series("participation_services", "participation in services", "share of villages", True),
    Series("participation_infrastructure", "participation in infrastructure", "share of villages", True),
    Series("contribution_rate", "contribution rate", "share of member-domain pairs", True),
    Series("mean_trust", "mean trust", "trust (0-1)", True),
)


def label(metric: str) -> str:
    """A measure's label in a sentence ("mean consumption"); an unknown key is its own label."""
    return metric_info(metric)[0]


def unit(metric: str) -> str:
    """A measure's unit ("poverty lines per household"); "" when unknown."""
    return metric_info(metric)[1]


def better(metric: str) -> str | None:
    """Which direction is better: "higher", "lower" or None (neither, or unknown)."""
    return metric_info(metric)[2]


def title(metric: str) -> str:
    """A measure's heading: "Mean consumption (poverty lines per household)"."""
    return measure_title(label(metric), unit(metric))


def reads_in_own_units(metric: str) -> bool:
    """Whether differences of this measure are always read in its own units, never in % of
    the reference (recovery time in steps; utility, whose log scale makes % meaningless)."""
    return metric in ABSOLUTE_METRICS
