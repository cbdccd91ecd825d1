"""What the report knows of each measure (sim/report/measures.py): all of it from the output registry."""

from __future__ import annotations

from sim import outputs
from sim.report import measures


def test_labels_units_and_directions():
    assert measures.title("welfare.mean_consumption") == "Mean consumption (poverty lines per household)"
    assert (
        measures.better("welfare.poverty_rate") == "lower" and measures.better("welfare.mean_consumption") == "higher"
    )
    assert (measures.label("x.unknown"), measures.unit("x.unknown"), measures.better("x.unknown")) == (
        "x.unknown",
        "",
        None,
    )
    assert (measures.label("welfare.mean_consumption"), measures.unit("welfare.mean_consumption")) == (
        "mean consumption",
        "poverty lines per household",
    )
    assert measures.better("resilience.recovered") == "higher"
    innovation = "innovation.new_practices_per_step"
    assert (measures.label(innovation), measures.unit(innovation), measures.better(innovation)) == (
        "new practices",
        "villages per step",
        "higher",
    )
    assert measures.reads_in_own_units("resilience.recovery_steps")
    assert not measures.reads_in_own_units("welfare.mean_consumption")


def test_labels_units_and_directions_are_the_registry_s():
    for key in (*measures.DEFAULT_METRICS, *measures.RESILIENCE_BARS, "cooperation.partnerships.my_own_form"):
        declared = outputs.measure_info(key)
        assert declared is not None and declared.key == key
        assert (measures.label(key), measures.unit(key), measures.better(key)) == (
            declared.label,
            declared.unit,
            declared.better,
        )
    for column in (measures.AFFECTED, measures.COUNTERFACTUAL_AFFECTED):
        assert column in {m.column for m in outputs.SHOCK_COLUMNS}


def test_series_drawn_over_time():
    columns = [s.column for s in measures.SERIES]
    assert len(set(columns)) == len(columns) and "mean_consumption" in columns
    for series in measures.SERIES:
        assert series.share == series.unit.startswith("share of") or series.column == "mean_trust"
        declared = outputs.measure_info(series.column)
        assert declared.column == series.column and series.title == declared.label
        assert series.unit == (series.axis or declared.unit)
    assert measures.Series("mean_trust").unit == "trust index (0-1)"  # what the figure's "trust (0-1)" replaces
