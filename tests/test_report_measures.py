"""What the report knows of each measure (sim/report/measures.py)."""

from __future__ import annotations

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
    assert measures.reads_in_own_units("resilience.recovery_steps")
    assert not measures.reads_in_own_units("welfare.mean_consumption")


def test_series_drawn_over_time():
    columns = [s.column for s in measures.SERIES]
    assert len(set(columns)) == len(columns) and "mean_consumption" in columns
    for series in measures.SERIES:
        assert series.share == series.unit.startswith("share of") or series.column == "mean_trust"
