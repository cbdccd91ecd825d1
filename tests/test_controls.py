"""The explorer's controls (sim/controls.py): built from a scenario, untouched they change
nothing, changed they become the scenario's dotted overrides (money in its currency)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from sim import controls
from sim.scenario import ScenarioError, available_scenarios, load_scenario


def _values(found) -> dict:
    return {c.name: c.value for c in found}


def _village_scenarios() -> list[str]:
    """The shipped scenarios of the village model (``scenarios/`` also holds classic games)."""
    names = []
    for name in available_scenarios():
        try:
            load_scenario(name)
        except ScenarioError:
            continue
        names.append(name)
    return names


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
    names = _village_scenarios()
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
