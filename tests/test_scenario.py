"""Scenario files: loading, extends, overrides, and strict validation."""

from __future__ import annotations

import tomllib

import pytest

from sim import ScenarioError, VillageModel, load_scenario
from sim.scenario import RULES_BY_KEY, SCENARIO_DIR, _rule_for, available_scenarios, flatten


def test_default_loads_and_has_every_key_with_a_rule():
    scenario = load_scenario("default")
    raw = tomllib.loads((SCENARIO_DIR / "default.toml").read_text())
    for path, value in flatten(raw).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert _rule_for(path) is not None, f"{path} has no allowed range"
    assert scenario.get("forms.formal.enforcement") == raw["forms"]["formal"]["enforcement"]


def test_every_rule_names_a_real_key():
    flat = flatten(tomllib.loads((SCENARIO_DIR / "default.toml").read_text()))
    for pattern in RULES_BY_KEY:
        if "*" not in pattern:
            assert pattern in flat, f"rule for unknown key {pattern}"


@pytest.mark.parametrize("name", available_scenarios("villages"))
def test_shipped_scenarios_validate_and_describe_themselves(name):
    scenario = load_scenario(name)
    raw = tomllib.loads((SCENARIO_DIR / f"{name}.toml").read_text())
    assert raw.get("description"), f"{name} needs a one-line description"
    assert (SCENARIO_DIR / f"{name}.toml").read_text().lstrip().startswith("#"), "opens with a comment"
    assert scenario.params["landscape"]["n_villages"] >= 1


def test_overrides_and_shortcuts():
    s = load_scenario("default", {"forms.formal.enforcement": 0.9, "n_villages": 33, "steps": 7})
    assert s.get("forms.formal.enforcement") == 0.9
    assert s.get("landscape.n_villages") == 33
    assert s.get("run.steps") == 7
    assert s.overrides["landscape.n_villages"] == 33


def test_model_scenario_is_the_mesa_scenario_with_the_rng():
    from mesa.experimental.scenarios import Scenario

    m = VillageModel("default", rng=5, n_villages=20, steps=3, **{"forms.formal.enforcement": 0.9})
    assert isinstance(m.scenario, Scenario)
    assert m.scenario.rng == 5
    assert m.scenario.model is m
    assert m.scenario.get("forms.formal.enforcement") == 0.9
    loaded = load_scenario("default", {"n_villages": 20, "steps": 3})
    again = VillageModel(loaded, rng=5)
    assert again.scenario.get("landscape.n_villages") == 20


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"forms.formal.enforcement": 1.5}, "forms.formal.enforcement: 1.5 is out of range"),
        ({"forms.formal.enforcement": "high"}, "must be a number"),
        ({"landscape.n_villages": 2.5}, "whole number"),
        ({"behaviour.rule": "tit_for_tat"}, "allowed: one of"),
        ({"cooperation.forms": ["formal", "guild"]}, "unknown form 'guild'"),
        ({"cooperation.domains": ["fishing"]}, "'fishing' is not allowed"),
        ({"policy.mandate.services": "guild"}, "policy.mandate.services: unknown form"),
        ({"nonsense.key": 1}, "unknown key"),
        ({"forms.formal.nonsense": 1}, "unknown key"),
        ({"shocks.scheduled.0.intensity": 3.0}, "out of range"),
        ({"shocks.drought.district_weight": 0.8, "shocks.drought.local_weight": 0.5}, "must be <= 1"),
        ({"economy.allow_debt": "yes"}, "true or false"),
    ],
)
def test_bad_values_are_refused_with_the_key(overrides, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario("default", overrides)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[landscape\n")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario(tmp_path / "missing.toml")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('name = "u"\ndescription = "d"\n[landscape]\nn_villagez = 3\n')
    with pytest.raises(ScenarioError, match=r"unknown\.toml: landscape\.n_villagez: unknown key"):
        load_scenario(unknown)
    circular = tmp_path / "circ.toml"
    circular.write_text(f'extends = "{circular}"\n')
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(circular)


def test_new_form_without_code(tmp_path):
    path = tmp_path / "guild.toml"
    path.write_text(
        'name = "guild"\ndescription = "a new form"\n'
        '[cooperation]\nforms = ["guild"]\n'
        '[forms.guild]\nlabel = "Farmers\' guild"\nbased_on = "informal"\nenforcement = 0.5\nfine = 2.0\n'
    )
    scenario = load_scenario(path)
    assert scenario.get("forms.guild.enforcement") == 0.5
    assert scenario.get("forms.guild.running_cost") == scenario.get("forms.informal.running_cost")
    m = VillageModel(scenario, rng=2, n_villages=40, steps=8)
    m.run()
    assert m.ended or m.partnerships  # the new form is used
    assert {p.form.name for p in m.partnerships.values()} <= {"guild"}


def test_new_form_must_be_complete(tmp_path):
    path = tmp_path / "half.toml"
    path.write_text('name = "half"\ndescription = "d"\n[forms.half]\nlabel = "half"\nsetup_cost = 1.0\n')
    with pytest.raises(ScenarioError, match=r"forms\.half\.\w+: missing"):
        load_scenario(path)


def test_currency_is_converted_to_poverty_lines(tmp_path):
    path = tmp_path / "money.toml"
    path.write_text(
        'name = "money"\ndescription = "d"\n[economy]\ncurrency = "IDR million"\npoverty_line = 30.0\n'
        "[forms.formal]\nsetup_cost = 90.0\n"
    )
    scenario = load_scenario(path)
    assert scenario.get("forms.formal.setup_cost") == pytest.approx(3.0)
    assert scenario.get("forms.formal.enforcement") == load_scenario("default").get("forms.formal.enforcement")


def test_extends_chain(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text('name = "parent"\ndescription = "d"\n[behaviour]\nthreshold_mean = 0.7\n')
    child = tmp_path / "child.toml"
    child.write_text(f'name = "child"\ndescription = "d"\nextends = "{parent}"\n[behaviour]\ntemperature = 0.02\n')
    s = load_scenario(child)
    assert s.get("behaviour.threshold_mean") == 0.7
    assert s.get("behaviour.temperature") == 0.02


def test_more_villages_than_the_reference_grow_the_region_at_the_same_density():
    base = load_scenario("default").params["landscape"]
    grown = load_scenario("default", {"n_villages": 4 * base["reference_villages"]}).params["landscape"]
    assert grown["area_km"] == pytest.approx(2 * base["area_km"])  # 4x the villages on 4x the area
    assert grown["n_districts"] == 4 * base["n_districts"]  # the same villages per district
    fewer = load_scenario("default", {"n_villages": 50}).params["landscape"]
    assert (fewer["area_km"], fewer["n_districts"]) == (base["area_km"], base["n_districts"])
    fixed = load_scenario("default", {"n_villages": 800, "landscape.reference_villages": 0}).params["landscape"]
    assert (fixed["area_km"], fixed["n_districts"]) == (base["area_km"], base["n_districts"])
    # the grown scenario describes its own size: loading it again does not grow it twice
    again = load_scenario(load_scenario("default", {"n_villages": 800})).params["landscape"]
    assert again["area_km"] == pytest.approx(grown["area_km"]) and again["n_districts"] == grown["n_districts"]


def test_too_few_villages_for_a_large_region_says_how_to_scale_it():
    import re

    with pytest.raises(ScenarioError, match="n_districts") as error:
        load_scenario("indonesia_national", {"n_villages": 1000})
    suggested = dict(re.findall(r"--set (landscape\.\w+)=([0-9.]+)", str(error.value)))
    assert set(suggested) == {"landscape.n_districts", "landscape.area_km"}
    land = load_scenario("indonesia_national").params["landscape"]
    assert int(suggested["landscape.n_districts"]) == round(land["n_districts"] * 1000 / land["n_villages"])
    overrides = {"n_villages": 1000, **{k: float(v) for k, v in suggested.items()}}
    overrides["landscape.n_districts"] = int(overrides["landscape.n_districts"])
    assert load_scenario("indonesia_national", overrides).params["landscape"]["n_villages"] == 1000  # it loads


@pytest.mark.parametrize("line", [2.0, 0.5])
def test_money_overrides_use_the_final_poverty_line_whatever_their_order(line):
    first = load_scenario("default", {"economy.poverty_line": line, "forms.formal.setup_cost": 3.0})
    second = load_scenario("default", {"forms.formal.setup_cost": 3.0, "economy.poverty_line": line})
    assert first.get("forms.formal.setup_cost") == second.get("forms.formal.setup_cost") == pytest.approx(3.0 / line)


@pytest.mark.parametrize("line", [0, -1, "abc", True, [1]])
def test_a_bad_poverty_line_with_a_money_override_is_one_line(line):
    for overrides in (
        {"economy.poverty_line": line, "forms.formal.setup_cost": 3},
        {"forms.formal.setup_cost": 3, "economy.poverty_line": line},
    ):
        with pytest.raises(ScenarioError, match=r"^override: economy\.poverty_line: ") as error:
            load_scenario("default", overrides)
        assert "\n" not in str(error.value)


def test_a_file_that_extends_a_classic_game_is_told_to_say_so(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "classic/nowak_may"\nsteps = 5\n')
    with pytest.raises(ScenarioError, match=r"mine\.toml: extends: 'classic/nowak_may' is a classic game .*model = "):
        load_scenario(path)


def test_a_mistyped_key_or_name_gets_did_you_mean(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("[behaviour]\ntemprature = 0.1\n")
    with pytest.raises(
        ScenarioError, match=r"behaviour\.temprature: unknown key; allowed: .*did you mean 'temperature'"
    ):
        load_scenario(path)
    path.write_text('extends = "autarcy"\n')
    with pytest.raises(ScenarioError, match=r"extends: no scenario named 'autarcy'; did you mean 'autarky'\?"):
        load_scenario(path)
    with pytest.raises(
        ScenarioError,
        match=r"forms\.formal\.setup_cots: unknown key 'setup_cots'; allowed: .*; did you mean 'setup_cost'",
    ):
        load_scenario("default", {"forms.formal.setup_cots": 1.0})


def test_a_classic_game_that_extends_a_village_scenario_is_told_which_it_may_extend(tmp_path):
    from sim.classic import load_classic

    path = tmp_path / "game.toml"
    path.write_text('model = "spatial_game"\nextends = "autarky"\nsteps = 5\n')
    with pytest.raises(ScenarioError, match=r"game\.toml: extends: 'autarky' is a village scenario.*classic/nowak_may"):
        load_classic(path)
