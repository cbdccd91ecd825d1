"""The output registry (sim/outputs.py): one declaration per measure, read by the
summary, the per-step table and the sweep's metric check."""

from __future__ import annotations

import pytest

from sim import VillageModel, outputs
from sim.scenario import load_scenario


@pytest.mark.parametrize(
    "scenario, overrides",
    [("default", {}), ("sweden_shared_services", {}), ("default", {"cooperation.forms": []})],
)
def test_registry_names_every_summary_key_and_column(scenario, overrides):
    model = VillageModel(scenario, rng=1, n_villages=30, steps=3, **overrides).run()
    summary = model.summary()
    assert list(summary) == outputs.scenario_summary_keys(model.params)
    assert sorted(model.timeseries().columns) == sorted(
        outputs.columns(model.form_names, model.service_names, with_shock=model.counterfactual is not None)
    )
    for key in summary:
        if key not in outputs.RUN_KEYS:
            assert outputs.measure_info(key) is not None, key


def test_sweep_metric_check_needs_no_model_run():
    params = load_scenario("default", {"cooperation.forms": ["formal"]}).params
    keys = outputs.scenario_summary_keys(params)
    assert "cooperation.partnerships.formal" in keys and "cooperation.partnerships.long_term" in keys
    assert "services.quality.fire" in keys


def test_placeholders_resolve_to_the_right_declaration():
    m = outputs.measure_info("cooperation.partnerships.long_term")
    assert (m.column, m.label, m.kind) == ("partnerships_long_term", "partnerships of form long term", "count")
    assert outputs.measure_info("partnerships_total").key is None
    assert outputs.measure_info("cooperation.ended.total").label == "partnerships ended"
    assert outputs.measure_info("cooperation.ended.term_ended").label == "partnerships ended: term ended"
    assert outputs.measure_info("no.such.key") is None


def test_every_measure_is_declared_completely():
    for m in (*outputs.MEASURES, *outputs.SHOCK_COLUMNS):
        assert m.key or m.column
        assert m.label and m.unit
        assert m.kind in outputs.KINDS
        assert m.better in ("higher", "lower", None)
        assert (m.summary == "mean") == bool(m.key and m.column)
        if m.kind == outputs.SHARE:
            assert m.unit.startswith("share of"), m
