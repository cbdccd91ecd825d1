"""The output registry (sim/outputs.py): one declaration per measure, read by the
summary, the per-step table and the sweep's metric check."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
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


def test_joint_returns_is_the_benefit_cost_ratio_of_each_project_a_partnership_builds():
    """Known answer on a hand-built state: a group of two members whose project starts serving
    them this step counts once, with B:C = bonus x their no-shock output x lifetime / (build
    cost paid + lifetime upkeep); a village served by its own project (no partnership) and a
    group whose project started earlier do not count. The bins and the mean read the same list."""
    q = {"lifetime": 10, "upkeep": 1.0, "upkeep_per_household": 0.0}
    a = {"irrigation_bonus": 0.1, "alpha": 1.0}
    column = np.full((4, 3), -1)
    column[:, 2] = [7, 7, -1, 8]
    state = SimpleNamespace(
        partnership=column,
        served_until=np.array([13, 13, 13, 12]),  # step 3 + lifetime 10: villages 0, 1 (and 2, alone) built now
        households=np.array([100.0, 200.0, 50.0, 80.0]),
        productivity=np.array([1.0, 2.0, 1.0, 1.0]),
        land=np.array([1.0, 1.0, 1.0, 1.0]),
        project_value=np.array([20.0, 30.0, 40.0, 40.0]),
    )
    model = SimpleNamespace(steps=3, state=state, params={"infrastructure": q, "agriculture": a})
    mean = outputs.pattern_meter("infrastructure.joint_return_mean")
    assert mean.value() != mean.value()  # NaN: nothing built yet
    shares = {b: outputs.pattern_meter(f"infrastructure.joint_return_share_{b}") for b in outputs.JOINT_RETURN_BINS}
    for meter in (mean, *shares.values()):
        meter(model)
    expected = 0.1 * (100 * 1.0 + 200 * 2.0) * 10 / (20.0 + 30.0 + 10 * 1.0)  # 500 / 60 = 8.33
    assert mean.ratios == [pytest.approx(expected)] and mean.value() == pytest.approx(expected)
    assert shares["above_5"].value() == 1.0 and sum(m.value() for m in shares.values()) == 1.0
    model.steps, state.served_until = 4, np.array([13, 13, 13, 14])  # village 3's group builds in step 4: B:C 1.6
    for meter in (mean, *shares.values()):
        meter(model)
    assert mean.ratios[1] == pytest.approx(0.1 * 80 * 10 / (40.0 + 10 * 1.0))
    assert shares["above_5"].value() == shares["1_2"].value() == 0.5
    declared, _ = outputs.PATTERN_MEASURES["infrastructure.joint_return_share_1_2"]
    assert declared.kind == outputs.SHARE and "[1, 2)" in declared.label
