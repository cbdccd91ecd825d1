"""The loader machinery any model's scenarios share (sim/scenario/load.py, validate.py): a chain of
files merged by ``extends``, dotted overrides for a flat schema, a flat schema's checks, and
errors that name the override; tried here on a small stub model, not the villages."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from sim.scenario import (
    Chain,
    LoadedScenario,
    Parameter,
    ScenarioError,
    blame_overrides,
    check_flat_tree,
    extended_file,
    resolve_extends,
    set_declared,
    starting_tree,
)

# A stub model's flat schema: top-level keys and one level of tables.
STUB = {
    "model": Parameter("model", "stub", "model name", "which model runs this file", choices=("stub",)),
    "extends": Parameter("extends", "", "scenario name", "file this one starts from"),
    "steps": Parameter("steps", 10, "steps", "horizon", 1, 1000),
    "game.b": Parameter("game.b", 1.5, "1", "temptation", 0.0, 10.0),
    "game.kind": Parameter("game.kind", "pd", "name", "which game", choices=("pd", "snowdrift")),
    "game.self": Parameter("game.self", True, "yes/no", "plays itself?"),
    "init.share": Parameter("init.share", 0.5, "share", "cooperators at start", 0.0, 1.0),
}
ROOT = 'model = "stub"\nextends = ""\nsteps = 10\n[game]\nb = 1.5\nkind = "pd"\nself = true\n[init]\nshare = 0.5\n'


def _parent(path: Path, data: dict) -> Path | None:
    if data.get("model") != "stub":
        raise ScenarioError(f"{path}: model: a stub file must say model = 'stub'")
    name = data.get("extends", "")
    return extended_file(path, name) if name else None


STUB_CHAIN = Chain(_parent, cycle_names_repeat=True)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    root, child = tmp_path / "root.toml", tmp_path / "child.toml"
    root.write_text(ROOT)
    child.write_text(f'model = "stub"\nextends = "{root}"\n[game]\nb = 1.8\n')
    return root, child


def test_a_chain_merges_a_file_onto_the_files_it_extends(tmp_path):
    _, child = _files(tmp_path)
    tree = resolve_extends(child, STUB_CHAIN)
    assert tree["game"] == {"b": 1.8, "kind": "pd", "self": True}
    assert check_flat_tree(tree, STUB, "child")["init"]["share"] == 0.5


def test_a_chain_refuses_circles_bad_parents_and_other_models(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'model = "stub"\nextends = "{b}"\n')
    b.write_text(f'model = "stub"\nextends = "{a}"\n')
    with pytest.raises(ScenarioError, match=r"a\.toml: extends: circular chain a -> b -> a$"):
        resolve_extends(a, STUB_CHAIN)
    with pytest.raises(ScenarioError, match=r"circular chain a -> b$"):
        resolve_extends(a, Chain(_parent))
    a.write_text('model = "stub"\nextends = 3\n')
    with pytest.raises(ScenarioError, match=r"extends: must be a scenario name or a path to a .toml file"):
        resolve_extends(a, STUB_CHAIN)
    a.write_text('model = "stub"\nextends = "no_such_scenario"\n')
    with pytest.raises(ScenarioError, match="extends: no scenario named 'no_such_scenario'"):
        resolve_extends(a, STUB_CHAIN)
    a.write_text('model = "other"\n')
    with pytest.raises(ScenarioError, match="model: a stub file must say"):
        resolve_extends(a, STUB_CHAIN)


def test_a_combine_step_sees_parent_and_file(tmp_path):
    _, child = _files(tmp_path)
    doubled = Chain(_parent, combine=lambda parent, data, path: {**parent, "steps": 2 * parent["steps"]})
    assert resolve_extends(child, doubled)["steps"] == 20


@pytest.mark.parametrize(
    ("tree_change", "message"),
    [
        ({"nonsense": 1}, "S: nonsense: unknown key; allowed: model, extends, steps, [game], [init]"),
        (
            {"game": {"b": 1.5, "kind": "pd", "self": True, "x": 1}},
            "S: game.x: unknown key; allowed: game.b, game.kind, game.self",
        ),
        ({"game": 3}, r"S: game: must be a table ([game])"),
        ({"steps": 2.5}, "S: steps: must be a whole number, got 2.5"),
        ({"init": {"share": 2.0}}, "S: init.share: 2.0 is out of range; allowed: a number in [0, 1]"),
        ({"init": {}}, "S: init.share: missing (required key)"),
    ],
)
def test_a_flat_schema_checks_every_key_with_one_line(tmp_path, tree_change, message):
    root, _ = _files(tmp_path)
    tree = {**resolve_extends(root, STUB_CHAIN), **tree_change}
    with pytest.raises(ScenarioError) as error:
        check_flat_tree(tree, STUB, "S")
    assert str(error.value) == message


def test_overrides_of_a_flat_schema_and_errors_that_name_them(tmp_path):
    root, _ = _files(tmp_path)
    tree = resolve_extends(root, STUB_CHAIN)
    set_declared(tree, "game.b", 2.0, "override", STUB)
    assert check_flat_tree(tree, STUB, "S")["game"]["b"] == 2.0
    with pytest.raises(ScenarioError, match="^override: game: is a table; set one of its keys instead$"):
        set_declared(tree, "game", 1, "override", STUB)
    with pytest.raises(ScenarioError, match="^override: game.z: unknown key; allowed: game.b, game.kind, game.self$"):
        set_declared(tree, "game.z", 1, "override", STUB)
    set_declared(tree, "game.b", 99.0, "override", STUB)
    with pytest.raises(ScenarioError) as error:
        check_flat_tree(tree, STUB, "S")
    shown = blame_overrides(error.value, "S", {"game.b": 99.0})
    assert str(shown) == "override: game.b: 99.0 is out of range; allowed: a number in [0, 10]"
    across = ScenarioError("S: steps: too many for b")
    assert str(blame_overrides(across, "S", {"game.b": 3.0})) == "S: steps: too many for b (with overrides game.b=3.0)"
    assert blame_overrides(across, "S", {"game.b": 3.0}, across_keys=False) is across
    assert blame_overrides(across, "S", {}) is across


def test_starting_tree_from_a_file_or_from_a_loaded_scenario(tmp_path):
    _, child = _files(tmp_path)
    raw, source, applied = starting_tree(child, "sim.scenario.loaded:LoadedScenario", STUB_CHAIN)
    assert (source, applied, raw["game"]["b"]) == (str(child.resolve()), {}, 1.8)
    loaded = LoadedScenario(name="c", source=source, params=raw, raw=raw, overrides={"steps": 5})
    again, same_source, kept = starting_tree(loaded, "sim.scenario.loaded:LoadedScenario", STUB_CHAIN)
    assert (again, same_source, kept) == (raw, source, {"steps": 5}) and again is not raw


# --- extends, names and the horizon (issue 16) ------------------------------------------


def test_extends_resolves_beside_the_file_then_in_scenarios_never_in_the_current_directory(tmp_path, monkeypatch):
    from sim import load_scenario

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "parent.toml").write_text('name = "parent"\n[run]\nsteps = 31\n')
    (tmp_path / "sub" / "child.toml").write_text('extends = "parent"\n')
    (tmp_path / "top.toml").write_text('extends = "sub/parent.toml"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the current directory holds nothing the files name
    assert load_scenario(tmp_path / "sub" / "child.toml").params["run"]["steps"] == 31
    assert load_scenario(tmp_path / "top.toml").params["run"]["steps"] == 31
    (elsewhere / "decoy.toml").write_text("[run]\nsteps = 7\n")  # in the CWD only: never found
    (tmp_path / "uses_decoy.toml").write_text('extends = "decoy"\n')
    with pytest.raises(ScenarioError, match="extends: no scenario named 'decoy'.*never in the current directory"):
        load_scenario(tmp_path / "uses_decoy.toml")
    (tmp_path / "uses_shipped.toml").write_text('extends = "autarky"\n')  # not beside it: the scenarios folder
    assert load_scenario(tmp_path / "uses_shipped.toml").params["cooperation"]["forms"] == []


def test_a_file_without_a_name_is_named_after_itself_not_after_its_parent(tmp_path):
    from sim import load_scenario

    (tmp_path / "my_region.toml").write_text('extends = "autarky"\n[run]\nsteps = 30\n')
    assert load_scenario(tmp_path / "my_region.toml").name == "my_region"
    assert load_scenario("autarky").name == "autarky"


def test_a_shock_after_the_horizon_is_an_error_in_the_file_and_a_warning_from_an_override(tmp_path):
    from sim import load_scenario
    from sim.scenario import ScenarioWarning

    (tmp_path / "short.toml").write_text("[run]\nsteps = 12\n")  # the default's drought is at step 20
    with pytest.raises(ScenarioError, match=r"short.toml: shocks.scheduled.0.step: 20 is after the last step \(12\)"):
        load_scenario(tmp_path / "short.toml")
    with pytest.warns(ScenarioWarning, match=r"20 is after the last step \(12\), which an override set"):
        load_scenario("default", {"steps": 12})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within the horizon: no warning
        load_scenario("default", {"steps": 20})
        load_scenario("default", {"steps": 12, "shocks.scheduled": []})
