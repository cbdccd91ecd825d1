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


def _leakage_step(steps: int, partnership: list[int], withheld: list[float], paid: list[float]):
    """A stand-in for a model after one step: what ``outputs.MissingShare`` reads of it."""
    from types import SimpleNamespace

    import numpy as np

    column = np.full((len(partnership), 3), -1)
    column[:, 2] = partnership  # the infrastructure domain
    building = SimpleNamespace(withheld=np.array(withheld), paid=np.array(paid))
    return SimpleNamespace(
        steps=steps,
        params={"run": {"burn_in": 5}},
        state=SimpleNamespace(partnership=column),
        last_economy=SimpleNamespace(building=building),
    )


def test_missing_share_is_what_infrastructure_members_withheld_of_what_they_owed():
    """Known answer: members only, steps after the burn-in only, sums over steps (not a mean of
    ratios). A non-member's or a burn-in step's withholding (deliberately large) does not count."""
    meter = outputs.pattern_meter("infrastructure.missing_share")
    assert meter.value() != meter.value()  # NaN: nothing owed yet
    meter(_leakage_step(5, [0, 0, -1], [9.0, 9.0, 9.0], [0.0, 0.0, 0.0]))  # burn-in: not counted
    meter(_leakage_step(6, [0, 0, -1], [1.0, 0.0, 50.0], [0.0, 3.0, 50.0]))  # village 2 is no member
    meter(_leakage_step(7, [1, 1, 1], [0.0, 0.0, 2.0], [2.0, 2.0, 0.0]))
    assert meter.value() == pytest.approx((1.0 + 2.0) / (4.0 + 6.0))
    declared, _ = outputs.PATTERN_MEASURES["infrastructure.missing_share"]
    assert declared.kind == outputs.SHARE and declared.unit.startswith("share of") and declared.better == "lower"
