"""The report's sentences and number formats (sim/report/wording.py), and the readings it gives of
paired comparisons (sim/sweep/analysis.py, through sim/report/arms.py)."""

from __future__ import annotations

import math
import re
import string
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.report import arms, wording
from sim.report.wording import LABELS, SENTENCES, Difference, interval, p_value, reading, tick
from sim.sweep.analysis import paired_comparison
from tests.test_analysis import LABELS as ARM_LABELS
from tests.test_analysis import paired_runs, row_of

MINUS = "\u2212"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("templates", [SENTENCES, LABELS], ids=["sentences", "labels"])
def test_every_template_renders_with_named_placeholders_only(templates):
    for key, template in templates.items():
        fields = _fields(template)
        assert all(name.isidentifier() for name in fields), (key, fields)  # no {} or {0}: names tell translators
        text = template.format(**{name: f"<{name}>" for name in fields})
        assert "{" not in text and "}" not in text, key


def test_grammatical_forms_come_in_complete_sets_with_the_same_placeholders():
    keys = set(SENTENCES) | set(LABELS)
    templates = {**SENTENCES, **LABELS}
    for key in keys:
        base, _, form = key.rpartition(".")
        if form == "plural":
            assert base in keys and _fields(templates[base]) == _fields(templates[key]), key
        if form in ("one", "other"):
            other = f"{base}.{'other' if form == 'one' else 'one'}"
            assert other in keys and _fields(templates[other]) == _fields(templates[key]), key


def test_capitalised_measure_placeholder():
    assert wording.label("lhs_title", measure="mean trust") == "Mean trust against each factor (one dot per run)"
    assert (
        wording.say("sobol_caption", measure="mean trust")
        == "Sobol indices of mean trust; whiskers: 95 % bootstrap CI."
    )


def _difference(**overrides) -> Difference:
    values = dict(
        arm="Formal agreement",
        reference="No cooperation",
        measure="mean consumption",
        unit="poverty lines per household",
        scale="relative",
        estimate=4.1,
        low=3.2,
        high=5.0,
        pairs=20,
    )
    return Difference(**{**values, **overrides})


def test_readings_rise_fall_and_no_clear_difference():
    assert reading(_difference()) == (
        "Formal agreement raises mean consumption by 4.1 % [3.2, 5.0] relative to No cooperation "
        "(paired over 20 replicates)."
    )
    # a fall reads as a positive amount, its interval ordered
    assert reading(_difference(arm="Formal agreements", estimate=-4.1, low=-5.0, high=-3.2, pairs=8)) == (
        "Formal agreements lower mean consumption by 4.1 % [3.2, 5.0] relative to No cooperation "
        "(paired over 8 replicates)."
    )
    assert reading(_difference(estimate=-0.3, low=-1.0, high=0.4)) == (
        f"Formal agreement makes no clear difference to mean consumption ({MINUS}0.3 % [{MINUS}1.0, 0.4]) "
        "relative to No cooperation (paired over 20 replicates)."
    )


def test_readings_in_points_own_units_and_with_too_few_pairs():
    points = _difference(measure="poverty rate", unit="share of households", scale="points", estimate=-4.9)
    assert reading(points).startswith("Formal agreement lowers poverty rate by 4.9 percentage points [")
    steps = _difference(measure="recovery time", unit="steps", scale="absolute", estimate=0.0, low=0.0, high=0.0)
    assert "(0.0 steps [0.0, 0.0])" in reading(steps)
    near_zero = _difference(measure="x.count", unit="", scale="absolute", estimate=2.09, low=math.nan, high=math.nan)
    assert reading(replace(near_zero, pairs=1, near_zero=True)) == (
        "Formal agreement changes x.count by 2.09 relative to No cooperation, with too few paired replicates "
        "for an interval (paired over 1 replicate; difference in the metric's own units, not %, as the "
        "reference mean is close to 0)."
    )
    none = _difference(estimate=math.nan, low=math.nan, high=math.nan, pairs=0)
    assert (
        reading(none)
        == "Formal agreement: no paired replicates with mean consumption to compare against No cooperation."
    )


def test_reading_of_a_fall_of_a_singular_arm():
    text = reading(_difference(arm="Formal", reference="None", estimate=-4.1, low=-5.0, high=-3.2, pairs=8))
    assert "Formal lowers mean consumption by 4.1 % [3.2, 5.0] relative to None" in text


# ----------------------------------------------------------------------------- readings of paired comparisons


def _said(table: pd.DataFrame, arm: str, metric: str = "welfare.mean_consumption") -> str:
    """What the report says of one arm's row of ``analysis.paired_comparison``."""
    return reading(arms.difference(row_of(table, arm).to_dict(), metric, "No cooperation"))


def test_readings_of_paired_comparisons_raise_lower_and_no_clear_difference():
    runs = paired_runs({"autarky": 0.0, "formal": 0.05, "informal": -0.05, "temporary": 0.0}, noise=0.01)
    table = paired_comparison(
        runs, "welfare.mean_consumption", "autarky", arm_labels={**ARM_LABELS, "temporary": "Temporary"}
    )
    assert re.fullmatch(
        r"Formal agreement raises mean consumption by ([\d.]+) % \[([\d.]+), ([\d.]+)\] "
        r"relative to No cooperation \(paired over 20 replicates\)\.",
        _said(table, "formal"),
    )
    informal = _said(table, "informal")
    assert informal.startswith("Informal lowers mean consumption by ")
    # the numbers in a "lowers" sentence are positive magnitudes, its interval ordered
    assert MINUS not in informal.split(" by ")[1].split(" relative")[0]
    temporary = _said(table, "temporary")
    assert row_of(table, "temporary")["diff_low"] < 0 < row_of(table, "temporary")["diff_high"]
    assert temporary.startswith("Temporary makes no clear difference to mean consumption (")
    assert temporary.endswith(") relative to No cooperation (paired over 20 replicates).")


def test_reading_of_a_constant_difference():
    # values on a binary grid, so every per-replicate difference is exactly 0.25
    reference = np.arange(10) / 8 + 1.0
    runs = pd.DataFrame(
        [{"arm": "autarky", "replicate": r, "m": v} for r, v in enumerate(reference)]
        + [{"arm": "formal", "replicate": r, "m": v + 0.25} for r, v in enumerate(reference)]
    )
    expected = "16.0"  # 100 × 0.25 / 1.5625, three significant digits
    assert _said(paired_comparison(runs, "m", "autarky", group_cols=(), arm_labels=ARM_LABELS), "formal", "m") == (
        f"Formal agreement raises m by {expected} % [{expected}, {expected}] relative to No cooperation "
        "(paired over 10 replicates)."
    )
    # a constant zero difference is no difference
    same = runs.assign(m=np.where(runs["arm"] == "formal", runs["m"] - 0.25, runs["m"]))
    table = paired_comparison(same, "m", "autarky", group_cols=(), arm_labels=ARM_LABELS)
    assert "makes no clear difference to m" in _said(table, "formal", "m")


def test_reading_counts_the_pairs_left_after_missing_values():
    runs = paired_runs({"autarky": 0.0, "formal": 0.1}, n=12)
    metric = "welfare.mean_consumption"
    runs[metric] = runs[metric].astype(object)
    runs.loc[(runs["arm"] == "autarky") & runs["replicate"].isin([0, 5]), metric] = np.nan
    runs.loc[(runs["arm"] == "formal") & runs["replicate"].isin([5, 7]), metric] = None
    assert "paired over 9 replicates" in _said(
        paired_comparison(runs, metric, "autarky", arm_labels=ARM_LABELS), "formal"
    )


def test_reading_of_shares_in_percentage_points():
    runs = paired_runs({"autarky": 0.0, "formal": -0.05}, metric="welfare.poverty_rate", noise=0.005)
    runs["welfare.poverty_rate"] -= 0.9  # shares around 0.3
    table = paired_comparison(runs, "welfare.poverty_rate", "autarky", arm_labels=ARM_LABELS)
    text = _said(table, "formal", "welfare.poverty_rate")
    assert text.startswith("Formal agreement lowers poverty rate by ") and " percentage points [" in text


def test_reading_in_own_units_when_the_reference_is_near_zero():
    rng = np.random.default_rng(2)
    runs = pd.DataFrame(
        [{"arm": "autarky", "replicate": r, "x.count": 0.0} for r in range(8)]
        + [{"arm": "formal", "replicate": r, "x.count": 2.0 + rng.normal(0, 0.1)} for r in range(8)]
    )
    text = _said(paired_comparison(runs, "x.count", "autarky", arm_labels=ARM_LABELS), "formal", "x.count")
    assert text.startswith("Formal agreement raises x.count by 2.")
    assert "not %, as the reference mean is close to 0" in text


def test_interval_and_p_value_formats():
    assert interval(1.2345, 1.20, 1.27) == "1.23 [1.20, 1.27]"
    assert interval(0.049, 0.04, 0.059, scale=100.0, unit="pp") == "4.9 pp [4.0, 5.9]"
    assert interval(-4.1, -5.0, -3.2, unit="percent", digits=2) == f"{MINUS}4.10 % [{MINUS}5.00, {MINUS}3.20]"
    assert interval(1.5, math.nan, math.nan) == "1.50"
    assert interval(math.nan, 0.0, 1.0) == "n/a"
    assert p_value(0.0004) == "< 0.001" and p_value(0.0123) == "0.012" and p_value(math.nan) == "n/a"
    assert tick(-0.5) == f"{MINUS}0.5" and tick(1.0) == "1" and tick("high") == "high"


def test_column_decimals_take_the_finest_row():
    assert wording.column_decimals([(1.0, 0.9, 1.1), (1.0, 0.99, 1.01)]) == 2
    assert wording.column_decimals([(math.nan, 0.0, 1.0)], minimum=2) == 2


def test_measure_title_leaves_out_a_unit_already_in_the_label():
    assert wording.measure_title("mean consumption", "poverty lines per household") == (
        "Mean consumption (poverty lines per household)"
    )
    assert wording.measure_title("share of runs that recovered", "share of runs") == "Share of runs that recovered"
    assert wording.measure_title("x.count", "") == "X.count"


@pytest.mark.parametrize(
    ("arm", "plural"),
    [
        ("Formal agreements", True),
        ("All four forms", True),
        ("No cooperation", False),
        ("All forms, setup half subsidised", True),
        ("Formal agreement (enforced)", False),
        ("Long-term partnerships (no bundle)", True),
    ],
)
def test_the_head_noun_of_an_arm_label_decides_its_verb(arm, plural):
    from sim.report.wording import plural_subject

    assert plural_subject(arm) is plural
