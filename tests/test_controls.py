"""The explorer's controls (sim/controls.py): built from a scenario, untouched they change
nothing, changed they become the scenario's dotted overrides (money in its currency)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from sim import controls
from sim.scenario import load_scenario


def _values(found) -> dict:
    return {c.name: c.value for c in found}


def test_the_controls_are_pure():
    """No Solara and no Mesa visualisation (seconds to import): the page alone needs them."""
    code = (
        "import sys, sim.controls\n"
        "print([m for m in sys.modules if m.startswith(('mesa.visualization', 'solara', 'sim.app', 'matplotlib'))])\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


def test_untouched_controls_change_nothing():
    names = controls.village_scenarios()
    assert {"default", "sweden_shared_services", "indonesia_kerjasama_antar_desa"} <= set(names)
    for name in names:
        found = controls.scenario_controls(name)
        assert controls.controls_to_overrides(name, _values(found)) == {}, name
        for c in found:
            if c.kind in ("int", "float"):
                assert c.lo <= c.value <= c.hi, (name, c.name)
                # the slider shows the scenario's own value: it lies on the slider's grid
                assert math.isclose(c.value / c.step, round(c.value / c.step), abs_tol=1e-6), (name, c.name)
        names = {c.name for c in found}
        assert {"n_villages", "rule", "threshold_mean", "drought_severity", "drought_district_share"} <= names
        assert any(n.startswith("allow_") for n in names) and any(n.startswith("setup_cost_") for n in names)
        assert any(n.startswith("enforcement_") for n in names) and any(n.startswith("decay_") for n in names)


def test_explorer_model_with_untouched_controls_is_the_scenario_run():
    from sim.model import VillageModel

    values = _values(controls.scenario_controls("default"))
    values["n_villages"] = 40  # the one change: also compared below
    explorer = controls.ExplorerModel(scenario_name="default", **values)
    plain = VillageModel("default", rng=42, n_villages=40)
    for _ in range(3):
        explorer.step()
        plain.step()
    assert explorer.explorer_overrides == {"n_villages": 40}
    assert explorer.timeseries().equals(plain.timeseries())


def test_changed_controls_become_overrides_in_the_scenario_currency():
    name = "indonesia_kerjasama_antar_desa"  # money in IDR million, poverty line 30
    values = _values(controls.scenario_controls(name))
    assert values["setup_cost_formal"] == 90.0  # 3 poverty lines, shown in IDR million
    assert values["setup_cost_bum_desa_bersama"] == 150.0
    values.update(
        setup_cost_informal=30.0,
        enforcement_temporary=0.9,
        allow_formal=False,
        rule="always_cooperate",
        decay_fire=20.0,
        drought_severity=0.8,
        shock_0_intensity=0.3,
        n_villages=60.0,
    )
    overrides = controls.controls_to_overrides(name, values)
    assert overrides == {
        "forms.informal.setup_cost": 30.0,
        "forms.temporary.enforcement": 0.9,
        "cooperation.forms": ["informal", "long_term", "temporary", "bum_desa_bersama"],
        "behaviour.rule": "always_cooperate",
        "services.fire.decay_km": 20.0,
        "shocks.drought.severity": 0.8,
        "shocks.scheduled.0.intensity": 0.3,
        "n_villages": 60,
    }
    model = controls.ExplorerModel(scenario_name=name, **values)
    p = model.params
    assert p["forms"]["informal"]["setup_cost"] == pytest.approx(1.0)  # 30 IDR million = 1 poverty line
    assert p["cooperation"]["forms"] == ["informal", "long_term", "temporary", "bum_desa_bersama"]
    assert "formal" not in model.forms and model.state.n == 60
    assert p["shocks"]["scheduled"][0]["intensity"] == 0.3
    assert model.counterfactual.params["forms"]["informal"]["setup_cost"] == pytest.approx(1.0)
    with pytest.raises(TypeError, match="unknown explorer control"):
        controls.controls_to_overrides(name, {"no_such_control": 1})


def test_nice_step_is_one_two_five():
    for hi in (0.3, 5.0, 12.0, 360.0, 640.0):
        step = controls._nice_step(hi)
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 9) in (1.0, 2.0, 5.0) and 20 <= hi / step <= 50


def test_controls_read_their_label_unit_meaning_range_and_money_from_the_schema():
    from sim.scenario.schema import parameter

    name = "indonesia_kerjasama_antar_desa"  # money in IDR million, poverty line 30
    line = load_scenario(name).params["economy"]["poverty_line"]
    found = [c for c in controls.scenario_controls(name) if c.key is not None]
    assert {c.path for c in found} >= {"landscape.n_villages", "forms.formal.setup_cost", "services.fire.decay_km"}
    for c in found:
        declared = parameter(c.path)
        assert declared is not None, c.path
        assert c.label.endswith(declared.short_label), c.name
        assert c.money == declared.money, c.name
        assert declared.meaning in c.meaning, c.name
        if c.kind == "select":
            assert c.values == tuple(declared.choices)
            continue
        assert c.unit == (declared.unit.replace("money", "IDR million") if c.money else declared.unit), c.name
        lo, hi = (b * (line if c.money else 1.0) for b in declared.sweep_range())
        assert c.lo >= min(lo, c.value) - 1e-9 and c.hi <= max(hi, c.value) + 1e-9, c.name  # within the sweep
        assert hi - c.hi <= c.step + 1e-9 or c.path == "shocks.drought.district_weight", c.name  # ... and fills it
    setup = next(c for c in found if c.name == "setup_cost_formal")
    assert (setup.lo, setup.hi, setup.unit) == (0.0, 300.0, "IDR million per member village")  # 0-10 poverty lines


def test_sliders_show_the_scenario_value_on_their_grid():
    for name in controls.village_scenarios():
        for c in controls.scenario_controls(name):
            if c.kind not in ("int", "float"):
                continue
            for point in (c.value, c.hi):  # lo, the value and hi on the grid from lo
                k = (point - c.lo) / c.step
                assert math.isclose(k, round(k), abs_tol=1e-6), (name, c.name, c.lo, point, c.step)
            if c.kind == "int":
                assert all(isinstance(v, int) for v in (c.value, c.lo, c.hi, c.step)), (name, c.name)
    p = load_scenario("default").params
    district = next(c for c in controls.scenario_controls("default") if c.name == "drought_district_share")
    assert district.hi <= 1.0 - p["shocks"]["drought"]["local_weight"] + 1e-12  # the rest of the index is local


def test_slider_grid():
    assert controls.slider_grid(0.35, 0.0, 2.0, integer=False) == (0.0, 2.0, 0.05)
    assert controls.slider_grid(15.0, 1.0, 100.0, integer=False) == (1.0, 100.0, 1.0)
    assert controls.slider_grid(3.0, 0.0, 10.0, integer=False) == (0.0, 10.0, 0.5)
    assert controls.slider_grid(200, 10, 500, integer=True) == (10, 500, 10)
    lo, hi, step = controls.slider_grid(75_000, 10, 500, integer=True)
    assert lo == 10 and hi == 75_000 and (75_000 - 10) % step == 0
    assert controls.slider_grid(0.8, 0.0, 0.7, integer=False)[1] == 0.8  # widened to show the value


def test_the_controls_table_says_key_unit_and_value():
    model = controls.ExplorerModel(scenario_name="default", n_villages=30, enforcement_temporary=0.6)
    table = controls.controls_table(model, controls.scenario_controls("default")).splitlines()
    assert table[0] == "| control | sets | meaning | unit | this run |"
    row = next(r for r in table if r.startswith("| temporary: enforcement |"))
    assert "`forms.temporary.enforcement`" in row and "| probability |" in row and "**0.6** (changed)" in row
    row = next(r for r in table if r.startswith("| formal: setup cost |"))
    assert "poverty-line units per member village" in row and row.endswith("| 3 |")
    assert any(r.startswith("| Seed | `rng` |") for r in table)
