"""The report's sentences and number formats (sim/report/wording.py)."""

from __future__ import annotations

import itertools
import math
import string
from dataclasses import replace

import pytest

from sim.report import wording
from sim.report.wording import LABELS, SENTENCES, Difference, interval, p_value, reading, tick
from sim.sweep import analysis

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


# Until sim/sweep/analysis.py drops its own copy of the reading sentences, both must agree.
@pytest.mark.parametrize("arm", ["Formal agreement", "Formal agreements", "All four forms", "Business"])
def test_readings_equal_the_analysis_readings(arm):
    cases = [
        ("welfare.mean_consumption", "relative"),
        ("welfare.poverty_rate", "points"),
        ("resilience.recovery_steps", "absolute"),
        ("x.count", "absolute"),
    ]
    triples = [
        (4.1, 3.2, 5.0),
        (-4.1, -5.0, -3.2),
        (-0.3, -1.0, 0.4),
        (0.0123, -0.002, 0.03),
        (2.09, math.nan, math.nan),
    ]
    triples.append((math.nan, math.nan, math.nan))
    for (metric, scale), (e, lo, hi), pairs in itertools.product(cases, triples, (1, 5)):
        label, unit, _ = analysis.metric_info(metric)
        near_zero = scale == "absolute" and metric not in analysis.ABSOLUTE_METRICS
        ours = reading(Difference(arm, "No cooperation", label, unit, scale, e, lo, hi, pairs, near_zero))
        assert ours == analysis.reading(arm, "No cooperation", metric, scale, e, lo, hi, pairs)


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
