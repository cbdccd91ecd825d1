"""The measures the report shows, and what it needs to know of each: label, unit, which
direction is better, whether a difference reads in the measure's own units.

Every label, unit and direction comes from the output registry (``sim/outputs.py``), for
run-level measures (the ``runs.parquet`` columns, e.g. ``welfare.mean_consumption``) and
per-step columns alike; this module only chooses which measures the report shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import outputs
from sim.report.wording import measure_text, measure_title, translated
from sim.sweep.analysis import ABSOLUTE_METRICS

# what a report shows when the experiment names no metrics
DEFAULT_METRICS = ("welfare.mean_consumption", "welfare.poverty_rate", "welfare.gini")

# the resilience figure: the per-step consumption of the villages hit by the scheduled shock,
# observed and in the same run without the shock, and the run-level measures drawn as bars
AFFECTED = "affected_mean_consumption"
COUNTERFACTUAL_AFFECTED = "counterfactual_affected_mean_consumption"
RESILIENCE_BARS = ("resilience.resistance", "resilience.loss")


@dataclass(frozen=True)
class Series:
    """A per-step column drawn in the arms' time-series figure: its panel title is the
    registry's label, its y-axis label the registry's unit unless ``axis`` replaces it,
    and it is drawn on [0, 1] when it is a share or ``unit_interval`` says its index lies there."""

    column: str
    axis: str | None = None
    unit_interval: bool = False

    @property
    def measure(self) -> outputs.Measure:
        found = outputs.measure_info(self.column)
        if found is None:
            raise KeyError(f"{self.column}: not a per-step column of the output registry")
        return found

    @property
    def title(self) -> str:
        return label(self.column)

    @property
    def unit(self) -> str:
        return translated(self.axis) if self.axis else unit(self.column)

    @property
    def share(self) -> bool:
        return self.unit_interval or self.measure.kind in (outputs.SHARE, outputs.FLAG)


SERIES = (
    Series("mean_consumption"),
    Series("poverty_rate"),
    Series("food_insecurity_rate"),
    Series("participation_agriculture"),
    Series("participation_services"),
    Series("participation_infrastructure"),
    Series("contribution_rate"),
    # the committed figures label this axis "trust (0-1)" (the registry: "trust index (0-1)");
    # kept so that the demo report stays byte-identical
    Series("mean_trust", axis="trust (0-1)", unit_interval=True),
)


def label(metric: str) -> str:
    """A measure's label in a sentence ("mean consumption"); an unknown key is its own label."""
    found = outputs.measure_info(metric)
    return measure_text(metric, found.label, found.unit)[0] if found is not None else metric


def unit(metric: str) -> str:
    """A measure's unit ("poverty lines per household"); "" when unknown."""
    found = outputs.measure_info(metric)
    return measure_text(metric, found.label, found.unit)[1] if found is not None else ""


def better(metric: str) -> str | None:
    """Which direction is better: "higher", "lower" or None (neither, or unknown)."""
    found = outputs.measure_info(metric)
    return found.better if found is not None else None


def title(metric: str) -> str:
    """A measure's heading: "Mean consumption (poverty lines per household)"."""
    return measure_title(label(metric), unit(metric))


def reads_in_own_units(metric: str) -> bool:
    """Whether differences of this measure are always read in its own units, never in % of
    the reference (recovery time in steps; utility, whose log scale makes % meaningless)."""
    return metric in ABSOLUTE_METRICS


def is_money(metric: str) -> bool:
    """Whether the measure is an amount of money (in poverty lines: it can also be written in
    the scenario's currency)."""
    found = outputs.measure_info(metric)
    return found is not None and found.kind == outputs.MONEY
