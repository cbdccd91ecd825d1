"""Classic scenarios (sim/classic/scenario.py): the root file holds every key, shipped
files validate, bad values and combinations are refused in one line naming the key."""

from __future__ import annotations

import pytest

from sim import ScenarioError, classic, load_scenario
from sim.classic import PARAMETERS, load_classic
from sim.scenario import SCENARIO_DIR, available_scenarios, flatten, read_toml


def test_root_file_holds_every_key_and_shipped_files_validate():
    root = flatten(read_toml(SCENARIO_DIR / "classic" / "nowak_may.toml"))
    assert list(root) == list(PARAMETERS)  # every key, in the order of the root file
    names = classic.classic_scenarios()
    assert "classic/nowak_may" in names and len(names) >= 8
    for name in names:
        path = SCENARIO_DIR / f"{name}.toml"
        text = path.read_text()
        assert text.lstrip().startswith("#"), f"{name} opens with a comment"
        assert read_toml(path).get("model") == "spatial_game"
        scenario = load_classic(name)
        assert scenario.params["description"]
        assert classic.is_spatial_game(name)


@pytest.mark.parametrize("path", list(PARAMETERS))
def test_declared_default_equals_the_root_file(path):
    p = PARAMETERS[path]
    value = flatten(read_toml(SCENARIO_DIR / "classic" / "nowak_may.toml"))[path]
    assert type(value) is p.kind
    if path not in ("name", "description"):  # these describe the root file itself
        assert value == p.default


@pytest.mark.parametrize("path", list(PARAMETERS))
def test_every_declaration_is_complete_and_consistent(path):
    p = PARAMETERS[path]
    assert p.path == path and p.unit and p.meaning and "\n" not in p.meaning
    if p.kind in (int, float):
        assert p.lo is not None, f"{path}: a number needs an allowed range"
        assert p.lo <= p.default and (p.hi is None or p.default <= p.hi)
    else:
        assert p.lo is None and p.hi is None
    if p.choices:
        assert p.default in p.choices


def test_listing_separates_the_two_models():
    every = available_scenarios()
    assert "default" in every and "classic/nowak_may" in every
    assert all(not n.startswith("classic/") for n in available_scenarios("villages"))
    assert all(n.startswith("classic/") for n in available_scenarios("spatial_game"))


def test_village_loader_refuses_a_classic_file():
    with pytest.raises(ScenarioError, match="classic-game scenario") as info:
        load_scenario("classic/nowak_may")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"game.b": "high"}, "override: game.b: must be a number"),
        ({"game.b": -0.5}, "override: game.b: -0.5 is out of range"),
        ({"lattice.size": 2}, "override: lattice.size: 2 is out of range"),
        ({"lattice.size": 10.5}, "whole number"),
        ({"lattice.boundary": "open"}, "allowed: one of 'periodic', 'fixed'"),
        ({"update": "death_birth"}, "does not play game.kind = 'prisoners_dilemma'"),
        ({"lattice.neighbourhood": "ring"}, "lattice.neighbourhood: 'ring' does not play"),
        ({"nonsense": 1}, "override: nonsense: unknown key"),
        ({"game.bb": 1}, "game.bb: unknown key; allowed: game.kind, game.b"),
        ({"game": 1}, "is a table"),
        ({"n_villages": 3}, "has no villages"),
        ({"game.b": 1.0000000001}, "at most 9 decimals"),
        ({"game.self_interaction": "yes"}, "true or false"),
    ],
)
def test_bad_values_are_refused_with_the_key(overrides, fragment):
    with pytest.raises(ScenarioError) as info:
        load_classic("classic/nowak_may", overrides)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_combinations_and_files(tmp_path):
    with pytest.raises(ScenarioError, match="boundary: death_birth needs 'periodic'"):
        load_classic("classic/ohtsuki_cycle", {"lattice.boundary": "fixed"})
    with pytest.raises(ScenarioError, match="fitness 1 - w"):
        load_classic("classic/ohtsuki_torus", {"death_birth.selection": 0.3})
    with pytest.raises(ScenarioError, match="groups of 5"):
        load_classic("classic/public_goods", {"lattice.size": 1001})
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "spatial_game"\nextends = "classic/nowak_may"\n[lattice]\nsise = 3\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: lattice.sise: unknown key"):
        load_classic(str(bad))
    bad.write_text('model = "spatial_game"\nextends = "classic/nowak_may"\nlattice = 3\n')
    with pytest.raises(ScenarioError, match="lattice: must be a table"):
        load_classic(str(bad))
    bad.write_text('model = "spatial_game"\nname = "x"\n')
    with pytest.raises(ScenarioError, match="missing"):
        load_classic(str(bad))
    bad.write_text('extends = "classic/nowak_may"\n')
    with pytest.raises(ScenarioError, match="must say model"):
        load_classic(str(bad))
