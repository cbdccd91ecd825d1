"""Input-validation fixes of the scenario loader (sim/scenario/), found by the independent corpus
(tests/test_bad_inputs_independent.py):

1. overrides are applied parents before children, so their order never changes the outcome, and
   ``load_scenario`` never changes the caller's overrides;
2. a bad key or value in an extended file names that file, not the file that extends it;
3. money values in a file's own currency are checked and reported in that currency;
4. ``--set run.steps.x=...`` says that run.steps is a value, not a table;
5. ``based_on`` in a service table is an unknown key (services have no ``based_on``; forms do),
   never "no service named ...; allowed: fire, ..." with names that are then refused;
6. every enumerated value and every unknown table or key gets "did you mean".
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import ScenarioError, load_scenario

NEW_SERVICE = (
    'label = "Town hall"\nfixed_cost = 3.0\ncost_per_household = 0.01\ndecay_km = 10.0\nutility_weight = 0.02\n'
    "fire_protection = 0.0\n"
)
SHOCK = {"kind": "drought", "step": 5, "duration": 1, "intensity": 0.5, "district": 1}
SERVICE_KEYS = "cost_per_household, decay_km, fire_protection, fixed_cost, label, utility_weight"


def one_line(argv: list, capsys) -> str:
    """``kerjasama ARGV`` refused: exit 2, one line on stderr, no traceback; the line."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert not re.search(r"allowed(?: there)?:\s*(?:;|\(|$)", lines[0]), lines[0]
    return lines[0].removeprefix("kerjasama: error: ")


def refused(scenario, overrides=None) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario, overrides)
    return str(caught.value)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- 1. override order

REFUSED_IN_BOTH_ORDERS = [
    pytest.param(
        {"shocks.scheduled": [], "shocks.scheduled.0.step": 3},
        "override: shocks.scheduled.0.step: index '0' out of range at shocks.scheduled.0",
        id="empty-shocks-then-index",
    ),
    pytest.param(
        {"cooperation.forms": [], "cooperation.forms.0": "formal"},
        "override: cooperation.forms.0: index '0' out of range",
        id="empty-forms-then-index",
    ),
]


@pytest.mark.parametrize(("overrides", "expect"), REFUSED_IN_BOTH_ORDERS)
@pytest.mark.parametrize("reverse", [False, True], ids=["given", "reversed"])
def test_a_replaced_list_then_an_index_is_refused_in_either_order(overrides, expect, reverse):
    items = list(overrides.items())
    assert refused("default", dict(reversed(items) if reverse else items)).startswith(expect)


@pytest.mark.parametrize(("overrides", "expect"), REFUSED_IN_BOTH_ORDERS)
def test_the_command_line_refuses_both_orders_alike(overrides, expect, tmp_path, capsys):
    def argv(items):
        out = ["run", "default", "--out", tmp_path / "out", "--quiet", "--steps", "1"]
        for key, value in items:
            shown = "[]" if value == [] else (f'"{value}"' if isinstance(value, str) else value)
            out += ["--set", f"{key}={shown}"]
        return out

    items = list(overrides.items())
    forward, backward = one_line(argv(items), capsys), one_line(argv(reversed(items)), capsys)
    assert forward == backward
    assert forward.startswith(expect)
    assert not (tmp_path / "out").exists()


ORDER_FREE = [
    pytest.param(
        {"shocks.scheduled": [dict(SHOCK)]},
        {"shocks.scheduled.0.step": 7},
        ("shocks", "scheduled", 0, "step"),
        7,
        id="replaced-shocks-then-step",
    ),
    pytest.param(
        {"cooperation.forms": ["informal", "formal"]},
        {"cooperation.forms.1": "temporary"},
        ("cooperation", "forms"),
        ["informal", "temporary"],
        id="replaced-forms-then-index",
    ),
    pytest.param({"run.steps": 20}, {"steps": 10}, ("run", "steps"), 10, id="steps-shortcut-wins"),
    pytest.param(
        {"landscape.n_villages": 30}, {"n_villages": 20}, ("landscape", "n_villages"), 20, id="villages-shortcut-wins"
    ),
]


def _at(params, path):
    for part in path:
        params = params[part]
    return params


@pytest.mark.parametrize(("parent", "child", "path", "value"), ORDER_FREE)
@pytest.mark.parametrize("child_first", [False, True], ids=["parent-first", "child-first"])
def test_overrides_apply_parents_before_children_in_any_order(parent, child, path, value, child_first):
    overrides = {**child, **parent} if child_first else {**parent, **child}
    given = copy.deepcopy(overrides)
    scenario = load_scenario("default", overrides)
    assert _at(scenario.params, path) == value
    assert overrides == given  # the caller's dict and the lists in it are untouched


def test_load_scenario_never_changes_the_lists_it_is_given():
    shocks = [dict(SHOCK)]
    arm = {"shocks.scheduled": shocks}  # as experiments share a [set] between arms
    load_scenario("default", {**arm, "shocks.scheduled.0.step": 7})
    assert shocks[0]["step"] == 5
    assert load_scenario("default", arm).params["shocks"]["scheduled"][0]["step"] == 5


def test_the_recorded_overrides_are_what_was_given():
    shocks = [dict(SHOCK)]
    scenario = load_scenario("default", {"shocks.scheduled.0.step": 7, "shocks.scheduled": shocks})
    assert scenario.overrides["shocks.scheduled"][0]["step"] == 5
    assert scenario.overrides["shocks.scheduled.0.step"] == 7
    assert scenario.params["shocks"]["scheduled"][0]["step"] == 7


# ----------------------------------------------------------------------------- 2. the file that holds the bad key


CHAIN_BUGS = [
    pytest.param("[run]\nstepz = 30\n", "run.stepz: unknown key; allowed: burn_in, step_unit, steps", id="unknown-key"),
    pytest.param(
        "[forms.formal]\nenforcement = 1.5\n",
        "forms.formal.enforcement: 1.5 is out of range; allowed: a number in [0, 1]",
        id="out-of-range",
    ),
    pytest.param("[behaviour]\nrule = 3\n", "behaviour.rule: must be a string", id="wrong-type"),
    pytest.param(
        "[services.hall]\nlabel = 5\n" + NEW_SERVICE.split("\n", 1)[1], "services.hall.label:", id="new-service"
    ),
]


@pytest.mark.parametrize(("text", "expect"), CHAIN_BUGS)
@pytest.mark.parametrize("depth", [1, 2], ids=["parent", "grandparent"])
def test_a_bad_key_in_an_extended_file_names_that_file(text, expect, depth, tmp_path, capsys):
    names = ["a", "b", "c"][: depth + 1]
    for child, parent in zip(names, names[1:], strict=False):
        write(tmp_path / f"{child}.toml", f'extends = "{parent}"\n')
    bad = write(tmp_path / f"{names[-1]}.toml", text).resolve()
    top = tmp_path / "a.toml"
    assert refused(top).startswith(f"{bad}: {expect}")
    for command in ("check", "run"):
        line = one_line([command, top, *(["--out", tmp_path / "out"] if command == "run" else [])], capsys)
        assert line.startswith(f"{bad}: {expect}"), line
        assert str(top.resolve()) not in line
    assert not (tmp_path / "out").exists()


def test_a_rule_across_keys_still_names_the_file_loaded(tmp_path):
    """Values fine in each file but not together: the file that brings them together is named."""
    write(tmp_path / "b.toml", "[shocks.drought]\ndistrict_weight = 0.6\n")
    top = write(tmp_path / "a.toml", 'extends = "b"\n[shocks.drought]\nlocal_weight = 0.5\n').resolve()
    assert refused(top).startswith(f"{top}: shocks.drought.local_weight: district_weight + local_weight")


# ----------------------------------------------------------------------------- 3. money in a file's own currency


MONEY = [
    pytest.param(
        "[economy]\npoverty_line = 30.0\n[behaviour]\ntemperature = 0.00000001\n",
        "behaviour.temperature: 1e-08 is out of range; allowed: a number >= 3e-08 "
        "(1e-09 poverty lines at poverty_line 30)",
        id="own-line",
    ),
    pytest.param(
        "[economy]\npoverty_line = 2\n[infrastructure]\nbuild_cost = 0.000000001\n",
        "infrastructure.build_cost: 1e-09 is out of range; allowed: a number >= 2e-09 "
        "(1e-09 poverty lines at poverty_line 2)",
        id="other-key",
    ),
    pytest.param(
        "[economy]\npoverty_line = 30.0\n[forms.formal]\nsetup_cost = -1\n",
        "forms.formal.setup_cost: -1 is out of range; allowed: a number >= 0",
        id="zero-bound",
    ),
]


@pytest.mark.parametrize(("text", "expect"), MONEY)
def test_money_is_checked_in_the_files_currency(text, expect, tmp_path, capsys):
    path = write(tmp_path / "case.toml", text).resolve()
    assert refused(path) == f"{path}: {expect}"
    assert one_line(["check", path], capsys) == f"{path}: {expect}"


def test_money_in_a_file_that_inherits_its_currency(tmp_path):
    write(tmp_path / "b.toml", "[economy]\npoverty_line = 30.0\n")
    top = write(tmp_path / "a.toml", 'extends = "b"\n[behaviour]\ntemperature = 0.00000001\n').resolve()
    assert refused(top) == (
        f"{top}: behaviour.temperature: 1e-08 is out of range; allowed: a number >= 3e-08 "
        "(1e-09 poverty lines at poverty_line 30)"
    )


def test_money_in_range_in_the_files_currency_is_accepted(tmp_path):
    path = write(tmp_path / "case.toml", "[economy]\npoverty_line = 30.0\n[behaviour]\ntemperature = 0.06\n")
    assert load_scenario(path).params["behaviour"]["temperature"] == pytest.approx(0.002)


MONEY_OVERRIDES = [
    pytest.param(
        "indonesia_kerjasama_antar_desa",
        {"behaviour.temperature": 0.00000001},
        "override: behaviour.temperature: 1e-08 is out of range; allowed: a number >= 3e-08 "
        "(1e-09 poverty lines at poverty_line 30)",
        id="scenario-line",
    ),
    pytest.param(
        "default",
        {"behaviour.temperature": 0.000000001, "economy.poverty_line": 2},
        "override: behaviour.temperature: 1e-09 is out of range; allowed: a number >= 2e-09 "
        "(1e-09 poverty lines at poverty_line 2)",
        id="overridden-line",
    ),
]


@pytest.mark.parametrize(("scenario", "overrides", "expect"), MONEY_OVERRIDES)
def test_money_overrides_are_checked_in_the_scenarios_currency(scenario, overrides, expect, tmp_path, capsys):
    assert refused(scenario, overrides) == expect
    assert refused(scenario, dict(reversed(list(overrides.items())))) == expect
    argv = ["run", scenario, "--out", tmp_path / "out", "--quiet"]
    for key, value in overrides.items():
        argv += ["--set", f"{key}={value}"]
    assert one_line(argv, capsys) == expect
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- 4. a value is not a table


@pytest.mark.parametrize(
    ("item", "expect"),
    [
        pytest.param("run.steps.x=30", "override: run.steps.x: run.steps is a value, not a table", id="run-steps"),
        pytest.param("name.x=1", "override: name.x: name is a value, not a table", id="top-level"),
        pytest.param(
            "cooperation.forms.0.x=1",
            "override: cooperation.forms.0.x: cooperation.forms.0 is a value, not a table",
            id="list-item",
        ),
        pytest.param(
            "run.stepz.x=1",
            "override: run.stepz.x: unknown key 'run.stepz'; allowed there: steps, step_unit, burn_in (values, with no sub-keys); "
            "did you mean 'steps'?",
            id="unknown-in-a-table-of-values",
        ),
        pytest.param(
            "shocks.scheduled.4.step=3",
            "override: shocks.scheduled.4.step: index '4' out of range at shocks.scheduled.4; allowed: 0",
            id="index",
        ),
    ],
)
def test_a_key_below_a_value(item, expect, tmp_path, capsys):
    line = one_line(["run", "default", "--out", tmp_path / "out", "--quiet", "--set", item], capsys)
    assert line.startswith(expect), line
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- 5. based_on for services


@pytest.mark.parametrize("base", ["clinic", "fire"])
@pytest.mark.parametrize("table", ["hall", "fire"], ids=["new-service", "shipped-service"])
def test_based_on_is_not_a_key_of_a_service(base, table, tmp_path, capsys):
    body = NEW_SERVICE if table == "hall" else ""
    path = write(tmp_path / "case.toml", f'[services.{table}]\n{body}based_on = "{base}"\n').resolve()
    expect = (
        f"{path}: services.{table}.based_on: no service is based on another (unknown key; only a form has "
        f"based_on): give every key; allowed: {SERVICE_KEYS}"
    )
    assert refused(path).startswith(expect)
    assert one_line(["check", path], capsys).startswith(expect)


def test_based_on_still_builds_a_new_form(tmp_path):
    path = write(tmp_path / "case.toml", '[forms.guild]\nbased_on = "informal"\nfine = 2.0\n')
    guild = load_scenario(path).params["forms"]["guild"]
    assert guild["fine"] == 2.0
    assert guild["max_members"] == 6


def test_a_mistyped_form_in_based_on(tmp_path):
    path = write(tmp_path / "case.toml", '[forms.guild]\nbased_on = "infromal"\n').resolve()
    assert refused(path) == (
        f"{path}: forms.guild.based_on: no form named 'infromal'; allowed: formal, informal, long_term, temporary; "
        "did you mean 'informal'?"
    )


# ----------------------------------------------------------------------------- 6. did you mean


FILE_TYPOS = [
    pytest.param('[behaviour]\nrule = "conditionl"\n', "behaviour.rule", "conditional", id="rule"),
    pytest.param('[cooperation]\nforms = ["formall"]\n', "cooperation.forms", "formal", id="allowed-forms"),
    pytest.param('[cooperation]\ndomains = ["servics"]\n', "cooperation.domains", "services", id="allowed-domains"),
    pytest.param(
        '[[shocks.scheduled]]\nkind = "flod"\nstep = 5\nduration = 1\nintensity = 0.5\ndistrict = 1\n',
        "shocks.scheduled.0.kind",
        "flood",
        id="shock-kind",
    ),
    pytest.param('[run]\nstep_unit = "yaer"\n', "run.step_unit", "year", id="step-unit"),
    pytest.param('[policy.mandate]\nservics = "formal"\n', "policy.mandate.servics", "services", id="mandate-domain"),
    pytest.param('[policy.mandate]\nservices = "formel"\n', "policy.mandate.services", "formal", id="mandate-form"),
    pytest.param(
        'model = "spatial_game"\nextends = "classic/nowak_may"\n[lattcie]\nsize = 50\n',
        "lattcie",
        "lattice",
        id="classic-table",
    ),
    pytest.param(
        'model = "spatial_game"\nextends = "classic/nowak_may"\n[game]\nbb = 1.5\n',
        "game.bb",
        "game.b",
        id="classic-key",
    ),
]


@pytest.mark.parametrize(("text", "key", "meant"), FILE_TYPOS)
def test_a_mistyped_name_in_a_file_gets_did_you_mean(text, key, meant, tmp_path, capsys):
    path = write(tmp_path / "case.toml", text).resolve()
    for command in ("check", "run"):
        line = one_line([command, path, *(["--out", tmp_path / "out"] if command == "run" else [])], capsys)
        assert line.startswith(f"{path}: {key}:"), line
        assert line.endswith(f"; did you mean {meant!r}?"), line
    assert not (tmp_path / "out").exists()


SET_TYPOS = [
    pytest.param("default", "behaviour.rule=conditionl", "behaviour.rule", "conditional", id="rule"),
    pytest.param("default", "shocks.scheduled.0.kind=flod", "shocks.scheduled.0.kind", "flood", id="shock-kind"),
    pytest.param("default", 'cooperation.forms=["formall"]', "cooperation.forms", "formal", id="allowed-forms"),
    pytest.param("default", "policy.mandate.services=formel", "policy.mandate.services", "formal", id="mandate"),
    pytest.param("classic/nowak_may", "lattcie.size=50", "lattcie.size", "lattice.size", id="classic-table"),
]


@pytest.mark.parametrize(("scenario", "item", "key", "meant"), SET_TYPOS)
def test_a_mistyped_name_in_an_override_gets_did_you_mean(scenario, item, key, meant, tmp_path, capsys):
    line = one_line(["run", scenario, "--out", tmp_path / "out", "--quiet", "--set", item], capsys)
    assert line.startswith(f"override: {key}:"), line
    assert line.endswith(f"; did you mean {meant!r}?"), line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("line", "value"), [(30, "3e-08"), (11, "1.1e-08"), (33, "0.000000033"), (7, "7e-09")])
def test_money_at_its_bound_in_the_files_currency_is_accepted(line, value, tmp_path):
    """The bound as the message shows it is allowed, though value / line may fall an ulp short of it."""
    path = write(tmp_path / "case.toml", f"[economy]\npoverty_line = {line}\n[behaviour]\ntemperature = {value}\n")
    assert load_scenario(path).params["behaviour"]["temperature"] == pytest.approx(1e-9)
    overrides = {"behaviour.temperature": float(value), "economy.poverty_line": line}
    assert load_scenario("default", overrides).params["behaviour"]["temperature"] == pytest.approx(1e-9)
